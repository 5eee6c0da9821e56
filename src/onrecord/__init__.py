"""onrecord: who said what, when, and who reported it."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def extract(text: str, **metadata: Any):  # -> ExtractedArticle
    """Run the article pipeline on one text, without a database.

    ``metadata`` takes Article fields (title, outlet, url, published, ...).
    Returns an ``ExtractedArticle`` with ``article`` and ``quotes``.
    """
    from onrecord.pipeline import extract_text

    return extract_text(text, **metadata)
