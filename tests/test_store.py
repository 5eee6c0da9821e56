"""The store on a real SQLite file: schema, transactions, listings, full-text search."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from onrecord.models import Article, Quote, RoleSpan, SkipRange, Span, SpeakerRef
from onrecord.queries import QuoteFilter
from onrecord.store import ArticleRejected, Store, StoreError, resolve_db_url
from onrecord.store import schema as t


def _article(aid: str, text: str, **kw: object) -> Article:
    return Article(id=aid, text=text, title=text.split("\n")[0], **kw)  # type: ignore[arg-type]


def _quote(article: Article, content: str, speaker: str) -> Quote:
    s = article.text.index(content)
    return Quote(
        id=f"{article.id}:{s}-{s + len(content)}",
        kind="direct",
        content=RoleSpan(content, [Span(s, s + len(content))]),
        speakers=[SpeakerRef(name=speaker, type="person")],
    )


PG_URL = os.environ.get("ONRECORD_TEST_PG")


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """The same tests on the embedded SQLite store and, when a server is given, on PostgreSQL."""
    if request.param == "sqlite":
        return Store(str(tmp_path / "t.db"))
    if not PG_URL:
        pytest.skip("no PostgreSQL server (set ONRECORD_TEST_PG, or run 'make test' as root)")
    fresh = Store(PG_URL)
    with fresh.engine.begin() as conn:  # start every test from an empty database
        t.metadata.drop_all(conn)
    fresh.close()
    return Store(PG_URL)


def test_db_resolution_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ONRECORD_DB", raising=False)
    assert resolve_db_url(None) == "sqlite:///onrecord.db"
    monkeypatch.setenv("ONRECORD_DB", str(tmp_path / "env.db"))
    assert resolve_db_url(None) == f"sqlite:///{tmp_path / 'env.db'}"
    assert resolve_db_url(str(tmp_path / "flag.db")).endswith("flag.db")
    assert resolve_db_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"


def test_schema_is_versioned_and_migration_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "v.db"
    s1 = Store(str(path))
    assert s1.schema_version() == t.SCHEMA_VERSION
    s1.close()
    s2 = Store(str(path))  # opening again runs no migration twice
    assert s2.schema_version() == t.SCHEMA_VERSION
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="newer"):
        Store(str(path))


def test_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no database"):
        Store(str(tmp_path / "absent.db"), create=False)
    with pytest.raises(StoreError, match="folder does not exist"):
        Store(str(tmp_path / "nope" / "x.db"))


def test_add_article_with_quotes_and_sightings(store: Store) -> None:
    a = _article("a1", 'Title\n\n"We stand ready," the minister said.', outlet="Daily", published="2024-01-02")
    a.skip_ranges.append(SkipRange(0, 5, "header:title-copy"))
    store.add_article(a, [_quote(a, "We stand ready,", "Ana Petrov")], story_id="a1")
    assert store.has_article("a1")
    assert store.add_sighting("a1", "copy.txt", None) is True
    assert store.add_sighting("a1", "copy.txt", None) is False  # idempotent
    got = store.get_article("a1")
    assert got is not None
    assert got["text"] == a.text
    assert [s["source_path"] for s in got["seen_in"]] == ["-", "copy.txt"]
    assert got["skip_ranges"] == [{"start": 0, "end": 5, "reason": "header:title-copy"}]
    (q,) = got["quotes"]
    s, e = q["content"]["spans"][0]
    assert a.text[s:e] == q["content"]["text"]
    assert store.get_article("a") is not None  # unique prefix


def test_stored_ids_answers_many_has_article_calls_at_once(store: Store) -> None:
    for aid in ("a1", "a2"):
        store.add_article(_article(aid, f"Text of {aid}."))
    asked = [f"a{i}" for i in range(2000)] + ["a1"]  # more than one batch of the IN list, and a repeat
    assert store.stored_ids(asked) == {"a1", "a2"}
    assert store.stored_ids([]) == set()


def test_failed_article_insert_leaves_nothing_half_written(store: Store) -> None:
    a = _article("a1", 'T\n"One," he said.')
    q = _quote(a, "One,", "X")
    with pytest.raises(ArticleRejected, match="refused article a1"):
        store.add_article(a, [q, q])  # duplicate quote id: the whole article rolls back
    assert not store.has_article("a1")
    assert store.count("quotes") == 0
    assert store.count("sightings") == 0


def test_a_cached_search_takes_in_new_articles_at_the_next_refresh(store: Store) -> None:
    a = _article("c1", 'T\n"The lighthouse stays open," he said.', outlet="One", published="2024-01-23")
    store.add_article(a, [_quote(a, "The lighthouse stays open,", "Jens Stoltenberg")])
    store.refresh_search_index()
    assert store.search("lighthouse").quotes.total == 1
    b = _article("c2", 'T\n"The lighthouse will close," she said.', outlet="Two", published="2024-02-01")
    store.add_article(b, [_quote(b, "The lighthouse will close,", "Ana Petrov")])
    assert store.search("lighthouse").quotes.total == 1  # this page is kept until the index changes
    store.refresh_search_index()
    assert store.search("lighthouse").quotes.total == 2
    assert Store(store.url).search("lighthouse").quotes.total == 2


def test_full_text_search_ranks_and_filters(store: Store) -> None:
    a = _article("a1", 'T\n"There is no imminent threat to any ally," he said.', outlet="One", published="2024-01-23")
    b = _article("b1", 'T\n"Threat levels vary by region," she said.', outlet="Two", published="2023-05-01")
    store.add_article(a, [_quote(a, "There is no imminent threat to any ally,", "Jens Stoltenberg")])
    store.add_article(b, [_quote(b, "Threat levels vary by region,", "Ana Petrov")])
    if store.is_sqlite:
        assert store.search("imminent threat").quotes.total == 0  # the index is built in bulk, afterwards
    assert store.refresh_search_index() == 2  # (PostgreSQL indexed them as written: it marks them)
    assert store.refresh_search_index() == 0
    res = store.search("imminent threat")
    assert [q["article_id"] for q in res.quotes.items] == ["a1"]
    if store.is_sqlite:  # ranked FTS5 snippets; PostgreSQL falls back to substring matching
        assert "[imminent]" in res.quotes.items[0]["snippet"]
    both = store.search("threat")
    assert both.quotes.total == 2
    assert store.search("threat", QuoteFilter(outlet="two")).quotes.total == 1
    assert store.search("threat", QuoteFilter(since="2024")).quotes.total == 1
    assert store.list_quotes(QuoteFilter(speaker="Ana Petrov")).total == 1
    if store.is_sqlite:
        assert store.search('"no imminent" OR').quotes.total == 1  # user syntax cannot break FTS


def test_replace_all_quotes_is_one_transaction(store: Store) -> None:
    a = _article("a1", 'T\n"One," he said. "Two," he said.')
    store.add_article(a, [_quote(a, "One,", "X")])
    store.refresh_search_index()

    def pairs():  # the second yield fails: nothing of the first replacement may remain
        yield a, [_quote(a, "Two,", "Y")]
        raise RuntimeError("extractor crashed")

    with pytest.raises(RuntimeError):
        store.replace_all_quotes(pairs())
    (q,) = store.list_quotes().items
    assert q["content"]["text"] == "One,"
    store.replace_all_quotes([(a, [_quote(a, "Two,", "Y")])])
    store.refresh_search_index()
    assert [q["content"]["text"] for q in store.list_quotes().items] == ["Two,"]
    assert store.search("One").quotes.total == 0
    assert store.search("Two").quotes.total == 1


def test_iter_articles_round_trips_dataclasses(store: Store) -> None:
    a = _article("a1", "Title\nBody text.", outlet="X", authors=["A B"], title_span=Span(0, 5))
    a.skip_ranges.append(SkipRange(6, 10, "boilerplate:byline"))
    store.add_article(a)
    (back,) = list(store.iter_articles())
    assert back == a


def test_text_filters_take_wildcards_literally_and_ignore_case_on_every_backend(store: Store) -> None:
    a = _article("a1", 'T\n"Turnout was 100% in the north," she said.')
    b = _article("b1", 'T\n"Turnout was 1000 in the south," he said.')
    store.add_article(a, [_quote(a, "Turnout was 100% in the north,", "Ana Petrov")])
    store.add_article(b, [_quote(b, "Turnout was 1000 in the south,", "Ana_Petrovic")])
    assert store.list_quotes(QuoteFilter(speaker="ana petrov")).total == 1  # case folded, and "_" is no wildcard
    assert store.list_quotes(QuoteFilter(speaker="a_a")).total == 0
    store.refresh_search_index()
    assert store.list_quotes(QuoteFilter(q="100%")).total == 1  # FTS on SQLite, a literal substring on PostgreSQL
    assert store.list_quotes(QuoteFilter(topic="nato")).total == 0  # JSON columns are searchable on PostgreSQL too
    assert store.list_quotes(QuoteFilter(organisation="nato")).total == 0


def test_search_finds_the_other_reports_of_a_statement_on_every_backend(store: Store) -> None:
    from web_helpers import Info, LinkResult, Report, Speaker, Statement

    a = _article("s1", 'T\n"No imminent threat to any ally," he said.', outlet="One", published="2024-01-23")
    b = _article("s2", 'T\n"No immediate danger to any ally," he said.', outlet="Two", published="2024-01-24")
    c = _article("s3", 'T\n"The imminent exercise is large," he said.', outlet="Three", published="2024-01-25")
    quotes = {}
    for art, content in ((a, "No imminent threat to any ally,"), (b, "No immediate danger to any ally,"),
                         (c, "The imminent exercise is large,")):
        quotes[art.id] = _quote(art, content, "Jens Stoltenberg")
        store.add_article(art, [quotes[art.id]])
    store.refresh_search_index()
    reports = [Report(quotes[x.id].id, x.id, x.outlet, x.published, x.published, "article date",
                      quotes[x.id].content.text, "direct") for x in (a, b)]
    store.replace_links(LinkResult(
        speakers=[Speaker(key="jens-stoltenberg", name="Jens Stoltenberg")],
        quote_speakers={q.id: ["jens-stoltenberg"] for q in quotes.values()},
        quote_info={q.id: Info("2024-01-23", "article date", "day") for q in quotes.values()},
        statements=[Statement(id="st1", speaker_key="jens-stoltenberg", reports=reports)],
    ))
    found = store.search("imminent threat")
    assert [(q["article_id"], q["matched_via"]) for q in found.quotes.items] == [("s1", "text"), ("s2", "statement")]
    assert "[imminent]" in (found.quotes.items[0]["snippet"] or "")
    assert found.quotes.total == 2
    wider = store.search("imminent")
    assert {q["article_id"] for q in wider.quotes.items} == {"s1", "s2", "s3"} and wider.quotes.total == 3
    assert [q["article_id"] for q in store.search("imminent", QuoteFilter(outlet="two")).quotes.items] == ["s2"]
    assert store.search("imminent", limit=1, offset=2).quotes.total == 3
    assert store.list_quotes(QuoteFilter(q="imminent")).total == 2  # listings: direct matches only
