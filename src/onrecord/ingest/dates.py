"""Publication dates: read, never invented.

``parse_date`` turns one date string into ISO 8601 (date only when the input has no
time). Common news formats go through hand-written patterns (microseconds each);
anything else through dateparser, configured so that it never fills a missing
day, month or year from today and never reads relative phrases ("2 days ago").
Dates in the future or before 1900 are rejected as misreadings.

``find_date_in_line`` is for header lines such as ", 18 January 2024, 10:39" or
"Valdoria Herald, Tuesday – March 23, 2021": it also returns the outlet prefix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

MIN_YEAR = 1900
# Tolerance for time zones and clocks: a date at most this far ahead of now is kept.
FUTURE_SLACK = timedelta(days=1)

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\.?"
_TIME = (
    r"(?:\s*(?:,|at|-|–|—|\|)?\s*(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"\s*(?P<ampm>[ap]\.?m\.?)?)?"
)
_ZONE = r"(?:\s*(?P<zone>Z|UTC|GMT|[+-]\d{2}:?\d{2}|(?:UTC|GMT)\s*[+-]\d{1,2}(?::?\d{2})?))?"
_ISO = (
    r"(?P<year>\d{4})-(?P<nmonth>\d{2})-(?P<day>\d{2})"
    r"(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,]\d+)?)?)?"
)
_DAY_FIRST = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r",?\s+(?P<year>\d{4})"
_MONTH_FIRST = _MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>\d{4})"

# Each pattern matches a whole date (optional weekday, date, optional time and zone).
# Dotted numeric dates (07.06.2023) are day-first wherever they are written.
_DOTTED = r"(?P<day>\d{1,2})\.(?P<nmonth>\d{1,2})\.(?P<year>\d{4})"
_FAST_PATTERNS = tuple(
    re.compile(rf"(?:{_WEEKDAY}\s*[,–—-]?\s*)?{body}{time}{_ZONE}", re.IGNORECASE)
    for body, time in ((_ISO, ""), (_DAY_FIRST, _TIME), (_MONTH_FIRST, _TIME), (_DOTTED, _TIME))
)
# Looks like it might hold a date: worth a (slow) dateparser call.
_DATEISH = re.compile(r"\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}|\b(?:" + "|".join(_MONTHS) + r")\b", re.IGNORECASE)
# Every date we accept has a 4-digit year or a numeric d/m/y: a cheap filter for lines.
_YEARISH = re.compile(r"\d{4}|\d[/.-]\d{1,2}[/.-]\d")
_OUTLET_PREFIX = re.compile(r"^\s*(?P<outlet>[^,|–—\d][^,|–—]{0,60}?)?\s*[,|–—]\s*")
_LEAD_NOISE = re.compile(
    r"^[\s,;:|–—-]*(?:(?:published|updated|posted|first published|date)\s*(?:on|:)?\s*)?", re.IGNORECASE
)


@dataclass(frozen=True)
class ParsedDate:
    iso: str  # ISO 8601: "2024-01-18T10:39", "2021-03-23" or with an offset
    raw: str  # the text it was read from
    has_time: bool


def _zone_of(text: str | None) -> timezone | None:
    if not text:
        return None
    text = text.upper().replace(" ", "")
    if text in ("Z", "UTC", "GMT"):
        return UTC
    text = text.removeprefix("UTC").removeprefix("GMT")
    sign = -1 if text.startswith("-") else 1
    digits = text[1:].replace(":", "")
    hours, minutes = (int(digits[:2]), int(digits[2:4] or 0)) if len(digits) > 2 else (int(digits), 0)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _plausible(moment: datetime) -> bool:
    if moment.year < MIN_YEAR:
        return False
    now = datetime.now(UTC) if moment.tzinfo else datetime.now()
    return moment <= now + FUTURE_SLACK


def _format(moment: datetime, has_time: bool) -> str:
    if not has_time:
        return moment.date().isoformat()
    return moment.isoformat(timespec="seconds" if moment.second else "minutes")


def _from_match(match: re.Match[str]) -> tuple[datetime, bool] | None:
    parts = match.groupdict()
    month = int(parts["nmonth"]) if parts.get("nmonth") else _MONTHS[parts["month"].lower().rstrip(".")]
    hour = int(parts["hour"]) if parts.get("hour") else None
    if hour is not None and parts.get("ampm"):
        pm = parts["ampm"].lower().startswith("p")
        if hour > 12:
            return None
        hour = hour % 12 + (12 if pm else 0)
    try:
        moment = datetime(
            int(parts["year"]),
            month,
            int(parts["day"]),
            hour or 0,
            int(parts["minute"] or 0) if hour is not None else 0,
            int(parts["second"] or 0) if hour is not None else 0,
            tzinfo=_zone_of(parts.get("zone")),
        )
    except ValueError:  # 31 February and friends
        return None
    return moment, hour is not None


@lru_cache(maxsize=1)
def _dateparser() -> Any:
    # Imported lazily: it costs ~0.1 s and most inputs never need it.
    from dateparser.date import DateDataParser

    return DateDataParser(
        languages=["en"],
        settings={
            "PREFER_DATES_FROM": "past",
            "REQUIRE_PARTS": ["day", "month", "year"],  # never fill a part in from today
            "RETURN_TIME_AS_PERIOD": True,  # tells us whether the input had a time
            "PARSERS": ["custom-formats", "absolute-time"],  # no "3 days ago", no timestamps
            "STRICT_PARSING": True,
        },
    )


def _slow_parse(text: str) -> tuple[datetime, bool] | None:
    if not _DATEISH.search(text):
        return None
    try:
        data = _dateparser().get_date_data(text)
    except Exception:  # dateparser raises assorted errors on odd input; it is just "no date"
        return None
    if data.date_obj is None:
        return None
    return data.date_obj, data.period == "time"


def _fast_parse(text: str) -> tuple[datetime, bool] | None:
    for pattern in _FAST_PATTERNS:
        match = pattern.fullmatch(text.strip(" .,;"))
        if match:
            return _from_match(match)
    return None


def parse_date(raw: str | None, *, slow: bool = True) -> ParsedDate | None:
    """Parse one date string; None when it holds no complete, plausible date.

    ``slow=False`` tries only the built-in patterns (no dateparser call).
    """
    if not raw or not raw.strip():
        return None
    text = _LEAD_NOISE.sub("", raw.strip())
    result = _fast_parse(text)
    if result is None and slow:
        result = _slow_parse(text)
    if result is None or not _plausible(result[0]):
        return None
    moment, has_time = result
    return ParsedDate(_format(moment, has_time), raw.strip(), has_time)


def date_from_value(value: Any) -> ParsedDate | None:
    """A date from a structured field: a string, epoch seconds, or a datetime/date."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        try:
            moment = datetime.fromtimestamp(value / 1000 if value > 1e11 else value, UTC)
        except (OverflowError, OSError, ValueError):
            return None
        return ParsedDate(_format(moment, True), str(value), True) if _plausible(moment) else None
    if isinstance(value, datetime):
        return ParsedDate(_format(value, True), value.isoformat(), True) if _plausible(value) else None
    if isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
        return ParsedDate(value.isoformat(), value.isoformat(), False) if _plausible(moment) else None
    if isinstance(value, str):
        return parse_date(value)
    return None


@dataclass(frozen=True)
class HeaderDate:
    date: ParsedDate
    outlet: str | None


def find_date_in_line(line: str) -> HeaderDate | None:
    """Read a short header line that is (mostly) a date, e.g. ", 18 January 2024, 10:39".

    The line may start with an outlet name and a separator; everything else on it must
    be the date, so prose that merely mentions a date is never taken for a dateline.
    """
    stripped = line.strip()
    if not stripped or len(stripped) > 90 or not _YEARISH.search(stripped):
        return None
    whole = _LEAD_NOISE.sub("", stripped)
    prefix = _OUTLET_PREFIX.match(stripped)
    after_prefix = _LEAD_NOISE.sub("", stripped[prefix.end() :]) if prefix else None
    # Cheap patterns on both readings first; dateparser only when neither matches.
    for slow in (False, True):
        parsed = parse_date(whole, slow=slow)
        if parsed:
            return HeaderDate(ParsedDate(parsed.iso, whole.strip(), parsed.has_time), None)
        if prefix and after_prefix:
            parsed = parse_date(after_prefix, slow=slow)
            if parsed:
                outlet = (prefix.group("outlet") or "").strip() or None
                return HeaderDate(ParsedDate(parsed.iso, after_prefix.strip(), parsed.has_time), outlet)
    return None
