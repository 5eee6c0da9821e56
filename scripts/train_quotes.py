#!/usr/bin/env python3
"""Rebuild the quote stage's trained artefacts from the PolNeAR train split.

    python scripts/train_quotes.py [--polnear ../shared/corpora/polnear] [--out src/onrecord/quotes/data]

Writes ``cue_lexicon.json``: for every word form seen inside a gold cue at least
``--min-count`` times, how often it is (part of) a cue and how often it occurs at all,
so the extractor can rank cue verbs by precision.  Only the train split is read.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORD_RE = re.compile(r"\w+(?:[-'\u2019]\w+)*|[^\w\s]")


def load(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def cue_mask(rec: dict) -> bytearray:
    mask = bytearray(len(rec["text"]))
    for att in rec["attributions"]:
        for s, e in att["cue"]:
            mask[s:e] = b"\x01" * (e - s)
    return mask


def mine_lexicon(recs: list[dict], min_count: int) -> dict[str, list[int]]:
    """form -> [times inside a cue, times seen] for forms seen in cues ``min_count`` times."""
    in_cue: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for rec in recs:
        text, mask = rec["text"], cue_mask(rec)
        for m in WORD_RE.finditer(text):
            form = m.group().lower()
            total[form] += 1
            if mask[m.start()]:
                in_cue[form] += 1
    return {f: [n, total[f]] for f, n in sorted(in_cue.items()) if n >= min_count}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--polnear", type=Path, default=ROOT.parent / "shared" / "corpora" / "polnear")
    ap.add_argument("--out", type=Path, default=ROOT / "src" / "onrecord" / "quotes" / "data")
    ap.add_argument("--min-count", type=int, default=2)
    args = ap.parse_args()
    recs = load(args.polnear / "train.jsonl")
    lex = mine_lexicon(recs, args.min_count)
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / "cue_lexicon.json"
    payload = {"source": "PolNeAR train", "articles": len(recs), "forms": lex}
    out.write_text(json.dumps(payload, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{out}: {len(lex)} cue forms from {len(recs)} articles")


if __name__ == "__main__":
    main()
