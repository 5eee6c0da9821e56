#!/usr/bin/env python3
"""Grid-search the cue-precision floors (``ExtractSettings.floors``) on a PolNeAR train slice.

    python scripts/tune_quotes.py [--articles 150]

Parses the slice once, then re-runs the rules for every setting and prints the overlap F1
of cue, source, content and whole quotes (the dev split is never read).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from dataclasses import replace
from pathlib import Path

from onrecord.models import Article
from onrecord.quotes.extract import get_nlp, quotes_from, units
from onrecord.quotes.settings import DEFAULT_SETTINGS, Thresholds

ROOT = Path(__file__).resolve().parents[1]
POLNEAR = ROOT.parent / "shared" / "corpora" / "polnear"
sys.path.insert(0, str(ROOT.parent / "shared" / "tools"))

GRID = {
    "ccomp": [0.05],
    "xcomp": [0.15, 0.3],
    "dobj": [0.1, 0.2, 0.3],
    "prep": [0.1, 0.2],
    "bare": [0.5],
}


def main() -> None:
    from polnear_score import score  # type: ignore[import-not-found]

    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=150)
    args = ap.parse_args()
    with (POLNEAR / "train.jsonl").open(encoding="utf-8") as f:
        recs = [json.loads(line) for _, line in zip(range(args.articles), f, strict=False)]
    arts = [Article(id=r["id"], text=r["text"]) for r in recs]
    nlp = get_nlp()
    parsed = []
    for a in arts:
        us = units(a)
        parsed.append(list(zip(us, nlp.pipe([a.text[u.start : u.end] for u in us]), strict=True)))
    results = []
    for values in itertools.product(*GRID.values()):
        settings = replace(DEFAULT_SETTINGS, floors=Thresholds(**dict(zip(GRID, values, strict=True))))
        preds = []
        for a, p in zip(arts, parsed, strict=True):
            qs = quotes_from(a, p, settings=settings)
            preds.append(
                {
                    "id": a.id,
                    "quotes": [
                        {
                            r: [s.to_list() for s in (getattr(q, r).spans if getattr(q, r) else [])]
                            for r in ("cue", "source", "content")
                        }
                        for q in qs
                    ],
                }
            )
        s = score(recs, preds)["overlap"]
        f1s = {k: s[k]["f1"] for k in ("cue", "source", "content", "quote")}
        results.append((sum(f1s.values()) / 4, dict(zip(GRID, values, strict=True)), f1s))
        print(f"{results[-1][0]:.4f}", results[-1][1], f1s, flush=True)
    best = max(results, key=lambda r: r[0])
    print("best", best)


if __name__ == "__main__":
    main()
