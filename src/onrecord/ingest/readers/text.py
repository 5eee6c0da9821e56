"""Plain text: one article per file, ``text`` is the decoded file content, unchanged."""

from __future__ import annotations

from collections.abc import Iterator

from onrecord.ingest.build import build_article
from onrecord.ingest.decode import decode_text
from onrecord.ingest.registry import reader
from onrecord.ingest.source import Source
from onrecord.models import Article, Failure


@reader("text", extensions=(".txt", ".text", ".md"), priority=99)
def read_text(source: Source) -> Iterator[Article | Failure]:
    decoded = decode_text(source.read_bytes())
    yield build_article(decoded.text, format="text", source_path=source.name, extra=decoded.extra())
