"""Cheap story features: proper-noun phrases, content words, the date.

Everything here is regex and dictionaries (no spaCy), so it costs well under
a millisecond for a short article. Entities are read from the verbatim text
(outside skip ranges), where capitalisation survives; content words come
from the normalised body.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from datetime import date
from itertools import repeat

import numpy as np

from onrecord.models import Article
from onrecord.stopwords import ENGLISH, NEWS

STOPWORDS = ENGLISH | NEWS  # news filler ("said", "monday", "percent") says nothing of the story

# Capitalised words (with internal apostrophes, hyphens, dots: O'Brien, U.S.)
# joined by spaces or a few lowercase connectors ("Bank of England").
_CAP = r"[A-Z][\w'’.\-]*\w|[A-Z]"
_ENTITY = re.compile(rf"(?:{_CAP})(?:\s(?:(?:of|de|la|von|van|al|bin)\s)?(?:{_CAP}))*")
_CONTENT = re.compile(r"[^\W\d_][\w'’\-]*[^\W_]")
_POSSESSIVE = re.compile(r"['’]s$")
_SENTENCE_WORDS = frozenset(w.capitalize() for w in STOPWORDS)

ENTITY_PREFIX = "e:"


def body_text(article: Article) -> str:
    """The verbatim text outside skip ranges (title included when it is there)."""
    return "\n".join(s.slice(article.text) for s in article.body_ranges())


def _clean_entity(phrase: str) -> str:
    words = [_POSSESSIVE.sub("", w).strip(".-'’") for w in phrase.split()]
    while words and words[0] in _SENTENCE_WORDS:  # "The White House", "But Obama"
        words.pop(0)
    return " ".join(w for w in words if w).lower()


def entities(text: str, lowercase_words: set[str] | frozenset[str] = frozenset()) -> Counter[str]:
    """Proper-noun phrases with counts, lowercased.

    A single capitalised word that also occurs in lowercase in the same text
    (sentence-initial "Officials", "Earlier") is dropped; a multi-word phrase
    also counts its last word, so "Jens Stoltenberg" meets a later "Stoltenberg".
    """
    out: Counter[str] = Counter()
    for m in _ENTITY.finditer(text):
        name = _clean_entity(m.group())
        if len(name) < 2:
            continue
        parts = name.split()
        if len(parts) == 1:
            if name in STOPWORDS or name in lowercase_words:
                continue
            out[name] += 1
        else:
            out[name] += 1
            if parts[-1] not in STOPWORDS and len(parts[-1]) > 2:
                out[parts[-1]] += 1
    return out


def content_words(body: str) -> Counter[str]:
    """Casefolded words of three letters or more that are not stopwords."""
    words = (w for w in _CONTENT.findall(body.casefold()) if len(w) > 2)
    return Counter(w for w in words if w not in STOPWORDS)


def raw_terms(article: Article, body: str) -> Counter[str]:
    """Term counts of one article: content words plus ``e:``-prefixed entities."""
    words = content_words(body)
    ents = entities(body_text(article), lowercase_words=set(words))
    terms: Counter[str] = Counter(words)
    for name, n in ents.items():
        terms[ENTITY_PREFIX + name] = n
    return terms


def weigh(
    terms: Counter[str],
    df: dict[str, int],
    documents: int,
    top_k: int,
    entity_boost: float = 1.0,
) -> dict[str, float]:
    """Top-k terms by sublinear tf x idf, L2-normalised (cosine = dot product).

    idf = log((documents + 1) / (df + 1)); entities weigh ``entity_boost`` times more.
    Vectorised: one numpy pass over the article's distinct terms; ties at the
    top-k boundary go to the alphabetically first term, highest weight first.
    """
    if not terms:
        return {}
    keys = list(terms)
    n = len(keys)
    tf = np.fromiter(terms.values(), dtype=np.float64, count=n)
    dfs = np.fromiter(map(df.get, keys, repeat(0)), dtype=np.float64, count=n)
    w = (1.0 + np.log(tf)) * (math.log(documents + 1) - np.log(dfs + 1.0))
    if entity_boost != 1.0:
        ents = np.fromiter((k.startswith(ENTITY_PREFIX) for k in keys), dtype=bool, count=n)
        w[ents] *= entity_boost
    pos = np.flatnonzero(w > 0)
    if len(pos) > top_k:
        cut = np.partition(w[pos], len(pos) - top_k)[len(pos) - top_k]
        pos = pos[w[pos] >= cut]
    top = sorted(zip((-w[pos]).tolist(), [keys[i] for i in pos.tolist()], strict=True))[:top_k]
    vals = np.array([-x for x, _ in top], dtype=np.float64)
    norm = math.sqrt(float(vals @ vals)) or 1.0
    return dict(zip([t for _, t in top], np.round(vals / norm, 5).tolist(), strict=True))


def iso_day(published: str | None) -> int | None:
    """Day number (proleptic ordinal) of an ISO 8601 date-time, None when absent/unreadable."""
    if not published or len(published) < 10:
        return None
    try:
        return date.fromisoformat(published[:10]).toordinal()
    except ValueError:
        return None

