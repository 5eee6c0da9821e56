"""Offsets: every span of every quote slices the article text to exactly its role's text."""

from __future__ import annotations

import json

import pytest

from conftest import POLNEAR, SEEDS
from onrecord.models import Article, Quote
from onrecord.quotes import extract_quotes_batch


def check(article: Article, qs: list[Quote]) -> None:
    text = article.text
    for q in qs:
        assert q.id == f"{article.id}:{q.content.spans[0].start}-{q.content.spans[-1].end}"
        assert q.kind in ("direct", "indirect", "mixed")
        for role in (q.content, q.cue, q.source):
            if role is None:
                continue
            assert role.spans, q
            assert role.text == " ".join(s.slice(text) for s in role.spans), q
            assert all(0 <= s.start < s.end <= len(text) for s in role.spans)
        for ref in q.speakers:
            assert ref.type in ("person", "organisation", "unknown")
            assert all(0 <= s.start < s.end <= len(text) for s in ref.evidence_spans)
        if q.sentence is not None:
            assert q.sentence.start <= q.content.spans[0].start


@pytest.mark.skipif(not SEEDS.is_dir(), reason="seed corpus not available")
def test_offsets_on_raw_seed_files() -> None:
    arts = [Article(id=p.stem, text=p.read_text(encoding="utf-8")) for p in sorted(SEEDS.glob("*.txt"))]
    for art, qs in zip(arts, extract_quotes_batch(arts), strict=True):
        assert qs
        check(art, qs)


@pytest.mark.slow
@pytest.mark.skipif(not (POLNEAR / "dev.jsonl").is_file(), reason="PolNeAR not available")
def test_offsets_on_polnear_dev_slice() -> None:
    with (POLNEAR / "dev.jsonl").open(encoding="utf-8") as f:
        recs = [json.loads(line) for _, line in zip(range(30), f, strict=False)]
    arts = [Article(id=r["id"], text=r["text"]) for r in recs]
    n = 0
    for art, qs in zip(arts, extract_quotes_batch(arts), strict=True):
        check(art, qs)
        n += len(qs)
    assert n > 300
