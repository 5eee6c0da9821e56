"""Statement linking end to end on labelled PolNeAR attribution pairs (``benchmarks/data/STATEMENTS.md``).

The articles go through ``onrecord ingest`` as a user's would (text, outlet, date; extraction and
speaker linking included), then statements are linked with each configuration. A labelled pair is
*joined* when both gold attributions map to an extracted quote (content spans overlapping by at
least half of the shorter) and the two quotes got one statement. Pairs are scored only where a
label exists; ``unsure`` pairs are left out. Missed pairs are broken down by the step that lost
them: a side not extracted, the two quotes given different speakers, or not clustered.
"""

from __future__ import annotations

import datetime
import itertools
import json
import random
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

PAIRS = ROOT / "benchmarks" / "data" / "polnear_statement_pairs.jsonl"
STORIES = ROOT / "benchmarks" / "data" / "polnear_stories.jsonl"

# --- candidates (how the pairs to label were drawn; deliberately not the linker's features) ------

_STOP = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers herself him himself his how i if in into is it its itself just me more
    most my myself no nor not now of off on once only or other our ours ourselves out over own same she
    should so some such than that the their theirs them themselves then there these they this those
    through to too under until up very was we were what when where which while who whom why will with
    would you your yours said says say told""".split()
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")
_NAME = re.compile(r"\b([A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?)\b")
_NOT_NAME = frozenset(
    "The A An He She They It We I Mr Mrs Ms Dr Sen Gov Rep President Secretary This That But And In On "
    "Democratic Republican Democrats Republicans Campaign".split()
)


def _words(text: str) -> set[str]:
    return {w.lower().rstrip("s") for w in _WORD.findall(text) if w.lower() not in _STOP and len(w) > 2}


def _names(text: str) -> set[str]:
    return {m for m in _NAME.findall(text) if m not in _NOT_NAME}


def _attributions(articles: list[dict]) -> list[dict]:
    out = []
    for a in articles:
        t = a["text"]
        for at in a["attributions"]:
            if not at.get("content") or not at.get("source"):
                continue
            start = min(s for s, _ in at["source"] + at["content"])
            src = " ".join(t[s:e] for s, e in at["source"])
            con = " ".join(t[s:e] for s, e in at["content"])
            out.append({
                "article": a["id"], "attribution": at["eid"], "publisher": a["publisher"], "date": a["date"],
                "source": src, "cue": " ".join(t[s:e] for s, e in at.get("cue") or []), "content": con,
                "context_before": t[max(0, start - 700):start],
                "_names": _names(src), "_words": _words(con),
                "_day": datetime.date.fromisoformat(a["date"]).toordinal(),
            })  # fmt: skip
    return out


def candidate_pairs(articles: list[dict], stories: dict[str, str]) -> list[tuple[float, bool, dict, dict]]:
    """Pairs of attributions in two articles ≤ 7 days apart whose sources share a capitalised name (a
    pronoun or title source takes the names just before it) and whose contents share ≥ 2 content words
    (≥ 1 when the articles are one labelled story): (word overlap, same story, a, b)."""
    atts = _attributions(articles)
    out = []
    for x, y in itertools.combinations(atts, 2):
        if x["article"] == y["article"] or abs(x["_day"] - y["_day"]) > 7:
            continue
        nx = x["_names"] or _names(x["context_before"][-500:])
        ny = y["_names"] or _names(y["context_before"][-500:])
        if not nx & ny or (x["_names"] and y["_names"] and not x["_names"] & y["_names"]):
            continue
        shared = len(x["_words"] & y["_words"])
        same_story = stories.get(x["article"]) is not None and stories.get(x["article"]) == stories.get(y["article"])
        if shared >= 2 or (same_story and shared >= 1):
            out.append((shared / max(1, min(len(x["_words"]), len(y["_words"]))), same_story, x, y))
    return out


HELD_OUT_FROM = "2016-05-01"  # PolNeAR train pairs with an article from this date on are held out, with dev


def split_of(polnear_split: str, a_article: str, b_article: str) -> str:
    """tuning: PolNeAR train pairs whose articles both predate ``HELD_OUT_FROM``; held-out: the rest."""
    dates = [a_article.split("_")[1], b_article.split("_")[1]]
    return "held-out" if polnear_split == "dev" or max(dates) >= HELD_OUT_FROM else "tuning"


def write_candidates(out: Path, polnear: Path) -> None:
    """The pairs that were labelled: all dev candidates; of train, 750 drawn from three strata (300 with
    word overlap ≥ 0.5, 250 from one labelled story, 200 of the rest), then every other candidate with
    overlap ≥ 0.5 or from one story."""
    stories = {r["id"]: r["story"] for r in map(json.loads, STORIES.read_text().splitlines()) if r}

    def side(x: dict) -> dict:
        keep = ("article", "attribution", "publisher", "date", "source", "cue")
        return {**{k: x[k] for k in keep}, "content": x["content"][:700], "context_before": x["context_before"][-350:]}

    def line(part: str, i: int, x: dict, y: dict) -> str:
        split = split_of(part, x["article"], y["article"])
        return json.dumps({"pair": f"{part}-{i:05d}", "split": split, "polnear": part, "a": side(x), "b": side(y)})

    found = {}
    for part in ("train", "dev"):
        arts = [json.loads(line) for line in (polnear / f"{part}.jsonl").read_text().splitlines() if line]
        found[part] = candidate_pairs(arts, stories)
    rng = random.Random(13)  # one generator, used in the order the labelled files were drawn
    dev = found["dev"]
    rng.shuffle(dev)
    train = found["train"]
    strata = ([p for p in train if p[0] >= 0.5], [p for p in train if p[1] and p[0] < 0.5],
              [p for p in train if not p[1] and p[0] < 0.5])  # fmt: skip
    for stratum in strata:
        rng.shuffle(stratum)
    first = strata[0][:300] + strata[1][:250] + strata[2][:200]
    rng.shuffle(first)
    taken = {id(p) for p in first}
    rest = [p for p in train if (p[0] >= 0.5 or p[1]) and id(p) not in taken]
    random.Random(14).shuffle(rest)
    n = 0
    with out.open("w", encoding="utf-8") as f:
        for part, chosen in (("train", first + rest), ("dev", dev)):
            for i, (_o, _s, x, y) in enumerate(chosen):
                f.write(line(part, i, x, y) + "\n")
                n += 1
    print(f"{n} candidate pairs -> {out}")


# --- end to end ---------------------------------------------------------------------------------


def load_pairs(split: str) -> list[dict]:
    rows = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if split == "both" or r["split"] == split]


def _overlap(a: list[list[int]], b: list[tuple[int, int]]) -> int:
    return sum(max(0, min(e1, e2) - max(s1, s2)) for s1, e1 in a for s2, e2 in b)


def ingest_articles(polnear: Path, articles: set[str], jobs: int) -> tuple[Any, dict[str, str], dict]:
    """Ingest these PolNeAR articles (text, outlet, date; date order) into a fresh SQLite store; returns
    the store, PolNeAR id -> stored article id, and PolNeAR id -> its gold attributions by eid."""
    from onrecord import pipeline
    from onrecord.store import Store

    arts = [
        a
        for part in ("train", "dev")
        for a in map(json.loads, (polnear / f"{part}.jsonl").read_text().splitlines())
        if a["id"] in articles
    ]
    arts.sort(key=lambda a: (a["date"], a["id"]))
    tmp = Path(tempfile.mkdtemp(prefix="onrecord-statements-"))
    src = tmp / "articles.jsonl"
    with src.open("w", encoding="utf-8") as f:
        for a in arts:
            f.write(json.dumps({"text": a["text"], "outlet": a["publisher"], "date": a["date"]}) + "\n")
    store = Store(f"sqlite:///{tmp / 'store.db'}")
    pipeline.ingest([str(src)], store, link=False, jobs=jobs)
    by_text = {art.text: art.id for art in store.iter_articles()}
    ids = {a["id"]: by_text.get(a["text"]) for a in arts}
    gold = {a["id"]: {at["eid"]: at for at in a["attributions"]} for a in arts}
    return store, ids, gold


def split_articles(pairs: list[dict], polnear: Path, split: str) -> set[str]:
    """The articles a split's pairs need; held-out also takes all of PolNeAR dev, as a user would
    feed a whole collection."""
    needed = {p[s]["article"] for p in pairs for s in ("a", "b")}
    if split == "held-out":
        needed |= {json.loads(line)["id"] for line in (polnear / "dev.jsonl").read_text().splitlines() if line}
    return needed


def map_gold(corpus: list, ids: dict[str, str], gold: dict) -> dict[tuple[str, str], str]:
    """(PolNeAR article, eid) -> the id of the extracted quote whose content overlaps it most."""
    quotes = {art.id: qs for art, qs in corpus}
    out = {}
    for aid, atts in gold.items():
        for eid, at in atts.items():
            best, best_ov = None, 0
            glen = sum(e - s for s, e in at.get("content") or [])
            for q in quotes.get(ids.get(aid), []):
                spans = [(s.start, s.end) for s in q.content.spans]
                ov = _overlap(at.get("content") or [], spans)
                if ov > best_ov:
                    best, best_ov = q, ov
            if best is not None and best_ov >= 0.5 * min(
                glen, sum(e - s for s, e in [(s.start, s.end) for s in best.content.spans])
            ):
                out[(aid, eid)] = best.id
    return out


def score_pairs(pairs: list[dict], mapped: dict, result: Any) -> dict[str, Any]:
    tp = fp = fn = 0
    lost: Counter[str] = Counter()
    errors = []
    drifting = {st.id for st in result.statements if st.drift}
    false_drift = 0  # judged different, yet joined into a statement flagged for drift
    for p in pairs:
        if p["label"] == "unsure":
            continue
        qa = mapped.get((p["a"]["article"], p["a"]["attribution"]))
        qb = mapped.get((p["b"]["article"], p["b"]["attribution"]))
        sa, sb = result.quote_statement.get(qa), result.quote_statement.get(qb)
        joined = qa is not None and qb is not None and sa == sb
        gold = p["label"] == "same"
        tp += gold and joined
        fp += joined and not gold
        if gold and not joined:
            fn += 1
            if qa is None or qb is None:
                why = "not extracted"
            elif not set(result.quote_speakers.get(qa, [])) & set(result.quote_speakers.get(qb, [])):
                why = "speakers differ"
            else:
                why = "not clustered"
            lost[why] += 1
            errors.append((f"{why} {result.quote_speakers.get(qa)} / {result.quote_speakers.get(qb)}", p))
        elif joined and not gold:
            errors.append(("false join", p))
            false_drift += sa in drifting
    prec = tp / (tp + fp) if tp + fp else 1.0
    rec = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"precision": prec, "recall": rec, "f1": f1, "tp": tp, "fp": fp, "fn": fn, "lost": lost, "errors": errors,
            "false_drift": false_drift, "drift": len(drifting)}  # fmt: skip


def configurations(embeddings: bool) -> list[tuple[str, Any]]:
    runs: list[tuple[str, Any]] = [("lexical (default)", None)]
    from onrecord.speakers.embeddings import StaticEmbedder, static_available

    if static_available():
        runs.append(("+ static embeddings", StaticEmbedder()))
    if embeddings:
        from onrecord.speakers.embeddings import MiniLMEmbedder, available

        if available():
            runs.append(("+ MiniLM", MiniLMEmbedder()))
        else:
            print("embeddings extra not installed: no MiniLM run")
    return runs


def run_end_to_end(
    split: str, polnear: Path, *, embeddings: bool, errors: str | None, jobs: int, links: list[float] | None = None
) -> None:
    from onrecord.speakers import ClusterParams, link_corpus

    splits = ["tuning", "held-out"] if split == "both" else [split]
    print("statements end to end: PolNeAR articles ingested (extraction, speakers), then linked; labelled pairs")
    print(f"{'split':<8} {'matching':<22} {'pairs':>5} {'same':>4} {'P':>6} {'R':>6} {'F1':>6} {'tp':>4} {'fp':>4} "
          f"{'fn':>4}  lost: not extracted / speakers differ / not clustered  drift (on different pairs)"
          "  link CPU-s per 1k articles")  # fmt: skip
    err_out = open(errors, "w", encoding="utf-8") if errors else None  # noqa: SIM115
    for sp in splits:
        pairs = load_pairs(sp)
        store, ids, gold = ingest_articles(polnear, split_articles(pairs, polnear, sp), jobs)
        corpus = list(store.iter_article_quotes())
        mapped = map_gold(corpus, ids, gold)
        for (name, emb), link in itertools.product(configurations(embeddings), links or [None]):
            params = ClusterParams() if link is None else ClusterParams(link=link)
            if link is not None:
                name = f"{name} @{link:g}"
            t0 = time.process_time()
            result = link_corpus(corpus, embedder=emb, with_topics=False, params=params)
            per_k = (time.process_time() - t0) / max(1, len(corpus)) * 1000
            m = score_pairs(pairs, mapped, result)
            judged = sum(1 for p in pairs if p["label"] != "unsure")
            same = sum(1 for p in pairs if p["label"] == "same")
            lost = m["lost"]
            print(f"{sp:<8} {name:<22} {judged:>5} {same:>4} {m['precision']:>6.3f} {m['recall']:>6.3f} "
                  f"{m['f1']:>6.3f} {m['tp']:>4} {m['fp']:>4} {m['fn']:>4}  "
                  f"{lost['not extracted']:>4} / {lost['speakers differ']:>4} / {lost['not clustered']:>4}"
                  f"{m['drift']:>12} ({m['false_drift']}){per_k:>22.1f}")  # fmt: skip
            if err_out:
                texts = {a.id: a.text for a, _ in corpus}
                for why, p in m["errors"]:
                    err_out.write(f"[{sp} {name}] {why} {p['pair']}\n")
                    for s in ("a", "b"):
                        aid, eid = p[s]["article"], p[s]["attribution"]
                        at, text = gold[aid][eid], texts.get(ids.get(aid), "")
                        src = " ".join(text[a:b] for a, b in at["source"])
                        con = " ".join(text[a:b] for a, b in at["content"])
                        err_out.write(f"  {aid[:40]} {src!r}: {con[:220]}\n")
    if err_out:
        err_out.close()


def group_by_split(rows: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        out[r["split"]].append(r)
    return out


# --- fitting the pair model ---------------------------------------------------------------------


def pair_rows(split: str, polnear: Path, embedder: Any, jobs: int) -> tuple[list[tuple[float, ...]], list[int]]:
    """Features and labels of the split's judged pairs whose two sides were extracted and given one
    speaker: the pairs the clusterer scores."""
    import numpy as np

    from onrecord.speakers import link_corpus
    from onrecord.speakers.statements import Item, content_words, pair_features

    pairs = [p for p in load_pairs(split) if p["label"] != "unsure"]
    store, ids, gold = ingest_articles(polnear, split_articles(pairs, polnear, split), jobs)
    corpus = list(store.iter_article_quotes())
    mapped = map_gold(corpus, ids, gold)
    result = link_corpus(corpus, with_topics=False)
    quotes = {q.id: q for _, qs in corpus for q in qs}
    items: dict[str, Item] = {}

    def item(qid: str) -> Item:
        if qid not in items:
            qi = result.quote_info[qid]
            text = quotes[qid].content.text
            items[qid] = Item(qid, None, qi.said_date or qi.article_date, text, words=content_words(text))
        return items[qid]

    rows, labels, texts = [], [], []
    for p in pairs:
        qa = mapped.get((p["a"]["article"], p["a"]["attribution"]))
        qb = mapped.get((p["b"]["article"], p["b"]["attribution"]))
        if qa is None or qb is None or qa == qb:
            continue
        if not set(result.quote_speakers.get(qa, [])) & set(result.quote_speakers.get(qb, [])):
            continue
        texts.append((item(qa), item(qb)))
        labels.append(int(p["label"] == "same"))
    vecs = {}
    if embedder is not None:
        uniq = sorted({it.text for pair in texts for it in pair})
        mat = np.asarray(embedder.encode(uniq), dtype=np.float32)
        mat = mat / np.maximum(np.linalg.norm(mat, axis=1, keepdims=True), 1e-9)
        vecs = dict(zip(uniq, mat, strict=True))
    for a, b in texts:
        cos = float(vecs[a.text] @ vecs[b.text]) if vecs else None
        rows.append(pair_features(a, b, cos))
    return rows, labels


def logistic(x: Any, y: Any, l2: float = 0.1, iters: int = 50) -> tuple[list[float], float]:
    """Weights and bias of an L2-regularised logistic regression (Newton's method)."""
    import numpy as np

    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    reg = np.eye(xb.shape[1]) * l2
    reg[-1, -1] = 0.0  # the bias is not shrunk
    for _ in range(iters):
        p = 1 / (1 + np.exp(-(xb @ w)))
        grad = xb.T @ (p - y) + reg @ w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + reg
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return [round(float(v), 3) for v in w[:-1]], round(float(w[-1]), 3)


def fit(polnear: Path, jobs: int, embeddings: bool) -> None:
    """Fit one pair model per embedder on the tuning split and print them as ``MODELS`` entries."""
    import numpy as np

    from onrecord.speakers.statements import FEATURES

    for name, emb in configurations(embeddings):
        rows, labels = pair_rows("tuning", polnear, emb, jobs)
        x, y = np.asarray(rows, dtype=float), np.asarray(labels, dtype=float)
        if emb is None:
            x[:, FEATURES.index("cosine")] = 0.0
        w, b = logistic(x, y)
        print(f"{name}: {len(y)} pairs ({int(y.sum())} same); {dict(zip(FEATURES, w, strict=True))} bias {b}")
        key = emb.name if emb is not None else "lexical"
        print(f'    "{key}": PairModel({tuple(w)}, {b}),')
