"""The normalised body of an article and the id derived from it.

Two articles get the same id when their bodies say the same words: the title and
every skip range (bylines, credits, repeated blocks) are left out, then Unicode
compatibility forms, case, punctuation and whitespace are all flattened. So an
exact copy under another file name, or wrapped in other boilerplate, has the same id.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from onrecord.models import Article

ID_LENGTH = 16
_NOT_WORD = re.compile(r"[\W_]+")
# Every ASCII character the regex above treats as a separator, mapped to a space.
_ASCII_SEPARATORS = {c: " " for c in range(128) if _NOT_WORD.fullmatch(chr(c))}


def normalise_string(text: str) -> str:
    """NFKC, casefolded, every run of punctuation/whitespace turned into one space."""
    text = unicodedata.normalize("NFKC", text).casefold()
    if text.isascii():  # same result as the regex, ~5x faster
        return " ".join(text.translate(_ASCII_SEPARATORS).split())
    return _NOT_WORD.sub(" ", text).strip()


def normalise_body(article: Article) -> str:
    """The article's text outside its skip ranges and title, normalised for comparison."""
    text = article.text
    title = article.title_span
    pieces: list[str] = []
    for span in article.body_ranges():
        if title and span.start < title.end and title.start < span.end:
            # Cut the headline out of this stretch.
            if span.start < title.start:
                pieces.append(text[span.start : title.start])
            if title.end < span.end:
                pieces.append(text[title.end : span.end])
        else:
            pieces.append(text[span.start : span.end])
    return normalise_string(" ".join(pieces))


def hash_id(normalised: str) -> str:
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:ID_LENGTH]


def article_id(text_or_article: Article | str) -> str:
    """First 16 hex digits of the sha256 of the normalised body.

    A string is read the way the plain-text reader reads a file (its first line is the
    title, header and boilerplate lines are skipped), so ``article_id(text)`` equals
    the id of a .txt file holding ``text``.
    """
    if isinstance(text_or_article, str):
        from onrecord.ingest.build import build_article

        return build_article(text_or_article, format="text").id
    body = normalise_body(text_or_article)
    if not body:  # nothing but a headline: fall back to everything, so ids still differ
        body = normalise_string(text_or_article.text)
    return hash_id(body)
