"""In-article attribution: turn a quote's source mention into speakers with a chain of evidence.

Resolution paths, tried in order by a small registry (``RESOLVERS``): pronoun, organisation
mention, (glued-title) name, title, nominal.  Quotes without a source continue the
previous quote's speakers (``continuation``).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from onrecord.models import Article, Span, SpeakerRef

from . import names as N
from .confidence import AGENT_SUFFIXES

_SENT_END_RE = re.compile(r"[.!?][\"\u201d\u2019]?\s")
_SPLIT_AND_RE = re.compile(r"\s+and\s+|\s*&\s*")
PRONOUN_WINDOW = 3000  # characters back to look for the antecedent of a pronoun
PLACE_WINDOW = 2000  # characters either side of a long name that the place tagger may read
_AGENT_OF_RE = re.compile(
    r"(?:[Aa]n?|[Tt]he|[Oo]ne)\s+(?:[\w\-]+\s+){0,2}?(?:spokes\w*|representative|official|report|study|paper|analysis|"
    r"statement|survey|post|blog post)\s+(?:for|of|from|at|by)\s+(?=[A-Z]|the\s+[A-Z])(?:the\s+)?"
)
_APPOSITIVE_RE = re.compile(r",\s+(?:a|an|the)\s+[a-z]")


PlaceTagger = Callable[[str], list[tuple[int, int]]]  # a sentence -> character spans of places in it
_SENTENCE_RE = re.compile(r"[^\n.!?]*(?:[.!?]+|$)")


def _without_place(text: str, p: N.PersonEntry, places: PlaceTagger) -> N.PersonEntry:
    """ "Massachusetts Joshua Levy" -> "Joshua Levy": a place glued before a name of three words or
    more, found by the NER model on that one sentence (names that long are rare, so this is cheap)."""
    parts = p.name.split()
    if len(parts) < 3:
        return p
    # The sentence, searched for within a window: an unbounded search would scan a long text once per name.
    w_lo, w_hi = max(0, p.span.start - PLACE_WINDOW), min(len(text), p.span.end + PLACE_WINDOW)
    lo = max(text.rfind("\n", w_lo, p.span.start), text.rfind(". ", w_lo, p.span.start), w_lo - 1) + 1
    ends = (text.find("\n", p.span.end, w_hi), text.find(". ", p.span.end, w_hi))
    hi = min((i for i in ends if i >= 0), default=w_hi)
    for s, e in places(text[lo:hi]):
        if lo + s == p.span.start and lo + e < p.span.end:
            rest = text[lo + e : p.span.end].lstrip()
            if len(rest.split()) >= 2:
                start = p.span.end - len(rest)
                return N.PersonEntry(rest, Span(start, p.span.end), p.title)
    return p


def _surname_mentions(text: str, people: list[N.PersonEntry]) -> list[N.PersonEntry]:
    """ "Ms. Price": a later mention, with an honorific, of a person named in full, so that a pronoun
    after it goes to that person and not to someone named in between."""
    by_surname: dict[str, str] = {}
    for p in people:
        by_surname.setdefault(p.name.split()[-1], p.name)
    if not by_surname:
        return []
    surnames = "|".join(re.escape(s) for s in sorted(by_surname, key=len, reverse=True))
    pattern = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|Prof)\.?\s+(" + surnames + r")\b")
    full = {p.span.start for p in people}
    out = []
    for m in pattern.finditer(text):
        name = by_surname[m.group(1)]
        if m.start(1) - len(name) + len(m.group(1)) in full:
            continue  # the full mention itself
        out.append(N.PersonEntry(name, Span(m.start(1), m.end()), ""))
    return out


_ACRONYM_RE = re.compile(r"((?:[A-Z][\w\u2019'\-]*\s+(?:and\s+|of\s+|for\s+|the\s+)?){1,8})\(([A-Z]{2,8})\)")
_CAPITAL_RE = re.compile(r"[A-Z]")
_WORD_TAIL_RE = re.compile(r"[\w\u2019'\-]*")


def _acronym_matches(text: str) -> Iterator[re.Match[str]]:
    """``_ACRONYM_RE.finditer(text)``, trying one start per word: every capital of a word ends its first
    name word at the same place, so if the first capital fails the rest do too (finditer would try
    each, which is quadratic in a long run of capitals)."""
    pos = 0
    while (c := _CAPITAL_RE.search(text, pos)) is not None:
        m = _ACRONYM_RE.match(text, c.start())
        if m is not None:
            yield m
            pos = m.end()
        else:
            pos = _WORD_TAIL_RE.match(text, c.start() + 1).end()


def _acronyms(text: str) -> dict[str, tuple[str, ...]]:
    """ "Universities and Colleges Employers’ Association (UCEA)" -> {name: ("ucea",)}."""
    found: dict[str, list[str]] = {}  # (lists: growing a tuple per mention is quadratic in a long text)
    for m in _acronym_matches(text):
        found.setdefault(m.group(1).strip(), []).append(m.group(2).lower())
    return {name: tuple(acronyms) for name, acronyms in found.items()}


def _one_organisation(text: str) -> bool:
    """ "Universities and Colleges Employers’ Association": capitalised words joined by 'and' under
    one organisation head are one name, not two speakers."""
    parts = _SPLIT_AND_RE.split(re.sub(r"\s*\([^)]*\)\s*$", "", text))
    if len(parts) < 2:
        return False
    last = N.words(parts[-1])
    if not last or N.word_class(last[-1]) != "O" or not all(w.is_cap for w in last if w.text[0].isalpha()):
        return False
    if any(p.lstrip().lower().startswith(("the ", "a ", "an ")) for p in parts[1:]):
        return False  # "the Pentagon and the State Department": two
    for p in parts[:-1]:
        ws = [w for w in N.words(p) if w.text[0].isalpha() and w.lower not in ("the", "of")]
        if not ws or not all(w.is_cap for w in ws) or any(N.word_class(w) == "T" for w in ws):
            return False
    return True


@dataclass
class Mention:
    """One part of a source span (a source may name several speakers)."""

    text: str
    span: Span
    words: list[N.Word]
    agent: bool = False  # "a spokesperson for X": X speaks through someone unnamed


@dataclass
class History:
    """Speakers resolved so far in this article, in text order."""

    quoted: list[tuple[int, list[SpeakerRef]]] = field(default_factory=list)
    # reach[i]: the furthest position among quoted[0..i], so a backward scan stops once the window is left
    reach: list[int] = field(default_factory=list)

    def add(self, pos: int, refs: list[SpeakerRef]) -> None:
        self.quoted.append((pos, refs))

    def last(self, before: int, want: Callable[[list[SpeakerRef]], bool]) -> tuple[int, list[SpeakerRef]] | None:
        reach = self._reach()
        for i in range(len(self.quoted) - 1, -1, -1):
            if before - reach[i] > PRONOUN_WINDOW:
                break  # every earlier entry is out of the window too
            pos, refs = self.quoted[i]
            if pos < before and before - pos <= PRONOUN_WINDOW and want(refs):
                return pos, refs
        return None

    def _reach(self) -> list[int]:
        reach = self.reach
        for pos, _ in self.quoted[len(reach) :]:
            reach.append(max(pos, reach[-1]) if reach else pos)
        return reach


def _best_before(entries: list[tuple[int, int]], pos: int) -> tuple[int, int] | None:
    """Of (start, index) pairs sorted, the last start before ``pos`` with its first index."""
    k = bisect.bisect_left(entries, (pos, -1))
    if k == 0:
        return None
    start = entries[k - 1][0]
    return entries[bisect.bisect_left(entries, (start, -1))]


class _EntryIndex:
    """Entries grouped by key, each group sorted by (start, list index), to pick as the linear scan of
    ``Attributor.full_name`` and ``by_title`` did: the first match in list order when it starts at the
    position itself, else the latest start before the position (first in list order), else the first."""

    def __init__(self) -> None:
        self.groups: dict[object, list[tuple[int, int]]] = {}

    def add(self, key: object, start: int, idx: int) -> None:
        self.groups.setdefault(key, []).append((start, idx))

    def freeze(self) -> None:
        for g in self.groups.values():
            g.sort()

    def pick(self, keys: list[object], pos: int, entries: list[N.PersonEntry]) -> N.PersonEntry | None:
        groups = [g for g in (self.groups.get(k) for k in keys) if g]
        if not groups:
            return None
        first = min(min(i for _, i in g) for g in groups)
        if entries[first].span.start == pos:
            return entries[first]
        best: tuple[int, int] | None = None
        for g in groups:
            got = _best_before(g, pos)
            if got is not None and (best is None or got[0] > best[0] or (got[0] == best[0] and got[1] < best[1])):
                best = got
        return entries[best[1] if best is not None else first]


class Attributor:
    """Resolves source mentions of one article; call ``resolve`` in text order."""

    def __init__(
        self,
        article: Article,
        quoted: Callable[[int], bool] | None = None,
        places: PlaceTagger | None = None,
        people: list[N.PersonEntry] | None = None,
    ) -> None:
        self.text = article.text
        self.title_span = article.title_span
        people = N.person_registry(self.text) if people is None else people  # (a long text's: piece by piece)
        self.places = places
        self._cleaned: dict[Span, N.PersonEntry] = {}
        self.people = people + N.appositive_titles(self.text, people)
        self.namings = people + _surname_mentions(self.text, people)
        self.quoted = quoted or (lambda pos: False)
        self.history = History()
        self.acronyms = _acronyms(self.text)
        self._registry = people  # in text order, disjoint
        self._registry_starts = [p.span.start for p in people]
        self._by_name: _EntryIndex | None = None
        self._by_title: dict[str, list[str]] = {}  # normalised title mention -> titles of people it fits
        self._title_index: _EntryIndex | None = None
        self._namings_by_end = sorted((p.span.end, i) for i, p in enumerate(self.namings))
        self._authors: dict[str, str | None] = {}
        self._subject: tuple[str, N.PersonEntry] | None | bool = False  # False: not looked up yet
        # _known_organisation's backward scan as a lookup: key -> (history entry, ref) of the latest match
        self._orgs: dict[str, tuple[int, int]] = {}
        self._orgs_seen = 0

    def document_author(self, noun: str) -> str | None:
        """Who the article says wrote its report/study/paper ("the report by the UCU", "a UCU report")."""
        if noun not in self._authors:  # one search of the text per noun, not one per quote
            self._authors[noun] = self._document_author(noun)
        return self._authors[noun]

    def _document_author(self, noun: str) -> str | None:
        m = re.search(
            rf"\b{noun}s?\s+(?:published\s+|released\s+|commissioned\s+)?by\s+(?:the\s+)?"
            r"([A-Z][\w\u2019'\-]*(?:\s+(?:and|of|for|on|[A-Z][\w\u2019'\-]*))*)",
            self.text,
        )
        if not m:
            return None
        name = re.sub(r"\s+(?:and|of|for|on)$", "", m.group(1))
        return name if len(name) > 2 else None

    # -- helpers -------------------------------------------------------------------
    def sentences_between(self, a: int, b: int) -> int:
        return len(_SENT_END_RE.findall(self.text, min(a, b), max(a, b)))

    def clean(self, p: N.PersonEntry) -> N.PersonEntry:
        """The entry without a place glued before it (NER, run only for the long names used)."""
        if self.places is None or len(p.name.split()) < 3:
            return p
        if p.span not in self._cleaned:
            self._cleaned[p.span] = _without_place(self.text, p, self.places)
        return self._cleaned[p.span]

    def _name_index(self) -> _EntryIndex:
        """People by full name, by each word of it and by each shorter tail of it (built once)."""
        if self._by_name is None:
            idx = _EntryIndex()
            for i, p in enumerate(self.people):
                pw = p.name.split()
                idx.add(("name", p.name), p.span.start, i)
                for w in set(pw):
                    idx.add(("word", w), p.span.start, i)
                for k in range(1, len(pw)):
                    idx.add(("tail", tuple(pw[k:])), p.span.start, i)
            idx.freeze()
            self._by_name = idx
        return self._by_name

    def full_name(self, short: str, pos: int) -> tuple[str, PersonEntry | None]:
        """'Stoltenberg' -> 'Jens Stoltenberg' when the article names him in full (the full name before
        ``pos`` nearest to it, else the first one in the article)."""
        parts = short.split()
        keys: list[object] = [("name", short)]
        if len(parts) == 1:
            keys.append(("word", parts[0]))
        elif parts:
            keys.append(("tail", tuple(parts)))
        best = self._name_index().pick(keys, pos, self.people)
        if best is None:
            return short, None
        best = self.clean(best)
        return best.name, best

    def by_title(self, norm: str, pos: int) -> N.PersonEntry | None:
        if self._title_index is None:
            self._title_index = _EntryIndex()
            for i, p in enumerate(self.people):
                if p.title:
                    self._title_index.add(p.title, p.span.start, i)
            self._title_index.freeze()
        if norm not in self._by_title:
            self._by_title[norm] = [t for t in self._title_index.groups if N.title_matches(norm, t)]
        best = self._title_index.pick(list(self._by_title[norm]), pos, self.people)
        return self.clean(best) if best else None

    def last_person_named(self, before: int) -> N.PersonEntry | None:
        lo = bisect.bisect_left(self._namings_by_end, (before - PRONOUN_WINDOW, -1))
        hi = bisect.bisect_right(self._namings_by_end, (before, len(self.namings)))
        best: N.PersonEntry | None = None
        best_i = -1
        for _, i in self._namings_by_end[lo:hi]:  # the names ending in the window, as the full scan kept them
            p = self.namings[i]
            if self.quoted(p.span.start):
                continue
            if best is None or p.span.start > best.span.start or (p.span.start == best.span.start and i < best_i):
                best, best_i = p, i
        return self.clean(best) if best else None

    def registry_entry_within(self, span: Span) -> N.PersonEntry | None:
        """The first full name of the registry inside ``span`` (the registry is in text order, disjoint)."""
        k = bisect.bisect_left(self._registry_starts, span.start)
        while k < len(self._registry) and self._registry[k].span.start < span.end:
            if self._registry[k].span.end <= span.end:
                return self._registry[k]
            k += 1
        return None

    def organisation_quoted_before(self, key: str) -> SpeakerRef | None:
        """The latest organisation quoted so far whose name, acronym or first words are ``key``."""
        quoted = self.history.quoted
        for h in range(self._orgs_seen, len(quoted)):
            for ri, r in enumerate(quoted[h][1]):
                if r.type != "organisation":
                    continue
                org = _org_key(r.name)
                keys = {org, *self.acronyms.get(r.name, ())}
                keys.update(org[:k] for k, ch in enumerate(org) if ch == " ")
                for k in keys:
                    if k and (k not in self._orgs or self._orgs[k][0] < h):
                        self._orgs[k] = (h, ri)
        self._orgs_seen = len(quoted)
        got = self._orgs.get(key)
        return quoted[got[0]][1][got[1]] if got else None

    # -- entry points --------------------------------------------------------------
    def resolve(self, source: Span | None, at: int) -> list[SpeakerRef]:
        if source is None:
            refs = self.continuation(at)
        else:
            refs = []
            for m in self.mentions(source):
                for resolver in RESOLVERS:
                    ref = resolver(self, m, at)
                    if ref is not None and m.agent and ref.type == "organisation":
                        ref.resolved_via = "agent"
                        ref.chain.insert(0, "(an unnamed agent speaking for it)")
                    if ref is not None:
                        if all(r.name != ref.name for r in refs):
                            refs.append(ref)
                        break
        if refs:
            self.history.add(at, refs)
        return refs

    def mentions(self, source: Span) -> list[Mention]:
        source, agent = self._trim_source(source)
        text = self.text[source.start : source.end]
        out: list[Mention] = []
        pos = 0
        splits = [] if _one_organisation(text) else list(_SPLIT_AND_RE.finditer(text))
        for m in [*splits, None]:
            end = m.start() if m else len(text)
            part = text[pos:end]
            s = source.start + pos + (len(part) - len(part.lstrip()))
            e = source.start + pos + len(part.rstrip())
            if e > s:
                ws = [w for w in N.words(self.text, s, e) if not self._quoted_word(w)]
                out.append(Mention(self.text[s:e], Span(s, e), ws, agent))
            pos = m.end() if m else len(text)
        # "Affairs and Security Policy Boris Ruge": parts without a name or title join the next
        return out

    def subject_of_article(self) -> list[SpeakerRef]:
        """The one person a profile or interview headline names ("Leader spotlight: Erin Spiceland"),
        for quotes no one else in the article can have said."""
        if self._subject is False:  # the same for every quote: looked up once
            self._subject = self._headline_person()
        if not self._subject:
            return []
        name, entry = self._subject
        chain = ["(no source, nothing quoted before)", f"{name} (the one person the headline names)"]
        return [SpeakerRef(name, "person", "headline", [entry.span], 0.5, chain)]

    def _headline_person(self) -> tuple[str, N.PersonEntry] | None:
        if self.title_span is None:
            return None
        named = {p.name for p in self.people if self.title_span.start <= p.span.start < self.title_span.end}
        if len(named) != 1:
            return None
        (name,) = named
        entry = self.clean(next(p for p in self.people if p.name == name))
        return entry.name, entry

    def _quoted_word(self, w: N.Word) -> bool:
        """A word in quotation marks inside a source ("“Parasite” director Bong Joon Ho") names a work."""
        return self.quoted(w.start) and self.quoted(w.end - 1)

    def _trim_source(self, source: Span) -> tuple[Span, bool]:
        """Drop an appositive that describes an organisation ("Rhodium Group, a research firm that …")
        and a trailing open bracket ("Administration (NOAA")."""
        text = self.text[source.start : source.end]
        agent = _AGENT_OF_RE.match(text)
        through = bool(agent and agent.end() < len(text))
        if agent and through:  # "a spokesperson for X", "a report by X": X speaks
            source = Span(source.start + agent.end(), source.end)
            text = text[agent.end() :]
        cut = len(text)
        m = _APPOSITIVE_RE.search(text)
        if m and N.word_class(N.Word(text[: m.start()].split()[-1], 0, 0)) == "O":
            cut = m.start()
        paren = text.rfind("(")
        if paren > 0 and ")" not in text[paren:]:
            cut = min(cut, paren)
        end = source.start + len(text[:cut].rstrip(" ,("))
        return (Span(source.start, end) if end > source.start else source), through

    def continuation(self, at: int) -> list[SpeakerRef]:
        # an unresolved pronoun ("I", "they" with no antecedent) names nobody to continue
        prev = self.history.last(at, lambda refs: any(r.name.lower() not in N.PRONOUNS for r in refs))
        if prev is None:
            return self.subject_of_article()
        pos, refs = prev
        n = self.sentences_between(pos, at)
        return [
            SpeakerRef(
                r.name,
                r.type,
                "continuation",
                list(r.evidence_spans),
                min(r.confidence, 0.7),
                ["(no source)", f"{r.name} (quoted {n} sentence{'s' if n != 1 else ''} earlier)"],
            )
            for r in refs
        ]


PersonEntry = N.PersonEntry
Resolver = Callable[[Attributor, Mention, int], SpeakerRef | None]


def _pronoun(a: Attributor, m: Mention, at: int) -> SpeakerRef | None:
    low = m.text.lower()
    if low not in N.PRONOUNS:
        return None
    chain = [f'"{m.text}"']
    if low in ("he", "she", "him", "her"):
        ref = _person_before(a, m, "pronoun", 1.0)
        return ref or SpeakerRef(m.text, "person", "pronoun", [m.span], 0.2, chain + ["(no antecedent)"])
    if low == "it":  # an organisation quoted before ("Microsoft said … it added")
        org = a.history.last(m.span.start, lambda refs: len(refs) == 1 and refs[0].type == "organisation")
        if org:
            chain.append(f"{org[1][0].name} (the organisation quoted before)")
            return SpeakerRef(org[1][0].name, "organisation", "pronoun", [m.span], 0.6, chain)
    prev = a.history.last(m.span.start, lambda refs: True)
    if low == "they" and prev and (len(prev[1]) > 1 or prev[1][0].type == "organisation"):
        refs = prev[1]
        chain.append(" and ".join(r.name for r in refs) + " (quoted earlier)")
        return SpeakerRef(" and ".join(r.name for r in refs), refs[0].type, "pronoun", [m.span], 0.5, chain)
    return SpeakerRef(m.text, "unknown", "pronoun", [m.span], 0.2, chain + ["(no antecedent)"])


UNRESOLVED_TITLE = 0.3  # the confidence of a title no person in the text holds


def _person_before(a: Attributor, m: Mention, via: str, weight: float) -> SpeakerRef | None:
    """The person a pronoun or a definite description refers back to: the one quoted last, unless
    another person was named since (then that one)."""
    chain = [f'"{m.text}"']
    prev = a.history.last(
        m.span.start,
        lambda refs: len(refs) == 1 and (refs[0].type == "person" or refs[0].resolved_via == "agent")
        # a description names a role, so a one-word name never given in full ("the Kremlin") is no antecedent
        and (via != "nominal" or refs[0].confidence > 0.8 or refs[0].resolved_via != "name"),
    )
    named = a.last_person_named(m.span.start)
    if prev and (named is None or named.span.start <= prev[0] or named.name == prev[1][0].name):
        pos, refs = prev
        n = a.sentences_between(pos, m.span.start)
        chain.append(f"{refs[0].name} (quoted {n} sentence{'s' if n != 1 else ''} earlier)")
        return SpeakerRef(refs[0].name, refs[0].type, via, [m.span], round(0.85 * weight, 3), chain)
    if named:
        n = a.sentences_between(named.span.end, m.span.start)
        chain.append(f"{named.name} (named {n} sentence{'s' if n != 1 else ''} earlier)")
        return SpeakerRef(named.name, "person", via, [m.span, named.span], round(0.7 * weight, 3), chain)
    return None


def _is_description(a: Attributor, m: Mention) -> bool:
    """ "the Democratic front-runner", "the presumptive Republican nominee", "the Wisconsin
    Republican": a definite noun phrase that names no person the text knows; its capitalised
    words are modifiers (a person's name takes no article)."""
    ws = [w for w in m.words if w.text[0].isalpha()]
    if len(ws) < 2 or ws[0].lower != "the":
        return False
    h = _head_index(m.words)
    if h < 0 or N.name_runs(m.words[h + 1 :]):
        return False
    head = m.words[h]
    if head.lower in N.ORG_NOUNS or head.lower.rstrip("s") in DOCUMENT_NOUNS:
        return False  # "the Clinton campaign", "the report": an organisation or a document
    cls = N.word_class(head)
    if cls == "T":
        return True
    if cls == "L":  # a person by its ending: "the front-runner", "the nominee", "the candidate"
        last = head.lower.split("-")[-1]
        return last.endswith(AGENT_SUFFIXES + ("ee", "ate"))
    # "the Wisconsin Republican": a capitalised head the text also writes as a plural is a common
    # noun ("Republicans"), not a surname
    return cls == "N" and N.written_as_word(a.text, head.text + "s") and a.registry_entry_within(m.span) is None


def _describes(m: Mention) -> bool:
    """A title phrase with a lowercase word that is no part of an office ("the two-term president",
    "the former secretary of state", "the presumptive nominee") describes a person rather than
    naming an office a role could resolve ("the foreign minister", "the Authority's Director General")."""
    for w in m.words[1:]:
        low = w.lower
        if not w.text[0].isalpha() or not w.text.islower() or low in N.DROP_IN_TITLES or low in N.CONNECTORS:
            continue
        if not any(part in N.TITLE_WORDS for part in low.split("-")):
            return True
    return False


def _description(a: Attributor, m: Mention, at: int) -> SpeakerRef | None:
    """A definite description of a person: the holder of the title it names, else the person the
    text quoted or named just before."""
    if not _is_description(a, m):
        return None
    titled = _title(a, m, at)
    if titled is not None and (titled.confidence > UNRESOLVED_TITLE or not _describes(m)):
        return titled  # a title: its holder, here or (by date, across articles) at linking
    ref = _person_before(a, m, "nominal", 0.8)
    if ref is not None:
        ref.chain.insert(1, "(a description: the person the text refers back to)")
        return ref
    return _nominal(a, m, at)


def _head_index(ws: list[N.Word]) -> int:
    """The head word of the first comma segment: the last word before 'of'/'for'/','."""
    head = -1
    for i, w in enumerate(ws):
        if w.text in (",", "(", ";") or w.lower in ("of", "for", "in", "at", "on", "who", "which"):
            break
        if w.text[0].isalpha():
            head = i
    return head


def _organisation(a: Attributor, m: Mention, at: int) -> SpeakerRef | None:
    ws = m.words
    h = _head_index(ws)
    if h < 0:
        return None
    head = ws[h]
    classes = [N.word_class(w) for w in ws]
    proper_name = classes[h] == "O" and all(w.is_cap or c == "C" for w, c in zip(ws[: h + 1], classes, strict=False))
    if any(c == "N" for c in classes[: h + 1]) and head.lower not in N.ORG_NOUNS and not proper_name:
        return None
    is_org_noun = head.lower in N.ORG_NOUNS
    if not is_org_noun and classes[h] != "O":
        return None
    if any(c == "T" for c in classes[: h + 1]) and not is_org_noun:
        return None
    proper = [w for w in ws[:h] if w.is_cap and w.lower not in N.FUNCTION_WORDS and classes[ws.index(w)] != "T"]
    if is_org_noun and proper and not head.is_cap:
        name = a.text[proper[0].start : proper[-1].end]  # "the Bild publication" -> "Bild"
    else:
        # "the new ministry" drops "new"; "The New York Post" keeps it (capitalised inside the name)
        first = next((i for i, w in enumerate(ws) if w.lower not in N.DROP_IN_TITLES or (i and w.is_cap)), 0)
        name = a.text[ws[first].start : m.span.end].rstrip(",.;: ")
    if not any(w.is_cap for w in ws):
        # "the newspaper": the last organisation quoted before
        prev = a.history.last(m.span.start, lambda refs: refs[0].type == "organisation")
        if prev and ws[0].lower in ("the", "this", "that"):
            return SpeakerRef(
                prev[1][0].name, "organisation", "nominal", [m.span], 0.6, [f'"{m.text}"', prev[1][0].name]
            )
        return SpeakerRef(name, "organisation", "nominal", [m.span], 0.3, [f'"{m.text}"'])
    return SpeakerRef(name, "organisation", "name", [m.span], 0.8, [f'"{m.text}"'])


def _head_run(ws: list[N.Word], runs: list[tuple[int, int]]) -> tuple[int, int]:
    """The name run that heads the mention: a capitalised modifier joined to a later name by
    lowercase words ("Harbour master Lena Olsen") is not the name."""
    for k, (i, j) in enumerate(runs):
        later = runs[k + 1] if k + 1 < len(runs) else None
        if later is None:
            return i, j
        between = [N.word_class(w) for w in ws[j : later[0]]]
        if not (between and all(c in "LT" for c in between) and "L" in between):
            return i, j
    return runs[0]


def _full_name(a: Attributor, m: Mention, at: int) -> SpeakerRef | None:
    """A name of two words or more, or one the article gives in full, wins over organisation cues."""
    runs = N.name_runs(m.words)
    if not runs:
        return None
    h = _head_index(m.words)
    if (
        h >= 0
        and N.word_class(m.words[h]) == "O"
        and all(w.is_cap or N.word_class(w) == "C" for w in m.words[: h + 1] if w.text[0].isalpha())
        and all(j <= h for _, j in runs)
    ):
        return None  # "National Oceanic and Atmospheric Administration": an organisation's name
    i, j = _head_run(m.words, runs)
    short = a.text[m.words[i].start : m.words[j - 1].end]
    if j - i < 2 and a.full_name(short, at)[1] is None:
        return None
    return _name(a, m, at)


def _known_organisation(a: Attributor, m: Mention, at: int) -> SpeakerRef | None:
    """ "Microsoft" after "Microsoft Corp" was quoted, "the UCEA" after "… Association (UCEA)": the same body."""
    key = _org_key(m.text)
    if not key:
        return None
    r = a.organisation_quoted_before(key)
    if r is None:
        return None
    chain = [f'"{m.text}"', f"{r.name} (quoted before)"]
    return SpeakerRef(r.name, "organisation", "name", [m.span], 0.8, chain)


@lru_cache(maxsize=4096)
def _org_key(text: str) -> str:
    ws = [w.lower for w in N.words(text) if w.text[0].isalpha()]
    while ws and ws[0] in N.DROP_IN_TITLES:
        ws = ws[1:]
    return " ".join(ws)


def _document(a: Attributor, m: Mention, at: int) -> SpeakerRef | None:
    """ "a report highlighting …" -> the author the article gives the report ("the report by X")."""
    ws = [w for w in m.words if w.text[0].isalpha() and w.lower not in N.DROP_IN_TITLES]
    if not ws or ws[0].lower.rstrip("s") not in DOCUMENT_NOUNS:
        return None
    author = a.document_author(ws[0].lower.rstrip("s"))
    if author is None:
        return None
    chain = [f'"{m.text}"', f"{author} (the article's {ws[0].lower} by {author})"]
    return SpeakerRef(author, "organisation", "nominal", [m.span], 0.6, chain)


def _name(a: Attributor, m: Mention, at: int) -> SpeakerRef | None:
    ws = m.words
    runs = N.name_runs(ws)
    if not runs:
        return None
    # prefer a name in the first comma segment ("Jānis Sārts, Director of ...")
    i, j = _head_run(ws, runs)
    short = a.text[ws[i].start : ws[j - 1].end]
    here = a.registry_entry_within(m.span)
    here = a.clean(here) if here is not None else None
    if here is not None and short.endswith(here.name) and short != here.name:
        short = here.name  # the registry dropped a place glued before the name
    full, entry = a.full_name(short, m.span.start)
    classes = [N.word_class(w) for w in ws[:i]]
    words_before = [c for c in classes if c != "P"]  # skip "(SG)" brackets
    glued = bool(words_before) and words_before[-1] in "TO"
    chain = [f'"{m.text}"']
    if glued:
        k = i - 1
        while k > 0 and N.word_class(ws[k - 1]) in "TOC" and ws[k - 1].text != ",":
            k -= 1
        chain.append(f'title "{a.text[ws[k].start : ws[i - 1].end]}" glued to "{short}"')
    if full != short:
        chain.append(f"{full} (full name in the article)")
    via = "glued-title" if glued else "name"
    conf = 0.95 if entry or len(short.split()) > 1 else 0.8
    return SpeakerRef(full, "person", via, [m.span] + ([entry.span] if entry else []), conf, chain)


def _title(a: Attributor, m: Mention, at: int) -> SpeakerRef | None:
    norm = N.normalise_title(m.text)
    if not any(w in N.TITLE_WORDS for w in norm.split()):
        return None
    entry = a.by_title(norm, m.span.start)
    if entry:
        chain = [f'"{m.text}"', f'{entry.name} (named as "{N.display_title(entry.title)}")']
        return SpeakerRef(entry.name, "person", "title", [m.span, entry.span], 0.85, chain)
    chain = [f'"{m.text}"', "(unresolved title)"]
    return SpeakerRef(N.display_title(norm), "person", "title", [m.span], UNRESOLVED_TITLE, chain)


def _nominal(a: Attributor, m: Mention, at: int) -> SpeakerRef | None:
    ws = [w for w in m.words if w.text[0].isalpha()]
    if not ws:
        return None
    first = next((i for i, w in enumerate(ws) if w.lower not in N.DROP_IN_TITLES), 0)
    name = a.text[ws[first].start : ws[-1].end]
    return SpeakerRef(name, "unknown", "nominal", [m.span], 0.3, [f'"{m.text}"'])


DOCUMENT_NOUNS = frozenset("report study paper survey analysis poll review audit".split())

RESOLVERS: list[Resolver] = [
    _pronoun, _document, _known_organisation, _description, _full_name, _organisation, _name, _title, _nominal
]
