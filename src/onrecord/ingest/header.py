"""The header of an article: title, dateline, byline, author and image lines.

News text pasted from the web starts with a few short lines before the prose:
the headline (sometimes with a section label glued on: "NewsNATO stands firm"),
a second copy of the headline, photo captions and credits, the author's name, a
dateline. ``analyse_header`` reads the metadata from them and labels each one
for cleaning, without touching the text. The first headline line is never a
skip range: headline quotes must stay extractable (``title_span`` points to it).

Each kind of header line is recognised by one small classifier in
``LINE_CLASSIFIERS``, tried in order; the first that claims a line wins.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from onrecord.ingest.dates import ParsedDate, find_date_in_line
from onrecord.ingest.textlines import Line, comparable, looks_like_prose, split_lines
from onrecord.models import SkipRange, Span

MAX_HEADER_LINES = 12  # non-blank lines after the title that may still be header
MAX_TITLE_CHARS = 250
MAX_STANDALONE_TITLE_CHARS = 160  # a first line this short, alone in its paragraph, is a headline

# Section labels that web copy glues onto the headline ("NewsNATO stands firm").
CATEGORY_LABELS = (
    "Breaking News|News|World|Politics|Business|Economy|Opinion|Sports?|Europe|Africa|Asia|Americas|"
    "Analysis|Culture|Health|Science|Tech(?:nology)?|Local|National|International|Defen[cs]e|"
    "Environment|Climate|Video|Live|Exclusive|Latest|Regions?|Society|Security|Energy|Markets"
)
_GLUED_LABEL = re.compile(rf"^\s*(?P<label>{CATEGORY_LABELS})(?=[A-Z][a-z]?[A-Za-z])")
_SEPARATED_LABEL = re.compile(rf"^\s*(?P<label>(?i:{CATEGORY_LABELS}))\s*[|»›]\s*(?=\S)")

_BYLINE = re.compile(r"^\s*(?:by|written by|reporting by)\s*:?\s+(?P<names>[^.!?\"“”]{2,80}?)\s*$", re.I)
_NAME_SPLIT = re.compile(r"\s*(?:,|&|\band\b)\s*")
# Bylines that name a desk or agency rather than a person.
_DESK = re.compile(
    r"\b(?:desk|staff|bureau|reporter|correspondents?|agency|agencies|newsroom|team|editors?|wire)\b", re.I
)
IMAGE_CREDIT = re.compile(
    r"^\s*(?:(?:images?|photos?|pictures?|pics?|graphics?|illustrations?|videos?)"
    r"(?:\s+(?:source|credits?|courtesy))?\s*(?::|by\b|©)"
    r"|(?:photo|image|picture)\s+credits?\b|credits?\s*:|source\s*:\s*©|©)",
    re.I,
)


def is_image_credit(line: str) -> bool:
    """A photo/image credit line. A credit names a source and stops, so a line that ends
    like a sentence ("Images by satellite showed the dam was empty.") is not one."""
    stripped = line.strip()
    if len(stripped) > 160 or not IMAGE_CREDIT.match(stripped):
        return False
    return "©" in stripped or not stripped.rstrip("”\"'’").endswith((".", "!", "?"))


# A person's name on a line of its own: 2-4 capitalised words (any script), nothing else.
_PERSON_NAME = re.compile(r"^\s*(?:[^\W\d_][^\W\d_'’.-]*(?:['’.-][^\W\d_]+)*\.?\s+){1,3}[^\W\d_]+\s*$")


def _capitalised_words(text: str) -> bool:
    return all(word[0].isupper() and not word.isupper() for word in text.split())


@dataclass
class Header:
    title: str | None = None
    title_span: Span | None = None
    date: ParsedDate | None = None
    outlet: str | None = None
    authors: list[str] = field(default_factory=list)
    byline: str | None = None  # the byline as written, e.g. "By Monitoring Desk"
    byline_is_desk: bool = False  # "By Monitoring Desk": a desk, not a person
    ranges: list[SkipRange] = field(default_factory=list)
    body_start: int = 0  # offset where the prose begins


@dataclass
class _Context:
    lines: list[Line]  # the non-blank header lines after the title
    title_key: str | None
    header: Header


LineClassifier = Callable[[int, _Context], str | None]
LINE_CLASSIFIERS: list[tuple[str, LineClassifier]] = []


def line_classifier(name: str) -> Callable[[LineClassifier], LineClassifier]:
    """Register a header-line classifier; it returns a skip reason or None."""

    def register(fn: LineClassifier) -> LineClassifier:
        LINE_CLASSIFIERS.append((name, fn))
        return fn

    return register


@line_classifier("title-copy")
def _title_copy(i: int, ctx: _Context) -> str | None:
    line = ctx.lines[i].stripped
    if ctx.title_key and comparable(strip_category_label(line)[1]) == ctx.title_key:
        return "header:title-copy"
    return None


@line_classifier("date")
def _dateline(i: int, ctx: _Context) -> str | None:
    found = find_date_in_line(ctx.lines[i].text)
    if found is None:
        return None
    if ctx.header.date is None:  # the first dateline is the publication date; later ones "updated"
        ctx.header.date = found.date
        ctx.header.outlet = ctx.header.outlet or found.outlet
    return "header:date"


@line_classifier("byline")
def _byline(i: int, ctx: _Context) -> str | None:
    match = _BYLINE.match(ctx.lines[i].text)
    if match is None or len(match.group("names").split()) > 8:
        return None
    names = [n.strip() for n in _NAME_SPLIT.split(match.group("names")) if n.strip()]
    if not names or not all(n[0].isupper() for n in names):
        return None
    header = ctx.header
    header.byline = ctx.lines[i].stripped
    header.byline_is_desk = bool(_DESK.search(match.group("names")))
    header.authors.extend(n for n in names if n not in header.authors)
    return "boilerplate:byline"


@line_classifier("image-credit")
def _image_credit(i: int, ctx: _Context) -> str | None:
    return "boilerplate:image-credit" if is_image_credit(ctx.lines[i].text) else None


@line_classifier("caption")
def _caption(i: int, ctx: _Context) -> str | None:
    """A photo caption: a short line shown twice in a row, or sitting on an image credit."""
    line = ctx.lines[i]
    if looks_like_prose(line.text):
        return None
    key = comparable(line.text)
    for j in (i - 1, i + 1):
        if 0 <= j < len(ctx.lines) and abs(ctx.lines[j].index - line.index) == 1:
            if comparable(ctx.lines[j].text) == key:
                return "boilerplate:caption"
    after = ctx.lines[i + 1] if i + 1 < len(ctx.lines) else None
    if after is not None and after.index == line.index + 1 and is_image_credit(after.text):
        return "boilerplate:caption"
    return None


@line_classifier("author")
def _author_line(i: int, ctx: _Context) -> str | None:
    """A lone person name in the header ("Katarzyna Bogdańska"): the author."""
    line = ctx.lines[i].stripped
    if len(line) > 60 or not _PERSON_NAME.match(line) or not _capitalised_words(line):
        return None
    # Only next to other header furniture, so a Title-Cased standfirst is not taken for a name.
    neighbours = [ctx.lines[j].text for j in (i - 1, i + 1) if 0 <= j < len(ctx.lines)]
    if not any(is_image_credit(n) or find_date_in_line(n) for n in neighbours):
        return None
    if line not in ctx.header.authors:
        ctx.header.authors.append(line)
    return "boilerplate:author"


def strip_category_label(line: str) -> tuple[int, str]:
    """(length of a section label glued to the front of ``line``, the rest of the line)."""
    match = _GLUED_LABEL.match(line) or _SEPARATED_LABEL.match(line)
    if match is None:
        return 0, line
    # Only a label when what follows still reads as a headline, not e.g. "Newsweek".
    rest = line[match.end() :]
    if len(rest.split()) < 2:
        return 0, line
    return match.end(), rest


def _title_shaped(line: str) -> bool:
    stripped = line.strip()
    return 0 < len(stripped) <= MAX_TITLE_CHARS and not looks_like_prose(stripped)


def analyse_header(
    text: str,
    *,
    known_title: str | None = None,
    first_line_is_title: bool = True,
    lines: list[Line] | None = None,
) -> Header:
    """Read title, date, authors and outlet from the header lines of ``text``.

    ``known_title`` comes from the input's metadata (HTML, JSONL, feeds); then the first
    line is the headline only if it says the same. Otherwise the first non-blank line is
    the headline when ``first_line_is_title`` (plain text) or when it is headline-shaped.
    """
    header = Header(title=known_title.strip() if known_title else None)
    all_lines = lines if lines is not None else split_lines(text)
    lines = [line for line in all_lines if line.text.strip()]
    if not lines:
        return header
    first = lines[0]
    label_len, rest = strip_category_label(first.text)
    title_key = comparable(header.title) if header.title else None
    if title_key:
        is_title = comparable(rest) == title_key or comparable(first.text) == title_key
    else:
        # A headline-shaped first line, or a short first line standing alone as a paragraph
        # (headlines ending in a full stop, as in many dumps); plain text always has one.
        after = all_lines[first.index + 1] if first.index + 1 < len(all_lines) else None
        alone = after is None or not after.text.strip()
        is_title = (
            _title_shaped(first.text)
            or (alone and len(lines) > 1 and len(first.stripped) <= MAX_STANDALONE_TITLE_CHARS)
            or (first_line_is_title and len(first.stripped) <= MAX_TITLE_CHARS)
        )
    header_lines = lines
    if is_title:
        if label_len and comparable(rest) != comparable(first.text):
            start = first.start + label_len
            header.ranges.append(SkipRange(first.start, start, "boilerplate:category-label"))
        else:
            start = first.content_span()[0]
        end = first.content_span()[1]
        start += len(text[start:end]) - len(text[start:end].lstrip())
        header.title_span = Span(start, end)
        header.title = header.title or text[start:end]
        title_key = comparable(text[start:end])
        header_lines = lines[1:]
    zone: list[Line] = []
    for line in header_lines[:MAX_HEADER_LINES]:
        if looks_like_prose(line.text):
            break
        zone.append(line)
    ctx = _Context(zone, title_key, header)
    claimed = 0
    for i, line in enumerate(zone):
        for _name, classify in LINE_CLASSIFIERS:
            reason = classify(i, ctx)
            if reason:
                start, end = line.content_span()
                header.ranges.append(SkipRange(start, end, reason))
                claimed = i + 1
                break
    # The body starts after the last header line we recognised; an unrecognised line
    # after the title (a standfirst) stays body text.
    if claimed:
        header.body_start = zone[claimed - 1].end
    elif header.title_span:
        header.body_start = header.title_span.end
    return header
