"""A small background document-frequency table for the story term weights.

Built by ``python benchmarks/stories.py --build-background`` from the
PolNeAR *train* split (840 US political news articles, 2015-16): terms that
occur in at least ``MIN_DF`` documents, with their document frequency. It
ships as package data (``data/background.json.gz``: ``{"documents": N,
"df": {term: n}}``, terms sorted) and is read on first use. The deduplicator
adds the document frequencies of what it has indexed itself, so the weights
adapt to the corpus being ingested.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from functools import cache
from importlib import resources
from pathlib import Path

MIN_DF = 3
TABLE = "data/background.json.gz"
TABLE_PATH = Path(__file__).with_name("data") / "background.json.gz"  # where ``write`` puts it


@cache
def load() -> tuple[int, dict[str, int]]:
    """(documents, document frequency per term); (0, {}) when no table is shipped."""
    ref = resources.files("onrecord.dedup").joinpath(TABLE)
    if not ref.is_file():
        return 0, {}
    data = json.loads(gzip.decompress(ref.read_bytes()).decode("utf-8"))
    return int(data["documents"]), {str(t): int(n) for t, n in data["df"].items()}


def dumps(documents: int, df: dict[str, int]) -> bytes:
    """The table file's bytes: byte-stable for the same table (sorted terms, no gzip timestamp)."""
    table = {"documents": documents, "df": dict(sorted(df.items()))}
    body = json.dumps(table, ensure_ascii=False, separators=(",", ":"))
    return gzip.compress(body.encode("utf-8"), compresslevel=9, mtime=0)


def write(documents: int, df: Counter[str], path: Path = TABLE_PATH) -> int:
    """Write the table; returns the number of terms kept."""
    kept = {t: n for t, n in df.items() if n >= MIN_DF}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(dumps(documents, kept))
    load.cache_clear()
    return len(kept)
