#!/usr/bin/env python3
"""Spark (local mode) against `onrecord ingest` on the same generated articles, in one run.

    python benchmarks/spark.py [--n 10000] [--no-extract-too]

Generates N plain-text articles (``benchmarks/ingest.py``'s generator: exact and near copies, 1,000
a day), then times, each in its own child process on the same files:

* ``ingest --jobs 1`` and ``--jobs 2`` (``pipeline.ingest`` into a fresh SQLite file, no linking);
* ``spark run`` with ``local[1]`` and ``local[2]`` (Parquet out; Spark's start-up included);

with quote extraction, and without it (dedup only) unless ``--extract-only``. Prints wall articles/s
and the ratios the scale issue asks for: ``local[2]`` over ``local[1]`` and Spark's overhead
against ``ingest --jobs 2``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _generator():  # noqa: ANN202
    spec = importlib.util.spec_from_file_location("bench_ingest", HERE / "ingest.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.generate


def child(kind: str, arg: str, corpus: str, out: str, extract: bool) -> None:
    t0 = time.perf_counter()
    if kind == "ingest":
        from onrecord.pipeline import ingest
        from onrecord.store import Store

        store = Store(f"sqlite:///{out}/ingest.db", create=True)
        s = ingest([corpus], store, extract=extract, link=False, jobs=int(arg))
        n = s.new
    else:
        from onrecord.spark import run

        n = run([corpus], f"{out}/tables", master=arg, extract=extract).articles
    print(json.dumps({"seconds": time.perf_counter() - t0, "articles": n}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--extract-only", action="store_true", help="skip the dedup-only runs")
    ap.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, arg, corpus, out, extract = args.child
        child(kind, arg, corpus, out, extract == "1")
        return
    runs = [("ingest", "1"), ("ingest", "2"), ("spark", "local[1]"), ("spark", "local[2]")]
    results: dict[tuple[bool, str, str], float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        _generator()(args.n, corpus)
        for extract in ([True] if args.extract_only else [True, False]):
            for kind, arg in runs:
                # A folder name without glob characters: Hadoop reads "[1]" as a pattern.
                out = Path(tmp) / f"{kind}-{''.join(c for c in arg if c.isalnum())}-{int(extract)}"
                out.mkdir()
                cmd = [sys.executable, __file__, "--child", kind, arg, str(corpus), str(out), str(int(extract))]
                proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
                if proc.returncode != 0:
                    sys.exit(f"{kind} {arg} failed: {proc.stderr.strip().splitlines()[-3:]}")
                res = json.loads(proc.stdout.strip().splitlines()[-1])
                results[(extract, kind, arg)] = res["seconds"]
                print(f"... {kind} {arg} extract={extract}: {res['seconds']:.1f}s", file=sys.stderr)
    print(f"\n{args.n:,} generated articles, wall articles/s (each run in its own process, start-up included)\n")
    print("| run | with extraction | dedup only |")
    print("|---|---:|---:|")
    for kind, arg in runs:
        label = f"ingest --jobs {arg}" if kind == "ingest" else f"spark run --master {arg}"
        cells = [f"{args.n / results[(e, kind, arg)]:,.1f}" if (e, kind, arg) in results else "-"
                 for e in (True, False)]
        print(f"| {label} | {' | '.join(cells)} |")
    for extract in (True, False):
        if (extract, "spark", "local[2]") not in results:
            continue
        s1, s2 = results[(extract, "spark", "local[1]")], results[(extract, "spark", "local[2]")]
        j2 = results[(extract, "ingest", "2")]
        what = "with extraction" if extract else "dedup only"
        print(f"\n{what}: local[2] is x{s1 / s2:.2f} local[1]; Spark local[2] takes {100 * (s2 / j2 - 1):+.0f}% "
              f"against ingest --jobs 2")


if __name__ == "__main__":
    main()
