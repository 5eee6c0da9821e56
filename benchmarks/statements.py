"""Statement clustering on a labelled PolNeAR set: pairwise precision and recall.

``benchmarks/data/polnear_statements.jsonl`` holds one line per attribution (ids and spans
into the PolNeAR texts, no text): the same candidate (Trump, Clinton, Sanders, Cruz,
Rubio, Obama, Ryan, Pence, ...) named in the source, and ``statement``, a label shared by
the attributions that report the same remark (the same words on the same occasion,
quoted or paraphrased, in any outlet). ``unsure_with`` lists pairs a person could not
decide; they are left out of the counts.

How it was built: every attribution whose source names one of the candidates was paired
with every other one of the same candidate within 21 days in another article when the
two share a five-word run or most content words (``--candidates`` prints these pairs);
each pair was then read and labelled by hand (same / different / unsure), and the
labels closed transitively. Pairs of the set that were never candidates count as
different.

    python benchmarks/statements.py                # lexical (the default)
    python benchmarks/statements.py --embeddings   # + MiniLM cosine, when the extra is installed
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from onrecord.models import Article, Quote, RoleSpan, Span, SpeakerRef  # noqa: E402
from onrecord.speakers import ClusterParams, link_corpus  # noqa: E402

DATA = ROOT / "benchmarks" / "data" / "polnear_statements.jsonl"
POLNEAR = ROOT.parent / "shared" / "corpora" / "polnear"


def load_rows(path: Path = DATA) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_texts(polnear: Path = POLNEAR) -> dict[str, tuple[str, str, str]]:
    """article id -> (text, publisher, date)."""
    out = {}
    for split in ("train", "dev"):
        for line in (polnear / f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
            a = json.loads(line)
            out[a["id"]] = (a["text"], a["publisher"], a["date"])
    return out


def build_corpus(rows: list[dict], texts: dict[str, tuple[str, str, str]]) -> list[tuple[Article, list[Quote]]]:
    by_article: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_article[r["article_id"]].append(r)
    corpus = []
    for aid, rs in sorted(by_article.items()):
        text, publisher, date = texts[aid]
        art = Article(id=aid, text=text, outlet=publisher, published=date)
        quotes = []
        for r in rs:
            spans = [Span(s, e) for s, e in r["content"]]
            src = [Span(s, e) for s, e in r["source"]]
            quotes.append(
                Quote(
                    id=r["id"],
                    kind=r["kind"],
                    content=RoleSpan(" ".join(s.slice(text) for s in spans), spans),
                    source=RoleSpan(" ".join(s.slice(text) for s in src), src) if src else None,
                    speakers=[SpeakerRef(name=r["speaker"], type="person", resolved_via="name")],
                )
            )
        corpus.append((art, quotes))
    return corpus


def pairwise(rows: list[dict], predicted: dict[str, str]) -> dict[str, float]:
    """Pairwise precision / recall / F1 over every pair of one speaker's labelled attributions."""
    unsure = {frozenset((r["id"], o)) for r in rows for o in r["unsure_with"]}
    tp = fp = fn = 0
    by_speaker: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_speaker[r["speaker"]].append(r)
    for rs in by_speaker.values():
        for a, b in itertools.combinations(rs, 2):
            if frozenset((a["id"], b["id"])) in unsure:
                continue
            gold = a["statement"] == b["statement"]
            pred = predicted[a["id"]] == predicted[b["id"]]
            tp += gold and pred
            fp += pred and not gold
            fn += gold and not pred
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "tp": tp, "fp": fp, "fn": fn}


def evaluate(embedder=None, params: ClusterParams | None = None) -> dict[str, float]:
    rows = load_rows()
    corpus = build_corpus(rows, load_texts())
    result = link_corpus(corpus, with_topics=False, embedder=embedder, params=params)
    return pairwise(rows, result.quote_statement)


def candidates() -> None:
    """Print the candidate pairs the labels were made from (for relabelling)."""
    rows = load_rows()
    texts = load_texts()
    for a, b in itertools.combinations(rows, 2):
        if a["speaker"] == b["speaker"] and a["statement"] == b["statement"]:
            ta = " ".join(texts[a["article_id"]][0][s:e] for s, e in a["content"])
            tb = " ".join(texts[b["article_id"]][0][s:e] for s, e in b["content"])
            print(
                f"{a['statement']} {a['speaker']}\n  {a['date']} {a['publisher']}: {ta[:160]}\n"
                f"  {b['date']} {b['publisher']}: {tb[:160]}"
            )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--embeddings", action="store_true", help="also run with MiniLM (needs the embeddings extra)")
    ap.add_argument("--split", default="both", choices=["tuning", "held-out", "both"], help="which labelled split")
    ap.add_argument("--legacy", action="store_true", help="the older gold-span set (polnear_statements.jsonl)")
    ap.add_argument("--candidates", action="store_true", help="legacy set: print its same-statement pairs")
    ap.add_argument("--make-candidates", metavar="OUT", help="write the candidate pairs the labels were drawn from")
    ap.add_argument("--errors", metavar="FILE", help="write every false and missed pair with both texts")
    ap.add_argument("--jobs", type=int, default=2, help="extraction processes for the end-to-end run")
    ap.add_argument("--link", type=float, nargs="*", help="average-link thresholds to try (default: the library's)")
    ap.add_argument("--fit", action="store_true", help="fit the pair models on the tuning split and print them")
    args = ap.parse_args()
    if args.fit:
        from _statement_pairs import fit

        fit(POLNEAR, args.jobs, args.embeddings)
        return
    if args.make_candidates:
        from _statement_pairs import write_candidates

        write_candidates(Path(args.make_candidates), POLNEAR)
        return
    if args.candidates:
        candidates()
        return
    if args.legacy:
        legacy(args.embeddings)
        return
    from _statement_pairs import run_end_to_end

    run_end_to_end(
        args.split, POLNEAR, embeddings=args.embeddings, errors=args.errors, jobs=args.jobs, links=args.link
    )


def legacy(embeddings: bool) -> None:
    rows = load_rows()
    multi = sum(1 for n in _sizes(rows).values() if n > 1)
    print(
        f"PolNeAR statement set: {len(rows)} attributions, {len(_sizes(rows))} statements "
        f"({multi} reported more than once), {len({r['speaker'] for r in rows})} speakers"
    )
    runs = [("lexical (default)", None)]
    if embeddings:
        from onrecord.speakers.embeddings import MiniLMEmbedder, available

        if available():
            runs.append(("lexical + MiniLM cosine", MiniLMEmbedder()))
        else:
            print("embeddings extra not installed: lexical only")
    print(f"{'matching':<26} {'precision':>9} {'recall':>7} {'F1':>6} {'tp':>4} {'fp':>4} {'fn':>4}")
    for name, emb in runs:
        m = evaluate(emb)
        print(
            f"{name:<26} {m['precision']:>9.3f} {m['recall']:>7.3f} {m['f1']:>6.3f} {m['tp']:>4} {m['fp']:>4} "
            f"{m['fn']:>4}"
        )


def _sizes(rows: list[dict]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for r in rows:
        out[r["statement"]] += 1
    return out


if __name__ == "__main__":
    main()
