"""`onrecord ingest`, `articles`, `show`, `stories` end to end, as a user runs them."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import EXAMPLES, SEEDS, seed

ONRECORD = [sys.executable, "-m", "onrecord.cli"]


def run(*args: str, db: Path, stdin: str | None = None, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"ONRECORD_DB": str(db), "COLUMNS": "200"}
    return subprocess.run(
        [*ONRECORD, *args], capture_output=True, text=True, env=env, input=stdin, timeout=timeout
    )


def as_json(proc: subprocess.CompletedProcess[str]) -> object:
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def seeds_db(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> Path:
    db = tmp_path_factory.mktemp("seeds") / "seeds.db"
    proc = run("ingest", str(seeds_dir), "--format", "json", db=db)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["new"] == 5 and summary["failed"] == []
    return db


def _by_prefix(arts: list[dict]) -> dict[str, dict]:
    return {Path(a["source_path"]).name[:3]: a for a in arts}


def test_seeds_metadata(seeds_db: Path) -> None:
    arts = _by_prefix(as_json(run("articles", "--format", "json", db=seeds_db)))  # type: ignore[arg-type]
    assert sorted(arts) == ["000", "001", "002", "003", "004"]
    assert arts["000"]["title"] == (
        "Assistant Secretary General: NATO is fully capable of defending itself against Russia"
    )
    assert arts["002"]["title"] == "Stoltenberg: NATO sees no direct threat from Russia to its members"
    assert arts["004"]["title"] == "NATO considers Russia a threat"
    assert arts["000"]["published"].startswith("2024-01-18T10:39")
    assert arts["001"]["published"].startswith("2024-01-23T16:43")
    assert arts["002"]["published"] is None and arts["002"]["published_raw"] is None
    assert arts["003"]["published"].startswith("2024-10-15T10:12")
    assert arts["004"]["published"].startswith("2021-03-23")
    for a in arts.values():
        for key in ("id", "outlet", "url", "authors", "language", "source_path", "text", "story_id",
                    "duplicate_of", "skip_ranges"):
            assert key in a
        text = Path(a["source_path"]).read_text(encoding="utf-8")
        assert a["text"] == text  # verbatim, unchanged


def test_seed_skip_ranges(seeds_db: Path) -> None:
    arts = _by_prefix(as_json(run("articles", "--format", "json", db=seeds_db)))  # type: ignore[arg-type]
    repeated = [r for r in arts["002"]["skip_ranges"] if r["reason"] == "repeated-block"]
    assert len(repeated) == 1
    text = arts["002"]["text"]
    second = text[repeated[0]["start"] : repeated[0]["end"]]
    assert second.strip().startswith("NATO Secretary General Jens Stoltenberg said")
    assert second.strip().endswith('"will be the largest exercise in decades for NATO."')
    # The first copy stays in the body.
    assert text.index("NATO Secretary General Jens Stoltenberg said") < repeated[0]["start"]

    t3 = arts["003"]["text"]
    boiler = [t3[r["start"] : r["end"]] for r in arts["003"]["skip_ranges"] if r["reason"].startswith("boilerplate")]
    assert "News" in boiler  # the category label glued to the title
    assert any("Images source" in b for b in boiler)
    assert any(b.strip() == "NATO Secretary General Mark Rutte" for b in boiler)


def test_seed_stories(seeds_db: Path) -> None:
    arts = _by_prefix(as_json(run("articles", "--format", "json", db=seeds_db)))  # type: ignore[arg-type]
    story = {k: a["story_id"] for k, a in arts.items()}
    assert story["001"] == story["002"]
    others = [story[k] for k in ("000", "001", "003", "004")]
    assert len(set(others)) == 4
    stories = as_json(run("stories", "--format", "json", "--min-size", "2", db=seeds_db))
    assert len(stories) == 1 and stories[0]["size"] == 2  # type: ignore[index,arg-type]


def test_exact_copy_under_other_name_is_stored_once(tmp_path: Path, seeds_dir: Path) -> None:
    db = tmp_path / "x.db"
    copy = tmp_path / "in" / "renamed-copy.txt"
    copy.parent.mkdir()
    shutil.copy(seed("001"), copy)
    first = as_json(run("ingest", str(seed("001")), str(copy), "--format", "json", "--no-link", db=db))
    assert first["new"] == 1 and first["exact_duplicates"] == 1  # type: ignore[index]
    (art,) = as_json(run("articles", "--format", "json", db=db))  # type: ignore[misc]
    shown = as_json(run("show", art["id"][:8], "--format", "json", db=db))
    assert sorted(Path(s["source_path"]).name for s in shown["seen_in"]) == sorted(  # type: ignore[index]
        [seed("001").name, "renamed-copy.txt"]
    )


def test_reingest_adds_nothing(seeds_db: Path) -> None:
    before = sqlite3.connect(seeds_db).execute("SELECT count(*) FROM articles").fetchone()[0]
    again = as_json(run("ingest", str(SEEDS), "--format", "json", db=seeds_db))
    assert again["new"] == 0 and again["exact_duplicates"] == 0 and again["already_stored"] == 5  # type: ignore[index]
    con = sqlite3.connect(seeds_db)
    assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == before
    assert con.execute("SELECT count(*) FROM sightings").fetchone()[0] == 5


def test_table_output_and_help(seeds_db: Path) -> None:
    proc = run("articles", db=seeds_db)
    assert proc.returncode == 0 and "5 articles" in proc.stdout
    help_ = run("--help", db=seeds_db)
    for cmd in ("ingest", "extract", "articles", "show", "stories", "quotes", "search", "serve"):
        assert cmd in help_.stdout
    assert "Example:" in run("ingest", "--help", db=seeds_db).stdout


def test_bad_inputs_are_one_line_each_and_the_run_goes_on(tmp_path: Path) -> None:
    d = tmp_path / "bad"
    d.mkdir()
    (d / "empty.txt").write_text("")
    (d / "binary.txt").write_bytes(bytes(range(256)) * 20)
    (d / "broken.jsonl").write_text('{"title": "ok", "text": "A fine article body that is long enough."}\n{oops\n')
    (d / "feed.xml").write_text("<rss><channel><item><title>x</title>")
    (d / "crawl.warc.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    (d / "big.txt").write_text("Big\n\n" + "word " * 5000)
    (d / "good.txt").write_text("A good title\n\nSomebody said something worth keeping in the store today.\n")
    db = tmp_path / "b.db"
    proc = run("ingest", str(d), str(tmp_path / "does-not-exist.txt"), "--max-bytes", "10000",
               "--format", "json", db=db)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    fails = [ln for ln in proc.stderr.splitlines() if ln.startswith("failed:")]
    named = " ".join(fails)
    for name in ("empty.txt", "binary.txt", "broken.jsonl:2", "feed.xml", "crawl.warc.gz", "big.txt",
                 "does-not-exist.txt"):
        assert name in named, (name, proc.stderr)
    summary = json.loads(proc.stdout)
    assert summary["new"] == 2  # good.txt and the valid JSONL line
    assert len(summary["failed"]) == len(fails) == 7


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run("ingest", db=tmp_path / "u.db").returncode == 2
    assert run("articles", "--format", "xml", db=tmp_path / "u.db").returncode == 2


def test_unknown_id_and_missing_db_are_one_line(tmp_path: Path, seeds_db: Path) -> None:
    proc = run("show", "ffffffffff", db=seeds_db)
    assert proc.returncode == 1 and proc.stderr.strip().count("\n") == 0 and "no article" in proc.stderr
    proc = run("articles", db=tmp_path / "never.db")
    assert proc.returncode == 1 and "no database" in proc.stderr and "Traceback" not in proc.stderr


def test_stdin_input(tmp_path: Path) -> None:
    text = 'Harbour reopens\n\n"We are open again," said harbour master Lena Olsen on Monday.\n'
    res = as_json(run("ingest", "-", "--format", "json", db=tmp_path / "s.db", stdin=text))
    assert res["new"] == 1  # type: ignore[index]


@pytest.mark.slow
def test_interrupted_ingest_keeps_committed_articles_and_resumes(tmp_path: Path) -> None:
    src = tmp_path / "many"
    src.mkdir()
    for i in range(400):
        (src / f"a{i:04d}.txt").write_text(
            f"Story number {i} about harbour {i * 7}\n\n"
            f'"Harbour {i} handled {i * 13} ships this week," port official Number{i} Smith said on Monday. '
            f"The authority expects traffic to grow by {i % 17} percent, according to figures seen by reporters.\n"
        )
    db = tmp_path / "i.db"
    env = os.environ | {"ONRECORD_DB": str(db)}
    proc = subprocess.Popen([*ONRECORD, "ingest", str(src), "--no-link"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 240
    committed = 0
    while time.time() < deadline and committed < 40:
        time.sleep(0.5)
        if db.exists():
            try:
                committed = sqlite3.connect(db).execute("SELECT count(*) FROM articles").fetchone()[0]
            except sqlite3.OperationalError:
                committed = 0
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    con = sqlite3.connect(db)
    n = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert 0 < n < 400
    # No half-written article: each stored article has its sighting and its quotes.
    orphans = "SELECT count(*) FROM articles WHERE id NOT IN (SELECT article_id FROM {})"
    assert con.execute(orphans.format("sightings")).fetchone()[0] == 0
    assert con.execute(orphans.format("quotes")).fetchone()[0] == 0
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    res = as_json(run("ingest", str(src), "--format", "json", "--no-link", db=db, timeout=600))
    assert res["new"] == 400 - n and res["already_stored"] == n  # type: ignore[index]
    assert sqlite3.connect(db).execute("SELECT count(*) FROM articles").fetchone()[0] == 400


def test_example_corpus_ingests_cleanly(tmp_path: Path) -> None:
    if not EXAMPLES.is_dir():
        pytest.skip("examples/corpus not built yet")
    res = as_json(run("ingest", str(EXAMPLES), "--format", "json", db=tmp_path / "e.db"))
    assert res["failed"] == []  # type: ignore[index]
    assert res["exact_duplicates"] >= 1 and res["near_duplicates"] >= 1  # type: ignore[index]
