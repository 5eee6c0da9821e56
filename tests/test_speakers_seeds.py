"""Issue 4's checks on the seed articles (quotes as the quotes stage returns them, built by hand)."""

from __future__ import annotations

import pytest

from onrecord.speakers import LinkResult, link_corpus
from onrecord.speakers.names import fold
from test_speakers_seedcorpus import seed_corpus


@pytest.fixture(scope="module")
def result(seeds_dir) -> LinkResult:
    return link_corpus(seed_corpus())


def _statement_of(result: LinkResult, quote_id: str):
    sid = result.quote_statement[quote_id]
    return next(s for s in result.statements if s.id == sid)


def test_each_person_is_one_speaker(result: LinkResult) -> None:
    names = [s.name for s in result.speakers]
    for person in [
        "Jens Stoltenberg",
        "Mark Rutte",
        "Boris Ruge",
        "Jānis Sārts",
        "Rob Bauer",
        "Micael Bydén",
        "Carl-Oskar Bohlin",
    ]:
        assert names.count(person) == 1, person
    folded = [fold(n) for n in names]
    assert "nato sg" not in folded and "monitoring desk" not in folded
    assert not any("secretary general" in f for f in folded)
    assert "stoltenberg" not in folded and "rutte" not in folded and "ruge" not in folded


def test_stoltenberg_is_quoted_in_001_002_004(result: LinkResult) -> None:
    js = result.speaker("Jens Stoltenberg")
    assert js is not None and js.key == "jens-stoltenberg"
    articles = {qid.split("-")[0] for qid, keys in result.quote_speakers.items() if js.key in keys}
    assert {"001", "002", "004"} <= articles
    assert {"Stoltenberg", "NATO SG Stoltenberg", "Jens Stoltenberg"} <= set(js.aliases)


def test_bare_titles_resolve_by_date(result: LinkResult) -> None:
    # 001's headline: "... – NATO Secretary General" (January 2024) -> Stoltenberg
    assert result.quote_speakers["001-q0"] == ["jens-stoltenberg"]
    # 003: "said the new NATO Secretary General" (October 2024) -> Rutte
    assert result.quote_speakers["003-q0"] == ["mark-rutte"]
    (how,) = result.title_resolutions["003-q0"]
    assert how.startswith("NATO Secretary General -> mark-rutte")


def test_secretary_general_of_nato_over_time(result: LinkResult) -> None:
    sg = [r for r in result.roles if r.title == "Secretary General" and r.organisation == "NATO"]
    by_person = {r.person: r for r in sg}
    assert set(by_person) == {"Jens Stoltenberg", "Mark Rutte"}
    js, mr = by_person["Jens Stoltenberg"], by_person["Mark Rutte"]
    assert (js.start, js.end) == ("2021-03-23", "2024-01-23")
    assert mr.start == "2024-10-15"
    assert js.source == mr.source == "article" and js.evidence


def test_other_roles(result: LinkResult) -> None:
    def roles(name: str) -> set[tuple[str, str | None]]:
        s = result.speaker(name)
        assert s is not None
        return {(r.title, r.organisation) for r in s.roles}

    assert ("Assistant Secretary General for Political Affairs and Security Policy", "NATO") in roles("Boris Ruge")
    assert ("Chair of the Military Committee", "NATO") in roles("Rob Bauer")
    assert ("Commander-in-Chief", "Swedish Armed Forces") in roles("Micael Bydén")
    assert ("Director of the Center of Excellence for Strategic Communications", "NATO") in roles("Janis Sarts")


def test_several_speakers_of_one_quote(result: LinkResult) -> None:
    assert result.quote_speakers["001-q7"] == ["micael-byden", "carl-oskar-bohlin"]


def test_threat_statement_across_001_002_with_drift(result: LinkResult) -> None:
    st = _statement_of(result, "001-q2")
    assert st.speaker_key == "jens-stoltenberg"
    quotes = {r.quote_id for r in st.reports}
    assert "002-q2" in quotes
    assert st.drift
    assert not any(q.startswith("004") for q in quotes)
    earliest = [r for r in st.reports if r.is_earliest]
    assert len(earliest) == 1 and earliest[0].article_id.startswith("001")
    tokens = [t for d in st.diff for t in d.tokens]
    assert any(t.tag == "removed" and t.text == "imminent" for t in tokens)
    assert any(t.tag == "added" and t.text == "immediate" for t in tokens)


def test_exercise_statement_with_drift(result: LinkResult) -> None:
    st = _statement_of(result, "001-q5")
    assert {r.quote_id for r in st.reports} == {"001-q5", "002-q5"}
    assert st.drift
    (diff,) = st.diff
    assert "[-biggest-] {+largest+}" in diff.render()


def test_no_2021_statement_joins_2024(result: LinkResult) -> None:
    for st in result.statements:
        years = {(r.said_date or "")[:4] for r in st.reports if r.said_date}
        assert not ({"2021"} < years or ("2021" in years and "2024" in years))
        ids = {r.quote_id[:3] for r in st.reports}
        assert not ("004" in ids and ids & {"001", "002", "003"})


def test_said_dates(result: LinkResult) -> None:
    for qid, info in result.quote_info.items():
        if qid.startswith("004"):
            assert info.said_date == "2021-03-22", qid
            assert info.said_date_precision == "day"
            assert info.article_date == "2021-03-23"
    q = result.quote_info["001-q2"]
    assert (q.said_date, q.said_date_basis) == ("2024-01-23", 'article text: "On 23 January"')
    q = result.quote_info["001-q7"]
    assert (q.said_date, q.said_date_precision) == ("2024-01", "month")
    assert result.quote_info["001-q8"].said_date_basis == "article date"  # Bauer: "Earlier this month" is not his
    assert result.quote_info["000-q6"].said_date == "2024-01-15"  # "On 15 January, the Bild publication reported"
    assert result.quote_info["002-q2"].said_date is None  # 002 carries no date


def test_statements_in_time_order(result: LinkResult) -> None:
    js = [s for s in result.statements if s.speaker_key == "jens-stoltenberg" and s.said_date]
    dates = [s.said_date for s in js]
    assert dates == sorted(dates) and dates[0] == "2021-03-22" and dates[-1].startswith("2024-01")


def test_topics_and_organisations(result: LinkResult) -> None:
    info = result.quote_info["003-q5"]
    assert "nuclear weapons" in info.topics
    assert {"russia", "nato"} <= set(result.quote_info["001-q2"].topics)
    assert result.quote_info["001-q2"].organisations == ["NATO"]
    assert result.topic_labels["nato"] == "NATO"


def test_every_quote_in_exactly_one_statement(result: LinkResult) -> None:
    seen = [r.quote_id for s in result.statements for r in s.reports]
    assert len(seen) == len(set(seen)) == sum(len(q) for _, q in seed_corpus())
