"""Where input comes from: expanding paths, folders, globs and stdin into byte sources.

A ``Source`` is one file (or stdin) with its first bytes already read for format
sniffing. Whole-file readers call ``read_bytes`` (refused above ``max_bytes``);
streaming readers (JSONL, WARC) call ``open`` and apply the cap per record, so a
large container file never has to fit in memory.
"""

from __future__ import annotations

import glob
import gzip
import io
import os
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from onrecord.ingest.errors import InputError
from onrecord.models import Failure

HEAD_BYTES = 65536
STDIN_NAME = "-"
_GLOB_CHARS = frozenset("*?[")


@dataclass
class Source:
    name: str  # the path as found, or "-" for stdin
    head: bytes  # the first HEAD_BYTES bytes, for sniffing
    size: int | None  # None when unknown (stdin is read up front, so it is known)
    max_bytes: int
    opener: Callable[[], IO[bytes]]
    type_name: str | None = None  # the name whose extension tells the format ("a.jsonl" for "a.jsonl.gz")

    @property
    def name_for_type(self) -> str:
        return self.type_name or self.name

    def open(self) -> IO[bytes]:
        return self.opener()

    def read_bytes(self) -> bytes:
        """The whole input, refusing anything over ``max_bytes``."""
        check_size(self.size, self.max_bytes)
        with self.open() as stream:
            data = stream.read(self.max_bytes + 1)
        check_size(len(data), self.max_bytes)
        if not data.strip():
            raise InputError("empty file")
        return data


def gunzipped(source: Source) -> Source:
    """``source`` seen through gzip: "news.jsonl.gz" reads as the JSONL inside it.

    The size is unknown until read, so ``max_bytes`` then caps the decompressed bytes of
    the whole file (for streaming formats too), which stops a small file from inflating
    without bound.
    """
    try:
        head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(source.head, HEAD_BYTES)
    except zlib.error:
        raise InputError("corrupt gzip data") from None
    name = source.name_for_type
    type_name = name[:-3] if name.lower().endswith(".gz") else name.removesuffix(".tgz")

    def opener() -> IO[bytes]:
        return io.BufferedReader(CappedReader(gzip.GzipFile(fileobj=source.open(), mode="rb"), source.max_bytes))

    return Source(source.name, head, None, source.max_bytes, opener, type_name)


class CappedReader(io.RawIOBase):
    """A decompressing stream that raises InputError once it has inflated past ``limit`` bytes."""

    def __init__(self, inner: IO[bytes], limit: int) -> None:
        self.inner = inner
        self.limit = limit
        self.total = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.inner.read1(len(buffer))  # type: ignore[attr-defined]  # one step: lines before a cut are kept
        count = len(data)
        buffer[:count] = data
        self.total += count
        if self.total > self.limit:
            raise InputError(f"decompressed data is too large: over the {self.limit:,}-byte limit")
        return count

    def close(self) -> None:
        self.inner.close()
        super().close()


def check_size(size: int | None, max_bytes: int, what: str = "file") -> None:
    if size is not None and size > max_bytes:
        raise InputError(f"{what} is too large: {size:,} bytes, over the {max_bytes:,}-byte limit")


def _file_source(path: str, max_bytes: int) -> Source:
    with open(path, "rb", buffering=0) as stream:  # unbuffered: one read call for a small file
        size = os.fstat(stream.fileno()).st_size
        head = stream.read(min(size, HEAD_BYTES) + 1)[:HEAD_BYTES]
    if len(head) == size < HEAD_BYTES:  # the whole file is in hand: no second open
        return Source(path, head, size, max_bytes, lambda: io.BytesIO(head))
    return Source(path, head, size, max_bytes, lambda: open(path, "rb"))


def _stdin_source(stdin: Any, max_bytes: int) -> Source:
    stream = stdin if stdin is not None else sys.stdin
    stream = getattr(stream, "buffer", stream)  # text streams carry their bytes in .buffer
    data = stream.read(max_bytes + 1)
    if isinstance(data, str):
        data = data.encode("utf-8")
    return Source(STDIN_NAME, data[:HEAD_BYTES], len(data), max_bytes, lambda: io.BytesIO(data))


def _walk_folder(folder: str, ancestors: frozenset[str] = frozenset()) -> Iterator[str | Failure]:
    """Files under ``folder``, recursively, in path order (a folder's entries sorted by name,
    files and subfolders interleaved), skipping hidden names.

    ``ancestors`` are the real paths of the folders above: a symbolic link back to one
    of them gives one Failure instead of an endless walk.
    """
    real = os.path.realpath(folder)
    if real in ancestors:
        yield Failure(folder, f"symbolic link loop: leads back to {real}, not followed")
        return
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as error:
        yield Failure(folder, f"cannot list folder: {error.strerror or error}")
        return
    inside = ancestors | {real}
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            is_dir = entry.is_dir()
        except OSError as error:  # a link to itself: ELOOP
            yield Failure(entry.path, _path_problem(entry.path, error))
            continue
        if is_dir:
            yield from _walk_folder(entry.path, inside)
        else:
            yield entry.path


def _path_problem(path: str, error: OSError | None = None) -> str:
    """Why an existing name cannot be read as a file or folder."""
    if os.path.islink(path):
        return "broken symbolic link or symbolic link loop"
    return f"cannot read: {error.strerror or error}" if error else "no such file or folder"


def expand_paths(paths: Iterable[str]) -> Iterator[str | Failure]:
    """Each file path to read, in order; a Failure for a path that names nothing."""
    for path in paths:
        path = os.fspath(path)
        if path == STDIN_NAME:
            yield path
        elif os.path.isdir(path):
            yield from _walk_folder(path)
        elif os.path.exists(path):
            yield path
        elif os.path.lexists(path):
            yield Failure(path, _path_problem(path))
        elif _GLOB_CHARS & set(path):
            matches = sorted(glob.glob(path, recursive=True))
            if not matches:
                yield Failure(path, "no files match this pattern")
            for match in matches:
                if os.path.isdir(match):
                    yield from _walk_folder(match)
                elif not os.path.basename(match).startswith("."):
                    yield match
        else:
            yield Failure(path, "no such file or folder")


SQLITE_MAGIC = b"SQLite format 3\x00"
# The files SQLite keeps beside a database, with their own magic numbers where they have one.
_SQLITE_COMPANIONS: dict[str, tuple[bytes, ...]] = {
    "-wal": (b"\x37\x7f\x06\x82", b"\x37\x7f\x06\x83"),
    "-journal": (b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7",),
    "-shm": (),
}


def _starts_with(path: str, magics: tuple[bytes, ...]) -> bool:
    if not magics:
        return False
    try:
        with open(path, "rb", buffering=0) as stream:
            return stream.read(16).startswith(magics)
    except OSError:
        return False


def is_sqlite_file(path: str) -> bool:
    """A SQLite database (by its 16-byte header) or the -wal/-shm/-journal file beside one."""
    if _starts_with(path, (SQLITE_MAGIC,)):
        return True
    return any(
        path.endswith(suffix) and (_starts_with(path, magics) or _starts_with(path[: -len(suffix)], (SQLITE_MAGIC,)))
        for suffix, magics in _SQLITE_COMPANIONS.items()
    )


def open_source(path: str, max_bytes: int, stdin: Any = None) -> Source:
    """A Source for one expanded path; raises InputError for unreadable files."""
    try:
        if path == STDIN_NAME:
            return _stdin_source(stdin, max_bytes)
        return _file_source(path, max_bytes)
    except PermissionError:
        raise InputError("permission denied") from None
    except IsADirectoryError:
        raise InputError("is a folder, not a file") from None
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror or error}") from None
