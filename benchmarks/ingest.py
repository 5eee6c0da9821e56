"""Ingest throughput, peak memory and dedup precision/recall on a synthetic corpus.

Generates N news-like plain-text articles (a known share of exact copies and
lightly edited near-duplicates, ``--per-day`` articles a published day, so a
larger corpus spans more days as a crawl does) on disk, then runs three
passes over the same files, each in its own child process so peak memory is
measured cleanly:

* ``onrecord``: ``onrecord.pipeline.ingest`` into a fresh SQLite store (dedup
  and stories; quotes only with ``--extract``; ``--jobs`` is passed through
  when ingest takes it);
* ``datasketch``: read each file, MinHash (datasketch, 128 permutations, the
  same 3-word shingles) and ``MinHashLSH`` at 0.8, one query and insert each:
  the near-duplicate step alone, as a library would do it;
* ``sqlite``: read each file and insert (name, text) into a plain SQLite
  table, one transaction per article: the storage floor.

CPU figures are the child's ``time.process_time`` (the machine may be shared).

    python benchmarks/ingest.py                  # 10k, 50k and 200k articles, dedup only
    python benchmarks/ingest.py --sizes 2000 --extract --jobs 1,2 --passes onrecord   # extraction, 1 and 2 processes
    python benchmarks/ingest.py --sizes 50000 --link-cost 50000   # and the linking cost of 1,000 more
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

SYLLABLES = "ka lo ri ve tan mor el sa pi du ren gol fa ni bor shi tu lem ar co ve da mi ro ul zen".split()


def _vocabulary(rng: random.Random, size: int = 6000) -> list[str]:
    """Pseudo-words with news-like frequency: a few common, a long tail of rare ones."""
    common = ("the of and to in a is that for on with as by at from it was said will has be are this "
              "government minister water authority harbour council report").split()
    words = set(common)
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return common + sorted(words - set(common))


_RNG = random.Random(11)
WORDS = _vocabulary(_RNG)
# Zipf-like weights: rank r gets 1/r, so shingles repeat across articles as in real news.
WEIGHTS = [1.0 / (r + 1) for r in range(len(WORDS))]
NAMES = ["Ana Petrov", "Tomas Reyes", "Lena Olsen", "Marek Novak", "Sara Haddad", "Jonas Berg", "Iris Kovac",
         "Pavel Dimitrov", "Nora Lind", "Felix Moreau", "Amira Saleh", "Oskar Brandt"]
OUTLETS = ["Valdoria Herald", "Coastal Times", "Northern Wire", "Daily Ledger", "Port Gazette"]


def _sentence(rng: random.Random) -> str:
    n = rng.randint(12, 22)
    words = rng.choices(WORDS, WEIGHTS, k=n)
    words[0] = words[0].capitalize()
    if rng.random() < 0.4:
        return f'"{" ".join(words)}," {rng.choice(NAMES)} said.'
    if rng.random() < 0.3:
        return f"{rng.choice(NAMES)} said that {' '.join(words)}."
    return " ".join(words) + "."


def _article(rng: random.Random, i: int) -> tuple[str, list[str]]:
    title = " ".join(rng.choices(WORDS, WEIGHTS, k=6)).capitalize() + f" {i}"
    sentences = [_sentence(rng) for _ in range(rng.randint(12, 20))]
    return title, sentences


START = date(2024, 1, 1)


def _render(title: str, outlet: str, day: int, sentences: list[str]) -> str:
    paras = [" ".join(sentences[k : k + 3]) for k in range(0, len(sentences), 3)]
    d = START + timedelta(days=day)
    dateline = f"{outlet}, {d.day} {d.strftime('%B')} {d.year}, 10:{day % 60:02d}"
    return f"{title}\n\n{dateline}\n\n" + "\n\n".join(paras) + "\n"


def _edit(rng: random.Random, sentences: list[str], share: float = 0.05) -> list[str]:
    out = []
    for s in sentences:
        words = s.split()
        for _ in range(max(1, int(len(words) * share)) if rng.random() < 0.5 else 0):
            words[rng.randrange(len(words))] = rng.choices(WORDS, WEIGHTS)[0]
        out.append(" ".join(words))
    return out


def generate(
    n: int, out: Path, seed: int = 7, exact_share: float = 0.1, near_share: float = 0.15, per_day: int = 1000
) -> dict:
    """Write ``n`` files, ``per_day`` a published day; returns the ground truth: which file copies which."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    originals: list[tuple[str, str, list[str]]] = []
    truth = {"exact": {}, "near": {}}
    for i in range(n):
        name = f"a{i:06d}.txt"
        r = rng.random()
        if originals and r < exact_share:
            src_name, title, sents = rng.choice(originals[-500:])
            text = (out / src_name).read_text()
            truth["exact"][name] = src_name
        elif originals and r < exact_share + near_share:
            src_name, title, sents = rng.choice(originals[-500:])
            text = _render(title, rng.choice(OUTLETS), i // per_day, _edit(rng, sents))
            truth["near"][name] = src_name
        else:
            title, sents = _article(rng, i)
            text = _render(title, rng.choice(OUTLETS), i // per_day, sents)
            originals.append((name, title, sents))
        (out / name).write_text(text)
    return truth


class DescendantCPU:
    """CPU seconds of this process's descendants, sampled from /proc every ``every`` seconds.

    Extraction workers start from a fork server, so they are grandchildren that this process never
    waits for: RUSAGE_CHILDREN does not see them. Linux only; a worker's last ``every`` seconds may
    be missed.
    """

    def __init__(self, every: float = 0.25) -> None:
        import os
        import threading

        self.root, self.every, self.seen, self.peak_mb = os.getpid(), every, {}, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.sample()

    def sample(self) -> None:
        import os

        tick = os.sysconf("SC_CLK_TCK")
        parent, cpu = {}, {}
        for d in Path("/proc").iterdir():
            if not d.name.isdigit():
                continue
            try:
                fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parent[int(d.name)] = int(fields[1])
            cpu[int(d.name)] = (int(fields[11]) + int(fields[12])) / tick
        for pid in cpu:
            p, hops = parent.get(pid), 0
            while p and p != self.root and hops < 8:
                p, hops = parent.get(p), hops + 1
            if p == self.root and pid != self.root:
                self.seen[pid] = cpu[pid]
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                for line in status.splitlines():
                    if line.startswith("VmHWM:"):  # the process's peak resident set
                        self.peak_mb = max(self.peak_mb, int(line.split()[1]) / 1024)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return sum(self.seen.values())


def child(corpus: Path, db: Path, extract: bool, jobs: int | None = None) -> None:
    """Runs in its own process: ingest, then report figures as JSON."""
    from onrecord.pipeline import ingest
    from onrecord.store import Store

    store = Store(str(db))
    kwargs = {}
    if jobs is not None and "jobs" in inspect.signature(ingest).parameters:
        kwargs["jobs"] = jobs
    watch = DescendantCPU() if jobs and jobs > 1 and kwargs and Path("/proc/self/stat").exists() else None
    t0, c0 = time.perf_counter(), time.process_time()
    summary = ingest([str(corpus)], store, extract=extract, link=False, **kwargs)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    worker_cpu = watch.stop() if watch else 0.0
    cpu += worker_cpu  # the workers' CPU counts too
    ids = {}
    dup_of = {}
    for a in store.iter_articles():
        ids[Path(a.source_path or "").name] = a.id
    for r in store.dedup_states():
        if r["duplicate_of"]:
            dup_of[r["id"]] = r["duplicate_of"]
    print(json.dumps({
        "seconds": seconds,
        "cpu_seconds": cpu,
        "worker_cpu_seconds": worker_cpu,
        "summary": summary.to_dict(),
        "peak_rss_mb": _peak_rss_mb(),
        "worker_peak_rss_mb": watch.peak_mb if watch else 0.0,  # the largest worker's
        "ids": ids,
        "dup_of": dup_of,
        "jobs": kwargs.get("jobs"),
    }))


def _body(text: str) -> str:
    """Casefolded words, spaces collapsed (what both baselines hash and store)."""
    return " ".join(text.casefold().split())


def child_datasketch(corpus: Path) -> None:
    """MinHash + LSH with datasketch alone: exact copies by hash, near copies at Jaccard >= 0.8."""
    import re

    from datasketch import MinHash, MinHashLSH

    word = re.compile(r"\w+")
    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    sigs: dict[str, MinHash] = {}
    seen: dict[str, str] = {}
    ids: dict[str, str] = {}
    dup_of: dict[str, str] = {}
    t0, c0 = time.perf_counter(), time.process_time()
    for path in sorted(corpus.iterdir()):
        text = path.read_text(encoding="utf-8")
        body = _body(text.split("\n\n", 2)[-1])  # without title and dateline
        key = hashlib.sha256(body.encode()).hexdigest()[:16]
        if key in seen:
            continue
        seen[key] = path.name
        ids[path.name] = key
        words = word.findall(body)
        shingles = {" ".join(words[i : i + 3]).encode() for i in range(max(1, len(words) - 2))}
        m = MinHash(num_perm=128)
        m.update_batch(list(shingles))
        best = [(m.jaccard(sigs[c]), c) for c in lsh.query(m)]
        best = [b for b in best if b[0] >= 0.8]
        if best:
            dup_of[key] = max(best)[1]
        lsh.insert(key, m)
        sigs[key] = m
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(json.dumps({
        "seconds": seconds, "cpu_seconds": cpu,
        "summary": {"exact_duplicates": sum(1 for _ in corpus.iterdir()) - len(ids), "near_duplicates": len(dup_of)},
        "peak_rss_mb": _peak_rss_mb(), "ids": ids, "dup_of": dup_of,
    }))


def child_sqlite(corpus: Path, db: Path) -> None:
    """Plain SQLite: one INSERT and one COMMIT per file, no dedup."""
    import sqlite3

    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE articles (id TEXT PRIMARY KEY, name TEXT, text TEXT)")
    n = 0
    t0, c0 = time.perf_counter(), time.process_time()
    for path in sorted(corpus.iterdir()):
        text = path.read_text(encoding="utf-8")
        key = hashlib.sha256(_body(text).encode()).hexdigest()[:16]
        conn.execute("BEGIN")
        conn.execute("INSERT OR IGNORE INTO articles VALUES (?, ?, ?)", (key, path.name, text))
        conn.execute("COMMIT")
        n += 1
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(json.dumps({
        "seconds": seconds, "cpu_seconds": cpu, "summary": {"exact_duplicates": 0, "near_duplicates": 0},
        "peak_rss_mb": _peak_rss_mb(), "ids": {}, "dup_of": {},
    }))


def _peak_rss_mb() -> float:
    """This process's own peak RSS: VmHWM belongs to the memory map exec created, whereas
    ru_maxrss also keeps the parent's size at fork (the generated corpus' ground truth)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def score(truth: dict, res: dict) -> dict:
    """Exact recall, and pairwise precision/recall of near-duplicate groups."""
    ids, dup_of = res["ids"], res["dup_of"]
    name_of = {v: k for k, v in ids.items()}
    exact_ok = sum(1 for name in truth["exact"] if name not in ids)  # a copy must not be stored again

    def pred_root(name: str) -> str:
        aid = ids[name]
        seen = set()
        while aid in dup_of and aid not in seen:  # follow to the group's earliest copy
            seen.add(aid)
            aid = dup_of[aid]
        return name_of.get(aid, name)

    gold_root = lambda name: truth["near"].get(name, name)  # noqa: E731
    flagged = [(name_of[a], name_of[b]) for a, b in dup_of.items() if a in name_of and b in name_of]
    tp = sum(1 for a, b in flagged if gold_root(a) == gold_root(b))
    found = sum(1 for copy, orig in truth["near"].items() if copy in ids and pred_root(copy) == pred_root(orig))
    return {
        "exact_recall": exact_ok / len(truth["exact"]) if truth["exact"] else 1.0,
        "near_precision": tp / len(flagged) if flagged else 1.0,
        "near_recall": found / len(truth["near"]) if truth["near"] else 1.0,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,50000,200000")
    ap.add_argument("--per-day", type=int, default=1000, help="generated articles per published day")
    ap.add_argument("--passes", default="onrecord,datasketch,sqlite")
    ap.add_argument("--extract", action="store_true", help="also extract quotes (spaCy) during ingest")
    ap.add_argument("--jobs", default=None,
                    help="onrecord's ingest jobs=; a list (1,2) runs the onrecord pass once for each")
    ap.add_argument("--link-cost", type=int, metavar="N", default=None,
                    help="also: linking CPU-s of adding 1,000 articles to an N-article store (benchmarks/link.py)")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, corpus, db = args.child[0], Path(args.child[1]), Path(args.child[2])
        if kind == "onrecord":
            child(corpus, db, args.extract, int(args.jobs) if args.jobs else None)
        elif kind == "datasketch":
            child_datasketch(corpus)
        else:
            child_sqlite(corpus, db)
        return
    passes = args.passes.split(",")
    rows = []
    for n in [int(s) for s in args.sizes.split(",")]:
        with tempfile.TemporaryDirectory() as tmp:
            corpus = Path(tmp) / "corpus"
            truth = generate(n, corpus, per_day=args.per_day)
            jobs_list = [int(j) for j in args.jobs.split(",")] if args.jobs else [None]
            runs = [(kind, j) for kind in passes for j in (jobs_list if kind == "onrecord" else [None])]
            for kind, jobs in runs:
                db = Path(tmp) / f"{kind}{jobs or ''}.db"
                cmd = [sys.executable, __file__, "--child", kind, str(corpus), str(db)]
                cmd += ["--extract"] if args.extract else []
                cmd += ["--jobs", str(jobs)] if jobs is not None else []
                proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
                if proc.returncode != 0:
                    sys.exit(f"benchmark child failed: {proc.stderr.strip().splitlines()[-3:]}")
                res = json.loads(proc.stdout)
                q = score(truth, res) if kind != "sqlite" else None
                s = res["summary"]
                label = f"{kind} --jobs {jobs}" if jobs is not None else kind
                rss = res["peak_rss_mb"]
                rss_txt = f"{rss:.0f}" + (f" (+ {res['worker_peak_rss_mb']:.0f} a worker)" if (jobs or 1) > 1 else "")
                rows.append((n, label, n / res["seconds"], n / res["cpu_seconds"], rss_txt,
                             s["exact_duplicates"], s["near_duplicates"], q))
                print(f"... {n} articles, {label} done", file=sys.stderr)
    mode = "with quote extraction" if args.extract else "dedup and stories, no quote extraction"
    print(f"\nPlain text, {args.per_day} articles a day ({mode}); CPU = the child's process time, and its "
          "workers' with --jobs > 1\n")
    print("| articles | pass | articles/CPU-s | articles/s (wall) | peak RSS MB | exact dups | near dups "
          "| exact recall | near P | near R |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, kind, wall, cpu, rss, ex, near, q in rows:
        qual = f"{q['exact_recall']:.3f} | {q['near_precision']:.3f} | {q['near_recall']:.3f}" if q else "- | - | -"
        print(f"| {n:,} | {kind} | {cpu:,.0f} | {wall:,.0f} | {rss} | {ex:,} | {near:,} | {qual} |")
    if args.link_cost:
        link_cost(args.link_cost)


def link_cost(n: int) -> None:
    """What each ingest's linking costs as the store grows: benchmarks/link.py's measure, in its own process."""
    link = Path(__file__).with_name("link.py")
    proc = subprocess.run([sys.executable, str(link), "--one-store", str(n), "--add", "1000"],
                          capture_output=True, text=True, check=True)
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"\nLinking (pipeline.relink, spaCy topics) on a store of {n:,} synthetic articles: full relink "
          f"{r['full_s']:.1f} CPU-s; after adding 1,000 articles (the next week's feed) {r['incremental_s']:.1f} "
          f"CPU-s = {100 * r['incremental_s'] / r['full_s']:.1f}% of the full relink")


if __name__ == "__main__":
    main()
