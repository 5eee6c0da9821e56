"""WARC and WARC.gz crawls (warcio): each HTML ``response`` record through the HTML reader.

Read as a stream; ``max_bytes`` caps each record's payload, not the file. The URL
comes from WARC-Target-URI; ``source_record`` is the 1-based number of the record
among all records of the file. WARC-Date is when the page was crawled, not
published, so it goes to ``extra["crawled"]`` and never into ``published``.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import zlib
from collections.abc import Iterator
from typing import Any

from onrecord.ingest.decode import decode_bytes
from onrecord.ingest.errors import InputError
from onrecord.ingest.readers.html import article_from_html
from onrecord.ingest.registry import reader
from onrecord.ingest.source import Source
from onrecord.models import Article, Failure


def sniff_warc(head: bytes) -> bool:
    if head.startswith(b"WARC/"):
        return True
    if head.startswith(b"\x1f\x8b"):
        try:
            return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 16).startswith(b"WARC/")
        except zlib.error:
            return False
    return False


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip("\"' ")
    return None


def _decode_payload(payload: bytes, content_type: str) -> str:
    declared = _charset(content_type)
    if declared:
        try:
            return payload.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong declaration is common; detect instead
    return decode_bytes(payload)


def _html_response(record: Any) -> tuple[str, str] | None:
    """(content type, status) of an HTML response record with a 2xx status, else None."""
    if record.rec_type != "response" or record.http_headers is None:
        return None
    content_type = record.http_headers.get_header("Content-Type") or ""
    status = record.http_headers.get_statuscode() or ""
    if "html" not in content_type.lower() or not status.startswith("2"):
        return None
    return content_type, status


def _drain(record: Any) -> bool:
    """Read what is left of the record block; False when the file ended inside it."""
    stream = record.raw_stream
    while stream.read(65536):
        pass
    return getattr(stream, "limit", 0) <= 0


def _gzip_intact(source: Source) -> bool:
    """Whether every gzip member decompresses to its end (warcio stops quietly at a cut)."""
    try:
        with source.open() as raw, gzip.GzipFile(fileobj=raw) as unzipped:
            while unzipped.read(1 << 20):
                pass
    except (EOFError, OSError, zlib.error):
        return False
    return True


def _next_record(records: Iterator[Any]) -> Any:
    # warcio prints warnings about odd records straight to stderr; keep them off the user's screen.
    with contextlib.redirect_stderr(io.StringIO()):
        return next(records, None)


def _article_from_record(record: Any, content_type: str, source: Source, number: int) -> Article:
    payload = record.content_stream().read(source.max_bytes + 1)
    if len(payload) > source.max_bytes:
        raise InputError(f"record is over the {source.max_bytes:,}-byte limit")
    article = article_from_html(
        _decode_payload(payload, content_type),
        format="warc",
        source_path=source.name,
        source_record=number,
        url=record.rec_headers.get_header("WARC-Target-URI"),
    )
    crawled = record.rec_headers.get_header("WARC-Date")
    if crawled:
        article.extra.setdefault("crawled", crawled)
    return article


@reader("warc", extensions=(".warc", ".warc.gz"), sniff=sniff_warc, priority=10)
def read_warc(source: Source) -> Iterator[Article | Failure]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    if not sniff_warc(source.head):  # chosen by extension alone
        raise InputError("empty file" if not source.head.strip() else "broken WARC: no WARC/ header at the start")
    number = 0
    pages = 0
    with source.open() as stream:
        try:
            records = iter(ArchiveIterator(stream))
            while (record := _next_record(records)) is not None:
                number += 1
                response = _html_response(record)
                if response is not None:
                    pages += 1
                    try:
                        article: Article | None = _article_from_record(record, response[0], source, number)
                    except InputError as error:
                        yield Failure(source.name, error.reason, number)
                        article = None
                if not _drain(record):
                    raise InputError(f"broken WARC: file ends inside record {number}", record=number)
                if response is not None and article is not None:
                    yield article
        except (ArchiveLoadFailed, EOFError, OSError, zlib.error, ValueError) as error:
            where = f"after record {number}" if number else "at the start"
            detail = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise InputError(f"broken WARC {where}: {detail}", record=number + 1) from None
    if source.head.startswith(b"\x1f\x8b") and not _gzip_intact(source):
        raise InputError(f"broken WARC: compressed data cut off or corrupt after record {number}", record=number + 1)
    if number == 0:
        raise InputError("empty WARC: no records")
    if pages == 0:
        raise InputError(f"no HTML responses among the {number} WARC records")
