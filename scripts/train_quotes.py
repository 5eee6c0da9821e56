#!/usr/bin/env python3
"""Rebuild the quote stage's trained artefacts from the PolNeAR train split.

    python scripts/train_quotes.py [--polnear ../shared/corpora/polnear] [--out src/onrecord/quotes/data] [--crf]

Writes ``cue_lexicon.json``: for every word form seen inside a gold cue at least
``--min-count`` times, how often it is (part of) a cue and how often it occurs at all,
so the extractor can rank cue verbs by precision.  With ``--crf`` it also parses the
train texts and trains ``roles.crfsuite`` (BIO tags for cue, source and content; see
``onrecord.quotes.crf``).  Only the train split is read.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
C1 = 0.5  # L1 weight: higher keeps fewer features (a smaller model)
MINFREQ = 5
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


def mine_source_heads(recs: list[dict]) -> list[str]:
    """Common nouns heading a gold source ("officials", "the campaign", "a poll"): what can speak."""
    from onrecord.quotes.lexicon import source_head

    heads: Counter[str] = Counter()
    for rec in recs:
        for att in rec["attributions"]:
            if att["source"]:
                head = source_head(rec["text"][att["source"][0][0] : att["source"][-1][1]])
                if head:
                    heads[head] += 1
    return sorted(heads)


def char_labels(rec: dict) -> list[str]:
    """Per character: Q content, S source, C cue ('' outside); inner roles override outer ones."""
    lab = [""] * len(rec["text"])
    for role, code in (("content", "Q"), ("source", "S"), ("cue", "C")):
        for att in rec["attributions"]:
            for s, e in att.get(role, []):
                lab[s:e] = [code] * (e - s)
    return lab


def sentence_examples(recs: list[dict], uncovered_only: bool = False) -> tuple[list[list[list[str]]], list[list[str]]]:
    from onrecord.models import Article
    from onrecord.quotes.crf import token_features
    from onrecord.quotes.extract import _quoted_predicate, get_nlp, units
    from onrecord.quotes.marks import find_runs
    from onrecord.quotes.rules import Sent, candidates

    nlp = get_nlp()
    xs: list[list[list[str]]] = []
    ys: list[list[str]] = []
    for n, rec in enumerate(recs):
        art = Article(id=rec["id"], text=rec["text"])
        us = units(art)
        quoted = _quoted_predicate(find_runs(art.text))
        lab = char_labels(rec)
        for u, doc in zip(us, nlp.pipe([art.text[u.start : u.end] for u in us], batch_size=32), strict=True):
            for span in doc.sents:
                sent = Sent(span, u.start, quoted)
                if uncovered_only and candidates(sent):
                    continue  # the extractor asks the CRF only where the rules find nothing
                tags: list[str] = []
                prev = ""
                for t in span:
                    code = lab[u.start + t.idx]
                    tags.append("O" if not code else ("I-" if code == prev else "B-") + code)
                    prev = code
                xs.append(token_features(sent))
                ys.append(tags)
        if n % 100 == 0:
            print(f"  parsed {n}/{len(recs)} articles", flush=True)
    return xs, ys


def train_crf(recs: list[dict], out: Path, iterations: int, uncovered_only: bool = False) -> None:
    import pycrfsuite

    xs, ys = sentence_examples(recs, uncovered_only)
    trainer = pycrfsuite.Trainer(verbose=False)
    for x, y in zip(xs, ys, strict=True):
        trainer.append(x, y)
    trainer.set_params(
        {
            "c1": C1,
            "c2": 0.01,
            "max_iterations": iterations,
            "feature.minfreq": MINFREQ,
            "feature.possible_transitions": True,
        }
    )
    trainer.train(str(out))
    print(f"{out}: {out.stat().st_size / 1e6:.1f} MB from {len(xs)} sentences")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--polnear", type=Path, default=ROOT.parent / "shared" / "corpora" / "polnear")
    ap.add_argument("--out", type=Path, default=ROOT / "src" / "onrecord" / "quotes" / "data")
    ap.add_argument("--min-count", type=int, default=2)
    ap.add_argument("--crf", action="store_true", help="also train the role CRF (parses the train split)")
    ap.add_argument("--iterations", type=int, default=100)
    ap.add_argument("--uncovered-only", action="store_true", help="train the CRF on rule-less sentences only")
    args = ap.parse_args()
    recs = load(args.polnear / "train.jsonl")
    lex = mine_lexicon(recs, args.min_count)
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / "cue_lexicon.json"
    payload = {"source": "PolNeAR train", "articles": len(recs), "forms": lex}
    out.write_text(json.dumps(payload, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{out}: {len(lex)} cue forms from {len(recs)} articles")
    heads = mine_source_heads(recs)
    out = args.out / "source_heads.json"
    payload = {"source": "PolNeAR train", "articles": len(recs), "heads": heads}
    out.write_text(json.dumps(payload, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{out}: {len(heads)} common nouns that head a source")
    if args.crf:
        from onrecord.quotes.lexicon import load_lexicon

        load_lexicon.cache_clear()
        train_crf(recs, args.out / "roles.crfsuite", args.iterations, args.uncovered_only)


if __name__ == "__main__":
    main()
