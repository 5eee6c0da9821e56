"""Story grouping: an inverted index over each article's top weighted terms.

An article's story features are its top-k terms (content words and
``e:``-prefixed proper-noun phrases) with L2-normalised tf-idf weights, plus
its published day. Candidates come from the posting lists of those terms
(the most recent ``max_postings`` entries of each, so retrieval stays
bounded however large the index grows); the score is the cosine of the two
truncated vectors, computed while walking the posting lists (each posting
carries the indexed article's weight, so no per-article vectors are kept).

Dates are evidence: two articles whose published days are both known and
further apart than ``day_window`` never share a story; when both are known
and close, the lower ``dated_threshold`` applies; when either is unknown the
content alone must reach ``threshold``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from onrecord.dedup import background
from onrecord.dedup.features import iso_day, weigh


class _Posting:
    """Article numbers and weights of one term, in growable numpy arrays."""

    __slots__ = ("idx", "n", "w")

    def __init__(self) -> None:
        self.idx = np.empty(4, dtype=np.int32)
        self.w = np.empty(4, dtype=np.float32)
        self.n = 0

    def append(self, j: int, weight: float, keep: int) -> None:
        """Append; once full beyond ``2 * keep`` entries, drop all but the last ``keep`` (never read)."""
        if self.n == len(self.idx):
            if self.n >= 2 * keep:
                self.idx[:keep] = self.idx[self.n - keep : self.n]
                self.w[:keep] = self.w[self.n - keep : self.n]
                self.n = keep
            else:
                self.idx = np.resize(self.idx, 2 * self.n)
                self.w = np.resize(self.w, 2 * self.n)
        self.idx[self.n] = j
        self.w[self.n] = weight
        self.n += 1

    def last(self, m: int) -> tuple[np.ndarray, np.ndarray]:
        lo = max(0, self.n - m)
        return self.idx[lo : self.n], self.w[lo : self.n]


class _Column:
    """A growable 1-D numpy array (amortised O(1) append, zero-copy view)."""

    __slots__ = ("data", "n")

    def __init__(self, dtype: type) -> None:
        self.data = np.empty(64, dtype=dtype)
        self.n = 0

    def append(self, value: float) -> None:
        if self.n == len(self.data):
            self.data = np.resize(self.data, 2 * self.n)
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
        max_postings: int = 1000,
        centroid: bool = True,
    ) -> None:
        self.centroid = centroid
        self.threshold = threshold
        self.dated_threshold = threshold if dated_threshold is None else dated_threshold
        self.day_window = day_window
        self.top_k = top_k
        self.entity_boost = entity_boost
        self.max_postings = max_postings
        bg_n, bg_df = background.load()
        self._n = bg_n  # background documents + indexed articles
        self._df: dict[str, int] = dict(bg_df)  # background + indexed document frequencies
        self._postings: dict[str, _Posting] = {}
        self._ids: list[str] = []
        self._days = _Column(np.float64)  # published day per indexed article, NaN when unknown
        self._story_of = _Column(np.int32)  # story number per indexed article
        self._story_ids: list[str] = []  # story number -> story id
        self._story_num: dict[str, int] = {}
        self._norm2 = _Column(np.float64)  # per story: squared norm of the sum of its vectors
        # (features, scores) of the last query, reused by the add() that follows it
        self._last: tuple[dict[str, Any], np.ndarray | None] | None = None

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
        weights: dict[str, float] = features["terms"]
        day: int | None = features.get("day")
        scores = self._scores(weights)
        self._last = (features, scores)
        if scores is None:
            return None
        n = len(scores)
        days = self._days.view(n)
        if day is None:
            in_window = np.zeros(n, dtype=bool)
            thresholds = np.full(n, self.threshold)
        else:
            dated = ~np.isnan(days)
            with np.errstate(invalid="ignore"):
                in_window = dated & (np.abs(days - day) <= self.day_window)
            thresholds = np.where(in_window, self.dated_threshold, np.where(dated, np.inf, self.threshold))
        best: StoryMatch | None = None
        passing = scores >= thresholds
        if passing.any():
            j = int(np.argmax(np.where(passing, scores, -1.0)))
            best = StoryMatch(self._ids[j], self._story_ids[self._story_of.data[j]], float(scores[j]))
        if self.centroid and in_window.any():
            story = self._best_story(scores, in_window)
            if story is not None and (best is None or story.score > best.score):
                best = story
        if best is None:
            return None
        return StoryMatch(best.article_id, best.story_id, round(best.score, 4))

    def _best_story(self, scores: np.ndarray, in_window: np.ndarray) -> StoryMatch | None:
        """Cosine with the sum of each story's members published within the window."""
        stories = self._story_of.view(len(scores))
        sums = np.bincount(stories[in_window], weights=scores[in_window])
        cos = sums / np.sqrt(self._norm2.view(len(sums)))
        k = int(np.argmax(cos))
        if cos[k] < self.dated_threshold:
            return None
        story_id = self._story_ids[k]
        return StoryMatch(story_id, story_id, float(cos[k]))

    def _scores(self, weights: dict[str, float]) -> np.ndarray | None:
        """Dot products with every indexed article sharing a term (numpy bincount)."""
        m = self.max_postings
        idx_parts: list[np.ndarray] = []
        w_parts: list[np.ndarray] = []
        for term, w in weights.items():
            posting = self._postings.get(term)
            if posting is None:
                continue
            idx, wts = posting.last(m)
            idx_parts.append(idx)
            w_parts.append(wts * w)
        if not idx_parts:
            return None
        return np.bincount(np.concatenate(idx_parts), weights=np.concatenate(w_parts))

    # -- indexing -----------------------------------------------------------
    def add(self, article_id: str, story_id: str, features: dict[str, Any]) -> None:
        weights: dict[str, float] = features["terms"]
        j = len(self._ids)
        k = self._grow_story(story_id, features)
        self._ids.append(article_id)
        self._story_of.append(k)
        day = features.get("day")
        self._days.append(np.nan if day is None else day)
        postings, df = self._postings, self._df
        for term, w in weights.items():
            posting = postings.get(term)
            if posting is None:
                posting = postings[term] = _Posting()
            posting.append(j, w, self.max_postings)
            df[term] = df.get(term, 0) + 1
        self._n += 1

    def _grow_story(self, story_id: str, features: dict[str, Any]) -> int:
        """Add a member's vector v to its story sum c: ||c + v||^2 = ||c||^2 + 2 c.v + ||v||^2.

        c.v comes from the posting lists (the scores of the query that preceded this add,
        or a fresh one when loading). Returns the story number.
        """
        last, self._last = self._last, None
        v2 = sum(w * w for w in features["terms"].values())
        k = self._story_num.get(story_id)
        if k is None:
            k = self._story_num[story_id] = len(self._story_ids)
            self._story_ids.append(story_id)
            self._norm2.append(v2)
            return k
        scores = last[1] if last is not None and last[0] is features else self._scores(features["terms"])
        cv = 0.0
        if scores is not None:
            members = self._story_of.view(len(scores)) == k
            cv = float(scores[members].sum())
        self._norm2.data[k] += 2 * cv + v2
        return k

    def __len__(self) -> int:
        return len(self._ids)
