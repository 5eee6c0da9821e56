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

import math
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

    def append(self, j: int, weight: float) -> None:
        if self.n == len(self.idx):
            self.idx = np.resize(self.idx, 2 * self.n)
            self.w = np.resize(self.w, 2 * self.n)
        self.idx[self.n] = j
        self.w[self.n] = weight
        self.n += 1

    def last(self, m: int) -> tuple[np.ndarray, np.ndarray]:
        lo = max(0, self.n - m)
        return self.idx[lo : self.n], self.w[lo : self.n]


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
    ) -> None:
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
        self._days: list[int | None] = []
        self._ids: list[str] = []
        self._stories: list[str] = []

    # -- features -----------------------------------------------------------
    def idf(self, term: str) -> float:
        return math.log((self._n + 1) / (self._df.get(term, 0) + 1))

    def features(self, terms: Counter[str], published: str | None) -> dict[str, Any]:
        """JSON-serialisable story features of one article (what the store keeps)."""
        weights = weigh(terms, self._df, self._n, self.top_k, self.entity_boost)
        day = iso_day(published)
        return {"terms": weights, "day": day}

    # -- matching -----------------------------------------------------------
    def best_match(self, features: dict[str, Any]) -> StoryMatch | None:
        """The most similar indexed article allowed by the date window, if above threshold."""
        weights: dict[str, float] = features["terms"]
        day: int | None = features.get("day")
        scores = self._scores(weights)
        if scores is None:
            return None
        floor = min(self.threshold, self.dated_threshold)
        best: tuple[float, int] | None = None
        for j in np.flatnonzero(scores >= floor).tolist():
            score = float(scores[j])
            if score < self._threshold_for(day, self._days[j]):
                continue
            if best is None or score > best[0]:
                best = (score, j)
        if best is None:
            return None
        score, j = best
        return StoryMatch(self._ids[j], self._stories[j], round(score, 4))

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

    def _threshold_for(self, a: int | None, b: int | None) -> float:
        if a is None or b is None:
            return self.threshold
        return self.dated_threshold if abs(a - b) <= self.day_window else math.inf

    # -- indexing -----------------------------------------------------------
    def add(self, article_id: str, story_id: str, features: dict[str, Any]) -> None:
        weights: dict[str, float] = features["terms"]
        j = len(self._ids)
        self._ids.append(article_id)
        self._stories.append(story_id)
        self._days.append(features.get("day"))
        postings, df = self._postings, self._df
        for term, w in weights.items():
            posting = postings.get(term)
            if posting is None:
                posting = postings[term] = _Posting()
            posting.append(j, w)
            df[term] = df.get(term, 0) + 1
        self._n += 1

    def __len__(self) -> int:
        return len(self._ids)
