"""Writing a linking result (speakers, roles, statements, per-quote facts) into the store.

Every row linking writes carries a digest of its values, so writing a result compares digests
and touches only the rows that changed: after an ingest of a few articles into a large store,
a relink rewrites the quotes, speakers and statements those articles touched, not all of them.
The rows written are the same whatever was stored before (a quote that loses its last linked
speaker gets back the names its article gave), so an incremental relink and a full one leave
the same store.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, is_dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, text, update

from onrecord.store import fulltext
from onrecord.store import schema as t

if TYPE_CHECKING:
    from onrecord.store.engine import StoreBase

_CHUNK = 500  # ids per IN (...) list: well under SQLite's and PostgreSQL's parameter limits
_SCAN_FROM = 5_000  # keys asked at once from which a cache is read whole


def _plain(value: Any) -> Any:
    """Dataclasses (nested) to dicts, sets to sorted lists: JSON-ready."""
    if value is None or isinstance(value, (str, int, float)):
        return value
    if is_dataclass(value) and not isinstance(value, type):
        fields = vars(value) if hasattr(value, "__dict__") else asdict(value)  # vars: no deep copy first
        return {k: _plain(v) for k, v in fields.items()}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(v) for v in value)
    return value


def digest(value: Any) -> str:
    """A short digest of a JSON-ready value. ``repr`` (faster than JSON) is stable here: the rows are built
    by this module in a fixed key order, of str, int, float, bool, None, lists and dicts."""
    return hashlib.blake2b(repr(value).encode(), digest_size=12).hexdigest()


def chunks(items: Iterable[str], size: int = _CHUNK) -> Iterator[list[str]]:
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def write_link_result(conn: Connection, result: Any, *, rewrite: bool = False) -> int:
    """Make the stored links those of ``result``; returns how many rows changed. ``rewrite``: write every
    statement again, whatever digest is stored (a full relink: the code that builds them may have changed)."""
    names = {s.key: s.name for s in result.speakers}
    changed = _write_quote_links(conn, result, names)
    changed += _write_speakers(conn, result)
    changed += _write_statements(conn, result, names, rewrite)
    if changed:
        fulltext.bump_search_revision(conn)  # speaker names and statements are part of search results
    return changed


# --- quotes ---------------------------------------------------------------------------


_QUOTE_COLUMNS = (
    "speaker_keys",
    "speaker_names",
    "statement_id",
    "said_date",
    "said_date_basis",
    "said_date_precision",
    "topics",
    "organisations",
)
_UNLINKED = (None,) * len(_QUOTE_COLUMNS)


def _quote_values(result: Any, names: dict[str, str]) -> dict[str, tuple[Any, ...]]:
    """What linking says of each quote it saw, in ``_QUOTE_COLUMNS`` order (speaker names None: the
    article's own stay)."""
    statement_of = getattr(result, "quote_statement", None) or {
        rep.quote_id: st.id for st in result.statements for rep in st.reports
    }
    joined: dict[tuple[str, ...], str] = {}  # speaker names per key set (many quotes share one)
    out: dict[str, tuple[Any, ...]] = {}
    for qid in set(result.quote_speakers) | set(result.quote_info):
        keys = list(result.quote_speakers.get(qid, []))
        ks = tuple(keys)
        if keys and ks not in joined:
            joined[ks] = "; ".join([names.get(k, k) for k in keys])
        qi = result.quote_info.get(qid)
        out[qid] = (
            keys,
            joined[ks] if keys else None,
            statement_of.get(qid),
            *(
                (qi.said_date, qi.said_date_basis, qi.said_date_precision, list(qi.topics), list(qi.organisations))
                if qi
                else (None,) * 5
            ),
        )
    return out


_UPDATE_QUOTE = (
    update(t.quotes)
    .where(t.quotes.c.id == bindparam("qid"))
    .values(
        speaker_keys=bindparam("speaker_keys", type_=t.NullableJSON),
        speaker_names=bindparam("speaker_names"),
        statement_id=bindparam("statement_id"),
        said_date=bindparam("said_date"),
        said_date_basis=bindparam("said_date_basis"),
        said_date_precision=bindparam("said_date_precision"),
        topics=bindparam("topics", type_=t.NullableJSON),
        organisations=bindparam("organisations", type_=t.NullableJSON),
        link_digest=bindparam("link_digest"),
    )
)


def _write_quote_links(conn: Connection, result: Any, names: dict[str, str]) -> int:
    wanted = _quote_values(result, names)
    stored = dict(conn.execute(select(t.quotes.c.id, t.quotes.c.link_digest)).all())
    updates: list[dict[str, Any]] = []
    unlinked: list[str] = []  # no linked speaker now: the names the article gave come back
    for qid, old in stored.items():
        values = wanted.get(qid, _UNLINKED)
        new = digest(values)
        if new == old:
            continue
        updates.append({"qid": qid, **dict(zip(_QUOTE_COLUMNS, values, strict=True)), "link_digest": new})
        if values[1] is None:
            unlinked.append(qid)
    if not updates:
        return 0
    own_names = _article_speaker_names(conn, unlinked)
    for row in updates:
        if row["speaker_names"] is None:
            row["speaker_names"] = own_names.get(row["qid"])
    conn.execute(_UPDATE_QUOTE, updates)
    ids = [row["qid"] for row in updates]
    _replace_quote_speakers(conn, ids, wanted, {s.key for s in result.speakers})
    for batch in chunks(ids):
        t.fill_quote_dates(conn, batch)
    if conn.dialect.name == "sqlite":  # search on speaker names follows linking
        conn.execute(
            text("UPDATE quotes_fts SET speaker = :s WHERE rowid = (SELECT rowid FROM quotes WHERE id = :id)"),
            [{"s": row["speaker_names"] or "", "id": row["qid"]} for row in updates],
        )
    return len(updates)


def _article_speaker_names(conn: Connection, quote_ids: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for batch in chunks(quote_ids):
        for qid, refs in conn.execute(select(t.quotes.c.id, t.quotes.c.speakers).where(t.quotes.c.id.in_(batch))):
            out[qid] = "; ".join(r.get("name", "") for r in refs or [])
    return out


def _replace_quote_speakers(
    conn: Connection, ids: list[str], wanted: dict[str, tuple[Any, ...]], known: set[str]
) -> None:
    for batch in chunks(ids):
        conn.execute(delete(t.quote_speakers).where(t.quote_speakers.c.quote_id.in_(batch)))
    rows = [
        {"quote_id": qid, "speaker_key": k}
        for qid in ids
        for k in dict.fromkeys(wanted.get(qid, _UNLINKED)[0] or [])
        if k in known
    ]
    if rows:
        conn.execute(insert(t.quote_speakers), rows)


# --- speakers -------------------------------------------------------------------------


def _speaker_rows(result: Any) -> dict[str, tuple[dict[str, Any], list[dict[str, Any]]]]:
    counts: dict[str, int] = defaultdict(int)
    for keys in result.quote_speakers.values():
        for k in dict.fromkeys(keys):
            counts[k] += 1
    out = {}
    for s in result.speakers:
        data = {k: _plain(v) for k, v in vars(s).items() if k not in {"key", "name", "type", "aliases", "roles"}}
        row = {
            "key": s.key,
            "name": s.name,
            "type": s.type,
            "aliases": _plain(sorted(set(s.aliases))),
            "quote_count": counts.get(s.key, 0),
            "first_seen": data.get("first_seen"),
            "last_seen": data.get("last_seen"),
            "data": data,
        }
        roles = [
            {
                "title": r.title,
                "organisation": r.organisation,
                "person": r.person,
                "speaker_key": s.key,
                "start": r.start,
                "end": r.end,
                "source": r.source,
                "evidence": _plain(r.evidence),
            }
            for r in s.roles
        ]
        row["digest"] = digest([row, roles])
        out[s.key] = (row, roles)
    return out


def _write_speakers(conn: Connection, result: Any) -> int:
    wanted = _speaker_rows(result)
    stored = dict(conn.execute(select(t.speakers.c.key, t.speakers.c.digest)).all())
    gone = [k for k, d in stored.items() if k not in wanted or wanted[k][0]["digest"] != d]
    new = [k for k, (row, _) in wanted.items() if stored.get(k) != row["digest"]]
    for batch in chunks(gone):
        conn.execute(delete(t.speakers).where(t.speakers.c.key.in_(batch)))
        conn.execute(delete(t.speaker_aliases).where(t.speaker_aliases.c.speaker_key.in_(batch)))
        conn.execute(delete(t.roles).where(t.roles.c.speaker_key.in_(batch)))
    if not new:
        return len(gone)
    rows = [wanted[k][0] for k in new]
    conn.execute(insert(t.speakers), rows)
    aliases = sorted(
        {(t.fold(form), row["key"]) for row in rows for form in (row["key"], row["name"], *row["aliases"]) if form}
    )
    aliases = [(f, k) for f, k in aliases if f]
    if aliases:
        conn.execute(insert(t.speaker_aliases), [{"folded": f, "speaker_key": k} for f, k in aliases])
    roles = [r for k in new for r in wanted[k][1]]
    if roles:
        conn.execute(insert(t.roles), roles)
    return len(set(gone) | set(new))


# --- statements -----------------------------------------------------------------------


def _statement_row(st: Any, names: dict[str, str]) -> dict[str, Any]:
    reports = [_report(r) for r in st.reports]
    earliest = next((r for r in reports if r.get("is_earliest")), reports[0])
    return {
        "id": st.id,
        "speaker_key": st.speaker_key,
        "speaker_name": names.get(st.speaker_key or "", st.speaker_key),
        "date": earliest.get("said_date") or earliest.get("article_date"),
        "drift": bool(st.drift),
        "report_count": len(reports),
        "text": earliest.get("text", ""),
        "diff": _plain(st.diff),
        "reports": reports,
        "confidence": st.confidence,
    }


def _report(r: Any) -> dict[str, Any]:
    """A StatementReport as a dict (its fields are plain values: no deep copy as ``asdict`` makes)."""
    return dict(vars(r)) if hasattr(r, "__dict__") else _plain(r)


def _write_statements(conn: Connection, result: Any, names: dict[str, str], rewrite: bool = False) -> int:
    # Each statement's digest: from linking (``speakers.Statements.digests``: of what it is made from, so
    # a statement is built only when it changed), else of the statement as given and its speaker's name.
    sts = result.statements
    digests: dict[str, str] | None = getattr(sts, "digests", None)
    if digests is None:
        given = {st.id: st for st in sts}
        digests = {i: digest((repr(st), names.get(st.speaker_key or ""))) for i, st in given.items()}
        statement = given.__getitem__
    else:
        statement = sts.by_id
    stored = dict(conn.execute(select(t.statements.c.id, t.statements.c.digest)).all())
    if rewrite:  # every row built again (the linker changed): none is taken as current
        gone, new = list(stored), list(digests)
    else:
        gone = [i for i, d in stored.items() if digests.get(i) != d]
        new = [i for i, d in digests.items() if stored.get(i) != d]
    for batch in chunks(gone):
        conn.execute(delete(t.statements).where(t.statements.c.id.in_(batch)))
    if new:
        rows = [{**_statement_row(statement(i), names), "digest": digests[i]} for i in new]
        conn.execute(insert(t.statements), rows)
    return len(set(gone) | set(new))


# --- derived values ---------------------------------------------------------------------


class LinkCache:
    """What linking derives from one input alone (a text's topics), by the input's digest.

    ``kind`` names what was derived and by which code and model, so a new version never reads
    an old one's values. Values are plain JSON.
    """

    def __init__(self, store: StoreBase, kind: str) -> None:
        self.store = store
        self.kind = kind
        self.asked: set[str] = set()  # every key asked for: what this run needs kept
        self._stored: set[str] | None = None  # every key stored, when a scan saw them

    def get_many(self, keys: list[str]) -> dict[str, Any]:
        c = t.link_cache.c
        wanted = dict.fromkeys(keys)
        self.asked.update(wanted)
        out: dict[str, Any] = {}
        with self.store.engine.connect() as conn:
            if len(wanted) > _SCAN_FROM:  # a relink asks for most of a kind: one scan beats many IN lists
                rows = conn.execute(select(c.key, c.value).where(c.kind == self.kind)).all()
                self._stored = {k for k, _ in rows}
                return {k: v for k, v in rows if k in wanted}
            for batch in chunks(wanted):
                rows = conn.execute(select(c.key, c.value).where(c.kind == self.kind, c.key.in_(batch)))
                out.update(rows.all())
        return out

    def keep(self, keys: Iterable[str]) -> None:
        """Keep these values through ``prune`` without reading them (what a value of another kind,
        read instead, was derived from)."""
        self.asked.update(keys)

    def put_many(self, values: dict[str, Any]) -> None:
        if not values:
            return
        c = t.link_cache.c
        with self.store._write() as conn:
            for batch in chunks(values):  # another relink may have put some meanwhile
                conn.execute(delete(t.link_cache).where(c.kind == self.kind, c.key.in_(batch)))
            conn.execute(insert(t.link_cache), [{"kind": self.kind, "key": k, "value": v} for k, v in values.items()])

    def prune(self) -> int:
        """Forget the values of this kind no key asked for since this cache was made (inputs that changed
        or went: a speaker's earlier quote sets, quotes replaced by reprocess); returns how many."""
        c = t.link_cache.c
        stored = self._stored
        if stored is None:
            with self.store.engine.connect() as conn:
                count = conn.execute(select(func.count()).where(c.kind == self.kind)).scalar_one()
                if count <= len(self.asked):
                    return 0
                stored = set(conn.execute(select(c.key).where(c.kind == self.kind)).scalars())
        stale = sorted(stored - self.asked)
        if stale:
            with self.store._write() as conn:
                for batch in chunks(stale):
                    conn.execute(delete(t.link_cache).where(c.kind == self.kind, c.key.in_(batch)))
        return len(stale)

    def clear(self, every_kind: bool = False) -> None:
        with self.store._write() as conn:
            if every_kind:
                conn.execute(delete(t.link_cache))
            else:
                conn.execute(delete(t.link_cache).where(t.link_cache.c.kind == self.kind))
