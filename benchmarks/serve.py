"""Serving under load, onrecord beside datasette on the same SQLite file, in the same run.

Builds (or reuses) a store of N synthetic quotes (no NLP: this measures the web layer and
the store, not extraction; see ``_serve_corpus.py`` for the two builders, which write the
same rows), copies it for the run, and serves that one file twice: with onrecord (its
``create_app(Store(db))`` under uvicorn, or the real ``onrecord serve`` once that has
``--workers``) and with datasette (``datasette serve``; ``-i`` immutable when nothing
ingests). Each cell drives one server with 1 or 16 concurrent clients (httpx, one thread
and one keep-alive connection each) for ``--seconds`` while a second process keeps
ingesting articles into the database being served (``Store.add_article`` per article, and
the search index refreshed as ``onrecord ingest`` refreshes it, every ``--search-refresh``
seconds, 5 by default; 0 refreshes after every article; ``--no-ingest`` turns it off). Cells of the two
servers alternate, so each pair runs under the same conditions.

What each row compares (the closest equal work; every path is requested once per server
before measuring, then the clients cycle through them):

search API
    onrecord  ``GET /api/search?q=Q&limit=20`` for each query in QUERIES: ranked FTS5 hits
              (up to 5,000), widened by the other reports of each hit's statement, a page of
              20 quotes joined to their articles, snippets, and the 20 best article hits.
    datasette ``GET /<db>.json?sql=SEARCH_SQL&q=FQ&_shape=array``: one SQL query, the page of
              20 quotes by FTS5 rank joined to their article (title, outlet, date), a snippet,
              and the total number of matches; FQ is the MATCH expression onrecord builds
              from Q (``fts_query``). No statement widening, no article hits.
speaker quotes API
    onrecord  ``GET /api/quotes?speaker=KEY&limit=25`` for the 40 speakers with most quotes:
              the newest 25 quotes of the speaker joined to their articles, and the total.
    datasette ``GET /<db>.json?sql=SPEAKER_SQL&key=KEY&_shape=array``: the same 25 rows in
              the same order (``quote_speakers`` join, newest first, then id) and the total.
speaker page
    onrecord  ``GET /speakers/KEY`` (HTML): the speaker, roles and statement count, counts
              per month for the chart (rendered once per speaker, then cached), the newest
              25 quotes, their statements.
    datasette ``GET /<db>/quotes?_where=id in (select quote_id from quote_speakers where
              speaker_key = 'KEY')&_sort_desc=said_date&_size=25`` (HTML): datasette's table
              page of the same quotes, newest first, with the count, and each quote's
              article shown by title (its foreign-key label). Facet suggestions are off
              (``suggest_facets off``: onrecord suggests none); ``sql_time_limit_ms 5000``.

``--workers N`` runs N onrecord server processes. With N > 1, uvicorn 0.54 binds the
listening socket itself and leaves TCP_NODELAY off on the connections it accepts (Linux; its
issue #3149): every keep-alive request after the first then waits ~40 ms for a delayed ACK,
which the 1-client rows show as a floor.

``--backend postgres`` serves onrecord from PostgreSQL (``--pg-url``, default
``$ONRECORD_TEST_PG`` or the repo's ``.pg-url``; the benchmark works in databases of its
own, ``onrecord_bench_cache`` and ``onrecord_bench``), and datasette, which only reads
SQLite, from the SQLite file of the same corpus: the ratios then compare onrecord on
PostgreSQL with datasette on SQLite.

``--count-sql`` (in-process, FastAPI's TestClient) prints, for each endpoint, the SQL
statements onrecord executes (SQLAlchemy ``before_cursor_execute`` on the store's engine)
for the first request of a path (its caches empty, as caches keyed on the store's revision
are after every write of a concurrent ingest) and for the same path again,
with the slowest statements, and the queries datasette runs for that path (its
``?_trace=1``). ``--profile`` prints a cProfile of that first request of each endpoint (the
route runs inline on the profiled thread): the top 15 functions by own time, and onrecord's
functions by cumulative time. Either skips the load test unless ``--load`` is given too.

    python benchmarks/serve.py                           # 50,000 quotes, 8 s per cell
    python benchmarks/serve.py --quotes 1000000 --seconds 5
    python benchmarks/serve.py --backend postgres
    python benchmarks/serve.py --count-sql --profile
    python benchmarks/serve.py --quotes 5000 --seconds 3 --no-ingest
"""

from __future__ import annotations

import argparse
import cProfile
import html
import io
import json
import multiprocessing as mp
import os
import pstats
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT / "src"), str(BENCH)]

import httpx  # noqa: E402

from _serve_corpus import (  # noqa: E402
    CORPUS_VERSION,
    Cast,
    build_bulk,
    build_with_store,
    compare_builders,
    generate_article,
    speaker_names,
)
from onrecord.pipeline import SEARCH_REFRESH_SECONDS, SearchRefresher  # noqa: E402
from onrecord.store import Store  # noqa: E402
from onrecord.store.schema import SCHEMA_VERSION  # noqa: E402

QUERIES = ["imminent threat", "water", "defence production", "ukraine support", '"new tariff"', "harbour storm"]
N_SPEAKERS = 40
DB_NAME = "bench"  # the run's copy is bench.db: datasette serves it at /bench
PG_CACHE_DB, PG_RUN_DB = "onrecord_bench_cache", "onrecord_bench"
BULK_ABOVE = 100_000  # --builder auto: the store's own write path up to this many quotes, bulk above

SEARCH_SQL = """select q.*, a.title as article_title, a.outlet as outlet, a.published as article_date,
  snippet(quotes_fts, 0, '[', ']', '…', 24) as snippet,
  (select count(*) from quotes_fts where quotes_fts match :q) as total
from quotes_fts join quotes q on q.rowid = quotes_fts.rowid join articles a on a.id = q.article_id
where quotes_fts match :q order by rank limit 20"""

SPEAKER_SQL = """select q.*, a.title as article_title, a.outlet as outlet, a.published as article_date,
  (select count(*) from quote_speakers where speaker_key = :key) as total
from quote_speakers qs join quotes q on q.id = qs.quote_id join articles a on a.id = q.article_id
where qs.speaker_key = :key order by coalesce(q.said_date, a.published) desc, q.id limit 25"""


def fts_query(q: str) -> str:
    """The MATCH expression onrecord's search builds from user text (its own function where found)."""
    try:
        from onrecord.store.fulltext import fts_query as theirs
    except ImportError:
        try:
            from onrecord.store import _fts_query as theirs  # type: ignore[attr-defined,no-redef]
        except ImportError:
            theirs = None  # type: ignore[assignment]
    if theirs is not None:
        return str(theirs(q))
    terms = [m.group(1) or m.group(2) for m in re.finditer(r'"([^"]+)"|(\w+)', q)]
    return " ".join('"' + " ".join(re.findall(r"\w+", term)) + '"' for term in terms if re.findall(r"\w+", term))


# ------------------------------------------------------------------ stores
def cache_key(n_quotes: int, seed: int) -> str:
    return f"serve-q{n_quotes}-seed{seed}-c{CORPUS_VERSION}-s{SCHEMA_VERSION}"


def _build(store: Store, n_quotes: int, seed: int, builder: str) -> None:
    if builder == "auto":
        builder = "bulk" if n_quotes > BULK_ABOVE else "store"
    t0 = time.perf_counter()
    parts = (build_bulk if builder == "bulk" else build_with_store)(store, n_quotes, seed)
    took = ", ".join(f"{k} {v:.1f}s" for k, v in parts.items())
    print(f"  built {store.count('quotes'):,} quotes in {store.count('articles'):,} articles, "
          f"{store.count('speakers'):,} speakers, {store.count('statements'):,} statements "
          f"({builder} builder, {time.perf_counter() - t0:.0f}s: {took})", flush=True)  # fmt: skip


def sqlite_store(cache: Path, n_quotes: int, seed: int, builder: str) -> Path:
    """The pristine SQLite store for these parameters, built once into the cache."""
    path = cache / f"{cache_key(n_quotes, seed)}.db"
    if path.exists():
        print(f"  reusing {path}", flush=True)
        return path
    cache.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.stem}.building-{os.getpid()}.db")
    print(f"  building {path} ...", flush=True)
    store = Store(str(tmp))
    try:
        _build(store, n_quotes, seed, builder)
    finally:
        store.close()
    with sqlite3.connect(tmp) as conn:  # one self-contained file: no -wal beside it
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
    tmp.rename(path)
    return path


def _pg_admin(url: str) -> Any:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def pg_store(url: str, n_quotes: int, seed: int, builder: str) -> str:
    """A fresh copy (database onrecord_bench) of the pristine PostgreSQL store (onrecord_bench_cache)."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    key = cache_key(n_quotes, seed)
    admin = _pg_admin(url)
    with admin.connect() as conn:
        have = conn.execute(
            text("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :d"), {"d": PG_CACHE_DB}
        ).first()
        if have is None or have[0] != key:
            print(f"  building PostgreSQL database {PG_CACHE_DB} ({key}) ...", flush=True)
            conn.execute(text(f"DROP DATABASE IF EXISTS {PG_CACHE_DB}"))
            conn.execute(text(f"CREATE DATABASE {PG_CACHE_DB}"))
            store = Store(make_url(url).set(database=PG_CACHE_DB).render_as_string(hide_password=False))
            try:
                _build(store, n_quotes, seed, builder)
            finally:
                store.close()
            conn.execute(text(f"COMMENT ON DATABASE {PG_CACHE_DB} IS '{key}'"))
        else:
            print(f"  reusing PostgreSQL database {PG_CACHE_DB} ({key})", flush=True)
        conn.execute(text(f"DROP DATABASE IF EXISTS {PG_RUN_DB}"))
        conn.execute(text(f"CREATE DATABASE {PG_RUN_DB} TEMPLATE {PG_CACHE_DB}"))
    admin.dispose()
    return make_url(url).set(database=PG_RUN_DB).render_as_string(hide_password=False)


def drop_pg_run(url: str) -> None:
    from sqlalchemy import text

    admin = _pg_admin(url)
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {PG_RUN_DB} WITH (FORCE)"))
    admin.dispose()


def default_pg_url() -> str | None:
    if os.environ.get("ONRECORD_TEST_PG"):
        return os.environ["ONRECORD_TEST_PG"]
    f = ROOT / ".pg-url"
    return (f.read_text().strip() or None) if f.exists() else None


# ---------------------------------------------------------------- servers
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, **extra)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(BENCH), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def serve_has_workers() -> bool:
    out = subprocess.run([sys.executable, "-m", "onrecord.cli", "serve", "--help"], capture_output=True, text=True,
                         env=_env(COLUMNS="200"))  # fmt: skip
    return "--workers" in out.stdout


@dataclass
class Server:
    name: str  # onrecord | datasette
    db: str  # the URL or file it serves: the ingest writes there
    base: str
    proc: subprocess.Popen[bytes]
    log: Path
    how: str

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _started(name: str, db: str, cmd: list[str], env: dict[str, str], ready: str, log: Path, how: str) -> Server:
    port = int(cmd[cmd.index("--port") + 1])
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
    server = Server(name, db, f"http://127.0.0.1:{port}", proc, log, how)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            if httpx.get(server.base + ready, timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.stop()
    raise SystemExit(f"{name} did not start ({' '.join(cmd)}):\n{log.read_text()[-2000:]}")


def start_onrecord(db: str, workers: int, logdir: Path) -> Server:
    port = str(_free_port())
    if serve_has_workers():
        cmd = [sys.executable, "-m", "onrecord.cli", "serve", "--db", db, "--port", port, "--workers", str(workers)]
        how = f"onrecord serve --workers {workers}"
    else:
        cmd = [sys.executable, "-m", "uvicorn", "_serve_corpus:app_from_env", "--factory", "--app-dir", str(BENCH),
               "--host", "127.0.0.1", "--port", port, "--workers", str(workers), "--log-level", "warning",
               "--no-access-log"]  # fmt: skip
        how = f"create_app(Store(db)) under uvicorn, {workers} worker(s), no access log"
    return _started("onrecord", db, cmd, _env(ONRECORD_BENCH_DB=db), "/api/stats", logdir / "onrecord.log", how)


def start_datasette(path: Path, immutable: bool, logdir: Path, *, trace: bool = False) -> Server:
    port = str(_free_port())
    exe = Path(sys.executable).with_name("datasette")
    cmd = [str(exe) if exe.exists() else "datasette", "serve", *(["-i", str(path)] if immutable else [str(path)]),
           "--host", "127.0.0.1", "--port", port, "--setting", "sql_time_limit_ms", "5000",
           "--setting", "suggest_facets", "off"]  # fmt: skip
    if trace:
        cmd += ["--setting", "trace_debug", "1"]
    how = f"datasette {'-i (immutable)' if immutable else '(mutable)'}, sql_time_limit_ms 5000, suggest_facets off"
    return _started("datasette", str(path), cmd, _env(), "/-/versions.json", logdir / f"datasette-{port}.log", how)


# ---------------------------------------------------------------- ingest
def _ingest_forever(db: str, active: Any, stop: Any, counter: Any, refresh: float) -> None:
    """Writes new articles (one transaction each) while ``active`` is set, making them searchable
    as ``onrecord ingest`` does (``SearchRefresher``: every ``SEARCH_REFRESH_SECONDS``)."""
    store = Store(db)
    refresher = SearchRefresher(store, refresh)
    cast = Cast(speaker_names(200))
    i = 0
    while not stop.is_set():
        if not active.wait(0.2):
            continue
        g = generate_article(os.getpid(), i, cast, salt=f"live-{os.getpid()}-")
        store.add_article(g.article, g.quotes)
        refresher.maybe()
        i += 1
        with counter.get_lock():
            counter.value += 1
        time.sleep(0.02)


@dataclass
class Writer:
    proc: Any
    active: Any
    counter: Any


# ------------------------------------------------------------- endpoints
@dataclass
class Endpoint:
    name: str
    onrecord: list[str]
    datasette: list[str]
    trace: list[str] = field(default_factory=list)  # datasette paths with ?_trace=1


def endpoints(speakers: list[str]) -> list[Endpoint]:
    def ds_sql(sql: str, **params: str) -> str:
        return f"/{DB_NAME}.json?" + urlencode({"sql": sql, **params, "_shape": "array"})

    def ds_table(key: str, **extra: str) -> str:
        where = f"id in (select quote_id from quote_speakers where speaker_key = '{key}')"
        return f"/{DB_NAME}/quotes?" + urlencode({"_where": where, "_sort_desc": "said_date", "_size": "25", **extra})

    search = Endpoint(
        "search API",
        [f"/api/search?{urlencode({'q': q, 'limit': 20})}" for q in QUERIES],
        [ds_sql(SEARCH_SQL, q=fts_query(q)) for q in QUERIES],
        [f"/{DB_NAME}.json?" + urlencode({"sql": SEARCH_SQL, "q": fts_query(QUERIES[1]), "_trace": "1"})],
    )
    quotes = Endpoint(
        "speaker quotes API",
        [f"/api/quotes?{urlencode({'speaker': k, 'limit': 25})}" for k in speakers],
        [ds_sql(SPEAKER_SQL, key=k) for k in speakers],
        [f"/{DB_NAME}.json?" + urlencode({"sql": SPEAKER_SQL, "key": speakers[1 % len(speakers)], "_trace": "1"})],
    )
    page = Endpoint(
        "speaker page",
        [f"/speakers/{k}" for k in speakers],
        [ds_table(k) for k in speakers],
        [ds_table(speakers[1 % len(speakers)], _trace="1")],
    )
    return [search, quotes, page]


def same_results(onrecord: Server, datasette: Server, eps: list[Endpoint]) -> list[str]:
    """One line per endpoint: do both servers answer the first path with the same rows?"""
    lines = []
    with httpx.Client(timeout=60) as http:
        for ep in eps[:2]:
            try:
                ours = http.get(onrecord.base + ep.onrecord[0]).json()
                theirs = http.get(datasette.base + ep.datasette[0]).json()
                page = ours["quotes"] if "quotes" in ours else ours
                a, b = [q["id"] for q in page["items"]], [q["id"] for q in theirs]
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
                lines.append(f"{ep.name}: could not compare ({type(exc).__name__}: {exc})")
                continue
            total_a, total_b = page.get("total"), theirs[0]["total"] if theirs else 0
            verdict = "same rows, same order" if a == b else f"{len(set(a) & set(b))}/{len(a)} rows in common"
            lines.append(f"{ep.name}: {verdict}; total {total_a} (onrecord) vs {total_b} (datasette)")
    return lines


# ----------------------------------------------------------------- load
def http_clients(base: str, n: int) -> list[httpx.Client]:
    """Made once per server, before any clock runs (a client costs milliseconds of CPU to make)."""
    return [httpx.Client(base_url=base, timeout=60, trust_env=False) for _ in range(n)]


def measure(pool: list[httpx.Client], paths: list[str], clients: int, seconds: float, max_requests: int) -> dict[
    str, float
]:
    """``clients`` threads, each its own keep-alive connection, for ``seconds`` or ``max_requests``."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    ready = threading.Barrier(clients + 1)
    deadline = 0.0
    issued = 0

    def worker(k: int) -> None:
        nonlocal errors, issued
        http = pool[k]
        j = k
        ready.wait()
        while time.perf_counter() < deadline:
            with lock:
                if issued >= max_requests:
                    return
                issued += 1
            t = time.perf_counter()
            try:
                ok = http.get(paths[j % len(paths)]).status_code == 200
            except httpx.HTTPError:
                ok = False
            dt = time.perf_counter() - t
            with lock:
                latencies.append(dt)
                errors += not ok
            j += clients

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for th in threads:
        th.start()
    t0 = time.perf_counter()
    deadline = t0 + seconds
    ready.wait()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    latencies.sort()
    nan = float("nan")
    return {
        "requests": len(latencies),
        "rps": len(latencies) / wall if wall else nan,
        "p50_ms": statistics.median(latencies) * 1000 if latencies else nan,
        "p95_ms": latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))] * 1000 if latencies else nan,
        "errors": errors,
    }


def run_load(args: argparse.Namespace, servers: list[Server], eps: list[Endpoint], writers: dict[str, Writer]) -> list[
    dict[str, Any]
]:
    pools = {s.name: http_clients(s.base, 16) for s in servers}
    for s in servers:  # warm-up: every distinct path once (imports, caches, each speaker's chart)
        for ep in eps:
            measure(pools[s.name], getattr(ep, s.name), 1, 600, len(getattr(ep, s.name)))
    rows = []
    for ep in eps:
        for clients in (1, 16):
            for s in servers:
                for db, w in writers.items():
                    (w.active.set if db == s.db else w.active.clear)()
                before = writers[s.db].counter.value if s.db in writers else 0
                r = measure(pools[s.name], getattr(ep, s.name), clients, args.seconds, args.max_requests)
                r |= {"endpoint": ep.name, "server": s.name, "clients": clients,
                      "ingested": (writers[s.db].counter.value - before) if s.db in writers else 0}  # fmt: skip
                rows.append(r)
                print(f"  {ep.name:<18} {s.name:<9} {clients:>2} clients: {r['rps']:7.1f} req/s  "
                      f"p50 {r['p50_ms']:7.1f} ms  p95 {r['p95_ms']:7.1f} ms  errors {r['errors']}",
                      flush=True)  # fmt: skip
    for w in writers.values():
        w.active.clear()
    for pool in pools.values():
        for http in pool:
            http.close()
    return rows


def print_table(rows: list[dict[str, Any]], onrecord_label: str) -> None:
    def fmt(x: float) -> str:
        return f"{x:.2f}" if x == x else "-"

    pair = {(r["endpoint"], r["clients"]): r for r in rows if r["server"] == "datasette"}
    print("| endpoint | server | clients | requests | req/s | p50 ms | p95 ms | errors | "
          "p50 onrecord/datasette | p95 onrecord/datasette | articles ingested meanwhile |")  # fmt: skip
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        ratio50 = ratio95 = "|"
        if r["server"] == "onrecord" and (d := pair.get((r["endpoint"], r["clients"]))):
            ratio50 = fmt(r["p50_ms"] / d["p50_ms"]) + " |"
            ratio95 = fmt(r["p95_ms"] / d["p95_ms"]) + " |"
        server = onrecord_label if r["server"] == "onrecord" else "datasette"
        print(f"| {r['endpoint']} | {server} | {r['clients']} | {r['requests']} | {r['rps']:.1f} | "
              f"{r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['errors']} | {ratio50} {ratio95} "
              f"{r['ingested']} |")  # fmt: skip


# ----------------------------------------------------------- diagnostics
def _short(sql: str, n: int = 110) -> str:
    s = re.sub(r"\s+", " ", sql).strip()
    return s if len(s) <= n else s[: n - 1] + "…"


def count_sql(db: str, eps: list[Endpoint], datasette: Server | None) -> None:
    """For one request of each endpoint: the statements onrecord runs (and datasette's, traced)."""
    import warnings

    from sqlalchemy import event

    with warnings.catch_warnings():  # Starlette's note on httpx, not ours to act on
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from onrecord.api import create_app

    store = Store(db)
    seen: list[tuple[str, float]] = []
    started: list[float] = []

    def before(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        started.append(time.perf_counter())

    def after(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        seen.append((statement, time.perf_counter() - started.pop()))

    event.listen(store.engine, "before_cursor_execute", before)
    event.listen(store.engine, "after_cursor_execute", after)
    print(f"\nSQL per request (onrecord on {store.engine.dialect.name}); 'first': the first request of its path, "
          "after another path of the endpoint warmed the connection and compiled statements (caches of it "
          "empty, as after each write of an ingest); 'again': the same path repeated:")  # fmt: skip
    with TestClient(create_app(store)) as client:
        for ep in eps:
            client.get(ep.onrecord[0])  # warm: first connection, compiled statements, imports
            path = ep.onrecord[1 % len(ep.onrecord)]
            print(f"- {ep.name} ({path}):")
            for label in ("first", "again"):
                seen.clear()
                t0 = time.perf_counter()
                status = client.get(path).status_code
                took = (time.perf_counter() - t0) * 1000
                sql_ms = sum(d for _, d in seen) * 1000
                print(f"  onrecord, {label}: {len(seen)} statements, {sql_ms:.1f} ms in SQL of {took:.1f} ms "
                      f"(HTTP {status})")  # fmt: skip
                grouped: dict[str, list[float]] = {}
                for s, d in seen:
                    grouped.setdefault(_short(s), []).append(d)
                for s, ds in sorted(grouped.items(), key=lambda kv: -sum(kv[1]))[: 6 if label == "first" else 2]:
                    print(f"    {sum(ds) * 1000:7.1f} ms  x{len(ds):<3} {s}")
            if datasette is not None:
                _datasette_trace(datasette, ep)
    store.close()


def _datasette_trace(datasette: Server, ep: Endpoint) -> None:
    path = ep.trace[0]
    with httpx.Client(base_url=datasette.base, timeout=60) as http:
        http.get(path)
        r = http.get(path)
    if "json" in r.headers.get("content-type", ""):
        trace = r.json().get("_trace", {})
    else:
        found = re.findall(r"<pre>(.*?)</pre>", r.text, re.S)
        trace = json.loads(html.unescape(found[-1])) if found else {}
    if not trace:
        print("    datasette: no trace")
        return
    print(f"  datasette, again: {trace['num_traces']} statements, {trace['sum_trace_duration_ms']:.1f} ms in SQL of "
          f"{trace['request_duration_ms']:.1f} ms")  # fmt: skip
    for tr in sorted(trace["traces"], key=lambda tr: -tr["duration_ms"])[:3]:
        print(f"    {tr['duration_ms']:7.1f} ms        {_short(tr['sql'])}")


def profile(db: str, eps: list[Endpoint], top: int = 15) -> None:
    """cProfile of one request per endpoint (the first of its path), the route run inline on this thread.

    FastAPI runs sync routes in a worker thread (``anyio.to_thread.run_sync``), out of a
    profiler's sight; here that call runs the function at once, and the request goes through
    httpx's ASGI transport on this thread's event loop.
    """
    import asyncio

    import anyio.to_thread

    from onrecord.api import create_app

    async def inline(func: Callable[..., Any], *args: Any, **_: Any) -> Any:
        return func(*args)

    store = Store(db)
    app = create_app(store)

    async def one(path: str) -> tuple[int, float]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
            t0 = time.perf_counter()
            status = (await client.get(path)).status_code
            return status, (time.perf_counter() - t0) * 1000

    real = anyio.to_thread.run_sync
    anyio.to_thread.run_sync = inline  # type: ignore[assignment]
    try:
        for ep in eps:
            asyncio.run(one(ep.onrecord[0]))  # warm: connection, compiled statements, imports
            # Its first request, no cache of it yet: not the path --count-sql used (its caches are full).
            path = ep.onrecord[2 % len(ep.onrecord)]
            prof = cProfile.Profile()
            prof.enable()
            status, took = asyncio.run(one(path))
            prof.disable()
            again = asyncio.run(one(path))[1]
            print(f"\nprofile, {ep.name}: {path} first {took:.1f} ms (profiled), again {again:.1f} ms (not profiled)")
            # Self time over everything; cumulative time over onrecord's own functions only (the
            # framework's wrappers would fill a cumulative list otherwise).
            for order, only in (("tottime", ()), ("cumulative", (r"onrecord[/\\]",))):
                buf = io.StringIO()
                stats = pstats.Stats(prof, stream=buf).sort_stats(order)
                stats.print_stats(*only, top)
                body = buf.getvalue()
                body = re.sub(r"\S*(site-packages|src|python3\.\d+)[/\\]", "", body[body.find("   ncalls") :].rstrip())
                what = "onrecord's functions" if only else "all functions"
                print(f"top {top} of {what} by {order} (HTTP {status}):")
                print(body)
    finally:
        anyio.to_thread.run_sync = real  # type: ignore[assignment]
        store.close()


# ------------------------------------------------------------------ main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quotes", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--seconds", type=float, default=8.0, help="per measurement cell")
    ap.add_argument("--max-requests", type=int, default=20_000, help="per measurement cell")
    ap.add_argument("--workers", type=int, default=1, help="onrecord server processes")
    ap.add_argument("--no-ingest", action="store_true", help="measure without a concurrent ingest")
    ap.add_argument("--search-refresh", type=float, default=SEARCH_REFRESH_SECONDS,
                    help="seconds between the ingest's search-index refreshes (0: after every article)")
    ap.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite", help="onrecord's database")
    ap.add_argument("--pg-url", default=default_pg_url(), help="PostgreSQL server (default $ONRECORD_TEST_PG, .pg-url)")
    ap.add_argument("--builder", choices=["auto", "store", "bulk"], default="auto",
                    help=f"how a new store is written (auto: the store's write path up to {BULK_ABOVE:,} quotes)")
    cache = os.environ.get("ONRECORD_BENCH_CACHE") or Path(tempfile.gettempdir()) / "onrecord-bench"
    ap.add_argument("--cache-dir", type=Path, default=Path(cache),
                    help="built stores, kept by parameters (default $ONRECORD_BENCH_CACHE or <tmp>/onrecord-bench)")
    ap.add_argument("--db", type=Path, help="serve (a copy of) this SQLite store instead of a synthetic one")
    ap.add_argument("--count-sql", action="store_true", help="SQL statements per request (skips the load test)")
    ap.add_argument("--profile", action="store_true", help="cProfile of one request per endpoint (skips the load test)")
    ap.add_argument("--load", action="store_true", help="run the load test after --count-sql / --profile too")
    ap.add_argument("--check-builders", action="store_true", help="check both builders write the same rows, then exit")
    args = ap.parse_args()

    if args.check_builders:
        with tempfile.TemporaryDirectory(prefix="onrecord-bench-") as tmp:
            diff = compare_builders(tmp)
        print("builders write the same rows" if not diff else "builders differ: " + "; ".join(diff))
        raise SystemExit(1 if diff else 0)
    if args.backend == "postgres" and not args.pg_url:
        raise SystemExit("--backend postgres needs --pg-url (or $ONRECORD_TEST_PG, or a .pg-url file)")

    load_before = os.getloadavg()
    print(f"store: {args.quotes:,} quotes (seed {args.seed}), cache {args.cache_dir}", flush=True)
    pristine = args.db or sqlite_store(args.cache_dir, args.quotes, args.seed, args.builder)
    tmp = tempfile.TemporaryDirectory(prefix="onrecord-bench-", dir=args.cache_dir if args.cache_dir.exists() else None)
    run_dir = Path(tmp.name)
    sqlite_db = run_dir / f"{DB_NAME}.db"
    shutil.copyfile(pristine, sqlite_db)  # the run writes (ingest, the store's revision) into a copy
    onrecord_db = str(sqlite_db)
    if args.backend == "postgres":
        onrecord_db = pg_store(args.pg_url, args.quotes, args.seed, args.builder)
    store = Store(onrecord_db)
    listed = store.list_speakers(limit=N_SPEAKERS)
    speakers = [s["key"] for s in (listed["items"] if isinstance(listed, dict) else listed.items)]
    n_quotes = store.count("quotes")
    store.close()
    eps = endpoints(speakers)
    diagnostics = args.count_sql or args.profile
    servers: list[Server] = []
    writers: dict[str, Writer] = {}
    ctx = mp.get_context("spawn")
    stop = ctx.Event()
    try:
        if diagnostics:
            if args.count_sql:
                servers.append(start_datasette(sqlite_db, True, run_dir, trace=True))
                count_sql(onrecord_db, eps, servers[0])
            if args.profile:
                profile(onrecord_db, eps)
            for s in servers:
                s.stop()
            servers = []
            if not args.load:
                return
        servers = [start_onrecord(onrecord_db, args.workers, run_dir)]
        servers.append(start_datasette(sqlite_db, args.no_ingest, run_dir))
        for line in same_results(*servers, eps):
            print("  check: " + line, flush=True)
        if not args.no_ingest:
            for db in dict.fromkeys([onrecord_db, str(sqlite_db)]):
                active, counter = ctx.Event(), ctx.Value("i", 0)
                proc = ctx.Process(target=_ingest_forever, args=(db, active, stop, counter, args.search_refresh),
                                   daemon=True)
                proc.start()
                writers[db] = Writer(proc, active, counter)
                active.set()  # the warm-up runs with the ingest on
        rows = run_load(args, servers, eps, writers)
    finally:
        stop.set()
        for w in writers.values():
            w.active.set()
            w.proc.join(15)
        for s in servers:
            s.stop()
        if args.backend == "postgres" and args.pg_url:
            drop_pg_run(args.pg_url)
        tmp.cleanup()

    label = "onrecord (PostgreSQL)" if args.backend == "postgres" else "onrecord"
    print()
    print(f"store: {n_quotes:,} quotes; onrecord: {servers[0].how}, on "
          f"{'PostgreSQL' if args.backend == 'postgres' else 'SQLite (WAL)'}; {servers[1].how}, on SQLite")  # fmt: skip
    if args.backend == "postgres":
        print("datasette reads SQLite only: its rows are the same corpus in SQLite, so the ratios compare "
              "onrecord on PostgreSQL with datasette on SQLite")  # fmt: skip
    ingesting = f"yes, into the database being served, search index refreshed every {args.search_refresh:g} s"
    print(f"ingest running: {'no' if args.no_ingest else ingesting}; "
          f"{args.seconds:g} s per cell; clients: httpx threads in the benchmark's own process; "
          f"{os.cpu_count()} CPUs, load average {load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after; "
          f"paths: {len(QUERIES)} queries, {len(speakers)} speakers, each requested once before measuring")  # fmt: skip
    print_table(rows, label)


if __name__ == "__main__":
    main()
