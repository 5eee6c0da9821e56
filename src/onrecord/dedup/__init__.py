"""Deduplication: exact copies, near-duplicates (MinHash LSH) and story grouping.

Typical use (what ingest and the store do)::

    dedup = Deduplicator()
    dedup.load(store.dedup_states())          # rebuild from what is stored
    result = dedup.add(article, normalise_body(article))
    store.save(article, result.state())       # signature + story features
"""

from onrecord.dedup.core import ArticleState, Deduplicator, DedupResult

__all__ = ["ArticleState", "DedupResult", "Deduplicator"]
