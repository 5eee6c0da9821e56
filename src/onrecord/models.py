"""Plain dataclasses that flow between the pipeline stages.

Every span is a half-open ``[start, end)`` range of character offsets into the
verbatim ``Article.text``; no stage ever rewrites that text.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass(frozen=True, order=True)
class Span:
    start: int
    end: int

    def slice(self, text: str) -> str:
        return text[self.start : self.end]

    def to_list(self) -> list[int]:
        return [self.start, self.end]


@dataclass(frozen=True)
class SkipRange:
    """A stretch of the verbatim text that later stages ignore.

    ``reason`` is a short machine-readable label, e.g. ``header``,
    ``boilerplate:image-credit``, ``boilerplate:byline``, ``repeated-block``.
    """

    start: int
    end: int
    reason: str


@dataclass
class Article:
    """One news article as read, never rewritten.

    ``id`` is the hash of the normalised body (see ``ingest.normalise``), so an
    exact copy under another name gets the same id.
    """

    id: str
    text: str
    title: str | None = None
    outlet: str | None = None
    url: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None  # ISO 8601; None when the input gives no date
    published_raw: str | None = None  # the string the date was read from
    language: str | None = None
    source_path: str | None = None
    source_record: int | None = None  # line / record number inside a container file
    format: str | None = None  # reader that produced it: text, html, jsonl, feed, warc
    title_span: Span | None = None  # where the headline sits in ``text``, when it does
    skip_ranges: list[SkipRange] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def body_ranges(self) -> list[Span]:
        """The parts of ``text`` outside every skip range, in order."""
        out: list[Span] = []
        pos = 0
        for r in sorted(self.skip_ranges, key=lambda r: (r.start, r.end)):
            if r.start > pos:
                out.append(Span(pos, r.start))
            pos = max(pos, r.end)
        if pos < len(self.text):
            out.append(Span(pos, len(self.text)))
        return out

    def in_skip_range(self, start: int, end: int) -> bool:
        return any(r.start <= start and end <= r.end for r in self.skip_ranges)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["title_span"] = self.title_span.to_list() if self.title_span else None
        d["skip_ranges"] = [asdict(r) for r in self.skip_ranges]
        return d


@dataclass
class RoleSpan:
    """One role of a quotation (content, cue or source): text plus its spans.

    ``text`` is the role's fragments joined by a single space when the role is
    discontinuous; each span alone slices ``Article.text`` exactly.
    """

    text: str
    spans: list[Span]

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "spans": [s.to_list() for s in self.spans]}


@dataclass
class SpeakerRef:
    """Who a quote is attributed to inside one article, and why."""

    name: str
    type: str = "unknown"  # person | organisation | unknown
    resolved_via: str = "name"  # name | pronoun | title | nominal | continuation | glued-title | agent | headline
    evidence_spans: list[Span] = field(default_factory=list)
    confidence: float = 1.0
    chain: list[str] = field(default_factory=list)  # readable resolution steps

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "resolved_via": self.resolved_via,
            "evidence_spans": [s.to_list() for s in self.evidence_spans],
            "confidence": round(self.confidence, 3),
            "chain": list(self.chain),
        }


@dataclass
class Quote:
    id: str
    kind: str  # direct | indirect | mixed
    content: RoleSpan
    cue: RoleSpan | None = None
    source: RoleSpan | None = None
    speakers: list[SpeakerRef] = field(default_factory=list)
    confidence: float = 1.0
    sentence: Span | None = None  # the sentence(s) the quote sits in
    act: str = "speech"  # speech | thought: what the cue reports
    rule: str = ""  # the rule or model that produced the quote, e.g. "verb:ccomp", "marks+colon", "crf"

    @property
    def start(self) -> int:
        return min(s.start for s in self.content.spans)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "content": self.content.to_dict(),
            "cue": self.cue.to_dict() if self.cue else None,
            "source": self.source.to_dict() if self.source else None,
            "speakers": [s.to_dict() for s in self.speakers],
            "confidence": round(self.confidence, 3),
            "sentence": self.sentence.to_list() if self.sentence else None,
            "act": self.act,
            "rule": self.rule,
        }


@dataclass
class Failure:
    """An input that could not be read; ``reason`` is one human line."""

    path: str
    reason: str
    record: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "record": self.record, "reason": self.reason}

    def __str__(self) -> str:
        where = f"{self.path}:{self.record}" if self.record is not None else self.path
        # One line whatever a file name holds: line breaks in names are shown escaped.
        return f"{where}: {self.reason}".replace("\r", "\\r").replace("\n", "\\n")


def summary_dict(summary: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """A run summary dataclass as JSON: its fields in order, failures as objects, seconds to the millisecond."""
    out: dict[str, Any] = {}
    for f in fields(summary):
        if f.name in skip:
            continue
        value = getattr(summary, f.name)
        if f.name == "failed":
            value = [failure.to_dict() for failure in value]
        elif isinstance(value, float):
            value = round(value, 3)
        out[f.name] = value
    return out
