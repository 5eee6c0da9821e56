"""WARC and ARC crawls (warcio), plain or gzipped: each HTML ``response`` record through the HTML reader.

Read as a stream; ``max_bytes`` caps each record's payload, not the file. The URL
comes from WARC-Target-URI; ``source_record`` is the 1-based number of the record
among all records of the file. WARC-Date is when the page was crawled, not
published, so it goes to ``extra["crawled"]`` and never into ``published``.

A gzipped file is unpacked here, whether gzipped per record (the usual way) or as a
whole, so warcio only ever sees plain records; ARC files are read as WARC
(``arc2warc``). One bad record gives one Failure; only a file whose structure breaks
(a cut, corrupt compression) ends there, keeping the records before the break.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import logging
import zlib
from collections.abc import Iterator
from typing import IO, Any

from onrecord.ingest.decode import declared_charset, decode_text
from onrecord.ingest.errors import InputError, first_line, unexpected
from onrecord.ingest.readers.html import article_from_html
from onrecord.ingest.registry import reader
from onrecord.ingest.source import Source
from onrecord.models import Article, Failure

_SIGNATURES = (b"WARC/", b"filedesc://")  # a WARC record, the header record of an ARC file

# warcio logs odd records (spaces in URIs); with no logging configured Python would print them.
logging.getLogger("warcio").addHandler(logging.NullHandler())


def _plain_head(head: bytes) -> bytes:
    """The first bytes of the records, unpacked when gzipped ("" when that fails)."""
    if not head.startswith(b"\x1f\x8b"):
        return head
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 16)
    except zlib.error:
        return b""


def sniff_warc(head: bytes) -> bool:
    return _plain_head(head).startswith(_SIGNATURES)


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip("\"' ")
    return None


class BrokenCompression(Exception):
    """The gzip stream under the records is cut or corrupt (no EOFError: warcio takes that for the end)."""


class _Gunzipped(io.RawIOBase):
    """The records inside a gzipped crawl, gzipped per record or as one whole."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.inner = gzip.GzipFile(fileobj=raw, mode="rb")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self.inner.read1(len(buffer))  # one step at a time: what came before a cut is kept
        except (EOFError, OSError, zlib.error) as error:
            raise BrokenCompression(first_line(str(error)) or "corrupt gzip data") from None
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.inner.close()
        super().close()


def _records_stream(source: Source) -> IO[bytes]:
    raw = source.open()
    # Unbuffered on purpose: a buffer filling past a cut would drop the records read before it.
    return _Gunzipped(raw) if source.head.startswith(b"\x1f\x8b") else raw  # type: ignore[return-value]


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


def _next_record(records: Iterator[Any]) -> Any:
    # warcio prints warnings about odd records straight to stderr; keep them off the user's screen.
    with contextlib.redirect_stderr(io.StringIO()):
        return next(records, None)


def _article_from_record(record: Any, content_type: str, source: Source, number: int) -> Article:
    payload = record.content_stream().read(source.max_bytes + 1)
    if len(payload) > source.max_bytes:
        raise InputError(f"record is over the {source.max_bytes:,}-byte limit")
    # The HTTP header's charset first, then the page's own declaration.
    decoded = decode_text(payload, _charset(content_type) or declared_charset(payload))
    article = article_from_html(
        decoded.text,
        format="warc",
        source_path=source.name,
        source_record=number,
        url=record.rec_headers.get_header("WARC-Target-URI"),
    )
    article.extra.update(decoded.extra())
    crawled = record.rec_headers.get_header("WARC-Date")
    if crawled:
        article.extra.setdefault("crawled", crawled)
    return article


def _record_item(record: Any, source: Source, number: int) -> Article | Failure | None:
    """The article of an HTML response record, a Failure for a bad one, None for any other record."""
    if record.rec_type == "response" and not record.rec_headers.get_header("WARC-Target-URI"):
        return Failure(source.name, "WARC response record has no WARC-Target-URI", number)
    response = _html_response(record)
    if response is None:
        return None
    try:
        return _article_from_record(record, response[0], source, number)
    except InputError as error:
        return Failure(source.name, error.reason, number)
    except BrokenCompression:
        raise
    except Exception as error:  # one odd record must not lose the records after it
        return Failure(source.name, unexpected(error, f"in WARC record {number}"), number)


def _archive_iterator(stream: IO[bytes]) -> Iterator[Any]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.recordloader import ArcWarcRecordLoader

    class Loader(ArcWarcRecordLoader):  # type: ignore[misc]
        def load_http_headers(self, rec_type: str, uri: str | None, stream: Any, length: Any) -> Any:
            # warcio calls uri.startswith unchecked: a record without WARC-Target-URI would end the file.
            return super().load_http_headers(rec_type, uri or "", stream, length)

    iterator = ArchiveIterator(stream, arc2warc=True)
    iterator.loader = Loader(arc2warc=True)
    return iter(iterator)


@reader("warc", extensions=(".warc", ".warc.gz", ".arc", ".arc.gz"), sniff=sniff_warc, priority=10)
def read_warc(source: Source) -> Iterator[Article | Failure]:
    from warcio.exceptions import ArchiveLoadFailed

    if not sniff_warc(source.head):  # chosen by extension alone
        raise InputError("empty file" if not source.head.strip() else "broken WARC: no WARC/ header at the start")
    # ARC lengths are unreliable (warcio miscounts a record whose URL has spaces), so a
    # short ARC record is no sign of a cut file.
    is_arc = _plain_head(source.head).startswith(b"filedesc://")
    kind = "ARC" if is_arc else "WARC"
    number = 0
    pages = 0
    with _records_stream(source) as stream:
        try:
            records = _archive_iterator(stream)
            while (record := _next_record(records)) is not None:
                number += 1
                item = _record_item(record, source, number)
                pages += item is not None
                if not _drain(record) and not is_arc:
                    raise InputError(f"broken WARC: file ends inside record {number}", record=number)
                if item is not None:
                    yield item
        except BrokenCompression as error:
            raise InputError(
                f"broken {kind}: compressed data cut off or corrupt after record {number} ({error})", record=number + 1
            ) from None
        except (ArchiveLoadFailed, EOFError, OSError, zlib.error, ValueError) as error:
            where = f"after record {number}" if number else "at the start"
            detail = first_line(str(error)) or type(error).__name__
            raise InputError(f"broken {kind} {where}: {detail}", record=number + 1) from None
    if number == 0:
        raise InputError(f"empty {kind}: no records")
    if pages == 0:
        raise InputError(f"no HTML responses among the {number} {kind} records")
