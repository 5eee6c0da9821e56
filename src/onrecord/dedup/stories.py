"""Story grouping: an inverted index over each article's top weighted terms.

An article's story features are its top-k terms (content words and
``e:``-prefixed proper-noun phrases) with L2-normalised tf-idf weights, plus
its published day. Candidates come from the posting lists of the query's
``query_terms`` heaviest terms (the most recent ``max_postings`` entries of
each); the score is the dot product of the two vectors over those terms.
The heaviest terms carry most of a cosine, while the light ones (common
words) have the longest posting lists: reading them would cost most of a
query and change few scores. Each posting carries the indexed article's
weight, and every term list is scored in one numpy pass (join the C arrays, then
``bincount``) over the resident articles only.

Dates are evidence: two articles whose published days are both known and
further apart than ``day_window`` never share a story; when both are known
and close, the lower ``dated_threshold`` applies; when either is unknown the
content alone must reach ``threshold``.

The index is bounded: articles are evicted as the :class:`~onrecord.dedup.window.Window`
of the deduplicator drops them (``remove``), and the posting lists are rebuilt
without them once they make up half the index, so memory follows the window,
not the corpus.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from typing import Any

import numpy as np

from onrecord.dedup import background
from onrecord.dedup.features import iso_day, weigh


class _Posting:
    """Article numbers and weights of one term, in growable C arrays (``array.array``: an append is
    one C call, and a query reads the last entries as bytes without a Python loop)."""

    __slots__ = ("idx", "w")

    def __init__(self, idx: np.ndarray | None = None, w: np.ndarray | None = None) -> None:
        self.idx = array("i")
        self.w = array("f")
        if idx is not None and w is not None:
            self.idx.frombytes(np.ascontiguousarray(idx, dtype=np.int32).tobytes())
            self.w.frombytes(np.ascontiguousarray(w, dtype=np.float32).tobytes())

    def append(self, j: int, weight: float, keep: int) -> None:
        """Append; beyond ``2 * keep`` entries, drop all but the last ``keep`` (never read)."""
        self.idx.append(j)
        self.w.append(weight)
        if len(self.idx) > 2 * keep:
            del self.idx[: len(self.idx) - keep]
            del self.w[: len(self.w) - keep]


class _Column:
    """A growable 1-D numpy array (amortised O(1) append, zero-copy view)."""

    __slots__ = ("data", "n")

    def __init__(self, dtype: Any, data: np.ndarray | None = None) -> None:
        self.data = np.empty(64, dtype=dtype) if data is None else np.array(data, dtype=dtype)
        self.n = 0 if data is None else len(self.data)
        if self.n == 0 and len(self.data) == 0:
            self.data = np.empty(64, dtype=dtype)

    def append(self, value: float) -> None:
        if self.n == len(self.data):
            self.data = np.resize(self.data, max(64, 2 * self.n))
        self.data[self.n] = value
        self.n += 1

    def view(self, n: int | None = None) -> np.ndarray:
        return self.data[: self.n if n is None else n]


@dataclass(frozen=True)
class StoryMatch:
    article_id: str
    story_id: str
    score: float


class StoryIndex:
    def __init__(
        self,
        threshold: float,
        dated_threshold: float | None = None,
        day_window: int = 3,
        top_k: int = 200,
        entity_boost: float = 1.0,
        max_postings: int = 250,
        centroid: bool = True,
        query_terms: int = 200,
    ) -> None:
        self.centroid = centroid
        self.threshold = threshold
        self.dated_threshold = threshold if dated_threshold is None else dated_threshold
        self.day_window = day_window
        self.top_k = top_k
        self.entity_boost = entity_boost
        self.max_postings = max_postings
        self.query_terms = query_terms
        bg_n, bg_df = background.load()
        self._n = bg_n  # background documents + indexed articles
        self._df: Counter[str] = Counter(bg_df)  # background + indexed document frequencies
        self._postings: dict[str, _Posting] = {}
        self._ids: list[str | None] = []  # article number -> id; None once removed
        self._num: dict[str, int] = {}  # id -> article number, resident articles only
        self._days = _Column(np.float64)  # published day per indexed article, NaN when unknown
        self._story_of = _Column(np.int32)  # story number per indexed article
        self._alive = _Column(np.bool_)
        self._story_ids: list[str] = []  # story number -> story id
        self._story_num: dict[str, int] = {}
        self._norm2 = _Column(np.float64)  # per story: squared norm of the sum of its vectors
        # (features, candidates, scores) of the last query, reused by the add() that follows it
        self._last: tuple[dict[str, Any], np.ndarray, np.ndarray] | None = None

    # -- features -----------------------------------------------------------
    def features(self, terms: Counter[str], published: str | None) -> dict[str, Any]:
        """JSON-serialisable story features of one article (what the store keeps)."""
        weights = weigh(terms, self._df, self._n, self.top_k, self.entity_boost)
        day = iso_day(published)
        return {"terms": weights, "day": day}

    # -- matching -----------------------------------------------------------
    def best_match(self, features: dict[str, Any]) -> StoryMatch | None:
        """The best story for an article, if above threshold.

        Two scores compete: the cosine with the single most similar indexed article
        (date rules as in the module docstring), and the cosine with the sum of the
        vectors of a story's members published within ``day_window`` days (dated
        articles only), which lets a follow-up join a story whose articles each
        share only part of its vocabulary.
        """
        day: int | None = features.get("day")
        cand, scores = self._scores(features["terms"])
        self._last = (features, cand, scores)
        if not len(cand):
            return None
        days = self._days.data[cand]
        if day is None:
            in_window = np.zeros(len(cand), dtype=bool)
            thresholds = np.full(len(cand), self.threshold)
        else:
            dated = ~np.isnan(days)
            with np.errstate(invalid="ignore"):
                in_window = dated & (np.abs(days - day) <= self.day_window)
            thresholds = np.where(in_window, self.dated_threshold, np.where(dated, np.inf, self.threshold))
        best: StoryMatch | None = None
        passing = scores >= thresholds
        if passing.any():
            i = int(np.argmax(np.where(passing, scores, -1.0)))
            j = int(cand[i])
            best = StoryMatch(self._ids[j] or "", self._story_ids[self._story_of.data[j]], float(scores[i]))
        if self.centroid and in_window.any():
            story = self._best_story(cand[in_window], scores[in_window])
            if story is not None and (best is None or story.score > best.score):
                best = story
        if best is None:
            return None
        return StoryMatch(best.article_id, best.story_id, round(best.score, 4))

    def _best_story(self, cand: np.ndarray, scores: np.ndarray) -> StoryMatch | None:
        """Cosine with the sum of each story's members published within the window."""
        stories, inv = np.unique(self._story_of.data[cand], return_inverse=True)
        cos = np.bincount(inv, weights=scores) / np.sqrt(self._norm2.data[stories])
        k = int(np.argmax(cos))
        if cos[k] < self.dated_threshold:
            return None
        story_id = self._story_ids[int(stories[k])]
        return StoryMatch(story_id, story_id, float(cos[k]))

    def _scores(self, weights: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """(article numbers, dot products) of the resident articles sharing a query term.

        ``weights`` is in descending weight order (``weigh``), so its first
        ``query_terms`` items are the heaviest.
        """
        m = self.max_postings
        get = self._postings.get
        hits = [(p, w) for t, w in islice(weights.items(), self.query_terms) if (p := get(t)) is not None]
        if not hits:
            return np.empty(0, dtype=np.int64), np.empty(0)
        # The most recent m entries of each term, joined as bytes (C arrays support the buffer protocol).
        idx = np.frombuffer(b"".join([p.idx[-m:] for p, _ in hits]), dtype=np.int32)
        lens = [min(len(p.idx), m) for p, _ in hits]
        # One multiply for all terms: each posting weight times its query term's weight.
        qw = np.array([w for _, w in hits], dtype=np.float32)
        prod = np.frombuffer(b"".join([p.w[-m:] for p, _ in hits]), dtype=np.float32) * np.repeat(qw, lens)
        sums = np.bincount(idx, weights=prod)
        cand = np.flatnonzero(sums)
        cand = cand[self._alive.data[cand]]  # removed articles linger in postings until a rebuild
        return cand, sums[cand]

    # -- indexing -----------------------------------------------------------
    def add(self, article_id: str, story_id: str, features: dict[str, Any]) -> None:
        weights: dict[str, float] = features["terms"]
        j = len(self._ids)
        k = self._grow_story(story_id, features)
        self._ids.append(article_id)
        self._num[article_id] = j
        self._story_of.append(k)
        self._alive.append(True)
        day = features.get("day")
        self._days.append(np.nan if day is None else day)
        postings, keep = self._postings, self.max_postings
        limit = 2 * keep
        for term, w in weights.items():  # ``_Posting.append``, inlined: this loop runs ~200 times an article
            posting = postings.get(term)
            if posting is None:
                posting = postings[term] = _Posting()
            ix = posting.idx
            ix.append(j)
            posting.w.append(w)
            if len(ix) > limit:
                del ix[: len(ix) - keep]
                del posting.w[: len(posting.w) - keep]
        self._df.update(weights.keys())  # Counter.update counts an iterable in C
        self._n += 1

    def _grow_story(self, story_id: str, features: dict[str, Any]) -> int:
        """Add a member's vector v to its story sum c: ||c + v||^2 = ||c||^2 + 2 c.v + ||v||^2.

        c.v comes from the posting lists (the scores of the query that preceded this add,
        or a fresh one when loading), over the story's resident members. Returns the story number.
        """
        last, self._last = self._last, None
        v2 = sum(w * w for w in features["terms"].values())
        k = self._story_num.get(story_id)
        if k is None:
            k = self._story_num[story_id] = len(self._story_ids)
            self._story_ids.append(story_id)
            self._norm2.append(v2)
            return k
        cand, scores = last[1:] if last is not None and last[0] is features else self._scores(features["terms"])
        cv = float(scores[self._story_of.data[cand] == k].sum()) if len(cand) else 0.0
        self._norm2.data[k] += 2 * cv + v2
        return k

    # -- eviction -----------------------------------------------------------
    def remove(self, article_ids: Iterable[str]) -> int:
        """Forget these articles (those indexed); returns how many were removed."""
        n = 0
        for aid in article_ids:
            j = self._num.pop(aid, None)
            if j is not None:
                self._alive.data[j] = False
                self._ids[j] = None
                n += 1
        if n and len(self._ids) - len(self._num) > max(len(self._num), 1024):
            self._rebuild()
        return n

    def _rebuild(self) -> None:
        """Renumber the resident articles; postings and stories keep only them.

        The postings are all that is needed: entries a posting list dropped (beyond
        ``max_postings``) would never be read again anyway.
        """
        alive = self._alive.view()
        keep = np.flatnonzero(alive)
        renumber = np.full(len(alive), -1, dtype=np.int32)
        renumber[keep] = np.arange(len(keep), dtype=np.int32)
        postings: dict[str, _Posting] = {}
        for term, p in self._postings.items():
            idx = np.frombuffer(p.idx, dtype=np.int32)
            held = alive[idx]
            if held.any():
                postings[term] = _Posting(renumber[idx[held]], np.frombuffer(p.w, dtype=np.float32)[held])
            del idx
        self._postings = postings
        # Stories with no resident member are dropped.
        stories, story = np.unique(self._story_of.data[keep], return_inverse=True)
        self._story_ids = [self._story_ids[k] for k in stories.tolist()]
        self._story_num = {sid: i for i, sid in enumerate(self._story_ids)}
        self._norm2 = _Column(np.float64, self._norm2.data[stories])
        self._ids = [self._ids[j] for j in keep.tolist()]
        self._num = {aid: i for i, aid in enumerate(self._ids) if aid is not None}
        self._days = _Column(np.float64, self._days.data[keep])
        self._story_of = _Column(np.int32, story)
        self._alive = _Column(np.bool_, np.ones(len(keep), dtype=bool))
        self._last = None

    def __len__(self) -> int:
        """Resident (indexed, not removed) articles."""
        return len(self._num)

    def entries(self) -> int:
        """Posting entries held: what the index's memory grows with."""
        return sum(len(p.idx) for p in self._postings.values())
