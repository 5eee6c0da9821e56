"""Statements across outlets: cluster one speaker's quotes that report the same words.

Candidates come only from the same speaker and the same time window (buckets of
``window_days``), through an inverted index of content words, so the work grows with
the number of quotes times a bounded number of candidates, never all pairs.
"""

from __future__ import annotations

import difflib
import hashlib
import heapq
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from onrecord.speakers.dates import parse_iso
from onrecord.speakers.names import fold
from onrecord.speakers.types import DerivedCache, DiffToken, Embedder, VariantDiff

# Not ``onrecord.stopwords``: a shorter list on purpose.  Two reports of one statement are matched on
# the words they share, and words the general list drops ("first", "never", "new", "last") tell
# statements apart; with the general list the statement benchmark's figures change (F1 0.721 -> 0.740).
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing don't down during each few for from further had
    has have having he her here hers herself him himself his how i if in into is it its itself just let
    me more most my myself no nor not now of off on once only or other our ours ourselves out over own
    same she should so some such than that the their theirs them themselves then there these they this
    those through to too under until up very was we were what when where which while who whom why will
    with would you your yours yourself yourselves said says say told course well even yet still already
    one ones thing things very really lot much many there's it's we're we've i'm that's don doesn didn
    isn aren wasn weren won wouldn shouldn couldn can't ve ll re s t d m going get got make made way
    whole whether whatever however therefore though although""".split()
)
# A few words news translations swap for each other; folded to one form before comparing.
SYNONYMS = {
    "biggest": "largest",
    "big": "large",
    "huge": "large",
    "immediate": "imminent",
    "allies": "ally",
    "alliance's": "alliance",
    "defense": "defence",
    "monitoring": "monitor",
    "monitored": "monitor",
    "watching": "monitor",
    "watch": "monitor",
    "member": "ally",
    "members": "ally",
    "nations": "country",
    "countries": "country",
    "states": "country",
    "state": "country",
    "nation": "country",
    "russian": "russia",
    "ukrainian": "ukraine",
    "chinese": "china",
    "saw": "see",
    "sees": "see",
    "seen": "see",
    "largest": "large",
    "greatest": "large",
    "major": "large",
}
_WORD = re.compile(r"[\w]+(?:['’][\w]+)*")


def content_words(text: str) -> frozenset[str]:
    words = set()
    for w in _WORD.findall(fold(text)):
        w = w.replace("’", "'")
        if w.endswith("'s"):
            w = w[:-2]
        if w in STOPWORDS or len(w) < 2 or w.isdigit() and len(w) < 3:
            continue
        words.add(_stem(SYNONYMS.get(w, w)))
    return frozenset(words)


def _stem(w: str) -> str:
    """A very light stemmer: enough to meet "monitors"/"monitoring", "threats"/"threat"."""
    w = SYNONYMS.get(w, w)
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    for suf in ("ing", "ed", "s"):
        if len(w) > len(suf) + 3 and w.endswith(suf) and not w.endswith("ss"):
            return w[: -len(suf)]
    return w


@dataclass
class Item:
    """One quote as statement clustering sees it."""

    quote_id: str
    speaker_key: str | None
    date: str | None  # said date (day or month precision) else article date
    text: str
    order: tuple = ()  # sort key for "earliest"
    words: frozenset[str] = field(default_factory=frozenset)
    grams: frozenset[str] = field(default_factory=frozenset)  # word trigrams, filled when first compared


@dataclass
class ClusterParams:
    window_days: int = 14
    link: float = 0.4  # average-link threshold: mean P(same) between two groups for them to join
    edge: float = 0.15  # pairs scored below this are not kept (they count as 0 in the averages)
    drift_confidence: float = 0.5  # drift is flagged only for statements linked at least this surely
    max_candidates: int = 40
    max_posting: int = 150  # skip words shared by more quotes than this in one bucket


FEATURES = ("overlap", "dice", "trigrams", "cosine", "days")


@dataclass(frozen=True)
class PairModel:
    """P(two reports of one speaker are one statement): logistic over ``FEATURES``.

    Fit on the tuning split of ``benchmarks/data/polnear_statement_pairs.jsonl``
    (``python benchmarks/statements.py --fit``), pairs as the linker sees them after extraction.
    """

    weights: tuple[float, ...]
    bias: float

    def probability(self, features: Sequence[float]) -> float:
        z = self.bias + sum(w * f for w, f in zip(self.weights, features, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


# One model per embedder (cosines of different models are not on one scale); "lexical" has no cosine.
MODELS: dict[str, PairModel] = {
    "lexical": PairModel((1.39, 5.979, 0.396, 0.0, -0.624), -4.197),
    "tokenlearn-static-10k-64d": PairModel((1.385, 5.301, -0.26, 2.981, -0.624), -5.788),
    "all-MiniLM-L6-v2": PairModel((1.307, 3.767, -0.025, 4.12, -0.675), -5.559),
}


def model_for(embedder: Embedder | None) -> PairModel:
    """The embedder's own model; another sentence embedder is read on MiniLM's scale."""
    if embedder is None:
        return MODELS["lexical"]
    return MODELS.get(embedder.name, MODELS["all-MiniLM-L6-v2"])


def _grams(text: str) -> frozenset[str]:
    toks = _norm_words(text)
    return frozenset(" ".join(toks[k : k + 3]) for k in range(len(toks) - 2))


def pair_features(a: Item, b: Item, cosine: float | None) -> tuple[float, ...]:
    """What the model reads of a pair: content-word overlap (of the smaller set) and Dice, shared
    word trigrams (of the smaller set), embedding cosine (0 without one), days apart (in weeks, ≤ 2)."""
    inter = len(a.words & b.words)
    small = min(len(a.words), len(b.words))
    total = len(a.words) + len(b.words)
    if not a.grams:
        a.grams = _grams(a.text)
    if not b.grams:
        b.grams = _grams(b.text)
    gsmall = min(len(a.grams), len(b.grams))
    da, db = _day(a.date)[0], _day(b.date)[0]
    weeks = min(2.0, abs(da - db) / 7) if da is not None and db is not None else 1.0
    return (
        inter / small if small else 0.0,
        2 * inter / total if total else 0.0,
        len(a.grams & b.grams) / gsmall if gsmall else 0.0,
        cosine or 0.0,
        weeks,
    )


STATEMENTS_VERSION = 3  # bump when what ``cluster`` finds for one speaker's quotes changes


def cluster_kind(params: ClusterParams | None, embedder: Embedder | None) -> str:
    """What one speaker's clustering depends on besides their quotes: this code, its parameters, the embedder."""
    p = asdict(params or ClusterParams())
    tag = hashlib.blake2b(repr(sorted(p.items())).encode(), digest_size=6).hexdigest()
    return f"statements-v{STATEMENTS_VERSION}:{tag}:{embedder.name if embedder else 'lexical'}"


@dataclass
class Clustering:
    """Statement labels (an item's group: the index of one of its members) and how surely each item
    was joined: its mean P(same) with the other members (None alone)."""

    labels: list[int]
    scores: list[float | None]
    edges: dict[tuple[int, int], float]  # the scored pairs kept (P ≥ ``edge``), i < j


_SCALE = 10_000  # P(same) kept as integers, so sums and averages are exact whatever the order


def cluster(
    items: Sequence[Item],
    params: ClusterParams | None = None,
    embedder: Embedder | None = None,
    cache: DerivedCache | None = None,
    words: Callable[[str], frozenset[str]] | None = None,
    detached: frozenset[str] = frozenset(),
) -> Clustering:
    """Group one speaker's reports into statements: every candidate pair scored P(same) by the pair
    model, then average-link clustering (two groups join only while the mean P over all their
    pairs, unscored pairs counting 0, is ≥ ``link``), so no chain of near matches merges remarks
    that do not match each other.

    Quotes meet only their own speaker's, in neighbouring time buckets (``_candidate_pairs``). With a
    ``cache``, the scored pairs found for the quotes of one speaker's bucket are kept by the digest of
    what they were found among (that bucket, its two neighbours and the undated quotes), so a relink
    compares only quotes near new ones; the result is the same. ``words`` fills in the content
    words of the items that must be compared. ``detached`` quote ids join no group.
    """
    p = params or ClusterParams()
    model = model_for(embedder)
    n = len(items)
    edges: dict[tuple[int, int], int] = {}

    def keep(i: int, j: int, score: int) -> None:
        edges[(i, j) if i < j else (j, i)] = score

    blocks: dict[str | None, list[int]] = defaultdict(list)
    for i, it in enumerate(items):
        if it.speaker_key is not None:
            blocks[it.speaker_key].append(i)
    todo = [idxs for idxs in blocks.values() if len(idxs) > 1]
    focus: list[tuple[list[int], set[int] | None]] = [(idxs, None) for idxs in todo]  # (block, items to compare)
    fresh: dict[str, Any] = {}
    keys_of: list[dict[int | None, str]] = []
    settled: list[tuple[list[int], dict[str, Any]]] = []  # blocks whose whole clustering the cache holds
    block_keys: list[str] = []  # of the blocks clustered here
    if cache is not None:
        hoods = [_bucket_keys(items, idxs, p) for idxs in todo]
        whole = [_block_key(items, idxs, keys, detached) for idxs, (keys, _) in zip(todo, hoods, strict=True)]
        done = cache.get_many(whole)
        keep_keys = getattr(cache, "keep", None)
        rest = []
        for idxs, hood, bk in zip(todo, hoods, whole, strict=True):
            if bk in done:
                settled.append((idxs, done[bk]))
                if keep_keys is not None:  # its buckets' pairs stay cached for when the block changes
                    keep_keys(hood[0].values())
            else:
                rest.append((idxs, hood, bk))
        todo, hoods, block_keys = [r[0] for r in rest], [r[1] for r in rest], [r[2] for r in rest]
        known = cache.get_many([k for keys, _ in hoods for k in keys.values()])
        focus = []
        for idxs, (keys, members) in zip(todo, hoods, strict=True):
            qid = {items[i].quote_id: i for i in idxs}
            dirty: set[int] = set()
            for b, key in keys.items():
                if key in known:
                    for a, c, score in known[key]:
                        keep(qid[a], qid[c], int(score))
                else:
                    dirty.update(members[b])
            if dirty:
                focus.append((idxs, dirty))
                keys_of.append({b: k for b, k in keys.items() if k not in known})
    if words is not None:  # content words of the quotes that will be compared or indexed
        for idxs, only in focus:
            bucket_of = _buckets(items, idxs, p)
            near = None if only is None else _near_buckets({bucket_of[i] for i in only}, bucket_of)
            for i in idxs:
                if (near is None or bucket_of[i] in near) and not items[i].words:
                    items[i].words = words(items[i].text)
    vectors = None
    if embedder is not None:  # only quotes that have another quote of the same speaker to meet
        vectors = _embed(items, sorted({j for idxs, _ in focus for j in idxs}), embedder)

    def score(i: int, j: int) -> int:
        cos = float(vectors[i] @ vectors[j]) if vectors is not None else None
        return round(model.probability(pair_features(items[i], items[j], cos)) * _SCALE)

    floor = round(p.edge * _SCALE)
    for k, (idxs, only) in enumerate(focus):
        found: dict[int | None, list[list[Any]]] = defaultdict(list)  # every kept pair, for the cache
        bucket_of = _buckets(items, idxs, p) if only is not None else {}
        for i, j in _candidate_pairs(items, idxs, p, only):
            sc = score(i, j)
            if sc >= floor:
                keep(i, j, sc)
                if only is not None:
                    found[bucket_of[i]].append([items[i].quote_id, items[j].quote_id, sc])
        if only is not None:
            for b, key in keys_of[k].items():
                fresh[key] = found.get(b, [])
    if detached:  # a reader's correction: these reports join no statement (scores stay cached)
        edges = {e: sc for e, sc in edges.items() if items[e[0]].quote_id not in detached
                 and items[e[1]].quote_id not in detached}  # fmt: skip
    labels, scores = _average_link(n, edges, round(p.link * _SCALE))
    if cache is not None:
        fresh.update(_block_values(todo, block_keys, labels, scores, edges))
        for idxs, value in settled:
            _settle(idxs, value, labels, scores, edges)
    if cache is not None and fresh:
        cache.put_many(fresh)
    return Clustering(labels, scores, {e: sc / _SCALE for e, sc in edges.items()})


def _block_key(
    items: Sequence[Item], idxs: list[int], bucket_keys: dict[int | None, str], detached: frozenset[str]
) -> str:
    """The digest of everything one speaker's clustering depends on: what each of its buckets is compared
    with (``_bucket_keys``), the order of its quotes (ties go to the earlier) and which are detached."""
    h = hashlib.blake2b(b"block", digest_size=12)
    for b in sorted(bucket_keys, key=lambda x: (x is None, x or 0)):
        h.update(f"|{b}|{bucket_keys[b]}".encode())
    ids = [items[i].quote_id for i in idxs]
    h.update(("\x1e" + "\x1f".join(ids) + "\x1e" + "\x1f".join(sorted(set(ids) & detached))).encode())
    return h.hexdigest()


def _block_values(
    blocks: list[list[int]],
    keys: list[str],
    labels: list[int],
    scores: list[float | None],
    edges: dict[tuple[int, int], int],
) -> dict[str, dict[str, Any]]:
    """Each block's clustering by block position: every item's group (its root's position) and score, and
    the pairs kept inside groups (the statements' confidences are made of them)."""
    where: dict[int, tuple[int, int]] = {}  # item -> (block, position)
    for k, idxs in enumerate(blocks):
        for pos, i in enumerate(idxs):
            where[i] = (k, pos)
    inside: dict[int, list[list[int]]] = defaultdict(list)
    for (i, j), sc in edges.items():
        wi, wj = where.get(i), where.get(j)
        if wi is not None and wj is not None and labels[i] == labels[j]:
            inside[wi[0]].append([wi[1], wj[1], sc])
    out = {}
    for k, (idxs, key) in enumerate(zip(blocks, keys, strict=True)):
        out[key] = {
            "l": [where[labels[i]][1] for i in idxs],
            "s": [scores[i] for i in idxs],
            "e": inside.get(k, []),
        }
    return out


def _settle(
    idxs: list[int],
    value: dict[str, Any],
    labels: list[int],
    scores: list[float | None],
    edges: dict[tuple[int, int], int],
) -> None:
    """A block's cached clustering into the run's labels, scores and edges."""
    for pos, i in enumerate(idxs):
        labels[i] = idxs[value["l"][pos]]
        scores[i] = value["s"][pos]
    for a, b, sc in value["e"]:
        edges[(idxs[a], idxs[b])] = sc


def _average_link(n: int, edges: dict[tuple[int, int], int], threshold: int) -> tuple[list[int], list[float | None]]:
    """Average-link agglomeration over scored pairs (unscored pairs count 0): the pair of groups with
    the highest mean score joins while that mean is ≥ ``threshold``; ties go to the lowest indexes."""
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    link: dict[int, dict[int, int]] = defaultdict(dict)  # group -> neighbour group -> sum of scores
    for (i, j), sc in edges.items():
        link[i][j] = link[j][i] = sc
    heap = [(-sc, i, j) for (i, j), sc in edges.items() if sc >= threshold]
    heapq.heapify(heap)
    while heap:
        neg, a, b = heapq.heappop(heap)
        if a not in members or b not in members:
            continue
        mean = link[a].get(b, 0) / (len(members[a]) * len(members[b]))
        if -neg != mean:
            continue  # stale: the groups changed since this entry was pushed
        members[a] += members.pop(b)
        for c, sc in link.pop(b).items():
            del link[c][b]
            if c != a:
                link[a][c] = link[a].get(c, 0) + sc
                link[c][a] = link[a][c]
        link[a].pop(a, None)
        for c, sc in link[a].items():
            m = sc / (len(members[a]) * len(members[c]))
            if m >= threshold:
                heapq.heappush(heap, (-m, min(a, c), max(a, c)))
    labels = list(range(n))
    scores: list[float | None] = [None] * n
    for root, ms in members.items():
        if len(ms) == 1:
            continue
        for i in ms:
            labels[i] = root
            total = sum(edges.get((i, j) if i < j else (j, i), 0) for j in ms if j != i)
            scores[i] = round(total / (len(ms) - 1) / _SCALE, 4)
    return labels, scores


def _buckets(items: Sequence[Item], idxs: list[int], p: ClusterParams) -> dict[int, int | None]:
    out: dict[int, int | None] = {}
    for i in idxs:
        day = _day(items[i].date)[0]
        out[i] = day // p.window_days if day is not None else None
    return out


def _bucket_keys(
    items: Sequence[Item], idxs: list[int], p: ClusterParams
) -> tuple[dict[int | None, str], dict[int | None, list[int]]]:
    """Per time bucket of one speaker: the digest of the quotes its quotes are compared with (the bucket,
    its neighbours and the undated; every quote for the undated bucket), and the bucket's members."""
    members: dict[int | None, list[int]] = defaultdict(list)
    for i, b in _buckets(items, idxs, p).items():
        members[b].append(i)
    parts: dict[int | None, bytes] = {}
    for b, ms in members.items():
        parts[b] = "".join(
            f"{items[i].quote_id}\x1e{items[i].date}\x1e{items[i].text}\x1f" for i in ms
        ).encode()
    speaker = (items[idxs[0]].speaker_key or "").encode()
    keys: dict[int | None, str] = {}
    for b in members:
        hood = [b - 1, b, b + 1, None] if b is not None else sorted(members, key=lambda x: (x is None, x or 0))
        h = hashlib.blake2b(speaker, digest_size=12)
        for nb in hood:
            h.update(f"|{nb}|".encode() + parts.get(nb, b""))
        keys[b] = h.hexdigest()
    return keys, members


def _near_buckets(focus: set[int | None], buckets: dict[int, int | None]) -> set[int | None]:
    """The buckets quotes of ``focus`` buckets are compared with: each with its neighbours, the undated,
    and every bucket when an undated quote is among them."""
    if None in focus:
        return set(buckets.values())
    return {nb for b in focus if b is not None for nb in (b - 1, b, b + 1)} | {None}


def _day(date: str | None) -> tuple[int | None, bool]:
    """(ordinal day, exact?) of a said date; a month-precision date sits mid-month, not exact."""
    if not date:
        return None, False
    d = parse_iso(date if len(date) >= 10 else date + "-15")
    return (d.toordinal(), len(date) >= 10) if d else (None, False)


def _candidate_pairs(items: Sequence[Item], idxs: list[int], p: ClusterParams, only: set[int] | None = None):
    """Pairs within one speaker that share content words and sit in neighbouring time buckets (for the
    items in ``only``, default all: then only their buckets and the neighbours are indexed).

    Undated quotes are compared with the speaker's quotes of every bucket (they are few).
    """
    index: dict[tuple[int | None, str], list[int]] = defaultdict(list)
    buckets: dict[int, int | None] = {}
    days: dict[int, tuple[int | None, bool]] = {}
    for i in idxs:
        days[i] = _day(items[i].date)
        buckets[i] = days[i][0] // p.window_days if days[i][0] is not None else None
    wanted = None if only is None else _near_buckets({buckets[i] for i in only}, buckets)
    for i in idxs:
        if wanted is None or buckets[i] in wanted:
            for w in items[i].words:
                index[(buckets[i], w)].append(i)
    dated_buckets = sorted({b for b in buckets.values() if b is not None})
    for i in idxs if only is None else [i for i in idxs if i in only]:
        b = buckets[i]
        near: list[int | None] = [b - 1, b, b + 1, None] if b is not None else [*dated_buckets, None]
        counts: dict[int, int] = defaultdict(int)
        for w in items[i].words:
            for nb in near:
                post = index.get((nb, w))
                if not post or len(post) > p.max_posting:
                    continue
                for j in post:
                    counts[j] += 1
        counts.pop(i, None)
        if len(counts) > p.max_candidates:
            best = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[: p.max_candidates]
        else:
            best = list(counts.items())
        di, ei = days[i]
        for j, _shared in best:
            dj, ej = days[j]
            if di is None or dj is None or abs(di - dj) <= p.window_days + (0 if ei and ej else 16):
                yield i, j


def _embed(items: Sequence[Item], which: list[int], embedder: Embedder) -> dict[int, np.ndarray]:
    """L2-normalised vectors of ``items[i]`` for ``i`` in ``which`` (each distinct text encoded once)."""
    texts = sorted({items[i].text for i in which})
    if not texts:
        return {}
    vecs = np.asarray(embedder.encode(texts), dtype=np.float32)
    vecs = vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-9)
    row = {t: k for k, t in enumerate(texts)}
    return {i: vecs[row[items[i].text]] for i in which}


def statement_id(quote_id: str) -> str:
    return "st_" + hashlib.sha1(quote_id.encode("utf-8")).hexdigest()[:16]


# --- drift and diff -----------------------------------------------------------------

_QUOTED = re.compile(r"[\"“”«»„]([^\"“”«»„]{3,})[\"“”«»„]")
_TOKEN = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]")


def quoted_wording(text: str, kind: str) -> str | None:
    """The words a report prints inside quotation marks: all of a direct quote, the quoted parts of any other."""
    if kind == "direct":
        return text.strip().strip('"“”').strip()
    marks = sum(text.count(m) for m in '"“”')
    parts = _QUOTED.findall(text + ('"' if marks % 2 else ""))
    return " … ".join(p.strip() for p in parts) if parts else None


def _norm_words(text: str) -> list[str]:
    return [w for w in _WORD.findall(fold(text).replace("’", "'"))]


def drifted(wordings: list[str]) -> bool:
    """True when two quoted wordings differ where they overlap (neither contains the other)."""
    norm = [" ".join(_norm_words(w)) for w in wordings]
    for i in range(len(norm)):
        for j in range(i + 1, len(norm)):
            a, b = norm[i], norm[j]
            if a and b and a != b and a not in b and b not in a:
                return True
    return False


def word_diff(base: str, variant: str, context: int = 3) -> list[DiffToken]:
    """Word-level diff of two wordings, trimmed to the stretch where they overlap (± ``context`` words)."""
    a = [t for t in _TOKEN.findall(base) if re.match(r"\w", t)]
    b = [t for t in _TOKEN.findall(variant) if re.match(r"\w", t)]
    sm = difflib.SequenceMatcher(a=[fold(t) for t in a], b=[fold(t) for t in b], autojunk=False)
    ops = sm.get_opcodes()
    equal = [o for o in ops if o[0] == "equal"]
    if equal:
        a_lo, b_lo = max(0, equal[0][1] - context), max(0, equal[0][3] - context)
        a_hi, b_hi = min(len(a), equal[-1][2] + context), min(len(b), equal[-1][4] + context)
    else:
        a_lo, b_lo, a_hi, b_hi = 0, 0, len(a), len(b)
    out: list[DiffToken] = []
    if a_lo > 0 or b_lo > 0:
        out.append(DiffToken("same", "…"))
    for tag, i1, i2, j1, j2 in ops:
        i1, i2, j1, j2 = max(i1, a_lo), min(i2, a_hi), max(j1, b_lo), min(j2, b_hi)
        if tag == "equal":
            out += [DiffToken("same", t) for t in b[j1:j2]]
            continue
        out += [DiffToken("removed", t) for t in a[i1:i2]]
        out += [DiffToken("added", t) for t in b[j1:j2]]
    if a_hi < len(a) or b_hi < len(b):
        out.append(DiffToken("same", "…"))
    return out


def diff_line(tokens: Iterable[DiffToken]) -> str:
    """A word diff as one line of plain text: ``same [-removed-] {+added+}``."""
    marked = {"same": "{}", "removed": "[-{}-]"}
    return " ".join(marked.get(t.tag, "{{+{}+}}").format(t.text) for t in tokens)


def variant_diffs(variants: list[tuple[str, str]]) -> list[VariantDiff]:
    """Diffs of every quoted variant against the first (earliest) one; ``variants`` = (quote_id, wording)."""
    if len(variants) < 2:
        return []
    base_id, base = variants[0]
    seen = {" ".join(_norm_words(base))}
    out = []
    for qid, text in variants[1:]:
        key = " ".join(_norm_words(text))
        if key in seen:
            continue
        seen.add(key)
        out.append(VariantDiff(base_quote_id=base_id, quote_id=qid, tokens=word_diff(base, text)))
    return out
