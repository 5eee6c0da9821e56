"""Attribution paths: name, short-to-full name, glued title, title, pronoun, continuation,
several speakers, organisations, unresolved titles; title normalisation."""

from __future__ import annotations

from onrecord.models import Article, Quote, SpeakerRef
from onrecord.quotes import extract_quotes
from onrecord.quotes.names import normalise_title, title_matches


def quotes(text: str) -> list[Quote]:
    return extract_quotes(Article(id="t", text=text))


def speaker_of(qs: list[Quote], needle: str) -> list[tuple[str, str, str]]:
    (q,) = [q for q in qs if needle in q.content.text]
    return [(s.name, s.type, s.resolved_via) for s in q.speakers]


def test_short_name_resolves_to_full_name() -> None:
    text = "Mark Rutte arrived in Kyiv on Monday.\n\nRutte said that support would continue."
    assert speaker_of(quotes(text), "support") == [("Mark Rutte", "person", "name")]


def test_glued_title_with_abbreviation() -> None:
    text = (
        "NATO Secretary General Jens Stoltenberg met ministers.\n\n"
        "NATO SG Stoltenberg observed, “The relationship with Russia has been difficult for years.”"
    )
    (ref,) = [q for q in quotes(text) if "relationship" in q.content.text][0].speakers
    assert (ref.name, ref.resolved_via) == ("Jens Stoltenberg", "glued-title")
    assert any("glued" in step for step in ref.chain)


def test_military_rank_glued_to_name() -> None:
    text = "Admiral Rob Bauer said that anything can happen in this era."
    assert speaker_of(quotes(text), "anything") == [("Rob Bauer", "person", "glued-title")]


def test_title_resolves_to_the_person_named_with_it() -> None:
    text = (
        "NATO Assistant Secretary-General for Political Affairs Boris Ruge visited Vilnius.\n\n"
        '"We are fully capable of defending ourselves," said the NATO Assistant Secretary-General.'
    )
    (ref,) = [q for q in quotes(text) if "capable" in q.content.text][0].speakers
    assert (ref.name, ref.resolved_via) == ("Boris Ruge", "title")
    assert ref.chain[0] == '"the NATO Assistant Secretary-General"'


def test_title_variants_alliance_and_new() -> None:
    text = (
        "NATO Secretary General Mark Rutte spoke to Reuters.\n\n"
        '"NATO will not be cowed by threats," said the new NATO Secretary General.\n\n'
        '"We keep supporting Kyiv," the Alliance Secretary General said.'
    )
    qs = quotes(text)
    assert speaker_of(qs, "cowed") == [("Mark Rutte", "person", "title")]
    assert speaker_of(qs, "supporting") == [("Mark Rutte", "person", "title")]


def test_unresolved_title_keeps_the_normalised_title() -> None:
    (q,) = quotes('"We see no imminent threat to any ally," the NATO SG said.')
    (ref,) = q.speakers
    assert (ref.name, ref.resolved_via) == ("NATO Secretary General", "title")
    assert ref.confidence < 0.5


def test_pronoun_resolves_to_last_quoted_person() -> None:
    text = (
        '"We are ready," said Boris Ruge.\n\nHe added that Russia is considered the number one threat to the Alliance.'
    )
    (ref,) = [q for q in quotes(text) if "number one" in q.content.text][0].speakers
    assert (ref.name, ref.resolved_via) == ("Boris Ruge", "pronoun")
    assert ref.chain[0] == '"He"' and ref.chain[1].startswith("Boris Ruge")


def test_pronoun_skips_names_inside_quotes() -> None:
    text = (
        '"The message to Vladimir Putin is clear," said Mark Rutte.\n\n'
        "He stressed that NATO is ready to face any threat."
    )
    assert speaker_of(quotes(text), "ready to face") == [("Mark Rutte", "person", "pronoun")]


def test_pronoun_falls_back_to_last_named_person() -> None:
    text = "Anna Berg arrived late.\n\nShe said that the vote had been rigged."
    assert speaker_of(quotes(text), "rigged") == [("Anna Berg", "person", "pronoun")]


def test_paragraph_continuing_the_previous_speaker() -> None:
    text = (
        '"We will have the big exercise later this week," said Jens Stoltenberg.\n\n'
        '"It will be the biggest exercise in decades for the whole Alliance."'
    )
    assert speaker_of(quotes(text), "biggest") == [("Jens Stoltenberg", "person", "continuation")]


def test_several_speakers() -> None:
    text = (
        "Swedish Armed Forces Commander-in-Chief Micael Bydén and Minister for Civil Defence "
        "Carl-Oskar Bohlin said all citizens should be prepared for war."
    )
    assert [n for n, _, _ in speaker_of(quotes(text), "prepared")] == ["Micael Bydén", "Carl-Oskar Bohlin"]


def test_organisations() -> None:
    text = (
        "On 15 January, the Bild publication reported that it gained access to a secret document.\n\n"
        "The Office of the President of Lithuania stated that it is not changing its assessment."
    )
    qs = quotes(text)
    assert speaker_of(qs, "secret document") == [("Bild", "organisation", "name")]
    assert speaker_of(qs, "assessment") == [("Office of the President of Lithuania", "organisation", "name")]


def test_evidence_and_confidence() -> None:
    (q,) = quotes("Peter Hansen said that the talks had failed.")
    (ref,) = q.speakers
    assert ref.evidence_spans[0] == q.source.spans[0]
    assert 0 < ref.confidence <= 1


def test_normalise_title() -> None:
    assert normalise_title("the new NATO SG") == "nato secretary general"
    assert normalise_title("the Alliance Secretary General") == "nato secretary general"
    assert normalise_title("North Atlantic Treaty Organisation (NATO) secretary general (SG)") == (
        "nato secretary general"
    )
    assert normalise_title("Assistant Secretary-General") == "assistant secretary general"


def test_title_matching_respects_rank() -> None:
    entry = "nato assistant secretary general for political affairs"
    assert title_matches("nato assistant secretary general", entry)
    assert title_matches("assistant secretary general", entry)
    assert not title_matches("nato secretary general", entry)


def test_a_headline_in_title_case_does_not_lengthen_a_name() -> None:
    from onrecord.quotes.names import headline_lines, person_registry

    text = (
        "Hillary Clinton Goes After Donald Trump As The New Mitt Romney\n\n"
        "Clinton attacked her opponent on Monday. Trump answered that evening, and Mitt Romney said nothing."
    )
    assert headline_lines(text) == [(0, text.index("\n"))]
    names = [e.name for e in person_registry(text)]
    assert "Hillary Clinton" in names and not any("Goes" in n for n in names)
    plain = "Hillary Clinton met Donald Trump and Bernie Sanders in New York on Monday."
    assert headline_lines(plain) == [] and [e.name for e in person_registry(plain)][:3] == [
        "Hillary Clinton", "Donald Trump", "Bernie Sanders"
    ]  # fmt: skip


def test_a_sentence_opening_word_is_not_part_of_a_name() -> None:
    from onrecord.quotes.names import person_registry

    text = "The primary was close. Had Bernie Sanders won Iowa, the race would have changed, had he?"
    assert [e.name for e in person_registry(text)] == ["Bernie Sanders"]


def _speaker_by_source(text: str) -> dict[str, SpeakerRef]:
    return {q.source.text: q.speakers[0] for q in extract_quotes(Article(id="t", text=text)) if q.source}


def test_a_description_refers_back_to_a_person_not_to_its_adjective() -> None:
    text = (
        "Hillary Clinton spoke in Ohio on Monday about the economy and the jobs of the future.\n\n"
        '"We are going to build an economy that works for everyone," the Democratic front-runner said.\n\n'
        '"The water supply will be restored by Friday at the latest," the town said in a statement.\n'
    )
    by_source = _speaker_by_source(text)
    ref = by_source["the Democratic front-runner"]
    assert ref.name == "Hillary Clinton" and ref.resolved_via == "nominal"
    assert any("refers back" in step for step in ref.chain)
    assert by_source["the town"].name != "Hillary Clinton"  # a place is not a person's description


def test_a_described_title_refers_back_but_an_office_stays_a_title() -> None:
    text = (
        "Barack Obama spoke at the convention in Philadelphia on Wednesday night.\n\n"
        '"Nobody has been more qualified for this office," the two-term president said.\n\n'
        '"We will sign the agreement in the spring," the foreign minister said on Thursday.\n'
    )
    by_source = _speaker_by_source(text)
    assert by_source["the two-term president"].name == "Barack Obama"
    minister = by_source["the foreign minister"]
    assert minister.resolved_via == "title" and minister.name == "Foreign Minister"  # for roles to resolve by date
