"""Quotation extraction and in-article attribution.

``extract_quotes(article)`` finds direct, indirect and mixed quotes with their cue, source
and speakers; ``extract_quotes_batch(articles)`` does the same for many articles with
one batched spaCy pass.  See ``docs/architecture.md``.
"""

from __future__ import annotations

from .extract import extract_quotes, extract_quotes_batch

__all__ = ["extract_quotes", "extract_quotes_batch"]
