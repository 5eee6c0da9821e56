"""Quote forms: direct, multi-paragraph, indirect, mixed, cues, headlines, skip ranges."""

from __future__ import annotations

import pytest

from onrecord.models import Article, Quote, SkipRange, Span
from onrecord.quotes import extract_quotes, extract_quotes_batch
from onrecord.quotes.marks import find_runs


def quotes(text: str, **kw) -> list[Quote]:
    return extract_quotes(Article(id="t", text=text, **kw))


def only(qs: list[Quote], needle: str) -> Quote:
    found = [q for q in qs if needle in q.content.text]
    assert len(found) == 1, [q.content.text for q in qs]
    return found[0]


def assert_offsets(text: str, q: Quote) -> None:
    for role in (q.content, q.cue, q.source):
        if role is not None:
            assert role.text == " ".join(s.slice(text) for s in role.spans)


def test_direct_curly_quote_with_inverted_cue() -> None:
    text = "“We will defend every inch of allied territory,” said Jens Stoltenberg."
    q = only(quotes(text), "every inch")
    assert q.kind == "direct"
    assert q.content.text == "We will defend every inch of allied territory"
    assert q.cue.text == "said"
    assert q.source.text == "Jens Stoltenberg"
    assert q.id == f"t:{q.content.spans[0].start}-{q.content.spans[-1].end}"
    assert_offsets(text, q)


def test_direct_straight_quote_subject_first() -> None:
    text = 'Maria Lopez told reporters: "The budget is simply not enough for the schools."'
    q = only(quotes(text), "budget")
    assert q.kind == "direct"
    assert q.cue.text.startswith("told")
    assert q.speakers[0].name == "Maria Lopez"


def test_multi_paragraph_quote_without_closing_mark() -> None:
    text = (
        "The minister said the plan was ready.\n\n"
        '"We have worked on this for two long years and we are proud of it.\n\n'
        '"Now it is time to deliver it to every region of the country," she said.'
    )
    runs = find_runs(text)
    assert len(runs) == 1 and len(runs[0].fragments) == 2
    q = only(quotes(text), "two long years")
    assert q.kind == "direct"
    assert len(q.content.spans) == 2
    assert "Now it is time" in q.content.text
    assert_offsets(text, q)


@pytest.mark.parametrize(
    ("sentence", "cue", "source", "content"),
    [
        ("Peter Hansen said that the talks had failed.", "said", "Peter Hansen", "that the talks had failed"),
        ("The minister stated the border would stay closed.", "stated", "The minister", "the border would stay closed"),
        (
            "Anna Berg believes the economy will recover next year.",
            "believes",
            "Anna Berg",
            "the economy will recover next year",
        ),
        (
            "According to the ministry, the border will stay closed.",
            "According to",
            "the ministry",
            "the border will stay closed",
        ),
        ("The union called for a new round of negotiations.", "called for", "The union", "a new round of negotiations"),
        (
            "Boris Ruge noted in an interview with LRT that deterrence works.",
            "noted in an interview",
            "Boris Ruge",
            "that deterrence works",
        ),
    ],
)
def test_indirect_forms(sentence: str, cue: str, source: str, content: str) -> None:
    qs = quotes(sentence)
    q = only(qs, content)
    assert q.kind == "indirect"
    assert q.cue.text == cue
    assert q.source.text == source
    assert q.content.text == content
    assert_offsets(sentence, q)


def test_mixed_quote() -> None:
    text = 'The senator said the bill was "a disgrace to the whole chamber" and would fail.'
    q = only(quotes(text), "disgrace")
    assert q.kind == "mixed"
    assert q.content.text.startswith("the bill was")
    assert_offsets(text, q)


def test_unusual_cue_verb_before_a_quote() -> None:
    text = "Minister Tom Hale educated, “Prevention is better than intervention in every case we have seen.”"
    q = only(quotes(text), "Prevention")
    assert q.cue.text == "educated"
    assert q.speakers[0].name == "Tom Hale"


def test_participle_cue_between_quotes_inherits_the_source() -> None:
    text = "Jens Stoltenberg said, “We remain committed to dialogue with Moscow” adding “Deterrence stays strong.”"
    qs = quotes(text)
    first = only(qs, "committed")
    second = only(qs, "Deterrence")
    assert first.kind == second.kind == "direct"
    assert second.cue.text == "adding"
    assert second.speakers[0].name == "Jens Stoltenberg"


def test_headline_colon_quote() -> None:
    text = "Stoltenberg: NATO sees no direct threat\n\nJens Stoltenberg spoke in Brussels on Monday."
    (q,) = [q for q in quotes(text, title_span=Span(0, 39)) if q.cue and q.cue.text == ":"]
    assert q.content.text == "NATO sees no direct threat"
    assert q.source.text == "Stoltenberg"
    assert q.speakers[0].name == "Jens Stoltenberg"


def test_headline_counts_even_inside_a_skip_range() -> None:
    text = "Stoltenberg: NATO sees no direct threat\n\nJens Stoltenberg spoke in Brussels on Monday."
    art = Article(id="t", text=text, title_span=Span(0, 39), skip_ranges=[SkipRange(0, 39, "header:title")])
    assert any("no direct threat" in q.content.text for q in extract_quotes(art))


def test_quotes_in_skip_ranges_are_not_reported() -> None:
    para = '"We are ready for anything that comes our way," said Jens Stoltenberg.'
    text = para + "\n\n" + para
    skip = SkipRange(len(para) + 2, len(text), "repeated-block")
    qs = extract_quotes(Article(id="t", text=text, skip_ranges=[skip]))
    assert len(qs) == 1
    assert qs[0].content.spans[0].end <= len(para)


def test_image_credit_is_no_quote() -> None:
    assert quotes("Images source: © Getty Images | Anadolu") == []


def test_short_scare_quotes_are_not_quotes() -> None:
    assert quotes("The so-called “reform” was delayed again by the council.") == []


def test_sentence_span_covers_the_quote() -> None:
    text = "Intro line.\n\nPeter Hansen said that the talks had failed."
    q = only(quotes(text), "talks")
    assert q.sentence.slice(text) == "Peter Hansen said that the talks had failed."


def test_batch_matches_single() -> None:
    texts = ["Peter Hansen said that the talks had failed.", "“It is over,” said Anna Berg on Monday morning."]
    arts = [Article(id=str(i), text=t) for i, t in enumerate(texts)]
    batch = list(extract_quotes_batch(arts, batch_size=1))
    single = [extract_quotes(a) for a in arts]
    assert [[q.to_dict() for q in qs] for qs in batch] == [[q.to_dict() for q in qs] for qs in single]


def test_nested_curly_quote_stays_inside_the_outer_one() -> None:
    text = "“I would rather live in what he calls “hell” than live anywhere else, believe me,” ― Ana Ruiz"
    runs = find_runs(text)
    assert len(runs) == 1
    assert runs[0].fragments[0].slice(text).endswith("believe me,")
    q = only(quotes(text), "what he calls")
    assert q.cue.text == "―" and q.source.text == "Ana Ruiz"


def test_closing_mark_used_as_opener() -> None:
    text = "”Fear. I am truly afraid of what comes next for all of us.” ― Ed Monroy"
    (run,) = find_runs(text)
    assert run.fragments[0].slice(text).startswith("Fear.")
