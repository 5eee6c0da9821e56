"""The five seed articles: titles, dates, byline, boilerplate and the doubled body of 002."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import SEEDS, seed
from onrecord.ingest import normalise_body, read_inputs
from onrecord.models import Article, Failure

pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"seed corpus not found at {SEEDS}")


def read_one(path: Path) -> Article:
    (item,) = list(read_inputs([str(path)]))
    assert isinstance(item, Article), str(item)
    return item


def ranges(article: Article, reason: str) -> list[str]:
    return [article.text[r.start : r.end] for r in article.skip_ranges if r.reason == reason]


EXPECTED = {
    "000": (
        "Assistant Secretary General: NATO is fully capable of defending itself against Russia",
        "2024-01-18T10:39",
    ),
    "001": (
        "There is no direct threat from Russia to NATO countries, but we are vigilant – NATO Secretary General",
        "2024-01-23T16:43",
    ),
    "002": ("Stoltenberg: NATO sees no direct threat from Russia to its members", None),
    "003": ("NATO stands firm: Resolute in the face of russian threats", "2024-10-15T10:12"),
    "004": ("NATO considers Russia a threat", "2021-03-23"),
}


@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_seed_title_and_date(prefix: str) -> None:
    article = read_one(seed(prefix))
    title, published = EXPECTED[prefix]
    assert article.title == title
    assert article.title_span is not None
    assert article.text[article.title_span.start : article.title_span.end] == title
    assert article.published == published
    assert article.format == "text"
    assert article.source_path == str(seed(prefix))
    assert article.source_record is None
    assert article.language == "en"


def test_all_five_seeds_read_from_the_folder() -> None:
    items = list(read_inputs([str(SEEDS)]))
    assert [type(i) for i in items] == [Article] * 5
    assert [Path(a.source_path).name[:3] for a in items] == ["000", "001", "002", "003", "004"]
    assert len({a.id for a in items}) == 5


@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_seed_text_is_the_file_verbatim(prefix: str) -> None:
    path = seed(prefix)
    article = read_one(path)
    assert article.text == path.read_bytes().decode("utf-8")


def test_published_raw_is_the_string_read() -> None:
    assert read_one(seed("000")).published_raw == "18 January 2024, 10:39"
    assert read_one(seed("004")).published_raw == "Tuesday – March 23, 2021"
    assert read_one(seed("003")).published_raw == "15 October 2024 10:12"
    article = read_one(seed("002"))
    assert article.published is None and article.published_raw is None


def test_seed_002_doubled_body_is_one_repeated_block() -> None:
    article = read_one(seed("002"))
    blocks = [r for r in article.skip_ranges if r.reason == "repeated-block"]
    assert len(blocks) == 1
    block = blocks[0]
    text = article.text
    first_para = "NATO Secretary General Jens Stoltenberg said that he does not yet see a direct threat"
    second_copy_start = text.index(first_para, text.index(first_para) + 1)
    assert block.start == second_copy_start
    assert block.end == len(text.rstrip())
    # The body outside the block says everything once.
    kept = " ".join(text[s.start : s.end] for s in article.body_ranges())
    assert kept.count(first_para) == 1
    assert kept.count("will be the largest exercise in decades for NATO") == 1
    # The title's second copy is a header skip, the first stays readable.
    assert ranges(article, "header:title-copy") == [article.title]
    assert not article.in_skip_range(article.title_span.start, article.title_span.end)


def test_seed_003_label_credit_and_caption_are_boilerplate() -> None:
    article = read_one(seed("003"))
    assert ranges(article, "boilerplate:category-label") == ["News"]
    label = next(r for r in article.skip_ranges if r.reason == "boilerplate:category-label")
    assert (label.start, label.end) == (0, 4)
    assert ranges(article, "boilerplate:image-credit") == ["Images source: © Getty Images | Anadolu"]
    assert ranges(article, "boilerplate:caption") == ["NATO Secretary General Mark Rutte"] * 2
    assert ranges(article, "header:date") == ["15 October 2024 10:12"]
    assert ranges(article, "boilerplate:author") == ["Katarzyna Bogdańska"]
    assert article.authors == ["Katarzyna Bogdańska"]
    # The title starts right after the glued label and is not skipped.
    assert article.title_span is not None and article.title_span.start == 4
    assert not article.in_skip_range(article.title_span.start, article.title_span.end)
    # The first body sentence, with its quote, is not skipped.
    quote = article.text.index('"NATO will not be cowed')
    assert not article.in_skip_range(quote, quote + 10)


def test_seed_004_desk_byline_is_boilerplate_not_a_person() -> None:
    article = read_one(seed("004"))
    assert ranges(article, "boilerplate:byline") == ["By Monitoring Desk"]
    assert article.authors == ["Monitoring Desk"]
    assert article.extra.get("byline_is_desk") is True
    assert ranges(article, "header:date") == ["Tuesday – March 23, 2021"]
    # The dateline-led first paragraph is body text.
    start = article.text.index("BRUSSELS (Belgium)")
    assert not article.in_skip_range(start, start + 20)


@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_every_skip_range_lies_inside_the_text(prefix: str) -> None:
    article = read_one(seed(prefix))
    for r in article.skip_ranges:
        assert 0 <= r.start < r.end <= len(article.text)
        assert article.text[r.start : r.end].strip(), r
    assert article.skip_ranges == sorted(article.skip_ranges, key=lambda r: (r.start, r.end))


def test_seeds_000_and_001_have_only_the_dateline_skipped() -> None:
    for prefix in ("000", "001"):
        article = read_one(seed(prefix))
        assert [r.reason for r in article.skip_ranges] == ["header:date"]


def test_exact_copy_of_a_seed_under_another_name_has_the_same_id(tmp_path: Path) -> None:
    original = read_one(seed("001"))
    copy = tmp_path / "some-other-name.txt"
    shutil.copyfile(seed("001"), copy)
    copied = read_one(copy)
    assert copied.id == original.id
    assert copied.source_path != original.source_path


def test_copy_with_other_boilerplate_and_line_endings_has_the_same_id(tmp_path: Path) -> None:
    original = read_one(seed("003"))
    body = original.text.split("15 October 2024 10:12", 1)[1]
    other = "NATO stands firm: Resolute in the face of russian threats\r\n\r\nBy Staff Reporter\r\n" + body.replace(
        "\n", "\r\n"
    )
    path = tmp_path / "mirror.txt"
    path.write_bytes(other.encode("utf-8"))
    mirrored = read_one(path)
    assert normalise_body(mirrored) == normalise_body(original)
    assert mirrored.id == original.id


def test_id_is_16_hex_characters() -> None:
    article = read_one(seed("000"))
    assert len(article.id) == 16
    int(article.id, 16)


def test_no_failures_for_seeds() -> None:
    assert not [i for i in read_inputs([str(SEEDS)]) if isinstance(i, Failure)]
