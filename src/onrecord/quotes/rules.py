"""Dependency rules that find cues with their source and content in one parsed sentence.

Each rule in ``RULES`` takes a :class:`Sent` (a spaCy sentence plus the character offset
of its parsed unit) and yields :class:`Candidate` objects in article offsets.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields
from typing import Any

from onrecord.models import Span

from .confidence import cue_class
from .lexicon import CUE_NOUNS, HAND_CUES, cue_precision
from .settings import DEFAULT_SETTINGS, ExtractSettings, Thresholds

Token = Any  # spacy.tokens.Token

SUBJ_DEPS = ("nsubj", "nsubjpass", "csubj")
INHERIT_DEPS = ("advcl", "conj", "xcomp", "pcomp", "acl", "acomp")
CONTENT_PREPS = ("for", "about", "on", "against", "over", "that")
# Verbs whose object is the audience or the occasion, not what was said ("addressed a press conference").
NO_DOBJ = frozenset(
    "tell tells told telling ask asks asked asking say says said saying add added "
    "inform informs informed informing remind reminds reminded assure assures assured "
    "address addresses addressed addressing brief briefs briefed briefing".split()
)
NOT_SOURCES = frozenset("image images photo photos source credit credits caption video read watch related tags".split())
WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday today yesterday".split())
GLUED_PREPS = frozenset("on to as about".split())
QUOTE_CHARS = frozenset('"\u201c\u201d\u201e\u00ab\u00bb')


@dataclass
class Candidate:
    cue: list[Span]
    source: Span | None
    content: list[Span]
    sentence: Span
    rule: str  # how scoring (``confidence.py``) judges the candidate
    verb: Token | None = field(default=None, repr=False)
    inherited: bool = False  # the source is the subject of a governing verb ("…, adding …")
    antecedent: Span | None = None  # what a relative pronoun source ("who said") stands for

    @property
    def anchor(self) -> int:
        if self.cue:
            return self.cue[0].start
        return self.content[0].start if self.content else self.sentence.start


def _never(pos: int) -> bool:
    return False


@dataclass
class Sent:
    span: Any  # spacy.tokens.Span
    base: int
    quoted: Callable[[int], bool] = _never  # is an article offset inside a quotation?
    settings: ExtractSettings = DEFAULT_SETTINGS  # the floors and switches the rules read

    def start(self, t: Token) -> int:
        return self.base + t.idx

    def end(self, t: Token) -> int:
        return self.base + t.idx + len(t.text)

    @property
    def char_span(self) -> Span:
        return Span(self.start(self.span[0]), self.end(self.span[-1]))


def spans_of(sent: Sent, toks: Iterable[Token], *, trim_punct: bool = True) -> list[Span]:
    """Contiguous character spans covering ``toks`` (adjacent tokens merge)."""
    ts = sorted({t.i: t for t in toks}.values(), key=lambda t: t.i)
    if trim_punct:
        k = 0  # (one slice, not a pop from the front per punctuation token)
        while k < len(ts) and (ts[k].is_punct or ts[k].is_space) and ts[k].text not in QUOTE_CHARS:
            k += 1
        ts = ts[k:]
        while ts and (ts[-1].is_punct or ts[-1].is_space) and ts[-1].text not in QUOTE_CHARS:
            ts.pop()
    out: list[Span] = []
    prev = None
    for t in ts:
        if t.is_space:
            continue
        if prev is not None and t.i == prev.i + 1 and out:
            out[-1] = Span(out[-1].start, sent.end(t))
        else:
            out.append(Span(sent.start(t), sent.end(t)))
        prev = t
    return out


def subject_of(t: Token, sent: Sent | None = None, depth: int = 0) -> tuple[Token | None, bool]:
    """The subject of verb ``t`` (climbing to a governing verb), and whether it was inherited."""
    for c in t.children:
        if c.dep_ in SUBJ_DEPS and not (sent and sent.quoted(sent.start(c)) and not sent.quoted(sent.start(t))):
            return c, depth > 0
    if depth < 3 and t.dep_ in INHERIT_DEPS and t.head.i != t.i:
        head = t.head
        if sent and not sent.quoted(sent.start(t)):
            # "X said, “A is B” urging …": the parser hangs 'urging' on a verb inside the quote
            while sent.quoted(sent.start(head)) and head.head.i != head.i:
                head = head.head
        if head.tag_.startswith("VB") and not (sent and sent.quoted(sent.start(head))):
            subj, _ = subject_of(head, sent, depth + 1)
            return subj, subj is not None
    return None, False


def antecedent_of(subj: Token) -> list[Token]:
    """'Ted Cruz, who said …' -> the tokens of 'Ted Cruz' for a relative pronoun subject."""
    if subj.tag_ not in ("WP", "WDT") or subj.head.dep_ != "relcl":
        return []
    noun = subj.head.head
    return [t for t in noun.subtree if t.i <= noun.i and t.text not in QUOTE_CHARS]


def source_tokens(subj: Token) -> list[Token]:
    if subj.dep_ not in SUBJ_DEPS:  # the noun a relative clause hangs on
        toks = [t for t in subj.subtree if t.i <= subj.i or t.dep_ in ("compound", "flat")]
    else:
        toks = [t for t in subj.subtree if t.text not in QUOTE_CHARS]
    toks.sort(key=lambda t: t.i)
    # "BRUSSELS (Belgium): NATO SG Jens Stoltenberg" -> after the colon
    colon = [i for i, t in enumerate(toks) if ":" in t.text and t.is_punct and t.i < subj.i]
    if colon:
        toks = toks[colon[-1] + 1 :]
    # "Speaking from a stage in Redmond, Chief Executive Satya Nadella": the speaker is the name after
    # the opener's last comma (the parser may even make the participle the subject)
    comma = [i for i, t in enumerate(toks) if t.text == ","]
    if comma and toks[0].tag_ in ("VBG", "VBN", "IN"):
        tail = toks[comma[-1] + 1 :]
        end = toks.index(subj) if subj in tail else len(toks)
        if tail and all(t.is_title or t.is_upper or t.dep_ in ("det", "compound") for t in toks[comma[-1] + 1 : end]):
            toks = tail
    # ", against the backdrop of ..." -> cut the aside
    for i in range(1, len(toks) - 1):
        if toks[i].text == "," and toks[i + 1].tag_ == "IN" and toks[i].i > subj.i:
            return toks[:i]
    return toks


def cue_tokens(t: Token, subj: Token | None, extra: Iterable[Token] = ()) -> list[Token]:
    toks = [t, *extra]
    for c in t.children:
        if c.dep_ in ("aux", "auxpass", "neg", "prt"):
            toks.append(c)
        elif c.dep_ == "advmod" and abs(c.i - t.i) <= 2 and (subj is None or c.i > subj.i or c.i > t.i):
            toks.append(c)
        elif c.dep_ in ("npadvmod", "tmod") and c.i == t.i + 1 and c.lower_ in WEEKDAYS:
            toks.append(c)  # "said Friday"
        elif c.dep_ == "prep" and c.i == t.i + 1 and c.lower_ in GLUED_PREPS and cue_precision(t.text) >= 0.3:
            toks.append(c)  # "called on", "pointed to", "described as"
        elif c.dep_ == "prep" and c.i > t.i and c.lower_ == "in":
            pobj = next((g for g in c.children if g.dep_ == "pobj"), None)
            if pobj is not None and pobj.lower_ in CUE_NOUNS:
                toks.extend(x for x in c.subtree if x.i <= pobj.i)
    return toks


def content_of(t: Token, floors: Thresholds) -> tuple[list[Token], str, list[Token]]:
    """Content tokens, how they were found, and extra cue tokens (a governing preposition)."""
    p = cue_precision(t.text)
    kids = list(t.children)
    for c in kids:
        if c.dep_ == "ccomp":
            return list(c.subtree), "ccomp", []
    for c in kids:  # "tells the contact that …" parsed as a clause on the audience noun
        if c.dep_ in ("dobj", "obj") and t.lower_ in NO_DOBJ:
            for g in c.children:
                if g.dep_ in ("acl", "relcl") and any(m.dep_ == "mark" and m.lower_ == "that" for m in g.children):
                    return list(g.subtree), "ccomp", []
    for c in kids:
        if c.dep_ == "xcomp" and p >= floors.xcomp:
            return list(c.subtree), "xcomp", []
    for c in kids:
        if c.dep_ == "prep" and c.lower_ in CONTENT_PREPS and c.i == t.i + 1 and p >= floors.prep:
            pobj = [g for g in c.children if g.dep_ in ("pobj", "pcomp")]
            if pobj:
                return [x for g in pobj for x in g.subtree], "prep", [c]
    for c in kids:
        if c.dep_ in ("dobj", "obj") and p >= floors.dobj and t.lower_ not in NO_DOBJ and c.tag_ != "PRP":
            return list(c.subtree), "dobj", []
    return [], "bare", []


def _between_quotes(t: Token) -> bool:
    """'“A” adding “B”': a participle framed by quotation marks."""
    doc = t.doc
    prev = doc[t.i - 1].text if t.i > 0 else ""
    nxt = doc[t.i + 1].text if t.i + 1 < len(doc) else ""
    return prev in QUOTE_CHARS and (nxt in QUOTE_CHARS or nxt in (",", ":"))


def _accept(t: Token, how: str, subj: Token | None, settings: ExtractSettings) -> bool:
    p = cue_precision(t.text)
    if subj is None and t.tag_ == "VBG" and p >= 0.5 and _between_quotes(t):
        return True
    floor = getattr(settings.floors, how)
    if how == "ccomp" and subj is None and t.lower_ not in HAND_CUES:
        return p >= 0.3
    if how == "bare" or (how != "ccomp" and settings.require_subject):
        return subj is not None and p >= floor
    return p >= floor


COPULAS = frozenset("be is are was were been being am 's 're 'm have has had having do does did".split())


def _lowest_floor(floors: Thresholds) -> float:
    """The least cue precision ``_accept`` takes on any path: a verb below it is no cue, whatever its content."""
    return min(*(getattr(floors, f.name) for f in fields(floors)), 0.3, 0.5)


def verb_rule(sent: Sent) -> Iterator[Candidate]:
    lowest = _lowest_floor(sent.settings.floors)
    for t in sent.span:
        if not t.tag_.startswith("VB") or t.dep_ in ("aux", "auxpass") or t.lower_ in COPULAS:
            continue
        if cue_precision(t.text) < lowest:  # cheap, and true of most verbs
            continue
        if sent.quoted(sent.start(t)):
            continue
        content, how, extra = content_of(t, sent.settings.floors)
        subj, inherited = subject_of(t, sent)
        if not _accept(t, how, subj, sent.settings):
            continue
        if how == "bare" and subj is not None:
            aside = parenthetical_content(sent, t, subj)
            if aside:
                content, how = aside, "parenthetical"
        src = source_tokens(subj) if subj is not None else []
        inherited = inherited or (subj is None and t.tag_ == "VBG")
        cue = cue_tokens(t, subj, extra + _governing_verbs(t, subj))
        skip = {x.i for x in src} | {x.i for x in cue}
        content = [x for x in content if x.i not in skip]
        yield Candidate(
            spans_of(sent, cue),
            _one_span(spans_of(sent, src)),
            spans_of(sent, content),
            sent.char_span,
            f"verb:{how}",
            t,
            inherited,
            _one_span(spans_of(sent, antecedent_of(subj))) if subj is not None else None,
        )


def parenthetical_content(sent: Sent, t: Token, subj: Token) -> list[Token]:
    """'It's easy, she says, for people to …', '…, the researchers note, requires …', '…, he added.':
    a reporting clause set off by commas inside the sentence it reports; the content is the rest."""
    if t.i < subj.i or cue_precision(t.text) < 0.5:
        return []
    lo = min(x.i for x in subj.subtree)
    hi = max([t.i] + [c.i for c in t.children if c.dep_ in ("advmod", "npadvmod", "prt", "neg", "aux")
                       and c.i > t.i])
    doc = t.doc
    before = doc[lo - 1] if lo > sent.span.start else None
    after = doc[hi + 1] if hi + 1 < sent.span.end else None
    if before is None or before.text != "," or after is None or after.text not in (",", ".", "!", "?"):
        return []
    if any(c.dep_ in ("ccomp", "dobj", "xcomp") for c in t.children):
        return []
    aside = set(range(lo - 1, hi + 2))
    return [x for x in sent.span if x.i not in aside and not x.is_space]


def _governing_verbs(t: Token, subj: Token | None) -> list[Token]:
    """'wanted to know', 'refused to endorse': the verbs an infinitive cue hangs on."""
    out: list[Token] = []
    while t.dep_ == "xcomp" and t.head.i < t.i and t.i - t.head.i <= 4 and t.head.tag_.startswith("VB"):
        head = t.head
        out.extend(x for x in t.doc[head.i : t.i] if subj is None or x.i > subj.i)
        t = head
    return out


def _one_span(spans: list[Span]) -> Span | None:
    return Span(spans[0].start, spans[-1].end) if spans else None


def according_rule(sent: Sent) -> Iterator[Candidate]:
    for t in sent.span:
        if t.lower_ != "according":
            continue
        to = next((c for c in t.children if c.lower_ == "to"), None)
        if to is None and t.i + 1 < sent.span.end and t.doc[t.i + 1].lower_ == "to":
            to = t.doc[t.i + 1]
        if to is None:
            continue
        pobj = [x for c in to.children if c.dep_ == "pobj" for x in c.subtree]
        if not pobj:  # the parser lost the object: take the words up to the next comma
            doc = t.doc
            k = to.i + 1
            while k < sent.span.end and doc[k].text not in (",", ".", ";", ":") and k - to.i <= 8:
                pobj.append(doc[k])
                k += 1
        phrase = {t.i, to.i} | {x.i for x in pobj} | {x.i for x in t.subtree}
        content = [x for x in sent.span if x.i not in phrase]
        yield Candidate(
            spans_of(sent, [t, to]),
            _one_span(spans_of(sent, pobj)),
            spans_of(sent, content),
            sent.char_span,
            "according",
            t,
        )


def colon_rule(sent: Sent) -> Iterator[Candidate]:
    """'Stoltenberg: NATO sees no direct threat' (headlines, interview style)."""
    toks = list(sent.span)
    colon = next((i for i, t in enumerate(toks) if t.text == ":"), None)
    if colon is None or colon == 0 or colon > 6 or len(toks) - colon < 4:
        return
    pre = toks[:colon]
    if pre and pre[0].text in QUOTE_CHARS:
        pre = pre[1:]
    if not pre:
        return
    if any(t.lower_ in NOT_SOURCES for t in pre):
        return
    if any(t.tag_.startswith("VB") or t.tag_ == "CD" for t in pre) or not any(t.text[:1].isupper() for t in pre):
        return
    if not (pre[-1].tag_.startswith("NN") or pre[-1].tag_ == "PRP"):
        return
    post = toks[colon + 1 :]
    if post and post[0].text in QUOTE_CHARS:
        post = post[1:]
    yield Candidate(
        spans_of(sent, [toks[colon]], trim_punct=False),
        _one_span(spans_of(sent, pre)),
        spans_of(sent, post),
        sent.char_span,
        "colon",
    )


_DASHES = frozenset("\u2013\u2014\u2015-")


def dash_rule(sent: Sent) -> Iterator[Candidate]:
    """A headline line ending in a speaker: 'No direct threat, but we are vigilant – NATO Secretary General'."""
    toks = list(sent.span)
    if sent.span.start != 0 or sent.span.end != len(sent.span.doc) or len(toks) < 6:
        return
    if toks[-1].text in (".", "!", "?", *QUOTE_CHARS):  # headlines end without a period
        return
    spaced = [i for i, t in enumerate(toks) if t.text in _DASHES and i and t.whitespace_ and toks[i - 1].whitespace_]
    dash = max(spaced, default=None)
    if dash is None or dash < 4 or not 1 <= len(toks) - dash - 1 <= 5:
        return
    tail = toks[dash + 1 :]
    if not all(t.text[:1].isupper() or t.is_punct for t in tail) or any(t.tag_.startswith("VB") for t in tail):
        return
    yield Candidate(
        spans_of(sent, [toks[dash]], trim_punct=False),
        _one_span(spans_of(sent, tail)),
        spans_of(sent, toks[:dash]),
        sent.char_span,
        "dash",
    )


def trailing_rule(sent: Sent) -> Iterator[Candidate]:
    """'…, the paper states.' and '…, posit scientists in the paper.': a reporting clause after the
    sentence's last comma, found by its words when the tagger took the verb for a noun."""
    toks = [t for t in sent.span if not t.is_space]
    while toks and toks[-1].is_punct:
        toks.pop()
    commas = [i for i, t in enumerate(toks) if t.text == ","]
    if not commas or commas[-1] < 3 or len(toks) - commas[-1] - 1 > 8:
        return
    before, tail = toks[: commas[-1]], toks[commas[-1] + 1 :]
    if len(tail) < 2 or not any(t.tag_.startswith(("VB", "MD")) for t in before):
        return
    if any(t.tag_.startswith("VB") and t.dep_ not in ("acl",) for t in tail):
        return  # a parsed verb: the verb rule had its chance
    if cue_class(tail[-1].text) in ("S", "T") and tail[-1].is_lower:  # "…, the paper states"
        cue, src = [tail[-1]], tail[:-1]
    elif cue_class(tail[0].text) in ("S", "T") and tail[0].is_lower:  # "…, posit scientists in the paper"
        cue, src = [tail[0]], tail[1:]
    else:
        return
    if not any(t.tag_.startswith(("NN", "PRP")) for t in src):  # (no POS: the attribute ruler is off)
        return
    yield Candidate(
        spans_of(sent, cue),
        _one_span(spans_of(sent, src)),
        spans_of(sent, before),
        sent.char_span,
        "verb:trailing",
    )


Rule = Callable[[Sent], Iterator[Candidate]]
RULES: list[Rule] = [verb_rule, according_rule, colon_rule, dash_rule, trailing_rule]


def candidates(sent: Sent) -> list[Candidate]:
    return [c for rule in RULES for c in rule(sent)]


def _framing_tokens(sent: Sent, run_open: int, run_close: int | None) -> Iterator[Token]:
    """The tokens of ``sent`` that can frame the run, in order: ending at most 3 characters before the
    opening mark, or starting at most 25 after the closing one (found by bisection: a sentence of
    thousands of quotes must not be read once per quote)."""
    span = sent.span
    n = len(span)
    k = bisect.bisect_left(range(n), run_open - 3, key=lambda i: sent.end(span[i]))
    while k < n and sent.end(span[k]) <= run_open:
        yield span[k]
        k += 1
    if run_close is None:
        return
    k = max(k, bisect.bisect_right(range(n), run_close, key=lambda i: sent.start(span[i])))
    while k < n and sent.start(span[k]) - run_close <= 25:
        yield span[k]
        k += 1


def adjacent_verb(sent: Sent, run_open: int, run_close: int | None) -> Candidate | None:
    """A verb of any kind framing a quote: 'X educated, “…”' or '“…,” X observed'."""
    for t in _framing_tokens(sent, run_open, run_close):
        subj, inherited = subject_of(t, sent) if t.tag_.startswith("VB") else (None, False)
        if subj is None or sent.quoted(sent.start(t)):
            continue
        before = sent.end(t) <= run_open and run_open - sent.end(t) <= 3
        nxt = t.doc[t.i + 1] if t.i + 1 < len(t.doc) else None
        before = before and (nxt is None or nxt.text in (",", ":") or nxt.text in QUOTE_CHARS)
        after = run_close is not None and sent.start(t) > run_close and sent.start(t) - run_close <= 25
        after = after and (
            subj.i < t.i
            and subj.i > 0
            and t.doc[subj.left_edge.i - 1].text in (",", *QUOTE_CHARS)
            or subj.i > t.i
            and t.i > 0
            and t.doc[t.i - 1].text in (",", *QUOTE_CHARS)
        )
        if before or after:
            src = source_tokens(subj)
            return Candidate(
                spans_of(sent, cue_tokens(t, subj)),
                _one_span(spans_of(sent, src)),
                [],
                sent.char_span,
                "verb:adjacent",
                t,
                inherited,
            )
    return None
