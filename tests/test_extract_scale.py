"""Long and degenerate texts: extraction in pieces, batch isolation, time linear in the input."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from onrecord.models import Article, Quote
from onrecord.quotes import extract as E
from onrecord.quotes import extract_quotes, extract_quotes_batch
from onrecord.quotes.extract import NOT_EXTRACTED, get_nlp

TAIL = (
    "Mayor Lena Olsen opened the new pier on Monday.\n\n"
    '"We will rebuild the harbour before the summer," Olsen said. '
    "According to the port authority, repairs will cost two million valdors.\n"
)


def check_offsets(text: str, qs: list[Quote]) -> None:
    for q in qs:
        for role in (q.content, q.cue, q.source):
            if role is not None:
                assert role.text == " ".join(text[s.start : s.end] for s in role.spans)
                assert all(0 <= s.start < s.end <= len(text) for s in role.spans)


def shape(q: Quote, shift: int = 0) -> tuple:
    """A quote's kind and spans, moved by ``shift``: to compare one found in a long text with the same
    quote found in a short one."""
    def spans(role: Any) -> list[tuple[int, int]] | None:
        return [(s.start - shift, s.end - shift) for s in role.spans] if role else None

    return q.kind, spans(q.content), spans(q.cue), spans(q.source), q.rule, [r.name for r in q.speakers]


def filler(n_chars: int, sep: str) -> str:
    """Varied sentences that hold no quote, no colon and no cue word (so nothing of them is parsed)."""
    out, n, i = [], 0, 0
    while n < n_chars:
        s = f"The weather stayed mild and dry across valley {i} all week."
        out.append(s)
        n += len(s) + len(sep)
        i += 1
    return sep.join(out) + sep


def test_a_text_over_a_million_characters_in_paragraphs() -> None:
    head = "Mayor Lena Olsen spoke to the council.\n\n"
    body = filler(1_050_000, "\n\n")
    text = head + body + TAIL
    assert len(text) > 1_000_000
    art = Article(id="long", text=text, language="en")
    assert len(E.pieces(art)) > 1
    qs = extract_quotes(art)
    check_offsets(text, qs)
    start = len(head) + len(body)
    last = [q for q in qs if q.start >= start]
    short = extract_quotes(Article(id="short", text=TAIL, language="en"))
    assert short and [shape(q, start) for q in last] == [shape(q) for q in short]
    said = next(q for q in last if q.kind == "direct")
    assert text[said.content.spans[0].start : said.content.spans[-1].end].startswith("We will rebuild")
    assert said.speakers[0].name == "Lena Olsen"


def test_a_million_character_line_that_is_all_parsed() -> None:
    # every sentence has a colon, so the whole line is one paragraph to parse (spaCy refused it: E088);
    # long words keep the parse to few tokens
    word = "x" * 90
    sentences = [f"Note {i}: {word} {word} {word} {word}." for i in range(2800)]
    line = " ".join(sentences) + " "
    tail = '"We will rebuild the harbour before the summer," Mayor Lena Olsen said.'
    text = line + tail
    assert len(text) > 1_000_000 and "\n" not in text
    art = Article(id="line", text=text, language="en")
    qs = extract_quotes(art)
    check_offsets(text, qs)
    (q,) = [q for q in qs if q.start >= len(line)]
    s = q.content.spans[0]
    assert text[s.start : s.end].startswith("We will rebuild the harbour before the summer")
    assert q.speakers and q.speakers[0].name == "Lena Olsen"


# --------------------------------------------------------------------------- isolation
ARTICLES = [
    "Harbour master Lena Olsen said on Monday that the storm had damaged three piers.",
    '"We will rebuild the BOOM piers before the season," Mayor Ana Petrov said.',
    '"The council will pay for the repairs," Mayor Marek Novak told reporters on Tuesday.',
]


def _batch() -> list[Article]:
    return [Article(id=f"a{i}", text=t, language="en") for i, t in enumerate(ARTICLES)]


def _expected() -> list[list[tuple]]:
    return [[shape(q) for q in qs] for qs in extract_quotes_batch(_batch())]


def test_an_article_that_breaks_quote_building_costs_only_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    want = _expected()
    assert all(want)
    real = E.ArticleRun.piece_quotes

    def flaky(self: E.ArticleRun, i: int, parsed: list) -> list[Quote]:
        if "BOOM" in self.article.text:
            raise RuntimeError("a bug")
        return real(self, i, parsed)

    monkeypatch.setattr(E.ArticleRun, "piece_quotes", flaky)
    arts = _batch()
    got = list(extract_quotes_batch(arts))
    assert [[shape(q) for q in qs] for qs in got] == [want[0], [], want[2]]
    assert arts[1].extra[NOT_EXTRACTED].startswith("extraction failed: RuntimeError")
    assert NOT_EXTRACTED not in arts[0].extra and NOT_EXTRACTED not in arts[2].extra


def test_an_article_that_breaks_planning_costs_only_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    want = _expected()
    real = E.units

    def flaky(article: Article, piece: Any = None, **kw: Any) -> list:
        if "BOOM" in article.text:
            raise ValueError("no units")
        return real(article, piece, **kw)

    monkeypatch.setattr(E, "units", flaky)
    arts = _batch()
    got = list(extract_quotes_batch(arts))
    assert [[shape(q) for q in qs] for qs in got] == [want[0], [], want[2]]
    assert "no units" in arts[1].extra[NOT_EXTRACTED]


class FlakyParser:
    """The real model, except that it fails on any text holding BOOM (as spaCy does on E088)."""

    def __init__(self) -> None:
        self.nlp = get_nlp()

    def pipe(self, texts: Iterable[str], batch_size: int = 32) -> Iterator[Any]:
        for t in texts:
            if "BOOM" in t:
                raise ValueError("[E088] too long")
            yield from self.nlp.pipe([t])


def test_an_article_the_parser_fails_on_costs_only_itself() -> None:
    want = _expected()
    arts = _batch()
    got = list(extract_quotes_batch(arts, nlp=FlakyParser()))
    assert [[shape(q) for q in qs] for qs in got] == [want[0], [], want[2]]
    assert "E088" in arts[1].extra[NOT_EXTRACTED]
    # the marker goes when the article is extracted again and works
    assert extract_quotes(arts[1]) and NOT_EXTRACTED not in arts[1].extra


# --------------------------------------------------------------------------- linearity
def _cpu(make: Callable[[int], str], n: int, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        art = Article(id="x", text=make(n), language="en")
        t0 = time.process_time()
        extract_quotes(art)
        best = min(best, time.process_time() - t0)
    return best


CASES = {
    "straight marks": (lambda n: " ".join(['"word'] * n), 4000),
    "curly marks": (lambda n: " ".join(["\u201cword"] * n), 4000),
    "marks alone": (lambda n: "\u201c" * n, 4000),
    "run of >": (lambda n: '"' + ">" * n + '," she said.', 8000),
    "run of letters": (lambda n: '"' + "a" * (50 * n) + '," she said.', 8000),
}


@pytest.mark.parametrize("case", list(CASES))
def test_time_grows_linearly(case: str) -> None:
    """8 times the input may take about 8 times as long, never the 64 times of a quadratic step."""
    make, n = CASES[case]
    get_nlp()
    small = _cpu(make, n // 8, repeat=3)
    large = _cpu(make, n)
    assert large < 20 * max(small, 0.01), (case, small, large)
