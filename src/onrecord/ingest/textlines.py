"""Lines and paragraphs of a text, with their offsets (the text itself is never copied or changed)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_LINE = re.compile(r"[^\r\n]*")
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
    """Every line of ``text`` (\\n, \\r\\n and \\r endings), with offsets."""
    lines: list[Line] = []
    pos = 0
    length = len(text)
    while pos <= length:
        match = _LINE.match(text, pos)
        assert match is not None  # the pattern matches the empty string
        end = match.end()
        lines.append(Line(len(lines), pos, end, match.group()))
        if end >= length:
            break
        pos = end + (2 if text.startswith("\r\n", end) else 1)
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


@dataclass(frozen=True, slots=True)
class Block:
    """A paragraph: consecutive non-blank lines."""

    start: int
    end: int
    first_line: int  # index of its first line
    key: str  # ``comparable`` form


def split_blocks(text: str, lines: list[Line]) -> list[Block]:
    blocks: list[Block] = []
    run: list[Line] = []
    for line in [*lines, None]:
        if line is not None and line.text.strip():
            run.append(line)
            continue
        if run:
            start, end = run[0].content_span()[0], run[-1].content_span()[1]
            blocks.append(Block(start, end, run[0].index, comparable(text[start:end])))
            run = []
    return blocks
