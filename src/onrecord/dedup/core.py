"""The deduplicator: exact copies, near-duplicates (MinHash LSH) and stories.

Near-duplicates: MinHash signatures of 3-word shingles (datasketch's ``affine32``
scheme, computed vectorised in :mod:`onrecord.dedup.minhash`), LSH banding tuned
for recall at the threshold (:func:`lsh_params`, :class:`~onrecord.dedup.lsh.BandIndex`),
then the estimated Jaccard decides. Stories: :mod:`onrecord.dedup.stories`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from onrecord.dedup import minhash
from onrecord.dedup.features import iso_day, raw_terms
from onrecord.dedup.lsh import BandIndex
from onrecord.dedup.stories import StoryIndex
from onrecord.dedup.window import Window
from onrecord.models import Article

DEFAULT_STORY_THRESHOLD = 0.35  # content alone (a date unknown)
DEFAULT_DATED_STORY_THRESHOLD = 0.10  # both dates known and within ``day_window`` days
DEFAULT_WINDOW_DAYS = 15  # days either side of an article (a month around it) that are held
DEFAULT_MAX_ARTICLES = 50_000  # articles held in memory at most (about 3 KiB each)


@dataclass
class DedupResult:
    """What the deduplicator decided about one article, and what to persist.

    ``kind``: ``new`` | ``exact`` | ``near``. ``duplicate_of``: the earliest copy's
    article id (``exact``: the stored article with this id; ``near``: the root of
    its near-duplicate group). ``similarity``: estimated Jaccard of word shingles
    against that copy (1.0 for exact). ``story_id``: id of the story's first
    article; ``new_story``: this article opened it. ``signature`` and
    ``story_features`` are the per-article state ``Deduplicator.load`` needs
    (``story_features`` is None for duplicates, which inherit their copy's story).
    ``repointed``: rare out-of-order case, a ``new`` article published *before*
    the near-duplicate group it matches becomes that group's root; the listed
    previously stored articles (id -> similarity) must now have
    ``duplicate_of`` = this article.
    """

    kind: str
    article_id: str
    duplicate_of: str | None = None
    similarity: float | None = None
    story_id: str | None = None
    new_story: bool = False
    signature: bytes = b""
    story_features: dict[str, Any] | None = None
    story_score: float | None = None
    published: str | None = None
    repointed: dict[str, float] = field(default_factory=dict)


@dataclass
class ArticleState:
    """Per-article dedup state as the store keeps it; feed these to ``load``."""

    article_id: str
    signature: bytes
    published: str | None = None
    duplicate_of: str | None = None  # near-duplicate root, None for an original
    story_id: str | None = None
    story_features: dict[str, Any] | None = None
    ingested: str | None = None  # ISO time of ingest: an undated article's place in the window

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ArticleState:
        """From a ``Store.dedup_states()`` row."""
        return cls(
            article_id=row["id"],
            signature=row["signature"] or b"",
            published=row["published"],
            duplicate_of=row["duplicate_of"],
            story_id=row["story_id"],
            story_features=row["story_features"],
            ingested=row.get("ingested_at"),
        )


@dataclass
class _Known:
    __slots__ = ("seq", "published", "root", "story_id")
    seq: int
    published: str | None
    root: str
    story_id: str


def lsh_params(threshold: float, num_perm: int, margin: float = 0.05) -> tuple[int, int]:
    """(bands, rows) with >= 99% chance of surfacing a pair at ``threshold - margin``.

    Candidates are checked against the estimated Jaccard afterwards, so LSH
    false positives only cost a comparison; datasketch's default optimiser
    (equal weights) would miss ~60% of pairs right at the threshold.
    """
    s = max(threshold - margin, 0.05)
    for r in range(num_perm // 2, 0, -1):
        b = num_perm // r
        if b >= 2 and 1 - (1 - s**r) ** b >= 0.99:
            return b, r
    return num_perm // 2, 2


class Deduplicator:
    """Exact / near-duplicate / story decisions for a stream of articles.

    ``add(article, body)`` takes the article and its normalised body
    (``onrecord.ingest.normalise_body``) and returns a :class:`DedupResult`.
    Only signatures (4 bytes x ``num_perm``), LSH band keys (12 bytes a band) and
    the story posting lists (8 bytes per kept term) are held, never texts:
    about 2-4 KiB per article, and only for the articles of the :class:`Window`
    (``window_days`` either side of the days recently added, at most
    ``max_articles``): an article finds near-duplicates and stories among those,
    so memory stays flat however large the corpus grows. ``load(states)``
    rebuilds the indexes from stored :class:`ArticleState` records, in the order
    they were first added (what falls outside the window is dropped again).
    """

    def __init__(
        self,
        num_perm: int = 128,
        near_threshold: float = 0.8,
        story_threshold: float = DEFAULT_STORY_THRESHOLD,
        dated_story_threshold: float = DEFAULT_DATED_STORY_THRESHOLD,
        shingle_size: int = minhash.DEFAULT_SHINGLE,
        day_window: int = 3,
        window_days: int = DEFAULT_WINDOW_DAYS,
        max_articles: int = DEFAULT_MAX_ARTICLES,
    ) -> None:
        self.num_perm = num_perm
        self.near_threshold = near_threshold
        self.shingle_size = shingle_size
        self._bands = BandIndex(*lsh_params(near_threshold, num_perm))
        self._sigs = np.empty((256, num_perm), dtype=np.uint32)  # row = _Known.seq
        self._order: list[str | None] = []  # seq -> article id, None once it left the window
        self._known: dict[str, _Known] = {}
        self._members: dict[str, list[str]] = {}  # root -> near-duplicates of it
        self.window = Window(window_days, max_articles)
        self._today = date.today().toordinal()  # undated articles are placed at their ingest day
        self.stories = StoryIndex(
            threshold=story_threshold, dated_threshold=dated_story_threshold, day_window=day_window
        )

    # -- public API ---------------------------------------------------------
    def add(self, article: Article, body: str) -> DedupResult:
        known = self._known.get(article.id)
        if known is not None:
            return self._exact(article.id, known)
        day = self._day_of(article.published, None)
        self.window.touch(day)
        hv = minhash.signature(body, self.num_perm, self.shingle_size)
        result = DedupResult(
            kind="new", article_id=article.id, signature=minhash.to_bytes(hv), published=article.published
        )
        matches = self._near_matches(hv)
        if matches:
            self._link_near(result, hv, matches)
        if result.kind == "new":
            self._assign_story(result, article, body)
        self._remember(result, hv)
        self._forget(self.window.add(article.id, day))
        return result

    def load(self, states: Iterable[ArticleState]) -> int:
        """Rebuild from stored states (first-seen order); returns how many were loaded."""
        n = 0
        for s in states:
            hv = minhash.from_bytes(s.signature) if s.signature else minhash.signature("", self.num_perm)
            if len(hv) != self.num_perm:
                raise ValueError(f"{s.article_id}: signature has {len(hv)} values, expected {self.num_perm}")
            root = s.duplicate_of or s.article_id
            story_id = s.story_id or self._story_of(root) or s.article_id
            result = DedupResult(
                kind="near" if s.duplicate_of else "new",
                article_id=s.article_id,
                duplicate_of=s.duplicate_of,
                story_id=story_id,
                signature=s.signature,
                story_features=s.story_features,
                published=s.published,
            )
            if s.story_features is not None:
                self.stories.add(s.article_id, story_id, s.story_features)
            self._remember(result, hv)
            self._forget(self.window.add(s.article_id, self._day_of(s.published, s.ingested)))
            n += 1
        return n

    def _day_of(self, published: str | None, ingested: str | None) -> int:
        return iso_day(published) or iso_day(ingested) or self._today

    def __len__(self) -> int:
        """Articles held (those of the window)."""
        return len(self._known)

    def __contains__(self, article_id: str) -> bool:
        return article_id in self._known

    # -- exact --------------------------------------------------------------
    def _exact(self, article_id: str, known: _Known) -> DedupResult:
        return DedupResult(
            kind="exact",
            article_id=article_id,
            duplicate_of=article_id,
            similarity=1.0,
            story_id=known.story_id,
            signature=minhash.to_bytes(self._sigs[known.seq]),
            published=known.published,
        )

    # -- near-duplicates ----------------------------------------------------
    def _near_matches(self, hv: np.ndarray) -> list[tuple[float, str]]:
        """(estimated Jaccard, article id) of the LSH candidates at or above the threshold."""
        if minhash.is_empty(hv) or not self._order:
            return []
        cands = self._bands.query(hv)
        if not cands:
            return []
        order = self._order
        rows = np.fromiter((i for i in sorted(cands) if order[i] is not None), dtype=np.int64)
        sims = np.count_nonzero(self._sigs[rows] == hv, axis=1) / len(hv)
        keep = sims >= self.near_threshold
        return [(float(sim), order[i] or "") for i, sim in zip(rows[keep].tolist(), sims[keep], strict=True)]

    def _sig_of(self, article_id: str) -> np.ndarray:
        return self._sigs[self._known[article_id].seq]

    def _link_near(self, result: DedupResult, hv: np.ndarray, matches: list[tuple[float, str]]) -> None:
        roots = {self._known[key].root for _, key in matches}
        held = [r for r in roots if r in self._known]
        if not held:  # the group's root has left the window: join it without the root's details
            first = self._known[min((key for _, key in matches), key=self._order_key)]
            result.similarity = round(max(sim for sim, _ in matches), 4)
            result.story_id = first.story_id
            result.kind = "near"
            result.duplicate_of = first.root
            return
        root = min(held, key=self._order_key)
        root_known = self._known[root]
        sim = minhash.jaccard(hv, self._sig_of(root))
        result.similarity = round(sim, 4)
        result.story_id = root_known.story_id
        if self._earlier(result.published, root_known):
            # Seen later but published first: this article becomes the group's root.
            group = [a for a in (root, *self._members.get(root, [])) if a in self._known]
            result.repointed = {a: round(minhash.jaccard(hv, self._sig_of(a)), 4) for a in group}
            return
        result.kind = "near"
        result.duplicate_of = root

    def _order_key(self, article_id: str) -> tuple[str, int]:
        k = self._known[article_id]
        return (k.published or "\uffff", k.seq)

    @staticmethod
    def _earlier(published: str | None, other: _Known) -> bool:
        return bool(published and other.published and published < other.published)

    # -- stories ------------------------------------------------------------
    def _assign_story(self, result: DedupResult, article: Article, body: str) -> None:
        features = self.stories.features(raw_terms(article, body), article.published)
        result.story_features = features
        if result.story_id is None:  # not already inherited from a repointed group
            match = self.stories.best_match(features)
            if match is None:
                result.story_id = article.id
                result.new_story = True
            else:
                result.story_id = match.story_id
                result.story_score = match.score
        self.stories.add(article.id, result.story_id, features)

    def _story_of(self, article_id: str) -> str | None:
        k = self._known.get(article_id)
        return k.story_id if k else None

    # -- bookkeeping --------------------------------------------------------
    def _remember(self, result: DedupResult, hv: np.ndarray) -> None:
        aid = result.article_id
        for old in result.repointed:
            if old in self._known:
                self._known[old].root = aid
            self._members.pop(old, None)
        if result.repointed:
            self._members[aid] = list(result.repointed)
        root = result.duplicate_of if result.kind == "near" else aid
        seq = len(self._order)
        if seq == len(self._sigs):
            self._sigs = np.resize(self._sigs, (2 * seq, self.num_perm))
        self._sigs[seq] = hv
        self._order.append(aid)
        self._known[aid] = _Known(seq, result.published, root or aid, result.story_id or aid)
        if result.kind == "near" and root and root in self._known:  # (a root may have left the window)
            self._members.setdefault(root, []).append(aid)
        if not minhash.is_empty(hv):
            self._bands.insert(seq, hv)

    def _forget(self, article_ids: list[str]) -> None:
        """Drop articles that left the window; rebuild the arrays once half of them are gone."""
        if not article_ids:
            return
        self.stories.remove(article_ids)
        for aid in article_ids:
            known = self._known.pop(aid, None)
            if known is None:
                continue
            self._order[known.seq] = None
            self._members.pop(aid, None)
        if len(self._order) - len(self._known) > max(len(self._known), 1024):
            self._compact()

    def _compact(self) -> None:
        """Renumber the held articles 0..n-1 and rebuild signatures and LSH bands from them."""
        held = sorted(self._known.items(), key=lambda item: item[1].seq)
        old = np.fromiter((k.seq for _, k in held), dtype=np.int64, count=len(held))
        sigs = self._sigs[old]
        self._order = []
        for i, (aid, k) in enumerate(held):
            self._order.append(aid)
            k.seq = i
        self._sigs = np.empty((max(256, 2 * len(held)), self.num_perm), dtype=np.uint32)
        self._sigs[: len(held)] = sigs
        for root in [r for r in self._members if r not in self._known]:
            del self._members[root]
        for root, members in self._members.items():
            self._members[root] = [m for m in members if m in self._known]
        self._bands = BandIndex(self._bands.bands, self._bands.rows, self._bands.min_buffer)
        full = ~(sigs == minhash.EMPTY).all(axis=1)
        self._bands.insert_many(np.flatnonzero(full).astype(np.int32), sigs[full])
