"""The store: the only module of onrecord that speaks SQL.

SQLite is the embedded default (``./onrecord.db``); any SQLAlchemy URL works for the tables,
and dialect-specific pieces (FTS5, pragmas, the PostgreSQL write lock) are kept here.
The store is split by job, one module each:

- ``schema``: tables and migrations (``meta.schema_version``);
- ``engine``: connections, the serialised write transaction, the linking marker;
- ``writes``: articles with sightings and quotes, links, corrections, imported roles, embeddings;
- ``fulltext``: the FTS5 tables and ranked queries over them;
- ``rows``: rows to JSON-ready dicts and to pipeline dataclasses;
- ``reads``: the answers to ``onrecord.queries`` filters, as typed pages.
"""

from __future__ import annotations

from onrecord.folding import fold
from onrecord.store.engine import (
    DEFAULT_DB,
    LOCK_TIMEOUT_S,
    ArticleRejected,
    StoreBusy,
    StoreError,
    resolve_db_url,
)
from onrecord.store.links import LinkCache
from onrecord.store.reads import Reads
from onrecord.store.writes import Writes


class Store(Writes, Reads):
    """One database: ``Store(url)`` opens (and migrates) it; reads and writes are its methods."""

    def link_cache(self, kind: str) -> LinkCache:
        """Values linking derived from one input alone (a text's topics), kept by the input's digest."""
        return LinkCache(self, kind)

    def clear_link_cache(self) -> None:
        """Forget every value linking derived (``relink --full``: the linker or its model changed)."""
        LinkCache(self, "").clear(every_kind=True)


__all__ = [
    "DEFAULT_DB",
    "LinkCache",
    "LOCK_TIMEOUT_S",
    "ArticleRejected",
    "Store",
    "StoreBusy",
    "StoreError",
    "fold",
    "resolve_db_url",
]
