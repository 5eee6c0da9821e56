"""Reads: the store's answers to ``onrecord.queries`` filters, as typed pages of JSON-ready rows.

A page costs what it shows, not what matches: counts and pages are single statements that
use the indexes (speaker by ``quote_speakers``, statement, article, date), and nothing is
fetched per row of a page (no N+1).
"""

from __future__ import annotations

import json
import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Connection, Text, and_, cast, func, literal_column, or_, select, text
from sqlalchemy.dialects import sqlite

from onrecord.folding import fold
from onrecord.models import Article, Quote
from onrecord.queries import (
    ArticleFilter,
    ArticleRow,
    Page,
    Period,
    PeriodCount,
    QuoteFilter,
    QuoteRow,
    SearchResult,
    SpeakerRow,
    StatementFilter,
    StatementRow,
    StoryRow,
    Timeline,
    build_timeline,
    period_counts,
)
from onrecord.store import fulltext
from onrecord.store import schema as t
from onrecord.store.engine import StoreBase
from onrecord.store.rows import ARTICLE_FIELDS, QUOTE_FIELDS, article_from_row, article_row, quote_from_row, quote_row

_QUOTE_JOIN = t.quotes.join(t.articles, t.articles.c.id == t.quotes.c.article_id)
_QUOTE_COLUMNS = (
    t.quotes,
    t.articles.c.title.label("article_title"),
    t.articles.c.outlet,
    t.articles.c.published.label("article_date"),
)
_WHEN = t.quotes.c.quote_date  # said date, else the article's date (kept by the store, indexed)
_NAMED = sqlite.dialect(paramstyle="named")  # compiles a filter into the text of an FTS query
_REVISION = select(t.meta.c.key, t.meta.c.value).where(t.meta.c.key.in_(["revision", "changes", "linked"]))
SEARCH_CACHE_SIZE = 64  # search orders kept per process, per store revision of the full-text index
PAGE_CACHE_SIZE = 256  # whole search pages (a few kB each), the same way


# Set by a server around each request (a dict, so the worker thread's copy of the context shares it):
# ``{"stale": True}`` after a read answered from the previous revision (see ``KeyedCache``), so the
# response is not given a validator that would keep it as current.
SERVED_STALE: ContextVar[dict[str, bool] | None] = ContextVar("onrecord_served_stale", default=None)


class KeyedCache:
    """An LRU of read results by a key that starts with a revision (search orders and pages here,
    rendered pages in ``web``): a popular query is ranked once per index change, and threads asking
    for the same key at once wait for one computation instead of each ranking it (a burst of clients
    after every refresh of the index).

    With ``stale_ok``, threads that arrive while another computes a key answer at once with the
    same key's value at the previous revision, if there is one (stale while revalidating): on a
    large store one page can take a second to rank, and every refresh of the index would otherwise
    queue all clients behind it. They mark ``SERVED_STALE``.
    """

    def __init__(self, size: int = SEARCH_CACHE_SIZE) -> None:
        self._items: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._latest: OrderedDict[tuple[Any, ...], Any] = OrderedDict()  # key without its revision -> value
        self._size = size
        self._lock = threading.Lock()
        self._computing: dict[tuple[Any, ...], threading.Lock] = {}

    def get(self, key: tuple[Any, ...]) -> Any:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple[Any, ...], value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
            self._latest[key[1:]] = value
            self._latest.move_to_end(key[1:])
            while len(self._latest) > self._size:
                self._latest.popitem(last=False)

    def get_or_compute(self, key: tuple[Any, ...], compute: Callable[[], Any], *, stale_ok: bool = False) -> Any:
        found = self.get(key)
        if found is not None:
            return found
        with self._lock:
            gate = self._computing.setdefault(key, threading.Lock())
            older = self._latest.get(key[1:]) if stale_ok else None
        if older is not None and not gate.acquire(blocking=False):
            mark = SERVED_STALE.get()
            if mark is not None:
                mark["stale"] = True
            return older
        if older is None:
            gate.acquire()
        try:
            found = self.get(key)  # computed by the thread that held the gate
            if found is None:
                found = compute()
                self.put(key, found)
        finally:
            gate.release()
        with self._lock:
            if self._computing.get(key) is gate:
                del self._computing[key]
        return found


def story_evidence(first: Any, other: Any, shown: int = 8) -> dict[str, Any] | None:
    """Why an article sits in a story: the cosine of its story features with the story's first
    article's, the terms that carry it (heaviest first; ``e:`` marks names), and the days apart."""
    if isinstance(first, str):
        first = json.loads(first)
    if isinstance(other, str):
        other = json.loads(other)
    if not isinstance(first, dict) or not isinstance(other, dict):
        return None
    a, b = first.get("terms") or {}, other.get("terms") or {}
    shared = sorted(((a[k] * b[k], k) for k in a.keys() & b.keys()), reverse=True)
    days = abs(first["day"] - other["day"]) if first.get("day") is not None and other.get("day") is not None else None
    return {
        "score": round(sum(w for w, _ in shared), 3),
        "shared": [k.removeprefix("e:") for _, k in shared[:shown]],
        "days": days,
    }


def _newest_first(dialect: str) -> tuple[Any, ...]:
    # ix_quotes_date holds this order; SQLite already puts NULLs last when descending.
    return (_WHEN.desc().nulls_last() if dialect == "postgresql" else _WHEN.desc(), t.quotes.c.id)


def _needs_articles(flt: QuoteFilter) -> bool:
    return bool(flt.outlet)


class Reads(StoreBase):
    def __init__(self, db: str | None = None, *, create: bool = True) -> None:
        super().__init__(db, create=create)
        self._search_cache = KeyedCache()
        self._page_cache = KeyedCache(PAGE_CACHE_SIZE)

    # ------------------------------------------------------------ revision
    def revision(self) -> str:
        """Changes whenever anything a reader sees may have changed: the key of HTTP caching."""
        with self.engine.connect() as conn:
            values = dict(conn.execute(_REVISION).all())
        return ".".join(values.get(k, "0") for k in ("revision", "changes", "linked"))

    def derived_revision(self) -> int:
        """Changes whenever what linking derived, or a stored quote, may read differently: each
        link result written, each quote replaced, each refresh of the search index. A new article
        alone leaves it (its quotes join speakers and statements at the next link), so pages
        built from linked data (a speaker's page) stay cached while an ingest runs."""
        with self.engine.connect() as conn:
            return fulltext.search_revision(conn)

    # ------------------------------------------------------------ articles
    def dedup_states(self, recent: int | None = None) -> Iterator[dict[str, Any]]:
        """What the deduplicator persisted, oldest first, without the texts.

        ``recent``: only the last ``recent`` articles ingested (the deduplicator holds a bounded
        window, so an ingest needs no more than that; still oldest first).
        """
        cols = [
            t.articles.c.id,
            t.articles.c.published,
            t.articles.c.duplicate_of,
            t.articles.c.story_id,
            t.articles.c.signature,
            t.articles.c.story_features,
            t.articles.c.seq,
            t.articles.c.ingested_at,
        ]
        query = select(*cols).order_by(t.articles.c.seq)
        if recent is not None:
            last = select(t.articles.c.seq).order_by(t.articles.c.seq.desc()).limit(1).offset(max(recent, 1) - 1)
            query = query.where(t.articles.c.seq >= func.coalesce(last.scalar_subquery(), 0))
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                yield dict(row._mapping)

    def iter_articles(self, batch: int = 200, *, texts: bool = True) -> Iterator[Article]:
        """Every stored article as an ``Article``, streamed in ingest order (``texts=False``: with
        ``text == ""``; ``article_text`` reads one)."""
        fields = ARTICLE_FIELDS if texts else tuple(f for f in ARTICLE_FIELDS if f != "text")
        last = 0
        while True:
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(*(t.articles.c[f] for f in fields), t.articles.c.seq)
                    .where(t.articles.c.seq > last)
                    .order_by(t.articles.c.seq)
                    .limit(batch)
                ).all()
            if not rows:
                return
            for row in rows:
                yield article_from_row(row._mapping)
            last = rows[-1]._mapping["seq"]

    def article_text(self, article_id: str) -> str:
        with self.engine.connect() as conn:
            return conn.execute(select(t.articles.c.text).where(t.articles.c.id == article_id)).scalar_one()

    def iter_article_quotes(self, *, texts: bool = True) -> Iterator[tuple[Article, list[Quote]]]:
        """Every article with its stored quotes, for linking; streamed (``texts``: as in ``iter_articles``)."""
        batch: list[Article] = []
        for article in self.iter_articles(texts=texts):
            batch.append(article)
            if len(batch) >= 200:
                yield from self._with_quotes(batch)
                batch = []
        yield from self._with_quotes(batch)

    def _with_quotes(self, articles: list[Article]) -> Iterator[tuple[Article, list[Quote]]]:
        """The articles with their quotes, read in one query (in article order, each by start)."""
        if not articles:
            return
        quotes: dict[str, list[Quote]] = {a.id: [] for a in articles}
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(*(t.quotes.c[f] for f in QUOTE_FIELDS))
                .where(t.quotes.c.article_id.in_(list(quotes)))
                .order_by(t.quotes.c.article_id, t.quotes.c.start, t.quotes.c.id)
            )
            for r in rows:
                quotes[r.article_id].append(quote_from_row(r._mapping))
        for a in articles:
            yield a, quotes[a.id]

    def count(self, what: str = "articles") -> int:
        table = {
            "articles": t.articles,
            "quotes": t.quotes,
            "speakers": t.speakers,
            "statements": t.statements,
            "sightings": t.sightings,
        }[what]
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(table)).scalar_one()

    def stats(self) -> dict[str, int]:
        return {k: self.count(k) for k in ("articles", "sightings", "quotes", "speakers", "statements")}

    def resolve_article_id(self, ref: str) -> str | None:
        """An id, or an unambiguous prefix of one."""
        with self.engine.connect() as conn:
            ids = conn.execute(
                select(t.articles.c.id).where(t.articles.c.id.like(like_escape(ref) + "%", escape="\\")).limit(2)
            ).all()
        if len(ids) == 1:
            return ids[0][0]
        exact = [r[0] for r in ids if r[0] == ref]
        return exact[0] if exact else None

    def get_article(self, ref: str, *, with_quotes: bool = True) -> ArticleRow | None:
        article_id = self.resolve_article_id(ref)
        if article_id is None:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(select(t.articles).where(t.articles.c.id == article_id)).first()
            seen = conn.execute(
                select(t.sightings.c.source_path, t.sightings.c.source_record, t.sightings.c.seen_at)
                .where(t.sightings.c.article_id == article_id)
                .order_by(t.sightings.c.id)
            ).all()
            dups = conn.execute(
                select(t.articles.c.id, t.articles.c.outlet, t.articles.c.similarity).where(
                    t.articles.c.duplicate_of == article_id
                )
            ).all()
        if row is None:
            return None
        d: ArticleRow = article_row(row._mapping)  # type: ignore[assignment]
        d["seen_in"] = [{"source_path": p, "source_record": r or None, "seen_at": s} for p, r, s in seen]
        d["near_duplicates"] = [{"id": i, "outlet": o, "similarity": s} for i, o, s in dups]
        if with_quotes:
            d["quotes"] = self.list_quotes(QuoteFilter(article_id=article_id), limit=100_000).items
        return d

    def list_articles(self, flt: ArticleFilter | None = None, *, limit: int = 50, offset: int = 0) -> Page[ArticleRow]:
        flt = flt or ArticleFilter()
        conds = []
        if flt.outlet:
            conds.append(func.lower(t.articles.c.outlet) == flt.outlet.lower())
        if flt.story_id:
            conds.append(t.articles.c.story_id == flt.story_id)
        if flt.since:
            conds.append(t.articles.c.published >= flt.since)
        if flt.until:
            conds.append(t.articles.c.published <= until_bound(flt.until))
        where = and_(*conds) if conds else text("1=1")
        with self.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(t.articles).where(where)).scalar_one()
            rows = conn.execute(
                select(t.articles).where(where).order_by(t.articles.c.seq).limit(limit).offset(offset)
            ).all()
            counts = dict(
                conn.execute(
                    select(t.quotes.c.article_id, func.count())
                    .where(t.quotes.c.article_id.in_([r._mapping["id"] for r in rows]))
                    .group_by(t.quotes.c.article_id)
                ).all()
            )
        items: list[ArticleRow] = []
        for r in rows:
            d: ArticleRow = article_row(r._mapping)  # type: ignore[assignment]
            d["quote_count"] = counts.get(d["id"], 0)
            items.append(d)
        return Page(items, total, limit, offset)

    # ------------------------------------------------------------- stories
    def list_stories(self, *, limit: int = 50, offset: int = 0, min_size: int = 1) -> Page[StoryRow]:
        size = func.count().label("size")
        with self.engine.connect() as conn:
            q = (
                select(t.articles.c.story_id, size, func.min(t.articles.c.seq).label("first"))
                .where(t.articles.c.story_id.is_not(None))
                .group_by(t.articles.c.story_id)
                .having(func.count() >= min_size)
            )
            total = conn.execute(
                select(func.count(func.distinct(t.articles.c.story_id)))
                if min_size <= 1
                else select(func.count()).select_from(q.subquery())
            ).scalar_one()
            ids = [g[0] for g in conn.execute(q.order_by(text("first")).limit(limit).offset(offset)).all()]
            stories = self._stories(conn, ids)
        return Page([stories[i] for i in ids if i in stories], total, limit, offset)

    def get_story(self, story_id: str) -> StoryRow | None:
        with self.engine.connect() as conn:
            return self._stories(conn, [story_id]).get(story_id)

    @staticmethod
    def _stories(conn: Connection, story_ids: list[str]) -> dict[str, StoryRow]:
        """Stories with their articles, two statements for any number of stories."""
        if not story_ids:
            return {}
        a = t.articles.c
        rows = conn.execute(
            select(a.story_id, a.id, a.title, a.outlet, a.published, a.duplicate_of, a.similarity, a.source_path,
                   a.story_features)
            .where(a.story_id.in_(story_ids))
            .order_by(a.seq)
        ).all()  # fmt: skip
        seen = dict(
            conn.execute(
                select(t.sightings.c.article_id, func.count())
                .where(t.sightings.c.article_id.in_([r.id for r in rows]))
                .group_by(t.sightings.c.article_id)
            ).all()
        )
        members: dict[str, list[dict[str, Any]]] = {}
        features: dict[str, Any] = {}
        for r in rows:
            m = dict(r._mapping)
            sid = m.pop("story_id")
            feats = m.pop("story_features")
            if sid not in features:
                features[sid] = feats  # the first article: what later ones were matched against
            why = story_evidence(features[sid], feats) if members.get(sid) and not m["duplicate_of"] else None
            members.setdefault(sid, []).append(m | {"copies_seen": seen.get(m["id"], 1), "why": why})
        out: dict[str, StoryRow] = {}
        for sid, arts in members.items():
            out[sid] = {
                "id": sid,
                "title": arts[0]["title"],
                "size": len(arts),
                "outlets": sorted({x["outlet"] for x in arts if x["outlet"]}),
                "first_published": min((x["published"] for x in arts if x["published"]), default=None),
                "articles": arts,
            }
        return out

    # -------------------------------------------------------------- quotes
    def _quote_where(self, conn: Connection, flt: QuoteFilter, *, text_match: bool = True) -> Any:
        """The WHERE clause of every quote read, from one filter."""
        q = t.quotes.c
        conds: list[Any] = []
        if flt.article_id:
            conds.append(q.article_id == flt.article_id)
        if flt.speaker:
            keys = self._speaker_keys(conn, flt.speaker)
            if keys:  # a known speaker: the linked quotes, from the index (new quotes join at the next link)
                conds.append(q.id.in_(
                    select(t.quote_speakers.c.quote_id).where(t.quote_speakers.c.speaker_key.in_(keys))
                ))
            else:  # part of a name, or a speaker not linked yet: the names extraction gave
                conds.append(contains(q.speaker_names, flt.speaker))
        if flt.organisation:
            conds.append(contains(cast(q.organisations, Text), flt.organisation))
        if flt.outlet:
            conds.append(func.lower(t.articles.c.outlet) == flt.outlet.lower())
        if flt.topic:
            conds.append(contains(cast(q.topics, Text), flt.topic))
        if flt.since:
            conds.append(_WHEN >= flt.since)
        if flt.until:
            conds.append(_WHEN <= until_bound(flt.until))
        if flt.kind:
            conds.append(q.kind == flt.kind)
        if flt.act:
            conds.append(q.act == flt.act)
        if flt.statement_id:
            conds.append(q.statement_id == flt.statement_id)
        if flt.drift is not None:
            drifting = q.statement_id.in_(select(t.statements.c.id).where(t.statements.c.drift.is_(True)))
            conds.append(drifting if flt.drift else or_(q.statement_id.is_(None), ~drifting))
        if flt.q and text_match:
            if self.is_sqlite:
                conds.append(q.id.in_(fulltext.ranked_quote_ids(conn, flt.q)))
            else:
                words = fulltext.fts_query(flt.q)
                matched = text("quotes.content_tsv @@ websearch_to_tsquery('simple', :words)")
                conds.append(matched.bindparams(words=words))
        return and_(*conds) if conds else text("1=1")

    def _one_speaker(self, conn: Connection, flt: QuoteFilter) -> Any:
        """For a filter of one known speaker (and dates), the WHERE over ``quote_speakers`` that answers it
        from its own indexes (the speaker page); else None."""
        if not flt.speaker or set(flt.as_dict()) - {"speaker", "since", "until"}:
            return None
        keys = self._speaker_keys(conn, flt.speaker)
        if len(keys) != 1:
            return None
        qs = t.quote_speakers.c
        conds = [qs.speaker_key == keys[0]]
        if flt.since:
            conds.append(qs.quote_date >= flt.since)
        if flt.until:
            conds.append(qs.quote_date <= until_bound(flt.until))
        return and_(*conds)

    def list_quotes(self, flt: QuoteFilter | None = None, *, limit: int = 50, offset: int = 0) -> Page[QuoteRow]:
        """Quotes newest first (an article's quotes in text order; a text query's by rank)."""
        flt = flt or QuoteFilter()
        if flt.q:
            found = self.search(flt.q, flt, limit=limit, offset=offset, with_articles=False, other_reports=False)
            return found.quotes
        with self.engine.connect() as conn:
            speaker_only = self._one_speaker(conn, flt)
            if speaker_only is not None:
                # Linked data only: kept per derived revision, like search pages (a speaker's listing
                # is the most asked-for page while an ingest adds articles that link only later).
                key = (fulltext.search_revision(conn), "speaker", flt.cache_key(), limit, offset)
                found = self._page_cache.get_or_compute(
                    key, lambda: self._speaker_quotes(conn, speaker_only, limit, offset)
                )
                return Page([dict(r) for r in found.items], found.total, limit, offset)  # type: ignore[misc]
            where = self._quote_where(conn, flt)
            counted = _QUOTE_JOIN if _needs_articles(flt) else t.quotes  # every quote has its article
            total = conn.execute(select(func.count()).select_from(counted).where(where)).scalar_one()
            order = (t.quotes.c.start,) if flt.article_id else _newest_first(conn.dialect.name)
            # Sort narrow rows (ids), then read the page's full rows: the sort never carries the texts.
            ids = conn.execute(
                select(t.quotes.c.id).select_from(counted).where(where).order_by(*order).limit(limit).offset(offset)
            ).scalars().all()
            rows = self.get_quotes(ids, conn=conn)
        return Page([rows[i] for i in ids if i in rows], total, limit, offset)

    def _speaker_quotes(self, conn: Connection, speaker_only: Any, limit: int, offset: int) -> Page[QuoteRow]:
        qs = t.quote_speakers.c
        newest = qs.quote_date.desc()
        if conn.dialect.name == "postgresql":
            newest = newest.nulls_last()
        total = conn.execute(select(func.count()).select_from(t.quote_speakers).where(speaker_only)).scalar_one()
        ids = conn.execute(
            select(qs.quote_id).where(speaker_only).order_by(newest, qs.quote_id).limit(limit).offset(offset)
        ).scalars().all()
        rows = self.get_quotes(ids, conn=conn)
        return Page([rows[i] for i in ids if i in rows], total, limit, offset)

    def quotes_after(self, flt: QuoteFilter, after: tuple[str | None, str] | None, *, limit: int) -> list[QuoteRow]:
        """Keyset page in the newest-first order: the quotes after (date, id) ``after``, not by offset."""
        with self.engine.connect() as conn:
            where = self._quote_where(conn, flt)
            if after is not None:
                when, qid = after
                if when is None:  # undated ones come last, by id
                    where = and_(where, _WHEN.is_(None), t.quotes.c.id > qid)
                else:
                    where = and_(
                        where,
                        or_(_WHEN < when, and_(_WHEN == when, t.quotes.c.id > qid), _WHEN.is_(None)),
                    )
            rows = conn.execute(
                select(*_QUOTE_COLUMNS).select_from(_QUOTE_JOIN).where(where)
                .order_by(*_newest_first(conn.dialect.name)).limit(limit)
            ).all()
        return [quote_row(r._mapping) for r in rows]

    def get_quote(self, quote_id: str) -> QuoteRow | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(*_QUOTE_COLUMNS).select_from(_QUOTE_JOIN).where(t.quotes.c.id == quote_id)
            ).first()
        return quote_row(row._mapping) if row else None

    def get_quotes(self, quote_ids: Iterable[str], *, conn: Connection | None = None) -> dict[str, QuoteRow]:
        """Quotes by id (with their article's title, outlet and date), in one statement."""
        wanted = list(dict.fromkeys(quote_ids))
        if not wanted:
            return {}
        if conn is None:
            with self.engine.connect() as own:
                return self.get_quotes(wanted, conn=own)
        rows = conn.execute(select(*_QUOTE_COLUMNS).select_from(_QUOTE_JOIN).where(t.quotes.c.id.in_(wanted))).all()
        return {r._mapping["id"]: quote_row(r._mapping) for r in rows}

    def quote_ids(self, flt: QuoteFilter) -> set[str]:
        """Ids of every quote the filter admits (semantic search ranks within them)."""
        with self.engine.connect() as conn:
            where = self._quote_where(conn, flt)
            return {r[0] for r in conn.execute(select(t.quotes.c.id).select_from(_QUOTE_JOIN).where(where))}

    def timeline(self, flt: QuoteFilter, *, group: Period = "month", limit: int = 10_000) -> Timeline:
        """Quotes in date order grouped by day, week, month or year, one point per statement."""
        return build_timeline(self.list_quotes(flt, limit=limit).items, group)

    def quote_period_counts(self, flt: QuoteFilter, *, group: Period = "month") -> list[PeriodCount]:
        """Dated statements per period, oldest first, counted as ``timeline`` counts: a statement
        reported several times counts once, at its earliest date. Counted by the database."""
        with self.engine.connect() as conn:
            speaker_only = self._one_speaker(conn, flt)
            if speaker_only is not None:  # from ix_quote_speakers_periods alone
                qs = t.quote_speakers.c
                first = (
                    select(qs.statement_key.label("k"), func.min(qs.quote_date).label("d"))
                    .where(speaker_only, qs.quote_date.is_not(None))
                    .group_by(qs.statement_key)
                    .subquery()
                )
            else:
                where = self._quote_where(conn, flt)
                source = _QUOTE_JOIN if _needs_articles(flt) else t.quotes
                first = (
                    select(func.coalesce(t.quotes.c.statement_id, t.quotes.c.id).label("k"),
                           func.min(_WHEN).label("d"))
                    .select_from(source)
                    .where(where, _WHEN.is_not(None))
                    .group_by(text("k"))
                    .subquery()
                )
            if group == "week":  # ISO weeks: bucketed here (SQLite before 3.46 has no %V)
                rows = conn.execute(select(first.c.d, first.c.k)).all()
                return period_counts(((d, k, k) for d, k in rows), group)
            width = {"day": 10, "month": 7, "year": 4}[group]
            period = func.substr(first.c.d, 1, width).label("period")
            rows = conn.execute(select(period, func.count()).group_by(period).order_by(period)).all()
        return [{"period": p, "count": n} for p, n in rows]

    # -------------------------------------------------------------- search
    def search(
        self, query: str, flt: QuoteFilter | None = None, *, limit: int = 20, offset: int = 0,
        with_articles: bool = True, other_reports: bool = True,
    ) -> SearchResult:
        """Ranked full-text search over quotes (and articles) with highlighted snippets.

        SQLite: FTS5, each hit followed by the other reports of its statement (unless not
        ``other_reports``); PostgreSQL: its tsvector index, in the same order rules. The order
        of all matches, and each page asked for, are computed once per change of the index
        (``fulltext.search_revision``) and kept; a page then reads only its own rows.
        """
        flt = (flt or QuoteFilter()).replace(q=None)
        fq = fulltext.fts_query(query)
        if not fq:
            return SearchResult(query, Page([], 0, limit, offset), [])
        with self.engine.connect() as conn:
            # One page per index change: the key holds everything the page depends on.
            key = (fulltext.search_revision(conn), fq, flt.cache_key(), limit, offset, with_articles, other_reports)
            if self.is_sqlite:
                found = self._page_cache.get_or_compute(
                    key, lambda: self._search_page(conn, query, fq, flt, limit, offset, with_articles, other_reports),
                    stale_ok=True,
                )
            else:
                found = self._page_cache.get_or_compute(
                    key, lambda: self._pg_search(conn, query, fq, flt, limit=limit, offset=offset,
                                                 other_reports=other_reports),
                    stale_ok=True,
                )
        # Callers may annotate the rows they get; the cached ones stay as computed.
        page = found.quotes
        return SearchResult(
            query,
            Page([dict(r) for r in page.items], page.total, page.limit, page.offset),  # type: ignore[misc]
            [dict(a) for a in found.articles],
        )

    def _search_page(
        self, conn: Connection, query: str, fq: str, flt: QuoteFilter, limit: int, offset: int,
        with_articles: bool, other_reports: bool,
    ) -> SearchResult:
        rowid = literal_column("quotes.rowid")
        if flt or not other_reports:
            order = self._search_order(conn, fq, flt, other_reports)
            page_ids, total = order[offset : offset + limit].tolist(), len(order)
        else:  # the common case: no filter, so only the page's statements are read
            ranked = self._ranked_hits(conn, fq)
            page_ids, total = fulltext.page_of(conn, ranked, limit=limit, offset=offset), ranked.total
        rids = [abs(r) for r in page_ids]
        rows = conn.execute(
            select(rowid.label("_rowid"), *_QUOTE_COLUMNS).select_from(_QUOTE_JOIN).where(rowid.in_(rids))
        ).all() if rids else []
        snips = fulltext.quote_snippets(conn, fq, rids)
        articles = self._article_hits(conn, fq, limit) if with_articles else []
        by_rowid = {r._mapping["_rowid"]: r._mapping for r in rows}
        items: list[QuoteRow] = []
        for signed in page_ids:
            rid = abs(signed)
            if rid not in by_rowid:  # deleted since the order was computed (a reprocess in between)
                continue
            m = dict(by_rowid[rid])
            m.pop("_rowid")
            d = quote_row(m)
            d["snippet"] = snips.get(rid)
            # A report of a matching statement printed in other words (another translation).
            d["matched_via"] = "text" if signed > 0 else "statement"
            items.append(d)
        return SearchResult(query, Page(items, total, limit, offset), articles)

    def _ranked_hits(self, conn: Connection, fq: str) -> fulltext.RankedHits:
        key = (fulltext.search_revision(conn), "ranked", fq)
        ranked = self._search_cache.get(key)
        if ranked is None:
            ranked = fulltext.ranked_hits(conn, fq)
            self._search_cache.put(key, ranked)
        return ranked

    def _pg_search(
        self, conn: Connection, query: str, fq: str, flt: QuoteFilter, *, limit: int, offset: int,
        other_reports: bool,
    ) -> SearchResult:
        """PostgreSQL: the tsvector index ranks (``ts_rank``), in the same order rules as FTS5."""
        key = (fulltext.search_revision(conn), "pg", fq, other_reports, flt.cache_key())
        order = self._search_cache.get(key)
        if order is None:
            order = fulltext.pg_search_order(conn, fq, other_reports=other_reports)
            if flt:
                ids = [qid for qid, _ in order]
                kept = set(conn.execute(
                    select(t.quotes.c.id).select_from(_QUOTE_JOIN)
                    .where(self._quote_where(conn, flt), t.quotes.c.id.in_(ids))
                ).scalars())
                order = [(qid, direct) for qid, direct in order if qid in kept]
            self._search_cache.put(key, order)
        page = order[offset : offset + limit]
        rows = self.get_quotes([qid for qid, _ in page], conn=conn)
        snips = fulltext.pg_snippets(conn, fq, [qid for qid, _ in page])
        items: list[QuoteRow] = []
        for qid, direct in page:
            if qid in rows:
                d = rows[qid]
                d["snippet"] = snips.get(qid)
                d["matched_via"] = "text" if direct else "statement"
                items.append(d)
        return SearchResult(query, Page(items, len(order), limit, offset), [])

    def _article_hits(self, conn: Connection, fq: str, limit: int) -> list[dict[str, Any]]:
        key = (fulltext.search_revision(conn), "articles", fq, limit)
        hits = self._search_cache.get(key)
        if hits is None:
            hits = fulltext.article_hits(conn, fq, limit)
            self._search_cache.put(key, hits)
        return [dict(h) for h in hits]

    def _search_order(self, conn: Connection, fq: str, flt: QuoteFilter, other_reports: bool) -> array[int]:
        """All matches in search order, filtered; from the cache while the index is unchanged."""
        revision = fulltext.search_revision(conn)
        key = (revision, fq, other_reports, flt.cache_key())
        found = self._search_cache.get(key)
        if found is not None:
            return found
        base_key = (revision, fq, other_reports, ())
        order = self._search_cache.get(base_key)
        if order is None:
            order = fulltext.search_order(conn, fq, other_reports=other_reports)
            self._search_cache.put(base_key, order)
        if flt:
            compiled = self._quote_where(conn, flt).compile(dialect=_NAMED, compile_kwargs={"render_postcompile": True})
            keep = fulltext.filtered_positions(conn, order, str(compiled), dict(compiled.params))
            order = array("q", (order[i] for i in keep))
            self._search_cache.put(key, order)
        return order

    # ------------------------------------------------------------ speakers
    @staticmethod
    def _speaker_keys(conn: Connection, name: str) -> list[str]:
        rows = conn.execute(
            select(t.speaker_aliases.c.speaker_key).where(t.speaker_aliases.c.folded == fold(name)).distinct()
        ).all()
        return sorted(r[0] for r in rows)

    def speaker_keys_matching(self, name: str) -> list[str]:
        """Keys of speakers whose key, name or any alias equals ``name`` (case and accents folded)."""
        with self.engine.connect() as conn:
            return self._speaker_keys(conn, name)

    def list_speakers(self, *, limit: int = 100, offset: int = 0, q: str | None = None) -> Page[SpeakerRow]:
        conds = []
        if q:
            named = select(t.speaker_aliases.c.speaker_key).where(contains(t.speaker_aliases.c.folded, fold(q)))
            conds.append(t.speakers.c.key.in_(named))
        where = and_(*conds) if conds else text("1=1")
        with self.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(t.speakers).where(where)).scalar_one()
            rows = conn.execute(
                select(t.speakers)
                .where(where)
                .order_by(t.speakers.c.quote_count.desc(), t.speakers.c.name)
                .limit(limit)
                .offset(offset)
            ).all()
        return Page([dict(r._mapping) for r in rows], total, limit, offset)  # type: ignore[misc]

    def get_speaker(self, ref: str) -> SpeakerRow | None:
        """A speaker by key, or by a name or alias only one speaker has; with roles and statement count."""
        with self.engine.connect() as conn:
            row = conn.execute(select(t.speakers).where(t.speakers.c.key == ref)).first()
            if row is None:
                keys = self._speaker_keys(conn, ref)
                if len(keys) != 1:
                    return None
                row = conn.execute(select(t.speakers).where(t.speakers.c.key == keys[0])).first()
                if row is None:
                    return None
            d: SpeakerRow = dict(row._mapping)  # type: ignore[assignment]
            d["roles"] = [
                dict(r._mapping)
                for r in conn.execute(
                    select(t.roles).where(t.roles.c.speaker_key == d["key"]).order_by(t.roles.c.start)
                )
            ]
            d["statement_count"] = conn.execute(
                select(func.count()).select_from(t.statements).where(t.statements.c.speaker_key == d["key"])
            ).scalar_one()
        return d

    def speaker_outlets(self, key: str) -> list[str]:
        """The outlets that quoted a speaker."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.articles.c.outlet).distinct().select_from(_QUOTE_JOIN).where(
                    t.quotes.c.id.in_(select(t.quote_speakers.c.quote_id).where(t.quote_speakers.c.speaker_key == key)),
                    t.articles.c.outlet.is_not(None),
                )
            ).all()
        return sorted(r[0] for r in rows)

    def list_roles(self, *, title: str | None = None) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            stmt = select(t.roles).order_by(t.roles.c.title, t.roles.c.start)
            if title:
                stmt = stmt.where(contains(t.roles.c.title, title))
            return [dict(r._mapping) for r in conn.execute(stmt)]

    # ---------------------------------------------------------- statements
    def list_statements(
        self, flt: StatementFilter | None = None, *, limit: int = 50, offset: int = 0
    ) -> Page[StatementRow]:
        flt = flt or StatementFilter()
        conds = [t.statements.c.report_count >= flt.min_reports] if flt.min_reports > 1 else []
        with self.engine.connect() as conn:
            if flt.speaker:
                keys = self._speaker_keys(conn, flt.speaker) or [flt.speaker]
                conds.append(t.statements.c.speaker_key.in_(keys))
            if flt.drift is not None:
                conds.append(t.statements.c.drift.is_(flt.drift))
            where = and_(*conds) if conds else text("1=1")
            total = conn.execute(select(func.count()).select_from(t.statements).where(where)).scalar_one()
            newest = t.statements.c.date.desc()  # ix_statements_date; NULLs last on both backends
            rows = conn.execute(
                select(t.statements)
                .where(where)
                .order_by(newest.nulls_last() if conn.dialect.name == "postgresql" else newest, t.statements.c.id)
                .limit(limit)
                .offset(offset)
            ).all()
        return Page([dict(r._mapping) for r in rows], total, limit, offset)  # type: ignore[misc]

    def get_statement(self, statement_id: str) -> StatementRow | None:
        """A statement by id or unique prefix."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.statements)
                .where(t.statements.c.id.like(like_escape(statement_id) + "%", escape="\\"))
                .limit(2)
            ).all()
        if len(rows) != 1:
            return None
        return dict(rows[0]._mapping)  # type: ignore[return-value]

    def statement_summaries(self, ids: Iterable[str | None]) -> dict[str, StatementRow]:
        """id → {id, speaker_key, speaker_name, date, drift, report_count, text}, without the reports."""
        wanted = list(dict.fromkeys(i for i in ids if i))
        if not wanted:
            return {}
        c = t.statements.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(c.id, c.speaker_key, c.speaker_name, c.date, c.drift, c.report_count, c.text).where(
                    c.id.in_(wanted)
                )
            ).all()
        return {r[0]: dict(r._mapping) for r in rows}  # type: ignore[misc]

    def article_titles(self, article_ids: Iterable[str]) -> dict[str, str | None]:
        wanted = list(dict.fromkeys(article_ids))
        if not wanted:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.articles.c.id, t.articles.c.title).where(t.articles.c.id.in_(wanted))).all()
        return {r[0]: r[1] for r in rows}

    # ------------------------------------------- corrections and embeddings
    def list_corrections(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(t.corrections).order_by(t.corrections.c.id))]

    def list_imported_roles(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(t.imported_roles).order_by(t.imported_roles.c.id))]

    def quotes_missing_embeddings(self, model: str, limit: int = 512) -> list[tuple[str, str]]:
        """(quote id, content text) of quotes with no vector from ``model`` yet."""
        have = select(t.quote_embeddings.c.quote_id).where(t.quote_embeddings.c.model == model)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.quotes.c.id, t.quotes.c.content_text).where(t.quotes.c.id.not_in(have)).limit(limit)
            ).all()
        return [(r[0], r[1]) for r in rows]

    def iter_embeddings(self, model: str, batch: int = 5000) -> Iterator[list[tuple[str, bytes]]]:
        with self.engine.connect() as conn:
            result = conn.execute(
                select(t.quote_embeddings.c.quote_id, t.quote_embeddings.c.vector).where(
                    t.quote_embeddings.c.model == model
                )
            )
            while rows := result.fetchmany(batch):
                yield [(r[0], r[1]) for r in rows]


# ------------------------------------------------------------------ helpers
def like_escape(value: str) -> str:
    """User text as a literal LIKE pattern: % and _ match themselves."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains(column: Any, value: str) -> Any:
    """Case-insensitive substring match of literal user text, on every backend."""
    return column.ilike("%" + like_escape(value) + "%", escape="\\")


def until_bound(value: str) -> str:
    """An inclusive upper bound: '2024-01' includes the whole month."""
    return value + "\uffff"


__all__ = ["Reads", "contains", "like_escape", "until_bound"]
