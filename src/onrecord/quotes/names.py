"""Names, titles and organisations found in an article's text without NER.

Words are classed as title words ("Secretary", "SG", "Admiral"), organisation words
("Ministry", "NATO", "Office"), connectors ("of", "for"), function words and other
capitalised words; a person name is the run of other capitalised words that ends a
capitalised sequence ("NATO SG Jens Stoltenberg" -> "Jens Stoltenberg").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from onrecord.models import Span

WORD_RE = re.compile(r"[^\W\d_](?:[\w'\u2019.\-]*\w)?\.?|\(|\)|,|;|:|[.!?]")

TITLE_WORDS = frozenset(
    """secretary general secretary-general sg asg president vice-president minister
    prime premier chancellor admiral general commander commander-in-chief chief chairman
    chairwoman chair director spokesman spokeswoman spokesperson ambassador senator sen.
    rep. representative governor gov. mayor king queen prince foreign defence defense deputy
    assistant under vice acting head leader adviser advisor officer official councillor
    lieutenant colonel col. gen. lt. major captain sergeant judge justice attorney
    candidate nominee speaker congressman congresswoman mr. mrs. ms. dr. prof. professor
    sir lord lady pope bishop envoy commissioner counsel executive ceo founder manager
    analyst expert economist editor correspondent reporter anchor host coach""".split()
)
RANK_WORDS = frozenset("assistant deputy vice under acting associate".split())
ORG_WORDS = frozenset(
    """nato alliance office ministry department agency committee council commission
    organisation organization association union party parliament congress senate house
    government administration forces army navy force command center centre institute
    university college school foundation company corporation corp. inc. inc ltd group
    bank fund court bureau service services news times post journal tribune herald
    guardian gazette press network channel publication newspaper magazine tabloid
    radio tv television agency reuters bild cnn bbc lrt affairs policy defence defense
    security communications excellence headquarters staff board campaign team
    republic federation kingdom states nations society corp plc llc gmbh trust authority
    initiative coalition consortium laboratory observatory museum hospital league academy
    programme program project""".split()
)
ORG_NOUNS = frozenset(
    """publication newspaper paper tabloid magazine outlet agency ministry office government
    administration company firm department committee council commission party campaign
    organisation organization alliance network channel website site report study poll
    survey statement release broadcaster daily weekly journal station""".split()
)
CONNECTORS = frozenset("of for and the de von van der da del la le bin al".split())
FUNCTION_WORDS = frozenset(
    """the a an in on at to of for and or but so as by from with into over after before
    since while when where what which who whom whose why how this that these those there
    then than it its he she they we i you his her their our my your him them us me
    according however meanwhile also earlier later today yesterday tomorrow monday tuesday
    wednesday thursday friday saturday sunday january february march april may june july
    august september october november december if not no yes all some many most more
    other another each every one two three both news said says images source""".split()
)
PRONOUNS = {
    "he": "person",
    "she": "person",
    "him": "person",
    "her": "person",
    "they": "unknown",
    "it": "unknown",
    "we": "unknown",
    "i": "unknown",
}
ABBREVIATIONS = {
    "sg": "secretary general",
    "asg": "assistant secretary general",
    "pm": "prime minister",
    "alliance": "nato",
    "north atlantic treaty organisation": "nato",
    "north atlantic treaty organization": "nato",
    "north atlantic alliance": "nato",
    "defense": "defence",
}
DROP_IN_TITLES = frozenset("the a an new current newly appointed incoming outgoing then his her its".split())


class Word(NamedTuple):  # a tuple: made for every word of every article, so it must be cheap
    text: str
    start: int
    end: int

    @property
    def lower(self) -> str:
        return self.text.lower()

    @property
    def is_cap(self) -> bool:
        return self.text[:1].isupper()


def words(text: str, start: int = 0, end: int | None = None) -> list[Word]:
    """Words and punctuation; a final period stays only on short abbreviations ("Mr.", "Gen.")."""
    end = len(text) if end is None else end
    out: list[Word] = []
    for m in WORD_RE.finditer(text, start, end):
        w, s, e = m.group(), m.start(), m.end()
        if len(w) > 4 and w.endswith(".") and w.count(".") == 1:
            out.append(Word(w[:-1], s, e - 1))
            out.append(Word(".", e - 1, e))
        elif len(w) > 3 and w[-2] in "'\u2019" and w[-1] in "sS":  # "Trump’s" -> "Trump" + "’s"
            out.append(Word(w[:-2], s, e - 2))
            out.append(Word(w[-2:], e - 2, e))
        else:
            out.append(Word(w, s, e))
    return out


def word_class(w: Word) -> str:
    """T title, O organisation, C connector, F function, N other capitalised, L lower, P punct."""
    return _class_of(w.text)


@lru_cache(maxsize=65536)
def _class_of(text: str) -> str:
    lower = text.lower()
    low = lower.rstrip(".") if not lower.endswith(".") or len(text) > 4 else lower
    if not text[0].isalpha():
        return "P"
    if lower in TITLE_WORDS or low in TITLE_WORDS:
        return "T"
    if lower in ORG_WORDS or low in ORG_WORDS or (text.isupper() and len(text) >= 2):
        return "O"
    if lower in CONNECTORS:
        return "C"
    if lower in FUNCTION_WORDS:
        return "F"
    return "N" if text[:1].isupper() else "L"


def _glued(a: Word, b: Word) -> bool:
    """Adjacent words: one space, or a mark and a space ("Employers’ Association"); punctuation
    that breaks a name (, ; : brackets) is a word of its own, so it never sits in the gap."""
    return b.start - a.end <= 2


NAME_PARTICLES = frozenset("van der den de von da del della dos du le la bin al ter".split())


def _particle_then_name(ws: list[Word], classes: list[str], j: int) -> bool:
    """A lowercase particle inside a name: one or two of them, then a capitalised name word."""
    k = j
    while k < len(ws) and k - j < 2 and ws[k].text in NAME_PARTICLES:
        k += 1
    return k > j and k < len(ws) and classes[k] == "N" and ws[k].start - ws[k - 1].end <= 1


def name_runs(ws: list[Word]) -> list[tuple[int, int]]:
    """Index ranges [i, j) of person-name runs: N words ending a capitalised sequence."""
    classes = [word_class(w) for w in ws]
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(ws):
        if classes[i] != "N":
            i += 1
            continue
        j = i
        while j < len(ws) and ws[j].start - (ws[j - 1].end if j > i else ws[j].start) <= 1:
            if classes[j] == "N":
                j += 1
            elif j > i and _particle_then_name(ws, classes, j):
                j += 1  # "Laurens van der Maaten", "Ludwig van Beethoven"
            else:
                break
        # "Colleges Employers’ Association": a possessive mark between the run and an organisation word
        follows_org = j < len(ws) and classes[j] in "TO" and _glued(ws[j - 1], ws[j])
        if not follows_org and j - i <= 4:
            runs.append((i, j))
        i = j
    return runs


def normalise_title(text: str) -> str:
    """'the new NATO SG' -> 'nato secretary general'; '(...)' asides are dropped."""
    t = re.sub(r"\(([^)]*)\)", lambda m: " " + m.group(1) + " " if m.group(1).isupper() else " ", text)
    t = t.lower().replace("\u2019s", "").replace("'s", "")
    t = re.sub(r"[-\u2013\u2014]", " ", t)
    t = re.sub(r"[^\w\s.]", " ", t)
    t = " " + " ".join(t.split()) + " "
    for short, full in sorted(ABBREVIATIONS.items(), key=lambda kv: -len(kv[0])):
        t = t.replace(f" {short} ", f" {full} ")
    toks = [w for w in t.split() if w not in DROP_IN_TITLES]
    return " ".join(_drop_repeats(toks))


def _drop_repeats(toks: list[str]) -> list[str]:
    """'nato nato secretary general secretary general' (after expanding '(NATO)', '(SG)') -> once."""
    out: list[str] = []
    for w in toks:
        out.append(w)
        for n in (1, 2, 3):
            if len(out) >= 2 * n and out[-n:] == out[-2 * n : -n]:
                del out[-n:]
                break
    return out


def display_title(norm: str) -> str:
    small = {"of", "for", "and", "the"}
    return " ".join(w.upper() if w == "nato" else (w if w in small else w.capitalize()) for w in norm.split())


def title_matches(mention: str, entry: str) -> bool:
    """Does a normalised title mention fit a normalised title the article gave a person?"""
    m, e = mention.split(), entry.split()
    if not m or not any(w in TITLE_WORDS for w in m):
        return False
    if set(m) - set(e):
        return False
    return {w for w in m if w in RANK_WORDS} == {w for w in e if w in RANK_WORDS}


MODIFIER_DETERMINERS = frozenset("a an the this that".split())
PLACE_PREPOSITIONS = frozenset("in at from near across into around throughout outside inside".split())
_MARKS = "\"\u201c\u201d\u2018\u2019'\u00ab\u00bb"


def _quoted_word(text: str, ws: list[Word], i: int, j: int) -> bool:
    before = text[max(0, ws[i].start - 1) : ws[i].start]
    after = text[ws[j - 1].end : ws[j - 1].end + 1]
    return bool(before) and before in _MARKS and bool(after) and after in _MARKS


@dataclass
class PersonEntry:
    name: str
    span: Span
    title: str  # normalised, may be empty


MAX_TITLE_WORDS = 40  # words a title before a name may have: a longer capitalised run is no title


def _title_before(text: str, ws: list[Word], i: int, classes: list[str]) -> tuple[int, int] | None:
    """Index range of the title words right before the name starting at word ``i``."""
    j = i
    depth = 0
    # bounded, so that a long run of capitalised words costs its length, not its length squared
    while j > 0 and i - j < MAX_TITLE_WORDS:
        prev = ws[j - 1]
        c = classes[j - 1]
        if "\n" in text[prev.end : ws[j].start]:
            break
        if prev.text == ")":
            depth += 1
        elif prev.text == "(":
            depth -= 1
        elif depth == 0:
            if c in "PFL" and prev.lower not in TITLE_WORDS:
                break
            if c == "C" and prev.lower == "and" and j >= 2 and classes[j - 2] == "N":
                break
        j -= 1
    k = j
    while k < i and classes[k] == "C":
        k += 1
    if k >= i or not any(classes[x] == "T" for x in range(k, i)):
        return None
    return k, i


def _title_after(ws: list[Word], j: int, classes: list[str]) -> tuple[int, int] | None:
    """Index range of an appositive title after the name ending at word ``j`` (", Director of ...")."""
    if j >= len(ws) or ws[j].text != "," or j + 1 >= len(ws) or classes[j + 1] != "T":
        return None
    k = j + 1
    while k < len(ws) and classes[k] in "TONC":
        k += 1
    return j + 1, k


def person_registry(text: str, start: int = 0, end: int | None = None) -> list[PersonEntry]:
    """Every full person name (two words or more) in ``text`` (or its part ``[start, end)``), in text
    order, with the title given to it there, if any."""
    ws = words(text, start, end)
    classes = [word_class(w) for w in ws]
    out: list[PersonEntry] = []
    headlines: list[tuple[int, int]] | None = None  # found when a name run needs them
    lower: frozenset[str] | None = None  # the words the text writes in lower case, read once
    for i, j in name_runs(ws):
        if j - i < 2:
            continue
        if i > 0 and ws[i - 1].lower in MODIFIER_DETERMINERS and (
            ws[i - 1].lower == "the" or j < len(ws) and classes[j] == "L"
        ):
            continue  # "a São Paulo resident", "the Paris Agreement": people take no article
        if i > 1 and classes[i - 1] == "C" and ws[i - 1].lower in ("of", "for") and ws[i - 2].is_cap:
            continue  # "Center for International Forestry Research": the tail of a longer name
        if i > 0 and ws[i - 1].text in PLACE_PREPOSITIONS:
            continue  # "in São Paulo", "from Mato Grosso": a place
        if _quoted_word(text, ws, i, j):
            continue  # "“Parasite” director": a title in quotation marks
        if _sentence_start(text, ws, i):
            lower = _lower_words(text) if lower is None else lower
            if ws[i].lower in lower:
                i += 1  # "Had Sanders won …": a sentence's first word is capitalised whatever it is
                if j - i < 2:
                    continue
        if headlines is None:
            lower = _lower_words(text) if lower is None else lower
            headlines = headline_lines(text, start, end, lower)
        if headlines and _inside(ws[i].start, headlines):
            j = _headline_name_end(text, ws, i, j, headlines, lower or _lower_words(text))
            if j - i < 2:
                continue
        name = text[ws[i].start : ws[j - 1].end]
        rng = _title_before(text, ws, i, classes) or _title_after(ws, j, classes)
        title = normalise_title(text[ws[rng[0]].start : ws[rng[1] - 1].end]) if rng else ""
        out.append(PersonEntry(name, Span(ws[i].start, ws[j - 1].end), title))
    return out


_LINE = re.compile(r"[^\n]+")
_LINE_WORD = re.compile(r"[^\W\d_][\w'’-]*")


def _lower_words(text: str) -> frozenset[str]:
    return frozenset(w for w in _LINE_WORD.findall(text) if w.islower())


def headline_lines(
    text: str, start: int = 0, end: int | None = None, lower: frozenset[str] | None = None
) -> list[tuple[int, int]]:
    """Lines in headline case ("Clinton Goes After Trump As The New Romney"): there every word is
    capitalised, so a run of capitalised words is not a name by itself. A line is in headline case
    when, after its first word, at least two capitalised words are function words or words the
    text also writes in lower case."""
    out = []
    for m in _LINE.finditer(text, start, len(text) if end is None else end):
        ws = _LINE_WORD.findall(m.group())
        caps = [w for w in ws[1:] if w[0].isupper() and not w.isupper()]
        if len(caps) < 3 or len(caps) < 0.6 * (len(ws) - 1):
            continue
        lower = _lower_words(text) if lower is None else lower
        common = sum(1 for w in caps if w.lower() in FUNCTION_WORDS or w.lower() in lower)
        if common >= 2:
            out.append((m.start(), m.end()))
    return out


def _inside(pos: int, ranges: list[tuple[int, int]]) -> bool:
    return any(a <= pos < b for a, b in ranges)


def _headline_name_end(
    text: str, ws: list[Word], i: int, j: int, headlines: list[tuple[int, int]], lower: frozenset[str]
) -> int:
    """Where a name run in a headline really ends: its longest start (two words or more) that the
    text also writes outside headlines, else before the first word the text writes in lower case
    or does not write outside headlines at all ("Hillary Clinton Goes After" -> "Hillary Clinton")."""
    for k in range(j, i + 1, -1):
        form = text[ws[i].start : ws[k - 1].end]
        pos = text.find(form)
        while pos >= 0:
            if not _inside(pos, headlines):
                return k
            pos = text.find(form, pos + 1)
    for k in range(i + 1, j):
        w = ws[k].text
        if w.lower() in FUNCTION_WORDS or w.lower() in lower or not _outside(text, w, headlines):
            return k
    return j


def _sentence_start(text: str, ws: list[Word], i: int) -> bool:
    """The word opens a sentence or a line (after . ! ? or a line break, quotation marks aside)."""
    k = i - 1
    while k >= 0 and ws[k].text in _MARKS:
        k -= 1
    if k < 0:
        return True
    return ws[k].text in (".", "!", "?") or "\n" in text[ws[k].end : ws[i].start]


def written_as_word(text: str, form: str) -> bool:
    """``form`` occurs in ``text`` as a word of its own."""
    return re.search(rf"(?<![\w-]){re.escape(form)}(?![\w-])", text) is not None


def _outside(text: str, form: str, headlines: list[tuple[int, int]]) -> bool:
    """``form`` occurs as a word of its own somewhere outside the headline lines."""
    return any(not _inside(m.start(), headlines) for m in re.finditer(rf"(?<![\w-]){re.escape(form)}(?![\w-])", text))


def appositive_titles(text: str, people: list[PersonEntry]) -> list[PersonEntry]:
    """'the Chairman of the NATO Military Committee, Admiral Rob Bauer' -> title for Rob Bauer."""
    out: list[PersonEntry] = []
    for p in people:
        m = re.search(
            r"(?:^|[\s(])(?:[Tt]he\s+)?([A-Z][\w\s\-]{2,80}?),\s*(?:[A-Z][\w.\-]*\s+)*$",
            text[max(0, p.span.start - 120) : p.span.start],
        )
        if not m:
            continue
        cand = normalise_title(m.group(1))
        if any(w in TITLE_WORDS for w in cand.split()):
            out.append(PersonEntry(p.name, p.span, cand))
    return out
