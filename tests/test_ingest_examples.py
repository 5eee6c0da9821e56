"""The bundled example corpus reads cleanly and holds every case the demo relies on."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from conftest import EXAMPLES
from onrecord.ingest import read_inputs
from onrecord.models import Article, Failure


@pytest.fixture(scope="module")
def corpus() -> list[Article]:
    items = list(read_inputs([str(EXAMPLES)]))
    failures = [i for i in items if isinstance(i, Failure)]
    assert not failures, [str(f) for f in failures]
    return items  # type: ignore[return-value]


def by_file(corpus: list[Article], name: str) -> list[Article]:
    return [a for a in corpus if Path(a.source_path).name == name]


def test_every_format_is_present(corpus: list[Article]) -> None:
    assert Counter(a.format for a in corpus) == {"text": 9, "html": 1, "jsonl": 3, "feed": 2, "warc": 2}
    assert all(a.language == "en" for a in corpus)
    assert all(a.title for a in corpus)


def test_exact_copy_under_another_name_shares_the_id(corpus: list[Article]) -> None:
    (original,) = by_file(corpus, "2023-06-12_valdoria-herald_reyes-leak-plan.txt")
    (mirror,) = by_file(corpus, "marenza-today_reyes-leak-plan_mirror.txt")
    assert original.id == mirror.id
    assert Counter(a.id for a in corpus).most_common(1)[0][1] == 2  # the only duplicate id


def test_syndicated_copy_is_near_but_not_exact(corpus: list[Article]) -> None:
    (wire,) = by_file(corpus, "2023-03-30_vpa-wire_petrov-steps-down.txt")
    (copy,) = by_file(corpus, "2023-03-31_coastal-times_new-water-chief.txt")
    assert wire.id != copy.id
    assert wire.title != copy.title
    shared = "Reyes, 48, joined the Authority in 2009 as a hydraulic engineer."
    assert shared in wire.text and shared in copy.text
    assert [copy.text[r.start : r.end] for r in copy.skip_ranges if r.reason == "boilerplate:read-more"] == [
        "Read the rest here"
    ]


def test_repeated_block(corpus: list[Article]) -> None:
    (article,) = by_file(corpus, "2023-09-05_harbour-news_brine-study.txt")
    (block,) = [r for r in article.skip_ranges if r.reason == "repeated-block"]
    second = article.text.rindex("A study by the University of Marenza")
    assert (block.start, block.end) == (second, len(article.text.rstrip()))
    reasons = {r.reason for r in article.skip_ranges}
    assert {"boilerplate:image-credit", "boilerplate:caption", "header:date"} <= reasons


def test_one_article_has_no_date(corpus: list[Article]) -> None:
    undated = [a for a in corpus if a.published is None]
    assert [Path(a.source_path).name for a in undated] == ["consumer-voice_tariffs-opinion.txt"]


def test_dates_come_in_several_formats(corpus: list[Article]) -> None:
    raws = {a.published_raw for a in corpus if a.published_raw}
    assert "Tuesday – February 14, 2023" in raws  # weekday – Month d, yyyy
    assert "4 November 2022, 09:15" in raws  # d Month yyyy, hh:mm
    assert "2022-08-19T14:05:00Z" in raws  # ISO
    assert "Mon, 11 Dec 2023 08:00:00 +0100" in raws  # RFC 822
    assert "May 3, 2023" in raws


def test_director_general_changes_hands(corpus: list[Article]) -> None:
    """Petrov holds the title before April 2023, Reyes after; a later article names only the title."""
    title = r"Director General"
    petrov = [a for a in corpus if a.published and "Ana Petrov" in a.text and re.search(title, a.text)]
    reyes = [a for a in corpus if a.published and "Tomas Reyes" in a.text and re.search(title, a.text)]
    assert petrov and reyes
    assert max(a.published[:10] for a in petrov if "successor" not in a.text) < "2023-04-01"
    assert min(a.published[:10] for a in reyes if "successor" not in a.text) >= "2023-04-01"
    bare = [a for a in corpus if "Director General" in a.text and "Reyes" not in a.text and "Petrov" not in a.text]
    assert bare and all(a.published[:10] > "2023-04-01" for a in bare)


def test_quote_styles_are_all_represented(corpus: list[Article]) -> None:
    texts = "\n".join(a.text for a in corpus)
    assert '," she said.' in texts or '," he said.' in texts  # pronoun attribution
    assert "“" in texts and '"' in texts  # curly and straight quotes
    assert "said that" in texts  # indirect speech
    assert "According to" in texts or "according to" in texts
    assert "the Authority's Director General said" in texts  # attribution by title only


def test_warc_generator_is_reproducible(tmp_path: Path) -> None:
    import importlib.util

    script = EXAMPLES.parent / "make_warc.py"
    spec = importlib.util.spec_from_file_location("make_warc", script)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rebuilt = module.build(tmp_path / "crawl.warc.gz")
    assert rebuilt.read_bytes() == (EXAMPLES / "crawl_2022-2024.warc.gz").read_bytes()
