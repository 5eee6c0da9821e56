"""The reader registry: which reader handles an input, by content first, then by extension.

A reader registers itself with ``@reader(name, extensions=..., sniff=...)``. To pick
one, every reader's ``sniff`` looks at the first bytes of the input; a reader whose
sniff claims them wins (a WARC saved as .txt is still a WARC). When no sniff is
sure, the file extension decides, and plain text is the fallback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from onrecord.ingest.source import Source
from onrecord.models import Article, Failure

ReadFn = Callable[[Source], Iterator[Article | Failure]]
SniffFn = Callable[[bytes], bool]


@dataclass(frozen=True)
class Reader:
    name: str
    read: ReadFn
    extensions: tuple[str, ...]
    sniff: SniffFn | None
    priority: int  # lower sniffs first: the most specific signatures go first


READERS: dict[str, Reader] = {}
_registrations = 0  # bumped by every registration, so the sniff order is re-sorted
FALLBACK_READER = "text"


def reader(
    name: str, *, extensions: tuple[str, ...] = (), sniff: SniffFn | None = None, priority: int = 50
) -> Callable[[ReadFn], ReadFn]:
    """Register ``fn`` as the reader called ``name`` (also the ``Article.format`` it sets)."""

    def register(fn: ReadFn) -> ReadFn:
        global _registrations
        READERS[name] = Reader(name, fn, tuple(e.lower() for e in extensions), sniff, priority)
        _registrations += 1
        return fn

    return register


def by_extension(name: str) -> Reader | None:
    lowered = name.lower()
    matches = [(ext, r) for r in READERS.values() for ext in r.extensions if lowered.endswith(ext)]
    if not matches:
        return None
    return max(matches, key=lambda m: len(m[0]))[1]  # ".warc.gz" beats ".gz"


def by_content(head: bytes) -> Reader | None:
    for candidate in _sniffers():
        if candidate.sniff is not None and candidate.sniff(head):
            return candidate
    return None


_sniffer_cache: tuple[int, list[Reader]] = (-1, [])


def _sniffers() -> list[Reader]:
    """Readers with a sniff, most specific first (re-sorted only when a reader registers)."""
    global _sniffer_cache
    if _sniffer_cache[0] != _registrations:
        ordered = sorted((r for r in READERS.values() if r.sniff is not None), key=lambda r: r.priority)
        _sniffer_cache = (_registrations, ordered)
    return _sniffer_cache[1]


def choose_reader(source: Source) -> Reader:
    """The reader for ``source``: content signature, else extension, else plain text."""
    _ensure_builtin_readers()
    return by_content(source.head) or by_extension(source.name_for_type) or READERS[FALLBACK_READER]


def _ensure_builtin_readers() -> None:
    # The reader modules register themselves on import; their heavy libraries are
    # imported only inside their read functions.
    from onrecord.ingest.readers import feed, html, jsonl, text, warc  # noqa: F401
