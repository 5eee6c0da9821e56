"""Topics of a quote: named entities and key noun phrases inside its content (spaCy, batched)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable

from onrecord.speakers.names import ORG_ALIASES, fold
from onrecord.speakers.statements import STOPWORDS
from onrecord.speakers.types import DerivedCache

_ENT_LABELS = {"GPE", "NORP", "ORG", "PERSON", "LOC", "EVENT", "FAC", "LAW", "PRODUCT", "WORK_OF_ART"}
_GENERIC_HEADS = frozenset(
    """thing things way part lot idea time times year years day days people fact case point number kind
    sort side place end issue issues question questions word words something anything everything nothing
    one ones all this that what who which whatever course term terms""".split()
)
# Adjectival forms that mean the place: a topic key, not a separate one.
_DEMONYMS = {
    "russian": "russia",
    "ukrainian": "ukraine",
    "chinese": "china",
    "american": "united states",
    "european": "europe",
    "german": "germany",
    "french": "france",
    "british": "united kingdom",
}
_CANON_KEYS = {
    "us": "united states",
    "u.s.": "united states",
    "the us": "united states",
    "usa": "united states",
    "uk": "united kingdom",
    "the kremlin": "kremlin",
    "kyiv": "ukraine",
}

Topic = tuple[str, str]  # (key, display)
TopicFn = Callable[[list[str]], list[list[Topic]]]

TOPICS_VERSION = 1  # bump when what ``spacy_topics`` returns for a text changes


def topics_kind() -> str:
    """What a text's topics depend on besides the text: this code and the spaCy model (name and version)."""
    from importlib import metadata

    from onrecord.nlp import MODEL_NAMES

    for name in MODEL_NAMES:
        try:
            return f"topics-v{TOPICS_VERSION}:{name}-{metadata.version(name)}"
        except metadata.PackageNotFoundError:
            continue
    return f"topics-v{TOPICS_VERSION}:regex"  # no model: extract_topics falls back to regex_topics


def text_key(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def cached_topics(texts: list[str], cache: DerivedCache | None, fn: TopicFn | None = None) -> list[list[Topic]]:
    """``extract_topics`` for texts the cache does not hold; the cache's answer for the others."""
    if cache is None:
        return extract_topics(texts, fn)
    keys = [text_key(x) for x in texts]
    known = cache.get_many(keys)
    missing = [i for i, k in enumerate(keys) if k not in known]
    if missing:
        found = extract_topics([texts[i] for i in missing], fn)
        fresh = {keys[i]: [list(t) for t in topics] for i, topics in zip(missing, found, strict=True)}
        cache.put_many(fresh)
        known |= fresh
    return [[(k, d) for k, d in known[key]] for key in keys]


def topic_key(text: str) -> tuple[str, str] | None:
    display = " ".join(text.replace("’", "'").split()).strip(" ,.;:'\"“”")
    display = re.sub(
        r"^(?:the|a|an|our|their|its|his|her|this|that|these|those|any|every|all)\s+", "", display, flags=re.I
    )
    display = re.sub(r"'s$", "", display)
    if len(display) < 2:
        return None
    key = fold(display)
    if key in ORG_ALIASES:
        org = ORG_ALIASES[key]
        return fold(org), org
    key = _DEMONYMS.get(key, _CANON_KEYS.get(key, key))
    return key, display if fold(display) == key else key.title() if key.islower() and " " not in key else display


def spacy_topics(texts: list[str], batch_size: int = 256) -> list[list[Topic]]:
    """Entities and multi-word noun phrases of each text (one spaCy pass, batched)."""
    from onrecord.nlp import load_nlp

    nlp = load_nlp(disable=("lemmatizer",))
    out: list[list[Topic]] = []
    for doc in nlp.pipe(texts, batch_size=batch_size):
        found: dict[str, str] = {}
        for ent in doc.ents:
            if ent.label_ in _ENT_LABELS:
                _add(found, ent.text)
        for chunk in doc.noun_chunks:
            toks = [t for t in chunk if t.pos_ not in {"DET", "PRON", "NUM", "PUNCT"} and not t.is_stop]
            if not toks or chunk.root.pos_ == "PRON" or chunk.root.lower_ in _GENERIC_HEADS:
                continue
            if len(toks) >= 2 or chunk.root.pos_ == "PROPN":
                _add(found, " ".join(t.text for t in toks))
        out.append(sorted(found.items()))
    return out


_CAPS = re.compile(r"\b(?:[A-Z][\w'’-]+|[A-Z]{2,})(?:\s+(?:of\s+)?[A-Z][\w'’-]+)*")


def regex_topics(texts: list[str]) -> list[list[Topic]]:
    """Fallback without spaCy (and the fast choice for benchmarks): capitalised phrases, function words dropped."""
    out = []
    for text in texts:
        found: dict[str, str] = {}
        for m in _CAPS.finditer(text):
            first = m.group(0).split()[0]
            if first.lower() in STOPWORDS:
                rest = m.group(0)[len(first) :].strip()
                if not rest:
                    continue
                _add(found, rest)
                continue
            _add(found, m.group(0))
        out.append(sorted(found.items()))
    return out


def _add(found: dict[str, str], text: str) -> None:
    kd = topic_key(text)
    if kd and kd[0] not in _GENERIC_HEADS and not kd[0].isdigit():
        found.setdefault(kd[0], kd[1])


def extract_topics(texts: Iterable[str], fn: TopicFn | None = None) -> list[list[Topic]]:
    batch = list(texts)
    if fn is not None:
        return fn(batch)
    try:
        return spacy_topics(batch)
    except (RuntimeError, ImportError):
        return regex_topics(batch)
