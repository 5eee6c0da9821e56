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
        self._days: list[int | None] = []
        self._ids: list[str] = []
        self._stories: list[str] = []
        self._story_norm2: dict[str, float] = {}  # squared norm of the sum of a story's vectors
        # (features, scores) of the last query, reused by the add() that follows it
        self._last: tuple[dict[str, Any], np.ndarray | None] | None = None

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
        floor = min(self.threshold, self.dated_threshold)
        best: tuple[float, int] | None = None
        for j in np.flatnonzero(scores >= floor).tolist():
            score = float(scores[j])
            if score < self._threshold_for(day, self._days[j]):
                continue
            if best is None or score > best[0]:
                best = (score, j)
        story_best = self._best_story(scores, day) if self.centroid else None
        if story_best is not None and (best is None or story_best[0] > best[0]):
            score, story = story_best
            return StoryMatch(story, story, round(score, 4))
        if best is None:
            return None
        score, j = best
        return StoryMatch(self._ids[j], self._stories[j], round(score, 4))

    def _best_story(self, scores: np.ndarray, day: int | None) -> tuple[float, str] | None:
        """Cosine with the sum of each story's dated members within the window."""
        if day is None:
            return None
        sums: dict[str, float] = {}
        days, stories, w = self._days, self._stories, self.day_window
        for j in np.flatnonzero(scores > 0).tolist():
            dj = days[j]
            if dj is not None and abs(dj - day) <= w:
                sums[stories[j]] = sums.get(stories[j], 0.0) + float(scores[j])
        best: tuple[float, str] | None = None
        for story, total in sums.items():
            c = total / math.sqrt(self._story_norm2[story])
            if c >= self.dated_threshold and (best is None or c > best[0]):
                best = (c, story)
        return best

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
        self._grow_story(story_id, features)
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

    def _grow_story(self, story_id: str, features: dict[str, Any]) -> None:
        """||c + v||^2 = ||c||^2 + 2 c.v + ||v||^2, with c.v from the posting lists."""
        norm2 = self._story_norm2.get(story_id)
        v2 = sum(w * w for w in features["terms"].values())
        if norm2 is None:
            self._last = None
            self._story_norm2[story_id] = v2
            return
        last, self._last = self._last, None
        scores = last[1] if last is not None and last[0] is features else self._scores(features["terms"])
        cv = self._story_dot(scores, story_id) if scores is not None else 0.0
        self._story_norm2[story_id] = norm2 + 2 * cv + v2

    def _story_dot(self, scores: np.ndarray, story_id: str) -> float:
        """Dot product of a query with the sum of a story's member vectors."""
        stories = self._stories
        return float(sum(scores[j] for j in np.flatnonzero(scores > 0).tolist() if stories[j] == story_id))

    def __len__(self) -> int:
        return len(self._ids)
