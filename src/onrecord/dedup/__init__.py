"""Deduplication: exact copies, near-duplicates (MinHash LSH) and story grouping.

Typical use (what ``pipeline.ingest`` does)::

    dedup = Deduplicator()
    dedup.load(states)  # ArticleState records rebuilt from what the store holds
    result = dedup.add(article, normalise_body(article))
    store.add_article(article, quotes, duplicate_of=result.duplicate_of, signature=result.signature,
                      story_id=result.story_id, story_features=result.story_features)
"""

from onrecord.dedup.core import ArticleState, Deduplicator, DedupResult

__all__ = ["ArticleState", "DedupResult", "Deduplicator"]
