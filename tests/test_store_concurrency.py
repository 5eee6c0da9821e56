"""Two writers at once, kills between commits, and the repairs the next command makes.

Every test runs on a real SQLite file and, when a server is given, on PostgreSQL.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from onrecord import pipeline
from onrecord.models import Article, Quote, RoleSpan, Span, SpeakerRef
from onrecord.store import ArticleRejected, Store
from onrecord.store import schema as t

PG_URL = os.environ.get("ONRECORD_TEST_PG")
ONRECORD = [sys.executable, "-c", "from onrecord.cli import main; main()"]


def _fresh_pg() -> str:
    fresh = Store(PG_URL)
    with fresh.engine.begin() as conn:  # an empty database
        t.metadata.drop_all(conn)
    fresh.close()
    return str(PG_URL)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "c.db")
    if not PG_URL:
        pytest.skip("no PostgreSQL server (set ONRECORD_TEST_PG, or run 'make test' as root)")
    return _fresh_pg()


def _article(aid: str, body: str, speaker: str | None = None) -> tuple[Article, list[Quote]]:
    text_ = f"Title {aid}\n\n{body}"
    art = Article(id=aid, text=text_, title=f"Title {aid}", source_path=f"{aid}.txt")
    quotes: list[Quote] = []
    if speaker:
        s = text_.index('"') + 1
        e = text_.index('"', s)
        quotes.append(
            Quote(
                id=f"{aid}:{s}-{e}",
                kind="direct",
                content=RoleSpan(text_[s:e], [Span(s, e)]),
                speakers=[SpeakerRef(name=speaker, type="person")],
            )
        )
    return art, quotes


def _write_corpus(folder: Path, prefix: str, n: int) -> None:
    folder.mkdir(parents=True)
    for i in range(n):
        (folder / f"{prefix}{i:03d}.txt").write_text(
            f"Report {prefix} {i}\n\n"
            f'"We will look at item {prefix}{i} closely," Minister Ana Petrov{i % 3} said on Monday.\n'
            f"The ministry published figures number {i} for region {prefix}.\n",
            encoding="utf-8",
        )


def test_two_writers_in_one_process_never_share_a_seq(db_url: str) -> None:
    """The race of the issue: seq = max(seq) + 1 read outside the write lock."""
    stores = [Store(db_url), Store(db_url)]
    errors: list[BaseException] = []

    def write(k: int) -> None:
        try:
            for i in range(60):
                art, quotes = _article(f"w{k}-{i}", f'"Point {k} {i} stands," she said.', speaker=f"Speaker {k}")
                stores[k].add_article(art, quotes)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(k,)) for k in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    store = stores[0]
    assert store.count("articles") == 120
    with store.transaction() as conn:
        seqs = conn.execute(text("SELECT seq FROM articles")).scalars().all()
    assert len(set(seqs)) == 120
    store.refresh_search_index()
    assert sum(1 for _ in store.iter_articles(batch=7)) == 120  # keyset paging skips nothing
    if store.is_sqlite:
        assert store.search("stands").quotes.total == 120


def test_the_same_article_from_two_writers_is_stored_once(db_url: str) -> None:
    """has_article() then insert races; the loser records a sighting instead of failing."""
    a, b = Store(db_url), Store(db_url)
    art, quotes = _article("same", '"One copy only," he said.', speaker="Ana Petrov")
    assert a.add_article(art, quotes) is True
    art.source_path = "elsewhere.txt"
    assert b.add_article(art, quotes) is False
    assert a.count("articles") == 1 and a.count("quotes") == 1
    assert a.count("sightings") == 2


def test_a_refused_article_costs_only_itself(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = tmp_path / "in"
    _write_corpus(corpus, "r", 5)
    store = Store(db_url)
    real = store.add_article

    def refuse_one(article: Article, *args: object, **kw: object) -> bool:
        if (article.source_path or "").endswith("r002.txt"):
            raise ArticleRejected(f"the database refused article {article.id}: value too long")
        return real(article, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "add_article", refuse_one)
    summary = pipeline.ingest([str(corpus)], store, link=False)
    assert summary.new == 4
    (failure,) = summary.failed
    assert "refused article" in failure.reason and failure.path.endswith("r002.txt")
    assert store.count("articles") == 4


def test_postgresql_refuses_nul_as_one_clear_failure(db_url: str) -> None:
    store = Store(db_url)
    art, _ = _article("nul", "A body with a \x00 in it.")
    if store.is_sqlite:
        assert store.add_article(art) is True  # SQLite stores NUL; readers remove it before this point
        return
    with pytest.raises(ArticleRejected, match="refused article nul"):
        store.add_article(art)
    assert store.count("articles") == 0 and store.count("sightings") == 0


def test_linking_left_due_by_a_kill_is_finished_by_the_next_ingest(tmp_path: Path, db_url: str) -> None:
    corpus = tmp_path / "in"
    _write_corpus(corpus, "k", 6)
    store = Store(db_url)
    # What a kill after the last article commit leaves: articles and quotes, no linking.
    first = pipeline.ingest([str(corpus)], store, link=False)
    assert first.new == 6 and first.quotes > 0
    assert store.link_due() and store.count("speakers") == 0
    again = pipeline.ingest([str(corpus)], Store(db_url))  # nothing new to store
    assert again.new == 0 and again.linked
    assert not store.link_due()
    assert store.count("speakers") > 0
    with store.transaction() as conn:
        unlinked = conn.execute(
            text(
                "SELECT count(*) FROM quotes q"
                " WHERE NOT EXISTS (SELECT 1 FROM quote_speakers s WHERE s.quote_id = q.id)"
            )
        ).scalar_one()
    assert unlinked == 0
    quiet = pipeline.ingest([str(corpus)], store)
    assert not quiet.linked  # nothing due, nothing new: no relink


def test_an_interrupted_reprocess_leaves_whole_articles_and_linking_due(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "in"
    _write_corpus(corpus, "p", 9)
    store = Store(db_url)
    pipeline.ingest([str(corpus)], store)
    before = {q["id"] for q in store.list_quotes(limit=1000).items}
    assert not store.link_due()
    real = pipeline.extract_articles

    def killed_after_two_batches(articles: Iterator[Article], **kw: object) -> Iterator[pipeline.ExtractedArticle]:
        for n, done in enumerate(real(articles, **kw), start=1):  # type: ignore[arg-type]
            if n > 6:
                raise KeyboardInterrupt
            yield done

    monkeypatch.setattr(pipeline, "extract_articles", killed_after_two_batches)
    with pytest.raises(KeyboardInterrupt):
        pipeline.reprocess(store, batch_size=3)
    monkeypatch.undo()
    assert store.link_due()  # two batches were swapped in; their links are stale
    assert {q["id"] for q in store.list_quotes(limit=1000).items} == before  # same extractor, same quotes
    again = pipeline.ingest([str(corpus)], store)
    assert again.linked and not store.link_due()


def test_two_relinks_at_once_both_finish(tmp_path: Path, db_url: str) -> None:
    corpus = tmp_path / "in"
    _write_corpus(corpus, "l", 6)
    pipeline.ingest([str(corpus)], Store(db_url), link=False)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            pipeline.relink(Store(db_url))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    store = Store(db_url)
    assert not store.link_due()
    assert store.count("speakers") > 0


def test_unlinked_speaker_keys_are_sql_null_on_every_backend(db_url: str) -> None:
    store = Store(db_url)
    art, quotes = _article("u1", '"Nobody links this," a voice said.')
    quotes = [
        Quote(id="u1:x", kind="direct", content=RoleSpan("Nobody links this,", [Span(14, 32)]), speakers=[])
    ]
    store.add_article(art, quotes)
    pipeline.relink(store)
    with store.transaction() as conn:
        nulls = conn.execute(text("SELECT count(*) FROM quotes WHERE speaker_keys IS NULL")).scalar_one()
        json_nulls = conn.execute(
            text("SELECT count(*) FROM quotes WHERE speaker_keys IS NOT NULL AND CAST(speaker_keys AS TEXT) = 'null'")
        ).scalar_one()
        (value,) = conn.execute(text("SELECT speaker_keys FROM quotes WHERE id = 'u1:x'")).one()
    assert json_nulls == 0
    assert value is None or value in ("[]", [])
    assert nulls == (1 if value is None else 0)


def test_a_store_broken_by_duplicate_seqs_is_repaired_on_open(tmp_path: Path) -> None:
    """v5 renumbers what two racing writers of an older onrecord left behind."""
    path = tmp_path / "old.db"
    store = Store(str(path))
    for i in range(3):
        art, quotes = _article(f"d{i}", f'"Claim number {i} holds," he said.', speaker="Ana Petrov")
        store.add_article(art, quotes)
    store.close()
    con = sqlite3.connect(path)
    con.execute("DROP INDEX ux_articles_seq")
    con.execute("UPDATE articles SET seq = 1, fts_indexed = 0")
    con.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    repaired = Store(str(path))
    with repaired.transaction() as conn:
        assert len(set(conn.execute(text("SELECT seq FROM articles")).scalars())) == 3
    repaired.refresh_search_index()
    assert repaired.search("claim").quotes.total == 3
    assert len(repaired.search("claim").articles) == 3


def test_two_ingest_commands_into_one_sqlite_file_both_succeed(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    _write_corpus(one, "a", 40)
    _write_corpus(two, "b", 40)
    db = str(tmp_path / "shared.db")
    env = {**os.environ, "ONRECORD_LOCK_TIMEOUT": "60"}
    procs = [
        subprocess.Popen(
            [*ONRECORD, "ingest", str(folder), "--db", db, "--no-extract"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for folder in (one, two)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    store = Store(db)
    assert store.count("articles") == 80
    rerun = subprocess.run([*ONRECORD, "ingest", str(one), "--db", db], capture_output=True, text=True, env=env)
    assert rerun.returncode == 0, rerun.stderr  # the store still takes writes
    assert Store(db).count("articles") == 80
