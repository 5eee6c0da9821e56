"""Ingest: read news in any common format into verbatim ``Article``s.

    for item in read_inputs(["corpus/", "feeds/*.xml", "-"]):
        if isinstance(item, Failure):
            print(item)          # "feeds/x.xml: broken feed: ..." - one line, no traceback
        else:
            store(item)          # an Article with text, metadata, skip ranges and id

Inputs stream one at a time (a generator; the corpus is never held in memory).
Each file's format is found by content, then by extension (``registry.py``); the
readers live in ``readers/``. Cleaning (``clean.py``) only records skip ranges,
and ``normalise_body``/``article_id`` give the content hash used as ``Article.id``.
"""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Iterable, Iterator
from typing import Any

from onrecord.ingest.build import build_article
from onrecord.ingest.clean import compute_skip_ranges
from onrecord.ingest.dates import ParsedDate, parse_date
from onrecord.ingest.errors import InputError, first_line, one_line, unexpected
from onrecord.ingest.language import guess_language
from onrecord.ingest.normalise import article_id, normalise_body
from onrecord.ingest.readers.warc import sniff_warc
from onrecord.ingest.registry import READERS, choose_reader, reader
from onrecord.ingest.source import STDIN_NAME, expand_paths, gunzipped, is_sqlite_file, open_source
from onrecord.models import Article, Failure

DEFAULT_MAX_BYTES = 20_000_000
GZIP_MAGIC = b"\x1f\x8b"

__all__ = [
    "DEFAULT_MAX_BYTES",
    "READERS",
    "InputError",
    "ParsedDate",
    "article_from_text",
    "article_id",
    "compute_skip_ranges",
    "guess_language",
    "input_files",
    "normalise_body",
    "parse_date",
    "read_inputs",
    "read_path",
    "reader",
]


def read_inputs(
    paths: Iterable[str] | str | os.PathLike[str],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    stdin: Any = None,
    exclude: Iterable[str | os.PathLike[str]] = (),
) -> Iterator[Article | Failure]:
    """Every article in ``paths`` (files, folders read recursively, glob patterns, "-" for stdin).

    Yields an ``Article`` per article and a ``Failure`` (one human line) per input or
    record that cannot be read; a failure never stops the inputs after it. ``stdin`` is
    the stream "-" reads (default ``sys.stdin``). Whole-file formats refuse files over
    ``max_bytes``; streaming formats (JSONL, WARC) apply it to each record, and a gzipped
    file to its decompressed size.

    Each file is read once per run, however many paths lead to it (``source_path`` is the
    first path that did); files in ``exclude`` are never read (the database being written
    to), nor are SQLite databases found in folders.
    """
    for path in input_files(paths, exclude=exclude):
        if isinstance(path, Failure):
            yield path
            continue
        for item in read_path(path, max_bytes=max_bytes, stdin=stdin):
            yield _one_line_failure(item) if isinstance(item, Failure) else item


def input_files(
    paths: Iterable[str] | str | os.PathLike[str], *, exclude: Iterable[str | os.PathLike[str]] = ()
) -> Iterator[str | Failure]:
    """The files ``read_inputs`` reads for ``paths``, in its order (a Failure for a path that gives none)."""
    if isinstance(paths, str | os.PathLike):  # one path, not an iterable of characters
        paths = [os.fspath(paths)]
    paths = [os.fspath(p) for p in paths]
    named = set(paths)
    seen = {os.path.realpath(os.fspath(p)) for p in exclude}
    for path in expand_paths(paths):
        if isinstance(path, Failure):
            yield _one_line_failure(path)
            continue
        if path != STDIN_NAME:
            real = os.path.realpath(path)
            if real in seen:
                continue
            seen.add(real)
            if is_sqlite_file(path):
                if path in named:  # asked for by name: say why nothing comes of it
                    yield Failure(path, "SQLite database, not news input: skipped")
                continue
        yield path


def _one_line_failure(failure: Failure) -> Failure:
    """The promise of one non-empty line per failure, kept whatever a reader wrote."""
    failure.reason = one_line(failure.reason or "", "unreadable input")
    return failure


def read_path(path: str, *, max_bytes: int = DEFAULT_MAX_BYTES, stdin: Any = None) -> Iterator[Article | Failure]:
    """The articles (and failures) of one file, or of stdin when ``path`` is "-"."""
    try:
        source = open_source(path, max_bytes, stdin)
        if source.head.startswith(GZIP_MAGIC) and not sniff_warc(source.head):
            source = gunzipped(source)  # WARC.gz is read by the WARC reader; any other .gz unpacked
        chosen = choose_reader(source)
        yield from chosen.read(source)
    except InputError as error:
        yield Failure(path, error.reason, error.record)
    except (EOFError, zlib.error, gzip.BadGzipFile) as error:
        detail = first_line(str(error))
        yield Failure(path, f"corrupt or truncated gzip data ({detail})" if detail else "corrupt gzip data")
    except Exception as error:  # a reader bug must not end the run or show a traceback
        yield Failure(path, unexpected(error))


_BUILD_FIELDS = frozenset(
    ("format", "source_path", "source_record", "title", "url", "outlet", "authors", "published", "language", "extra")
)


def article_from_text(text: str, **fields: Any) -> Article:
    """An Article for text given directly (an API call, a test): read like a .txt file.

    ``fields`` are Article fields (title, url, outlet, authors, published, language,
    source_path, extra, ...); explicit values win over what the header lines say.
    ``id`` replaces the content hash when given; ``published_raw`` is parsed when
    ``published`` is absent; computed fields (``title_span``, ``skip_ranges``) are
    ignored and any other key is kept in ``extra``.
    """
    given_id = fields.pop("id", None)
    raw_date = fields.pop("published_raw", None)
    if fields.get("published") is None and raw_date:
        fields["published"] = raw_date
    for computed in ("title_span", "skip_ranges", "text"):
        fields.pop(computed, None)
    unknown = {key: fields.pop(key) for key in list(fields) if key not in _BUILD_FIELDS}
    if unknown:
        fields["extra"] = {**unknown, **(fields.get("extra") or {})}
    fields.setdefault("format", "text")
    if isinstance(fields.get("authors"), str):
        fields["authors"] = [fields["authors"]]
    article = build_article(text, **fields)
    if given_id:
        article.id = str(given_id)
    return article
