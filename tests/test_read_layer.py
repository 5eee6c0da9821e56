"""The one read layer: the same filter rules and messages on every door, HTTP caching, search order, keyset pages."""

from __future__ import annotations

import html
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from onrecord.api import create_app
from onrecord.queries import (
    InvalidFilter,
    QuoteFilter,
    QuoteRow,
    build_timeline,
    one_row_per_statement,
    period_counts,
)
from onrecord.store import Store
from onrecord.store.schema import SCHEMA_VERSION
from web_helpers import (
    Info,
    LinkResult,
    Report,
    Speaker,
    Statement,
    build_demo_store,
    make_article,
    make_quote,
)

ONRECORD = [sys.executable, "-m", "onrecord.cli"]


# ------------------------------------------------------------ filter rules
@pytest.mark.parametrize("value", ["2024", "2024-02", "2024-02-29", "2024-02-29T10:00", "2024-02-29T10:00:00Z"])
def test_iso_dates_are_accepted(value: str) -> None:
    assert QuoteFilter.parse(since=value).since == value


@pytest.mark.parametrize("value", ["2024-13", "2023-02-29", "24-01-01", "yesterday", "2024-1-1", "2024-01-01T25:00"])
def test_bad_dates_are_refused_with_one_message(value: str) -> None:
    with pytest.raises(InvalidFilter) as exc:
        QuoteFilter.parse(until=value)
    assert str(exc.value) == f"until: expected a date YYYY, YYYY-MM or YYYY-MM-DD, got {value!r}"


def test_filter_rules() -> None:
    assert QuoteFilter.parse(speaker="  Ana  ", kind="", drift="0") == QuoteFilter(speaker="Ana", drift=False)
    assert QuoteFilter.parse(drift="on").drift is True and QuoteFilter.parse(drift=True).drift is True
    assert QuoteFilter.parse(since="2024-01", until="2024-01").until == "2024-01"  # one month, inclusive
    with pytest.raises(InvalidFilter, match="until: '2023-12-31' is before since '2024-01'"):
        QuoteFilter.parse(since="2024-01", until="2023-12-31")
    with pytest.raises(InvalidFilter, match="kind: expected one of direct, indirect, mixed"):
        QuoteFilter.parse(kind="quoted")
    with pytest.raises(InvalidFilter, match="act: expected one of speech, thought"):
        QuoteFilter.parse(act="rumour")
    with pytest.raises(InvalidFilter, match="drift: expected true or false"):
        QuoteFilter.parse(drift="maybe")
    with pytest.raises(InvalidFilter, match="speaker: longer than 500 characters"):
        QuoteFilter.parse(speaker="x" * 501)
    with pytest.raises(InvalidFilter, match="outlet: holds a NUL"):
        QuoteFilter.parse(outlet="a\x00b")
    with pytest.raises(TypeError, match="unknown quote filter"):
        QuoteFilter.parse(speakr="Ana")
    assert not QuoteFilter() and QuoteFilter(kind="direct")
    assert QuoteFilter(kind="direct").replace(act="speech") == QuoteFilter(kind="direct", act="speech")


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("read") / "demo.db"
    build_demo_store(str(path)).close()
    return path


@pytest.fixture()
def client(demo_db: Path) -> TestClient:
    return TestClient(create_app(Store(str(demo_db))))


@pytest.mark.parametrize(
    ("param", "value"), [("since", "2024-13"), ("until", "2024-02-30"), ("kind", "quoted"), ("act", "rumour")]
)
def test_every_door_refuses_a_bad_filter_with_the_same_message(
    param: str, value: str, client: TestClient, demo_db: Path
) -> None:
    with pytest.raises(InvalidFilter) as exc:
        QuoteFilter.parse(**{param: value})
    message = str(exc.value)

    api = client.get("/api/quotes", params={param: value})
    assert api.status_code == 422 and message in api.json()["message"] and api.json()["errors"] == [message]

    page = client.get("/search", params={"q": "threat", param: value})
    assert page.status_code == 422 and message in html.unescape(page.text)

    speaker_page = client.get("/speakers/jens-stoltenberg", params={param: value})
    assert speaker_page.status_code == 422 and message in html.unescape(speaker_page.text)

    cli = subprocess.run([*ONRECORD, "quotes", f"--{param}", value, "--db", str(demo_db)],
                         capture_output=True, text=True, timeout=120)
    assert cli.returncode == 2 and message in " ".join(cli.stderr.split())  # usage error, the same words


def test_the_web_and_the_api_find_a_speaker_by_a_plain_ascii_spelling(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "fold.db"))
    art = make_article('"Poland will not be intimidated," Radosław Sikorski said.', title="Warsaw",
                       outlet="Wire", published="2024-03-05")
    q = make_quote(art, 0, "Poland will not be intimidated,", cue="said", source="Radosław Sikorski",
                   speaker="Radosław Sikorski")
    store.add_article(art, [q])
    store.refresh_search_index()
    sp = Speaker(key="radoslaw-sikorski", name="Radosław Sikorski", aliases=["Sikorski"])
    store.replace_links(LinkResult(speakers=[sp], quote_speakers={q.id: [sp.key]},
                                   quote_info={q.id: Info("2024-03-05", "article date", "day")}))
    c = TestClient(create_app(store))
    assert c.get("/api/quotes", params={"speaker": "Radoslaw Sikorski"}).json()["total"] == 1
    found = c.get("/api/search", params={"q": "intimidated", "speaker": "radoslaw sikorski"}).json()
    assert found["quotes"]["total"] == 1
    page = c.get("/search", params={"q": "Poland", "speaker": "Radoslaw Sikorski"}).text
    assert ">1 quote match<" in page
    assert c.get("/speakers/Radoslaw Sikorski").status_code == 200
    assert c.get("/api/speakers", params={"q": "radoslaw"}).json()["total"] == 1


# ------------------------------------------------------------- caching
def test_reads_carry_an_etag_that_changes_with_every_write(demo_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "cache.db"
    path.write_bytes(demo_db.read_bytes())
    store = Store(str(path))
    c = TestClient(create_app(store))
    for url in ("/api/quotes", "/api/search?q=threat", "/speakers/jens-stoltenberg", "/"):
        first = c.get(url)
        assert first.status_code == 200 and first.headers["cache-control"] == "no-cache"
        etag = first.headers["etag"]
        again = c.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
        assert again.headers["x-content-type-options"] == "nosniff"  # security headers on a 304 too
        assert c.get(url, headers={"If-None-Match": 'W/"other"'}).status_code == 200
    etag = c.get("/api/quotes").headers["etag"]
    art = make_article('"A new remark," Ana Petrov said.', title="New", outlet="Wire", published="2024-05-01")
    store.add_article(art, [make_quote(art, 0, "A new remark,", cue="said", source="Ana Petrov", speaker="Ana Petrov")])
    changed = c.get("/api/quotes", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert c.get("/api/nothing-here").headers.get("etag") is None  # only successful reads are tagged


def test_a_speakers_page_is_rendered_once_per_link_and_again_after_one(tmp_path: Path, monkeypatch: Any) -> None:
    store = Store(str(tmp_path / "sp.db"))
    art = make_article('"The port reopens," Ana Petrov said.', title="Port", outlet="Wire", published="2024-03-05")
    q = make_quote(art, 0, "The port reopens,", cue="said", source="Ana Petrov", speaker="Ana Petrov")
    store.add_article(art, [q])
    store.refresh_search_index()

    def link(name: str) -> None:
        sp = Speaker(key="ana-petrov", name=name)
        store.replace_links(LinkResult(speakers=[sp], quote_speakers={q.id: [sp.key]},
                                       quote_info={q.id: Info("2024-03-05", "article date", "day")}))

    link("Ana Petrov")
    queried: list[str] = []
    real = Store.list_quotes
    monkeypatch.setattr(Store, "list_quotes", lambda self, *a, **k: queried.append("q") or real(self, *a, **k))
    c = TestClient(create_app(store))
    first = c.get("/speakers/ana-petrov")
    assert first.status_code == 200 and "The port reopens" in first.text
    other = make_article('"The port closes," Ivo Marin said.', title="Port 2", outlet="Wire", published="2024-03-06")
    store.add_article(other, [make_quote(other, 0, "The port closes,", cue="said", source="Ivo Marin",
                                         speaker="Ivo Marin")])  # stored, not linked: the page is the same
    assert c.get("/speakers/ana-petrov").text == first.text and queried == ["q"]
    assert c.get("/speakers/ana-petrov", params={"kind": "direct"}).status_code == 200 and len(queried) == 2
    listed = c.get("/api/quotes", params={"speaker": "ana-petrov"}).json()["items"]
    link("Ana Petrova")  # a new link result (a rename, say): the page is built again
    renamed = c.get("/speakers/ana-petrov")
    assert "Ana Petrova" in renamed.text and len(queried) == 4
    relisted = c.get("/api/quotes", params={"speaker": "ana-petrov"}).json()["items"]
    assert [q["speaker_names"] for q in listed] == ["Ana Petrov"] and [q["speaker_names"] for q in relisted] == [
        "Ana Petrova"
    ]


# ------------------------------------------------------ search and paging
def _reference_order(store: Store, query: str) -> list[str]:
    """The search order as specified: each hit by rank, then the other reports of its statement by rowid."""
    with store.engine.connect() as conn:
        from sqlalchemy import text

        hits = [r[0] for r in conn.execute(
            text("SELECT rowid FROM quotes_fts WHERE quotes_fts MATCH :q ORDER BY rank"), {"q": f'"{query}"'})]
        rows = {r[0]: (r[1], r[2]) for r in conn.execute(text("SELECT rowid, id, statement_id FROM quotes"))}
    members: dict[str, list[int]] = {}
    for rid in sorted(rows):
        if rows[rid][1]:
            members.setdefault(rows[rid][1], []).append(rid)
    out: list[str] = []
    seen: set[int] = set()
    for rid in hits:
        sid = rows[rid][1]
        for r in [rid, *(members.get(sid, []) if sid else [])]:
            if r not in seen:
                seen.add(r)
                out.append(rows[r][0])
    return out


@pytest.fixture(scope="module")
def statement_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """Quotes of many statements, some reworded so that only one report matches a word."""
    rng = random.Random(7)
    store = Store(str(tmp_path_factory.mktemp("stmts") / "s.db"))
    words = ["harbour", "bridge", "budget", "storm", "ferry", "tariff"]
    statements: list[Statement] = []
    qs: dict[str, list[str]] = {}
    info: dict[str, Info] = {}
    for i in range(60):
        sid = f"st{i:03d}"
        reports = []
        for j in range(rng.randint(1, 4)):
            word = rng.choice(words) if j == 0 or rng.random() < 0.5 else "reworded"
            text = f"The {word} plan number {i} will go ahead, said Ana Petrov"
            day = f"2024-{1 + i % 12:02d}-{1 + j:02d}"
            art = make_article(f'"{text}," she said.', title=f"T{i}-{j}", outlet=f"Outlet {j}", published=day)
            q = make_quote(art, 0, text, cue="said", source="Ana Petrov", speaker="Ana Petrov")
            store.add_article(art, [q])
            reports.append(Report(q.id, art.id, f"Outlet {j}", day, day, "article date", text, "direct"))
            qs[q.id] = ["ana-petrov"]
            info[q.id] = Info(day, "article date", "day")
        statements.append(Statement(id=sid, speaker_key="ana-petrov", reports=reports))
    store.refresh_search_index()
    store.replace_links(LinkResult(speakers=[Speaker(key="ana-petrov", name="Ana Petrov")], quote_speakers=qs,
                                   quote_info=info, statements=statements))
    return store


@pytest.mark.parametrize("word", ["harbour", "storm", "plan"])
def test_search_order_is_each_hit_then_the_other_reports_of_its_statement(statement_store: Store, word: str) -> None:
    expected = _reference_order(statement_store, word)
    assert len(expected) > 10
    pages = [statement_store.search(word, limit=7, offset=o) for o in range(0, len(expected) + 7, 7)]
    got = [q["id"] for p in pages for q in p.quotes.items]
    assert got == expected
    assert {p.quotes.total for p in pages} == {len(expected)}
    direct = {q["id"] for p in pages for q in p.quotes.items if q["matched_via"] == "text"}
    assert all(word in statement_store.get_quote(i)["content"]["text"] for i in direct)  # type: ignore[index]
    assert all(word not in q["content"]["text"] for p in pages for q in p.quotes.items if q["matched_via"] != "text")


def test_search_filters_apply_to_the_other_reports_too(statement_store: Store) -> None:
    only = statement_store.search("harbour", QuoteFilter(outlet="Outlet 1"), limit=500)
    assert only.quotes.items and all(q["outlet"] == "Outlet 1" for q in only.quotes.items)
    expected = [i for i in _reference_order(statement_store, "harbour")
                if statement_store.get_quote(i)["outlet"] == "Outlet 1"]  # type: ignore[index]
    assert [q["id"] for q in only.quotes.items] == expected


def test_keyset_pages_walk_the_same_order_as_offset_pages(statement_store: Store) -> None:
    c = TestClient(create_app(statement_store))
    by_offset = c.get("/api/quotes", params={"limit": 500}).json()["items"]
    walked: list[str] = []
    params: dict[str, Any] = {"limit": 9}
    while True:
        page = c.get("/api/quotes", params=params).json()
        walked += [q["id"] for q in page["items"]]
        if not page.get("next_cursor"):
            break
        params = {"limit": 9, "cursor": page["next_cursor"]}
    assert walked == [q["id"] for q in by_offset] and len(walked) == len(set(walked))
    bad = c.get("/api/quotes", params={"cursor": "not-a-cursor"})
    assert bad.status_code == 422 and "cursor" in bad.json()["message"]


def test_a_cached_search_page_follows_the_index_and_is_not_shared_with_callers(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "c.db"))
    first = make_article('"The lighthouse stays open," she said.', title="A", outlet="Outlet A", published="2024-01-02")
    store.add_article(first, [make_quote(first, 0, "The lighthouse stays open", speaker="Ana Petrov")])
    store.refresh_search_index()
    page = store.search("lighthouse")
    assert page.quotes.total == 1
    page.quotes.items[0]["content"] = "changed by a caller"
    page.quotes.items.clear()
    assert store.search("lighthouse").quotes.items[0]["content"]["text"] == "The lighthouse stays open"
    second = make_article('"The lighthouse will close," he said.', title="B", outlet="Outlet B", published="2024-02-03")
    store.add_article(second, [make_quote(second, 0, "The lighthouse will close", speaker="Ivo Marin")])
    assert store.search("lighthouse").quotes.total == 1  # stored, not yet indexed: what searches see is unchanged
    store.refresh_search_index()
    assert store.search("lighthouse").quotes.total == 2
    assert Store(store.url).search("lighthouse").quotes.total == 2  # and so does another process's store


def test_threads_asking_for_one_uncached_search_rank_it_once(statement_store: Store, monkeypatch: Any) -> None:
    import threading

    from onrecord.store import fulltext

    calls: list[str] = []
    real = fulltext.ranked_hits
    gate = threading.Event()

    def slow_ranked_hits(conn: Any, fq: str) -> Any:
        calls.append(fq)
        gate.wait(5)  # every thread has asked before the first answer comes
        return real(conn, fq)

    monkeypatch.setattr(fulltext, "ranked_hits", slow_ranked_hits)
    fresh = Store(statement_store.url)
    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(fresh.search("ferry").quotes.total)) for _ in range(6)]
    for th in threads:
        th.start()
    threading.Timer(0.5, gate.set).start()
    for th in threads:
        th.join(10)
    assert len(results) == 6 and len(set(results)) == 1 and results[0] > 0
    assert calls == ['"ferry"']


@pytest.mark.parametrize(("refresh", "expected"), [(0.0, [0, 1, 2, 3]), (3600.0, [0, 0, 0, 0])])
def test_a_running_ingest_makes_what_it_stored_searchable_at_its_interval(
    tmp_path: Path, refresh: float, expected: list[int]
) -> None:
    from onrecord.pipeline import ingest

    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(4):
        (folder / f"a{i}.txt").write_text(f"Title {i}\n\nThe ferry number {i} runs again, the mayor said on Monday.\n")
    store = Store(str(tmp_path / "i.db"))
    seen: list[int] = []  # articles another reader finds as each file is reached

    def progress(done: int, path: str) -> None:
        seen.append(len(Store(store.url).search("ferry").articles))

    ingest([str(folder)], store, extract=False, link=False, progress=progress, batch_size=1, search_refresh=refresh)
    assert seen == expected
    assert len(Store(store.url).search("ferry").articles) == 4  # and all of it at the end of the run


# ------------------------------------------------------ computed from rows
def _row(qid: str, when: str | None, sid: str | None, article: str = "a", start: int = 0) -> QuoteRow:
    return {"id": qid, "date": when, "statement_id": sid, "article_id": article, "start": start}


def test_one_row_per_statement_and_timelines_count_a_statement_once() -> None:
    rows = [_row("q1", "2024-01-05", "s1"), _row("q2", "2024-01-04", "s1", "b"), _row("q3", "2024-02-01", None),
            _row("q4", None, "s2"), _row("q5", None, "s2", "c")]
    grouped = one_row_per_statement(rows)
    assert [r["id"] for r in grouped] == ["q1", "q3", "q4"] and [a["id"] for a in grouped[0]["also"]] == ["q2"]
    tl = build_timeline(rows, "month")
    assert tl.total == 2 and tl.undated == 1
    assert [(b["period"], b["count"]) for b in tl.buckets] == [("2024-01", 1), ("2024-02", 1)]
    assert tl.buckets[0]["quotes"][0]["id"] == "q2" and tl.buckets[0]["quotes"][0]["report_count"] == 2
    counted = period_counts(((r["date"], r["statement_id"], r["id"]) for r in rows), "month")
    assert counted == [{"period": b["period"], "count": b["count"]} for b in tl.buckets]
    assert period_counts([("2024-03-05", None, "x")], "week") == [{"period": "2024-W10", "count": 1}]


# ---------------------------------------------------- indexes and migration
def test_a_speakers_page_from_its_index_equals_the_general_query(statement_store: Store) -> None:
    fast = statement_store.list_quotes(QuoteFilter(speaker="Ana Petrov"), limit=1000)
    general = statement_store.list_quotes(QuoteFilter(speaker="Ana Petrov", act="speech"), limit=1000)  # no index path
    assert fast.total == general.total > 50 and [q["id"] for q in fast] == [q["id"] for q in general]
    assert [q["id"] for q in statement_store.list_quotes(QuoteFilter(speaker="Ana Petrov"), limit=7, offset=14)] == \
        [q["id"] for q in general.items[14:21]]
    for group in ("day", "week", "month", "year"):
        rows = [(q["date"], q["statement_id"], q["id"]) for q in general.items]
        expected = period_counts(rows, group)  # type: ignore[arg-type]
        assert statement_store.quote_period_counts(QuoteFilter(speaker="Ana Petrov"), group=group) == expected
        general_counts = statement_store.quote_period_counts(
            QuoteFilter(speaker="Ana Petrov", act="speech"), group=group
        )
        assert general_counts == expected
    dated = statement_store.list_quotes(QuoteFilter(speaker="Ana Petrov", since="2024-03", until="2024-04"), limit=1000)
    assert dated.items and all("2024-03" <= (q["date"] or "")[:7] <= "2024-04" for q in dated)


def test_a_v6_store_gets_its_read_columns_and_indexes_on_open(demo_db: Path, tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "v6.db"
    path.write_bytes(demo_db.read_bytes())
    before = Store(str(path)).list_quotes(QuoteFilter(speaker="jens-stoltenberg"), limit=100)
    con = sqlite3.connect(path)
    for ddl in ("DROP INDEX ix_quotes_date", "DROP INDEX ix_quote_speakers_page",
                "DROP INDEX ix_quote_speakers_periods", "ALTER TABLE quotes DROP COLUMN quote_date",
                "ALTER TABLE quote_speakers DROP COLUMN quote_date",
                "ALTER TABLE quote_speakers DROP COLUMN statement_key",
                "UPDATE meta SET value = '6' WHERE key = 'schema_version'"):
        con.execute(ddl)
    con.commit()
    con.close()
    store = Store(str(path))
    assert store.schema_version() == SCHEMA_VERSION >= 7
    after = store.list_quotes(QuoteFilter(speaker="jens-stoltenberg"), limit=100)
    assert [q["id"] for q in after] == [q["id"] for q in before] and after.total >= 3
    con = sqlite3.connect(path)
    assert con.execute("SELECT count(*) FROM quotes WHERE quote_date IS NULL").fetchone()[0] == 0
    names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"ix_quotes_date", "ix_quote_speakers_page", "ix_quote_speakers_periods", "ix_statements_date"} <= names


def test_serve_runs_several_workers_over_one_store(demo_db: Path) -> None:
    import socket
    import time

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([*ONRECORD, "serve", "--db", str(demo_db), "--port", str(port), "--workers", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as c:
                    stats = c.get("/api/stats").json()
                    pages = [c.get("/api/quotes", params={"limit": 2}).status_code for _ in range(6)]
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, "the server did not start"
                time.sleep(0.3)
        assert stats == Store(str(demo_db)).stats() and pages == [200] * 6
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert "with 2 worker processes" in err


def test_while_one_thread_ranks_a_new_revision_the_others_get_the_last_one_marked_stale() -> None:
    import threading

    from onrecord.store.reads import SERVED_STALE, KeyedCache

    cache = KeyedCache()
    assert cache.get_or_compute((1, "q"), lambda: "page at 1", stale_ok=True) == "page at 1"
    started, release = threading.Event(), threading.Event()

    def slow() -> str:
        started.set()
        release.wait(5)
        return "page at 2"

    got: list[str] = []
    worker = threading.Thread(target=lambda: got.append(cache.get_or_compute((2, "q"), slow, stale_ok=True)))
    worker.start()
    assert started.wait(5)
    mark = {"stale": False}
    token = SERVED_STALE.set(mark)
    try:
        assert cache.get_or_compute((2, "q"), lambda: "never", stale_ok=True) == "page at 1"  # no wait
        assert mark["stale"]
        assert cache.get_or_compute((2, "other"), lambda: "fresh", stale_ok=True) == "fresh"  # nothing older
    finally:
        SERVED_STALE.reset(token)
    release.set()
    worker.join(5)
    assert got == ["page at 2"] and cache.get_or_compute((2, "q"), lambda: "never") == "page at 2"
    # without stale_ok a reader waits for the computation, as before
    assert cache.get_or_compute((3, "q"), lambda: "page at 3") == "page at 3"


def test_a_stale_answer_carries_no_validator(demo_db: Path, tmp_path: Path, monkeypatch: Any) -> None:
    from onrecord.store import reads

    path = tmp_path / "stale.db"
    path.write_bytes(demo_db.read_bytes())
    c = TestClient(create_app(Store(str(path))))
    fresh = c.get("/api/search", params={"q": "threat"})
    assert fresh.status_code == 200 and fresh.headers.get("etag")
    real = reads.Reads.search

    def as_if_stale(self: Any, *args: Any, **kwargs: Any) -> Any:
        mark = reads.SERVED_STALE.get()
        assert mark is not None  # the server set it around the request, and the worker thread sees it
        mark["stale"] = True
        return real(self, *args, **kwargs)

    monkeypatch.setattr(reads.Reads, "search", as_if_stale)
    stale = c.get("/api/search", params={"q": "threat"})
    assert stale.status_code == 200 and "etag" not in stale.headers
    assert stale.headers["cache-control"] == "no-store"
