"""Full-text search: the SQLite FTS5 tables kept in step with the rows, and the ranked queries over them.

``quotes_fts`` (rowid = quotes.rowid) and ``articles_fts`` (rowid = articles.seq) are derived
data: rebuilt in bulk after commits (``refresh``), never the only copy of anything. PostgreSQL
has no FTS5 here; the reads fall back to a case-insensitive substring match.
"""

from __future__ import annotations

import json
import re
from array import array
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, text, update

from onrecord.models import Article, SkipRange
from onrecord.store import schema as t
from onrecord.store.engine import _meta_int, _set_meta

RANKED_CAP = 5000  # direct hits a search ranks; other reports of their statements come on top


def fts_query(q: str) -> str:
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


def ranked_quote_ids(conn: Connection, query: str, limit: int = RANKED_CAP) -> list[str]:
    """Quote ids matching ``query`` (user text), best first."""
    fq = fts_query(query)
    if not fq:
        return []
    rows = conn.execute(
        text("SELECT quote_id FROM quotes_fts WHERE quotes_fts MATCH :q ORDER BY rank LIMIT :n"), {"q": fq, "n": limit}
    ).all()
    return [r[0] for r in rows]


# Each direct hit, then the other reports of its statement (so a search for one outlet's wording
# also finds the outlets that worded the same statement differently), in one statement: the
# order is (rank of the statement's best hit, that hit before the others, rowid).
_EXPANDED = """
WITH hits AS (
    SELECT rowid AS rid, row_number() OVER (ORDER BY rank) AS pos
    FROM quotes_fts WHERE quotes_fts MATCH :fq ORDER BY rank LIMIT :cap
),
hit_quotes AS (SELECT h.rid, h.pos, q.statement_id AS sid FROM hits h JOIN quotes q ON q.rowid = h.rid),
best AS (
    -- SQLite fills the bare column (rid) from the row holding min(pos): the statement's best hit.
    SELECT sid, min(pos) AS pos, rid AS first_rid FROM hit_quotes WHERE sid IS NOT NULL GROUP BY sid
),
expanded AS (
    SELECT rid, pos AS grp, 0 AS sub, 1 AS direct FROM hit_quotes WHERE sid IS NULL
    UNION ALL
    SELECT q.rowid, b.pos, q.rowid != b.first_rid, q.rowid IN (SELECT rid FROM hits)
    FROM best b JOIN quotes q ON q.statement_id = b.sid
)
"""


_HITS_ONLY = """
WITH hits AS (
    SELECT rowid AS rid, row_number() OVER (ORDER BY rank) AS pos
    FROM quotes_fts WHERE quotes_fts MATCH :fq ORDER BY rank LIMIT :cap
),
expanded AS (SELECT rid, pos AS grp, 0 AS sub, 1 AS direct FROM hits)
"""


def search_order(conn: Connection, fq: str, *, other_reports: bool = True) -> array[int]:
    """Every match in search order, as quote rowids; negative for a report found through its statement."""
    cte = _EXPANDED if other_reports else _HITS_ONLY
    rows = conn.execute(
        text(cte + " SELECT rid, direct FROM expanded ORDER BY grp, sub, rid"), {"fq": fq, "cap": RANKED_CAP}
    )
    return array("q", (rid if direct else -rid for rid, direct in rows))


@dataclass
class RankedHits:
    """What an unfiltered search page needs: the ranked hits and the size of each one's group
    (1, or every report of its statement), so a page reads only the statements it shows."""

    hits: list[tuple[int, str | None]]  # (quote rowid, statement id) by rank
    groups: list[tuple[int, str | None, int]]  # (first hit rowid, statement id, rows in the group)
    hit_set: frozenset[int]

    @property
    def total(self) -> int:
        return sum(size for _, _, size in self.groups)


def ranked_hits(conn: Connection, fq: str) -> RankedHits:
    rows = conn.execute(
        text(
            "SELECT h.rid, q.statement_id FROM (SELECT rowid AS rid, rank FROM quotes_fts "
            "WHERE quotes_fts MATCH :fq ORDER BY rank LIMIT :cap) h JOIN quotes q ON q.rowid = h.rid ORDER BY h.rank"
        ),
        {"fq": fq, "cap": RANKED_CAP},
    ).all()
    hits = [(r[0], r[1]) for r in rows]
    sids = sorted({sid for _, sid in hits if sid})
    sizes: dict[str, int] = {}
    if sids:
        sizes = dict(
            conn.execute(
                text(
                    "SELECT statement_id, count(*) FROM quotes "
                    "WHERE statement_id IN (SELECT value FROM json_each(:sids)) GROUP BY statement_id"
                ),
                {"sids": json.dumps(sids)},
            ).all()
        )
    groups: list[tuple[int, str | None, int]] = []
    seen: set[str] = set()
    for rid, sid in hits:
        if sid is None:
            groups.append((rid, None, 1))
        elif sid not in seen:
            seen.add(sid)
            groups.append((rid, sid, sizes.get(sid, 1)))
    return RankedHits(hits, groups, frozenset(rid for rid, _ in hits))


def page_of(conn: Connection, ranked: RankedHits, *, limit: int, offset: int) -> list[int]:
    """The rowids of one page in search order (negative: found through its statement)."""
    out: list[int] = []
    start = 0
    for first, sid, size in ranked.groups:
        if start >= offset + limit:
            break
        if start + size > offset:
            if sid is None:
                members = [first]
            else:
                others = conn.execute(
                    text("SELECT rowid FROM quotes WHERE statement_id = :s ORDER BY rowid"), {"s": sid}
                ).scalars().all()
                members = [first, *(r for r in others if r != first)]
            lo, hi = max(0, offset - start), min(len(members), offset + limit - start)
            out += [r if r in ranked.hit_set else -r for r in members[lo:hi]]
        start += size
    return out


def filtered_positions(conn: Connection, order: array[int], where_sql: str, params: dict[str, Any]) -> array[int]:
    """The positions in ``order`` whose quotes pass ``where_sql`` (columns of ``quotes`` and ``articles``)."""
    rows = conn.execute(
        text(
            "SELECT e.key FROM json_each(:order) e JOIN quotes ON quotes.rowid = abs(e.value) "
            f"JOIN articles ON articles.id = quotes.article_id WHERE {where_sql} ORDER BY e.key"
        ),
        {"order": json.dumps(order.tolist())} | params,
    )
    return array("q", (r[0] for r in rows))


def search_revision(conn: Connection) -> int:
    """Changes whenever a search could answer differently (rows indexed, quotes replaced, relinked)."""
    return _meta_int(conn, "search_revision")


def bump_search_revision(conn: Connection) -> None:
    _set_meta(conn, "search_revision", str(_meta_int(conn, "search_revision") + 1))


# PostgreSQL: the same order from the generated tsvector (ties by id; SQLite's by rowid).
_PG_ORDER = """
WITH hits AS (
    SELECT q.id AS qid, q.statement_id AS sid,
           row_number() OVER (ORDER BY ts_rank(q.content_tsv, query) DESC, q.id) AS pos
    FROM quotes q, websearch_to_tsquery('simple', :q) query
    WHERE q.content_tsv @@ query ORDER BY pos LIMIT :cap
),
best AS (SELECT DISTINCT ON (sid) sid, pos, qid AS first_qid FROM hits WHERE sid IS NOT NULL ORDER BY sid, pos),
expanded AS (
    SELECT qid, pos AS grp, 0 AS sub, true AS direct FROM hits WHERE sid IS NULL
    UNION ALL
    SELECT q.id, b.pos, CASE WHEN q.id = b.first_qid THEN 0 ELSE 1 END, q.id IN (SELECT qid FROM hits)
    FROM best b JOIN quotes q ON q.statement_id = b.sid
)
"""


def pg_search_order(conn: Connection, query: str, *, other_reports: bool = True) -> list[tuple[str, bool]]:
    """PostgreSQL: every match in search order as (quote id, matched directly)."""
    tail = " SELECT qid, direct FROM expanded ORDER BY grp, sub, qid" if other_reports else (
        " SELECT qid, true FROM hits ORDER BY pos"
    )
    rows = conn.execute(text(_PG_ORDER + tail), {"q": query, "cap": RANKED_CAP}).all()
    return [(r[0], bool(r[1])) for r in rows]


def pg_snippets(conn: Connection, query: str, quote_ids: list[str]) -> dict[str, str]:
    if not quote_ids:
        return {}
    rows = conn.execute(
        text(
            "SELECT id, ts_headline('simple', content_text, websearch_to_tsquery('simple', :q), "
            "'StartSel=[, StopSel=], MaxWords=24, MinWords=8') FROM quotes WHERE id = ANY(:ids)"
        ),
        {"q": query, "ids": quote_ids},
    ).all()
    return {r[0]: r[1] for r in rows}


def quote_snippets(conn: Connection, fq: str, rowids: list[int]) -> dict[int, str]:
    """The matching words of each quote, [bracketed], for the rows of one page."""
    if not rowids:
        return {}
    rows = conn.execute(
        text(
            "SELECT rowid, snippet(quotes_fts, 0, '[', ']', '…', 24) FROM quotes_fts "
            "WHERE quotes_fts MATCH :q AND rowid IN (SELECT value FROM json_each(:ids))"
        ),
        {"q": fq, "ids": json.dumps(rowids)},
    ).all()
    return {r[0]: r[1] for r in rows}


def article_hits(conn: Connection, fq: str, limit: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        text(
            "SELECT article_id, title, snippet(articles_fts, 1, '[', ']', '…', 24) "
            "FROM articles_fts WHERE articles_fts MATCH :q ORDER BY rank LIMIT :n"
        ),
        {"q": fq, "n": limit},
    ).all()
    return [{"id": a, "title": ti, "snippet": sn} for a, ti, sn in rows]


def forget_article_quotes(conn: Connection, article_id: str) -> None:
    """Drop the full-text rows of an article's quotes (before they are replaced)."""
    conn.execute(
        text("DELETE FROM quotes_fts WHERE rowid IN (SELECT rowid FROM quotes WHERE article_id = :a)"),
        {"a": article_id},
    )
    bump_search_revision(conn)


def refresh(conn: Connection, batch: int) -> int:
    """Index up to ``batch`` articles (and their quotes) not indexed yet; returns how many."""
    rows = conn.execute(
        select(t.articles.c.seq, t.articles.c.id, t.articles.c.title, t.articles.c.text, t.articles.c.skip_ranges)
        .where(t.articles.c.fts_indexed.is_(False))
        .limit(batch)
    ).all()
    if not rows:
        return 0
    params = []
    for seq, aid, title, body_text, skips in rows:
        art = Article(id=aid, text=body_text, skip_ranges=[SkipRange(**r) for r in skips or []])
        body = " ".join(s.slice(body_text) for s in art.body_ranges())
        params.append({"rowid": seq, "t": title or "", "b": body, "id": aid})
    ids = [p["id"] for p in params]
    conn.execute(text("DELETE FROM articles_fts WHERE rowid = :rowid"), [{"rowid": p["rowid"]} for p in params])
    conn.execute(
        text("INSERT INTO articles_fts(rowid, title, body, article_id) VALUES (:rowid, :t, :b, :id)"), params
    )
    binds = {"ids": json.dumps(ids)}
    conn.execute(
        text(
            "DELETE FROM quotes_fts WHERE rowid IN "
            "(SELECT rowid FROM quotes WHERE article_id IN (SELECT value FROM json_each(:ids)))"
        ),
        binds,
    )
    conn.execute(
        text(
            "INSERT INTO quotes_fts(rowid, content, speaker, outlet, quote_id) "
            "SELECT q.rowid, q.content_text, coalesce(q.speaker_names, ''), coalesce(a.outlet, ''), q.id "
            "FROM quotes q JOIN articles a ON a.id = q.article_id "
            "WHERE q.article_id IN (SELECT value FROM json_each(:ids))"
        ),
        binds,
    )
    conn.execute(update(t.articles).where(t.articles.c.id.in_(ids)).values(fts_indexed=True))
    bump_search_revision(conn)
    return len(rows)
