"""Kill -9 trials and concurrent writers: does the store survive, and does the next command repair it?

Kill trials: an ``onrecord ingest`` (or ``onrecord reprocess``) over a generated corpus is
killed with SIGKILL at a random moment, then the same ingest command is run again. The
store is then checked against a clean reference run of the same corpus:

- lost: articles the reference has and this store lacks;
- duplicated: articles or sightings stored twice;
- left unlinked: linking still due, or fewer speaker links than the reference;
- errors: a resuming command that failed, an integrity check that failed, full-text rows
  that disagree with the tables.

Concurrency: two ``onrecord ingest`` writers on disjoint halves of the corpus and 16
reader threads (listings and searches) at the same time, on SQLite and, with ``--pg URL``
(or ``ONRECORD_TEST_PG``), on PostgreSQL.

    python benchmarks/faults.py                        # 20 ingest + 10 reprocess trials, 400 articles
    python benchmarks/faults.py --articles 2000 --trials 20 --pg postgresql+psycopg://...
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import generate  # noqa: E402  (the same generated corpus as the ingest benchmark)

ONRECORD = [sys.executable, "-c", "from onrecord.cli import main; main()"]


def _run(args: list[str], db: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ONRECORD, *args, "--db", db], capture_output=True, text=True)


def _killed(args: list[str], db: str, after_s: float) -> bool:
    """Start a command and SIGKILL it after ``after_s``; False when it finished first."""
    proc = subprocess.Popen([*ONRECORD, *args, "--db", db], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        proc.wait(timeout=after_s)
        return False
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return True


def state(db: str) -> dict[str, Any]:
    """What the checks compare, read with plain sqlite3 (not through onrecord)."""
    con = sqlite3.connect(db)
    q = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
    out = {
        "integrity": q("PRAGMA integrity_check"),
        "articles": q("SELECT count(*) FROM articles"),
        "ids": {r[0] for r in con.execute("SELECT id FROM articles")},
        "dup_sightings": q(
            "SELECT count(*) - (SELECT count(*) FROM (SELECT DISTINCT article_id, source_path, source_record"
            " FROM sightings)) FROM sightings"
        ),
        "quotes": q("SELECT count(*) FROM quotes"),
        "links": q("SELECT count(*) FROM quote_speakers"),
        "speakers": q("SELECT count(*) FROM speakers"),
        "fts_articles": q("SELECT count(*) FROM articles_fts"),
        "fts_quotes": q("SELECT count(*) FROM quotes_fts"),
        "pending_fts": q("SELECT count(*) FROM articles WHERE fts_indexed = 0"),
        "changes": int(q("SELECT coalesce((SELECT value FROM meta WHERE key = 'changes'), '0')")),
        "linked": int(q("SELECT coalesce((SELECT value FROM meta WHERE key = 'linked'), '0')")),
    }
    con.close()
    return out


def check(db: str, ref: dict[str, Any], resumed: subprocess.CompletedProcess[str]) -> dict[str, int]:
    s = state(db)
    errors = int(resumed.returncode != 0) + int(s["integrity"] != "ok")
    errors += int(s["fts_articles"] != s["articles"] or s["fts_quotes"] != s["quotes"] or s["pending_fts"] > 0)
    unlinked = int(s["changes"] > s["linked"]) + max(0, ref["links"] - s["links"])
    return {
        "lost": len(ref["ids"] - s["ids"]),
        "duplicated": max(0, s["articles"] - len(s["ids"])) + s["dup_sightings"] + len(s["ids"] - ref["ids"]),
        "unlinked": unlinked,
        "errors": errors,
    }


def kill_trials(corpus: Path, work: Path, trials: int, rng: random.Random) -> list[dict[str, Any]]:
    ref_db = str(work / "reference.db")
    t0 = time.perf_counter()
    done = _run(["ingest", str(corpus)], ref_db)
    ingest_s = time.perf_counter() - t0
    if done.returncode not in (0, 1):
        raise SystemExit(f"reference ingest failed: {done.stderr.strip().splitlines()[-1:]}")
    ref = state(ref_db)
    t0 = time.perf_counter()
    _run(["reprocess"], str(shutil.copy(ref_db, work / "timing.db")))
    reprocess_s = time.perf_counter() - t0
    print(f"reference: {ref['articles']} articles, {ref['quotes']} quotes, {ref['speakers']} speakers; "
          f"ingest {ingest_s:.1f}s, reprocess {reprocess_s:.1f}s", flush=True)
    rows = []
    for i in range(trials):
        what = "reprocess" if i % 3 == 2 else "ingest"
        db = str(work / f"trial{i}.db")
        for suffix in ("", "-wal", "-shm"):
            Path(db + suffix).unlink(missing_ok=True)
        if what == "reprocess":
            shutil.copy(ref_db, db)
            at = rng.uniform(0.05, 1.0) * reprocess_s
            killed = _killed(["reprocess"], db, at)
        else:
            at = rng.uniform(0.05, 1.0) * ingest_s
            killed = _killed(["ingest", str(corpus)], db, at)
        left = state(db) if Path(db).exists() else None
        due = bool(left and left["changes"] > left["linked"])  # the kill left linking to do
        resumed = _run(["ingest", str(corpus)], db)  # the next command finishes what the kill left
        row = {"trial": i, "what": what, "kill_at_s": round(at, 2), "killed": killed, "due": due,
               **check(db, ref, resumed)}
        rows.append(row)
        print(f"  trial {i:2d} {what:9s} kill at {at:5.1f}s{'' if killed else ' (finished first)'}"
              f"{', linking left due' if due else ''}: lost {row['lost']}, duplicated {row['duplicated']}, "
              f"unlinked {row['unlinked']}, errors {row['errors']}", flush=True)
    return rows


def concurrency(corpus: Path, work: Path, db: str, readers: int = 16) -> dict[str, Any]:
    """Two ingest writers on disjoint halves and ``readers`` reader threads at once."""
    from onrecord.store import Store

    files = sorted(corpus.glob("*.txt"))
    halves = [work / "half0", work / "half1"]
    for k, half in enumerate(halves):
        shutil.rmtree(half, ignore_errors=True)
        half.mkdir()
        for f in files[k::2]:
            os.link(f, half / f.name)
    Store(db).close()  # create the schema first, as a user's first command would
    stop = threading.Event()
    counts = {"reads": 0, "read_errors": 0}
    lock = threading.Lock()

    def read() -> None:
        store = Store(db)
        while not stop.is_set():
            try:
                store.list_quotes(limit=20)
                store.search("said")
                store.list_speakers(limit=20)
                with lock:
                    counts["reads"] += 3
            except Exception:  # noqa: BLE001 - counted, and the run goes on
                with lock:
                    counts["read_errors"] += 1
        store.close()

    threads = [threading.Thread(target=read) for _ in range(readers)]
    for th in threads:
        th.start()
    t0 = time.perf_counter()
    writers = [
        subprocess.Popen([*ONRECORD, "ingest", str(h), "--db", db], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
        for h in halves
    ]
    outs = [w.communicate() for w in writers]
    seconds = time.perf_counter() - t0
    stop.set()
    for th in threads:
        th.join()
    store = Store(db)
    stored = store.count("articles")
    expected = len({f.read_bytes() for f in files})  # exact copies are stored once
    return {
        "backend": store.engine.dialect.name,
        "writers_ok": sum(w.returncode == 0 and "Traceback" not in o[1] for w, o in zip(writers, outs,
                                                                                          strict=True)),
        "writer_errors": [o[1].strip().splitlines()[-1] for w, o in zip(writers, outs, strict=True)
                          if w.returncode != 0],
        "articles": stored,
        "expected_max": expected,
        "link_due": store.link_due(),
        "reads": counts["reads"],
        "read_errors": counts["read_errors"],
        "seconds": round(seconds, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=400)
    ap.add_argument("--trials", type=int, default=30, help="kill trials (every third kills a reprocess)")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--pg", default=os.environ.get("ONRECORD_TEST_PG"), help="PostgreSQL URL for the concurrency run")
    ap.add_argument("--skip-kills", action="store_true")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        corpus = work / "corpus"
        generate(args.articles, corpus, seed=args.seed)
        rows = [] if args.skip_kills else kill_trials(corpus, work, args.trials, rng)
        conc = [concurrency(corpus, work, str(work / "concurrent.db"))]
        if args.pg:
            from onrecord.store import Store
            from onrecord.store import schema as t

            fresh = Store(args.pg)
            with fresh.transaction() as conn:
                t.metadata.drop_all(conn)
            fresh.close()
            conc.append(concurrency(corpus, work, args.pg))
    if rows:
        print(f"\n| kill trials ({args.articles} articles) | trials | killed | linking left due | lost | duplicated |"
              " left unlinked | errors |\n|---|---|---|---|---|---|---|---|")
        for what in ("ingest", "reprocess"):
            rs = [r for r in rows if r["what"] == what]
            print(f"| {what} | {len(rs)} | {sum(r['killed'] for r in rs)} | {sum(r['due'] for r in rs)} | "
                  f"{sum(r['lost'] for r in rs)} | "
                  f"{sum(r['duplicated'] for r in rs)} | {sum(r['unlinked'] for r in rs)} | "
                  f"{sum(r['errors'] for r in rs)} |")
    print("\n| concurrency (2 writers + 16 readers) | writers ok | articles | link due | reads | read errors |"
          " seconds |\n|---|---|---|---|---|---|---|")
    for c in conc:
        print(f"| {c['backend']} | {c['writers_ok']}/2 | {c['articles']} | {c['link_due']} | {c['reads']} | "
              f"{c['read_errors']} | {c['seconds']} |")
        for e in c["writer_errors"]:
            print(f"  writer error: {e}")


if __name__ == "__main__":
    main()
