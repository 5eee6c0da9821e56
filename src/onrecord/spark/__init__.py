"""The pipeline on Apache Spark, for corpora that outgrow one machine (``pip install -e '.[spark]'``).

``onrecord spark run INPUT... --out DIR`` reads, deduplicates (exact copies by article id, near
copies by distributed MinHash LSH) and extracts quotes as Spark jobs over the same readers, MinHash
signatures and extractor as ``onrecord ingest``, and writes Parquet tables with the store's columns;
``onrecord spark load DIR --db URL`` loads them into SQLite or PostgreSQL and links speakers and
statements there. See ``docs/scale.md`` for what differs from a single-machine ingest and why.
"""

from __future__ import annotations

from .job import RunSummary, load, run
from .session import spark_unavailable

__all__ = ["RunSummary", "load", "run", "spark_unavailable"]
