"""What ingest writes per article: few statements, one transaction, the same rows as before."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event

from onrecord.models import Article
from onrecord.store import Store
from onrecord.store import schema as t

PG_URL = os.environ.get("ONRECORD_TEST_PG")


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        s = Store(str(tmp_path / "w.db"))
    else:
        if not PG_URL:
            pytest.skip("no PostgreSQL server (set ONRECORD_TEST_PG)")
        fresh = Store(PG_URL)
        with fresh.engine.begin() as conn:
            t.metadata.drop_all(conn)
        fresh.close()
        s = Store(PG_URL)
    yield s
    s.close()


def _article(i: int) -> Article:
    return Article(id=f"art{i}", text=f"Title {i}\n\nBody {i}.", title=f"Title {i}", source_path=f"{i}.txt")


def _statements(store: Store) -> list[str]:
    seen: list[str] = []

    def log(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement.split(None, 1)[0].upper())

    event.listen(store.engine, "before_cursor_execute", log)
    return seen


def test_a_new_article_takes_few_statements(store: Store) -> None:
    store.add_article(_article(0))
    seen = _statements(store)
    assert store.add_article(_article(1), signature=b"\x00" * 8, story_id="art0") is True
    # article (with its seq), first sighting, change count; the rest is the transaction's own
    # lock and revision (engine._write)
    assert seen.count("INSERT") == 2 and seen.count("UPDATE") <= 2
    assert len(seen) <= 7, seen


def test_rows_seq_and_counters_as_before(store: Store) -> None:
    before = store.changes()
    for i in range(3):
        assert store.add_article(_article(i)) is True
    again = _article(1)
    again.source_path = "elsewhere.txt"
    assert store.add_article(again) is False  # stored already: one more sighting instead
    assert store.changes() == before + 3
    assert store.count("articles") == 3 and store.count("sightings") == 4
    states = list(store.dedup_states())
    assert [s["id"] for s in states] == ["art0", "art1", "art2"]
    assert [s["seq"] for s in states] == [1, 2, 3]
