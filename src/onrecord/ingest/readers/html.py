"""HTML pages: main text and metadata by trafilatura, the publication date by htmldate.

``text`` is trafilatura's extracted main text with the headline on its first line
(as in the plain-text files), so headline quotes can be found and ``title_span``
points at the headline. Offsets refer to this extracted text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import datetime

from onrecord.ingest.build import build_article
from onrecord.ingest.dates import ParsedDate, parse_date
from onrecord.ingest.decode import declared_charset, decode_text
from onrecord.ingest.errors import InputError
from onrecord.ingest.registry import reader
from onrecord.ingest.source import Source
from onrecord.models import Article, Failure

_HTML_START = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S
)
# A page after junk (a PHP warning, a stray line): a doctype, or an <html> tag opening a line.
_HTML_LATER = re.compile(rb"<!doctype\s+html\b|(?:^|\n)[ \t]*<html\b", re.I)
SNIFF_BYTES = 4096
_AUTHOR_SPLIT = re.compile(r"\s*;\s*")
_META_TAG = re.compile(r"<meta\b[^>]*>", re.I)
_ATTRIBUTE = re.compile(r"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
# Publication-date metadata, most trusted first.
_DATE_META_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "publishdate",
    "pubdate",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.created",
    "dc.date",
)
_JSONLD_DATE = re.compile(r'"datePublished"\s*:\s*"([^"]{8,40})"')


# trafilatura and htmldate log warnings about odd pages; with no logging configured
# Python would print them on stderr. A NullHandler keeps them quiet unless the
# application sets up logging itself (the records still propagate to its handlers).
for _name in ("trafilatura", "htmldate", "courlan"):
    logging.getLogger(_name).addHandler(logging.NullHandler())


def sniff_html(head: bytes) -> bool:
    head = head.lstrip(b"\xef\xbb\xbf")[:SNIFF_BYTES]
    return bool(_HTML_START.match(head) or _HTML_LATER.search(head))


def _meta_date(html: str) -> ParsedDate | None:
    """The publication date as the page's own meta tags or JSON-LD state it (time zone kept)."""
    found: dict[str, str] = {}
    for tag in _META_TAG.findall(html):
        attributes = {k.lower(): a or b for k, a, b in _ATTRIBUTE.findall(tag)}
        key = (attributes.get("property") or attributes.get("name") or attributes.get("itemprop") or "").lower()
        if key in _DATE_META_KEYS and attributes.get("content"):
            found.setdefault(key, attributes["content"])
    candidates = [found[key] for key in _DATE_META_KEYS if key in found]
    candidates += _JSONLD_DATE.findall(html)
    for raw in candidates:
        parsed = parse_date(raw)
        if parsed:
            return parsed
    return None


def _html_date(html: str) -> ParsedDate | None:
    """The page's own publication date from its metadata, never guessed from the page text."""
    meta = _meta_date(html)
    if meta:
        return meta
    import htmldate

    try:
        found = htmldate.find_date(
            html,
            extensive_search=False,  # no dates fished out of free text or copyright lines
            original_date=True,
            outputformat="%Y-%m-%dT%H:%M:%S",
            max_date=datetime.now().strftime("%Y-%m-%d"),
        )
    except Exception:  # htmldate on odd markup: no date rather than no article
        return None
    if not found:
        return None
    day, _, time = found.partition("T")
    if time in ("", "00:00:00"):  # htmldate pads a date without time with midnight
        return ParsedDate(day, day, False)
    iso = found[:-3] if time.endswith(":00") else found
    return ParsedDate(iso, found, True)


def article_from_html(
    html: str, *, format: str, source_path: str, source_record: int | None = None, url: str | None = None
) -> Article:
    """One Article from an HTML page (also used for WARC responses)."""
    import trafilatura

    document = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=True, include_images=False
    )
    body = (document.text or "").strip() if document is not None else ""
    if not body:
        raise InputError("no article text found in the HTML page", record=source_record)
    title = (document.title or "").strip() or None
    text = body if title is None or body.startswith(title) else f"{title}\n\n{body}"
    authors = [a for a in _AUTHOR_SPLIT.split(document.author or "") if a]
    extra = {
        key: value
        for key, value in (
            ("description", document.description),
            ("categories", document.categories),
            ("tags", document.tags),
            ("hostname", document.hostname),
        )
        if value
    }
    return build_article(
        text,
        format=format,
        source_path=source_path,
        source_record=source_record,
        title=title,
        url=url or document.url,
        outlet=document.sitename,
        authors=authors,
        published=_html_date(html),
        language=document.language,
        extra=extra,
    )


@reader("html", extensions=(".html", ".htm", ".xhtml", ".shtml"), sniff=sniff_html, priority=30)
def read_html(source: Source) -> Iterator[Article | Failure]:
    data = source.read_bytes()
    decoded = decode_text(data, declared_charset(data))
    article = article_from_html(decoded.text, format="html", source_path=source.name)
    article.extra.update(decoded.extra())
    yield article
