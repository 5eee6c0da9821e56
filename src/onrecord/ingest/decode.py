"""Bytes to text: UTF-8 first (fast, and by far the commonest), charset-normalizer otherwise.

Binary input is refused early with a named kind when its magic number is known, so
users read "binary file (PDF document)" rather than an encoding error.
"""

from __future__ import annotations

import codecs

from onrecord.ingest.errors import InputError

# Magic numbers of binary formats people tend to drop into a news folder by mistake.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "PDF document"),
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"\x1f\x8b", "gzip data"),
    (b"BZh", "bzip2 data"),
    (b"\xfd7zXZ\x00", "xz data"),
    (b"\x7fELF", "executable"),
    (b"SQLite format 3\x00", "SQLite database"),
    (b"\xd0\xcf\x11\xe0", "MS Office document"),
)

# Control characters that never occur in text (tab, LF, CR, FF, ESC are allowed).
_BINARY_CONTROL = bytes(c for c in range(32) if c not in (9, 10, 12, 13, 27))
_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def binary_kind(head: bytes) -> str | None:
    """Name the binary format of ``head`` (the first bytes), or None when it looks like text."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head.startswith(_BOMS):  # UTF-16/32 text is full of NULs but is still text
        return None
    sample = head[:8192]
    if b"\x00" in sample:
        return "binary data"
    if sample:
        controls = len(sample) - len(sample.translate(None, _BINARY_CONTROL))
        if controls / len(sample) > 0.05:
            return "binary data"
    return None


def decode_bytes(data: bytes) -> str:
    """Decode ``data`` to text, or raise InputError with a one-line reason.

    The decoded string is what offsets point into, so nothing is normalised here
    (a UTF-8 byte-order mark is dropped: it is an encoding marker, not text).
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    kind = binary_kind(data[:8192])  # before UTF-8: NUL-ridden bytes can still be valid UTF-8
    if kind:
        raise InputError(f"binary file ({kind}), not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes  # only paid for non-UTF-8 input

    best = from_bytes(data).best()
    if best is None:
        raise InputError("undecodable bytes: no text encoding fits this file")
    text = str(best)
    if "\ufffd" in text or binary_kind(text.encode("utf-8", "replace")[:8192]):
        raise InputError(f"undecodable bytes: decoding as {best.encoding} gives garbage")
    return text
