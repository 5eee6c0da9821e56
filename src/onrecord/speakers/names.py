"""Names and titles: folding, cleaning, and normalising titles and organisations."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from onrecord.folding import fold  # the one fold, shared with the store's alias index


def has_diacritics(text: str) -> bool:
    return fold(text) != " ".join(text.lower().split())


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-") or "unnamed"


# --- organisations -----------------------------------------------------------------

ORG_ALIASES: dict[str, str] = {
    "nato": "NATO",
    "alliance": "NATO",
    "the alliance": "NATO",
    "north atlantic alliance": "NATO",
    "north atlantic treaty organisation": "NATO",
    "north atlantic treaty organization": "NATO",
    "eu": "EU",
    "european union": "EU",
    "un": "UN",
    "united nations": "UN",
    "european commission": "European Commission",
    "kremlin": "Kremlin",
    "white house": "White House",
    "pentagon": "Pentagon",
}
_ORG_INLINE = re.compile(
    r"\b(NATO|North Atlantic Treaty Organi[sz]ation|North Atlantic Alliance|Alliance|EU|European Union|UN|"
    r"United Nations)\b",
)


# Head nouns that make a name an organisation ("Coastal Water Authority", "Valdoria's parliament").
ORG_HEADS = frozenset(
    """
    authority ministry council parliament university union cooperative co-operative agency company government
    publication newspaper bank commission department institute association federation board office corporation
    group party court police army navy service organisation organization alliance committee assembly senate
    congress foundation fund society league coalition centre center inc inc. ltd ltd. plc corp corp. gmbh
    cabinet kremlin pentagon secretariat directorate administration municipality chamber network press""".split()
)
# Documents that "say" things: an organisation type of speaker.
DOCUMENT_HEADS = frozenset({"study", "report", "survey", "poll", "analysis", "review", "paper", "assessment"})


def _head(name: str) -> str:
    toks = re.sub(r"['’]s?$", "", name.strip(" ,.")).split()
    return fold(toks[-1]).strip(",.'’") if toks else ""


@lru_cache(maxsize=50_000)  # linking asks it of every mention's name, often the same few names
def is_org_name(name: str) -> bool:
    """ "Coastal Water Authority", "Valdoria's parliament", "Council", "NATO", "study by the University of X"."""
    n = " ".join(name.split())
    if fold(n) in ORG_ALIASES or fold(re.sub(r"^the\s+", "", n, flags=re.I)) in ORG_ALIASES:
        return True
    if _head(n) in ORG_HEADS or _head(n) in DOCUMENT_HEADS:
        return True
    lead = re.match(r"(?:the\s+)?(\S+(?:\s+\S+)?)\s+(?:of|for)\s+(?:the\s+)?[A-Z]", n)
    if lead and _head(lead.group(1)) in ORG_HEADS:
        return True
    return bool(re.search(r"\b(?:study|report|survey|poll)\s+(?:by|of|from)\s", n, re.I))


# Capitalised words that open a headline or sentence but name nobody ("Inside the Port Selin plant").
_NOT_NAMES = frozenset(
    {
        "inside",
        "outside",
        "after",
        "before",
        "during",
        "under",
        "over",
        "here",
        "there",
        "today",
        "yesterday",
        "tomorrow",
        "meanwhile",
        "however",
        "also",
        "instead",
        "elsewhere",
        "now",
        "then",
        "still",
        "why",
        "how",
        "what",
        "when",
        "where",
        "who",
        "which",
        "exclusive",
        "analysis",
        "opinion",
        "update",
        "breaking",
        "live",
        "watch",
        "video",
        "photos",
        "editorial",
        "comment",
        "interview",
        "explainer",
        "sources",
        "officials",
        "experts",
        "critics",
        "residents",
        "analysts",
        "observers",
        "others",
        "many",
        "some",
        "both",
        "all",
    }
)


def is_noise_name(name: str) -> bool:
    """A single capitalised word that is not a name: a function word, a headline opener, a bare document noun."""
    toks = name.split()
    if len(toks) != 1:
        return False
    w = fold(toks[0]).strip(".,:;'’")
    return w in _NOT_NAMES or w in DOCUMENT_HEADS or _is_stop_word(w)


# English function words (a short list: importing spaCy's would load spaCy for one set).
_FUNCTION_WORDS = frozenset(
    """a about above across after again against along also although am among an and another any are around as at
    be because been before behind being below beneath beside besides between beyond both but by can could did do
    does doing down during each either else even ever every few for from further had has have having her here hers
    herself him himself his how however i if in into is it its itself just least less many me might more most
    much must my myself neither never next no nobody none nor not nothing now of off often on once one only onto or
    other others our ours ourselves out over own per perhaps same several she should since so some something
    still such than that the their theirs them themselves then there these they this those though through thus to
    together too toward towards under unless until up upon very via was we were what whatever when whenever
    where whether which while who whoever whole whom whose why with within without would yet you your yours
    yourself yourselves""".split()
)


def _is_stop_word(w: str) -> bool:
    return w in _FUNCTION_WORDS


def is_person_like(name: str) -> bool:
    """Two or more capitalised name tokens that do not end in an organisation head noun ("Viktor Hana")."""
    toks = name.split()
    return (
        len(toks) >= 2 and all(t[:1].isupper() for t in toks) and not is_org_name(name) and not TITLE_WORD.search(name)
    )


def expand_org(org: str, text: str) -> str:
    """A short organisation ("Authority") as the one full name in ``text`` that ends with it
    ("Coastal Water Authority"); unchanged when there is none or several."""
    if len(org.split()) != 1 or not org[:1].isupper() or fold(org) in ORG_ALIASES:
        return org
    full = _full_org_names(org, text)
    return full[0] if len(full) == 1 else org


@lru_cache(maxsize=20_000)
def _full_org_names(org: str, text: str) -> list[str]:
    pat = rf"\b((?:[A-Z][\w'’-]*\s+){{1,5}}){re.escape(org)}\b"
    found = set()
    for m in re.finditer(pat, text):
        toks = m.group(1).split()
        while toks and (toks[0].lower() in {"the", "a", "an", "its", "their"} or not toks[0][:1].isupper()):
            toks.pop(0)
        while toks and toks[0] in _SENTENCE_OPENERS:
            toks.pop(0)
        if toks and not any(t.endswith(("'s", "’s")) for t in toks):
            found.add(" ".join([*toks, org]))
    return sorted(found)


_SENTENCE_OPENERS = {"The", "A", "An", "Its", "Their", "According", "By", "For", "In", "On", "At"}


def normalise_org(org: str | None) -> str | None:
    if not org:
        return None
    o = re.sub(r"\s*\(([A-Z]{2,})\)\s*", r" (\1) ", org).strip(" ,.")
    acro = re.search(r"\(([A-Z]{2,})\)", o)
    if acro and fold(acro.group(1)) in ORG_ALIASES:
        return ORG_ALIASES[fold(acro.group(1))]
    o = re.sub(r"^(the|its|his|her|their)\s+", "", o, flags=re.I).strip()
    o = re.sub(r"['’]s$", "", o)
    return ORG_ALIASES.get(fold(o), o) or None


# --- titles -------------------------------------------------------------------------

_TITLE_CANON: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\bSG\b"), "Secretary General"),
    (re.compile(r"\bsecretary[\s-]+general\b", re.I), "Secretary General"),
    (re.compile(r"\bcommander[\s-]+in[\s-]+chief\b", re.I), "Commander-in-Chief"),
    (re.compile(r"\bchair(?:man|woman|person)?\b", re.I), "Chair"),
    (re.compile(r"\bcentre\b", re.I), "Center"),
    (re.compile(r"\bdefense\b", re.I), "Defence"),
]

TITLE_HEAD = re.compile(
    r"(?:(?:Deputy|Assistant|Vice|Acting|Permanent|Former|former|deputy|assistant|vice)[\s-]+)*"
    r"(?:Secretary[\s-]+General|secretary[\s-]+general|SG|Chair(?:man|woman|person)?|chair(?:man|woman)?|"
    r"Director(?:[\s-]+General)?|director|Prime[\s-]+Minister|prime minister|(?:Foreign|Defence|Defense)\s+Minister|"
    r"Minister|minister|President|president|Vice[\s-]+President|Commander[\s-]+in[\s-]+Chief|Commander|"
    r"commander|Chief(?:\s+of\s+(?:the\s+)?(?:Defence|Defense|General)?\s*Staff)?|Spokes(?:person|man|woman)|"
    r"spokes(?:person|man|woman)|Ambassador|ambassador|Chancellor|chancellor|Head|Governor|Senator|senator|"
    r"Congressman|Congresswoman|Representative|Mayor|mayor|Admiral|General)"
)
TITLE_WORD = re.compile(rf"\b(?:{TITLE_HEAD.pattern})\b")
# Words that may sit inside a title phrase without being part of a name.
TITLE_WORDS = {
    "secretary",
    "general",
    "sg",
    "assistant",
    "deputy",
    "vice",
    "acting",
    "permanent",
    "chair",
    "chairman",
    "chairwoman",
    "chairperson",
    "director",
    "minister",
    "prime",
    "president",
    "commander",
    "in",
    "chief",
    "spokesperson",
    "spokesman",
    "spokeswoman",
    "ambassador",
    "chancellor",
    "head",
    "governor",
    "senator",
    "congressman",
    "congresswoman",
    "representative",
    "mayor",
    "admiral",
    "foreign",
    "defence",
    "defense",
    "nato",
    "alliance",
    "the",
    "of",
    "for",
    "and",
    "new",
    "former",
    "political",
    "affairs",
    "security",
    "policy",
    "civil",
    "armed",
    "forces",
    "military",
    "committee",
    "national",
    "staff",
    "eu",
    "un",
    "commander-in-chief",
    "secretary-general",
    "us",
    "u.s.",
    "swedish",
    "german",
    "british",
    "french",
    "lithuanian",
    "latvian",
    "estonian",
    "polish",
    "ukrainian",
    "russian",
    "american",
    "mr",
    "mrs",
    "ms",
    "dr",
    "mr.",
    "mrs.",
    "ms.",
    "dr.",
    "lieutenant",
    "colonel",
    "major",
    "captain",
    "gen.",
    "adm.",
    "center",
    "centre",
    "excellence",
    "strategic",
    "communications",
    "office",
    "ministry",
    "interior",
    "finance",
    "state",
    "press",
    "top",
    "senior",
    "chief-of-staff",
}
HONORIFICS = re.compile(r"^(?:Mr|Mrs|Ms|Miss|Dr|Prof|Sir|Dame|Sen|Rep|Gov|Gen|Adm|Lt|Col|Capt|Rev)\.?\s+")
RANKS = re.compile(r"^(?:Admiral|General|Gen\.|Adm\.|Lieutenant General|Colonel|Dr\.?|Mr\.?|Mrs\.?|Ms\.?|Sir)\s+")


def normalise_title(title: str) -> str:
    t = " ".join(title.replace("–", "-").split()).strip(" ,.")
    t = re.sub(r"^(the|a|an|new|former|then)\s+", "", t, flags=re.I)
    for pat, rep in _TITLE_CANON:
        t = pat.sub(rep, t)
    t = re.sub(r"\s*\([A-Z]{2,}\)", "", t)
    words = t.split()
    small = {"of", "for", "and", "the", "in", "on"}
    return " ".join(w if w.lower() in small or w.isupper() else w[:1].upper() + w[1:] for w in words)


@dataclass(frozen=True)
class ParsedTitle:
    title: str
    organisation: str | None
    former: bool = False

    @property
    def key(self) -> tuple[str, str | None]:
        return (fold(self.title), fold(self.organisation) if self.organisation else None)


@lru_cache(maxsize=50_000)
def parse_title(phrase: str) -> ParsedTitle | None:
    """Split a title phrase into (title, organisation).

    "NATO Assistant Secretary-General for Political Affairs and Security Policy" ->
    ("Assistant Secretary General for Political Affairs and Security Policy", "NATO");
    "Chairman of the NATO Military Committee" -> ("Chair of the Military Committee", "NATO");
    "the Alliance Secretary General" -> ("Secretary General", "NATO").
    """
    p = " ".join(phrase.replace("–", "-").split()).strip(" ,.:;")
    former = bool(re.search(r"\b(former|then|ex-)\b", p, re.I))
    p = re.sub(r"^(?:the|a|an|new|former|then|ex-)\s+", "", p, flags=re.I)
    p = re.sub(r"^(?:the|a|an|new|former|then)\s+", "", p, flags=re.I)
    p = _comma_org(p)
    m = TITLE_HEAD.search(p)
    if not m:
        return None
    before, head, after = p[: m.start()].strip(), m.group(0), p[m.end() :].strip()
    after = re.sub(r"^\([A-Z]{2,}\)\s*", "", after)  # "(SG)"
    org = before or None
    qualifier = after
    inner = _ORG_INLINE.search(qualifier) if qualifier else None
    if inner and not org:
        org = inner.group(1)
        qualifier = (qualifier[: inner.start()] + qualifier[inner.end() :]).replace("  ", " ").strip()
        qualifier = re.sub(r"\b(of|for) the\s*$", "", qualifier).strip()
    elif org and inner and fold(inner.group(1)) in ORG_ALIASES and fold(org) == fold(inner.group(1)):
        qualifier = qualifier.replace(inner.group(1), "").strip()
    if not org and qualifier:
        qualifier, org = _qualifier_org(qualifier)
    if org and re.search(r"['’]s$", org):
        org = org[:-2]
    if org and fold(org) in {"its", "his", "her", "their", "the", "our"}:
        org = None
    if org:
        org = re.sub(r"^(?:the|its|his|her)\s+", "", org, flags=re.I)
        org = re.sub(r"^(?:new|former)\s+", "", org, flags=re.I)
    title = normalise_title(f"{head} {qualifier}".strip())
    title = re.sub(r"\s+(?:of|for)(?: the)?$", "", title)
    return ParsedTitle(title=title, organisation=normalise_org(org), former=former)


def _comma_org(p: str) -> str:
    """ "Director General, Coastal Water Authority" -> "Director General of Coastal Water Authority"."""
    head, sep, tail = p.rpartition(", ")
    if sep and TITLE_HEAD.search(head) and tail[:1].isupper() and is_org_name(tail) and not TITLE_HEAD.search(tail):
        return f"{head} of {tail}"
    return p


def _qualifier_org(qualifier: str) -> tuple[str, str | None]:
    """ "of the Coastal Water Authority" -> ("", "Coastal Water Authority"); other qualifiers stay."""
    m = re.fullmatch(r"(?:of|at|for|in)\s+(?:the\s+)?((?:[A-Z][\w'’.-]*\s+)*[A-Z][\w'’.-]*)", qualifier)
    if m and is_org_name(m.group(1)):
        return "", m.group(1)
    return qualifier, None


# --- names --------------------------------------------------------------------------

_NAME_TOKEN = re.compile(r"^[^\W\d_][\w'’.-]*$")
BYLINE_NAMES = {"monitoring desk", "news desk", "web desk", "staff reporter", "our correspondent", "desk"}
PRONOUNS = {"he", "she", "they", "it", "we", "i", "you", "him", "her", "them", "his", "hers"}


def clean_name(name: str) -> tuple[str, str | None]:
    """Strip a glued title and ranks from a name: ("NATO SG Stoltenberg") -> ("Stoltenberg", "NATO SG").

    Returns the person part and the title phrase that was removed (or None).
    """
    n = " ".join(name.replace("’", "'").split()).strip(" ,.;:\"'“”")
    n = re.sub(r"'s$", "", n)
    n = re.sub(r"^the\s+", "", n, flags=re.I)
    n = HONORIFICS.sub("", n) if len(n.split()) > 1 else n
    tokens = n.split()
    # Walk from the right while the tokens look like parts of a name.
    i = len(tokens)
    while i > 0 and _is_name_token(tokens[i - 1]):
        i -= 1
    if i == 0 or i == len(tokens):
        core = n
        title = None
    else:
        core = " ".join(tokens[i:])
        title = " ".join(tokens[:i])
        if not TITLE_HEAD.search(title) and not _ORG_INLINE.search(title):
            return n, None
        if is_org_name(core):
            return n, None
    core = RANKS.sub("", core)
    return core, title


def _is_name_token(tok: str) -> bool:
    return (
        bool(_NAME_TOKEN.match(tok))
        and tok[:1].isupper()
        and tok.lower() not in TITLE_WORDS
        and not (tok.isupper() and len(tok) > 1 and not tok.endswith("."))
    )


def is_title_only(name: str) -> bool:
    """True for "NATO Secretary General", "the NATO SG", "the Alliance Secretary General"."""
    n = " ".join(name.split())
    if not TITLE_HEAD.search(n):
        return False
    core, title = clean_name(n)
    if title is not None:
        return False
    org_words = _org_words(n)
    return all(
        t.lower().strip(",.") in TITLE_WORDS or t.isupper() or t.startswith("(") or _bare(t) in org_words | _POSSESSIVES
        for t in n.split()
    )


_POSSESSIVES = {"its", "his", "her", "their", "our"}


def _bare(tok: str) -> str:
    return fold(re.sub(r"['’]s$", "", tok.strip(",.")))


def _org_words(phrase: str) -> set[str]:
    """The words of the organisation a title phrase names ("the Authority's Director General" -> {"authority"})."""
    parsed = parse_title(phrase)
    if parsed is None or not parsed.organisation or not is_org_name(parsed.organisation):
        return set()
    return set(fold(parsed.organisation).split())


def is_byline(name: str) -> bool:
    return fold(name) in BYLINE_NAMES or fold(name).endswith(" desk")


def surname(name: str) -> str:
    return fold(name.split()[-1]) if name.split() else ""


def name_tokens(name: str) -> list[str]:
    return [t for t in fold(name).replace("-", " ").split() if t]
