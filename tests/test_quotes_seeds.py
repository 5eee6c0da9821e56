"""Seed expectations of issue 3, end to end: ingest (read_inputs) -> extract_quotes."""

from __future__ import annotations

from functools import lru_cache

import pytest

from conftest import SEEDS, seed
from onrecord.models import Article, Quote
from onrecord.quotes import extract_quotes

pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason="seed corpus not available")


@lru_cache(maxsize=8)
def seed_quotes(prefix: str) -> tuple[Article, list[Quote]]:
    from onrecord.ingest import read_inputs

    (art,) = [a for a in read_inputs([str(seed(prefix))]) if isinstance(a, Article)]
    return art, extract_quotes(art)


def find(prefix: str, needle: str) -> list[Quote]:
    _, qs = seed_quotes(prefix)
    found = [q for q in qs if needle in q.content.text]
    assert found, f"no quote with {needle!r} in {prefix}: {[q.content.text[:50] for q in qs]}"
    return found


def names(q: Quote) -> list[str]:
    return [s.name for s in q.speakers]


def test_000_title_pronoun_name_and_organisation() -> None:
    (q,) = find("000", "So, over the past ten years")
    assert q.kind == "direct" and names(q) == ["Boris Ruge"]
    assert q.speakers[0].resolved_via == "title"
    assert q.source.text == "the NATO Assistant Secretary-General"
    (q,) = find("000", "Russia is currently considered the number one threat")
    assert names(q) == ["Boris Ruge"] and q.speakers[0].resolved_via == "pronoun"
    assert q.source.text == "He" and q.cue.text == "added"
    (q,) = find("000", "the story by the German tabloid Bild")
    assert names(q) == ["Jānis Sārts"] and q.speakers[0].type == "person"
    (q,) = find("000", "it gained access to a secret Bundeswehr document")
    assert names(q) == ["Bild"] and q.speakers[0].type == "organisation"
    (q,) = find("000", "not changing their assessment")
    assert [s.type for s in q.speakers] == ["organisation", "organisation"]
    assert names(q)[0] == "Office of the President of Lithuania"


def test_000_interview_cue() -> None:
    (q,) = find("000", "since 2014, when Russia first invaded Ukraine")
    assert q.cue.text == "noted in an interview"


def test_001_stoltenberg_bohlin_bauer() -> None:
    (q,) = find("001", "we don't see any direct or imminent threat against any NATO Ally")
    assert names(q) == ["Jens Stoltenberg"] and q.kind == "direct"
    (q,) = find("001", "there will be no attack against the NATO territory")
    assert names(q) == ["Jens Stoltenberg"] and q.cue.text == "concluded"
    (q,) = find("001", "all citizens should be prepared for war")
    assert names(q) == ["Micael Bydén", "Carl-Oskar Bohlin"]
    (q,) = find("001", "anything can happen")
    assert names(q) == ["Rob Bauer"] and q.kind == "mixed"


def test_002_repeated_copy_not_reported_twice() -> None:
    art, qs = seed_quotes("002")
    contents = [q.content.text for q in qs]
    assert len(contents) == len(set(contents)), contents
    for q in qs:
        assert not art.in_skip_range(q.content.spans[0].start, q.content.spans[-1].end) or (
            art.title_span and art.title_span.start <= q.content.spans[0].start < art.title_span.end
        )
    (q,) = find("002", "it was obvious to NATO that we had two tasks")
    assert names(q) == ["Jens Stoltenberg"] and q.cue.text == "According to"
    (q,) = find("002", "NATO Allies are providing unprecedented support")
    assert names(q) == ["Jens Stoltenberg"] and q.source.text == "the Alliance Secretary General"


def test_002_headline_quote() -> None:
    (q,) = find("002", "NATO sees no direct threat from Russia to its members")
    assert q.cue.text == ":" and q.source.text == "Stoltenberg" and names(q) == ["Jens Stoltenberg"]


def test_003_rutte_and_no_caption_quotes() -> None:
    art, qs = seed_quotes("003")
    first = find("003", "NATO will not be cowed")[0]
    assert names(first) == ["Mark Rutte"] and first.source.text == "the new NATO Secretary General"
    he = [q for q in qs if q.source is not None and q.source.text.lower() == "he"]
    assert len(he) >= 4
    assert all(names(q) == ["Mark Rutte"] for q in he)
    for q in qs:
        for r in art.skip_ranges:
            if r.reason.startswith("boilerplate"):
                assert not (r.start <= q.content.spans[0].start < r.end)
    assert not any("Getty" in q.content.text for q in qs)


UNUSUAL = ("educated", "assumed", "voiced", "observed", "disclosed")


def test_004_every_quote_is_stoltenberg() -> None:
    _, qs = seed_quotes("004")
    press = [q for q in qs if q.kind in ("direct", "mixed")]
    assert len(press) >= 20
    assert all(names(q) == ["Jens Stoltenberg"] for q in press), [(q.content.text[:40], names(q)) for q in press]
    cues = {q.cue.text for q in press if q.cue}
    assert set(UNUSUAL) <= cues
    vias = {q.speakers[0].resolved_via for q in press}
    assert {"glued-title", "pronoun"} <= vias


def test_004_nato_sg_mention() -> None:
    (q,) = find("004", "the NATO SG addressed a press conference")
    assert q.cue.text == "According to"


def test_001_headline_with_dash_source() -> None:
    (q,) = find("001", "There is no direct threat from Russia to NATO countries")
    assert q.cue.text == "–" and q.source.text == "NATO Secretary General"
    assert names(q) == ["Jens Stoltenberg"] and q.speakers[0].resolved_via == "title"
