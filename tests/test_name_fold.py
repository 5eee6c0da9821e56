"""One name fold: every door finds a speaker by any spelling linking would merge."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from onrecord import pipeline
from onrecord.folding import fold
from onrecord.queries import QuoteFilter
from onrecord.speakers import names
from onrecord.store import Store
from onrecord.store import schema as t


@pytest.mark.parametrize(
    ("a", "b"),
    [("Radosław Sikorski", "Radoslaw Sikorski"), ("Jānis  Sārts", "janis sarts"), ("Søren Gade", "SOREN GADE"),
     ("Straße", "strasse")],
)
def test_spellings_fold_alike(a: str, b: str) -> None:
    assert fold(a) == fold(b)
    assert names.fold is fold and t.fold is fold  # linking and the store use the same function


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        "Warsaw talks\n\n"
        '"Poland will not be intimidated," Foreign Minister Radosław Sikorski said on Tuesday.\n',
        encoding="utf-8",
    )
    store = Store(str(tmp_path / "f.db"))
    pipeline.ingest([str(corpus)], store)
    return store


def test_a_plain_ascii_spelling_finds_the_speaker(store: Store) -> None:
    assert store.speaker_keys_matching("Radoslaw Sikorski")
    assert store.get_speaker("Radoslaw Sikorski") is not None
    assert store.list_quotes(QuoteFilter(speaker="Radoslaw Sikorski")).total == 1
    assert store.list_speakers(q="radoslaw").total == 1


def test_an_older_store_is_refolded_on_open(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "f.db"
    store.close()
    con = sqlite3.connect(path)
    con.execute("UPDATE speaker_aliases SET folded = replace(folded, 'radoslaw', 'radosław')")
    assert con.execute("SELECT count(*) FROM speaker_aliases WHERE folded LIKE '%radosław%'").fetchone()[0] > 0
    con.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    assert Store(str(path)).speaker_keys_matching("Radoslaw Sikorski")
