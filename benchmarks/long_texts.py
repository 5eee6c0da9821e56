"""Long texts: one 15 MB plain-text article against fifteen 1 MB ones, and runs of unbalanced marks.

    python benchmarks/long_texts.py                    # 15 MB vs 15 x 1 MB, then 8,000 vs 800 marks
    python benchmarks/long_texts.py --mb 3             # smaller: 3 MB vs 3 x 1 MB
    python benchmarks/long_texts.py --skip-files       # only the unbalanced-marks ratio

Both inputs hold the same generated news-like prose (deterministic seed: quotes in several
forms, speakers with titles, pronouns, organisations); the single file is the fifteen texts
joined by blank lines.  Each input is ingested with ``onrecord.pipeline.ingest`` (read, dedup,
extract, store, link) into a fresh temporary SQLite store in a child process of its own, so
peak RSS is that run's alone.  The target: the long file takes less than 2x the small files.

The marks part times ``onrecord.extract(text, language="en")`` on ``' '.join(['"word'] * n)`` (and
the curly, guillemet and low-9 variants) for n = 800 and 8,000: linear time gives ~10x, quadratic ~100x.
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

SYLLABLES = "ka lo ri ve tan mor el sa pi du ren gol fa ni bor shi tu lem ar co da mi ro ul zen vi".split()
TITLES = ["Mayor", "Minister", "Senator", "Director", "spokeswoman", "Governor", "Professor", "chief executive",
          "harbour master", "union leader", "Deputy Mayor", "police chief"]
ORGS = ["the council", "the ministry", "the port authority", "the union", "the hospital board", "the agency"]
TOPICS = ["the storm", "the budget", "the new bridge", "the harbour", "fishing quotas", "the election",
          "rail fares", "school meals", "the water supply", "the ferry timetable", "housing", "the flood defences"]
VERBS = ["said", "told reporters", "added", "warned", "argued", "noted", "insisted", "explained"]
OUTLETS = ["Valdoria Herald", "Coastal Times", "Northern Wire", "Daily Ledger", "Port Gazette"]


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))


def _names(rng: random.Random, n: int = 400) -> list[str]:
    return [f"{_word(rng).capitalize()} {_word(rng).capitalize()}" for _ in range(n)]


def _clause(rng: random.Random) -> str:
    topic = rng.choice(TOPICS)
    n = rng.randint(2, 900)
    return rng.choice([
        f"{topic} would cost the town {n} thousand valdors",
        f"the work on {topic} had to start before winter",
        f"residents deserved a clear answer about {topic}",
        f"nobody had been told about the {n} complaints",
        f"the plan for {topic} was never properly funded",
        f"{n} families were still waiting for help",
    ])


def _paragraph(rng: random.Random, names: list[str]) -> str:
    who = rng.choice(names)
    title = rng.choice(TITLES)
    verb = rng.choice(VERBS)
    c1, c2 = _clause(rng), _clause(rng)
    form = rng.randrange(9)
    if form == 0:
        return f'"{c1.capitalize()}," {title} {who} {verb}. "We will not give up on this."'
    if form == 1:
        return f"{title.capitalize()} {who} {verb} on Monday that {c1}. She added that {c2}."
    if form == 2:
        return f"According to {rng.choice(ORGS)}, {c1}. The figures were published on {rng.randint(1, 28)} March."
    if form == 3:
        return f'{who} said: "{c1.capitalize()}. {c2.capitalize()}."'
    if form == 4:
        return f'"{c1.capitalize()}," he said. "And {c2}, as everyone here knows."'
    if form == 5:
        return f"{rng.choice(ORGS).capitalize()} said in a statement that {c1}, and that {c2}."
    if form == 6:
        return f'"{c1.capitalize()}.\n\n"{c2.capitalize()}," {who} {verb}.'
    if form == 7:
        return f"{who}, the {title.lower()} of the {rng.choice(['port', 'city', 'region'])}, believes {c1}."
    return f"The meeting on {rng.choice(TOPICS)} lasted {rng.randint(2, 9)} hours and {c1} by the end of it."


def news_prose(chars: int, seed: int) -> str:
    """About ``chars`` characters of news-like prose: a headline, a dateline, unique paragraphs."""
    rng = random.Random(seed)
    names = _names(rng)
    out = [f"{rng.choice(TOPICS).capitalize()} dominates the {rng.choice(['spring', 'autumn'])} session",
           f"{rng.choice(OUTLETS)}, {rng.randint(1, 28)} March 2024"]
    n = sum(len(p) + 2 for p in out)
    while n < chars:
        p = _paragraph(rng, names)
        out.append(p)
        n += len(p) + 2
    return "\n\n".join(out) + "\n"


def unbalanced_marks(n: int, mark: str = '"') -> str:
    return " ".join([mark + "word"] * n)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_ingest(paths: list[str], db: str) -> None:
    """Runs in its own process: ingest ``paths`` into a fresh store, print figures as JSON."""
    from onrecord.pipeline import ingest
    from onrecord.quotes.extract import get_nlp
    from onrecord.store import Store

    get_nlp()  # model loading is the same for both inputs: keep it out of the timing
    store = Store(f"sqlite:///{db}")
    t0, c0 = time.perf_counter(), time.process_time()
    summary = ingest(paths, store)
    print(json.dumps({
        "seconds": time.perf_counter() - t0,
        "cpu_seconds": time.process_time() - c0,
        "quotes": summary.quotes,
        "articles": summary.new,
        "failed": [f.reason for f in summary.failed],
        "peak_rss_mb": peak_rss_mb(),
    }))


def child_marks(n: int, mark: str) -> None:
    import onrecord
    from onrecord.quotes.extract import get_nlp

    get_nlp()
    text = unbalanced_marks(n, mark)
    c0 = time.process_time()
    doc = onrecord.extract(text, language="en")  # (else the language gate skips a text of no English words)
    print(json.dumps({"cpu_seconds": time.process_time() - c0, "quotes": len(doc.quotes),
                      "peak_rss_mb": peak_rss_mb()}))


def _run_child(args: list[str]) -> dict:
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.exit(f"benchmark child failed: {proc.stderr.strip()[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bench_files(mb: int, seed: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "small").mkdir()
        texts = [news_prose(1_000_000, seed + i) for i in range(mb)]
        small = []
        for i, t in enumerate(texts):
            p = root / "small" / f"part{i:02d}.txt"
            p.write_text(t, encoding="utf-8")
            small.append(str(p))
        big = root / "long.txt"
        big.write_text("\n\n".join(texts), encoding="utf-8")
        size = big.stat().st_size
        res_small = _run_child(["--child-ingest", str(root / "small.db"), *small])
        res_big = _run_child(["--child-ingest", str(root / "long.db"), str(big)])
    print(f"\nIngest (read, dedup, extract, store, link) into SQLite: one {size / 1e6:.1f} MB file vs "
          f"{mb} files of ~1 MB (same prose)\n")
    print("| input | articles | wall s | CPU s | peak RSS MB | quotes | failed |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, r in ((f"{mb} x 1 MB", res_small), (f"1 x {size / 1e6:.0f} MB", res_big)):
        print(f"| {label} | {r['articles']} | {r['seconds']:.1f} | {r['cpu_seconds']:.1f} | {r['peak_rss_mb']:.0f} "
              f"| {r['quotes']:,} | {len(r['failed'])} |")
    ratio = res_big["seconds"] / res_small["seconds"]
    print(f"\nratio long / small (wall): {ratio:.2f} (target < 2)")


def bench_marks(small: int, large: int) -> None:
    print(f"\nonrecord.extract on unbalanced marks: {large:,} vs {small:,} of them (CPU s, one process each)\n")
    print("| text | small s | large s | ratio | quotes (large) |")
    print("|---|---:|---:|---:|---:|")
    for mark in ('"', "\u201c", "\u00ab", "\u201e"):
        a = _run_child(["--child-marks", str(small), mark])
        b = _run_child(["--child-marks", str(large), mark])
        ratio = b["cpu_seconds"] / max(a["cpu_seconds"], 1e-9)
        print(f"| `{mark}word` | {a['cpu_seconds']:.2f} | {b['cpu_seconds']:.2f} | {ratio:.1f} | {b['quotes']} |")
    print(f"\n(linear: ~{large / small:.0f}x; quadratic: ~{(large / small) ** 2:.0f}x)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=int, default=15, help="size of the long file in MB (= number of 1 MB files)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--marks", default="800,8000", help="small,large counts of unbalanced marks")
    ap.add_argument("--skip-files", action="store_true", help="only the unbalanced-marks ratio")
    ap.add_argument("--skip-marks", action="store_true", help="only the long-file ratio")
    ap.add_argument("--child-ingest", nargs="+", help=argparse.SUPPRESS)
    ap.add_argument("--child-marks", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child_ingest:
        child_ingest(args.child_ingest[1:], args.child_ingest[0])
        return
    if args.child_marks:
        child_marks(int(args.child_marks[0]), args.child_marks[1])
        return
    if not args.skip_files:
        bench_files(args.mb, args.seed)
    if not args.skip_marks:
        small, large = (int(x) for x in args.marks.split(","))
        bench_marks(small, large)


if __name__ == "__main__":
    main()
