"""Cleaning: find the stretches of an article that later stages should ignore.

Nothing here edits ``Article.text``; every detector returns labelled
``SkipRange``s into it. Detectors live in a registry (``DETECTORS``) and each one
looks for one kind of noise:

- ``header``: title copies, datelines, bylines, author lines, captions and credits
  under the headline (see ``header.py``, which also reads the metadata from them);
- ``boilerplate-lines``: share/follow/read-more/newsletter/copyright/credit lines;
- ``repeated-block``: a paragraph or run of paragraphs that already appeared earlier
  (an article whose body was pasted twice), compared whitespace- and case-insensitively.

Reasons used: ``header:title-copy``, ``header:date``, ``boilerplate:category-label``,
``boilerplate:byline``, ``boilerplate:author``, ``boilerplate:image-credit``,
``boilerplate:caption``, ``boilerplate:copyright``, ``boilerplate:share``,
``boilerplate:follow``, ``boilerplate:read-more``, ``boilerplate:newsletter``,
``boilerplate:advert`` and ``repeated-block``. The first headline line is never skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from onrecord.ingest.header import Header, analyse_header, is_image_credit
from onrecord.ingest.textlines import Line, comparable, looks_like_prose, split_lines
from onrecord.models import SkipRange

# A repeated run must span at least this many characters to be skipped, so
# that a subheading or a "—" that recurs on its own is left alone.
MIN_REPEATED_CHARS = 40
MAX_BOILERPLATE_LINE = 160

COPYRIGHT = re.compile(
    r"(?:(?:©|copyright\b|\(c\))\s*(?:\d{4}|by\b).{0,150}|.{0,120}\ball rights reserved\b.{0,60})", re.I
)
# One pattern per kind of stock line, matched against a whole (short) line.
BOILERPLATE_LINES: dict[str, re.Pattern[str]] = {
    "boilerplate:read-more": re.compile(
        r"(?:read the rest(?: of (?:this|the) (?:story|article))?(?: here)?"
        r"|read more(?: here| at .{1,60}|\s*:.{1,120})?"
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
            if following is not None and is_image_credit(following.text):
                reason = "boilerplate:caption"  # the line a photo credit hangs from
        if reason:
            yield SkipRange(start, end, reason)


def _boilerplate_reason(line: str) -> str | None:
    if COPYRIGHT.fullmatch(line):  # before credits: both may start with ©
        return "boilerplate:copyright"
    if is_image_credit(line):
        return "boilerplate:image-credit"
    for reason, pattern in BOILERPLATE_LINES.items():
        if pattern.fullmatch(line):
            return reason
    return None


def _repeated_lines(ctx: CleanContext) -> Iterator[tuple[Line, bool]]:
    """Each body line with whether it already appeared earlier in the text.

    A line counts as seen when the same line came before, or when its whole paragraph
    did (so a copy that is wrapped differently is still caught); lines, not paragraphs,
    are the unit, so a copy glued to the original without a blank line is caught too.
    """
    body_start = ctx.header.body_start
    seen_lines: set[str] = set()
    seen_paragraphs: set[str] = set()
    paragraph: list[Line] = []
    for line in [*ctx.lines, None]:
        if line is not None and line.text.strip():
            paragraph.append(line)
            continue
        if not paragraph:
            continue
        keys = [comparable(p.text) for p in paragraph]
        whole = "".join(keys)
        whole_seen = whole in seen_paragraphs
        for p, key in zip(paragraph, keys, strict=True):
            if p.end > body_start:
                yield p, whole_seen or key in seen_lines
            seen_lines.add(key)
        seen_paragraphs.add(whole)
        paragraph = []


@detector("repeated-block")
def repeated_blocks(ctx: CleanContext) -> Iterable[SkipRange]:
    """Each maximal run of already-seen lines becomes one range (blank lines don't break runs)."""
    covered = [(r.start, r.end) for r in ctx.found]
    run: list[int] | None = None  # [start, end, non-space characters]
    for line, seen in _repeated_lines(ctx):
        start, end = line.content_span()
        if any(s <= start and end <= e for s, e in covered):
            continue  # already skipped as boilerplate: neither starts nor breaks a run
        if seen:
            if run is None:
                run = [start, end, 0]
            run[1] = end
            run[2] += end - start
            continue
        if run is not None and run[2] >= MIN_REPEATED_CHARS:
            yield SkipRange(run[0], run[1], "repeated-block")
        run = None
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
