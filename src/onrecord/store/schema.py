"""Tables of the onrecord store (SQLAlchemy Core) and their migrations.

The schema is versioned: ``meta.schema_version`` says which migrations ran.
A migration is a plain function over a connection, so one for PostgreSQL can
sit beside the SQLite one without the rest of onrecord knowing.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    inspect,
    text,
)

from onrecord.folding import fold  # the one fold: aliases are found by what linking folds

metadata = MetaData()

# Python None is SQL NULL on every backend (SQLAlchemy's JSON default writes JSON 'null' on PostgreSQL).
NullableJSON = JSON(none_as_null=True)

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

articles = Table(
    "articles",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("title", Text),
    Column("outlet", Text),
    Column("url", Text),
    Column("authors", JSON, nullable=False),
    Column("published", String(40)),
    Column("published_raw", Text),
    Column("language", String(16)),
    Column("format", String(16)),
    Column("source_path", Text),
    Column("source_record", Integer),
    Column("text", Text, nullable=False),
    Column("title_span", NullableJSON),
    Column("skip_ranges", JSON, nullable=False),
    Column("extra", JSON, nullable=False),
    # Deduplication outcome: a near-duplicate points at its earliest copy.
    Column("duplicate_of", String(64)),
    Column("similarity", Float),
    Column("story_id", String(64)),
    # What the deduplicator needs to rebuild its indexes without the texts.
    Column("signature", LargeBinary),
    Column("story_features", NullableJSON),
    Column("ingested_at", String(40), nullable=False),
    Column("seq", Integer, nullable=False),  # ingest order, for stable listings; rowid of its FTS row
    # Full-text rows are derived data, built in bulk after commits (10x cheaper than per article).
    Column("fts_indexed", Boolean, nullable=False, default=False),
)
Index("ix_articles_fts_pending", articles.c.fts_indexed)
Index("ix_articles_published", articles.c.published)
Index("ix_articles_story", articles.c.story_id)
Index("ux_articles_seq", articles.c.seq, unique=True)

# Every place an article was seen: exact copies are stored once, seen many times.
sightings = Table(
    "sightings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("article_id", String(64), ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("source_path", Text, nullable=False),
    Column("source_record", Integer, nullable=False, default=0),
    Column("seen_at", String(40), nullable=False),
    UniqueConstraint("article_id", "source_path", "source_record", name="uq_sighting"),
)
Index("ix_sightings_article", sightings.c.article_id)

quotes = Table(
    "quotes",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("article_id", String(64), ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("start", Integer, nullable=False),
    Column("content_text", Text, nullable=False),
    Column("content_spans", JSON, nullable=False),
    Column("cue_text", Text),
    Column("cue_spans", NullableJSON),
    Column("source_text", Text),
    Column("source_spans", NullableJSON),
    Column("speakers", JSON, nullable=False),  # in-article attribution with its evidence
    Column("confidence", Float, nullable=False),
    Column("sentence", NullableJSON),
    # Filled by linking: the speaker record(s), when it was said, what it is about.
    Column("speaker_keys", NullableJSON),
    Column("speaker_names", Text),
    Column("said_date", String(40)),
    Column("said_date_basis", Text),
    Column("said_date_precision", String(8)),
    Column("topics", NullableJSON),
    Column("organisations", NullableJSON),
    Column("statement_id", String(64)),
    Column("act", String(16)),  # speech | thought (v4; NULL on quotes extracted before it)
    Column("rule", String(64)),  # the rule or model that produced the quote (v4)
    # The date a quote is listed under: said_date, else its article's date (v7; kept by the store).
    Column("quote_date", String(40)),
    # A digest of what linking last wrote on this quote (v9): a relink rewrites only what changed.
    Column("link_digest", String(32)),
)
Index("ix_quotes_article", quotes.c.article_id)
Index("ix_quotes_said", quotes.c.said_date)
Index("ix_quotes_statement", quotes.c.statement_id)

speakers = Table(
    "speakers",
    metadata,
    Column("key", String(128), primary_key=True),
    Column("name", Text, nullable=False),
    Column("type", String(16), nullable=False),
    Column("aliases", JSON, nullable=False),
    Column("quote_count", Integer, nullable=False, default=0),
    Column("first_seen", String(40)),
    Column("last_seen", String(40)),
    Column("data", JSON, nullable=False),  # uncertain merges, outlets, anything else linking reports
    Column("digest", String(32)),  # of the row, its aliases and roles as linking wrote them (v9)
)

roles = Table(
    "roles",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("title", Text, nullable=False),
    Column("organisation", Text),
    Column("person", Text, nullable=False),
    Column("speaker_key", String(128)),
    Column("start", String(40)),
    Column("end", String(40)),
    Column("source", String(16), nullable=False),
    Column("evidence", NullableJSON),
)
Index("ix_roles_speaker", roles.c.speaker_key)

statements = Table(
    "statements",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("speaker_key", String(128)),
    Column("speaker_name", Text),
    Column("date", String(40)),
    Column("drift", Boolean, nullable=False),
    Column("report_count", Integer, nullable=False),
    Column("text", Text, nullable=False),  # the earliest report's wording
    Column("diff", NullableJSON),
    Column("reports", JSON, nullable=False),
    Column("digest", String(32)),  # of the row as linking wrote it (v9)
    Column("confidence", Float),  # mean P(same statement) over its pairs of reports (v10); None: one report
)
Index("ix_statements_speaker", statements.c.speaker_key)

# User corrections and imports survive re-ingest and reprocessing: linking reads them.
corrections = Table(
    "corrections",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("op", String(16), nullable=False),  # merge | split | rename
    Column("args", JSON, nullable=False),
    Column("created_at", String(40), nullable=False),
)

imported_roles = Table(
    "imported_roles",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("title", Text, nullable=False),
    Column("organisation", Text),
    Column("person", Text, nullable=False),
    Column("start", String(40)),
    Column("end", String(40)),
    UniqueConstraint("title", "organisation", "person", "start", "end", name="uq_imported_role"),
)


V1_TABLES = [meta, articles, sightings, quotes, speakers, roles, statements, corrections, imported_roles]


def _v1_create(conn: Connection) -> None:
    metadata.create_all(conn, tables=V1_TABLES)
    if conn.dialect.name == "sqlite":
        # Full-text search: FTS5 tables kept in step by the store itself.
        conn.execute(
            text(
                "CREATE VIRTUAL TABLE IF NOT EXISTS quotes_fts USING fts5("
                "content, speaker, outlet, quote_id UNINDEXED, tokenize='unicode61 remove_diacritics 2')"
            )
        )
        conn.execute(
            text(
                "CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5("
                "title, body, article_id UNINDEXED, tokenize='unicode61 remove_diacritics 2')"
            )
        )


# v2: sentence-embedding vectors per quote, for semantic search (the embeddings extra).
quote_embeddings = Table(
    "quote_embeddings",
    metadata,
    Column("quote_id", String(128), ForeignKey("quotes.id", ondelete="CASCADE"), primary_key=True),
    Column("model", String(64), primary_key=True),
    Column("vector", LargeBinary, nullable=False),  # float32, L2-normalised
)


def _v2_quote_embeddings(conn: Connection) -> None:
    quote_embeddings.create(conn, checkfirst=True)


# v3: linking written as plain rows, so speaker filters use indexes instead of JSON scans.
quote_speakers = Table(
    "quote_speakers",
    metadata,
    Column("quote_id", String(128), ForeignKey("quotes.id", ondelete="CASCADE"), primary_key=True),
    Column("speaker_key", String(128), primary_key=True),
    # Copies of the quote's date and statement (v7): a speaker's page is read from one index.
    Column("quote_date", String(40)),
    Column("statement_key", String(128)),  # statement id, else the quote id: what counts once
)
Index("ix_quote_speakers_key", quote_speakers.c.speaker_key)

speaker_aliases = Table(
    "speaker_aliases",
    metadata,
    Column("folded", String(256), primary_key=True),  # fold(alias): case and accents removed
    Column("speaker_key", String(128), primary_key=True),
)


def _v3_link_rows(conn: Connection) -> None:
    quote_speakers.create(conn, checkfirst=True)
    speaker_aliases.create(conn, checkfirst=True)
    # Fill from what linking wrote before this version (JSON columns).
    for qid, keys in conn.execute(text("SELECT id, speaker_keys FROM quotes WHERE speaker_keys IS NOT NULL")):
        for key in json.loads(keys) if isinstance(keys, str) else keys:
            conn.execute(quote_speakers.insert().values(quote_id=qid, speaker_key=key))
    for key, name, aliases in conn.execute(text("SELECT key, name, aliases FROM speakers")):
        forms = {key, name, *(json.loads(aliases) if isinstance(aliases, str) else aliases or [])}
        for folded in {fold(f) for f in forms if f}:
            conn.execute(speaker_aliases.insert().values(folded=folded, speaker_key=key))




# v4: what a quote reports (speech | thought) and the rule that produced it.
def _v4_quote_act_rule(conn: Connection) -> None:
    have = {c["name"] for c in inspect(conn).get_columns("quotes")}
    for name, kind in (("act", "VARCHAR(16)"), ("rule", "VARCHAR(64)")):
        if name not in have:  # v1 creates the current columns on a new store
            conn.execute(text(f"ALTER TABLE quotes ADD COLUMN {name} {kind}"))
    conn.execute(text("CREATE INDEX IF NOT EXISTS ix_quotes_act ON quotes (act)"))


# v5: one seq per article (two writers could take the same one), JSON null as SQL NULL, linking state.
def _v5_unique_seq(conn: Connection) -> None:
    dupes = conn.execute(
        text(
            "SELECT id FROM articles a WHERE EXISTS "
            "(SELECT 1 FROM articles b WHERE b.seq = a.seq AND b.id < a.id) ORDER BY seq, id"
        )
    ).scalars().all()
    top = conn.execute(text("SELECT coalesce(max(seq), 0) FROM articles")).scalar_one()
    for i, aid in enumerate(dupes, start=1):
        # A new seq is a new full-text rowid: index it again.
        conn.execute(
            text("UPDATE articles SET seq = :s, fts_indexed = :f WHERE id = :id"), {"s": top + i, "f": False, "id": aid}
        )
    if dupes and conn.dialect.name == "sqlite":
        conn.execute(text("DELETE FROM articles_fts"))
        conn.execute(text("DELETE FROM quotes_fts"))
        conn.execute(text("UPDATE articles SET fts_indexed = 0"))
    conn.execute(text("DROP INDEX IF EXISTS ix_articles_seq"))
    conn.execute(text("CREATE UNIQUE INDEX IF NOT EXISTS ux_articles_seq ON articles (seq)"))
    if conn.dialect.name == "postgresql":
        for table, cols in _NULLABLE_JSON.items():
            for col in cols:
                conn.execute(text(f'UPDATE {table} SET "{col}" = NULL WHERE "{col}"::text = \'null\''))
    # Linking state: a store whose quotes were never linked (a kill during linking) is due.
    quotes_n = conn.execute(text("SELECT count(*) FROM quotes")).scalar_one()
    linked_n = conn.execute(text("SELECT count(*) FROM speakers")).scalar_one()
    due = quotes_n > 0 and linked_n == 0
    for key, value in (("changes", "1" if due else "0"), ("linked", "0")):
        conn.execute(text("DELETE FROM meta WHERE key = :k"), {"k": key})
        conn.execute(text("INSERT INTO meta (key, value) VALUES (:k, :v)"), {"k": key, "v": value})


_NULLABLE_JSON = {
    "articles": ["title_span", "story_features"],
    "quotes": ["cue_spans", "source_spans", "sentence", "speaker_keys", "topics", "organisations"],
    "statements": ["diff"],
    "roles": ["evidence"],
}


# v6: one fold everywhere (this index used a fold of its own: "Radoslaw" missed "Radosław").
def _v6_refold_aliases(conn: Connection) -> None:
    rows = set()
    for key, name, aliases in conn.execute(text("SELECT key, name, aliases FROM speakers")).all():
        forms = {key, name, *(json.loads(aliases) if isinstance(aliases, str) else aliases or [])}
        rows |= {(fold(f), key) for f in forms if f and fold(f)}
    conn.execute(text("DELETE FROM speaker_aliases"))
    if rows:
        conn.execute(speaker_aliases.insert(), [{"folded": f, "speaker_key": k} for f, k in sorted(rows)])


# v7: reads in the order they are shown, from indexes (pages cost what they show, not what matches).
def _v7_read_indexes(conn: Connection) -> None:
    added = [("quotes", "quote_date", 40), ("quote_speakers", "quote_date", 40)]
    added.append(("quote_speakers", "statement_key", 128))
    for table, name, width in added:
        if name not in {c["name"] for c in inspect(conn).get_columns(table)}:  # v1/v3 create them on a new store
            conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {name} VARCHAR({width})"))
    fill_quote_dates(conn)
    # SQLite puts NULLs last in DESC order by itself (and has no NULLS clause in an index).
    nulls = " NULLS LAST" if conn.dialect.name == "postgresql" else ""
    for ddl in (
        f"ix_quotes_date ON quotes (quote_date DESC{nulls}, id)",
        f"ix_statements_date ON statements (date DESC{nulls}, id)",
        "ix_articles_story_seq ON articles (story_id, seq)",
        f"ix_quote_speakers_page ON quote_speakers (speaker_key, quote_date DESC{nulls}, quote_id)",
        "ix_quote_speakers_periods ON quote_speakers (speaker_key, statement_key, quote_date)",
    ):
        conn.execute(text(f"CREATE INDEX IF NOT EXISTS {ddl}"))


def fill_quote_dates(conn: Connection, quote_ids: list[str] | None = None) -> None:
    """quote_date = said_date, else the article's date, and its copies for speaker pages: for the quotes
    given (at most a few hundred), else for every quote."""
    if quote_ids is not None and not quote_ids:
        return
    params = {f"i{n}": qid for n, qid in enumerate(quote_ids or [])}
    marks = ", ".join(f":{k}" for k in params)

    def only(column: str) -> str:
        return f" WHERE {column} IN ({marks})" if quote_ids is not None else ""

    conn.execute(
        text(
            "UPDATE quotes SET quote_date = coalesce(said_date, "
            "(SELECT published FROM articles WHERE articles.id = quotes.article_id))" + only("id")
        ),
        params,
    )
    conn.execute(
        text(
            "UPDATE quote_speakers SET "
            "quote_date = (SELECT quote_date FROM quotes WHERE quotes.id = quote_speakers.quote_id), "
            "statement_key = (SELECT coalesce(statement_id, id) FROM quotes WHERE quotes.id = quote_speakers.quote_id)"
            + only("quote_id")
        ),
        params,
    )


# v8: full-text search on PostgreSQL too (SQLite has FTS5 since v1): a generated tsvector and its GIN index.
def _v8_pg_fulltext(conn: Connection) -> None:
    if conn.dialect.name != "postgresql":
        return
    conn.execute(
        text(
            "ALTER TABLE quotes ADD COLUMN IF NOT EXISTS content_tsv tsvector "
            "GENERATED ALWAYS AS (to_tsvector('simple', content_text)) STORED"
        )
    )
    conn.execute(text("CREATE INDEX IF NOT EXISTS ix_quotes_tsv ON quotes USING gin (content_tsv)"))


# v9: what linking derives from one input alone (a quote's topics from its text) kept by that input's digest,
# and digests of what linking wrote, so a relink after an ingest recomputes and rewrites only what changed.
link_cache = Table(
    "link_cache",
    metadata,
    Column("kind", String(64), primary_key=True),  # what was derived, and by which version of the code
    Column("key", String(64), primary_key=True),  # digest of the input
    Column("value", JSON, nullable=False),
)


def _v9_link_digests(conn: Connection) -> None:
    link_cache.create(conn, checkfirst=True)
    for table in ("quotes", "speakers", "statements"):
        name = "link_digest" if table == "quotes" else "digest"
        if name not in {c["name"] for c in inspect(conn).get_columns(table)}:  # v1 creates them on a new store
            conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {name} VARCHAR(32)"))


# v10: statements carry how surely their reports were joined (the pair model's mean probability).
def _v10_statement_confidence(conn: Connection) -> None:
    if "confidence" not in {c["name"] for c in inspect(conn).get_columns("statements")}:  # v1 creates it
        conn.execute(text("ALTER TABLE statements ADD COLUMN confidence FLOAT"))
    # Statements linked by the older clusterer have no confidence: the next ingest or relink links again.
    if conn.execute(text("SELECT count(*) FROM statements")).scalar_one():
        values = dict(conn.execute(text("SELECT key, value FROM meta WHERE key IN ('changes', 'linked')")).all())
        due = max(int(values.get("changes") or 0), int(values.get("linked") or 0)) + 1
        conn.execute(text("DELETE FROM meta WHERE key = 'changes'"))
        conn.execute(text("INSERT INTO meta (key, value) VALUES ('changes', :v)"), {"v": str(due)})


MIGRATIONS: list[Callable[[Connection], None]] = [
    _v1_create,
    _v2_quote_embeddings,
    _v3_link_rows,
    _v4_quote_act_rule,
    _v5_unique_seq,
    _v6_refold_aliases,
    _v7_read_indexes,
    _v8_pg_fulltext,
    _v9_link_digests,
    _v10_statement_confidence,
]
SCHEMA_VERSION = len(MIGRATIONS)
