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
_BOM_CODECS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_BOMS = tuple(bom for bom, _ in _BOM_CODECS)


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


# Non-ASCII characters that Western European news text in Windows-1252 is made of.
_WESTERN = frozenset("".join(chr(c) for c in range(0xA0, 0x100)) + "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ")
MAX_NON_ASCII_SHARE = 0.3


def _as_western_text(data: bytes) -> str | None:
    """``data`` as Windows-1252 when that reads as Western text, else None.

    charset-normalizer guesses poorly on short Western texts (cp1250 for "Señor",
    cp775 for curly quotes); cp1252 is by far the commonest legacy news encoding, so it
    is tried first. Text in other scripts (cp1251 Cyrillic, say) also decodes as
    cp1252 letters, but then nearly every letter is non-ASCII, which the share rules out.
    """
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    non_ascii = [ch for ch in text if ord(ch) > 127]
    letters = sum(1 for ch in text if ch.isalpha())
    if not letters or len(non_ascii) / letters > MAX_NON_ASCII_SHARE:
        return None
    return text if all(ch in _WESTERN for ch in non_ascii) else None


def decode_bytes(data: bytes) -> str:
    """Decode ``data`` to text, or raise InputError with a one-line reason.

    The decoded string is what offsets point into, so nothing is normalised here
    (a UTF-8 byte-order mark is dropped: it is an encoding marker, not text).
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    for bom, codec in _BOM_CODECS:  # UTF-32 before UTF-16: their little-endian BOMs overlap
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec)
            except UnicodeDecodeError:
                raise InputError(f"undecodable bytes: invalid {codec} despite its byte-order mark") from None
    kind = binary_kind(data[:8192])  # before UTF-8: NUL-ridden bytes can still be valid UTF-8
    if kind:
        raise InputError(f"binary file ({kind}), not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    western = _as_western_text(data)
    if western is not None:
        return western
    from charset_normalizer import from_bytes  # only paid for non-UTF-8 input

    best = from_bytes(data).best()
    if best is None:
        raise InputError("undecodable bytes: no text encoding fits this file")
    text = str(best)
    if "\ufffd" in text or binary_kind(text.encode("utf-8", "replace")[:8192]):
        raise InputError(f"undecodable bytes: decoding as {best.encoding} gives garbage")
    return text
