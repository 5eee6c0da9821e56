"""When it was said: cues in the quote's sentence or the one before, else the article date."""

from __future__ import annotations

import pytest

from onrecord.speakers import link_corpus
from onrecord.speakers.dates import find_said_date, from_article
from test_speakers_seedcorpus import make_article


@pytest.mark.parametrize(
    ("context", "article_date", "expected"),
    [
        ("On 23 January, NATO Secretary General Jens Stoltenberg stated", "2024-01-23T16:43", ("2024-01-23", "day")),
        ("On January 23, he said", "2024-01-25", ("2024-01-23", "day")),
        ("On 30 December, he said", "2024-01-05", ("2023-12-30", "day")),  # the year before
        ("On 4 July 2019, he said", "2024-01-05", ("2019-07-04", "day")),
        ("Stoltenberg said, Monday,", "2021-03-23", ("2021-03-22", "day")),  # a Tuesday
        ("Stoltenberg said on Friday", "2021-03-23", ("2021-03-19", "day")),
        ("On Tuesday, he said", "2021-03-23", ("2021-03-23", "day")),
        ("He told reporters yesterday", "2021-03-23", ("2021-03-22", "day")),
        ("Earlier this month, Bydén said", "2024-01-23", ("2024-01", "month")),
        ("Last month, she said", "2024-01-23", ("2023-12", "month")),
    ],
)
def test_cues(context: str, article_date: str, expected: tuple[str, str]) -> None:
    got = find_said_date(context, article_date)
    assert got is not None
    assert (got.date, got.precision) == expected
    assert got.basis.startswith('article text: "')


def test_no_cue_means_article_date() -> None:
    assert find_said_date("He said that NATO is strong", "2024-01-23") is None
    fa = from_article("2024-01-23T10:00:00+02:00")
    assert (fa.date, fa.basis, fa.precision) == ("2024-01-23", "article date", "day")
    assert from_article(None).date is None


def test_weekday_needs_an_article_date() -> None:
    assert find_said_date("Stoltenberg said, Monday,", None) is None


def test_dates_inside_the_quote_are_not_when_it_was_said() -> None:
    text = 'Ruge said: "On 15 January we met in Vilnius and agreed."'
    art = make_article(
        "a1", text, "2024-02-10", [("On 15 January we met in Vilnius and agreed.", "Boris Ruge", "direct")]
    )
    info = link_corpus([art], with_topics=False).quote_info["a1-q0"]
    assert (info.said_date, info.said_date_basis) == ("2024-02-10", "article date")


def test_previous_sentence_counts_only_when_it_names_the_speaker() -> None:
    text = (
        'On 3 May, Boris Ruge visited Vilnius. "We are ready," Ruge said. '
        'On 9 May, Jānis Sārts spoke at a conference. "Bild is wrong," said Boris Ruge.'
    )
    art = make_article(
        "a1",
        text,
        "2024-05-12",
        [("We are ready,", "Boris Ruge", "direct"), ("Bild is wrong,", "Boris Ruge", "direct")],
    )
    info = link_corpus([art], with_topics=False).quote_info
    assert info["a1-q0"].said_date == "2024-05-03"
    # the sentence before the second quote names someone else: the date read earlier carries over
    assert info["a1-q1"].said_date == "2024-05-03"
    assert info["a1-q1"].article_date == "2024-05-12"
