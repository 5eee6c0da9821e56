"""The store: the only module of onrecord that speaks SQL.

SQLite is the embedded default (``./onrecord.db``); any SQLAlchemy URL works
for the tables, and dialect-specific pieces (FTS5, pragmas) are kept here.
Reads return plain dicts ready for JSON; writes take the pipeline dataclasses.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Text,
    and_,
    bindparam,
    cast,
    create_engine,
    delete,
    event,
    func,
    insert,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import DataError, IntegrityError, OperationalError

from onrecord.models import Article, Quote, SkipRange, Span
from onrecord.store import schema as t
from onrecord.store.schema import fold

DEFAULT_DB = "onrecord.db"


class StoreError(Exception):
    """A store problem worth one line to the user (bad path, newer schema, ...)."""


class StoreBusy(StoreError):
    """Another process held the write lock for longer than we were willing to wait."""


class ArticleRejected(StoreError):
    """The database refused one article (bad value for this backend): that article fails, the run goes on."""


# SQLite waits this long for another writer's transaction before giving up (ONRECORD_LOCK_TIMEOUT, seconds).
LOCK_TIMEOUT_S = 120.0
# PostgreSQL: every write transaction takes this advisory lock, so writers queue instead of racing.
_PG_WRITE_LOCK = 7_214_001


def resolve_db_url(db: str | None = None) -> str:
    """``--db`` beats ``ONRECORD_DB`` beats ``./onrecord.db``; paths become SQLite URLs."""
    db = db or os.environ.get("ONRECORD_DB") or DEFAULT_DB
    if "://" in db:
        return db
    return f"sqlite:///{Path(db).expanduser()}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    return value


def _fts_query(q: str) -> str:
    """Turn user text into a safe FTS5 query.

    "Quoted phrases" stay phrases, other words are AND-ed, and a bare ``OR``
    between two terms means OR; any other FTS5 syntax is taken literally.
    """
    terms = [m.group(1) or m.group(2) for m in re.finditer(r'"([^"]+)"|([\w]+)', q)]
    out: list[str] = []
    for i, term in enumerate(terms):
        if term == "OR":
            if out and out[-1] != "OR" and i + 1 < len(terms):
                out.append("OR")
            continue
        words = re.findall(r"\w+", term)
        if words:
            out.append('"' + " ".join(words) + '"')
    while out and out[-1] == "OR":
        out.pop()
    return " ".join(out)


class Store:
    def __init__(self, db: str | None = None, *, create: bool = True) -> None:
        self.url = resolve_db_url(db)
        if self.url.startswith("sqlite:///") and not create:
            path = Path(self.url.removeprefix("sqlite:///"))
            if not path.exists():
                raise StoreError(f"no database at {path} (run 'onrecord ingest' first)")
        if self.url.startswith("sqlite:///"):
            path = Path(self.url.removeprefix("sqlite:///"))
            if path.parent and not path.parent.exists():
                raise StoreError(f"database folder does not exist: {path.parent}")
        self.engine: Engine = create_engine(self.url, future=True)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
        # Write transactions go through this engine: on SQLite they BEGIN IMMEDIATE (see _sqlite_begin).
        self._writer = self.engine.execution_options(onrecord_write=True)
        self.migrate()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One write transaction, serialised against every other writer of this database.

        SQLite: BEGIN IMMEDIATE takes the write lock before the first read, so a value read in
        the transaction (the next ``seq``) cannot be taken by another process meanwhile; a
        writer waits up to LOCK_TIMEOUT_S for the lock. PostgreSQL: a transaction-level
        advisory lock does the same. Either way, two writers queue; they never interleave.
        """
        try:
            with self._writer.begin() as conn:
                if not self.is_sqlite:
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_WRITE_LOCK})
                yield conn
        except OperationalError as exc:
            if "locked" in str(exc.orig) or "busy" in str(exc.orig):
                raise StoreBusy(
                    f"another process is writing to {self.url} and held it over {_lock_timeout():.0f}s;"
                    " run this again when it has finished (nothing was lost)"
                ) from None
            raise

    # ------------------------------------------------------------------ schema
    def migrate(self) -> int:
        """Run the migrations this database has not seen; returns the version."""
        with self._write() as conn:
            t.meta.create(conn, checkfirst=True)
            row = conn.execute(select(t.meta.c.value).where(t.meta.c.key == "schema_version")).first()
            current = int(row[0]) if row else 0
            if current > t.SCHEMA_VERSION:
                raise StoreError(
                    f"database schema v{current} is newer than this onrecord (v{t.SCHEMA_VERSION})"
                )
            for version in range(current, t.SCHEMA_VERSION):
                t.MIGRATIONS[version](conn)
            if current != t.SCHEMA_VERSION:
                if row:
                    conn.execute(
                        update(t.meta)
                        .where(t.meta.c.key == "schema_version")
                        .values(value=str(t.SCHEMA_VERSION))
                    )
                else:
                    conn.execute(insert(t.meta).values(key="schema_version", value=str(t.SCHEMA_VERSION)))
        return t.SCHEMA_VERSION

    def schema_version(self) -> int:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.meta.c.value).where(t.meta.c.key == "schema_version")).first()
        return int(row[0]) if row else 0

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self._write() as conn:
            yield conn

    def close(self) -> None:
        self.engine.dispose()

    def files(self) -> list[Path]:
        """The files this database lives in (SQLite), which an ingest must never read as input."""
        if not self.is_sqlite or not self.engine.url.database or self.engine.url.database == ":memory:":
            return []
        path = Path(self.engine.url.database)
        return [path, *(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal"))]

    # --------------------------------------------------------------- articles
    def has_article(self, article_id: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(_HAS_ARTICLE, {"id": article_id}).first() is not None

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
                    conn, article, quotes, duplicate_of=duplicate_of, similarity=similarity, story_id=story_id,
                    signature=signature, story_features=story_features,
                )
        except (DataError, IntegrityError) as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            raise ArticleRejected(f"the database refused article {article.id}: {reason}") from None

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
        if conn.execute(_HAS_ARTICLE, {"id": article.id}).first() is not None:
            self._add_sighting(conn, article.id, article.source_path, article.source_record)
            return False
        seq = conn.execute(_NEXT_SEQ).scalar_one() + 1
        conn.execute(
            _INSERT_ARTICLE,
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
                story_features=_jsonable(story_features),
                ingested_at=_now(),
                seq=seq,
                fts_indexed=False,
            ),
        )
        self._add_sighting(conn, article.id, article.source_path, article.source_record)
        self._insert_quotes(conn, article, quotes)
        _mark_changed(conn)
        return True

    def _insert_quotes(self, conn: Connection, article: Article, quotes: Sequence[Quote]) -> None:
        rows = [
            {
                "id": q.id,
                "article_id": article.id,
                "kind": q.kind,
                "start": q.start,
                "content_text": q.content.text,
                "content_spans": [s.to_list() for s in q.content.spans],
                "cue_text": q.cue.text if q.cue else None,
                "cue_spans": [s.to_list() for s in q.cue.spans] if q.cue else None,
                "source_text": q.source.text if q.source else None,
                "source_spans": [s.to_list() for s in q.source.spans] if q.source else None,
                "speakers": [s.to_dict() for s in q.speakers],
                "confidence": q.confidence,
                "sentence": q.sentence.to_list() if q.sentence else None,
                "speaker_names": "; ".join(s.name for s in q.speakers),
                "act": q.act,
                "rule": q.rule,
            }
            for q in quotes
        ]
        if not rows:
            return
        conn.execute(_INSERT_QUOTE, rows)

    def replace_quotes(self, article: Article, quotes: Sequence[Quote], conn: Connection | None = None) -> None:
        """Swap an article's quotes for new ones (reprocess), atomically."""
        if conn is None:
            with self._write() as c:
                self.replace_quotes(article, quotes, c)
            return
        if self.is_sqlite:
            conn.execute(
                text("DELETE FROM quotes_fts WHERE rowid IN (SELECT rowid FROM quotes WHERE article_id = :a)"),
                {"a": article.id},
            )
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
        """
        if not self.is_sqlite:
            return 0
        done = 0
        while True:
            with self._write() as conn:
                rows = conn.execute(
                    select(t.articles.c.seq, t.articles.c.id, t.articles.c.title, t.articles.c.text,
                           t.articles.c.skip_ranges)
                    .where(t.articles.c.fts_indexed.is_(False))
                    .limit(batch)
                ).all()
                if not rows:
                    return done
                params = []
                for seq, aid, title, body_text, skips in rows:
                    art = Article(id=aid, text=body_text, skip_ranges=[SkipRange(**r) for r in skips or []])
                    body = " ".join(s.slice(body_text) for s in art.body_ranges())
                    params.append({"rowid": seq, "t": title or "", "b": body, "id": aid})
                seqs = [p["rowid"] for p in params]
                ids = [p["id"] for p in params]
                conn.execute(text("DELETE FROM articles_fts WHERE rowid = :rowid"), [{"rowid": s} for s in seqs])
                conn.execute(
                    text("INSERT INTO articles_fts(rowid, title, body, article_id) VALUES (:rowid, :t, :b, :id)"),
                    params,
                )
                for chunk in range(0, len(ids), 200):
                    part = ids[chunk : chunk + 200]
                    marks = ",".join(f":a{i}" for i in range(len(part)))
                    binds = {f"a{i}": v for i, v in enumerate(part)}
                    conn.execute(
                        text(
                            "DELETE FROM quotes_fts WHERE rowid IN "
                            f"(SELECT rowid FROM quotes WHERE article_id IN ({marks}))"
                        ),
                        binds,
                    )
                    conn.execute(
                        text(
                            "INSERT INTO quotes_fts(rowid, content, speaker, outlet, quote_id) "
                            "SELECT q.rowid, q.content_text, coalesce(q.speaker_names, ''), "
                            "coalesce(a.outlet, ''), q.id "
                            f"FROM quotes q JOIN articles a ON a.id = q.article_id WHERE q.article_id IN ({marks})"
                        ),
                        binds,
                    )
                conn.execute(update(t.articles).where(t.articles.c.id.in_(ids)).values(fts_indexed=True))
                done += len(rows)

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

    def dedup_states(self) -> Iterator[dict[str, Any]]:
        """What the deduplicator persisted, oldest first, without the texts."""
        cols = [
            t.articles.c.id,
            t.articles.c.published,
            t.articles.c.duplicate_of,
            t.articles.c.story_id,
            t.articles.c.signature,
            t.articles.c.story_features,
            t.articles.c.seq,
        ]
        with self.engine.connect() as conn:
            for row in conn.execute(select(*cols).order_by(t.articles.c.seq)):
                yield dict(row._mapping)

    def iter_articles(self, batch: int = 200) -> Iterator[Article]:
        """Every stored article as an ``Article``, streamed in ingest order."""
        last = 0
        while True:
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(t.articles).where(t.articles.c.seq > last).order_by(t.articles.c.seq).limit(batch)
                ).all()
            if not rows:
                return
            for row in rows:
                yield _article_from_row(row._mapping)
            last = rows[-1]._mapping["seq"]

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

    def resolve_article_id(self, ref: str) -> str | None:
        """An id, or an unambiguous prefix of one."""
        with self.engine.connect() as conn:
            ids = conn.execute(
                select(t.articles.c.id).where(t.articles.c.id.like(_like_escape(ref) + "%", escape="\\")).limit(2)
            ).all()
        if len(ids) == 1:
            return ids[0][0]
        exact = [r[0] for r in ids if r[0] == ref]
        return exact[0] if exact else None

    def get_article(self, ref: str, *, with_quotes: bool = True) -> dict[str, Any] | None:
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
        d = _article_dict(row._mapping)
        d["seen_in"] = [
            {"source_path": p, "source_record": r or None, "seen_at": s} for p, r, s in seen
        ]
        d["near_duplicates"] = [{"id": i, "outlet": o, "similarity": s} for i, o, s in dups]
        if with_quotes:
            d["quotes"] = self.list_quotes(article_id=article_id, limit=10_000)["items"]
        return d

    def list_articles(
        self,
        *,
        limit: int = 50,
        offset: int = 0,
        outlet: str | None = None,
        story_id: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> dict[str, Any]:
        conds = []
        if outlet:
            conds.append(func.lower(t.articles.c.outlet) == outlet.lower())
        if story_id:
            conds.append(t.articles.c.story_id == story_id)
        if since:
            conds.append(t.articles.c.published >= since)
        if until:
            conds.append(t.articles.c.published <= _until(until))
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
        items = []
        for r in rows:
            d = _article_dict(r._mapping)
            d["quote_count"] = counts.get(d["id"], 0)
            items.append(d)
        return {"total": total, "limit": limit, "offset": offset, "items": items}

    # ---------------------------------------------------------------- stories
    def list_stories(self, *, limit: int = 50, offset: int = 0, min_size: int = 1) -> dict[str, Any]:
        size = func.count().label("size")
        with self.engine.connect() as conn:
            q = (
                select(t.articles.c.story_id, size, func.min(t.articles.c.seq).label("first"))
                .where(t.articles.c.story_id.is_not(None))
                .group_by(t.articles.c.story_id)
                .having(func.count() >= min_size)
            )
            total = conn.execute(select(func.count()).select_from(q.subquery())).scalar_one()
            groups = conn.execute(q.order_by(text("first")).limit(limit).offset(offset)).all()
        items = [self.get_story(g[0]) for g in groups]
        return {"total": total, "limit": limit, "offset": offset, "items": [i for i in items if i]}

    def get_story(self, story_id: str) -> dict[str, Any] | None:
        cols = [
            t.articles.c.id,
            t.articles.c.title,
            t.articles.c.outlet,
            t.articles.c.published,
            t.articles.c.duplicate_of,
            t.articles.c.similarity,
            t.articles.c.source_path,
        ]
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(*cols).where(t.articles.c.story_id == story_id).order_by(t.articles.c.seq)
            ).all()
            if not rows:
                return None
            seen = dict(
                conn.execute(
                    select(t.sightings.c.article_id, func.count())
                    .where(t.sightings.c.article_id.in_([r[0] for r in rows]))
                    .group_by(t.sightings.c.article_id)
                ).all()
            )
        arts = [dict(r._mapping) | {"copies_seen": seen.get(r[0], 1)} for r in rows]
        first = arts[0]
        return {
            "id": story_id,
            "title": first["title"],
            "size": len(arts),
            "outlets": sorted({a["outlet"] for a in arts if a["outlet"]}),
            "first_published": min((a["published"] for a in arts if a["published"]), default=None),
            "articles": arts,
        }

    # ----------------------------------------------------------------- quotes
    def _quote_query(
        self,
        *,
        article_id: str | None = None,
        speaker: str | None = None,
        organisation: str | None = None,
        outlet: str | None = None,
        topic: str | None = None,
        since: str | None = None,
        until: str | None = None,
        kind: str | None = None,
        act: str | None = None,
        drift: bool | None = None,
        q: str | None = None,
        statement_id: str | None = None,
    ) -> tuple[Any, list[str] | None]:
        """The WHERE clause shared by listing, search and timelines."""
        conds: list[Any] = []
        ranked: list[str] | None = None
        when = func.coalesce(t.quotes.c.said_date, t.articles.c.published)
        if article_id:
            conds.append(t.quotes.c.article_id == article_id)
        if speaker:
            keys = self.speaker_keys_matching(speaker)
            linked = select(t.quote_speakers.c.quote_id).where(t.quote_speakers.c.speaker_key.in_(keys))
            # Linked speakers by key; names on not-yet-linked quotes by substring.
            conds.append(or_(t.quotes.c.id.in_(linked), _contains(t.quotes.c.speaker_names, speaker)))
        if organisation:
            conds.append(_contains(cast(t.quotes.c.organisations, Text), organisation))
        if outlet:
            conds.append(func.lower(t.articles.c.outlet) == outlet.lower())
        if topic:
            conds.append(_contains(cast(t.quotes.c.topics, Text), topic))
        if since:
            conds.append(when >= since)
        if until:
            conds.append(when <= _until(until))
        if kind:
            conds.append(t.quotes.c.kind == kind)
        if act:
            conds.append(t.quotes.c.act == act)
        if statement_id:
            conds.append(t.quotes.c.statement_id == statement_id)
        if drift is not None:
            drifting = select(t.statements.c.id).where(t.statements.c.drift.is_(True))
            cond = t.quotes.c.statement_id.in_(drifting)
            conds.append(cond if drift else or_(t.quotes.c.statement_id.is_(None), ~cond))
        if q:
            ranked = self._fts_quote_ids(q)
            if ranked is not None:
                conds.append(t.quotes.c.id.in_(ranked))
            else:
                conds.append(_contains(t.quotes.c.content_text, q))
        return (and_(*conds) if conds else text("1=1")), ranked

    def _fts_quote_ids(self, q: str, limit: int = 5000) -> list[str] | None:
        if not self.is_sqlite:
            return None
        query = _fts_query(q)
        if not query:
            return []
        with self.engine.connect() as conn:
            rows = conn.execute(
                text("SELECT quote_id FROM quotes_fts WHERE quotes_fts MATCH :q ORDER BY rank LIMIT :n"),
                {"q": query, "n": limit},
            ).all()
        return [r[0] for r in rows]

    def list_quotes(self, *, limit: int = 50, offset: int = 0, **filters: Any) -> dict[str, Any]:
        where, ranked = self._quote_query(**filters)
        joined = t.quotes.join(t.articles, t.articles.c.id == t.quotes.c.article_id)
        cols = [
            t.quotes,
            t.articles.c.title.label("article_title"),
            t.articles.c.outlet,
            t.articles.c.published.label("article_date"),
        ]
        with self.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(joined).where(where)).scalar_one()
            stmt = select(*cols).select_from(joined).where(where)
            if ranked:
                rows = conn.execute(stmt).all()
                order = {qid: i for i, qid in enumerate(ranked)}
                rows.sort(key=lambda r: order.get(r._mapping["id"], len(order)))
                rows = rows[offset : offset + limit]
            else:
                when = func.coalesce(t.quotes.c.said_date, t.articles.c.published)
                rows = conn.execute(
                    stmt.order_by(t.articles.c.seq, t.quotes.c.start).limit(limit).offset(offset)
                    if filters.get("article_id")
                    else stmt.order_by(when.desc().nulls_last(), t.quotes.c.id).limit(limit).offset(offset)
                ).all()
        return {"total": total, "limit": limit, "offset": offset, "items": [_quote_dict(r._mapping) for r in rows]}

    def get_quote(self, quote_id: str) -> dict[str, Any] | None:
        joined = t.quotes.join(t.articles, t.articles.c.id == t.quotes.c.article_id)
        with self.engine.connect() as conn:
            row = conn.execute(
                select(
                    t.quotes,
                    t.articles.c.title.label("article_title"),
                    t.articles.c.outlet,
                    t.articles.c.published.label("article_date"),
                )
                .select_from(joined)
                .where(t.quotes.c.id == quote_id)
            ).first()
        return _quote_dict(row._mapping) if row else None

    def iter_article_quotes(self) -> Iterator[tuple[Article, list[Quote]]]:
        """Every article with its stored quotes, for linking; streamed."""
        for article in self.iter_articles():
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(t.quotes).where(t.quotes.c.article_id == article.id).order_by(t.quotes.c.start)
                ).all()
            yield article, [_quote_from_row(r._mapping) for r in rows]

    # --------------------------------------------------------------- searching
    def _search_substring(self, query: str, *, limit: int, offset: int, **filters: Any) -> dict[str, Any]:
        """Search for databases without FTS5 (PostgreSQL): case-insensitive substring match."""
        quotes = self.list_quotes(q=query, limit=limit, offset=offset, **filters)
        return {"query": query, "quotes": quotes, "articles": []}

    # ---------------------------------------------------------------- linking
    def changes(self) -> int:
        """How many changes linking depends on were written so far (articles, quotes, corrections)."""
        with self.engine.connect() as conn:
            return _meta_int(conn, "changes")

    def link_due(self) -> bool:
        """True when something was written since the last complete linking (an interrupted run)."""
        with self.engine.connect() as conn:
            return _meta_int(conn, "changes") > _meta_int(conn, "linked")

    def replace_links(self, result: Any, *, as_of: int | None = None) -> None:
        """Store a ``speakers.LinkResult`` in place of the previous one, atomically.

        ``as_of`` is ``changes()`` read before linking read the store: writes after it keep
        linking due, so a concurrent ingest is never marked as linked without being so.
        """
        from onrecord.store.links import write_link_result

        with self._write() as conn:
            write_link_result(conn, result)
            seen = _meta_int(conn, "changes") if as_of is None else as_of
            _set_meta(conn, "linked", str(max(seen, _meta_int(conn, "linked"))))

    def speaker_keys_matching(self, name: str) -> list[str]:
        """Keys of speakers whose key, name or any alias equals ``name`` (case and accents folded)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.speaker_aliases.c.speaker_key).where(t.speaker_aliases.c.folded == fold(name)).distinct()
            ).all()
        return sorted(r[0] for r in rows)

    def list_speakers(self, *, limit: int = 100, offset: int = 0, q: str | None = None) -> dict[str, Any]:
        conds = []
        if q:
            named = select(t.speaker_aliases.c.speaker_key).where(_contains(t.speaker_aliases.c.folded, fold(q)))
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
        return {"total": total, "limit": limit, "offset": offset, "items": [dict(r._mapping) for r in rows]}

    def get_speaker(self, ref: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.speakers).where(t.speakers.c.key == ref)).first()
        if row is None:
            keys = self.speaker_keys_matching(ref)
            if len(keys) != 1:
                return None
            with self.engine.connect() as conn:
                row = conn.execute(select(t.speakers).where(t.speakers.c.key == keys[0])).first()
        d = dict(row._mapping)
        with self.engine.connect() as conn:
            d["roles"] = [
                dict(r._mapping)
                for r in conn.execute(
                    select(t.roles).where(t.roles.c.speaker_key == d["key"]).order_by(t.roles.c.start)
                )
            ]
            stmts = conn.execute(
                select(t.statements.c.id).where(t.statements.c.speaker_key == d["key"])
            ).all()
        d["statement_count"] = len(stmts)
        return d

    def list_roles(self, *, title: str | None = None) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            stmt = select(t.roles).order_by(t.roles.c.title, t.roles.c.start)
            if title:
                stmt = stmt.where(_contains(t.roles.c.title, title))
            return [dict(r._mapping) for r in conn.execute(stmt)]

    def list_statements(
        self,
        *,
        speaker: str | None = None,
        drift: bool | None = None,
        limit: int = 50,
        offset: int = 0,
        min_reports: int = 1,
    ) -> dict[str, Any]:
        conds = [t.statements.c.report_count >= min_reports]
        if speaker:
            keys = self.speaker_keys_matching(speaker) or [speaker]
            conds.append(t.statements.c.speaker_key.in_(keys))
        if drift is not None:
            conds.append(t.statements.c.drift.is_(drift))
        where = and_(*conds)
        with self.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(t.statements).where(where)).scalar_one()
            rows = conn.execute(
                select(t.statements)
                .where(where)
                .order_by(t.statements.c.date.desc().nulls_last(), t.statements.c.id)
                .limit(limit)
                .offset(offset)
            ).all()
        return {"total": total, "limit": limit, "offset": offset, "items": [dict(r._mapping) for r in rows]}

    def get_statement(self, statement_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.statements)
                .where(t.statements.c.id.like(_like_escape(statement_id) + "%", escape="\\"))
                .limit(2)
            ).all()
        if len(row) != 1:
            return None
        return dict(row[0]._mapping)

    def timeline(self, *, group: str = "month", limit: int = 10_000, **filters: Any) -> dict[str, Any]:
        """Quotes in date order grouped by day, week or month, with counts."""
        res = self.list_quotes(limit=limit, **filters)
        ordered = sorted(
            (q for q in res["items"] if q.get("date")),
            key=lambda q: (q["date"], q["article_id"], q["start"]),
        )
        # One statement reported by several outlets is one point on the timeline.
        items: list[dict[str, Any]] = []
        by_statement: dict[str, dict[str, Any]] = {}
        for q in ordered:
            sid = q.get("statement_id")
            if sid and sid in by_statement:
                by_statement[sid]["report_count"] += 1
                continue
            q["report_count"] = 1
            if sid:
                by_statement[sid] = q
            items.append(q)
        buckets: dict[str, list[dict[str, Any]]] = {}
        for q in items:
            buckets.setdefault(_bucket(q["date"], group), []).append(q)
        return {
            "group": group,
            "total": len(items),
            "undated": len({q.get("statement_id") or q["id"] for q in res["items"] if not q.get("date")}),
            "buckets": [{"period": k, "count": len(v), "quotes": v} for k, v in buckets.items()],
        }

    # ------------------------------------------------------------ corrections
    def add_correction(self, op: str, **args: Any) -> None:
        with self._write() as conn:
            conn.execute(insert(t.corrections).values(op=op, args=args, created_at=_now()))
            _mark_changed(conn)

    def list_corrections(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(t.corrections).order_by(t.corrections.c.id))]

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

    def list_imported_roles(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(t.imported_roles).order_by(t.imported_roles.c.id))]

    # ------------------------------------------------------------- embeddings
    def quotes_missing_embeddings(self, model: str, limit: int = 512) -> list[tuple[str, str]]:
        """(quote id, content text) of quotes with no vector from ``model`` yet."""
        have = select(t.quote_embeddings.c.quote_id).where(t.quote_embeddings.c.model == model)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.quotes.c.id, t.quotes.c.content_text).where(t.quotes.c.id.not_in(have)).limit(limit)
            ).all()
        return [(r[0], r[1]) for r in rows]

    def put_embeddings(self, model: str, rows: Iterable[tuple[str, bytes]]) -> None:
        with self._write() as conn:
            conn.execute(
                insert(t.quote_embeddings), [{"quote_id": q, "model": model, "vector": v} for q, v in rows]
            )

    def iter_embeddings(self, model: str, batch: int = 5000) -> Iterator[list[tuple[str, bytes]]]:
        with self.engine.connect() as conn:
            result = conn.execute(
                select(t.quote_embeddings.c.quote_id, t.quote_embeddings.c.vector).where(
                    t.quote_embeddings.c.model == model
                )
            )
            while rows := result.fetchmany(batch):
                yield [(r[0], r[1]) for r in rows]

    def stats(self) -> dict[str, int]:
        return {k: self.count(k) for k in ("articles", "sightings", "quotes", "speakers", "statements")}

    # ================================================================ web reads
    # Reads for pages: a page costs what it shows, not what matches.

    def search(self, query: str, *, limit: int = 20, offset: int = 0, **filters: Any) -> dict[str, Any]:
        """Ranked full-text search over quotes and articles with highlighted snippets.

        Reads only the rows and snippets of the requested page.
        """
        if not self.is_sqlite:
            return self._search_substring(query, limit=limit, offset=offset, **filters)
        fq = _fts_query(query)
        quotes: dict[str, Any] = {"total": 0, "limit": limit, "offset": offset, "items": []}
        if not fq:
            return {"query": query, "quotes": quotes, "articles": []}
        rowid = literal_column("quotes.rowid")
        joined = t.quotes.join(t.articles, t.articles.c.id == t.quotes.c.article_id)
        with self.engine.connect() as conn:
            ranked = [
                r[0]
                for r in conn.execute(
                    text("SELECT rowid FROM quotes_fts WHERE quotes_fts MATCH :q ORDER BY rank LIMIT 5000"), {"q": fq}
                )
            ]
            direct_hits = set(ranked)
            ranked = self._with_other_reports(conn, ranked)
            if filters and ranked:
                where, _ = self._quote_query(**filters)
                allowed = {
                    r[0] for r in conn.execute(select(rowid).select_from(joined).where(where, rowid.in_(ranked)))
                }
                ranked = [r for r in ranked if r in allowed]
            page = ranked[offset : offset + limit]
            rows = conn.execute(
                select(
                    rowid.label("_rowid"),
                    t.quotes,
                    t.articles.c.title.label("article_title"),
                    t.articles.c.outlet,
                    t.articles.c.published.label("article_date"),
                )
                .select_from(joined)
                .where(rowid.in_(page))
            ).all()
            snips: dict[int, str] = {}
            if page:
                marks = ",".join(str(int(r)) for r in page)
                snips = dict(
                    conn.execute(
                        text(
                            "SELECT rowid, snippet(quotes_fts, 0, '[', ']', '…', 24) FROM quotes_fts "
                            f"WHERE quotes_fts MATCH :q AND rowid IN ({marks})"
                        ),
                        {"q": fq},
                    ).all()
                )
            arts = conn.execute(
                text(
                    "SELECT article_id, title, snippet(articles_fts, 1, '[', ']', '…', 24) "
                    "FROM articles_fts WHERE articles_fts MATCH :q ORDER BY rank LIMIT :n"
                ),
                {"q": fq, "n": limit},
            ).all()
        order = {r: i for i, r in enumerate(page)}
        items = []
        for r in sorted(rows, key=lambda r: order[r._mapping["_rowid"]]):
            m = dict(r._mapping)
            rid = m.pop("_rowid")
            d = _quote_dict(m)
            d["snippet"] = snips.get(rid)
            # A report of a matching statement printed in other words (another translation).
            d["matched_via"] = "text" if rid in direct_hits else "statement"
            items.append(d)
        quotes |= {"total": len(ranked), "items": items}
        articles = [{"id": a, "title": ti, "snippet": sn} for a, ti, sn in arts]
        return {"query": query, "quotes": quotes, "articles": articles}

    @staticmethod
    def _with_other_reports(conn: Connection, ranked: list[int], cap: int = 5000) -> list[int]:
        """Each hit followed by the other reports of its statement, so a search for one
        outlet's wording also finds the outlets that worded the same statement differently."""
        if not ranked:
            return ranked
        rowid = literal_column("quotes.rowid")
        hit_statements: dict[int, str] = {}
        for chunk in range(0, len(ranked), 500):
            part = ranked[chunk : chunk + 500]
            for rid, sid in conn.execute(
                select(rowid, t.quotes.c.statement_id).where(rowid.in_(part), t.quotes.c.statement_id.is_not(None))
            ):
                hit_statements[rid] = sid
        members: dict[str, list[int]] = {}
        sids = sorted(set(hit_statements.values()))
        for chunk in range(0, len(sids), 500):
            for rid, sid in conn.execute(
                select(rowid, t.quotes.c.statement_id)
                .where(t.quotes.c.statement_id.in_(sids[chunk : chunk + 500]))
                .order_by(t.quotes.c.statement_id, rowid)
            ):
                members.setdefault(sid, []).append(rid)
        out: list[int] = []
        seen: set[int] = set()
        for rid in ranked:
            for r in [rid, *members.get(hit_statements.get(rid, ""), [])]:
                if r not in seen and len(out) < cap:
                    seen.add(r)
                    out.append(r)
        return out

    def quote_period_counts(self, *, group: str = "month", **filters: Any) -> list[dict[str, Any]]:
        """Dated statements per period, oldest first, as ``timeline`` counts them (a statement
        reported by several outlets counts once, at its earliest date), reading two columns."""
        where, _ = self._quote_query(**filters)
        when = func.coalesce(t.quotes.c.said_date, t.articles.c.published)
        joined = t.quotes.join(t.articles, t.articles.c.id == t.quotes.c.article_id)
        with self.engine.connect() as conn:
            rows = conn.execute(select(when, t.quotes.c.statement_id, t.quotes.c.id).select_from(joined).where(where))
            first: dict[str, str] = {}
            for date, sid, qid in rows:
                if date:
                    key = sid or qid
                    if key not in first or date < first[key]:
                        first[key] = date
        counts: dict[str, int] = {}
        for date in first.values():
            b = _bucket(date, group)
            counts[b] = counts.get(b, 0) + 1
        return [{"period": k, "count": v} for k, v in sorted(counts.items())]

    def statement_summaries(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
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
        return {r[0]: dict(r._mapping) for r in rows}



# ------------------------------------------------------------------ helpers
# Statements of the ingest hot path, built once: SQLAlchemy then reuses their compiled form.
_HAS_ARTICLE = select(t.articles.c.id).where(t.articles.c.id == bindparam("id"))
_HAS_SIGHTING = select(t.sightings.c.id).where(
    t.sightings.c.article_id == bindparam("a"),
    t.sightings.c.source_path == bindparam("p"),
    t.sightings.c.source_record == bindparam("r"),
)
_INSERT_SIGHTING = insert(t.sightings)
_INSERT_ARTICLE = insert(t.articles)
_INSERT_QUOTE = insert(t.quotes)
_NEXT_SEQ = select(func.coalesce(func.max(t.articles.c.seq), 0))


def _like_escape(value: str) -> str:
    """User text taken literally in LIKE: % and _ are not wildcards."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contains(column: Any, value: str) -> Any:
    """Case-insensitive substring test, the same on SQLite and PostgreSQL."""
    return column.ilike(f"%{_like_escape(value)}%", escape="\\")


def _lock_timeout() -> float:
    try:
        return float(os.environ.get("ONRECORD_LOCK_TIMEOUT", LOCK_TIMEOUT_S))
    except ValueError:
        return LOCK_TIMEOUT_S


def _sqlite_begin(conn: Connection) -> None:
    """Emit BEGIN ourselves: IMMEDIATE for writes (the lock first), deferred for reads."""
    write = conn.get_execution_options().get("onrecord_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _meta_int(conn: Connection, key: str) -> int:
    value = conn.execute(select(t.meta.c.value).where(t.meta.c.key == key)).scalar()
    return int(value) if value is not None else 0


def _set_meta(conn: Connection, key: str, value: str) -> None:
    if conn.execute(update(t.meta).where(t.meta.c.key == key).values(value=value)).rowcount == 0:
        conn.execute(insert(t.meta).values(key=key, value=value))


def _mark_changed(conn: Connection) -> None:
    """Count one change to what linking reads; linking is due until it has seen this count."""
    _set_meta(conn, "changes", str(_meta_int(conn, "changes") + 1))


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # pysqlite's own implicit BEGIN comes only before a write, after a read may already have
    # seen an older state; _sqlite_begin emits BEGIN instead (SQLAlchemy's documented recipe).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    # WAL: readers never wait on an ingest; NORMAL is durable enough with WAL.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={int(_lock_timeout() * 1000)}")
    cur.close()


def _until(value: str) -> str:
    """An inclusive upper bound: '2024-01' includes the whole month."""
    return value + "\uffff"


def _bucket(date: str, group: str) -> str:
    if group == "day":
        return date[:10]
    if group == "week":
        try:
            d = datetime.fromisoformat(date[:10])
        except ValueError:
            return date[:7]
        year, week, _ = d.isocalendar()
        return f"{year}-W{week:02d}"
    if group == "year":
        return date[:4]
    return date[:7]


def _article_dict(m: Any) -> dict[str, Any]:
    d = dict(m)
    d.pop("signature", None)
    d.pop("story_features", None)
    d.pop("seq", None)
    return d


def _article_from_row(m: Any) -> Article:
    return Article(
        id=m["id"],
        text=m["text"],
        title=m["title"],
        outlet=m["outlet"],
        url=m["url"],
        authors=list(m["authors"] or []),
        published=m["published"],
        published_raw=m["published_raw"],
        language=m["language"],
        source_path=m["source_path"],
        source_record=m["source_record"],
        format=m["format"],
        title_span=Span(*m["title_span"]) if m["title_span"] else None,
        skip_ranges=[SkipRange(**r) for r in (m["skip_ranges"] or [])],
        extra=dict(m["extra"] or {}),
    )


def _quote_dict(m: Any) -> dict[str, Any]:
    d = dict(m)
    role = lambda name: (  # noqa: E731
        {"text": d.pop(f"{name}_text"), "spans": d.pop(f"{name}_spans")}
        if d.get(f"{name}_text") is not None
        else (d.pop(f"{name}_text"), d.pop(f"{name}_spans"), None)[2]
    )
    d["content"] = role("content")
    d["cue"] = role("cue")
    d["source"] = role("source")
    d["date"] = d.get("said_date") or d.get("article_date")
    return d


def _quote_from_row(m: Any) -> Quote:
    from onrecord.models import RoleSpan, SpeakerRef

    def role(name: str) -> RoleSpan | None:
        if m[f"{name}_text"] is None:
            return None
        return RoleSpan(m[f"{name}_text"], [Span(*s) for s in m[f"{name}_spans"]])

    speakers = [
        SpeakerRef(
            name=s["name"],
            type=s.get("type", "unknown"),
            resolved_via=s.get("resolved_via", "name"),
            evidence_spans=[Span(*e) for e in s.get("evidence_spans", [])],
            confidence=s.get("confidence", 1.0),
            chain=list(s.get("chain", [])),
        )
        for s in m["speakers"] or []
    ]
    content = role("content")
    assert content is not None
    return Quote(
        id=m["id"],
        kind=m["kind"],
        content=content,
        cue=role("cue"),
        source=role("source"),
        speakers=speakers,
        confidence=m["confidence"],
        sentence=Span(*m["sentence"]) if m["sentence"] else None,
        act=m.get("act") or "speech",
        rule=m.get("rule") or "",
    )


__all__ = ["Store", "StoreError", "resolve_db_url", "fold"]
