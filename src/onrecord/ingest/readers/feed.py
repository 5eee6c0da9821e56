"""RSS and Atom feeds (feedparser): one article per entry, full content when the feed has it.

``text`` is the entry title, a blank line, then the entry body converted to plain
text; ``source_record`` is the 1-based entry number; the feed's title is the outlet.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from onrecord.ingest.build import build_article
from onrecord.ingest.dates import ParsedDate, parse_date
from onrecord.ingest.decode import declared_charset, decode_text
from onrecord.ingest.errors import InputError, first_line, unexpected
from onrecord.ingest.htmltext import html_to_text, looks_like_html
from onrecord.ingest.registry import reader
from onrecord.ingest.source import Source
from onrecord.models import Article, Failure

_FEED_START = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*|<\?xml-stylesheet[^>]*>\s*|<!DOCTYPE[^>]*>\s*)*"
    rb"<(?:rss|feed|rdf:RDF)\b",
    re.I | re.S,
)
_XML_DECLARED_ENCODING = re.compile(r"""^(\s*<\?xml[^>]*?\bencoding\s*=\s*)(["'])[^"'>]*\2""")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_EMAIL_AND_NAME = re.compile(r"^\s*[^@\s]+@[^@\s]+\s*\((.+)\)\s*$")


def sniff_feed(head: bytes) -> bool:
    return bool(_FEED_START.match(head.lstrip(b"\xef\xbb\xbf")[:4096]))


def _entry_body(entry: Any) -> str:
    """The fullest body the entry offers: ``content`` when present, else the summary."""
    contents = [c for c in entry.get("content") or [] if (c.get("value") or "").strip()]
    if contents:
        chosen = max(contents, key=lambda c: len(c.get("value", "")))
        value, kind = chosen["value"], chosen.get("type", "text/html")
    else:
        value = entry.get("summary") or entry.get("description") or ""
        kind = (entry.get("summary_detail") or {}).get("type", "text/html")
    if "html" in kind or looks_like_html(value):
        return html_to_text(value)
    return value.strip()


def _entry_date(entry: Any) -> ParsedDate | None:
    for key in ("published", "updated", "created"):
        raw = entry.get(key)
        parsed = parse_date(raw) if isinstance(raw, str) else None
        if parsed:
            return parsed
        struct = entry.get(f"{key}_parsed")
        if raw and struct:  # feedparser read a date we could not: trust its UTC tuple
            moment = datetime(*struct[:6], tzinfo=UTC)
            return ParsedDate(moment.isoformat(timespec="minutes"), raw, True)
    return None


def _entry_authors(entry: Any) -> list[str]:
    raw = entry.get("author")
    if isinstance(raw, str) and raw.strip():
        # RSS writes "email (Name)"; feedparser mangles that for some domains, so read it here.
        match = _EMAIL_AND_NAME.match(raw)
        if match:
            return [match.group(1).strip()]
        if _EMAIL.fullmatch(raw.strip()):
            return []  # an address alone names nobody
    names = [a.get("name", "").strip() for a in entry.get("authors") or [] if isinstance(a, dict)]
    names = [n for n in names if n and not _EMAIL.fullmatch(n)]
    if not names and isinstance(raw, str) and raw.strip():
        names = [raw.strip()]
    return names


def _as_utf8_feed(data: bytes) -> tuple[bytes, dict[str, str]]:
    """The feed re-encoded as UTF-8 (with its XML declaration saying so), and the decoding note.

    feedparser's own guessing leaves undeclared legacy encodings (EUC-KR, KOI8-R, ...) as
    mojibake and trips over bogus declarations; ``decode_text`` detects them properly.
    """
    decoded = decode_text(data, declared_charset(data))
    text = _XML_DECLARED_ENCODING.sub(r'\g<1>"utf-8"', decoded.text, count=1)
    return text.encode("utf-8", "surrogatepass"), decoded.extra()


def _entry_article(
    entry: Any, number: int, source: Source, channel: Any, decoding: dict[str, str]
) -> Article | Failure:
    title = (entry.get("title") or "").strip() or None
    body = _entry_body(entry)
    if not body:
        return Failure(source.name, f"feed entry {number} has no text", number)
    text = f"{title}\n\n{body}" if title and not body.startswith(title) else body
    extra: dict[str, Any] = dict(decoding)
    if entry.get("id"):
        extra["guid"] = entry["id"]
    tags = [t.get("term") for t in entry.get("tags") or [] if t.get("term")]
    if tags:
        extra["tags"] = tags
    return build_article(
        text,
        format="feed",
        source_path=source.name,
        source_record=number,
        title=title,
        url=entry.get("link"),
        outlet=(channel.get("title") or "").strip() or None,
        authors=_entry_authors(entry),
        published=_entry_date(entry),
        language=entry.get("language") or channel.get("language"),
        extra=extra,
    )


@reader("feed", extensions=(".rss", ".atom", ".xml"), sniff=sniff_feed, priority=25)
def read_feed(source: Source) -> Iterator[Article | Failure]:
    import feedparser

    data, decoding = _as_utf8_feed(source.read_bytes())
    # A stream, never bytes or str: feedparser would take those for a file name or URL to open.
    parsed = feedparser.parse(io.BytesIO(data))
    entries = parsed.get("entries") or []
    if not entries:
        if parsed.get("bozo"):
            problem = first_line(str(parsed.get("bozo_exception") or "")) or "not a well-formed feed"
            raise InputError(f"broken feed: {problem}")
        raise InputError("feed has no entries")
    channel = parsed.get("feed") or {}
    for number, entry in enumerate(entries, start=1):
        try:
            yield _entry_article(entry, number, source, channel, decoding)
        except InputError as error:
            yield Failure(source.name, error.reason, number)
        except Exception as error:  # one odd entry must not lose the entries after it
            yield Failure(source.name, unexpected(error, f"in feed entry {number}"), number)
