"""Turn text plus whatever metadata a reader found into a finished ``Article``.

Every reader ends here, so all formats get the same header reading, cleaning,
language guess and id. Metadata given by the input (a JSONL field, an HTML meta
tag) wins over what the header lines say; the header only fills the gaps.
"""

from __future__ import annotations

import re
from typing import Any

from onrecord.ingest.clean import compute_skip_ranges
from onrecord.ingest.dates import ParsedDate, date_from_value
from onrecord.ingest.header import analyse_header
from onrecord.ingest.language import guess_language, language_code
from onrecord.ingest.normalise import article_id
from onrecord.ingest.textlines import split_lines
from onrecord.models import Article

# C0 controls other than tab, LF and CR, plus lone surrogates (JSON "\\ud800"): databases
# refuse them (PostgreSQL rejects NUL) and no reader means them as text. The
# line-separating ones become a newline so that the lines they separate stay apart.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
_LINE_BREAK_CONTROLS = frozenset("\x0b\x0c\x1c\x1d\x1e")


def _replacement(match: re.Match[str]) -> str:
    return "\n" if match.group() in _LINE_BREAK_CONTROLS else ""


def scrub(value: str) -> str:
    """``value`` without control characters (line-breaking ones become "\\n")."""
    return _CONTROLS.sub(_replacement, value) if _CONTROLS.search(value) else value


def scrub_value(value: Any) -> Any:
    """``scrub`` applied to every string inside a JSON-like value (``extra`` goes to the database too)."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {scrub(str(k)): scrub_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub_value(v) for v in value]
    return value


def build_article(
    text: str,
    *,
    format: str,
    source_path: str | None = None,
    source_record: int | None = None,
    title: str | None = None,
    url: str | None = None,
    outlet: str | None = None,
    authors: list[str] | None = None,
    published: Any = None,
    language: str | None = None,
    extra: dict[str, Any] | None = None,
) -> Article:
    """An Article for ``text`` (kept verbatim) with skip ranges, language and id set.

    ``published`` may be a string, a ``ParsedDate``, a datetime or epoch seconds; when
    it cannot be read it is kept in ``extra["unparsed_date"]`` and the header is tried.
    Plain text (``format="text"``) without a ``title`` takes its first line as title.
    Control characters are removed from ``text`` and the metadata first (see ``scrub``),
    so every offset points into the text as stored.
    """
    text = scrub(text)
    title, url, outlet, authors = (scrub_value(v) for v in (title, url, outlet, authors))
    extra = scrub_value(dict(extra or {}))
    lines = split_lines(text)
    header = analyse_header(
        text,
        known_title=title,
        first_line_is_title=format == "text",
        lines=lines,
    )
    date: ParsedDate | None = published if isinstance(published, ParsedDate) else date_from_value(published)
    if published is not None and date is None and str(published).strip():
        extra["unparsed_date"] = str(published)
    date = date or header.date
    if not authors and header.byline_is_desk and header.byline:
        extra.setdefault("byline", header.byline)
        extra.setdefault("byline_is_desk", True)
    article = Article(
        id="",
        text=text,
        title=(title or header.title or None),
        outlet=outlet or header.outlet,
        url=url,
        authors=list(authors) if authors else list(header.authors),
        published=date.iso if date else None,
        published_raw=date.raw if date else None,
        language=language_code(language) or guess_language(text[header.body_start :]),
        source_path=source_path,
        source_record=source_record,
        format=format,
        title_span=header.title_span,
        skip_ranges=compute_skip_ranges(text, header=header, lines=lines),
        extra=extra,
    )
    article.id = article_id(article)
    return article
