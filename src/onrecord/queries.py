"""The read layer: one filter, one set of rules and one result shape for every door.

The CLI, the REST API and the web pages build the same ``QuoteFilter`` from their inputs
(``QuoteFilter.parse`` validates once, with the same messages everywhere), ask the store
for the same typed pages, and render them in their own format (datasette's one view, many
formats). What is computed from rows rather than read (timelines, counts per period, one
row per statement) lives here once, not in each interface.

Nothing here speaks SQL: the store does, and it takes these filters and returns these rows.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, Literal, TypedDict, TypeVar, get_args

Kind = Literal["direct", "indirect", "mixed"]
Act = Literal["speech", "thought"]
Period = Literal["day", "week", "month", "year"]
KINDS: tuple[str, ...] = get_args(Kind)
ACTS: tuple[str, ...] = get_args(Act)
PERIODS: tuple[str, ...] = get_args(Period)

MAX_TEXT = 500  # longest filter value any door accepts
DATE_HELP = "YYYY, YYYY-MM or YYYY-MM-DD"
_TIME = r"[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
_DATE_RE = re.compile(rf"^(\d{{4}})(?:-(\d{{2}})(?:-(\d{{2}})(?:{_TIME})?)?)?$")
_TRUE = {"1", "true", "on", "yes"}
_FALSE = {"0", "false", "off", "no"}


class InvalidFilter(ValueError):
    """A bad filter value, said the same way by the CLI, the API and the web: ``field: message``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# ------------------------------------------------------------------ values
def parse_text(name: str, value: object, max_length: int = MAX_TEXT) -> str | None:
    """Stripped text, ``None`` when unset or blank."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if len(text) > max_length:
        raise InvalidFilter(name, f"longer than {max_length} characters")
    if "\x00" in text:
        raise InvalidFilter(name, "holds a NUL character")
    return text


def parse_date(name: str, value: object) -> str | None:
    """An ISO date (YYYY, YYYY-MM, YYYY-MM-DD, or a full timestamp), checked against the calendar."""
    text = parse_text(name, value, 40)
    if text is None:
        return None
    m = _DATE_RE.match(text)
    ok = m is not None
    if m is not None:
        year, month, day = int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1)
        try:
            date(year, month, day)
        except ValueError:
            ok = False
        if m.group(3) and len(text) > 10:
            try:
                datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                ok = False
    if not ok:
        raise InvalidFilter(name, f"expected a date {DATE_HELP}, got {text!r}")
    return text


def parse_choice(name: str, value: object, choices: tuple[str, ...]) -> str | None:
    text = parse_text(name, value, 40)
    if text is None:
        return None
    if text not in choices:
        raise InvalidFilter(name, f"expected one of {', '.join(choices)}, got {text!r}")
    return text


def parse_bool(name: str, value: object) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidFilter(name, f"expected true or false (1 or 0), got {str(value)!r}")


def parse_period(value: object, name: str = "group") -> Period:
    return parse_choice(name, value, PERIODS) or "month"  # type: ignore[return-value]


# ------------------------------------------------------------------ filter
@dataclass(frozen=True)
class QuoteFilter:
    """Which quotes: every listing, search, timeline and count takes one of these.

    ``since``/``until`` are inclusive ISO dates compared with the date a quote was said
    (else its article's date); ``until`` 2024-01 includes all of January.
    """

    speaker: str | None = None  # key, name or alias (accents and case folded)
    organisation: str | None = None
    outlet: str | None = None
    topic: str | None = None
    since: str | None = None
    until: str | None = None
    kind: Kind | None = None
    act: Act | None = None
    drift: bool | None = None  # only quotes of statements with (True) or without (False) drift
    q: str | None = None  # full-text query
    article_id: str | None = None
    statement_id: str | None = None

    @classmethod
    def parse(cls, **raw: object) -> QuoteFilter:
        """Validate raw values from any door (strings, None, bools); unknown names are a TypeError."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(raw) - names
        if unknown:
            raise TypeError(f"unknown quote filter(s): {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {}
        for name in ("speaker", "organisation", "outlet", "topic", "q"):
            values[name] = parse_text(name, raw.get(name))
        for name in ("article_id", "statement_id"):
            values[name] = parse_text(name, raw.get(name), 128)
        values["since"] = parse_date("since", raw.get("since"))
        values["until"] = parse_date("until", raw.get("until"))
        if values["since"] and values["until"] and values["until"][:10] < values["since"][:10]:
            raise InvalidFilter("until", f"{values['until']!r} is before since {values['since']!r}")
        values["kind"] = parse_choice("kind", raw.get("kind"), KINDS)
        values["act"] = parse_choice("act", raw.get("act"), ACTS)
        values["drift"] = parse_bool("drift", raw.get("drift"))
        return cls(**values)

    def replace(self, **changes: Any) -> QuoteFilter:
        """A copy with some values changed (validated like ``parse``)."""
        return QuoteFilter.parse(**(self.as_dict() | changes))

    def as_dict(self) -> dict[str, Any]:
        """The values that are set."""
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}

    def cache_key(self) -> tuple[Any, ...]:
        return tuple(sorted(self.as_dict().items()))

    def __bool__(self) -> bool:
        return bool(self.as_dict())


@dataclass(frozen=True)
class StatementFilter:
    speaker: str | None = None
    drift: bool | None = None
    min_reports: int = 1

    @classmethod
    def parse(cls, *, speaker: object = None, drift: object = None, min_reports: object = 1) -> StatementFilter:
        try:
            n = int(str(min_reports if min_reports is not None else 1).strip() or 1)
        except ValueError:
            raise InvalidFilter("min_reports", f"expected a whole number, got {min_reports!r}") from None
        if n < 1:
            raise InvalidFilter("min_reports", "must be at least 1")
        return cls(parse_text("speaker", speaker), parse_bool("drift", drift), n)


@dataclass(frozen=True)
class ArticleFilter:
    outlet: str | None = None
    story_id: str | None = None
    since: str | None = None
    until: str | None = None

    @classmethod
    def parse(cls, *, outlet: object = None, story_id: object = None, since: object = None,
              until: object = None) -> ArticleFilter:
        s, u = parse_date("since", since), parse_date("until", until)
        if s and u and u[:10] < s[:10]:
            raise InvalidFilter("until", f"{u!r} is before since {s!r}")
        return cls(parse_text("outlet", outlet), parse_text("story_id", story_id, 64), s, u)


# ------------------------------------------------------------------ rows
class Role(TypedDict):
    text: str
    spans: list[list[int]]


class QuoteRow(TypedDict, total=False):
    """One quote as every door shows it (``content``/``cue``/``source`` with their spans)."""

    id: str
    article_id: str
    kind: str
    act: str | None
    rule: str | None
    start: int
    content: Role
    cue: Role | None
    source: Role | None
    speakers: list[dict[str, Any]]  # in-article attribution with its evidence
    confidence: float
    sentence: list[int] | None
    speaker_keys: list[str] | None
    speaker_names: str | None
    said_date: str | None
    said_date_basis: str | None
    said_date_precision: str | None
    topics: list[str] | None
    organisations: list[str] | None
    statement_id: str | None
    article_title: str | None
    outlet: str | None
    article_date: str | None
    date: str | None  # said_date, else the article's date
    snippet: str | None  # search only: the match, with [brackets]
    score: float  # semantic search only: cosine similarity to the query
    matched_via: str | None  # search only: "text" or "statement" (another report of a hit)
    report_count: int  # timelines only: reports of this statement
    also: list[QuoteRow]  # one-row-per-statement only: the other reports on this page


class SpeakerRow(TypedDict, total=False):
    key: str
    name: str
    type: str
    aliases: list[str]
    quote_count: int
    first_seen: str | None
    last_seen: str | None
    data: dict[str, Any]
    roles: list[dict[str, Any]]  # one speaker only
    statement_count: int  # one speaker only


class StatementRow(TypedDict, total=False):
    id: str
    speaker_key: str | None
    speaker_name: str | None
    date: str | None
    drift: bool
    report_count: int
    text: str
    diff: list[dict[str, Any]] | None
    reports: list[dict[str, Any]]
    confidence: float | None  # mean P(same) over its pairs of reports; None when reported once


class ArticleRow(TypedDict, total=False):
    id: str
    title: str | None
    outlet: str | None
    url: str | None
    authors: list[str]
    published: str | None
    published_raw: str | None
    language: str | None
    format: str | None
    source_path: str | None
    source_record: int | None
    text: str
    title_span: list[int] | None
    skip_ranges: list[dict[str, Any]]
    extra: dict[str, Any]
    duplicate_of: str | None
    similarity: float | None
    story_id: str | None
    ingested_at: str
    quote_count: int  # listings
    seen_in: list[dict[str, Any]]  # one article only
    near_duplicates: list[dict[str, Any]]  # one article only
    quotes: list[QuoteRow]  # one article only


class StoryRow(TypedDict):
    id: str
    title: str | None
    size: int
    outlets: list[str]
    first_published: str | None
    articles: list[dict[str, Any]]


class PeriodCount(TypedDict):
    period: str
    count: int


Row = TypeVar("Row")


@dataclass
class Page(Generic[Row]):
    """One page of a listing: ``items`` from ``offset``; ``total`` match in all."""

    items: list[Row]
    total: int
    limit: int
    offset: int
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. search's matching articles

    def to_dict(self) -> dict[str, Any]:
        """The JSON envelope every door writes: total, limit, offset, items."""
        return {"total": self.total, "limit": self.limit, "offset": self.offset, "items": self.items}

    def __iter__(self) -> Any:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


@dataclass
class SearchResult:
    query: str
    quotes: Page[QuoteRow]
    articles: list[dict[str, Any]]
    semantic: bool = False  # ranked by meaning (each quote has a ``score``), not by words

    def to_dict(self) -> dict[str, Any]:
        out = {"query": self.query, "quotes": self.quotes.to_dict(), "articles": self.articles}
        return out | ({"semantic": True} if self.semantic else {})


@dataclass
class Timeline:
    """Statements in date order grouped by period; a statement reported by several outlets is one point."""

    group: Period
    buckets: list[dict[str, Any]]  # {"period", "count", "quotes": [QuoteRow with report_count]}
    total: int
    undated: int

    def to_dict(self) -> dict[str, Any]:
        return {"group": self.group, "total": self.total, "undated": self.undated, "buckets": self.buckets}


# ------------------------------------------------------- computed from rows
def bucket(when: str, group: str) -> str:
    """The period a date falls in: 2024-03-05 is 2024-03-05 / 2024-W10 / 2024-03 / 2024."""
    if group == "day":
        return when[:10]
    if group == "week":
        try:
            d = datetime.fromisoformat(when[:10])
        except ValueError:
            return when[:7]
        year, week, _ = d.isocalendar()
        return f"{year}-W{week:02d}"
    if group == "year":
        return when[:4]
    return when[:7]


def one_row_per_statement(quotes: Iterable[QuoteRow]) -> list[QuoteRow]:
    """Reports of one statement become one row (the first in order) whose ``also`` lists the others."""
    rows: list[QuoteRow] = []
    by_statement: dict[str, QuoteRow] = {}
    for q in quotes:
        sid = q.get("statement_id")
        if sid and sid in by_statement:
            by_statement[sid]["also"].append(q)
            continue
        row: QuoteRow = {**q, "also": []}  # type: ignore[typeddict-item]
        if sid:
            by_statement[sid] = row
        rows.append(row)
    return rows


def build_timeline(quotes: Iterable[QuoteRow], group: Period) -> Timeline:
    """Dated quotes oldest first, one point per statement (at its earliest report), bucketed."""
    all_quotes = list(quotes)
    ordered = sorted((q for q in all_quotes if q.get("date")),
                     key=lambda q: (q["date"] or "", q["article_id"], q["start"]))
    points: list[QuoteRow] = []
    for row in one_row_per_statement(ordered):
        row["report_count"] = 1 + len(row.pop("also"))  # type: ignore[misc]
        points.append(row)
    buckets: dict[str, list[QuoteRow]] = {}
    for q in points:
        buckets.setdefault(bucket(q["date"] or "", group), []).append(q)
    undated = len({q.get("statement_id") or q["id"] for q in all_quotes if not q.get("date")})
    return Timeline(
        group=group,
        buckets=[{"period": k, "count": len(v), "quotes": v} for k, v in buckets.items()],
        total=len(points),
        undated=undated,
    )


def period_counts(rows: Iterable[tuple[str | None, str | None, str]], group: Period) -> list[PeriodCount]:
    """(date, statement id, quote id) rows → dated statements per period, oldest first.

    Counts as ``build_timeline`` does: a statement reported several times counts once, at its
    earliest date.
    """
    first: dict[str, str] = {}
    for when, sid, qid in rows:
        if when:
            key = sid or qid
            if key not in first or when < first[key]:
                first[key] = when
    counts: dict[str, int] = {}
    for when in first.values():
        b = bucket(when, group)
        counts[b] = counts.get(b, 0) + 1
    return [{"period": k, "count": v} for k, v in sorted(counts.items())]


__all__ = [
    "ACTS",
    "KINDS",
    "PERIODS",
    "Act",
    "ArticleFilter",
    "ArticleRow",
    "InvalidFilter",
    "Kind",
    "Page",
    "Period",
    "PeriodCount",
    "QuoteFilter",
    "QuoteRow",
    "SearchResult",
    "SpeakerRow",
    "StatementFilter",
    "StatementRow",
    "StoryRow",
    "Timeline",
    "build_timeline",
    "bucket",
    "one_row_per_statement",
    "period_counts",
]
