"""Fuzzing the extractor: no input makes it raise, and every span it returns slices the text exactly."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import onrecord
from onrecord.models import Article, Quote
from onrecord.quotes import extract_quotes_batch
from onrecord.quotes.extract import NOT_EXTRACTED

MARKS = list('"\u201c\u201d\u00ab\u00bb\u201e\u2018\u2019\u2039\u203a\u201f')
WORDS = (
    "he said she told reporters Mayor Lena Olsen according to the council that we will rebuild "
    "Minister Jens Stoltenberg warned added Mr. Price it they NATO Agency (NA) — : ; , . ? !"
).split()
ODD = [
    "\u200f",  # right-to-left mark
    "\u202e",  # right-to-left override
    "\u0301",  # combining acute accent
    "\u0308\u0308",  # combining marks stacked
    "\x00",
    "\x0b",
    "\x1c",
    "\r",
    "\t",
    "\u2028",  # line separator
    "\u00a0",
    "\ufeff",
    "\ud7ff",
    "שלום",
    "مرحبا",
    "\U0001f600",
]
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def piece() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(MARKS),
        st.sampled_from(WORDS),
        st.sampled_from(ODD),
        st.sampled_from([" ", " ", "\n", "\n\n"]),
        st.text(max_size=8),
        st.builds(lambda ch, n: ch * n, st.sampled_from(MARKS + ["a", ">", "A-", " ", "\n"]), st.integers(1, 3000)),
    )


texts = st.lists(piece(), max_size=80).map("".join)


def check(text: str, quotes: list[Quote]) -> None:
    for q in quotes:
        assert q.content.spans
        for role in (q.content, q.cue, q.source):
            if role is None:
                continue
            for s in role.spans:
                assert 0 <= s.start < s.end <= len(text), (q, s)
            assert role.text == " ".join(text[s.start : s.end] for s in role.spans)
        for ref in q.speakers:
            assert all(0 <= s.start <= s.end <= len(text) for s in ref.evidence_spans)
        if q.sentence is not None:
            assert 0 <= q.sentence.start <= q.sentence.end <= len(text)


@SETTINGS
@given(texts)
def test_public_extract_never_raises(text: str) -> None:
    doc = onrecord.extract(text)
    check(doc.article.text, doc.quotes)  # (the readers may drop control characters: spans are into what they kept)


@SETTINGS
@given(st.lists(texts, min_size=1, max_size=4), st.sampled_from([None, "en", "de", "fr"]))
def test_batch_never_raises_and_keeps_each_article(batch: list[str], language: str | None) -> None:
    arts = [Article(id=f"f{i}", text=t, language=language) for i, t in enumerate(batch)]
    got = list(extract_quotes_batch(arts, min_confidence=0.0))
    assert len(got) == len(arts)
    for art, qs in zip(arts, got, strict=True):
        check(art.text, qs)
        assert not (qs and NOT_EXTRACTED in art.extra)
        assert not str(art.extra.get(NOT_EXTRACTED, "")).startswith("extraction failed"), art.extra


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(MARKS + WORDS + ["\n"]), min_size=1, max_size=30), st.integers(1000, 5000))
def test_huge_lines_never_raise(parts: list[str], repeat: int) -> None:
    text = " ".join(parts * (repeat // len(parts) + 1))
    art = Article(id="huge", text=text, language="en")
    (qs,) = list(extract_quotes_batch([art], min_confidence=0.0))
    check(text, qs)
    assert NOT_EXTRACTED not in art.extra
