"""Bytes to text: UTF-8 first (fast, and by far the commonest), then what the document
declares, then UTF-8 with a few stray bytes replaced, then cp1252 for Western text,
charset-normalizer otherwise. ``Decoded.note`` says which, for ``Article.extra["decoding"]``.

Binary input is refused early with a named kind when its magic number is known, so
users read "binary file (PDF document)" rather than an encoding error.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

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
# A document opening with "<" in UTF-16/32 without a byte-order mark (XML 1.0, appendix F).
_MARKUP_START = re.compile(r"<[?!A-Za-z]")
_WIDE_MARKUP = (
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<\x00", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
)


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
# Western text has its accents one or two at a time; a multi-byte encoding (Big5, EUC)
# read as cp1252 gives long runs of them.
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]{3,}")
MAX_RUN_SHARE = 0.25


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
    in_runs = sum(len(run) for run in _NON_ASCII_RUN.findall(text))
    if non_ascii and in_runs / len(non_ascii) > MAX_RUN_SHARE:
        return None
    return text if all(ch in _WESTERN for ch in non_ascii) else None


@dataclass(frozen=True)
class Decoded:
    """Decoded text and how it was decoded (what ``Article.extra["decoding"]`` tells the user)."""

    text: str
    encoding: str  # Python codec name
    how: str = ""  # "declared", "detected" or "" for plain UTF-8
    replaced: int = 0  # invalid bytes replaced by U+FFFD

    @property
    def note(self) -> str | None:
        """A short line for anything but clean UTF-8, e.g. "utf-8 (3 invalid bytes replaced)"."""
        if self.replaced:
            plural = "byte" if self.replaced == 1 else "bytes"
            return f"{self.encoding} ({self.replaced} invalid {plural} replaced)"
        return f"{self.encoding} ({self.how})" if self.how else None

    def extra(self) -> dict[str, str]:
        note = self.note
        return {"decoding": note} if note else {}


_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")
# How many stray bytes a file that declares UTF-8 may have without any valid multi-byte character.
DECLARED_UTF8_SLACK = 3


def _mostly_utf8(data: bytes, declared_utf8: bool) -> Decoded | None:
    """UTF-8 with its few invalid bytes replaced, when valid multi-byte characters outnumber them.

    One stray byte must not turn a whole UTF-8 page into cp1252 mojibake; a legacy file
    has (nearly) no valid multi-byte sequences, so it fails this and goes on to detection.
    """
    text = data.decode("utf-8", "surrogateescape")
    bad = len(_ESCAPED_BYTE.findall(text))
    good = sum(1 for ch in text if ord(ch) > 127) - bad
    if bad > good and not (declared_utf8 and bad <= DECLARED_UTF8_SLACK):
        return None
    return Decoded(_ESCAPED_BYTE.sub("\ufffd", text), "utf-8", replaced=bad)


# Codecs Python knows that are no charset a document could be written in.
_NOT_CHARSETS = frozenset(("undefined", "punycode", "idna", "unicode_escape", "raw_unicode_escape", "utf_7"))
# As browsers do (WHATWG), these labels mean windows-1252.
_AS_CP1252 = frozenset(("latin_1", "iso8859_1", "ascii"))


def charset_codec(label: str | None) -> str | None:
    """The Python codec for a declared charset label, or None for an unknown or unusable one."""
    if not label:
        return None
    try:
        info = codecs.lookup(label.strip().strip("\"'"))
    except (LookupError, ValueError, TypeError):
        return None
    name = info.name.replace("-", "_")
    if not getattr(info, "_is_text_encoding", True) or name in _NOT_CHARSETS:
        return None
    if name.startswith(("utf_16", "utf_32")):
        return None  # a declaration readable as ASCII cannot be UTF-16/32 (only a BOM can say so)
    return "cp1252" if name in _AS_CP1252 else info.name


_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([^"'>]{1,40})["']""", re.I)
_META_CHARSET = re.compile(rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([\w.:-]{1,40})""", re.I)
DECLARATION_BYTES = 4096


def declared_charset(head: bytes) -> str | None:
    """The charset an XML declaration or HTML ``<meta>`` near the start of ``head`` declares, as written."""
    head = head[:DECLARATION_BYTES].removeprefix(codecs.BOM_UTF8)
    match = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    return match.group(1).decode("ascii", "replace") if match else None


def _declared(data: bytes, codec: str) -> Decoded | None:
    for candidate in dict.fromkeys((codec, "latin-1" if codec == "cp1252" else codec)):
        try:
            return Decoded(data.decode(candidate), candidate, "declared")
        except (UnicodeError, ValueError, LookupError):
            continue  # a wrong declaration is common: detect instead
    return None


def decode_text(data: bytes, declared: str | None = None) -> Decoded:
    """Decode ``data`` to text, or raise InputError with a one-line reason.

    ``declared`` is the charset the document or its transport names (HTML meta, XML
    declaration, HTTP header); it is honoured unless the bytes contradict it. The
    decoded string is what offsets point into, so nothing is normalised here (a UTF-8
    byte-order mark is dropped: it is an encoding marker, not text).
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    for bom, codec in _BOM_CODECS:  # UTF-32 before UTF-16: their little-endian BOMs overlap
        if data.startswith(bom):
            try:
                return Decoded(data[len(bom) :].decode(codec), codec, "byte-order mark")
            except UnicodeDecodeError:
                raise InputError(f"undecodable bytes: invalid {codec} despite its byte-order mark") from None
    wide = _wide_markup(data)
    if wide:
        return wide
    kind = binary_kind(data[:8192])  # before UTF-8: NUL-ridden bytes can still be valid UTF-8
    if kind:
        raise InputError(f"binary file ({kind}), not text")
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    codec = charset_codec(declared)
    declared_utf8 = codec == "utf-8"
    found = (_declared(data, codec) if codec and not declared_utf8 else None) or _mostly_utf8(data, declared_utf8)
    if found:
        return found
    western = _as_western_text(data)
    if western is not None:
        return Decoded(western, "cp1252", "detected")
    return _detected(data)


def _wide_markup(data: bytes) -> Decoded | None:
    for signature, codec in _WIDE_MARKUP:
        if data.startswith(signature):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                return None
            # a tag or declaration must follow, or these were binary bytes that happen to start with "<"
            return Decoded(text, codec, "detected") if _MARKUP_START.match(text) else None
    return None


def _detected(data: bytes) -> Decoded:
    from charset_normalizer import from_bytes  # only paid for non-UTF-8 input

    best = from_bytes(data).best()
    if best is None:
        raise InputError("undecodable bytes: no text encoding fits this file")
    text = str(best)
    if "\ufffd" in text or binary_kind(text.encode("utf-8", "replace")[:8192]):
        raise InputError(f"undecodable bytes: decoding as {best.encoding} gives garbage")
    return Decoded(text, best.encoding, "detected")


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """``decode_text(data, declared).text``."""
    return decode_text(data, declared).text
