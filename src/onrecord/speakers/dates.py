"""When a quote was said: read from the words around it, else the article's date."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from onrecord.ingest.dates import _MONTHS

# One month table for the whole project: the readers already parse these names.
MONTHS = _MONTHS
WEEKDAYS = {d: i for i, d in enumerate(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])}
_MONTH = (
    r"(January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)"
)
_WEEKDAY = r"(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_CUE = r"(?:said|says|told|stated|added|announced|noted|declared|warned|stressed|wrote|tweeted|spoke|remarked)"

# Patterns in order of preference; each yields (kind, match).
_DAY_MONTH = re.compile(rf"\b[Oo]n\s+(?:\w+day,?\s+)?(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH}(?:,?\s+(\d{{4}}))?\b")
_MONTH_DAY = re.compile(rf"\b[Oo]n\s+(?:\w+day,?\s+)?{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?\b")
_ON_WEEKDAY = re.compile(rf"\b(?:[Oo]n\s+{_WEEKDAY}|{_CUE},?\s+(?:on\s+)?{_WEEKDAY}|{_WEEKDAY},?\s+{_CUE})\b")
_RELATIVE_DAY = re.compile(r"\b(yesterday|earlier today)\b", re.I)
_RELATIVE_MONTH = re.compile(r"\b(earlier this month|this month|last month|earlier in the month)\b", re.I)


@dataclass(frozen=True)
class SaidDate:
    date: str | None  # YYYY-MM-DD or YYYY-MM
    basis: str  # 'article text: "On 23 January"' | 'article date' | 'unknown'
    precision: str | None  # day | month | None


def parse_iso(date: str | None) -> dt.date | None:
    if not date:
        return None
    try:
        return dt.date.fromisoformat(date[:10])
    except ValueError:
        return None


def from_article(article_date: str | None) -> SaidDate:
    d = parse_iso(article_date)
    if d is None:
        return SaidDate(None, "unknown", None)
    return SaidDate(d.isoformat(), "article date", "day")


def find_said_date(context: str, article_date: str | None) -> SaidDate | None:
    """A said-date cue in ``context`` (quote contents already masked out), or None."""
    adate = parse_iso(article_date)
    for pat, fn in ((_DAY_MONTH, _day_month), (_MONTH_DAY, _month_day)):
        for m in pat.finditer(context):
            got = fn(m, adate)
            if got:
                return SaidDate(got.isoformat(), _basis(m.group(0)), "day")
    m = _ON_WEEKDAY.search(context)
    if m and adate:
        name = next(g for g in m.groups() if g)
        back = (adate.weekday() - WEEKDAYS[name.lower()]) % 7
        return SaidDate((adate - dt.timedelta(days=back)).isoformat(), _basis(m.group(0)), "day")
    m = _RELATIVE_DAY.search(context)
    if m and adate:
        back = 1 if m.group(1).lower() == "yesterday" else 0
        return SaidDate((adate - dt.timedelta(days=back)).isoformat(), _basis(m.group(0)), "day")
    m = _RELATIVE_MONTH.search(context)
    if m and adate:
        first = adate.replace(day=1)
        if m.group(1).lower() == "last month":
            first = (first - dt.timedelta(days=1)).replace(day=1)
        return SaidDate(first.strftime("%Y-%m"), _basis(m.group(0)), "month")
    return None


def _basis(snippet: str) -> str:
    s = " ".join(snippet.split()).strip(" ,")
    return f'article text: "{s}"'


def _build(year: int | None, month: int, day: int, adate: dt.date | None) -> dt.date | None:
    if year is None:
        if adate is None:
            return None
        year = adate.year
        try:
            cand = dt.date(year, month, day)
        except ValueError:
            return None
        if cand > adate + dt.timedelta(days=1):  # "On 30 December" in a January article
            cand = cand.replace(year=year - 1)
        return cand
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _day_month(m: re.Match[str], adate: dt.date | None) -> dt.date | None:
    year = int(m.group(3)) if m.group(3) else None
    return _build(year, MONTHS[m.group(2).lower().rstrip(".")], int(m.group(1)), adate)


def _month_day(m: re.Match[str], adate: dt.date | None) -> dt.date | None:
    year = int(m.group(3)) if m.group(3) else None
    return _build(year, MONTHS[m.group(1).lower().rstrip(".")], int(m.group(2)), adate)


# --- sentences ---------------------------------------------------------------------

_BOUNDARY = re.compile(r"(?<=[.!?])[\"”’]?\s+(?=[\"“‘A-Z])|\n\s*\n|\n")


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence holding ``[start, end)``, by a cheap punctuation rule."""
    lo = max(0, start - 600)
    left = 0
    for m in _BOUNDARY.finditer(text, lo, start):
        left = m.end()
    left = max(left, lo) if left else lo if lo else 0
    m = _BOUNDARY.search(text, end)
    right = m.start() + (1 if text[m.start() : m.start() + 1] in '"”’' else 0) if m else len(text)
    return left, max(right, end)


def previous_sentence(text: str, start: int) -> tuple[int, int] | None:
    i = start
    while i > 0 and text[i - 1].isspace():
        i -= 1
    if i == 0:
        return None
    return sentence_bounds(text, max(0, i - 1), i)
