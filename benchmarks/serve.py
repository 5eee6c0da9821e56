"""Serving under load: requests/s and p95 latency of /api/search and the speaker page.

Builds (or reuses) a store of N synthetic quotes written straight through
``Store.add_article`` and ``Store.replace_links`` (no NLP: this measures the web
layer and the store, not extraction), starts ``onrecord serve``'s app with uvicorn
on 127.0.0.1 in its own process, and drives it with 1 and with 16 concurrent
clients (httpx, one thread each) while a second process keeps ingesting articles
into the same SQLite database (WAL: readers never wait on it).

    python benchmarks/serve.py                       # 50,000 quotes, 8 s per cell
    python benchmarks/serve.py --quotes 5000 --seconds 3 --no-ingest
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing as mp
import os
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import httpx  # noqa: E402

from onrecord.models import Article, Quote, RoleSpan, Span, SpeakerRef  # noqa: E402
from onrecord.store import Store  # noqa: E402

QUOTES_PER_ARTICLE = 10
OUTLETS = ["Ukrinform", "Valdoria Herald", "Coastal Times", "Harbour News", "Euro Times", "Test Wire", "Daily Post"]
WORDS = (
    "alliance threat russia ukraine support water plant tariff harbour storm rationing exercise defence "
    "budget minister security border energy pipeline sanctions election reform agreement summit troops "
    "vigilance production investment climate drought coast fishermen authority council parliament court "
    "inflation market workers strike hospital school road bridge railway port airport ferry farmers"
).split()
PHRASES = ["imminent threat", "water rationing", "defence production", "support for ukraine", "new tariff"]
QUERIES = ["imminent threat", "water", "defence production", "ukraine support", '"new tariff"', "harbour storm"]


# ------------------------------------------------------------------ corpus
def _sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(8, 18))
    if rng.random() < 0.3:
        words.insert(rng.randint(0, len(words)), rng.choice(PHRASES))
    return " ".join(words).capitalize()


def _names(n: int) -> list[str]:
    first = ["Jens", "Mark", "Ana", "Tomas", "Lena", "Boris", "Olga", "Petra", "Ivo", "Dana", "Rob", "Micael"]
    last = ["Stoltenberg", "Rutte", "Petrov", "Reyes", "Varga", "Ruge", "Berg", "Lund", "Marek", "Ilic", "Bauer"]
    out = [f"{f} {ln}" for f in first for ln in last]
    i = 2
    while len(out) < n:
        out += [f"{f} {ln}-{i}" for f in first for ln in last]
        i += 1
    return out[:n]


_ZIPF: dict[int, list[float]] = {}


def _zipf(n: int) -> list[float]:
    if n not in _ZIPF:
        _ZIPF[n] = [1 / (k + 1) ** 0.8 for k in range(n)]
    return _ZIPF[n]


def _article(rng: random.Random, i: int, speakers: list[str], salt: str) -> tuple[Article, list[Quote], list[str]]:
    year, month, day = rng.choice([2021, 2022, 2023, 2024]), rng.randint(1, 12), rng.randint(1, 28)
    date = f"{year}-{month:02d}-{day:02d}"
    outlet = rng.choice(OUTLETS)
    parts = [f"{_sentence(rng)} {salt}{i}", f"{outlet}, {date}", ""]
    pos = len("\n".join(parts)) + 1
    quotes: list[Quote] = []
    who: list[str] = []
    body: list[str] = []
    for n in range(QUOTES_PER_ARTICLE):
        name = rng.choices(speakers, weights=_zipf(len(speakers)))[0]  # a few speakers say a lot
        content = _sentence(rng)
        line = f'"{content}," said {name}.'
        start = pos + sum(len(b) + 2 for b in body) + 1
        body.append(line)
        src = start + len(content) + 8
        quotes.append(
            Quote(
                id=f"{i}:{n}",
                kind="direct",
                content=RoleSpan(content, [Span(start, start + len(content))]),
                cue=RoleSpan("said", [Span(src - 5, src - 1)]),
                source=RoleSpan(name, [Span(src, src + len(name))]),
                speakers=[SpeakerRef(name=name, type="person", chain=[name])],
            )
        )
        who.append(name)
    text = "\n".join(parts) + "\n" + "\n\n".join(body) + "\n"
    aid = hashlib.sha256(text.encode()).hexdigest()[:16]
    quotes = [Quote(**{**q.__dict__, "id": f"{aid}:{q.id.split(':')[1]}"}) for q in quotes]
    art = Article(id=aid, text=text, title=parts[0], outlet=outlet, published=date, format="text",
                  source_path=f"synthetic/{i}.txt")  # fmt: skip
    return art, quotes, who


def build_store(db: str, n_quotes: int, seed: int = 7) -> Store:
    from onrecord.speakers.types import LinkResult, QuoteInfo, RoleRecord, Speaker, Statement, StatementReport

    rng = random.Random(seed)
    store = Store(db)
    names = _names(max(50, n_quotes // 100))
    keys = {n: n.lower().replace(" ", "-") for n in names}
    per_speaker: dict[str, list[tuple[Article, Quote]]] = {}
    t0 = time.perf_counter()
    for i in range(n_quotes // QUOTES_PER_ARTICLE):
        art, quotes, who = _article(rng, i, names, "report")
        store.add_article(art, quotes, story_id=f"story-{i // 5}")
        for q, name in zip(quotes, who, strict=True):
            per_speaker.setdefault(name, []).append((art, q))
    store.refresh_search_index()
    t1 = time.perf_counter()
    result = LinkResult()
    for name, items in per_speaker.items():
        dates = sorted(a.published or "" for a, _ in items)
        result.speakers.append(
            Speaker(key=keys[name], name=name, type="person", aliases=[name, name.split()[-1]],
                    roles=[RoleRecord("Spokesperson", "Authority", name, dates[0], dates[-1])],
                    first_seen=dates[0], last_seen=dates[-1], quote_count=len(items))
        )  # fmt: skip
        for k in range(0, len(items), 2):  # pairs of reports make one statement
            group = items[k : k + 2]
            reports = [
                StatementReport(q.id, a.id, a.outlet, a.published, a.published, "article date", q.content.text,
                                q.kind, is_earliest=j == 0)
                for j, (a, q) in enumerate(group)
            ]  # fmt: skip
            result.statements.append(
                Statement(id=f"st_{hashlib.sha1(group[0][1].id.encode()).hexdigest()[:16]}", speaker_key=keys[name],
                          reports=reports, drift=len(group) > 1 and rng.random() < 0.2)
            )  # fmt: skip
        for a, q in items:
            result.quote_speakers[q.id] = [keys[name]]
            result.quote_info[q.id] = QuoteInfo(a.published, "article date", "day", article_date=a.published,
                                                topics=rng.sample(WORDS, 2), organisations=["Authority"])  # fmt: skip
    store.replace_links(result)
    print(f"built {store.count('quotes'):,} quotes in {store.count('articles'):,} articles, "
          f"{len(result.speakers)} speakers, {len(result.statements):,} statements: "
          f"articles {t1 - t0:.1f}s, links {time.perf_counter() - t1:.1f}s", flush=True)  # fmt: skip
    return store


# ---------------------------------------------------------- load processes
def _serve(db: str, port: int) -> None:
    import uvicorn

    from onrecord.api import create_app

    uvicorn.run(create_app(Store(db)), host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _ingest_forever(db: str, stop: Any, counter: Any) -> None:
    """Keeps writing new articles (one transaction each, with the search index) until told to stop."""
    store = Store(db)
    rng = random.Random(os.getpid())
    names = _names(200)
    i = 0
    while not stop.is_set():
        art, quotes, _ = _article(rng, i, names, f"live-{os.getpid()}-")
        store.add_article(art, quotes)
        store.refresh_search_index()
        i += 1
        with counter.get_lock():
            counter.value += 1
        time.sleep(0.02)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def measure(base: str, paths: list[str], clients: int, seconds: float, max_requests: int) -> dict[str, float]:
    """``clients`` threads, each its own keep-alive connection, for ``seconds`` or ``max_requests``."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    issued = 0

    def worker(k: int) -> None:
        nonlocal errors, issued
        with httpx.Client(base_url=base, timeout=30) as http:
            j = k
            while time.perf_counter() < deadline:
                with lock:
                    if issued >= max_requests:
                        return
                    issued += 1
                t = time.perf_counter()
                ok = http.get(paths[j % len(paths)]).status_code == 200
                dt = time.perf_counter() - t
                with lock:
                    latencies.append(dt)
                    errors += not ok
                j += clients

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))] if latencies else float("nan")
    return {
        "requests": len(latencies),
        "rps": len(latencies) / wall,
        "p50_ms": statistics.median(latencies) * 1000 if latencies else float("nan"),
        "p95_ms": p95 * 1000,
        "errors": errors,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quotes", type=int, default=50_000)
    ap.add_argument("--seconds", type=float, default=8.0, help="per measurement cell")
    ap.add_argument("--max-requests", type=int, default=20_000, help="per measurement cell")
    ap.add_argument("--db", help="reuse (or create) this database instead of a temporary one")
    ap.add_argument("--no-ingest", action="store_true", help="measure without a concurrent ingest")
    args = ap.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="onrecord-bench-")
    db = args.db or str(Path(tmp.name) / "serve.db")
    store = Store(db)
    if store.count("quotes") < args.quotes:
        store.close()
        for suffix in ("", "-wal", "-shm"):
            Path(db + suffix).unlink(missing_ok=True)
        store = build_store(db, args.quotes)
    speakers = [s["key"] for s in store.list_speakers(limit=40)["items"]]
    n_quotes = store.count("quotes")
    store.close()

    ctx = mp.get_context("spawn")
    port = _free_port()
    server = ctx.Process(target=_serve, args=(db, port), daemon=True)
    server.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(base + "/api/stats", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        raise SystemExit("server did not start")

    stop, counter = ctx.Event(), ctx.Value("i", 0)
    writer = None
    if not args.no_ingest:
        writer = ctx.Process(target=_ingest_forever, args=(db, stop, counter), daemon=True)
        writer.start()

    targets = {
        "/api/search": [f"/api/search?q={q}&limit=20" for q in QUERIES],
        "speaker page": [f"/speakers/{k}" for k in speakers],
    }
    # Warm up: one request per distinct path (imports, the chart renderer's start, each
    # speaker's chart in the server's cache: the steady state of a server in use).
    for paths in targets.values():
        measure(base, paths, 1, 120, len(paths))
    rows = []
    try:
        for name, paths in targets.items():
            for clients in (1, 16):
                before = counter.value
                r = measure(base, paths, clients, args.seconds, args.max_requests)
                r |= {"endpoint": name, "clients": clients, "ingested": counter.value - before}
                rows.append(r)
                print(f"  {name:<13} {clients:>2} clients: {r['rps']:7.1f} req/s  p95 {r['p95_ms']:7.1f} ms",
                      flush=True)  # fmt: skip
    finally:
        stop.set()
        if writer:
            writer.join(10)
        server.terminate()
        server.join(10)

    print()
    print(f"store: {n_quotes:,} quotes, SQLite WAL; server: 1 uvicorn process on 127.0.0.1; "
          f"{os.cpu_count()} CPUs; ingest running: {'no' if args.no_ingest else 'yes'}; "
          f"paths: {len(QUERIES)} queries, {len(speakers)} speakers, each requested once before measuring")  # fmt: skip
    print("| endpoint | clients | requests | req/s | p50 ms | p95 ms | errors | articles ingested meanwhile |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['endpoint']} | {r['clients']} | {r['requests']} | {r['rps']:.1f} | {r['p50_ms']:.1f} | "
              f"{r['p95_ms']:.1f} | {r['errors']} | {r['ingested']} |")  # fmt: skip
    tmp.cleanup()


if __name__ == "__main__":
    main()
