"""WARC and WARC.gz crawls (warcio): each HTML ``response`` record through the HTML reader.

Read as a stream; ``max_bytes`` caps each record's payload, not the file. The URL
comes from WARC-Target-URI; ``source_record`` is the 1-based number of the record
among all records of the file. WARC-Date is when the page was crawled, not
published, so it goes to ``extra["crawled"]`` and never into ``published``.
"""

from __future__ import annotations

import gzip
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


@reader("warc", extensions=(".warc", ".warc.gz"), sniff=sniff_warc, priority=10)
def read_warc(source: Source) -> Iterator[Article | Failure]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    number = 0
    pages = 0
    with source.open() as stream:
        try:
            for record in ArchiveIterator(stream):
                number += 1
                response = _html_response(record)
                if response is None:
                    continue
                pages += 1
                url = record.rec_headers.get_header("WARC-Target-URI")
                payload = record.content_stream().read(source.max_bytes + 1)
                try:
                    if len(payload) > source.max_bytes:
                        raise InputError(f"record is over the {source.max_bytes:,}-byte limit")
                    article = article_from_html(
                        _decode_payload(payload, response[0]),
                        format="warc",
                        source_path=source.name,
                        source_record=number,
                        url=url,
                    )
                except InputError as error:
                    yield Failure(source.name, error.reason, number)
                    continue
                crawled = record.rec_headers.get_header("WARC-Date")
                if crawled:
                    article.extra.setdefault("crawled", crawled)
                yield article
        except (ArchiveLoadFailed, EOFError, OSError, zlib.error, gzip.BadGzipFile, ValueError) as error:
            where = f"after record {number}" if number else "at the start"
            raise InputError(
                f"broken WARC {where}: {str(error).splitlines()[0] if str(error) else type(error).__name__}",
                record=number + 1,
            ) from None
    if number == 0:
        raise InputError("empty WARC: no records")
    if pages == 0:
        raise InputError(f"no HTML responses among the {number} WARC records")
