"""Dates: read in many formats, never invented, never in the future."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from onrecord.ingest.dates import date_from_value, find_date_in_line, parse_date


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("18 January 2024, 10:39", "2024-01-18T10:39"),
        ("15 October 2024 10:12", "2024-10-15T10:12"),
        ("Tuesday – March 23, 2021", "2021-03-23"),
        ("March 23, 2021", "2021-03-23"),
        ("23rd March 2021", "2021-03-23"),
        ("Wednesday, 7 June 2023 at 2:05 pm", "2023-06-07T14:05"),
        ("June 7, 2023 12:30 AM", "2023-06-07T00:30"),
        ("7 Jun. 2023", "2023-06-07"),
        ("2023-06-07", "2023-06-07"),
        ("2023-06-07T14:05:09Z", "2023-06-07T14:05:09+00:00"),
        ("2023-06-07T14:05:00+02:00", "2023-06-07T14:05+02:00"),
        ("2023-06-07 14:05", "2023-06-07T14:05"),
        ("Published: 7 June 2023", "2023-06-07"),
        ("Updated 7 June 2023 14:05 GMT", "2023-06-07T14:05+00:00"),
        ("Fri, 14 Jul 2023 16:45:00 +0200", "2023-07-14T16:45+02:00"),
        ("07.06.2023", "2023-06-07"),  # dotted dates are day-first
        ("07.06.2023, 14:05", "2023-06-07T14:05"),
        # Left to dateparser (English: month first when ambiguous):
        ("06/07/2023", "2023-06-07"),
        ("25/12/2022", "2022-12-25"),
        ("le 7 juin 2023", None),  # only English is configured: no guessing at other languages
    ],
)
def test_parse_date_formats(raw: str, iso: str | None) -> None:
    parsed = parse_date(raw)
    assert (parsed.iso if parsed else None) == iso
    if parsed:
        assert parsed.raw == raw


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "March 2021",  # no day: not filled in from today
        "23 March",  # no year
        "yesterday",
        "2 days ago",
        "1700000000",  # a bare number is no date
        "31 February 2023",
        "18 January 1066",  # absurd year
        "hello world",
    ],
)
def test_incomplete_or_absurd_dates_give_none(raw: str) -> None:
    assert parse_date(raw) is None


def test_future_dates_are_rejected() -> None:
    future = datetime.now() + timedelta(days=30)
    assert parse_date(future.strftime("%d %B %Y")) is None
    assert parse_date(future.strftime("%Y-%m-%d")) is None
    assert parse_date((datetime.now() - timedelta(days=30)).strftime("%d %B %Y")) is not None


@pytest.mark.parametrize(
    ("line", "iso", "outlet", "raw"),
    [
        (", 18 January 2024, 10:39", "2024-01-18T10:39", None, "18 January 2024, 10:39"),
        ("Valdoria Herald, 4 November 2022, 09:15", "2022-11-04T09:15", "Valdoria Herald", "4 November 2022, 09:15"),
        ("Coastal Times | 31 March 2023", "2023-03-31", "Coastal Times", "31 March 2023"),
        ("Tuesday – March 23, 2021", "2021-03-23", None, "Tuesday – March 23, 2021"),
    ],
)
def test_find_date_in_header_line(line: str, iso: str, outlet: str | None, raw: str) -> None:
    found = find_date_in_line(line)
    assert found is not None
    assert (found.date.iso, found.outlet, found.date.raw) == (iso, outlet, raw)


@pytest.mark.parametrize(
    "line",
    [
        "On 15 January, the Bild publication reported that it gained access to a document.",
        "after Russia's full-scale invasion of Ukraine in February 2022",
        "NATO Secretary General Mark Rutte",
        "Images source: © Getty Images | Anadolu",
        "The meeting on March 23-24, 2021, at NATO headquarters in the capital city was long and hard.",
    ],
)
def test_prose_is_not_a_dateline(line: str) -> None:
    assert find_date_in_line(line) is None


def test_date_from_structured_values() -> None:
    assert date_from_value(1_700_000_000).iso == "2023-11-14T22:13:20+00:00"
    assert date_from_value(1_700_000_000_000).iso == "2023-11-14T22:13:20+00:00"  # milliseconds
    assert date_from_value(datetime(2023, 1, 2, 3, 4)).iso == "2023-01-02T03:04"
    assert date_from_value("2023-01-02").iso == "2023-01-02"
    assert date_from_value(None) is None and date_from_value(True) is None and date_from_value([]) is None
