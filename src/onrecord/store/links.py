"""Writing a linking result (speakers, roles, statements, per-quote facts) into the store."""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, null, update

from onrecord.store import fulltext
from onrecord.store import schema as t


def _plain(value: Any) -> Any:
    """Dataclasses (nested) to dicts, sets to sorted lists: JSON-ready."""
    if is_dataclass(value) and not isinstance(value, type):
        return _plain(asdict(value))
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(v) for v in value)
    return value


def write_link_result(conn: Connection, result: Any) -> None:
    conn.execute(delete(t.quote_speakers))
    conn.execute(delete(t.speaker_aliases))
    conn.execute(delete(t.speakers))
    conn.execute(delete(t.roles))
    conn.execute(delete(t.statements))
    conn.execute(
        update(t.quotes).values(
            speaker_keys=null(),
            said_date=None,
            said_date_basis=None,
            said_date_precision=None,
            topics=null(),
            organisations=null(),
            statement_id=None,
        )
    )
    speakers = {s.key: s for s in result.speakers}
    names = {k: s.name for k, s in speakers.items()}

    quote_to_statement: dict[str, str] = {}
    for st in result.statements:
        for rep in st.reports:
            quote_to_statement[rep.quote_id] = st.id

    # Per-quote facts: who (linked speaker records), when said, what about.
    quote_speakers: dict[str, list[str]] = result.quote_speakers
    info: dict[str, Any] = result.quote_info
    counts: dict[str, int] = {}
    for qid in set(quote_speakers) | set(info):
        keys = list(quote_speakers.get(qid, []))
        for k in keys:
            counts[k] = counts.get(k, 0) + 1
        qi = info.get(qid)
        values: dict[str, Any] = {
            "speaker_keys": keys,
            "statement_id": quote_to_statement.get(qid),
        }
        if keys:
            values["speaker_names"] = "; ".join(names.get(k, k) for k in keys)
        if qi is not None:
            values |= {
                "said_date": qi.said_date,
                "said_date_basis": qi.said_date_basis,
                "said_date_precision": qi.said_date_precision,
                "topics": list(qi.topics),
                "organisations": list(qi.organisations),
            }
        conn.execute(update(t.quotes).where(t.quotes.c.id == qid).values(**values))
        if conn.dialect.name == "sqlite" and keys:
            # Keep full-text search on speaker names in step with linking.
            fulltext.set_quote_speaker(conn, qid, values["speaker_names"])

    speaker_rows = []
    role_rows = []
    for s in result.speakers:
        data = {
            k: _plain(v)
            for k, v in (asdict(s) if is_dataclass(s) else dict(vars(s))).items()
            if k not in {"key", "name", "type", "aliases", "roles"}
        }
        speaker_rows.append(
            {
                "key": s.key,
                "name": s.name,
                "type": s.type,
                "aliases": _plain(sorted(set(s.aliases))),
                "quote_count": counts.get(s.key, 0),
                "first_seen": data.get("first_seen"),
                "last_seen": data.get("last_seen"),
                "data": data,
            }
        )
        for r in s.roles:
            role_rows.append(
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
            )
    if speaker_rows:
        conn.execute(insert(t.speakers), speaker_rows)
        alias_rows = {
            (t.fold(form), row["key"])
            for row in speaker_rows
            for form in (row["key"], row["name"], *row["aliases"])
            if form and t.fold(form)
        }
        conn.execute(insert(t.speaker_aliases), [{"folded": f, "speaker_key": k} for f, k in sorted(alias_rows)])
    link_rows = [
        {"quote_id": qid, "speaker_key": k}
        for qid, keys in quote_speakers.items()
        for k in dict.fromkeys(keys)
        if k in speakers
    ]
    if link_rows:
        conn.execute(insert(t.quote_speakers), link_rows)
    if role_rows:
        conn.execute(insert(t.roles), role_rows)

    statement_rows = []
    for st in result.statements:
        reports = _plain(st.reports)
        earliest = next((r for r in reports if r.get("is_earliest")), reports[0])
        statement_rows.append(
            {
                "id": st.id,
                "speaker_key": st.speaker_key,
                "speaker_name": names.get(st.speaker_key or "", st.speaker_key),
                "date": earliest.get("said_date") or earliest.get("article_date"),
                "drift": bool(st.drift),
                "report_count": len(reports),
                "text": earliest.get("text", ""),
                "diff": _plain(st.diff),
                "reports": reports,
            }
        )
    if statement_rows:
        conn.execute(insert(t.statements), statement_rows)
    t.fill_quote_dates(conn)  # said dates changed: so did the order quotes are listed in
    fulltext.bump_search_revision(conn)  # speaker names and statements are part of search results
