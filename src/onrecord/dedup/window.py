"""Which articles the deduplicator keeps in memory: those of recently used days.

Articles are grouped by a day key: the published day when known, otherwise the
day they were ingested. Adding or matching an article at day ``d`` uses the days
``d - days .. d + days`` (the default 15: a month around it); the least recently
used days are dropped once more than ``2 * days + 1`` are held (a stream in date
order keeps its last month) or more than ``max_articles`` articles are, so
memory is bounded by the window, not the corpus. A backfill of old dates simply
makes its days the recently used ones.
"""

from __future__ import annotations

from collections import OrderedDict


class Window:
    def __init__(self, days: int = 15, max_articles: int = 50_000) -> None:
        if days < 1 or max_articles < 1:
            raise ValueError("days and max_articles must be positive")
        self.days = days
        self.max_articles = max_articles
        self.max_days = 2 * days + 1
        self._days: OrderedDict[int, list[str]] = OrderedDict()  # least recently used first
        self._count = 0

    def touch(self, day: int) -> None:
        """Mark the days around ``day`` as used (the match of an article at ``day``)."""
        held = self._days
        if len(held) <= self.max_days:
            keys = [k for k in held if abs(k - day) <= self.days]
        else:
            keys = [k for k in range(day - self.days, day + self.days + 1) if k in held]
        for k in sorted(keys, key=lambda k: abs(k - day), reverse=True):  # nearest days end most recent
            held.move_to_end(k)

    def add(self, article_id: str, day: int) -> list[str]:
        """Hold ``article_id`` under ``day``; returns the articles dropped to make room."""
        bucket = self._days.get(day)
        if bucket is None:
            bucket = self._days[day] = []
        self._days.move_to_end(day)
        bucket.append(article_id)
        self._count += 1
        dropped: list[str] = []
        while len(self._days) > 1 and (len(self._days) > self.max_days or self._count > self.max_articles):
            _, old = self._days.popitem(last=False)
            self._count -= len(old)
            dropped.extend(old)
        return dropped

    def __len__(self) -> int:
        return self._count

    def held_days(self) -> list[int]:
        return sorted(self._days)
