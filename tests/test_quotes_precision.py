"""Precision by design: one test per class of error seen on real news (issue 8), with our own sentences."""

from __future__ import annotations

from pathlib import Path

import pytest

from onrecord.ingest import article_from_text, read_inputs
from onrecord.models import Article, Quote
from onrecord.quotes import extract_quotes
from onrecord.quotes.acts import act_of
from onrecord.quotes.confidence import title_like
from onrecord.quotes.marks import find_runs

PAGES = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "web" / "trafilatura" / "pages"


def quotes_of(text: str, **meta: str) -> list[Quote]:
    art = Article(id="t", text=text, language=meta.get("language", "en"))
    return extract_quotes(art)


def contents(text: str) -> list[str]:
    return [q.content.text for q in quotes_of(text)]


def speakers(text: str) -> list[list[str]]:
    return [[s.name for s in q.speakers] for q in quotes_of(text)]


# --------------------------------------------------------------- titles and terms in marks
@pytest.mark.parametrize(
    "text",
    [
        "The thriller “Harbour Lights” was named best picture at the festival on Sunday.",
        "Her novel “The Salt Road” has been shortlisted for the prize.",
        "Users can switch on a feature called “Gaze Adjust” in the settings.",
        "The song “Blue Tide Rising” topped the charts for six weeks.",
        "Locals call the old ferry “Mzee” because it has run since 1961.",
    ],
)
def test_titles_and_terms_in_marks_are_not_quotes(text: str) -> None:
    assert contents(text) == []


def test_title_before_a_name_is_not_the_speaker() -> None:
    text = "“Harbour Lights” director Mara Olsen said that nobody could have predicted the result."
    (q,) = quotes_of(text)
    assert [s.name for s in q.speakers] == ["Mara Olsen"]
    assert q.kind == "indirect"


def test_title_like_shapes() -> None:
    assert title_like("Once Upon A Time in Hollywood")
    assert title_like("FaceTime Attention Correction")
    assert not title_like("We are not going to give up on this city.")
    assert not title_like("it was the best day of my life")


# --------------------------------------------------------------- verbs that do not report
@pytest.mark.parametrize(
    "text",
    [
        "The company appears to be testing a new battery in its phones.",
        "Prices tend to rise before the holidays, the data show.",
        "The minister is expected to resign later this week.",
        "The firm plans to open three new plants by 2026.",
        "The update makes the camera app much faster than before.",
        "The studio released the trailer on Tuesday.",
        "The club is looking for a new coach after a poor season.",
        "Carbon dating showed that the tool was about 50,000 years old.",
        "The programmer doesn't yet know what the function should return.",
    ],
)
def test_verbs_that_do_not_report_are_not_cues(text: str) -> None:
    assert contents(text) == []


def test_that_said_is_no_speaker() -> None:
    text = "That said, the numbers fell sharply in the third quarter, according to the ministry."
    found = quotes_of(text)
    assert all(s.name != "That" for q in found for s in q.speakers)
    assert [s.name for q in found for s in q.speakers] == ["ministry"]


def test_hedged_and_generic_cues_report_nothing() -> None:
    assert contents("You could argue that the port is an expensive detour.") == []
    assert contents("I think the new release is much better than the old one.") == []
    assert contents("Note that the old flag still works in this version.") == []
    assert contents("Officials don't say how many homes lost power.") == []


# --------------------------------------------------------------- speakers that can speak
@pytest.mark.parametrize(
    "opener",
    ["Speaking from a stage at the company's headquarters", "Speaking at the company's offices in Porto, Portugal"],
)
def test_participle_opener_is_not_the_speaker(opener: str) -> None:
    text = f"{opener}, Chief Executive Lina Ortiz said that the plan would cut costs by a third."
    assert speakers(text) == [["Lina Ortiz"]]


def test_place_in_an_apposition_is_not_the_speaker() -> None:
    text = (
        "Rafael Moreno, a Porto Alegre resident, watched the river rise.\n\n"
        "He said that in twenty years of living in Porto Alegre, he had never seen such a flood."
    )
    assert speakers(text) == [["Rafael Moreno"]]


def test_organisation_name_with_and_stays_whole() -> None:
    text = "A spokesperson for the Teachers and Lecturers Employers’ Association said pay had risen."
    assert speakers(text) == [["Teachers and Lecturers Employers’ Association"]]


def test_two_people_joined_by_and_are_two_speakers() -> None:
    text = "Anna Berg and Tomas Lind said the talks had failed."
    assert speakers(text) == [["Anna Berg", "Tomas Lind"]]


def test_newspaper_name_is_whole() -> None:
    text = "The New York Post reported that the mayor would not run again."
    assert speakers(text) == [["New York Post"]]  # scored as the same name (a leading "The" folds away)


def test_it_resolves_to_the_organisation_quoted_before() -> None:
    text = (
        "Northwind Energy Company said on Monday that it would close two coal plants.\n\n"
        "It said the closures would cost 300 jobs."
    )
    assert speakers(text) == [["Northwind Energy Company"], ["Northwind Energy Company"]]


# --------------------------------------------------------------- embedded posts
def test_signed_post_is_attributed_to_its_author() -> None:
    text = "The update changes how eyes look in video calls.\n\n“This is wild, the eyes follow you now.” — Dana Reyes\n"
    found = quotes_of(text)
    assert [s.name for q in found for s in q.speakers] == ["Dana Reyes"]


# --------------------------------------------------------------- act
def test_act_speech_and_thought() -> None:
    said, believes = quotes_of(
        "The mayor said the bridge would reopen in May. The engineers believe the repairs will hold."
    )
    assert (said.act, believes.act) == ("speech", "thought")
    assert act_of("according to") == act_of("tweeted") == act_of(":") == "speech"
    assert act_of("fears") == act_of("is convinced") == act_of("didn’t think") == "thought"


def test_each_quote_says_why() -> None:
    (q,) = quotes_of("The mayor said the bridge would reopen in May.")
    assert q.rule == "verb:ccomp" and 0.9 <= q.confidence <= 1.0
    d = q.to_dict()
    assert d["rule"] == "verb:ccomp" and d["act"] == "speech"


# --------------------------------------------------------------- language gate and guillemets
def test_guillemets_pair_by_language() -> None:
    de = "Er sagte: »Das ist gut« und ging. Sie sagte: „Wir bleiben“ und blieb."
    assert [de[r.start : r.end] for r in find_runs(de, "de")] == ["Das ist gut", "Wir bleiben"]
    fr = "Il a dit « nous restons » hier."
    assert [fr[r.start : r.end] for r in find_runs(fr, "fr")] == ["nous restons"]


def test_other_languages_get_no_quotes_and_a_marker() -> None:
    art = article_from_text(
        "Der Bürgermeister sagte am Montag, dass die Brücke im Mai wieder öffnen werde. „Wir sind "
        "froh, dass die Arbeiten schneller als geplant vorangehen“, sagte er den Reportern vor dem "
        "Rathaus, und die Stadt werde die Kosten tragen."
    )
    assert extract_quotes(art) == []
    assert art.extra["quotes_not_extracted"] == "language de"


@pytest.mark.skipif(not PAGES.exists(), reason="../shared/corpora/web not present")
@pytest.mark.parametrize("page", ["spiegel.de.albtraum", "zeit.de.zugverkehr", "franceculture.fr.idees"])
def test_shared_german_and_french_pages_give_no_quotes(page: str) -> None:
    (art,) = list(read_inputs([str(PAGES / f"{page}.html")]))
    assert art.language in ("de", "fr")
    assert extract_quotes(art) == []
    assert art.extra["quotes_not_extracted"] == f"language {art.language}"


@pytest.mark.skipif(not PAGES.exists(), reason="../shared/corpora/web not present")
def test_reuters_parasite_has_no_film_title_quote() -> None:
    (art,) = list(read_inputs([str(PAGES / "reuters.com.parasite.html")]))
    found = extract_quotes(art)
    assert found, "the page has real quotes"
    for q in found:
        assert not title_like(q.content.text) or q.kind == "indirect", q.content.text
        assert q.content.text.strip("“”\"'‘’ .") not in ("Parasite", "Once Upon A Time in Hollywood", "The Irishman")


# --------------------------------------------------------------- resolution to who they are
def test_short_name_and_it_after_a_corporate_name() -> None:
    text = (
        "Harlow Foods Corp said on Tuesday it would cut prices on 200 products.\n\n"
        "Chief Executive Ines Vidal said the cuts were paid for by lower energy costs.\n\n"
        "It said the cuts would last until March. Harlow said it expected sales to recover."
    )
    found = speakers(text)  # the last sentence also holds a nested thought ("it expected …")
    assert found[:4] == [["Harlow Foods Corp"], ["Ines Vidal"], ["Harlow Foods Corp"], ["Harlow Foods Corp"]]
    assert all(s == ["Harlow Foods Corp"] for s in found[4:])


def test_acronym_resolves_to_the_full_name() -> None:
    text = (
        "A spokesperson for the Northern Teachers Federation (NTF) said the strike would go ahead.\n\n"
        "The NTF said that talks had failed."
    )
    assert speakers(text) == [["Northern Teachers Federation"], ["Northern Teachers Federation"]]


def test_he_after_an_unnamed_spokesperson_is_the_organisation() -> None:
    text = (
        "A spokesman for the Port Authority said the crane had been inspected in May.\n\n"
        "He said that the company would review its safety rules."
    )
    assert speakers(text) == [["Port Authority"], ["Port Authority"]]


def test_a_report_speaks_for_its_author() -> None:
    text = (
        "A report warns that hospital waiting lists will grow this winter.\n\n"
        "The report by the Patients Association of Valdoria calls for 2,000 more nurses."
    )
    assert speakers(text)[0] == ["Patients Association of Valdoria"]


def test_organisation_name_with_and_and_an_acronym_is_one_speaker() -> None:
    text = "The National Oceanic and Atmospheric Administration (NOAA) said that 2023 would be warmer."
    assert speakers(text) == [["National Oceanic and Atmospheric Administration"]]


def test_parenthetical_reporting_clause() -> None:
    (q,) = quotes_of("The new bridge, the engineer said, will carry twice the traffic of the old one.")
    assert q.rule == "verb:parenthetical" and q.cue.text == "said" and q.source.text == "the engineer"
    assert q.content.text == "The new bridge will carry twice the traffic of the old one"
    assert len(q.content.spans) == 2  # the two parts around the aside, each slicing the text


def test_titles_of_works_in_long_marks_and_after_naming_words() -> None:
    text = (
        "The paper titled “The importance of old harbours for the coastal towns of the north” was "
        "published on Monday.\n\n"
        "“Exploring Tidal Energy Storage and Grid Balancing in Northern Coastal Regions with Small Turbines”\n"
    )
    assert contents(text) == []


def test_profile_quotes_go_to_the_person_the_headline_names() -> None:
    text = (
        "Engineer spotlight: Marta Kowalczyk\n\n"
        "“Engineering is about making the people around you more effective, and about listening to "
        "them before you build anything at all.”\n"
    )
    art = article_from_text(text)
    (q,) = extract_quotes(art)
    assert [(s.name, s.resolved_via) for s in q.speakers] == [("Marta Kowalczyk", "headline")]


def test_unquoted_embedded_post_above_its_signature() -> None:
    text = (
        "The new camera mode changes how eyes look in video calls.\n\n"
        "How the camera mode works: it maps your face and moves the eyes.\n"
        "Notice the warping near the nose. pic.twitter.com/abc123\n"
        "— Dave Reyes   (@dreyes) July 3, 2019\n"
    )
    (q,) = quotes_of(text)
    assert (q.rule, q.kind, q.cue.text, [s.name for s in q.speakers]) == ("signature", "direct", "—", ["Dave Reyes"])
    assert q.content.text.startswith("How the camera mode works") and len(q.content.spans) == 2


def test_things_do_not_speak_but_people_nouns_do() -> None:
    assert contents("The incident highlighted how fragile the network had become.") == []
    assert contents("The surge in complaints suggested the outage was spreading.") == []
    (q,) = quotes_of("The winemaker said the late frost had ruined half the harvest.")
    assert q.source.text == "The winemaker"
    (q,) = quotes_of("One resident said the water had been brown for a week.")
    assert q.source.text == "One resident"


def test_speech_act_forms_beyond_the_hand_list() -> None:
    (q,) = quotes_of("Activists have demanded that the company stop selling software to oil firms.")
    assert q.cue.text == "have demanded" and q.act == "speech"


def test_trailing_reporting_clause_the_tagger_misses() -> None:
    (q,) = quotes_of("Protecting the wetlands is key to slowing the floods, the paper states.")
    assert (q.rule, q.cue.text, q.source.text) == ("verb:trailing", "states", "the paper")
    assert q.content.text == "Protecting the wetlands is key to slowing the floods"


def test_that_clause_after_the_audience() -> None:
    text = "The messages use the contact's name, and tells the contact that their photos are being used."
    (q,) = quotes_of(text)
    assert q.cue.text == "tells" and q.content.text == "that their photos are being used"


def test_name_particles_possessives_and_honorific_mentions() -> None:
    text = (
        "The method was developed by Laurens van der Maaten in 2008.\n\n"
        "Mayor Joan Albers met the family of Peter Lindqvist on Monday.\n\n"
        "Soon after Ms. Albers was elected, she said she would reopen the case."
    )
    assert speakers(text) == [["Joan Albers"]]
    assert speakers("President Anna Kowal’s vow to cut taxes was repeated when she said that cuts would come.") == [
        ["Anna Kowal"]
    ]
    from onrecord.quotes.names import person_registry

    assert [p.name for p in person_registry(text)][:1] == ["Laurens van der Maaten"]


def test_place_glued_before_a_name_is_dropped() -> None:
    text = (
        "Massachusetts Joshua Levy, a lawyer for the family, said the ruling was unfair.\n\n"
        "Levy added that the family would appeal."
    )
    assert speakers(text) == [["Joshua Levy"], ["Joshua Levy"]]
