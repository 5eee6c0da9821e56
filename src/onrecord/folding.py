"""One name fold for every door: linking, the store's alias index, CLI, API and web filters.

"Radosław Sikorski", "Radoslaw  Sikorski" and "RADOSLAW SIKORSKI" must meet, so the fold
lower-cases, strips diacritics, maps letters NFKD leaves whole (ł, ø, ß, …) and
collapses spaces. Two folds that disagree make a speaker unfindable by one spelling.
"""

from __future__ import annotations

import unicodedata
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
