"""What every job of the store stands on: the engine, the write lock, migrations, the linking marker."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, insert, select, text, update
from sqlalchemy.exc import OperationalError

from onrecord.store import schema as t

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



class StoreBase:
    """A connection to one database, migrated on open; the jobs of the store are mixins over it."""

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
                _bump_revision(conn)
        except OperationalError as exc:
            if "locked" in str(exc.orig) or "busy" in str(exc.orig):
                raise StoreBusy(
                    f"another process is writing to {self.url} and held it over {_lock_timeout():.0f}s;"
                    " run this again when it has finished (nothing was lost)"
                ) from None
            raise

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

    def changes(self) -> int:
        """How many changes linking depends on were written so far (articles, quotes, corrections)."""
        with self.engine.connect() as conn:
            return _meta_int(conn, "changes")

    def link_due(self) -> bool:
        """True when something was written since the last complete linking (an interrupted run)."""
        with self.engine.connect() as conn:
            return _meta_int(conn, "changes") > _meta_int(conn, "linked")


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


def _wal(cur: Any) -> None:
    """Put the file in WAL mode (it stays so). Switching takes a lock that SQLite does not wait for
    (busy_timeout does not apply): two processes opening a new file at once would fail one of them,
    so a file already in WAL is left alone and a switch that meets the lock is tried again."""
    if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
        return
    deadline = time.monotonic() + _lock_timeout()
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # pysqlite's own implicit BEGIN comes only before a write, after a read may already have
    # seen an older state; _sqlite_begin emits BEGIN instead (SQLAlchemy's documented recipe).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={int(_lock_timeout() * 1000)}")
    # WAL: readers never wait on an ingest; NORMAL is durable enough with WAL.
    _wal(cur)
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()



_BUMP_REVISION = text(
    "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS VARCHAR(32)) WHERE key = 'revision'"
)


def _bump_revision(conn: Connection) -> None:
    """Every committed write changes the revision: HTTP caches key on it (``Reads.revision``). One
    statement: it runs at the end of every write transaction."""
    if conn.execute(_BUMP_REVISION).rowcount == 0:
        conn.execute(insert(t.meta).values(key="revision", value="1"))
