"""Ingest throughput, peak memory and dedup precision/recall on a synthetic corpus.

Generates N news-like plain-text articles (a known share of exact copies and
lightly edited near-duplicates) on disk, then ingests them into a fresh SQLite
store in a child process per size so peak memory is measured cleanly.

    python benchmarks/ingest.py                  # 5k, 10k and 20k articles, dedup only
    python benchmarks/ingest.py --sizes 20000 --extract   # with quote extraction too
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
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


def _render(title: str, outlet: str, day: int, sentences: list[str]) -> str:
    paras = [" ".join(sentences[k : k + 3]) for k in range(0, len(sentences), 3)]
    return f"{title}\n\n{outlet}, {1 + day % 28} March 2024, 10:{day % 60:02d}\n\n" + "\n\n".join(paras) + "\n"


def _edit(rng: random.Random, sentences: list[str], share: float = 0.05) -> list[str]:
    out = []
    for s in sentences:
        words = s.split()
        for _ in range(max(1, int(len(words) * share)) if rng.random() < 0.5 else 0):
            words[rng.randrange(len(words))] = rng.choices(WORDS, WEIGHTS)[0]
        out.append(" ".join(words))
    return out


def generate(n: int, out: Path, seed: int = 7, exact_share: float = 0.1, near_share: float = 0.15) -> dict:
    """Write ``n`` files; returns the ground truth: which file copies which."""
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
            text = _render(title, rng.choice(OUTLETS), i * 27 // n, _edit(rng, sents))
            truth["near"][name] = src_name
        else:
            title, sents = _article(rng, i)
            text = _render(title, rng.choice(OUTLETS), i * 27 // n, sents)
            originals.append((name, title, sents))
        (out / name).write_text(text)
    return truth


def child(corpus: Path, db: Path, extract: bool) -> None:
    """Runs in its own process: ingest, then report figures as JSON."""
    from onrecord.pipeline import ingest
    from onrecord.store import Store

    store = Store(str(db))
    t0, c0 = time.perf_counter(), time.process_time()
    summary = ingest([str(corpus)], store, extract=extract, link=False)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
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
        "summary": summary.to_dict(),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "ids": ids,
        "dup_of": dup_of,
    }))


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
    ap.add_argument("--sizes", default="5000,10000,20000")
    ap.add_argument("--extract", action="store_true", help="also extract quotes (spaCy) during ingest")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]), args.extract)
        return
    rows = []
    for n in [int(s) for s in args.sizes.split(",")]:
        with tempfile.TemporaryDirectory() as tmp:
            corpus, db = Path(tmp) / "corpus", Path(tmp) / "bench.db"
            truth = generate(n, corpus)
            cmd = [sys.executable, __file__, "--child", str(corpus), str(db)] + (["--extract"] if args.extract else [])
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                sys.exit(f"benchmark child failed: {proc.stderr.strip().splitlines()[-1:]}")
            res = json.loads(proc.stdout)
            q = score(truth, res)
            s = res["summary"]
            rows.append((n, n / res["seconds"], n / res["cpu_seconds"], res["peak_rss_mb"],
                         s["exact_duplicates"], s["near_duplicates"],
                         q["exact_recall"], q["near_precision"], q["near_recall"]))
            print(f"... {n} articles done", file=sys.stderr)
    mode = "with quote extraction" if args.extract else "dedup, no quote extraction"
    print(f"\nIngest into SQLite, plain text, one process ({mode})\n")
    print("| articles | articles/s (wall) | articles/CPU-s | peak RSS MB | exact dups | near dups | exact recall "
          "| near P | near R |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r[0]:,} | {r[1]:,.0f} | {r[2]:,.0f} | {r[3]:.0f} | {r[4]:,} | {r[5]:,} | {r[6]:.3f} | {r[7]:.3f} "
              f"| {r[8]:.3f} |")


if __name__ == "__main__":
    main()
