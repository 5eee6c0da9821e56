"""Names and titles: folding, cleaning, and normalising titles and organisations."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Letters NFKD does not decompose into a base letter plus marks.
_EXTRA_FOLD = str.maketrans(
    {
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "þ": "th",
        "ı": "i",
        "’": "'",
        "‘": "'",
    }
)


def fold(text: str) -> str:
    """Lower case, no diacritics, single spaces: "Jānis  Sārts" -> "janis sarts"."""
    if text.isascii():
        return " ".join(text.lower().split())
    return _fold_short(text) if len(text) < 120 else _fold(text)


@lru_cache(maxsize=100_000)
def _fold_short(text: str) -> str:
    return _fold(text)


def _fold(text: str) -> str:
    t = unicodedata.normalize("NFKD", text.translate(_EXTRA_FOLD))
    t = "".join(c for c in t if not unicodedata.combining(c))
    return " ".join(t.lower().split())


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
    if org and re.search(r"['’]s$", org):
        org = org[:-2]
    if org:
        org = re.sub(r"^(?:the|its|his|her)\s+", "", org, flags=re.I)
        org = re.sub(r"^(?:new|former)\s+", "", org, flags=re.I)
    title = normalise_title(f"{head} {qualifier}".strip())
    title = re.sub(r"\s+(?:of|for)(?: the)?$", "", title)
    return ParsedTitle(title=title, organisation=normalise_org(org), former=former)


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
    return all(t.lower().strip(",.") in TITLE_WORDS or t.isupper() or t.startswith("(") for t in n.split())


def is_byline(name: str) -> bool:
    return fold(name) in BYLINE_NAMES or fold(name).endswith(" desk")


def surname(name: str) -> str:
    return fold(name.split()[-1]) if name.split() else ""


def name_tokens(name: str) -> list[str]:
    return [t for t in fold(name).replace("-", " ").split() if t]
