"""Orchestration: units to parse, quote runs, rule candidates, assembly into :class:`Quote`."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from onrecord.models import Article, Quote, RoleSpan, Span

from . import rules as R
from .attribution import Attributor
from .lexicon import cue_precision
from .marks import ALL_MARKS, QuoteRun, find_runs

DISABLE = ("ner", "lemmatizer", "attribute_ruler")
_LINE_RE = re.compile(r"[^\n]+")
_WORD_RE = re.compile(r"[A-Za-z]+")
MIN_ORPHAN_WORDS = 5
EDGE = " \t\n,;:.\u2014\u2013-" + "".join(ALL_MARKS)


def get_nlp() -> Any:
    from onrecord.nlp import load_nlp

    return load_nlp(disable=DISABLE)


# --------------------------------------------------------------------------- units
def _needs_parse(text: str, start: int, end: int) -> bool:
    chunk = text[start:end]
    if any(ch in ALL_MARKS for ch in chunk) or ":" in chunk:
        return True
    return any(cue_precision(w) >= R.TH.ccomp for w in _WORD_RE.findall(chunk))


def units(article: Article) -> list[Span]:
    """Paragraphs (lines) outside skip ranges that may hold a quote, plus the headline."""
    text = article.text
    out: list[Span] = []
    for body in article.body_ranges():
        for m in _LINE_RE.finditer(text, body.start, body.end):
            s, e = m.start(), m.end()
            while s < e and text[s].isspace():
                s += 1
            while e > s and text[e - 1].isspace():
                e -= 1
            if e > s and _needs_parse(text, s, e):
                out.append(Span(s, e))
    t = article.title_span
    if t is not None and not any(u.start <= t.start < u.end for u in out):
        out.append(t)
    out.sort()
    return out


# --------------------------------------------------------------------------- context
@dataclass
class Ctx:
    article: Article
    sents: list[R.Sent] = field(default_factory=list)
    runs: list[QuoteRun] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.sents.sort(key=lambda s: s.base + s.span[0].idx)
        self._starts = [s.char_span.start for s in self.sents]

    @property
    def text(self) -> str:
        return self.article.text

    def sent_at(self, pos: int) -> R.Sent | None:
        i = bisect.bisect_right(self._starts, pos) - 1
        if i >= 0 and self.sents[i].char_span.start <= pos < self.sents[i].char_span.end + 1:
            return self.sents[i]
        return None

    def sent_index(self, pos: int) -> int:
        return bisect.bisect_right(self._starts, pos) - 1

    def in_run(self, pos: int) -> QuoteRun | None:
        for r in self.runs:
            if r.open_mark < pos and pos < r.outer.end:
                return r
        return None

    def paragraph_of(self, pos: int) -> tuple[int, int]:
        s = self.text.rfind("\n", 0, pos) + 1
        e = self.text.find("\n", pos)
        return s, (len(self.text) if e < 0 else e)


# --------------------------------------------------------------------------- assembly
def _covered_by_runs(text: str, spans: list[Span], runs: list[QuoteRun]) -> bool:
    """Is every character of ``spans`` outside the runs an edge character?"""
    for sp in spans:
        for i in range(sp.start, sp.end):
            if text[i] in EDGE:
                continue
            if not any(r.outer.start <= i < r.outer.end for r in runs):
                return False
    return True


def _overlapping_runs(spans: list[Span], runs: list[QuoteRun]) -> list[QuoteRun]:
    return [r for r in runs if any(sp.start < r.outer.end and r.outer.start < sp.end for sp in spans)]


def _trim_span(text: str, sp: Span) -> Span | None:
    s, e = sp.start, sp.end
    while s < e and text[s] in " \t\n,;:\u2014\u2013":
        s += 1
    while e > s and text[e - 1] in " \t\n,;:\u2014\u2013":
        e -= 1
    return Span(s, e) if e > s else None


@dataclass
class Draft:
    """A quote before attribution."""

    cand: R.Candidate
    content: list[Span]
    kind: str
    runs: list[QuoteRun] = field(default_factory=list)


def _draft_from_candidate(ctx: Ctx, c: R.Candidate) -> Draft | None:
    if not c.content:
        return None
    runs = _overlapping_runs(c.content, ctx.runs)
    if runs and _covered_by_runs(ctx.text, c.content, runs):
        frags = [f for r in runs for f in r.fragments]
        return Draft(c, frags, "direct", runs)
    if runs:
        content = list(c.content)
        last = runs[-1]
        if last.end > content[-1].end and last.start < content[-1].end:
            content[-1] = Span(content[-1].start, last.end)
        return Draft(c, content, "mixed", runs)
    return Draft(c, list(c.content), "indirect")


def _attach_run(ctx: Ctx, run: QuoteRun, bare: list[R.Candidate], drafts: list[Draft]) -> Draft | None:
    """Find the cue of a quote no rule claimed."""
    lo = ctx.sent_index(run.open_mark)
    hi = ctx.sent_index(run.outer.end - 1)
    in_sents = [c for c in bare if lo <= ctx.sent_index(c.anchor) <= hi and not ctx.in_run(c.anchor)]
    if in_sents:
        c = min(in_sents, key=lambda c: min(abs(c.anchor - run.open_mark), abs(c.anchor - run.outer.end)))
        return Draft(c, list(run.fragments), "direct", [run])
    for pos in (run.open_mark, run.outer.end - 1):
        sent = ctx.sent_at(pos)
        if sent is not None:
            c = R.adjacent_verb(sent, run.open_mark, run.close_mark)
            if c is not None and not ctx.in_run(c.anchor):
                return Draft(c, list(run.fragments), "direct", [run])
    # "X said:" in the sentence just before
    prev = [c for c in bare if ctx.sent_index(c.anchor) == lo - 1 and c.sentence.end <= run.open_mark]
    if prev and ctx.text[prev[-1].sentence.start : prev[-1].sentence.end].rstrip().endswith(":"):
        return Draft(prev[-1], list(run.fragments), "direct", [run])
    # same paragraph as the previous direct quote: one more fragment of it
    if drafts and drafts[-1].kind in ("direct", "mixed") and drafts[-1].runs:
        last = drafts[-1]
        gap = ctx.text[last.runs[-1].outer.end : run.open_mark]
        if "\n" not in gap and len(gap) < 200:
            last.content.extend(run.fragments)
            last.runs.append(run)
            return None
    if run.n_words(ctx.text) >= MIN_ORPHAN_WORDS:
        sent = ctx.sent_at(run.open_mark)
        span = sent.char_span if sent else run.outer
        return Draft(R.Candidate([], None, [], span, "orphan", 0.5), list(run.fragments), "direct", [run])
    return None


def _clip_before(spans: list[Span], cut: int) -> list[Span]:
    out = []
    for sp in spans:
        if sp.end <= cut:
            out.append(sp)
        elif sp.start < cut:
            out.append(Span(sp.start, cut))
    return out


def _clip_co_cues(cands: list[R.Candidate]) -> None:
    """'X urged, “A” adding “B”': the content of 'urged' stops before 'adding', whose source is X."""
    for c2 in cands:
        if not c2.inherited or not c2.cue:
            continue
        cut = c2.cue[0].start
        if c2.source is None:
            prev = [c for c in cands if c.sentence == c2.sentence and c.anchor < cut and c.source]
            if prev:
                c2.source = prev[-1].source
        for c in cands:
            if c is not c2 and c.content and c.anchor < cut and c.content[0].start < cut < c.content[-1].end:
                c.content = _clip_before(c.content, cut)


def _dedupe(cands: list[R.Candidate]) -> list[R.Candidate]:
    seen: set[tuple[int, int]] = set()
    out: list[R.Candidate] = []
    for c in sorted(cands, key=lambda c: (c.anchor, -len(c.content))):
        key = (c.cue[0].start, c.cue[0].end) if c.cue else (c.anchor, -1)
        if key in seen:
            continue
        seen.add(key)
        out.append(c)
    return out


def assemble(ctx: Ctx) -> list[Draft]:
    cands = _dedupe([c for s in ctx.sents for c in R.candidates(s)])
    cands = [c for c in cands if not ctx.in_run(c.anchor)]
    _clip_co_cues(cands)
    drafts: list[Draft] = []
    bare: list[R.Candidate] = []
    for c in cands:
        d = _draft_from_candidate(ctx, c)
        if d is None:
            bare.append(c)
        else:
            drafts.append(d)
    claimed = {id(r) for d in drafts for r in d.runs}
    drafts.sort(key=lambda d: d.content[0].start)
    out: list[Draft] = []
    pending = sorted(drafts, key=lambda d: d.content[0].start)
    for run in ctx.runs:
        if id(run) in claimed:
            continue
        while pending and pending[0].content[0].start < run.open_mark:
            out.append(pending.pop(0))
        d = _attach_run(ctx, run, bare, out)
        if d is not None:
            out.append(d)
            claimed.add(id(run))
    out.extend(pending)
    out.sort(key=lambda d: d.content[0].start)
    return out


# --------------------------------------------------------------------------- quotes
def _role(text: str, spans: list[Span]) -> RoleSpan | None:
    clean = [t for t in (_trim_span(text, s) for s in spans) if t is not None]
    if not clean:
        return None
    return RoleSpan(" ".join(s.slice(text) for s in clean), clean)


def _to_quote(ctx: Ctx, d: Draft, attributor: Attributor) -> Quote | None:
    text = ctx.text
    content = _role(text, d.content)
    if content is None:
        return None
    start, end = content.spans[0].start, content.spans[-1].end
    if ctx.article.in_skip_range(start, end) and not _in_title(ctx.article, start):
        return None
    cue = _role(text, d.cand.cue) if d.cand.cue else None
    if d.cand.cue and cue is None:  # a cue that is only a colon or a dash
        cue = RoleSpan(text[d.cand.cue[0].start : d.cand.cue[0].end], [d.cand.cue[0]])
    source = _role(text, [d.cand.source]) if d.cand.source else None
    speakers = attributor.resolve(source.spans[0] if source else None, d.cand.anchor)
    s_lo = min(d.cand.sentence.start, start)
    s_hi = max(d.cand.sentence.end, end)
    conf = d.cand.confidence * (1.0 if source else 0.8)
    return Quote(f"{ctx.article.id}:{start}-{end}", d.kind, content, cue, source, speakers, conf, Span(s_lo, s_hi))


def _quoted_predicate(runs: list[QuoteRun]) -> Any:
    starts = [r.open_mark for r in runs]

    def quoted(pos: int) -> bool:
        i = bisect.bisect_right(starts, pos) - 1
        return i >= 0 and runs[i].open_mark < pos < runs[i].outer.end

    return quoted


def _in_title(article: Article, pos: int) -> bool:
    t = article.title_span
    return t is not None and t.start <= pos < t.end


def quotes_from(article: Article, parsed: list[tuple[Span, Any]]) -> list[Quote]:
    runs = find_runs(article.text)
    ctx = Ctx(article, [], runs)
    quoted = _quoted_predicate(runs)
    ctx.sents = [R.Sent(s, u.start, quoted) for u, doc in parsed for s in doc.sents if len(s)]
    ctx.__post_init__()
    attributor = Attributor(article, quoted)
    out: list[Quote] = []
    seen: set[str] = set()
    for d in assemble(ctx):
        q = _to_quote(ctx, d, attributor)
        if q is not None and q.id not in seen:
            seen.add(q.id)
            out.append(q)
    return out


# --------------------------------------------------------------------------- API
def extract_quotes(article: Article, *, nlp: Any = None) -> list[Quote]:
    """Every quotation of ``article`` with its cue, source and speakers."""
    return next(extract_quotes_batch([article], nlp=nlp))


def extract_quotes_batch(
    articles: Iterable[Article], *, batch_size: int = 64, nlp: Any = None
) -> Iterator[list[Quote]]:
    """Quotes per article, in input order; parses the units of many articles in one ``nlp.pipe``."""
    nlp = nlp or get_nlp()
    batch: list[Article] = []
    for a in articles:
        batch.append(a)
        if len(batch) >= batch_size:
            yield from _run_batch(batch, nlp)
            batch = []
    if batch:
        yield from _run_batch(batch, nlp)


def _run_batch(batch: list[Article], nlp: Any) -> Iterator[list[Quote]]:
    plan = [(a, units(a)) for a in batch]
    flat = [a.text[u.start : u.end] for a, us in plan for u in us]
    docs = iter(nlp.pipe(flat, batch_size=256))
    for a, us in plan:
        parsed = [(u, next(docs)) for u in us]
        yield quotes_from(a, parsed)
