"""The dataclasses linking returns (and the corrections it reads)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np


@dataclass
class RoleRecord:
    """Someone holding a title in an organisation over ``[start, end]`` (ISO dates, either may be None).

    ``source`` is ``article`` (read from article text; start/end are the first and
    last article dates that show it) or ``import`` (from the user's roles CSV; these
    take precedence). ``evidence`` holds readable lines such as
    ``001_f8cf…: "NATO Secretary General Jens Stoltenberg"``.
    """

    title: str
    organisation: str | None
    person: str
    start: str | None = None
    end: str | None = None
    source: str = "article"
    evidence: list[str] = field(default_factory=list)
    person_key: str | None = None

    def covers(self, date: str | None) -> bool:
        if date is None:
            return False
        d = date[:10]
        return (self.start is None or self.start[:10] <= d) and (self.end is None or d <= self.end[:10])


@dataclass
class UncertainLink:
    """A merge linking did not make (or made on weak grounds), shown for a person to decide."""

    other_key: str
    alias: str
    reason: str
    article_ids: list[str] = field(default_factory=list)


@dataclass
class Speaker:
    key: str  # stable slug of the canonical name, e.g. "jens-stoltenberg"
    name: str  # canonical display name, diacritics preferred ("Jānis Sārts")
    type: str  # person | organisation | unknown
    aliases: list[str] = field(default_factory=list)  # every surface form seen
    roles: list[RoleRecord] = field(default_factory=list)
    uncertain: list[UncertainLink] = field(default_factory=list)
    first_seen: str | None = None  # earliest article date quoting them
    last_seen: str | None = None
    outlets: list[str] = field(default_factory=list)
    quote_count: int = 0


@dataclass
class DiffToken:
    """One word of a word-level diff: ``tag`` is same | removed (base only) | added (variant only)."""

    tag: str
    text: str


@dataclass
class VariantDiff:
    """How one quoted variant differs from the statement's base (earliest quoted) wording."""

    base_quote_id: str
    quote_id: str
    tokens: list[DiffToken] = field(default_factory=list)

    def render(self) -> str:
        """``same [-removed-] {+added+}``: one readable line for a terminal."""
        from onrecord.speakers.statements import diff_line  # statements imports these types

        return diff_line(self.tokens)


@dataclass
class StatementReport:
    quote_id: str
    article_id: str
    outlet: str | None
    article_date: str | None
    said_date: str | None
    said_date_basis: str
    text: str
    kind: str
    is_earliest: bool = False
    link_score: float | None = None  # mean P(same statement) with the other reports (None: reported once)
    shared_words: list[str] = field(default_factory=list)  # content words it shares with the earliest report


@dataclass
class Statement:
    id: str  # stable: hash of the earliest report's quote id
    speaker_key: str | None
    reports: list[StatementReport] = field(default_factory=list)
    drift: bool = False  # quoted wordings differ between reports
    diff: list[VariantDiff] = field(default_factory=list)
    said_date: str | None = None  # the earliest report's said date (else article date)
    confidence: float | None = None  # mean P(same) over its pairs of reports (None: reported once)


@dataclass
class QuoteInfo:
    said_date: str | None  # YYYY-MM-DD (precision day) or YYYY-MM (precision month)
    said_date_basis: str  # 'article text: "On 23 January"' | 'article date' | 'unknown'
    said_date_precision: str | None  # day | month | None
    article_date: str | None = None
    topics: list[str] = field(default_factory=list)  # normalised lower-case keys
    organisations: list[str] = field(default_factory=list)  # the speakers' organisations from roles


@dataclass
class Corrections:
    """User corrections, applied in a fixed order on every run: splits, then merges, then renames.

    Speakers are named by key or by any alias / name (matched after folding case and
    diacritics). ``merges``: (keep, absorb). ``splits``: (speaker, alias): the mentions
    under that alias become their own speaker. ``renames``: (speaker, new display name);
    the key stays as it was so that later corrections still find it.
    """

    merges: list[tuple[str, str]] = field(default_factory=list)
    splits: list[tuple[str, str]] = field(default_factory=list)
    renames: list[tuple[str, str]] = field(default_factory=list)
    detached: list[str] = field(default_factory=list)  # quote ids a reader split off their statement


@dataclass
class LinkResult:
    speakers: list[Speaker] = field(default_factory=list)
    quote_speakers: dict[str, list[str]] = field(default_factory=dict)
    statements: Sequence[Statement] = field(default_factory=list)  # ``speakers.Statements`` from linking
    quote_info: dict[str, QuoteInfo] = field(default_factory=dict)
    roles: list[RoleRecord] = field(default_factory=list)  # every role, imported ones without a speaker too
    topic_labels: dict[str, str] = field(default_factory=dict)  # topic key -> display form
    quote_statement: dict[str, str] = field(default_factory=dict)  # quote id -> statement id
    notes: list[str] = field(default_factory=list)  # e.g. corrections that matched no speaker
    # quote id -> how a bare title in it was resolved: "NATO Secretary General -> mark-rutte (holder on 2024-10-15 ...)"
    title_resolutions: dict[str, list[str]] = field(default_factory=dict)

    @property
    def uncertain(self) -> list[tuple[str, UncertainLink]]:
        return [(s.key, u) for s in self.speakers for u in s.uncertain]

    def speaker(self, name_or_key: str) -> Speaker | None:
        from onrecord.speakers.names import fold

        f = fold(name_or_key)
        for s in self.speakers:
            if s.key == name_or_key or fold(s.name) == f:
                return s
        for s in self.speakers:
            if any(fold(a) == f for a in s.aliases):
                return s
        return None


class Embedder(Protocol):
    """Anything that turns texts into L2-normalised vectors (one row per text)."""

    name: str

    def encode(self, texts: list[str]) -> np.ndarray: ...


class DerivedCache(Protocol):
    """Values derived from one input alone, kept by the input's digest (the store's ``link_cache``)."""

    def get_many(self, keys: list[str]) -> dict[str, Any]: ...

    def put_many(self, values: dict[str, Any]) -> None: ...


CacheFactory = Callable[[str], DerivedCache]  # kind (what is derived, by which code) -> its cache
