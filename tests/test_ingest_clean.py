"""Cleaning detectors, body normalisation and ids, language guess."""

from __future__ import annotations

import pytest

from onrecord.ingest import article_from_text, article_id, compute_skip_ranges, guess_language, normalise_body
from onrecord.ingest.clean import DETECTORS, merge_ranges
from onrecord.ingest.header import LINE_CLASSIFIERS, strip_category_label
from onrecord.ingest.normalise import normalise_string
from onrecord.models import SkipRange

BODY = (
    "The Coastal Water Authority said on Monday that water rationing would end in May.\n\n"
    '"The reservoirs are full again," the Authority\'s spokesperson said.\n\n'
    "Officials said that the eastern districts would be the last to get full supply back.\n"
)


def skipped(text: str) -> dict[str, str]:
    return {text[r.start : r.end]: r.reason for r in compute_skip_ranges(text)}


def test_registries_hold_the_detectors() -> None:
    assert list(DETECTORS) == ["header", "boilerplate-lines", "repeated-block"]
    assert [name for name, _ in LINE_CLASSIFIERS] == [
        "title-copy",
        "date",
        "byline",
        "image-credit",
        "caption",
        "author",
    ]


def test_clean_article_has_no_skip_ranges() -> None:
    assert compute_skip_ranges("Rationing to end in May\n\n" + BODY) == []


def test_cleaning_never_changes_the_text() -> None:
    text = "NewsRationing to end in May\n\nRationing to end in May\n\nBy Staff Reporter\n\n" + BODY + BODY
    article = article_from_text(text)
    assert article.text is text or article.text == text
    assert article.title == "Rationing to end in May"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("Images source: © Getty Images | Anadolu", "boilerplate:image-credit"),
        ("Photo: Reuters", "boilerplate:image-credit"),
        ("Photo credit: Ana Example/Valdoria Herald", "boilerplate:image-credit"),
        ("© 2024 Valdoria Herald. All rights reserved.", "boilerplate:copyright"),
        ("Read the rest here", "boilerplate:read-more"),
        ("Read more: Water prices rise again", "boilerplate:read-more"),
        ("Follow us on Twitter and Facebook", "boilerplate:follow"),
        ("Share this article", "boilerplate:share"),
        ("Share on Facebook | Twitter | WhatsApp", "boilerplate:share"),
        ("Facebook Twitter Email", "boilerplate:share"),
        ("Sign up for our daily newsletter", "boilerplate:newsletter"),
        ("Advertisement", "boilerplate:advert"),
    ],
)
def test_boilerplate_lines_anywhere_in_the_body(line: str, reason: str) -> None:
    text = "Rationing to end in May\n\n" + BODY + "\n" + line + "\n\nMore body text follows here, as usual.\n"
    assert skipped(text) == {line: reason}


def test_sentences_mentioning_boilerplate_words_are_kept() -> None:
    text = (
        "Rationing to end in May\n\n"
        "Images by satellite showed the reservoir was empty.\n\n"
        "Residents can read more about the plan on the Authority's website, the minister said on Monday.\n\n"
        "She asked people to share this information with their neighbours who do not use the internet.\n"
    )
    assert compute_skip_ranges(text) == []


def test_header_lines_date_byline_author_caption() -> None:
    text = (
        "Rationing to end in May\n"
        "Rationing to end in May\n"
        "A dry reservoir near Marenza\n"
        "Photo: Valdoria Herald\n"
        "Ana Example\n"
        "Valdoria Herald | 3 April 2023, 08:15\n\n" + BODY
    )
    article = article_from_text(text)
    assert {text[r.start : r.end]: r.reason for r in article.skip_ranges} == {
        "Rationing to end in May": "header:title-copy",
        "A dry reservoir near Marenza": "boilerplate:caption",
        "Photo: Valdoria Herald": "boilerplate:image-credit",
        "Ana Example": "boilerplate:author",
        "Valdoria Herald | 3 April 2023, 08:15": "header:date",
    }
    assert article.title_span is not None and article.title_span.start == 0
    assert article.published == "2023-04-03T08:15"
    assert article.outlet == "Valdoria Herald"
    assert article.authors == ["Ana Example"]


def test_title_cased_standfirst_is_not_taken_for_an_author() -> None:
    article = article_from_text("Rationing to end in May\n\nGood News For Marenza\n\n" + BODY)
    assert article.authors == []
    assert article.skip_ranges == []


def test_person_byline_gives_authors() -> None:
    article = article_from_text("Rationing to end in May\n\nBy Ana Example and Ivo Sample\n\n" + BODY)
    assert article.authors == ["Ana Example", "Ivo Sample"]
    assert "byline_is_desk" not in article.extra


@pytest.mark.parametrize(
    ("line", "label_length", "rest"),
    [
        ("NewsNATO stands firm: Resolute", 4, "NATO stands firm: Resolute"),
        ("WorldWater prices rise in Marenza", 5, "Water prices rise in Marenza"),
        ("Politics | Parliament approves the budget", 11, "Parliament approves the budget"),
        ("Newsweek reports on water", 0, "Newsweek reports on water"),
        ("News of the day: water prices rise", 0, "News of the day: water prices rise"),
        ("NewsFlash", 0, "NewsFlash"),
    ],
)
def test_category_label_glued_to_the_title(line: str, label_length: int, rest: str) -> None:
    assert strip_category_label(line) == (label_length, rest)


def test_repeated_block_whitespace_insensitive() -> None:
    copy = BODY.replace("\n\n", "\n\n\n").replace(" would ", "  would\n")
    text = "Rationing to end in May\n\n" + BODY + "\n\n" + copy
    ranges = compute_skip_ranges(text)
    assert [r.reason for r in ranges] == ["repeated-block"]
    (block,) = ranges
    assert block.start == text.index("The Coastal Water Authority", len("Rationing") + len(BODY))
    assert block.end == len(text.rstrip())


def test_single_repeated_paragraph_is_skipped_but_short_repeats_are_not() -> None:
    pull_quote = '"The reservoirs are full again," the Authority\'s spokesperson said.'
    text = "Rationing to end in May\n\n" + BODY + "\nWhat next\n\nSome more words here.\n\nWhat next\n\nEnd.\n"
    assert compute_skip_ranges(text) == []  # a short subheading seen twice stays
    text += "\n" + pull_quote + "\n"
    ranges = compute_skip_ranges(text)
    assert [(text[r.start : r.end], r.reason) for r in ranges] == [(pull_quote, "repeated-block")]


def test_repeated_block_with_the_title_repeated_too() -> None:
    text = "Rationing to end in May\n\n" + BODY + "\nRationing to end in May\n\n" + BODY
    ranges = compute_skip_ranges(text)
    assert len(ranges) == 1 and ranges[0].reason == "repeated-block"
    assert text[ranges[0].start :].startswith("Rationing to end in May\n\nThe Coastal")


def test_merge_drops_duplicates_and_contained_ranges() -> None:
    merged = merge_ranges(
        [SkipRange(5, 10, "a"), SkipRange(0, 20, "b"), SkipRange(5, 10, "a"), SkipRange(30, 30, "empty")]
    )
    assert merged == [SkipRange(0, 20, "b")]


# --- normalisation and ids -----------------------------------------------------------------------------------


def test_normalise_string_is_case_punctuation_width_and_space_insensitive() -> None:
    assert normalise_string("“Hello,”  WORLD—again\n\tＦｕｌｌ") == "hello world again full"
    assert normalise_string('said "no" - don\'t') == normalise_string("said “no” – don’t")


def test_ascii_fast_path_agrees_with_the_general_path() -> None:
    import re
    import unicodedata

    for text in [BODY, "a_b\x01c  d--e", "Tab\tand\x0bvertical"]:
        general = re.sub(r"[\W_]+", " ", unicodedata.normalize("NFKC", text).casefold()).strip()
        assert normalise_string(text) == general


def test_normalise_body_leaves_out_title_and_skip_ranges() -> None:
    article = article_from_text("Rationing to end in May\n\nBy Staff Reporter\n\n" + BODY + "\nRead the rest here\n")
    body = normalise_body(article)
    assert body.startswith("the coastal water authority said")
    assert "rationing to end in may" not in body and "staff reporter" not in body and "read the rest" not in body


def test_same_body_different_title_and_boilerplate_same_id() -> None:
    first = article_from_text("Rationing to end in May\n\n3 April 2023\n\n" + BODY)
    second = article_from_text(
        "WorldWater rationing ends soon\n\nBy Wire Desk\nPhoto: Reuters\n\n" + BODY.replace("\n", "\r\n") + BODY
    )
    assert first.id == second.id
    assert article_id(first) == first.id


def test_different_body_different_id() -> None:
    first = article_from_text("Rationing to end in May\n\n" + BODY)
    second = article_from_text("Rationing to end in May\n\n" + BODY.replace("May", "June"))
    assert first.id != second.id


def test_article_id_of_a_string_matches_the_text_reader() -> None:
    text = "Rationing to end in May\n\n3 April 2023\n\n" + BODY
    assert article_id(text) == article_from_text(text).id
    assert len(article_id(text)) == 16


def test_title_only_articles_still_get_distinct_ids() -> None:
    assert article_from_text("Breaking: rationing ends\n").id != article_from_text("Breaking: ferries stop\n").id


def test_article_from_text_takes_explicit_metadata() -> None:
    article = article_from_text(
        "Rationing to end in May\n\n3 April 2023\n\n" + BODY,
        published="2023-04-04T10:00:00Z",
        outlet="Wire",
        authors=["Ana Example"],
        url="https://x.test/a",
    )
    assert article.published == "2023-04-04T10:00+00:00"  # explicit value wins over the dateline
    assert article.outlet == "Wire" and article.authors == ["Ana Example"] and article.url == "https://x.test/a"


def test_unreadable_explicit_date_is_kept_aside_not_invented() -> None:
    article = article_from_text("Rationing to end in May\n\n" + BODY, published="sometime last spring")
    assert article.published is None
    assert article.extra["unparsed_date"] == "sometime last spring"


# --- language ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (BODY, "en"),
        (
            "Die Regierung hat am Montag erklärt, dass die Preise für das Wasser nicht steigen werden und "
            "dass die Bürger sich auf die Versorgung verlassen können.",
            "de",
        ),
        (
            "Le gouvernement a déclaré lundi que les prix de l'eau ne vont pas augmenter et que la ville "
            "sera approvisionnée pendant tout l'été.",
            "fr",
        ),
        (
            "El gobierno dijo el lunes que los precios del agua no van a subir y que la ciudad tendrá agua "
            "durante todo el verano.",
            "es",
        ),
        ("12345 67890 2023", None),
    ],
)
def test_guess_language(text: str, code: str | None) -> None:
    assert guess_language(text) == code


def test_language_field_from_input_wins() -> None:
    assert article_from_text("Titel\n\n" + BODY, language="de-AT").language == "de"


def test_plain_text_whose_first_line_is_a_long_paragraph_has_no_title() -> None:
    text = ("The council met on Monday and approved the budget for the coming year after a long debate. " * 4) + "\n"
    article = article_from_text(text)
    assert article.title is None and article.title_span is None
    assert normalise_body(article).startswith("the council met")


def test_read_inputs_accepts_a_single_path(tmp_path) -> None:
    from onrecord.ingest import read_inputs

    path = tmp_path / "a.txt"
    path.write_text("Title\n\n" + BODY)
    (article,) = list(read_inputs(str(path)))
    assert article.title == "Title"
    (again,) = list(read_inputs(path))
    assert again.id == article.id


def test_article_from_text_tolerates_any_article_field() -> None:
    article = article_from_text(
        "Rationing to end in May\n\n" + BODY,
        id="my-id",
        published_raw="3 April 2023",
        authors="Ana Example",
        title_span=None,
        skip_ranges=[],
        story="water",
    )
    assert article.id == "my-id"
    assert article.published == "2023-04-03" and article.published_raw == "3 April 2023"
    assert article.authors == ["Ana Example"]
    assert article.extra == {"story": "water"}
