"""Statements across outlets: cluster one speaker's quotes that report the same words.

Candidates come only from the same speaker and the same time window (buckets of
``window_days``), through an inverted index of content words, so the work grows with
the number of quotes times a bounded number of candidates, never all pairs.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
from rapidfuzz import fuzz

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


@dataclass
class ClusterParams:
    window_days: int = 14
    min_shared: int = 3  # content words two reports must share (lexical)
    overlap: float = 0.7  # |A∩B| / min(|A|, |B|)
    dice: float = 0.3  # 2|A∩B| / (|A| + |B|): keeps a short fragment from matching a long, different quote
    fuzz_short: float = 88.0  # partial ratio for short quotes with few content words
    cosine: float = 0.75  # embedding threshold (only with an embedder)
    max_candidates: int = 40
    max_posting: int = 150  # skip words shared by more quotes than this in one bucket


def similar_lexical(a: Item, b: Item, p: ClusterParams) -> bool:
    inter = len(a.words & b.words)
    small = min(len(a.words), len(b.words))
    if small == 0:
        return False
    if small >= p.min_shared and inter >= p.min_shared and inter / small >= p.overlap:
        return 2 * inter / (len(a.words) + len(b.words)) >= p.dice

    if 2 <= small < p.min_shared + 2 and inter >= max(2, small - 1):
        return fuzz.partial_ratio(fold(a.text), fold(b.text)) >= p.fuzz_short
    return False


STATEMENTS_VERSION = 2  # bump when what ``cluster`` finds for one speaker's quotes changes


def cluster_kind(params: ClusterParams | None, embedder: Embedder | None) -> str:
    """What one speaker's clustering depends on besides their quotes: this code, its parameters, the embedder."""
    p = asdict(params or ClusterParams())
    tag = hashlib.blake2b(repr(sorted(p.items())).encode(), digest_size=6).hexdigest()
    return f"statements-v{STATEMENTS_VERSION}:{tag}:{embedder.name if embedder else 'lexical'}"


def cluster(
    items: Sequence[Item],
    params: ClusterParams | None = None,
    embedder: Embedder | None = None,
    cache: DerivedCache | None = None,
    words: Callable[[str], frozenset[str]] | None = None,
) -> list[int]:
    """Cluster labels (index of the cluster's first item) for ``items``; union-find over candidate pairs.

    Quotes meet only their own speaker's, in neighbouring time buckets (``_candidate_pairs``). With a
    ``cache``, the similar pairs found for the quotes of one speaker's bucket are kept by the digest of
    what they were found among (that bucket, its two neighbours and the undated quotes), so a relink
    compares only quotes near new ones; the clusters are the same. ``words`` fills in the content
    words of the items that must be compared.
    """
    p = params or ClusterParams()
    n = len(items)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        parent[find(i)] = find(j)

    blocks: dict[str | None, list[int]] = defaultdict(list)
    for i, it in enumerate(items):
        if it.speaker_key is not None:
            blocks[it.speaker_key].append(i)
    todo = [idxs for idxs in blocks.values() if len(idxs) > 1]
    focus: list[tuple[list[int], set[int] | None]] = [(idxs, None) for idxs in todo]  # (block, items to compare)
    fresh: dict[str, list[list[str]]] = {}
    keys_of: list[dict[int | None, str]] = []
    if cache is not None:
        hoods = [_bucket_keys(items, idxs, p) for idxs in todo]
        known = cache.get_many([k for keys, _ in hoods for k in keys.values()])
        focus = []
        for idxs, (keys, members) in zip(todo, hoods, strict=True):
            qid = {items[i].quote_id: i for i in idxs}
            dirty: set[int] = set()
            for b, key in keys.items():
                if key in known:
                    for a, c in known[key]:
                        union(qid[a], qid[c])
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

    def similar(i: int, j: int) -> bool:
        return similar_lexical(items[i], items[j], p) or (
            vectors is not None and float(vectors[i] @ vectors[j]) >= p.cosine and bool(items[i].words & items[j].words)
        )

    for k, (idxs, only) in enumerate(focus):
        if only is None:  # no cache: pairs already joined need no comparing
            for i, j in _candidate_pairs(items, idxs, p):
                if find(i) != find(j) and similar(i, j):
                    union(i, j)
            continue
        found: dict[int | None, list[list[str]]] = defaultdict(list)  # every similar pair, for the cache
        bucket_of = _buckets(items, idxs, p)
        for i, j in _candidate_pairs(items, idxs, p, only):
            if similar(i, j):
                union(i, j)
                found[bucket_of[i]].append([items[i].quote_id, items[j].quote_id])
        for b, key in keys_of[k].items():
            fresh[key] = found.get(b, [])
    if cache is not None and fresh:
        cache.put_many(fresh)
    return [find(i) for i in range(n)]


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
