"""Orchestration: units to parse, quote runs, rule candidates, assembly into :class:`Quote`."""

from __future__ import annotations

import bisect
import logging
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from onrecord.ingest.language import guess_language, looks_unreadable
from onrecord.models import Article, Quote, RoleSpan, Span

from . import confidence as C
from . import names as N
from . import rules as R
from .acts import act_of
from .attribution import Attributor
from .crf import candidate_from_crf
from .lexicon import cue_precision, source_head
from .marks import ALL_MARKS, QuoteRun, find_runs
from .settings import DEFAULT_SETTINGS, ExtractSettings

DISABLE = ("ner", "lemmatizer", "attribute_ruler")
_LINE_RE = re.compile(r"[^\n]+")
_WORD_RE = re.compile(r"[A-Za-z]+")
_SENT_SPLIT_RE = re.compile(r"(?<=[.!?])[\"\u201d\u2019)]*\s+(?=[A-Z\"\u201c])")
PIPE_BATCH = 32  # paragraphs per spaCy batch: bigger batches cost memory, not speed
EDGE = " \t\n,;:.\u2014\u2013-" + "".join(ALL_MARKS)
# Bounds that keep every input linear in its size (PolNeAR's longest paragraph is 1,628 characters,
# its longest run without a space 87, its longest article well under a piece):
PIECE_CHARS = 100_000  # a longer text is extracted piece by piece (cut at a paragraph, else sentence, else space)
MAX_UNIT_CHARS = 3_000  # the most characters parsed at once (the rules are quadratic in a sentence's length)
MAX_RUN_CHARS = 100  # a longer run without white space reaches the tokenizer broken by spaces (it is quadratic)
log = logging.getLogger(__name__)


def get_nlp() -> Any:
    from onrecord.nlp import load_nlp

    return load_nlp(disable=DISABLE)


# --------------------------------------------------------------------------- units
# Words that are never the head of a cue (copulas, auxiliaries, prepositions, articles): the rules
# skip them, so they alone do not make a sentence worth parsing ("according to" has "according").
_NEVER_CUE_HEADS = R.COPULAS | frozenset(
    "to for on of in at by with from not an a the will would can could should may might must".split()
)


def _needs_parse(text: str, start: int, end: int, floor: float) -> bool:
    """A quotation mark, a colon or a word that is a cue at least ``floor`` often (``parse_floor``)."""
    chunk = text[start:end]
    if any(ch in ALL_MARKS for ch in chunk) or ":" in chunk:
        return True
    return any(cue_precision(w) >= floor for w in _WORD_RE.findall(chunk) if w.lower() not in _NEVER_CUE_HEADS)


_ABBREVIATIONS = frozenset(
    "mr mrs ms dr sen rep gov gen lt col sgt st jr sr prof no vs inc corp co ltd jan feb aug sept oct nov dec".split()
)


def _after_abbreviation(text: str, pos: int) -> bool:
    """Is the period before ``pos`` part of 'Mr.', 'Sen.', 'U.S.' or an initial ('John F.')?"""
    i = pos
    while i > 0 and text[i - 1] in '"\u201d\u2019)':
        i -= 1
    j = i - 1  # the period
    k = j
    while k > 0 and (text[k - 1].isalpha() or text[k - 1] == "."):
        k -= 1
    word = text[k:j]
    return len(word) <= 1 or "." in word or word.lower() in _ABBREVIATIONS


def _sentence_splits(text: str, start: int, end: int) -> list[re.Match[str]]:
    return [m for m in _SENT_SPLIT_RE.finditer(text, start, end) if not _after_abbreviation(text, m.start())]


def _parse_chunks(text: str, start: int, end: int, floor: float) -> Iterator[Span]:
    """Runs of consecutive sentences of one paragraph that may hold a quote (a cheap split)."""
    cur: Span | None = None
    pos = start
    for m in [*_sentence_splits(text, start, end), None]:
        s, e = pos, (m.start() if m else end)
        pos = m.end() if m else end
        if e <= s:
            continue
        if _needs_parse(text, s, e, floor):
            if cur and e - cur.start > MAX_UNIT_CHARS:  # a long paragraph: parsed a few sentences at a time
                yield cur
                cur = None
            cur = Span(cur.start, e) if cur else Span(s, e)
        elif cur:
            yield cur
            cur = None
    if cur:
        yield cur


_LAST_SPACE_RE = re.compile(r".*\s", re.DOTALL)


def _cut(text: str, lo: int, hi: int, limit: int, *, lines: bool) -> int:
    """Where to end a part of ``[lo, hi)`` at most ``limit`` long: after a line break (``lines``; one
    that does not continue a quote first), else at a sentence start, else after white space, else at
    the limit.  Each cut reads at most ``limit`` characters, so cutting a text is linear."""
    if hi - lo <= limit:
        return hi
    a, b = lo + limit // 2, lo + limit
    if lines:
        nl = text.rfind("\n", a, b)
        first = nl
        for _ in range(20):  # a paragraph opening with a mark may continue the quote above it
            if nl < 0:
                break
            nxt = nl + 1
            while nxt < b and text[nxt] in " \t\n":
                nxt += 1
            if nxt < b and text[nxt] not in ALL_MARKS:
                return nl + 1
            nl = text.rfind("\n", a, nl)
        if first >= 0:
            return first + 1
    splits = _sentence_splits(text, a, b)
    if splits:
        return splits[-1].end()
    m = _LAST_SPACE_RE.match(text, a, b)
    return m.end() if m else b


def _trimmed(text: str, s: int, e: int) -> Span | None:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return Span(s, e) if e > s else None


def _bounded(text: str, unit: Span) -> Iterator[Span]:
    """``unit`` in parts the parser takes whole (one sentence longer than the bound is cut at a space)."""
    s = unit.start
    while s < unit.end:
        e = _cut(text, s, unit.end, MAX_UNIT_CHARS, lines=False)
        part = _trimmed(text, s, e)
        if part is not None:
            yield part
        s = e


def pieces(article: Article) -> list[Span]:
    """The parts of a long text extracted one after another (one part for any ordinary article)."""
    text = article.text
    out: list[Span] = []
    s = 0
    while s < len(text):
        e = _cut(text, s, len(text), PIECE_CHARS, lines=True)
        out.append(Span(s, e))
        s = e
    return out or [Span(0, 0)]


def units(article: Article, piece: Span | None = None, *, settings: ExtractSettings | None = None) -> list[Span]:
    """Paragraphs (lines) outside skip ranges that may hold a quote, plus the headline (of ``piece``
    only, when given)."""
    floor = (settings or DEFAULT_SETTINGS).parse_floor
    text = article.text
    lo, hi = (piece.start, piece.end) if piece is not None else (0, len(text))
    out: list[Span] = []
    for body in article.body_ranges():
        if body.end <= lo or body.start >= hi:
            continue
        for m in _LINE_RE.finditer(text, max(body.start, lo), min(body.end, hi)):
            sp = _trimmed(text, m.start(), m.end())
            if sp is not None:
                out.extend(_parse_chunks(text, sp.start, sp.end, floor))
    t = article.title_span
    if t is not None and t.start < hi and t.end > lo:
        t = Span(max(t.start, lo), min(t.end, hi))
        if not any(u.start <= t.start < u.end for u in out):
            # a headline is parsed whole; a "headline" longer than a paragraph is read like one
            out.extend([t] if t.end - t.start <= MAX_UNIT_CHARS else _parse_chunks(text, t.start, t.end, floor))
    out.sort()
    return [part for u in out for part in (_bounded(text, u) if u.end - u.start > MAX_UNIT_CHARS else [u])]


_LONG_RUN_RE = re.compile(rf"(?<!\S)\S{{{MAX_RUN_CHARS + 1},}}")


def parser_text(text: str, unit: Span) -> str:
    """What the parser reads for ``unit``: its text, with a space in place of every MAX_RUN_CHARS-th
    character of a longer run without white space (same length, so offsets hold)."""
    chunk = text[unit.start : unit.end]
    if len(chunk) <= MAX_RUN_CHARS or not _LONG_RUN_RE.search(chunk):
        return chunk
    chars = list(chunk)
    for m in _LONG_RUN_RE.finditer(chunk):
        for i in range(m.start() + MAX_RUN_CHARS, m.end(), MAX_RUN_CHARS):
            chars[i] = " "
    return "".join(chars)


# --------------------------------------------------------------------------- context
@dataclass
class Ctx:
    """One piece of an article (the whole of any ordinary one): its parsed sentences and quote runs.

    Lookups by position are bisections over sorted offsets, so that no step rescans every run or
    sentence per quote (which made a text of thousands of quotation marks quadratic).
    """

    article: Article
    sents: list[R.Sent] = field(default_factory=list)
    runs: list[QuoteRun] = field(default_factory=list)
    piece: Span | None = None  # the part of the text this context covers (None: all of it)
    in_skip: Callable[[int, int], bool] | None = None  # Article.in_skip_range, or an index of it
    settings: ExtractSettings = DEFAULT_SETTINGS

    def __post_init__(self) -> None:
        self.sents.sort(key=lambda s: s.base + s.span[0].idx)
        self._starts = [s.char_span.start for s in self.sents]
        self._opens = [r.open_mark for r in self.runs]
        self._run_reach: list[int] = []  # running max of the runs' ends: runs may nest
        for r in self.runs:
            self._run_reach.append(max(r.outer.end, self._run_reach[-1]) if self._run_reach else r.outer.end)
        if self.in_skip is None:
            self.in_skip = self.article.in_skip_range

    @property
    def text(self) -> str:
        return self.article.text

    @property
    def lo(self) -> int:
        return self.piece.start if self.piece else 0

    @property
    def hi(self) -> int:
        return self.piece.end if self.piece else len(self.article.text)

    def sent_at(self, pos: int) -> R.Sent | None:
        i = bisect.bisect_right(self._starts, pos) - 1
        if i >= 0 and self.sents[i].char_span.start <= pos < self.sents[i].char_span.end + 1:
            return self.sents[i]
        return None

    def sent_index(self, pos: int) -> int:
        return bisect.bisect_right(self._starts, pos) - 1

    def in_run(self, pos: int) -> QuoteRun | None:
        """The first run (by opening mark) holding ``pos``."""
        k = bisect.bisect_left(self._opens, pos)  # runs[:k] open before pos
        i = bisect.bisect_right(self._run_reach, pos)  # the first run ending after pos
        return self.runs[i] if i < k else None

    def overlapping_runs(self, spans: list[Span]) -> list[QuoteRun]:
        """The runs (in order) that overlap any of ``spans``."""
        hit: set[int] = set()
        for sp in spans:
            k = bisect.bisect_left(self._opens, sp.end)
            for i in range(bisect.bisect_right(self._run_reach, sp.start), k):
                if self.runs[i].outer.end > sp.start:
                    hit.add(i)
        return [self.runs[i] for i in sorted(hit)]


# --------------------------------------------------------------------------- assembly
def _covered_by_runs(text: str, spans: list[Span], runs: list[QuoteRun]) -> bool:
    """Is every character of ``spans`` outside the runs an edge character?"""
    cover: list[list[int]] = []  # the runs' outer spans, merged
    for r in sorted(runs, key=lambda r: r.outer.start):
        o = r.outer
        if cover and o.start <= cover[-1][1]:
            cover[-1][1] = max(cover[-1][1], o.end)
        else:
            cover.append([o.start, o.end])
    for sp in spans:
        pos = sp.start
        for a, b in cover:
            if b <= pos:
                continue
            if a >= sp.end:
                break
            if a > pos and text[pos:a].strip(EDGE):
                return False
            pos = max(pos, b)
        if pos < sp.end and text[pos : sp.end].strip(EDGE):
            return False
    return True


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
    via: str = ""  # the attacher that tied a quotation-mark run to its cue, if one did

    @property
    def rule(self) -> str:
        return f"{self.cand.rule}+{self.via}" if self.via else self.cand.rule


def _blank(text: str, start: int, end: int) -> bool:
    """``not text[start:end].strip()``, reading only up to the first character that is not white."""
    while start < end and text[start].isspace():
        start += 1
    return start >= end


def _transcript_turn(ctx: Ctx, c: R.Candidate) -> bool:
    """'"PENCE: And that's why …' — a speaker label opening a quoted paragraph."""
    if c.rule != "colon" or c.source is None:
        return False
    run = ctx.in_run(c.anchor)
    return run is not None and _blank(ctx.text, run.open_mark + 1, c.source.start)


def _draft_from_candidate(ctx: Ctx, c: R.Candidate) -> Draft | None:
    if not c.content:
        return None
    if _transcript_turn(ctx, c):
        run = ctx.in_run(c.anchor)
        return Draft(c, list(c.content), "direct", [run] if run else [])
    runs = ctx.overlapping_runs(c.content)
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


_DASH_SOURCE_RE = re.compile(
    r"[ \t\u00a0]*([\u2015\u2014\u2013])[ \t\u00a0]*([A-Z][^\n\u201c\"]{1,60}?)\.?[ \t\u00a0]*(?=\n|$)"
)


class Bare:
    """Cue-only candidates by sentence index (in text order, as the attachers read them)."""

    def __init__(self, ctx: Ctx, cands: list[R.Candidate]) -> None:
        self.all = cands
        self.by_sent: dict[int, list[R.Candidate]] = {}
        for c in cands:
            self.by_sent.setdefault(ctx.sent_index(c.anchor), []).append(c)

    def __iter__(self) -> Iterator[R.Candidate]:
        return iter(self.all)

    def in_sents(self, lo: int, hi: int) -> list[R.Candidate]:
        if hi - lo > len(self.by_sent):
            return [c for i in sorted(k for k in self.by_sent if lo <= k <= hi) for c in self.by_sent[i]]
        return [c for i in range(lo, hi + 1) for c in self.by_sent.get(i, ())]


@dataclass
class RunCtx:
    """What an attacher sees: the article context, the quote run, cue-only candidates, drafts so far."""

    ctx: Ctx
    run: QuoteRun
    bare: Bare
    drafts: list[Draft]
    reach: list[int] = field(default_factory=list)  # running max of the drafts' sentence ends
    carry: Draft | None = None  # the last quote of the piece before, for a paragraph continuing it

    @property
    def lo(self) -> int:
        return self.ctx.sent_index(self.run.open_mark)

    @property
    def hi(self) -> int:
        return self.ctx.sent_index(self.run.outer.end - 1)

    def direct(self, c: R.Candidate) -> Draft:
        return Draft(c, list(self.run.fragments), "direct", [self.run])


MERGED = Draft(R.Candidate([], None, [], Span(0, 0), "merged"), [], "direct")


def _cue_in_same_sentence(rc: RunCtx) -> Draft | None:
    ctx, run = rc.ctx, rc.run
    found = [c for c in rc.bare.in_sents(rc.lo, rc.hi) if not ctx.in_run(c.anchor)]
    if not found:
        return None
    return rc.direct(min(found, key=lambda c: min(abs(c.anchor - run.open_mark), abs(c.anchor - run.outer.end))))


def _adjacent_verb(rc: RunCtx) -> Draft | None:
    for pos in (rc.run.open_mark, rc.run.outer.end - 1):
        sent = rc.ctx.sent_at(pos)
        c = R.adjacent_verb(sent, rc.run.open_mark, rc.run.close_mark) if sent else None
        if c is not None and not rc.ctx.in_run(c.anchor):
            return rc.direct(c)
    return None


def _cue_in_next_sentence(rc: RunCtx) -> Draft | None:
    """'“Who would have believed it?” Trump said.' (the parser ends the sentence at '?')."""
    ctx, run = rc.ctx, rc.run
    nxt = rc.hi + 1
    if nxt >= len(ctx.sents) or run.close_mark is None:
        return None
    sent = ctx.sents[nxt]
    if sent.char_span.start - run.outer.end > 3:
        return None
    gap = ctx.text[run.outer.end : sent.char_span.start]
    if "\n" in gap:
        return None
    found = [c for c in rc.bare.in_sents(nxt, nxt) if c.anchor - run.outer.end < 60]
    if found:
        return rc.direct(found[0])
    c = R.adjacent_verb(sent, run.open_mark, run.close_mark)
    return rc.direct(c) if c is not None else None


def _dash_source(rc: RunCtx) -> Draft | None:
    """'“…” ― Adriana Rodarte' (reader voices, headlines ending '– NATO Secretary General')."""
    m = _DASH_SOURCE_RE.match(rc.ctx.text, rc.run.outer.end)
    if not m or len(m.group(2).split()) > 6:
        return None
    src = Span(m.start(2), m.end(2))
    sent = rc.ctx.sent_at(rc.run.open_mark)
    span = Span(sent.char_span.start if sent else rc.run.outer.start, m.end())
    return rc.direct(R.Candidate([Span(m.start(1), m.end(1))], src, [], span, "dash"))


def _colon_before(rc: RunCtx) -> Draft | None:
    """'X said:' in the sentence just before the quote."""
    lo = rc.lo
    prev = [c for c in rc.bare.in_sents(lo - 1, lo - 1) if c.sentence.end <= rc.run.open_mark]
    if prev and _ends_with_colon(rc.ctx.text, prev[-1].sentence.start, prev[-1].sentence.end):
        return rc.direct(prev[-1])
    return None


def _ends_with_colon(text: str, start: int, end: int) -> bool:
    """``text[start:end].rstrip().endswith(":")`` without copying the sentence."""
    while end > start and text[end - 1].isspace():
        end -= 1
    return end > start and text[end - 1] == ":"


def _inside_sentence_of_a_quote(rc: RunCtx) -> Draft | None:
    """'X called the decision a “huge win for voters”': the fragment joins X's content (mixed)."""
    run = rc.run
    for i in range(len(rc.drafts) - 1, -1, -1):
        if i < len(rc.reach) and rc.reach[i] <= run.open_mark:
            break  # no sentence of this draft or any earlier one reaches the run
        d = rc.drafts[i]
        c = d.cand
        if c.content and c.sentence.start <= run.open_mark < c.sentence.end and c.anchor < run.open_mark:
            if d.content[-1].end <= run.start:
                d.content.extend(run.fragments)
                d.runs.append(run)
                d.kind = "mixed" if d.kind == "indirect" else d.kind
                return MERGED
    return None


def _same_paragraph_continuation(rc: RunCtx) -> Draft | None:
    """'“A,” he said. “B.”': B is one more fragment of the quote before it."""
    if not rc.drafts or rc.drafts[-1].kind not in ("direct", "mixed") or not rc.drafts[-1].runs:
        return None
    last = rc.drafts[-1]
    gap = rc.ctx.text[last.runs[-1].outer.end : rc.run.open_mark]
    if "\n" in gap or len(gap) >= 200:
        return None
    last.content.extend(rc.run.fragments)
    last.runs.append(rc.run)
    return MERGED


def _orphan(rc: RunCtx) -> Draft | None:
    """A long quote with no cue in reach: its own paragraph, continuing the previous speaker."""
    if rc.run.n_words(rc.ctx.text) < rc.ctx.settings.min_orphan_words:
        return None
    sent = rc.ctx.sent_at(rc.run.open_mark)
    span = sent.char_span if sent else rc.run.outer
    prev = _continued(rc)
    if prev is not None:  # the paragraph continues the quote before it: same cue and source
        c = prev.cand
        return rc.direct(R.Candidate(list(c.cue), c.source, [], span, "continued", antecedent=c.antecedent))
    return rc.direct(R.Candidate([], None, [], span, "orphan"))


def _continued(rc: RunCtx) -> Draft | None:
    """The quote just before an orphan run, when only white space parts them and it names a source."""
    last = rc.drafts[-1] if rc.drafts else rc.carry
    if last is None:
        return None
    if last.cand.source is None or not last.cand.cue:
        return None
    end = max(last.content[-1].end, last.cand.sentence.end)
    gap = rc.ctx.text[end : rc.run.open_mark]
    if end > rc.run.open_mark or gap.strip(EDGE) or gap.count("\n") > rc.ctx.settings.continue_max_breaks:
        return None
    return last


ATTACHERS = [
    _cue_in_same_sentence,
    _adjacent_verb,
    _cue_in_next_sentence,
    _dash_source,
    _colon_before,
    _inside_sentence_of_a_quote,
    _same_paragraph_continuation,
    _orphan,
]


def _attach_run(
    ctx: Ctx,
    run: QuoteRun,
    bare: Bare | list[R.Candidate],
    drafts: list[Draft],
    reach: list[int] | None = None,
    carry: Draft | None = None,
) -> Draft | None:
    """Find the cue of a quote no rule claimed; None when it merged into another quote or is dropped."""
    bare = bare if isinstance(bare, Bare) else Bare(ctx, bare)
    rc = RunCtx(ctx, run, bare, drafts, reach if reach is not None else [], carry)
    for attach in ATTACHERS:
        d = attach(rc)
        if d is MERGED:
            return None
        if d is not None:
            d.via = attach.__name__.lstrip("_")
            return d
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
    co = [c2 for c2 in cands if c2.inherited and c2.cue and c2.verb is not None and c2.verb.tag_ == "VBG"]
    if not co:
        return
    by_sentence: dict[Span, list[R.Candidate]] = {}
    for c in cands:
        by_sentence.setdefault(c.sentence, []).append(c)
    # candidates by where their content starts, with a running max of where it ends (clipping only
    # shortens a content, so the max stays an upper bound): the contents around a cut are found by bisection
    order = sorted((c.content[0].start, i) for i, c in enumerate(cands) if c.content)
    starts = [s for s, _ in order]
    reach: list[int] = []
    for _, i in order:
        end = cands[i].content[-1].end
        reach.append(max(end, reach[-1]) if reach else end)
    for c2 in co:
        cut = c2.cue[0].start
        if c2.source is None:
            prev = [c for c in by_sentence[c2.sentence] if c.anchor < cut and c.source]
            if prev:
                c2.source = prev[-1].source
        hits = []
        for k in range(bisect.bisect_left(starts, cut) - 1, -1, -1):
            if reach[k] <= cut:
                break
            hits.append(order[k][1])
        for i in sorted(hits):
            c = cands[i]
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


def _sentence_candidates(ctx: Ctx) -> list[R.Candidate]:
    """Rule candidates per sentence; the CRF gets the sentences the rules leave empty."""
    out: list[R.Candidate] = []
    for s in ctx.sents:
        found = R.candidates(s)
        if not found and ctx.settings.use_crf and not s.quoted(s.char_span.start + 1):
            c = candidate_from_crf(s)
            if c is not None and not ctx.in_run(c.anchor):
                found = [c]
        out.extend(found)
    return out


def assemble(ctx: Ctx, carry: Draft | None = None) -> list[Draft]:
    """The quotes of one context in text order; ``carry`` is the last quote of the piece before it."""
    cands = _dedupe(_sentence_candidates(ctx))
    cands = [c for c in cands if not ctx.in_run(c.anchor) or _transcript_turn(ctx, c)]
    _clip_co_cues(cands)
    drafts: list[Draft] = []
    bare_cands: list[R.Candidate] = []
    for c in cands:
        d = _draft_from_candidate(ctx, c)
        if d is None:
            bare_cands.append(c)
        else:
            drafts.append(d)
    bare = Bare(ctx, bare_cands)
    claimed = {id(r) for d in drafts for r in d.runs}
    drafts.sort(key=lambda d: d.content[0].start)
    out: list[Draft] = []
    reach: list[int] = []

    def push(d: Draft) -> None:
        out.append(d)
        reach.append(max(d.cand.sentence.end, reach[-1]) if reach else d.cand.sentence.end)

    pending = deque(sorted(drafts, key=lambda d: d.content[0].start))
    for run in ctx.runs:
        if id(run) in claimed:
            continue
        while pending and pending[0].content[0].start < run.open_mark:
            push(pending.popleft())
        d = _attach_run(ctx, run, bare, out, reach, carry)
        if d is not None:
            push(d)
            claimed.add(id(run))
    out.extend(pending)
    out.extend(_signed_posts(ctx, out))
    out.sort(key=lambda d: d.content[0].start)
    return out


_SIGNATURE_RE = re.compile(
    r"^[ \t]*([\u2014\u2013\u2015])[ \t]*([A-Z][\w.'\u2019\- ]{1,60}?)[ \t]*(\(@\w{1,30}\))?[ \t]*"
    r"((?:[A-Z][a-z]{2,8}\.? \d{1,2}, \d{4})?)[ \t]*$",
    re.MULTILINE,
)
MAX_POST_CHARS = 300  # an embedded post (a tweet is 280 at most) above its signature line


def _signed_posts(ctx: Ctx, drafts: list[Draft]) -> list[Draft]:
    """An embedded post: the short lines just above '— Dave Schukin (@schukin) July 3, 2019'."""
    text = ctx.text
    out: list[Draft] = []
    taken: tuple[list[int], list[int]] | None = None
    for m in _SIGNATURE_RE.finditer(text, ctx.lo, ctx.hi):
        if len(m.group(2).split()) > 5:
            continue
        lines: list[Span] = []
        pos = m.start()
        while pos > ctx.lo:
            line_start = text.rfind("\n", ctx.lo, pos - 1) + 1 or ctx.lo
            line = _trim_span(text, Span(line_start, pos - 1))
            if line is None or sum(sp.end - sp.start for sp in lines) + line.end - line.start > MAX_POST_CHARS:
                break
            lines.insert(0, line)
            pos = line_start
        if not lines:
            continue
        if taken is None:  # the drafts by content start, with a running max of their ends
            order = sorted(drafts, key=lambda d: d.content[0].start)
            ends: list[int] = []
            for d in order:
                ends.append(max(d.content[-1].end, ends[-1]) if ends else d.content[-1].end)
            taken = ([d.content[0].start for d in order], ends)
        k = bisect.bisect_left(taken[0], m.start())
        if k and taken[1][k - 1] > lines[0].start:  # a quote already holds these lines
            continue
        cand = R.Candidate(
            [Span(m.start(1), m.end(1))], Span(m.start(2), m.end(2)), lines, Span(lines[0].start, m.end()), "signature"
        )
        out.append(Draft(cand, lines, "direct"))
    return out



# --------------------------------------------------------------------------- quotes
def _role(text: str, spans: list[Span]) -> RoleSpan | None:
    clean = [t for t in (_trim_span(text, s) for s in spans) if t is not None]
    if not clean:
        return None
    return RoleSpan(" ".join(s.slice(text) for s in clean), clean)


def _evidence(ctx: Ctx, d: Draft, source: RoleSpan | None, cue: RoleSpan | None) -> C.Evidence:
    text = ctx.text
    speech_runs = [
        r
        for r in d.runs
        if not C.title_like(text[r.start : r.end]) and not C.named_by(text[max(0, r.open_mark - 30) : r.open_mark])
    ]
    src = (source.text if source else "").strip()
    src_low = src.lower()
    verb = d.cand.verb
    return C.Evidence(
        rule=d.rule,
        kind=d.kind,
        cue_head=_cue_head(d, cue),
        has_source=source is not None or d.cand.rule == "continued",
        first_person_source=_person_of(src_low) in C.FIRST_PERSON and not ctx.in_run(source.spans[0].start)
        if source
        else False,
        source_can_speak=_can_speak(d.cand.antecedent.slice(text) if d.cand.antecedent else src),
        named_source=_named(ctx, source) if source else False,
        quoted_words=sum(r.n_words(text) for r in speech_runs),
        title_like_run=bool(d.runs) and not speech_runs,
        hedged=(verb is not None and _hedged(verb, source is None)) or _nobody(src_low),
        passive=verb is not None and any(c.dep_ in ("nsubjpass", "auxpass") for c in verb.children),
        advocacy=any(text[c.start : c.end].lower().endswith((" for", " against")) for c in d.cand.cue),
        it_source=src_low == "it",
        doubtful_speaker=_doubtful_speaker(d.cand.antecedent.slice(text) if d.cand.antecedent else src),
        wh_content=d.kind == "indirect" and _WH_RE.match(text, d.content[0].start) is not None,
        negated=verb is not None and any(c.dep_ == "neg" for c in verb.children),
        directive=verb is not None and any(c.dep_ in ("dobj", "obj") for c in verb.children),
    )


def _doubtful_speaker(source: str) -> bool:
    """A common noun that never headed a source and names no agent ("the incident", "the tool");
    a quantified one ("one academic", "some locals") counts people, so it can speak."""
    low = source.lower()
    return bool(low) and not low.startswith(C.QUANTIFIERS) and not C.can_speak_noun(source_head(source))


def _nobody(source: str) -> bool:
    """ "No one knows …", "nobody said": a negative quantifier reports no act."""
    return any(source == n or source.startswith(n + " ") for n in C.NOBODY)


def _person_of(source: str) -> str:
    """ "we’ll" -> "we", "I'm" -> "i": the pronoun of a contracted subject."""
    return source.replace("\u2019", "'").split("'")[0]


def _cue_head(d: Draft, cue: RoleSpan | None) -> str | None:
    """The verb of the cue: the parsed verb, or for a CRF cue its first word that is not an auxiliary."""
    if d.cand.rule == "according":
        return None
    if d.cand.verb is not None:
        return str(d.cand.verb.text)
    words = [w for w in (cue.text.split() if cue else []) if w.isalpha() and w.lower() not in _AUXILIARIES]
    return words[0] if words else None


_AUXILIARIES = frozenset("have has had be is are was were been do does did will shall often also".split())
_MODALS = frozenset("can could might may would should must ca".split())


def _hedged(verb: Any, no_source: bool) -> bool:
    """A cue that reports no act: modal ("could argue"), negated ("don't say"), an infinitive
    ("to write") or an imperative ("Note that …")."""
    for c in verb.children:
        if c.dep_ == "aux" and c.lower_ in _MODALS:
            return True
        if c.dep_ == "aux" and c.lower_ == "to" and c.i < verb.i:
            return True
    return no_source and verb.tag_ == "VB" and verb.i == verb.sent.start


_WH_RE = re.compile(r"(?:what|how|whether|if|why|where|who|which|when)\b", re.IGNORECASE)
_NOT_SPEAKERS = frozenset("that this these those there here which what such".split())


def _named(ctx: Ctx, source: RoleSpan) -> bool:
    """Does the source name someone: a title word ("NATO ASG: …"), or in a headline a name the
    article gives in full ("Stoltenberg: …" with "Jens Stoltenberg" in the text)?  A headline's
    "Letters:" or "… – Outlet Blog" names no speaker."""
    if "T" in (N.word_class(w) for w in N.words(source.text)):
        return True
    if not _in_title(ctx.article, source.spans[0].start):
        return False
    outlet = (ctx.article.outlet or "").casefold()
    if outlet and (source.text.casefold() in outlet or outlet in source.text.casefold()):
        return False
    last = source.text.split()[-1]
    t = ctx.article.title_span
    body = ctx.text[t.end :] if t else ctx.text
    return re.search(rf"\b[A-Z][\w\-]+\s+{re.escape(last)}\b", body) is not None


def _can_speak(source: str) -> bool:
    """A determiner alone ("That said, …") or an -ing opener ("Speaking from a stage, …") is no speaker."""
    words = source.split()
    if not words:
        return True
    if len(words) == 1 and words[0].lower() in _NOT_SPEAKERS:
        return False
    first = words[0]
    return not (first[:1].isupper() and first.lower().endswith("ing") and ("," in source or len(words) == 1))


def _to_quote(ctx: Ctx, d: Draft, attributor: Attributor, min_confidence: float = 0.0) -> Quote | None:
    text = ctx.text
    content = _role(text, d.content)
    if content is None:
        return None
    start, end = content.spans[0].start, content.spans[-1].end
    if ctx.in_skip(start, end) and not _in_title(ctx.article, start):
        return None
    cue = _role(text, d.cand.cue) if d.cand.cue else None
    if d.cand.cue and cue is None:  # a cue that is only a colon or a dash
        cue = RoleSpan(text[d.cand.cue[0].start : d.cand.cue[0].end], [d.cand.cue[0]])
    source = _role(text, [d.cand.source]) if d.cand.source else None
    ev = _evidence(ctx, d, source, cue)
    if d.kind == "mixed" and ev.title_like_run:
        d.kind = "indirect"  # a title in marks ("comedy “Fleabag”") quotes nobody
    conf = C.score(ev)
    if conf < min_confidence:
        return None  # never resolved, so a dropped candidate cannot become a pronoun's antecedent
    mention = d.cand.antecedent or (source.spans[0] if source else None)
    if d.cand.rule == "continued":  # the source belongs to the quote this paragraph continues
        speakers = attributor.resolve(None, start)
    else:
        speakers = attributor.resolve(mention, d.cand.anchor)
    s_lo = min(d.cand.sentence.start, start)
    s_hi = max(d.cand.sentence.end, end)
    return Quote(
        f"{ctx.article.id}:{start}-{end}",
        d.kind,
        content,
        cue,
        source,
        speakers,
        conf,
        Span(s_lo, s_hi),
        act=act_of(cue.text if cue else None),
        rule=d.rule,
    )


def _quoted_predicate(runs: list[QuoteRun]) -> Any:
    starts = [r.open_mark for r in runs]

    def quoted(pos: int) -> bool:
        i = bisect.bisect_right(starts, pos) - 1
        return i >= 0 and runs[i].open_mark < pos < runs[i].outer.end

    return quoted


def _in_title(article: Article, pos: int) -> bool:
    t = article.title_span
    return t is not None and t.start <= pos < t.end


def quotes_from(
    article: Article,
    parsed: list[tuple[Span, Any]],
    min_confidence: float = C.DEFAULT_MIN_CONFIDENCE,
    *,
    settings: ExtractSettings | None = None,
) -> list[Quote]:
    """The quotes of ``article`` from its parsed units (``units(article)``, each with its spaCy Doc)."""
    run = ArticleRun(article, [Span(0, len(article.text))], min_confidence, settings)
    return run.piece_quotes(0, parsed)


def _skip_index(article: Article) -> Callable[[int, int], bool]:
    """``article.in_skip_range`` by bisection: a long text may have thousands of skip ranges."""
    ranges = sorted(article.skip_ranges, key=lambda r: r.start)
    if len(ranges) < 8:
        return article.in_skip_range
    starts = [r.start for r in ranges]
    reach: list[int] = []
    for r in ranges:
        reach.append(max(r.end, reach[-1]) if reach else r.end)

    def in_skip(start: int, end: int) -> bool:
        k = bisect.bisect_right(starts, start)
        return k > 0 and reach[k - 1] >= end

    return in_skip


class ArticleRun:
    """The extraction of one article, piece after piece, with what attribution shares across pieces.

    Quote runs, the people the text names and the speakers quoted so far belong to the whole text,
    so a pronoun or a continuation paragraph finds its speaker in an earlier piece; each piece has its
    own sentences and assembly, and its parsed Docs can go once its quotes are made.
    """

    def __init__(
        self, article: Article, piece_spans: list[Span], min_confidence: float, settings: ExtractSettings | None = None
    ) -> None:
        self.article = article
        self.pieces = piece_spans
        self.min_confidence = min_confidence
        self.settings = settings or DEFAULT_SETTINGS
        text, lang = article.text, article.language
        if len(piece_spans) == 1:
            self.runs = [find_runs(text, lang)]
            people = None
        else:
            self.runs = [find_runs(text, lang, p.start, p.end) for p in piece_spans]
            people = [e for p in piece_spans for e in N.person_registry(text, p.start, p.end)]
        self.quoted = _quoted_predicate([r for rs in self.runs for r in rs])
        self.attributor = Attributor(article, self.quoted, places=_places, people=people)
        self.in_skip = _skip_index(article)
        self.seen: set[str] = set()
        self.carry: Draft | None = None

    def piece_quotes(self, i: int, parsed: list[tuple[Span, Any]]) -> list[Quote]:
        sents = [R.Sent(s, u.start, self.quoted, self.settings) for u, doc in parsed for s in doc.sents if len(s)]
        piece = self.pieces[i] if len(self.pieces) > 1 else None
        ctx = Ctx(self.article, sents, self.runs[i], piece, self.in_skip, self.settings)
        drafts = assemble(ctx, self.carry)
        if drafts:
            self.carry = drafts[-1]
        out: list[Quote] = []
        for d in drafts:
            q = _to_quote(ctx, d, self.attributor, self.min_confidence)
            if q is not None and q.id not in self.seen:
                self.seen.add(q.id)
                out.append(q)
        return out


PLACE_LABELS = frozenset({"GPE", "LOC", "NORP", "FAC"})


def _places(sentence: str) -> list[tuple[int, int]]:
    """Places and nationalities in one sentence, by the model's NER (loaded, never run on whole texts)."""
    nlp = get_nlp()
    doc = nlp.get_pipe("ner")(nlp.make_doc(sentence))
    return [(e.start_char, e.end_char) for e in doc.ents if e.label_ in PLACE_LABELS]


# --------------------------------------------------------------------------- API
def extract_quotes(
    article: Article,
    *,
    nlp: Any = None,
    min_confidence: float = C.DEFAULT_MIN_CONFIDENCE,
    settings: ExtractSettings | None = None,
) -> list[Quote]:
    """Every quotation of ``article`` with its cue, source and speakers."""
    return next(extract_quotes_batch([article], nlp=nlp, min_confidence=min_confidence, settings=settings))


def extract_quotes_batch(
    articles: Iterable[Article],
    *,
    batch_size: int = 16,
    nlp: Any = None,
    min_confidence: float = C.DEFAULT_MIN_CONFIDENCE,
    settings: ExtractSettings | None = None,
) -> Iterator[list[Quote]]:
    """Quotes per article, in input order; parses the units of many articles in one ``nlp.pipe``.

    ``min_confidence`` drops candidates below that score (``confidence.py``); 0 keeps them all.
    ``settings`` (default ``DEFAULT_SETTINGS``) holds the rules' floors and switches.
    """
    nlp = nlp or get_nlp()
    settings = settings or DEFAULT_SETTINGS
    batch: list[Article] = []
    for a in articles:
        batch.append(a)
        if len(batch) >= batch_size:
            yield from _run_batch(batch, nlp, min_confidence, settings)
            batch = []
    if batch:
        yield from _run_batch(batch, nlp, min_confidence, settings)


LANGUAGES = frozenset({"en"})  # languages the extractor has a model and rules for
NOT_EXTRACTED = "quotes_not_extracted"  # Article.extra key saying why an article has no quotes


def extraction_gate(article: Article) -> str | None:
    """Why quotes are not extracted from ``article`` ("language de"), or None when they are."""
    lang = article.language
    if lang is None:
        lang = guess_language(article.text)  # readers that trust page metadata may leave it empty
        if lang is None and looks_unreadable(article.text):
            return "language unknown"
    if lang is not None and lang not in LANGUAGES:
        return f"language {lang}"
    return None


FAILED = "extraction failed"  # how the NOT_EXTRACTED reason of an article that broke the extractor starts


@dataclass
class _Job:
    """One article of a batch: its pieces and their units, or why it is not extracted."""

    article: Article
    pieces: list[Span] = field(default_factory=list)
    units: list[list[Span]] = field(default_factory=list)

    @property
    def extracted(self) -> bool:
        return NOT_EXTRACTED not in self.article.extra

    def fail(self, exc: BaseException) -> list[Quote]:
        """Mark the article as not extracted, saying why; the batch goes on without it."""
        reason = f"{FAILED}: {type(exc).__name__}: {exc}"
        self.article.extra[NOT_EXTRACTED] = reason[:300]
        log.warning("article %s: %s", self.article.id, reason[:300])
        self.pieces, self.units = [], []
        return []


class _ParseError(Exception):
    """The shared parse stream broke: which article's unit caused it is not known."""


def _plan(a: Article, settings: ExtractSettings) -> _Job:
    job = _Job(a)
    try:
        reason = extraction_gate(a)
        if reason:
            a.extra[NOT_EXTRACTED] = reason
            return job
        a.extra.pop(NOT_EXTRACTED, None)
        job.pieces = pieces(a)
        job.units = [units(a, p if len(job.pieces) > 1 else None, settings=settings) for p in job.pieces]
    except Exception as exc:  # one bad article must not cost the batch
        job.fail(exc)
    return job


def _next_doc(docs: Iterator[Any]) -> Any:
    try:
        return next(docs)
    except Exception as exc:
        raise _ParseError(str(exc)) from exc


def _extract_jobs(
    jobs: list[_Job], nlp: Any, min_confidence: float, settings: ExtractSettings
) -> Iterator[list[Quote]]:
    """Quotes per job, the units of all of them parsed in one stream; a piece's Docs are dropped
    as soon as its quotes are made, so a long text never holds more than one piece's parse."""
    text_stream = (parser_text(j.article.text, u) for j in jobs if j.extracted for us in j.units for u in us)
    docs = iter(nlp.pipe(text_stream, batch_size=PIPE_BATCH))
    for job in jobs:
        if not job.extracted:
            yield []
            continue
        quotes: list[Quote] = []
        failed: Exception | None = None
        run: ArticleRun | None = None
        for i, us in enumerate(job.units):
            parsed = [(u, _next_doc(docs)) for u in us]  # read even after a failure: the stream stays aligned
            if failed is not None:
                continue
            try:
                run = run or ArticleRun(job.article, job.pieces, min_confidence, settings)
                quotes.extend(run.piece_quotes(i, parsed))
            except Exception as exc:  # an unexpected error in one article costs that article only
                failed = exc
            del parsed
        yield job.fail(failed) if failed is not None else quotes


def _run_batch(
    batch: list[Article], nlp: Any, min_confidence: float, settings: ExtractSettings
) -> Iterator[list[Quote]]:
    jobs = [_plan(a, settings) for a in batch]
    i = 0
    while i < len(jobs):
        try:
            for quotes in _extract_jobs(jobs[i:], nlp, min_confidence, settings):
                i += 1
                yield quotes
        except _ParseError:
            # The parser failed on a unit of this article or of one batched with it: parse this one alone
            # to tell, then go on with the rest in a fresh stream.
            job = jobs[i]
            i += 1
            try:
                yield from _extract_jobs([job], nlp, min_confidence, settings)
            except _ParseError as exc:
                yield job.fail(exc.__cause__ or exc)
