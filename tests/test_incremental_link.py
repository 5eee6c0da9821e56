"""A relink after an ingest reuses what earlier runs derived and rewrites only what changed; the store it
leaves must be the one a full relink leaves, on the demo corpus and on a generated one."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from conftest import EXAMPLES, benchmark_module
from onrecord import pipeline
from onrecord.store import Store

_LINKED = {
    "speakers": "SELECT key, name, type, aliases, quote_count, first_seen, last_seen, data FROM speakers ORDER BY key",
    "aliases": "SELECT folded, speaker_key FROM speaker_aliases ORDER BY folded, speaker_key",
    "roles": 'SELECT title, organisation, person, speaker_key, start, "end", source, evidence FROM roles',
    "statements": "SELECT id, speaker_key, speaker_name, date, drift, report_count, text, diff, reports "
    "FROM statements ORDER BY id",
    "quotes": "SELECT id, speaker_keys, speaker_names, said_date, said_date_basis, said_date_precision, topics, "
    "organisations, statement_id, quote_date FROM quotes ORDER BY id",
    "quote_speakers": "SELECT quote_id, speaker_key, quote_date, statement_key FROM quote_speakers "
    "ORDER BY quote_id, speaker_key",
}


def _plain(value: Any) -> Any:
    """JSON as values (SQLite returns it as text, PostgreSQL parsed), booleans as 0/1 and bytea as bytes,
    to compare backends."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    if isinstance(value, memoryview):
        return bytes(value)
    return int(value) if isinstance(value, bool) else value


def linked_state(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    with store.engine.connect() as conn:
        rows = {name: [tuple(_plain(v) for v in r) for r in conn.execute(text(sql))] for name, sql in _LINKED.items()}
    # Sorted here: the backends order NULLs differently, and PostgreSQL cannot order by a JSON column.
    return {name: sorted(rs, key=lambda r: json.dumps(r, sort_keys=True, default=str)) for name, rs in rows.items()}


def assert_same_links(a: Store, b: Store) -> None:
    sa, sb = linked_state(a), linked_state(b)
    for name in _LINKED:
        assert sa[name] == sb[name], name
    assert sa["speakers"] and sa["quotes"]  # the comparison compared something


def _synthesise(n_quotes: int, seed: int) -> list:
    return benchmark_module("link").synthesise(n_quotes, seed=seed)


def test_demo_corpus_ingested_in_two_runs_links_as_a_full_relink(tmp_path: Path) -> None:
    files = sorted(str(p) for p in EXAMPLES.iterdir() if p.is_file())
    first, second = files[: len(files) // 2], files[len(files) // 2 :]
    inc = Store(f"sqlite:///{tmp_path / 'inc.db'}")
    pipeline.ingest(first, inc)
    before = linked_state(inc)
    pipeline.ingest(second, inc)  # links again, reusing the first run's topics
    ref = Store(f"sqlite:///{tmp_path / 'ref.db'}")
    pipeline.ingest(first, ref, link=False)
    pipeline.ingest(second, ref, link=False)
    pipeline.relink(ref, full=True)
    assert_same_links(inc, ref)
    assert linked_state(inc) != before  # the second run added speakers and statements


def _incremental_store(backend: str, tmp_path: Path) -> Store:
    if backend == "sqlite":
        return Store(f"sqlite:///{tmp_path / 'inc.db'}")
    url = os.environ.get("ONRECORD_TEST_PG")
    if not url:
        pytest.skip("no PostgreSQL server (set ONRECORD_TEST_PG, or run 'make test' as root)")
    from onrecord.store import schema

    fresh = Store(url)
    with fresh.engine.begin() as conn:  # an empty database
        schema.metadata.drop_all(conn)
    fresh.close()
    return Store(url)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_generated_corpus_with_corrections_links_as_a_full_relink(backend: str, tmp_path: Path) -> None:
    """Incremental on either backend, against a full relink on SQLite."""
    corpus = _synthesise(1200, seed=3)
    half = len(corpus) // 2
    inc = _incremental_store(backend, tmp_path)
    for art, quotes in corpus[:half]:
        inc.add_article(art, quotes)
    pipeline.relink(inc)
    people = [s["key"] for s in inc.list_speakers(limit=1000).items if s["type"] == "person"]
    assert len(people) >= 3
    # A merge and a rename made between the two ingests must hold after the second one.
    inc.add_correction("merge", keep=people[0], merge=people[1])
    inc.add_correction("rename", speaker=people[2], name="Renamed Person")
    pipeline.relink(inc)
    for art, quotes in corpus[half:]:
        inc.add_article(art, quotes)
    pipeline.relink(inc)

    ref = Store(f"sqlite:///{tmp_path / 'ref.db'}")
    for art, quotes in corpus:
        ref.add_article(art, quotes)
    ref.add_correction("merge", keep=people[0], merge=people[1])
    ref.add_correction("rename", speaker=people[2], name="Renamed Person")
    pipeline.relink(ref, full=True)
    assert_same_links(inc, ref)
    assert any(name == "Renamed Person" for _, name, *_ in linked_state(inc)["speakers"])
    # The cache holds what the store needs now, nothing for inputs that changed (earlier quote sets).
    assert cache_sizes(inc) == cache_sizes(ref)


def cache_sizes(store: Store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return dict(conn.execute(text("SELECT kind, count(*) FROM link_cache GROUP BY kind")).all())


def test_relink_with_nothing_new_writes_nothing(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    for art, quotes in _synthesise(300, seed=5):
        store.add_article(art, quotes)
    pipeline.relink(store)
    revision = store.derived_revision()
    state = linked_state(store)
    pipeline.relink(store)
    assert linked_state(store) == state
    assert store.derived_revision() == revision  # nothing changed: cached pages stay valid


def test_topics_come_from_the_cache_after_the_first_relink(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from onrecord.speakers import topics

    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    corpus = _synthesise(200, seed=9)
    for art, quotes in corpus[:-5]:
        store.add_article(art, quotes)
    pipeline.relink(store)
    parsed: list[str] = []
    real = topics.extract_topics

    def counting(texts, fn=None):  # type: ignore[no-untyped-def]
        batch = list(texts)
        parsed.extend(batch)
        return real(batch, fn)

    monkeypatch.setattr(topics, "extract_topics", counting)
    for art, quotes in corpus[-5:]:
        store.add_article(art, quotes)
    pipeline.relink(store)
    new_texts = {q.content.text for _, qs in corpus[-5:] for q in qs}
    old_texts = {q.content.text for _, qs in corpus[:-5] for q in qs}
    assert parsed and set(parsed) <= new_texts
    assert not set(parsed) & (old_texts - new_texts)
    parsed.clear()
    pipeline.relink(store, full=True)  # derives everything again
    assert set(parsed) == old_texts | new_texts


def test_cli_relink_full_derives_again_and_keeps_the_links(tmp_path: Path) -> None:
    import subprocess

    db = tmp_path / "s.db"
    store = Store(f"sqlite:///{db}")
    for art, quotes in _synthesise(150, seed=11):
        store.add_article(art, quotes)
    pipeline.relink(store)
    state = linked_state(store)
    with store.engine.connect() as conn:
        conn.execute(text("UPDATE link_cache SET value = '[]' WHERE kind LIKE 'topics%'"))  # a stale cache
        conn.commit()
    cmd = [sys.executable, "-c", "from onrecord.cli import main; main()", "relink", "--full", "--db", str(db)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "linked" in proc.stderr
    assert linked_state(store) == state  # --full did not read the stale topics
    with store.engine.connect() as conn:
        empty = conn.execute(text("SELECT count(*) FROM link_cache WHERE value = '[]' AND kind LIKE 'topics%'"))
        every = conn.execute(text("SELECT count(*) FROM link_cache WHERE kind LIKE 'topics%'"))
        assert empty.scalar_one() < every.scalar_one()  # the cache was filled again


class _DictCache:
    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def get_many(self, keys: list[str]) -> dict[str, Any]:
        return {k: self.values[k] for k in keys if k in self.values}

    def put_many(self, values: dict[str, Any]) -> None:
        self.values.update(values)


def _items(n: int, start_day: int = 0) -> list:
    import datetime as dt

    from onrecord.speakers.statements import Item, content_words

    remarks = [
        "the alliance will defend every inch of allied territory against any attack",
        "we see no imminent military threat against any ally at this moment",
        "support for ukraine will continue for as long as it takes",
    ]
    out = []
    for k in range(n):
        day = dt.date(2023, 1, 1) + dt.timedelta(days=start_day + 3 * k)
        text = remarks[k % 3] + (" today" if k % 2 else "")
        out.append(Item(f"q{start_day}-{k}", "jens-stoltenberg", day.isoformat(), text, (), content_words(text)))
    return out


def _partition(labels: list[int], items: list) -> set[frozenset[str]]:
    groups: dict[int, set[str]] = {}
    for lab, it in zip(labels, items, strict=True):
        groups.setdefault(lab, set()).add(it.quote_id)
    return {frozenset(g) for g in groups.values()}


def test_statement_clusters_from_the_cache_compare_only_quotes_near_new_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    from onrecord.speakers import statements

    old = _items(120)  # one speaker over a year: many two-week buckets
    cache = _DictCache()
    full = statements.cluster(old).labels
    assert _partition(statements.cluster(old, cache=cache).labels, old) == _partition(full, old)
    compared: list[str] = []
    real = statements.pair_features

    def counting(a, b, cosine):  # type: ignore[no-untyped-def]
        compared.extend([a.quote_id, b.quote_id])
        return real(a, b, cosine)

    monkeypatch.setattr(statements, "pair_features", counting)
    new = _items(4, start_day=150)  # four new quotes in late May
    everything = old + new
    got = statements.cluster(everything, cache=cache)
    assert compared and set(compared) <= {it.quote_id for it in everything}
    days = {it.quote_id: it.date for it in everything}
    assert all("2023-04-15" <= days[q] <= "2023-07-15" for q in compared)  # only near the new ones
    monkeypatch.setattr(statements, "pair_features", real)
    assert _partition(got.labels, everything) == _partition(statements.cluster(everything).labels, everything)


def _linked_store(path: Path, corpus: list) -> Store:
    """A SQLite store holding ``corpus``, linked."""
    store = Store(f"sqlite:///{path}")
    for art, quotes in corpus:
        store.add_article(art, quotes)
    pipeline.relink(store)
    return store


def _add_and_relink(store: Store, corpus: list) -> Any:
    for art, quotes in corpus:
        store.add_article(art, quotes)
    return pipeline.relink(store)


def _assert_as_full_relink(store: Store, corpus: list, tmp_path: Path) -> None:
    """``store`` holds the links (and the cache) a full relink of ``corpus`` from scratch gives."""
    ref = Store(f"sqlite:///{tmp_path / 'ref.db'}")
    for art, quotes in corpus:
        ref.add_article(art, quotes)
    pipeline.relink(ref, full=True)
    assert_same_links(store, ref)
    assert cache_sizes(store) == cache_sizes(ref)


def test_relink_builds_only_the_statements_whose_inputs_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import onrecord.speakers as speakers

    corpus = _synthesise(400, seed=13)
    store = _linked_store(tmp_path / "s.db", corpus[:-3])
    built: list[str] = []
    real = speakers._statement

    def counting(idxs, items, *rest):  # type: ignore[no-untyped-def]
        st = real(idxs, items, *rest)
        built.append(st.id)
        return st

    monkeypatch.setattr(speakers, "_statement", counting)
    result = _add_and_relink(store, corpus[-3:])
    total = len(result.statements)  # (does not build them)
    assert built and len(built) < total / 10  # a few articles touch a few statements
    new_quotes = {q.id for _, qs in corpus[-3:] for q in qs}
    touched = {result.quote_statement[q] for q in new_quotes if q in result.quote_statement}
    assert touched <= set(built)
    _assert_as_full_relink(store, corpus, tmp_path)


def test_full_relink_rewrites_a_statement_row_whose_digest_still_matches(tmp_path: Path) -> None:
    """A statement's digest is of its inputs, so a row built by other code (an older linker) would match
    it: ``relink --full`` writes every statement again."""
    store = _linked_store(tmp_path / "s.db", _synthesise(300, seed=17))
    state = linked_state(store)
    with store.engine.connect() as conn:
        conn.execute(text("UPDATE statements SET text = 'stale', report_count = 0"))
        conn.commit()
    pipeline.relink(store)  # incremental: the digests match, the rows stay as they are
    assert linked_state(store) != state
    pipeline.relink(store, full=True)
    assert linked_state(store) == state


def test_relink_reads_one_cached_value_per_unchanged_article(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Said dates and topics are kept per article: after a small ingest only the new articles (and those
    whose speakers changed) are worked out again; the rest is one cached value each."""
    import onrecord.speakers as speakers

    corpus = _synthesise(400, seed=19)
    store = _linked_store(tmp_path / "s.db", corpus[:-4])
    worked: list[str] = []
    real = speakers.said_dates

    def counting(sub, *rest):  # type: ignore[no-untyped-def]
        worked.extend(a.id for a, _ in sub)
        return real(sub, *rest)

    monkeypatch.setattr(speakers, "said_dates", counting)
    _add_and_relink(store, corpus[-4:])
    new = {a.id for a, _ in corpus[-4:]}
    assert new <= set(worked) and len(worked) < len(corpus) / 10
    _assert_as_full_relink(store, corpus, tmp_path)


def test_relink_clusters_only_the_speakers_with_new_quotes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A speaker whose quotes did not change keeps its statements from the cache whole: their pairs are
    neither read nor clustered again."""
    from onrecord.speakers import statements

    corpus = _synthesise(500, seed=23)
    store = _linked_store(tmp_path / "s.db", corpus[:-2])
    clustered: list[set[int]] = []
    real = statements._average_link

    def recording(n, edges, threshold):  # type: ignore[no-untyped-def]
        clustered.append({i for e in edges for i in e})
        return real(n, edges, threshold)

    monkeypatch.setattr(statements, "_average_link", recording)
    result = _add_and_relink(store, corpus[-2:])
    (seen,) = clustered
    paired = sum(len(st.reports) for st in result.statements if len(st.reports) > 1)
    assert 0 < len(seen) < paired / 2  # only the blocks of the speakers the new quotes touch
    _assert_as_full_relink(store, corpus, tmp_path)
