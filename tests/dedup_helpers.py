"""Shared by the dedup tests: the state ingest stores for a result (no NLP, no store)."""

from __future__ import annotations

from onrecord.dedup import ArticleState, DedupResult


def stored_state(r: DedupResult) -> ArticleState:
    """What ingest stores for a result and feeds back to ``load`` (see ``pipeline.ingest``)."""
    return ArticleState(
        article_id=r.article_id,
        signature=r.signature,
        published=r.published,
        duplicate_of=r.duplicate_of if r.kind == "near" else None,
        story_id=r.story_id,
        story_features=r.story_features,
    )
