"""The Python API (`onrecord.extract`) and semantic search, as a notebook user calls them."""

from __future__ import annotations

from pathlib import Path

import pytest

import onrecord
from onrecord.models import Article, Quote, Span
from test_cli_ingest import as_json, run

TEXT = (
    "Harbour chief warns of storm damage\n\n"
    "Port Selin, 4 March 2024\n\n"
    "Harbour master Lena Olsen said on Monday that the storm had damaged three piers.\n\n"
    '"We will rebuild before the fishing season," she said. '
    "According to the council, repairs will cost two million valdors.\n"
)


def test_extract_returns_dataclasses_with_offsets() -> None:
    doc = onrecord.extract(TEXT, outlet="Port Gazette", url="https://example.org/a")
    assert isinstance(doc.article, Article) and doc.article.text == TEXT
    assert doc.article.outlet == "Port Gazette" and doc.article.title == "Harbour chief warns of storm damage"
    assert doc.article.published and doc.article.published.startswith("2024-03-04")
    assert all(isinstance(q, Quote) for q in doc.quotes)
    direct = next(q for q in doc.quotes if q.kind == "direct")
    assert direct.content.text.rstrip(",") == "We will rebuild before the fishing season"
    assert all(isinstance(s, Span) and TEXT[s.start : s.end] for s in direct.content.spans)
    (speaker,) = direct.speakers
    assert speaker.name == "Lena Olsen" and speaker.resolved_via == "pronoun" and speaker.chain
    indirect = next(q for q in doc.quotes if "three piers" in q.content.text)
    assert indirect.kind == "indirect" and indirect.speakers[0].name == "Lena Olsen"
    council = next(q for q in doc.quotes if "two million" in q.content.text)
    assert council.cue is not None and council.cue.text.lower() == "according to"
    assert doc.to_dict()["quotes"][0]["content"]["spans"]  # JSON-ready too


def test_semantic_search_when_the_extra_is_installed(tmp_path: Path, seeds_dir: Path) -> None:
    from onrecord.speakers.embeddings import available

    db = tmp_path / "sem.db"
    assert run("ingest", str(seeds_dir), db=db).returncode == 0
    proc = run("search", "danger of an attack from Moscow", "--semantic", "--format", "json", db=db)
    if not available():
        assert proc.returncode == 1 and "embeddings extra" in proc.stderr
        pytest.skip("embeddings extra not installed: checked the one-line refusal instead")
    res = as_json(proc)
    top = res["quotes"]["items"][:3]  # type: ignore[index]
    assert top and all(q["score"] > 0.3 for q in top)
    assert any("threat" in q["content"]["text"] or "attack" in q["content"]["text"] for q in top)
