"""Small HTML fragments (feed entries) to plain text, keeping paragraph breaks.

trafilatura is built for whole pages and drops short fragments as boilerplate, so
feed entries get this simpler conversion: block tags become blank lines, the rest
of the markup goes, entities are decoded.
"""

from __future__ import annotations

import html
import re

_DROP = re.compile(r"<(script|style|noscript|template)\b.*?</\1\s*>|<!--.*?-->", re.I | re.S)
_BREAK = re.compile(r"<br\s*/?>", re.I)
_BLOCK = re.compile(
    r"</?(?:p|div|section|article|blockquote|h[1-6]|ul|ol|li|table|tr|figure|figcaption|header|footer)\b[^>]*>",
    re.I,
)
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"[ \t\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\s*\n\s*\n\s*")
_LOOKS_LIKE_HTML = re.compile(r"<[a-zA-Z!/][^>]*>|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")


def looks_like_html(text: str) -> bool:
    return bool(_LOOKS_LIKE_HTML.search(text))


def html_to_text(fragment: str) -> str:
    text = _DROP.sub("", fragment)
    text = _BREAK.sub("\n", text)
    text = _BLOCK.sub("\n\n", text)
    text = html.unescape(_TAG.sub("", text))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
