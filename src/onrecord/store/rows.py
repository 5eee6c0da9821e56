"""Rows to what the rest of onrecord reads: JSON-ready dicts (``queries`` rows) and pipeline dataclasses."""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from typing import Any

from onrecord.models import Article, Quote, RoleSpan, SkipRange, Span, SpeakerRef


def jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    return value


def article_row(m: Any) -> dict[str, Any]:
    d = dict(m)
    d.pop("signature", None)
    d.pop("story_features", None)
    d.pop("seq", None)
    return d


ARTICLE_FIELDS = (
    "id", "text", "title", "outlet", "url", "authors", "published", "published_raw", "language",
    "source_path", "source_record", "format", "title_span", "skip_ranges", "extra",
)  # what article_from_row reads: a select of these skips the dedup state (story features: KBs of JSON)
QUOTE_FIELDS = (
    "id", "article_id", "kind", "start", "content_text", "content_spans", "cue_text", "cue_spans",
    "source_text", "source_spans", "speakers", "confidence", "sentence", "act", "rule",
)  # what quote_from_row reads: not what linking wrote


def article_from_row(m: Any) -> Article:
    return Article(
        id=m["id"],
        text=m.get("text") or "",
        title=m["title"],
        outlet=m["outlet"],
        url=m["url"],
        authors=list(m["authors"] or []),
        published=m["published"],
        published_raw=m["published_raw"],
        language=m["language"],
        source_path=m["source_path"],
        source_record=m["source_record"],
        format=m["format"],
        title_span=Span(*m["title_span"]) if m["title_span"] else None,
        skip_ranges=[SkipRange(**r) for r in (m["skip_ranges"] or [])],
        extra=dict(m["extra"] or {}),
    )


def quote_row(m: Any) -> dict[str, Any]:
    d = dict(m)
    role = lambda name: (  # noqa: E731
        {"text": d.pop(f"{name}_text"), "spans": d.pop(f"{name}_spans")}
        if d.get(f"{name}_text") is not None
        else (d.pop(f"{name}_text"), d.pop(f"{name}_spans"), None)[2]
    )
    d["content"] = role("content")
    d["cue"] = role("cue")
    d["source"] = role("source")
    d["date"] = d.get("said_date") or d.get("article_date")
    return d


def quote_from_row(m: Any) -> Quote:
    def role(name: str) -> RoleSpan | None:
        if m[f"{name}_text"] is None:
            return None
        return RoleSpan(m[f"{name}_text"], [Span(*s) for s in m[f"{name}_spans"]])

    speakers = [
        SpeakerRef(
            name=s["name"],
            type=s.get("type", "unknown"),
            resolved_via=s.get("resolved_via", "name"),
            evidence_spans=[Span(*e) for e in s.get("evidence_spans", [])],
            confidence=s.get("confidence", 1.0),
            chain=list(s.get("chain", [])),
        )
        for s in m["speakers"] or []
    ]
    content = role("content")
    assert content is not None
    return Quote(
        id=m["id"],
        kind=m["kind"],
        content=content,
        cue=role("cue"),
        source=role("source"),
        speakers=speakers,
        confidence=m["confidence"],
        sentence=Span(*m["sentence"]) if m["sentence"] else None,
        act=m.get("act") or "speech",
        rule=m.get("rule") or "",
    )


def quote_insert_row(article: Article, q: Quote) -> dict[str, Any]:
    """The row of ``quotes`` a new quote is stored as (link columns filled later by linking)."""
    return {
        "id": q.id,
        "article_id": article.id,
        "kind": q.kind,
        "start": q.start,
        "content_text": q.content.text,
        "content_spans": [s.to_list() for s in q.content.spans],
        "cue_text": q.cue.text if q.cue else None,
        "cue_spans": [s.to_list() for s in q.cue.spans] if q.cue else None,
        "source_text": q.source.text if q.source else None,
        "source_spans": [s.to_list() for s in q.source.spans] if q.source else None,
        "speakers": [s.to_dict() for s in q.speakers],
        "confidence": q.confidence,
        "sentence": q.sentence.to_list() if q.sentence else None,
        "speaker_names": "; ".join(s.name for s in q.speakers),
        "act": q.act,
        "rule": q.rule,
        "quote_date": article.published,  # until linking reads a said date
    }
