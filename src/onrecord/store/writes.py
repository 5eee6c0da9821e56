"""Writes: articles with their sightings and quotes, links, corrections, imported roles, embeddings.

Every write goes through ``StoreBase._write`` (one serialised transaction) and marks a change
when linking depends on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict
from typing import Any

from sqlalchemy import Connection, Integer, String, and_, bindparam, cast, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DataError, IntegrityError

from onrecord.models import Article, Quote
from onrecord.store import fulltext
from onrecord.store import schema as t
from onrecord.store.engine import ArticleRejected, StoreBase, _mark_changed, _meta_int, _now, _set_meta
from onrecord.store.links import chunks, write_link_result
from onrecord.store.rows import jsonable, quote_insert_row

_ARTICLE_KWARGS = ("duplicate_of", "similarity", "story_id", "signature", "story_features")


def _article_kwargs(item: dict[str, Any]) -> dict[str, Any]:
    return {k: item.get(k) for k in _ARTICLE_KWARGS}


def _article_args(item: dict[str, Any]) -> dict[str, Any]:
    return {"article": item["article"], "quotes": item.get("quotes", ()), **_article_kwargs(item)}


class Writes(StoreBase):
    def has_article(self, article_id: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(_HAS_ARTICLE, {"id": article_id}).first() is not None

    def stored_ids(self, article_ids: Sequence[str]) -> set[str]:
        """Those of ``article_ids`` already stored: one query for many ``has_article`` calls."""
        out: set[str] = set()
        with self.engine.connect() as conn:
            for batch in chunks(list(dict.fromkeys(article_ids))):
                out.update(r[0] for r in conn.execute(select(t.articles.c.id).where(t.articles.c.id.in_(batch))))
        return out

    def add_sighting(self, article_id: str, source_path: str | None, source_record: int | None) -> bool:
        """Record one more place an article was seen; False when already recorded."""
        with self._write() as conn:
            return self._add_sighting(conn, article_id, source_path, source_record)

    def _add_sighting(
        self, conn: Connection, article_id: str, source_path: str | None, source_record: int | None
    ) -> bool:
        path, rec = source_path or "-", source_record or 0
        if conn.execute(_HAS_SIGHTING, {"a": article_id, "p": path, "r": rec}).first():
            return False
        conn.execute(
            _INSERT_SIGHTING, {"article_id": article_id, "source_path": path, "source_record": rec, "seen_at": _now()}
        )
        return True

    def add_article(
        self,
        article: Article,
        quotes: Sequence[Quote] = (),
        *,
        duplicate_of: str | None = None,
        similarity: float | None = None,
        story_id: str | None = None,
        signature: bytes | None = None,
        story_features: Any = None,
    ) -> bool:
        """Store one article, its first sighting and its quotes in one transaction.

        Returns False when another writer stored the same article first: this copy is then
        recorded as one more sighting. Raises ``ArticleRejected`` when the database refuses
        this article's values; nothing else is affected.
        """
        try:
            with self._write() as conn:
                return self._add_article(
                    conn,
                    article,
                    quotes,
                    duplicate_of=duplicate_of,
                    similarity=similarity,
                    story_id=story_id,
                    signature=signature,
                    story_features=story_features,
                )
        except (DataError, IntegrityError) as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            raise ArticleRejected(f"the database refused article {article.id}: {reason}") from None

    def add_articles(self, items: Sequence[dict[str, Any]]) -> int:
        """Store many articles in one transaction (a bulk load); returns how many were new.

        Each item holds ``add_article``'s arguments (``article``, ``quotes``, ``duplicate_of``, ...).
        Should the database refuse one, the batch is stored again one article at a time, so that
        only the refused one fails (``ArticleRejected``, after the others are stored).
        """
        if not items:
            return 0
        try:
            with self._write() as conn:
                return sum(bool(self._add_article(conn, **_article_args(i))) for i in items)
        except (DataError, IntegrityError):
            pass
        new, rejected = 0, None
        for item in items:
            try:
                new += self.add_article(item["article"], item.get("quotes", ()), **_article_kwargs(item))
            except ArticleRejected as exc:
                rejected = rejected or exc
        if rejected is not None:
            raise rejected
        return new

    def add_sightings(self, sightings: Iterable[tuple[str, str | None, int | None]], batch: int = 1000) -> int:
        """Record (article id, path, record) sightings, many per transaction; returns how many were new."""
        new, rows = 0, list(sightings)
        for i in range(0, len(rows), batch):
            with self._write() as conn:
                new += sum(self._add_sighting(conn, a, p, r) for a, p, r in rows[i : i + batch])
        return new

    def _add_article(
        self,
        conn: Connection,
        article: Article,
        quotes: Sequence[Quote],
        *,
        duplicate_of: str | None,
        similarity: float | None,
        story_id: str | None,
        signature: bytes | None,
        story_features: Any,
    ) -> bool:
        # One statement: the next seq is read inside the insert, and an article another writer
        # stored first inserts nothing (writers are serialised, so seq cannot be taken meanwhile).
        inserted = conn.execute(
            _INSERT_ARTICLE_SQLITE if self.is_sqlite else _INSERT_ARTICLE_PG,
            dict(
                id=article.id,
                title=article.title,
                outlet=article.outlet,
                url=article.url,
                authors=list(article.authors),
                published=article.published,
                published_raw=article.published_raw,
                language=article.language,
                format=article.format,
                source_path=article.source_path,
                source_record=article.source_record,
                text=article.text,
                title_span=article.title_span.to_list() if article.title_span else None,
                skip_ranges=[asdict(r) for r in article.skip_ranges],
                extra=article.extra,
                duplicate_of=duplicate_of,
                similarity=similarity,
                story_id=story_id,
                signature=signature,
                story_features=jsonable(story_features),
                ingested_at=_now(),
                fts_indexed=False,
            ),
        ).first()
        if inserted is None:
            self._add_sighting(conn, article.id, article.source_path, article.source_record)
            return False
        # A new article has no sightings yet: no need to look before inserting its first.
        conn.execute(
            _INSERT_SIGHTING,
            {
                "article_id": article.id,
                "source_path": article.source_path or "-",
                "source_record": article.source_record or 0,
                "seen_at": _now(),
            },
        )
        self._insert_quotes(conn, article, quotes)
        _count_change(conn)
        return True

    def _insert_quotes(self, conn: Connection, article: Article, quotes: Sequence[Quote]) -> None:
        rows = [quote_insert_row(article, q) for q in quotes]
        if rows:
            conn.execute(_INSERT_QUOTE, rows)

    def replace_quotes(self, article: Article, quotes: Sequence[Quote], conn: Connection | None = None) -> None:
        """Swap an article's quotes for new ones (reprocess), atomically."""
        if conn is None:
            with self._write() as c:
                self.replace_quotes(article, quotes, c)
            return
        if self.is_sqlite:
            fulltext.forget_article_quotes(conn, article.id)
        else:
            fulltext.bump_search_revision(conn)
        conn.execute(delete(t.quotes).where(t.quotes.c.article_id == article.id))
        self._insert_quotes(conn, article, quotes)
        # extra carries what extraction says of the article ("quotes not extracted: language de")
        conn.execute(
            update(t.articles).where(t.articles.c.id == article.id).values(fts_indexed=False, extra=article.extra)
        )
        _mark_changed(conn)

    def refresh_search_index(self, batch: int = 500) -> int:
        """Add full-text rows for articles (and their quotes) not indexed yet; returns how many.

        Run after ingest and reprocess, and before an ingest to repair an interrupted one:
        the index is derived data, so it is built in bulk rather than per article.
        PostgreSQL indexes text as it is written (a generated ``tsvector``); there a refresh
        marks the new articles indexed and changes the search revision, so cached searches
        take them in, at the same moments as on SQLite.
        """
        if not self.is_sqlite:
            with self._write() as conn:
                n = conn.execute(
                    update(t.articles).where(t.articles.c.fts_indexed.is_(False)).values(fts_indexed=True)
                ).rowcount
                if n:
                    fulltext.bump_search_revision(conn)
            return n
        done = 0
        while True:
            with self._write() as conn:
                n = fulltext.refresh(conn, batch)
            if not n:
                return done
            done += n

    def replace_all_quotes(self, pairs: Iterable[tuple[Article, Sequence[Quote]]]) -> int:
        """Replace the quotes of many articles in a single transaction (reprocess)."""
        n = 0
        with self._write() as conn:
            for article, quotes in pairs:
                self.replace_quotes(article, quotes, conn)
                n += 1
        return n

    def repoint_duplicates(self, root_id: str, similarities: dict[str, float]) -> None:
        """An earlier copy arrived late: its near-duplicates now point at it."""
        with self._write() as conn:
            for aid, sim in similarities.items():
                conn.execute(
                    update(t.articles).where(t.articles.c.id == aid).values(duplicate_of=root_id, similarity=sim)
                )

    def replace_links(self, result: Any, *, as_of: int | None = None, rewrite: bool = False) -> None:
        """Store a ``speakers.LinkResult`` in place of the previous one, atomically.

        ``as_of`` is ``changes()`` read before linking read the store: writes after it keep
        linking due, so a concurrent ingest is never marked as linked without being so.
        ``rewrite``: every statement row written again (see ``write_link_result``).
        """
        with self._write() as conn:
            write_link_result(conn, result, rewrite=rewrite)
            seen = _meta_int(conn, "changes") if as_of is None else as_of
            _set_meta(conn, "linked", str(max(seen, _meta_int(conn, "linked"))))

    def split_story(self, article_id: str) -> str | None:
        """Take an article (and its near-duplicates) out of its story into a story of its own; the
        correction is kept with the others. Returns the story it left, or None if it led one."""
        a = t.articles.c
        with self._write() as conn:
            row = conn.execute(select(a.story_id).where(a.id == article_id)).first()
            if row is None:
                raise KeyError(article_id)
            old = row[0]
            mine = or_(a.id == article_id, a.duplicate_of == article_id)
            others = and_(a.id != article_id, or_(a.duplicate_of.is_(None), a.duplicate_of != article_id))  # NULL-safe
            rest = conn.execute(
                select(a.id).where(a.story_id == old, others).order_by(a.seq)
            ).scalars().all() if old is not None else []  # fmt: skip
            if not rest:
                return None  # alone in its story already
            conn.execute(update(t.articles).where(mine).values(story_id=article_id))
            if old == article_id:  # the story's first article left: the next one leads the rest
                conn.execute(update(t.articles).where(a.id.in_(rest)).values(story_id=rest[0]))
            conn.execute(insert(t.corrections).values(op="story-split", args={"article": article_id, "story": old},
                                                      created_at=_now()))  # fmt: skip
            fulltext.bump_search_revision(conn)  # story pages are cached by it
        return old

    def add_correction(self, op: str, **args: Any) -> None:
        with self._write() as conn:
            conn.execute(insert(t.corrections).values(op=op, args=args, created_at=_now()))
            _mark_changed(conn)

    def import_roles(self, rows: Iterable[dict[str, Any]]) -> int:
        """Add imported roles (title, organisation, person, start, end); returns how many were new."""
        added = 0
        with self._write() as conn:
            for r in rows:
                exists = conn.execute(
                    select(t.imported_roles.c.id).where(
                        t.imported_roles.c.title == r["title"],
                        t.imported_roles.c.organisation.is_(r.get("organisation"))
                        if r.get("organisation") is None
                        else t.imported_roles.c.organisation == r.get("organisation"),
                        t.imported_roles.c.person == r["person"],
                        t.imported_roles.c.start.is_(r.get("start"))
                        if r.get("start") is None
                        else t.imported_roles.c.start == r.get("start"),
                    )
                ).first()
                if exists:
                    continue
                conn.execute(insert(t.imported_roles).values(**r))
                added += 1
            if added:
                _mark_changed(conn)
        return added

    def put_embeddings(self, model: str, rows: Iterable[tuple[str, bytes]]) -> None:
        with self._write() as conn:
            conn.execute(insert(t.quote_embeddings), [{"quote_id": q, "model": model, "vector": v} for q, v in rows])


# Statements of the ingest hot path, built once: SQLAlchemy then reuses their compiled form.
_HAS_ARTICLE = select(t.articles.c.id).where(t.articles.c.id == bindparam("id"))
_HAS_SIGHTING = select(t.sightings.c.id).where(
    t.sightings.c.article_id == bindparam("a"),
    t.sightings.c.source_path == bindparam("p"),
    t.sightings.c.source_record == bindparam("r"),
)
_INSERT_SIGHTING = insert(t.sightings)
_INSERT_QUOTE = insert(t.quotes)
_NEXT_SEQ = select(func.coalesce(func.max(t.articles.c.seq), 0) + 1).scalar_subquery()
_INSERT_ARTICLE_SQLITE = (
    sqlite.insert(t.articles)
    .values(seq=_NEXT_SEQ)
    .on_conflict_do_nothing(index_elements=[t.articles.c.id])
    .returning(t.articles.c.id)  # no row back: the article was there (rowcount of an INSERT is not kept)
)
_INSERT_ARTICLE_PG = (
    postgresql.insert(t.articles)
    .values(seq=_NEXT_SEQ)
    .on_conflict_do_nothing(index_elements=[t.articles.c.id])
    .returning(t.articles.c.id)
)
_COUNT_CHANGE = (
    update(t.meta).where(t.meta.c.key == "changes").values(value=cast(cast(t.meta.c.value, Integer) + 1, String))
)


def _count_change(conn: Connection) -> None:
    """``engine._mark_changed`` in one statement where the counter exists (every migrated store)."""
    if conn.execute(_COUNT_CHANGE).rowcount == 0:
        _mark_changed(conn)
