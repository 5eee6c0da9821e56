"""JSONL: one article per line, read as a stream (the size cap applies per line).

Recognised fields (first present wins): text/content/body, title/headline, url/link,
published/date/published_at/pubDate, source/outlet/site, authors/author/byline,
language/lang. Everything else goes to ``extra``. ``source_record`` is the 1-based
line number; a malformed line gives a Failure naming it and the next lines still count.
A text field holding HTML markup is converted to plain text (``extra["text_from_html"]``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import IO, Any

from onrecord.ingest.build import build_article
from onrecord.ingest.decode import binary_kind, decode_text
from onrecord.ingest.errors import InputError, unexpected
from onrecord.ingest.htmltext import html_to_text
from onrecord.ingest.registry import reader
from onrecord.ingest.source import Source, check_size
from onrecord.models import Article, Failure

FIELDS: dict[str, tuple[str, ...]] = {
    "text": ("text", "content", "body"),
    "title": ("title", "headline"),
    "url": ("url", "link"),
    "published": ("published", "date", "published_at", "pubDate", "datetime"),
    "outlet": ("source", "outlet", "site", "publisher"),
    "authors": ("authors", "author", "byline"),
    "language": ("language", "lang"),
}
_KNOWN = {name for names in FIELDS.values() for name in names}
_HTML_BLOCKS = re.compile(r"<(?:p|div|br|article|h[1-6]|li)\b[^>]*>", re.I)
SKIP_CHUNK = 1 << 20  # the rest of an over-long line is read past in pieces this big
_BY = re.compile(r"^\s*by\s+", re.I)
_AUTHOR_SPLIT = re.compile(r"\s*(?:;|,|&|\band\b)\s*")


def sniff_jsonl(head: bytes) -> bool:
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not first.startswith(b"{"):
        return False
    line, newline, _ = first.partition(b"\n")
    if not newline and len(head) >= 65536:
        return first[1:].lstrip().startswith(b'"')  # a very long first line: trust its look
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def _first(record: dict[str, Any], field: str) -> Any:
    for key in FIELDS[field]:
        value = record.get(key)
        if value not in (None, "", [], {}):
            return value
    return None


def _outlet(value: Any) -> str | None:
    if isinstance(value, dict):  # {"source": {"name": "..."}} as in several news APIs
        value = value.get("name") or value.get("title")
    return value.strip() if isinstance(value, str) and value.strip() else None


def _authors(value: Any) -> list[str]:
    if isinstance(value, str):
        value = _AUTHOR_SPLIT.split(_BY.sub("", value))
    if not isinstance(value, list):
        return []
    names = []
    for item in value:
        if isinstance(item, dict):
            item = item.get("name")
        if isinstance(item, str) and item.strip():
            names.append(_BY.sub("", item.strip()))
    return names


def article_from_record(record: dict[str, Any], *, source_path: str, line_number: int) -> Article:
    text = _first(record, "text")
    if not isinstance(text, str) or not text.strip():
        raise InputError("no article text (fields text, content or body)", record=line_number)
    extra = {key: value for key, value in record.items() if key not in _KNOWN}
    if _HTML_BLOCKS.search(text):  # some dumps store the page body as HTML: read its text
        text = html_to_text(text)
        extra["text_from_html"] = True
    title = _first(record, "title")
    url = _first(record, "url")
    language = _first(record, "language")
    return build_article(
        text,
        format="jsonl",
        source_path=source_path,
        source_record=line_number,
        title=title.strip() if isinstance(title, str) else None,
        url=url if isinstance(url, str) else None,
        outlet=_outlet(_first(record, "outlet")),
        authors=_authors(_first(record, "authors")),
        published=_first(record, "published"),
        language=language if isinstance(language, str) else None,
        extra=extra,
    )


def _decode_line(raw: bytes, line_number: int) -> tuple[str, dict[str, str]]:
    """The line as text, and ``{"decoding": ...}`` when it was not clean UTF-8."""
    try:
        return raw.decode("utf-8"), {}
    except UnicodeDecodeError:
        pass
    try:
        decoded = decode_text(raw)
    except InputError as error:
        raise InputError(f"line {line_number}: {error.reason}", record=line_number) from None
    return decoded.text, decoded.extra()


def _lines(stream: IO[bytes], limit: int) -> Iterator[tuple[bytes, int]]:
    """Each line with its length; of a line over ``limit`` bytes only the start is ever held."""
    while raw := stream.readline(limit + 1):
        size, tail = len(raw), raw
        while size > limit and not tail.endswith(b"\n") and (tail := stream.readline(SKIP_CHUNK)):
            size += len(tail)
        yield raw, size


def _parse_line(raw: bytes, size: int, line_number: int, max_bytes: int) -> tuple[dict[str, Any], dict[str, str]]:
    """The JSON object on the line and the decoding note of the line."""
    try:
        check_size(size, max_bytes, what=f"line {line_number}")
    except InputError as error:
        raise InputError(error.reason, record=line_number) from None
    line, decoding = _decode_line(raw, line_number)
    try:
        record = json.loads(line.rstrip("\r\n"))
    except json.JSONDecodeError as error:
        raise InputError(
            f"malformed JSON on line {line_number}: {error.msg} (column {error.colno})", record=line_number
        ) from None
    except RecursionError:
        raise InputError(f"JSON on line {line_number} is nested too deeply to read", record=line_number) from None
    if not isinstance(record, dict):
        raise InputError(f"line {line_number} is not a JSON object", record=line_number)
    return record, decoding


def _read_line(raw: bytes, size: int, line_number: int, source: Source) -> Article | Failure:
    """The article of one line, or its Failure: whatever goes wrong stays on this line."""
    try:
        record, decoding = _parse_line(raw, size, line_number, source.max_bytes)
        article = article_from_record(record, source_path=source.name, line_number=line_number)
    except InputError as error:
        return Failure(source.name, error.reason, error.record)
    except Exception as error:  # one odd record must not lose the lines after it
        return Failure(source.name, unexpected(error, f"on line {line_number}"), line_number)
    article.extra.update(decoding)
    return article


@reader("jsonl", extensions=(".jsonl", ".ndjson", ".jsonlines"), sniff=sniff_jsonl, priority=20)
def read_jsonl(source: Source) -> Iterator[Article | Failure]:
    kind = binary_kind(source.head)
    if kind:
        raise InputError(f"binary file ({kind}), not JSONL")
    records = 0
    line_number = 0
    with source.open() as stream:
        try:
            for line_number, (raw, size) in enumerate(_lines(stream, source.max_bytes), start=1):
                if line_number == 1:
                    raw = raw.removeprefix(b"\xef\xbb\xbf")
                if raw.strip():
                    records += 1
                    yield _read_line(raw, size, line_number, source)
        except InputError as error:  # from the stream itself: a gzipped file inflating past the cap
            raise InputError(f"{error.reason}; stopped after line {line_number}", record=line_number + 1) from None
    if records == 0:
        raise InputError("empty file")
