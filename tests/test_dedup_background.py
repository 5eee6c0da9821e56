"""The background document-frequency table: shipped as package data, read once, unchanged."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections import Counter
from pathlib import Path

from onrecord.dedup import background

# What the generated module ``_background_data.py`` held before the table became a data file:
# its document count, term count and the sha256 of its "term<TAB>n" lines in order.
DOCUMENTS = 840
TERMS = 11646
DF_SHA256 = "33ea48f7dca7aea150ed334ef80c181511f1ccb1a30066aaa8f1bb3ed2348724"


def test_table_holds_what_the_old_module_held() -> None:
    documents, df = background.load()
    assert documents == DOCUMENTS
    assert len(df) == TERMS
    lines = "\n".join(f"{t}\t{n}" for t, n in df.items())
    assert hashlib.sha256(lines.encode("utf-8")).hexdigest() == DF_SHA256
    assert list(df) == sorted(df)
    assert (df["aaron"], df["york"], df["trump"], df["zuckerberg"]) == (6, 239, 590, 3)
    assert sum(df.values()) == 201643


def test_table_is_read_once() -> None:
    assert background.load() is background.load()


def test_table_ships_as_package_data() -> None:
    assert background.TABLE_PATH.is_file()
    pyproject = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    assert '"dedup/data/*"' in pyproject


def test_write_round_trips_byte_for_byte(tmp_path: Path) -> None:
    documents, df = background.load()
    assert background.dumps(documents, df) == background.TABLE_PATH.read_bytes()
    out = tmp_path / "data" / "bg.json.gz"
    kept = background.write(documents, Counter({**df, "not-a-term-of-the-table": 2}), out)
    assert kept == len(df)  # below MIN_DF is dropped
    assert out.read_bytes() == background.TABLE_PATH.read_bytes()
    data = json.loads(gzip.decompress(out.read_bytes()))
    assert data["documents"] == documents and data["df"] == df
