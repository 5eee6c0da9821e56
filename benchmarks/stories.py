"""Story grouping on PolNeAR: pairwise precision / recall / F1 against hand-checked labels.

    python benchmarks/stories.py                   # dev split, default thresholds
    python benchmarks/stories.py --split train --sweep   # tune the story threshold on train
    python benchmarks/stories.py --near-speed      # near-duplicate step, articles/second
    python benchmarks/stories.py --build-background      # regenerate the shipped DF table

Labels: ``benchmarks/data/polnear_stories.jsonl`` (one line per labelled article:
``{"id", "split", "story"}``; articles not listed are singletons). How they were
built is in ``benchmarks/data/STORIES.md``. Articles are fed in date order, as a
crawler would see them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from itertools import combinations
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from onrecord.dedup import Deduplicator, background  # noqa: E402
from onrecord.dedup.features import raw_terms  # noqa: E402
from onrecord.models import Article  # noqa: E402

SHARED = Path(os.environ.get("ONRECORD_SHARED", ROOT.parent / "shared"))
POLNEAR = SHARED / "corpora" / "polnear"
LABELS = ROOT / "benchmarks" / "data" / "polnear_stories.jsonl"
_SPACE = re.compile(r"\s+")


def normalise(article: Article) -> str:
    """Stand-in for ``onrecord.ingest.normalise_body`` when ingest is not importable."""
    try:
        from onrecord.ingest import normalise_body
    except ImportError:
        text = " ".join(s.slice(article.text) for s in article.body_ranges())
        return _SPACE.sub(" ", text.casefold()).strip()
    return normalise_body(article)


def polnear_articles(split: str) -> list[Article]:
    rows = [json.loads(line) for line in (POLNEAR / f"{split}.jsonl").open(encoding="utf-8")]
    out = [
        Article(
            id=r["id"],
            text=r["text"],
            title=r["text"].split("\n", 1)[0].strip(),
            outlet=r["publisher"],
            published=r["date"],
            source_path=f"polnear/{split}",
        )
        for r in rows
    ]
    return sorted(out, key=lambda a: (a.published or "", a.id))


def load_labels(path: Path = LABELS) -> dict[str, str]:
    labels = {}
    for line in path.open(encoding="utf-8"):
        if line.strip():
            r = json.loads(line)
            labels[r["id"]] = r["story"]
    return labels


def pairs(groups: dict[str, list[str]]) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for members in groups.values():
        out.update(tuple(sorted(p)) for p in combinations(members, 2))
    return out


def group(assign: dict[str, str]) -> dict[str, list[str]]:
    g: dict[str, list[str]] = defaultdict(list)
    for aid, story in assign.items():
        g[story].append(aid)
    return g


def run_stories(articles: list[Article], **kwargs: float) -> dict[str, str]:
    dedup = Deduplicator(**kwargs)  # type: ignore[arg-type]
    return {a.id: dedup.add(a, normalise(a)).story_id or a.id for a in articles}


def score(pred: dict[str, str], gold: dict[str, str]) -> dict[str, float]:
    ids = set(pred)
    gold_groups = group({a: gold.get(a, "single:" + a) for a in ids})
    gp, pp = pairs(gold_groups), pairs(group(pred))
    tp = len(gp & pp)
    p = tp / len(pp) if pp else 1.0
    r = tp / len(gp) if gp else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"gold_pairs": len(gp), "pred_pairs": len(pp), "tp": tp, "precision": p, "recall": r, "f1": f}


def report(split: str, threshold: float | None, verbose: bool) -> None:
    articles = polnear_articles(split)
    gold = load_labels()
    kwargs = {} if threshold is None else {"dated_story_threshold": threshold}
    t0 = time.process_time()
    pred = run_stories(articles, **kwargs)
    dt = time.process_time() - t0
    s = score(pred, gold)
    print(
        f"{split}: {len(articles)} articles, {s['gold_pairs']} gold pairs, {s['pred_pairs']} predicted, "
        f"{s['tp']} correct -> precision {s['precision']:.3f} recall {s['recall']:.3f} F1 {s['f1']:.3f}"
        f"  ({len(articles) / dt:.0f} articles per CPU-second, full dedup)"
    )
    if verbose:
        show_errors(articles, pred, gold)


def show_errors(articles: list[Article], pred: dict[str, str], gold: dict[str, str]) -> None:
    title = {a.id: f"{a.published} {a.outlet}: {a.title}" for a in articles}
    gp = pairs(group({a: gold.get(a, "single:" + a) for a in pred}))
    pp = pairs(group(pred))
    for label, missing in (("FALSE POSITIVE", pp - gp), ("MISSED", gp - pp)):
        for a, b in sorted(missing):
            print(f"{label}\n  {title[a][:110]}\n  {title[b][:110]}")


def sweep(split: str) -> None:
    articles = polnear_articles(split)
    gold = load_labels()
    for t in (0.06, 0.08, 0.09, 0.1, 0.11, 0.12, 0.14, 0.16, 0.2, 0.25):
        s = score(run_stories(articles, dated_story_threshold=t), gold)
        print(
            f"threshold {t:.2f}: P {s['precision']:.3f} R {s['recall']:.3f} F1 {s['f1']:.3f} "
            f"(pred pairs {s['pred_pairs']}, gold {s['gold_pairs']})"
        )


def build_background() -> None:
    articles = polnear_articles("train")
    n, df = 0, defaultdict(int)
    for a in articles:
        n += 1
        for t in raw_terms(a, normalise(a)):
            df[t] += 1
    kept = background.write(n, df)  # type: ignore[arg-type]
    print(f"background table: {n} documents, {kept} terms -> {background.TABLE_PATH}")


def synthetic_corpus(n: int, seed: int = 7) -> Iterator[tuple[Article, str]]:
    """Short news-like bodies; every 5th is a lightly edited copy of an earlier one."""
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(20000)]
    made: list[list[str]] = []
    for i in range(n):
        if made and i % 5 == 0:
            words = list(rng.choice(made))
            for _ in range(max(1, len(words) // 60)):
                words[rng.randrange(len(words))] = rng.choice(vocab)
        else:
            words = [rng.choice(vocab) for _ in range(rng.randint(120, 250))]
            made.append(words)
        body = " ".join(words)
        yield Article(id=f"a{i}", text=body, published=None), body


def near_speed(n: int) -> None:
    """Time the near-duplicate step alone (signature + LSH query + insert), in CPU seconds."""
    import tracemalloc

    from onrecord.dedup import minhash

    corpus = list(synthetic_corpus(n))
    dedup = Deduplicator()
    kinds: dict[str, int] = defaultdict(int)
    t0 = time.process_time()
    for seq, (_, body) in enumerate(corpus):
        hv = minhash.signature(body, dedup.num_perm, dedup.shingle_size)
        matches = dedup._near_matches(hv)  # noqa: SLF001 - timing the step alone
        kinds["near" if matches else "new"] += 1
        dedup._sigs = dedup._sigs if seq < len(dedup._sigs) else np.resize(dedup._sigs, (2 * seq, 128))
        dedup._sigs[seq] = hv  # noqa: SLF001
        dedup._order.append(str(seq))  # noqa: SLF001
        dedup._bands.insert(seq, hv)  # noqa: SLF001
    dt = time.process_time() - t0
    print(f"near-dup step: {n} articles in {dt:.2f} CPU-s = {n / dt:.0f} articles/s ({dict(kinds)})")
    t0 = time.process_time()
    full = Deduplicator()
    for article, body in corpus:
        full.add(article, body)
    dt = time.process_time() - t0
    print(f"full add() incl. stories: {n / dt:.0f} articles per CPU-second")
    del full
    tracemalloc.start()
    full = Deduplicator()
    for article, body in corpus:
        full.add(article, body)
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"deduplicator state after {n} articles: {held / 2**20:.1f} MiB ({held / n / 1024:.1f} KiB/article)")


# --- labelled pairs (polnear_story_pairs.jsonl): tuning / held-out -------------------------------

PAIR_LABELS = ROOT / "benchmarks" / "data" / "polnear_story_pairs.jsonl"
HELD_OUT_FROM = "2016-05-01"  # as for statements: later articles, and all of dev, are held out


def pair_split(a: str, b: str, dev: set[str]) -> str:
    later = max(a.split("_")[1], b.split("_")[1]) >= HELD_OUT_FROM
    return "held-out" if a in dev or b in dev or later else "tuning"


def story_candidates(out: Path) -> None:
    """The pairs that were labelled: every two PolNeAR articles (train and dev) at most 3 days apart
    whose full texts have a plain tf-idf cosine ≥ 0.05 (not the deduplicator's own features)."""
    import math

    rows = [json.loads(line) for split in ("train", "dev") for line in (POLNEAR / f"{split}.jsonl").open()]
    word = re.compile(r"[a-z][a-z'’]+")
    stop = set("the a an and or of to in on for with at by from is are was were be been has have had it its this "
               "that these those as but not he she they we i you his her their our said says say would will can "
               "could".split())  # fmt: skip
    tf = [Counter(w for w in word.findall(r["text"].lower()) if w not in stop and len(w) > 2) for r in rows]
    df = Counter(t for c in tf for t in c)
    vecs = []
    for c in tf:
        v = {t: (1 + math.log(k)) * math.log(len(rows) / df[t]) for t, k in c.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        vecs.append({t: x / norm for t, x in v.items()})
    day = [date.fromisoformat(r["date"]).toordinal() for r in rows]
    chosen = []
    for i, j in combinations(range(len(rows)), 2):
        if abs(day[i] - day[j]) > 3:
            continue
        a, b = sorted((vecs[i], vecs[j]), key=len)
        if sum(w * b.get(t, 0.0) for t, w in a.items()) >= 0.05:
            chosen.append((i, j))
    random.Random(21).shuffle(chosen)
    with out.open("w", encoding="utf-8") as f:
        for k, (i, j) in enumerate(chosen):
            f.write(json.dumps({"pair": f"story-{k:05d}", "a": rows[i]["id"], "b": rows[j]["id"]}) + "\n")
    print(f"{len(chosen)} candidate pairs -> {out}")


def report_pairs() -> None:
    """Story grouping over all PolNeAR articles in date order, scored on the judged pairs of each split."""
    labelled = [json.loads(line) for line in PAIR_LABELS.read_text(encoding="utf-8").splitlines() if line.strip()]
    articles = sorted(polnear_articles("train") + polnear_articles("dev"), key=lambda a: (a.published or "", a.id))
    t0 = time.process_time()
    pred = run_stories(articles)
    per_k = (time.process_time() - t0) / len(articles) * 1000
    print(f"stories on {len(articles)} PolNeAR articles (train + dev, date order), scored on labelled pairs")
    head = f"{'split':<9} {'configuration':<18} {'judged':>6} {'same':>5} {'P':>6} {'R':>6} {'F1':>6}"
    print(f"{head} {'CPU-s per 1k':>13}")
    for split in ("tuning", "held-out"):
        rows = [r for r in labelled if r["split"] == split and r["label"] != "unsure"]
        tp = sum(1 for r in rows if r["label"] == "same" and pred[r["a"]] == pred[r["b"]])
        fp = sum(1 for r in rows if r["label"] == "different" and pred[r["a"]] == pred[r["b"]])
        same = sum(1 for r in rows if r["label"] == "same")
        prec = tp / (tp + fp) if tp + fp else 1.0
        rec = tp / same if same else 1.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        print(f"{split:<9} {'lexical (default)':<18} {len(rows):>6} {same:>5} {prec:>6.3f} {rec:>6.3f} {f1:>6.3f} "
              f"{per_k:>13.2f}")  # fmt: skip


def main(argv: Iterable[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", default="dev", choices=["train", "dev", "both"])
    ap.add_argument("--threshold", type=float, default=None, help="dated story threshold (default: library's)")
    ap.add_argument("--sweep", action="store_true")
    ap.add_argument("--errors", action="store_true", help="list false positive and missed pairs")
    ap.add_argument("--build-background", action="store_true")
    ap.add_argument("--pairs", action="store_true", help="score on the labelled pairs (tuning / held-out)")
    ap.add_argument("--make-candidates", metavar="OUT", help="write the candidate pairs that were labelled")
    ap.add_argument("--near-speed", type=int, nargs="?", const=20000, default=None, metavar="N")
    args = ap.parse_args(list(argv) if argv is not None else None)
    if args.make_candidates:
        story_candidates(Path(args.make_candidates))
    elif args.pairs:
        report_pairs()
    elif args.build_background:
        build_background()
    elif args.near_speed:
        near_speed(args.near_speed)
    elif args.sweep:
        sweep(args.split)
    else:
        for split in ["train", "dev"] if args.split == "both" else [args.split]:
            report(split, args.threshold, args.errors)


if __name__ == "__main__":
    main()
