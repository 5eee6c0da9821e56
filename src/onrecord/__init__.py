"""onrecord: who said what, when, and who reported it."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def extract(text: str, *, settings: Any = None, **metadata: Any):  # -> ExtractedArticle
    """Run the article pipeline on one text, without a database.

    ``metadata`` takes Article fields (title, outlet, url, published, ...); ``settings`` an
    ``onrecord.quotes.settings.ExtractSettings`` (default: the shipped floors and switches).
    Returns an ``ExtractedArticle`` with ``article`` and ``quotes``.
    """
    from onrecord.pipeline import extract_text  # `import onrecord` stays light

    return extract_text(text, settings=settings, **metadata)
