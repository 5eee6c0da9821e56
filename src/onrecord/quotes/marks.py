"""Quotation marks: pair them into quoted runs, including multi-paragraph quotes.

A *run* is what sits between an opening and a closing mark.  A paragraph that opens
with a quotation mark and never closes it continues into the next paragraph when
that one opens with a mark too (the newspaper convention); the run then has one
fragment per paragraph.  A mark left open at the end of a paragraph that is not
continued closes at the paragraph end.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from onrecord.models import Span

STRAIGHT = '"'
_ENGLISH_CLOSE = "\u201d" + STRAIGHT
# Which marks close a run opened by each mark, by language: English “…” (straight marks mix
# with curly ones in the wild), German „…“ and »…«, French and Swiss «…», Danish »…», Swedish ”…”.
_PAIRS_DEFAULT: dict[str, str] = {
    "\u201c": _ENGLISH_CLOSE,
    "\u201e": _ENGLISH_CLOSE + "\u201c",  # „…” (Polish, Hungarian) or „…“
    "\u201f": _ENGLISH_CLOSE,
    "\u00ab": "\u00bb",
    "\u00bb": "\u00ab",
}
PAIRS: dict[str, dict[str, str]] = {
    "de": {"\u201e": "\u201c\u201d", "\u00bb": "\u00ab", "\u00ab": "\u00bb", "\u201c": _ENGLISH_CLOSE},
    "fr": {"\u00ab": "\u00bb", "\u201c": _ENGLISH_CLOSE, "\u201e": "\u201c\u201d"},
    "da": {"\u00bb": "\u00bb\u00ab", "\u201e": "\u201c\u201d", "\u201c": _ENGLISH_CLOSE},
    "sv": {"\u201d": "\u201d", "\u00bb": "\u00bb"},
}
OPENERS = frozenset("\u201c\u201e\u00ab\u201f\u00bb")
CLOSERS = frozenset("\u201d\u00bb\u00ab\u201c")
ALL_MARKS = OPENERS | CLOSERS | {STRAIGHT}
_PARA_RE = re.compile(r"[^\n]+")


@dataclass
class QuoteRun:
    """One quotation: ``fragments`` are the inner texts (marks excluded), one per paragraph."""

    fragments: list[Span] = field(default_factory=list)
    open_mark: int = -1  # offset of the opening mark
    close_mark: int | None = None  # offset of the closing mark, None when left open

    @property
    def start(self) -> int:
        return self.fragments[0].start

    @property
    def end(self) -> int:
        return self.fragments[-1].end

    @property
    def outer(self) -> Span:
        end = self.close_mark + 1 if self.close_mark is not None else self.end
        return Span(self.open_mark, end)

    def n_words(self, text: str) -> int:
        return sum(len(f.slice(text).split()) for f in self.fragments)


def _is_open_straight(text: str, i: int) -> bool:
    """A straight quote opens when it follows a space, an opening bracket or the line start."""
    prev = text[i - 1] if i > 0 else "\n"
    return prev.isspace() or prev in "([{\u2014\u2013-/:" or prev in OPENERS


def _trim(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end)


def pairs_for(language: str | None) -> dict[str, str]:
    return PAIRS.get(language or "", _PAIRS_DEFAULT)


def _scan_line(
    text: str, start: int, end: int, pairs_of: dict[str, str] | None = None
) -> tuple[list[tuple[int, int]], int | None]:
    """Closed (open, close) mark pairs in one line, and the offset of a mark left open."""
    pairs_of = pairs_of or _PAIRS_DEFAULT
    pairs: list[tuple[int, int]] = []
    open_at: int | None = None
    closers = ""
    depth = 0  # quotes nested inside a quote opened by the same mark
    closer_at: dict[str, list[int]] = {}  # offsets of each closer set in the line, found once (not per opener)
    for i in range(start, end):
        ch = text[i]
        if ch not in ALL_MARKS:
            continue
        if open_at is None:
            if ch in pairs_of and ch != STRAIGHT:
                open_at, closers = i, pairs_of[ch]
            elif ch in (STRAIGHT, "\u201d") and _is_open_straight(text, i):
                open_at, closers = i, _ENGLISH_CLOSE  # a closing mark at a word start opens (”Fear. …)
            continue
        if ch in closers:
            if depth:
                depth -= 1
            else:
                pairs.append((open_at, i))
                open_at = None
        elif ch in pairs_of and pairs_of[ch] == closers:  # the same opener again
            if _closers_after(text, i, end, closers, closer_at) >= 2:
                depth += 1  # “… what he calls “hell” than …”
            else:  # a second opener: the first was never closed
                open_at = i
    return pairs, open_at


def _closers_after(text: str, i: int, end: int, closers: str, found: dict[str, list[int]] | None = None) -> int:
    """Closing marks after ``i`` in the line; ``found`` caches their offsets so that a line of many
    repeated openers costs one scan, not one per opener."""
    if found is None:
        return sum(1 for ch in text[i + 1 : end] if ch in closers)
    at = found.get(closers)
    if at is None:
        at = found[closers] = [j for j in range(i + 1, end) if text[j] in closers]
    return len(at) - bisect.bisect_right(at, i)


def find_runs(text: str, language: str | None = None, start: int = 0, end: int | None = None) -> list[QuoteRun]:
    """Every quoted run of ``text`` (or of its part ``[start, end)``), in order of its opening mark,
    paired by ``language``'s marks."""
    pairs_of = pairs_for(language)
    runs: list[QuoteRun] = []
    pending: QuoteRun | None = None  # a run left open at the end of the previous paragraph
    for m in _PARA_RE.finditer(text, start, len(text) if end is None else end):
        ls, le = m.start(), m.end()
        if not text[ls:le].strip():
            continue
        first = _trim(text, ls, le).start
        if pending is not None and text[first] not in ALL_MARKS:
            runs.append(pending)
            pending = None
        pairs, open_at = _scan_line(text, ls, le, pairs_of)
        if pending is not None:
            # the paragraph opens with a mark and continues the pending run
            if pairs and pairs[0][0] == first:
                close = pairs[0][1]
                pending.fragments.append(_trim(text, first + 1, close))
                pending.close_mark = close
                runs.append(pending)
                pending = None
                pairs = pairs[1:]
            elif open_at == first:
                pending.fragments.append(_trim(text, first + 1, le))
                open_at = None
            else:
                runs.append(pending)
                pending = None
        for o, c in pairs:
            frag = _trim(text, o + 1, c)
            if frag.end > frag.start:
                runs.append(QuoteRun([frag], o, c))
        if open_at is not None:
            frag = _trim(text, open_at + 1, le)
            if frag.end > frag.start:
                pending = QuoteRun([frag], open_at, None)
    if pending is not None:
        runs.append(pending)
    runs.sort(key=lambda r: r.open_mark)
    return runs
