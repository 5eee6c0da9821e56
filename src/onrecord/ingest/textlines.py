"""Lines and paragraphs of a text, with their offsets (the text itself is never copied or changed)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_LINE_BREAKS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_LINE_BREAKS_TUPLE = tuple(_LINE_BREAKS)
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*\s*$")


@dataclass(frozen=True, slots=True)
class Line:
    index: int  # position among all lines, blank ones included
    start: int  # offset of the first character
    end: int  # offset just past the last character, newline excluded
    text: str

    @property
    def stripped(self) -> str:
        return self.text.strip()

    def content_span(self) -> tuple[int, int]:
        """Offsets of the line without its leading and trailing whitespace."""
        lead = len(self.text) - len(self.text.lstrip())
        trail = len(self.text) - len(self.text.rstrip())
        return self.start + lead, self.end - trail


def split_lines(text: str) -> list[Line]:
    """Every line of ``text`` with offsets (any line break ``str.splitlines`` knows)."""
    lines: list[Line] = []
    pos = 0
    for raw in text.splitlines(keepends=True):
        content = raw.rstrip(_LINE_BREAKS)
        lines.append(Line(len(lines), pos, pos + len(content), content))
        pos += len(raw)
    if not lines or text.endswith(_LINE_BREAKS_TUPLE):
        lines.append(Line(len(lines), pos, pos, ""))  # the empty line after a final newline
    return lines


def comparable(text: str) -> str:
    """Whitespace- and case-insensitive form used to spot copies of a line or block."""
    return "".join(text.split()).casefold()


def looks_like_prose(line: str) -> bool:
    """A body sentence rather than a header item (title, dateline, byline, credit)."""
    stripped = line.strip()
    if len(stripped) >= 120:
        return True
    return len(stripped.split()) >= 12 and bool(_SENTENCE_END.search(stripped))
