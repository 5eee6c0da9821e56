"""Cleaning: find the stretches of an article that later stages should ignore.

Nothing here edits ``Article.text``; every detector returns labelled
``SkipRange``s into it. Detectors live in a registry (``DETECTORS``) and each one
looks for one kind of noise:

- ``header``: title copies, datelines, bylines, author lines, captions and credits
  under the headline (see ``header.py``, which also reads the metadata from them);
- ``boilerplate-lines``: share/follow/read-more/newsletter/copyright/credit lines;
- ``repeated-block``: a paragraph or run of paragraphs that already appeared earlier
  (an article whose body was pasted twice), compared whitespace- and case-insensitively.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from onrecord.ingest.header import IMAGE_CREDIT, Header, analyse_header
from onrecord.ingest.textlines import Line, comparable, looks_like_prose, split_blocks, split_lines
from onrecord.models import SkipRange

# A repeated run must hold at least this many non-space characters to be skipped, so
# that a subheading or a "—" that recurs on its own is left alone.
MIN_REPEATED_CHARS = 60
MAX_BOILERPLATE_LINE = 160

# One pattern per kind of stock line, matched against a whole (short) line.
BOILERPLATE_LINES: dict[str, re.Pattern[str]] = {
    "boilerplate:read-more": re.compile(
        r"(?:read the rest(?: of (?:this|the) (?:story|article))?(?: here)?|read more(?: here| at .{1,60})?"
        r"|continue reading(?: here)?|read the full (?:story|article)(?: here| at .{1,60})?"
        r"|click here\b.{0,80}|(?:also read|read also|related|see also)\s*:.{0,120})[.:!…»>]*",
        re.I,
    ),
    "boilerplate:follow": re.compile(r"follow us (?:on|at)\b.{0,100}", re.I),
    "boilerplate:share": re.compile(
        r"share(?: this)?(?: article| story| post| page)?(?: on| via)?\s*[:|]?"
        r"(?:\s*(?:facebook|twitter|x|whatsapp|linkedin|telegram|e-?mail|reddit|copy link)\s*[|,/·•]?)*"
        r"|(?:(?:facebook|twitter|whatsapp|linkedin|telegram|e-?mail|reddit)\s*[|,/·•]?\s*){2,}",
        re.I,
    ),
    "boilerplate:newsletter": re.compile(
        r"(?:sign up|subscribe)\b.{0,100}\b(?:newsletter|updates|alerts|inbox)\b.{0,60}", re.I
    ),
    "boilerplate:copyright": re.compile(r"(?:©|copyright\b|\(c\)\s*\d{4}).{0,150}", re.I),
    "boilerplate:advert": re.compile(r"advertisement|sponsored(?: content)?|\(?ad\)?", re.I),
}


@dataclass
class CleanContext:
    text: str
    lines: list[Line]
    header: Header
    found: list[SkipRange]  # what earlier detectors found


Detector = Callable[[CleanContext], Iterable[SkipRange]]
DETECTORS: dict[str, Detector] = {}


def detector(name: str) -> Callable[[Detector], Detector]:
    """Register a detector; detectors run in registration order."""

    def register(fn: Detector) -> Detector:
        DETECTORS[name] = fn
        return fn

    return register


@detector("header")
def header_lines(ctx: CleanContext) -> Iterable[SkipRange]:
    return ctx.header.ranges


@detector("boilerplate-lines")
def boilerplate_lines(ctx: CleanContext) -> Iterable[SkipRange]:
    title = ctx.header.title_span
    for i, line in enumerate(ctx.lines):
        stripped = line.stripped
        if not stripped or len(stripped) > MAX_BOILERPLATE_LINE:
            continue
        if title and line.start <= title.start < line.end:
            continue  # the headline itself is never boilerplate
        start, end = line.content_span()
        reason = _boilerplate_reason(stripped)
        if reason is None and not looks_like_prose(stripped):
            following = ctx.lines[i + 1] if i + 1 < len(ctx.lines) else None
            if following is not None and IMAGE_CREDIT.match(following.text):
                reason = "boilerplate:caption"  # the line a photo credit hangs from
        if reason:
            yield SkipRange(start, end, reason)


def _boilerplate_reason(line: str) -> str | None:
    if IMAGE_CREDIT.match(line):
        return "boilerplate:image-credit"
    for reason, pattern in BOILERPLATE_LINES.items():
        if pattern.fullmatch(line):
            return reason
    return None


@detector("repeated-block")
def repeated_blocks(ctx: CleanContext) -> Iterable[SkipRange]:
    """Each maximal run of paragraphs that all appeared earlier becomes one range."""
    body_start = ctx.header.body_start
    seen = {comparable(line.text) for line in ctx.lines if line.end <= body_start and line.text.strip()}
    body_lines = [line for line in ctx.lines if line.start >= body_start]
    covered = [(r.start, r.end) for r in ctx.found]
    run: list[int] | None = None  # [start, end, characters]
    for block in split_blocks(ctx.text, body_lines):
        if any(s <= block.start and block.end <= e for s, e in covered):
            continue  # already skipped as boilerplate: neither starts nor breaks a run
        if block.key in seen:
            if run is None:
                run = [block.start, block.end, 0]
            run[1] = block.end
            run[2] += len(block.key)
            continue
        if run is not None and run[2] >= MIN_REPEATED_CHARS:
            yield SkipRange(run[0], run[1], "repeated-block")
        run = None
        seen.add(block.key)
    if run is not None and run[2] >= MIN_REPEATED_CHARS:
        yield SkipRange(run[0], run[1], "repeated-block")


def merge_ranges(ranges: Iterable[SkipRange]) -> list[SkipRange]:
    """Sorted, without duplicates or ranges lying wholly inside another one."""
    out: list[SkipRange] = []
    for r in sorted(set(ranges), key=lambda r: (r.start, -r.end, r.reason)):
        if r.end <= r.start:
            continue
        if out and out[-1].start <= r.start and r.end <= out[-1].end:
            continue
        out.append(r)
    return out


def compute_skip_ranges(text: str, *, header: Header | None = None, lines: list[Line] | None = None) -> list[SkipRange]:
    """All skip ranges of ``text``; pass the ``header`` already analysed to save the work."""
    lines = lines if lines is not None else split_lines(text)
    ctx = CleanContext(text, lines, header or analyse_header(text), [])
    for find in DETECTORS.values():
        ctx.found.extend(find(ctx))
    return merge_ranges(ctx.found)
