"""`onrecord spark run` + `spark load` (local[2]) gives what `onrecord ingest` gives: the same article
ids, exact and near-duplicate groups, sightings, quotes, speakers and statements. The one defined
difference: story grouping of different articles (arrival-order dependent) is not done on Spark,
so a story there is a near-duplicate group."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from conftest import EXAMPLES, SEEDS, benchmark_module
from onrecord import pipeline
from onrecord.spark import spark_unavailable
from onrecord.store import Store
from test_incremental_link import _incremental_store, _plain, assert_same_links

REASON = spark_unavailable()
pytestmark = pytest.mark.skipif(REASON is not None, reason=f"Spark tests need pyspark and Java: {REASON}")

_ARTICLES = (
    "SELECT id, seq, duplicate_of, similarity, title, outlet, published, source_path, source_record, "
    "format, language, extra, skip_ranges, title_span, signature, text FROM articles ORDER BY seq"
)
_QUOTES = (
    "SELECT id, article_id, kind, start, content_spans, cue_spans, source_spans, speakers, confidence, act, rule "
    "FROM quotes ORDER BY id"
)
_SIGHTINGS = "SELECT article_id, source_path, source_record FROM sightings ORDER BY article_id, source_path"


def rows(store: Store, sql: str) -> list[tuple[Any, ...]]:
    with store.engine.connect() as conn:
        return [tuple(_plain(v) for v in r) for r in conn.execute(text(sql))]


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from onrecord.spark.session import session

    s = session("local[2]", partitions=4)
    yield s
    s.stop()


def corpus(tmp_path: Path) -> Path:
    """The demo corpus and the seeds, exact copies (one read right after its original), and a bad file."""
    folder = tmp_path / "in"
    shutil.copytree(EXAMPLES, folder)
    seeds = sorted(SEEDS.glob("*.txt"))
    for seed in seeds:
        shutil.copy(seed, folder / f"seed-{seed.name}")
    shutil.copy(seeds[0], folder / f"seed-{seeds[0].stem}-copy.txt")
    shutil.copy(seeds[1], folder / "zz-copy.txt")
    (folder / "broken.jsonl").write_text('{"text": "A fine line of news, said the minister."}\n{not json\n')
    return folder


def test_spark_run_and_load_equal_an_ingest(tmp_path: Path, spark: Any) -> None:
    from onrecord.spark import load, run

    folder = corpus(tmp_path)
    single = Store(f"sqlite:///{tmp_path / 'ingest.db'}", create=True)
    summary = pipeline.ingest([str(folder)], single)
    out = tmp_path / "tables"
    ran = run([str(folder)], str(out), spark=spark)
    on_spark = Store(f"sqlite:///{tmp_path / 'spark.db'}", create=True)
    loaded = load(str(out), on_spark, spark=spark)

    assert ran.articles == summary.new == loaded.new
    assert ran.exact_duplicates == summary.exact_duplicates >= 2
    assert ran.near_duplicates == summary.near_duplicates >= 1
    assert [(f.path, f.record, f.reason) for f in ran.failed] == [(f.path, f.record, f.reason) for f in summary.failed]
    assert ran.failed  # the broken line
    assert rows(on_spark, _ARTICLES) == rows(single, _ARTICLES)
    assert rows(on_spark, _SIGHTINGS) == rows(single, _SIGHTINGS)
    assert rows(on_spark, _QUOTES) == rows(single, _QUOTES) and ran.quotes == summary.quotes > 50
    assert_same_links(on_spark, single)  # speakers, aliases, roles, statements, quote links
    # The defined difference: a story on Spark is a near-duplicate group (its root's id).
    for article_id, duplicate_of, story_id in rows(on_spark, "SELECT id, duplicate_of, story_id FROM articles"):
        assert story_id == (duplicate_of or article_id)
    # Loading the same tables again adds nothing.
    again = load(str(out), on_spark, spark=spark)
    assert again.new == 0 and again.sightings == 0
    assert rows(on_spark, _ARTICLES) == rows(single, _ARTICLES)
    # The same tables into PostgreSQL.
    if os.environ.get("ONRECORD_TEST_PG"):
        pg = _incremental_store("postgresql", tmp_path)
        load(str(out), pg, spark=spark)
        for sql in (_ARTICLES, _SIGHTINGS, _QUOTES):
            assert rows(pg, sql) == rows(single, sql)
        assert_same_links(pg, single)


def _generate(n: int, out: Path) -> dict:
    return benchmark_module("ingest").generate(n, out, per_day=100)


def test_near_duplicate_groups_of_a_generated_corpus_equal_an_ingest(tmp_path: Path, spark: Any) -> None:
    from onrecord.spark import load, run

    folder = tmp_path / "gen"
    truth = _generate(1500, folder)
    single = Store(f"sqlite:///{tmp_path / 'ingest.db'}", create=True)
    summary = pipeline.ingest([str(folder)], single, extract=False, link=False)
    ran = run([str(folder)], str(tmp_path / "tables"), extract=False, spark=spark)
    on_spark = Store(f"sqlite:///{tmp_path / 'spark.db'}", create=True)
    load(str(tmp_path / "tables"), on_spark, link=False, spark=spark)
    assert ran.near_duplicates == summary.near_duplicates > 100
    assert ran.exact_duplicates == summary.exact_duplicates == len(truth["exact"])
    sql = "SELECT id, seq, duplicate_of, similarity, signature FROM articles ORDER BY seq"
    assert rows(on_spark, sql) == rows(single, sql)


def test_cli_spark_run_and_load(tmp_path: Path) -> None:
    """The commands a user types; they start their own Spark session."""
    runner = CliRunner()
    from onrecord.cli import app

    src = tmp_path / "in"
    src.mkdir()
    for seed in sorted(SEEDS.glob("*.txt"))[:2]:
        shutil.copy(seed, src / seed.name)
    out = tmp_path / "tables[1]"  # Spark reads a path as a Hadoop glob; this one must still be itself
    res = runner.invoke(app, ["spark", "run", str(src), "--out", str(out), "--master", "local[1]", "-f", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["articles"] == 2
    db = tmp_path / "s.db"
    res = runner.invoke(app, ["spark", "load", str(out), "--db", str(db), "-f", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["new"] == 2
    assert Store(f"sqlite:///{db}").count("quotes") > 0
    res = runner.invoke(app, ["spark", "run", str(src), "--out", str(out), "--conf", "no-equals-sign"])
    assert res.exit_code == 2 and "KEY=VALUE" in res.output
    res = runner.invoke(app, ["spark", "load", str(tmp_path / "nothing"), "--db", str(db)])
    assert res.exit_code == 1 and "not the output of 'onrecord spark run'" in str(res.exception)  # main() prints it
