"""`--jobs N` extracts quotes in worker processes; what is stored must be what one process stores,
in the same order, and a worker that dies must cost no article."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text
from typer.testing import CliRunner

from conftest import EXAMPLES, SEEDS
from onrecord import pipeline
from onrecord.cli import app
from onrecord.ingest import article_from_text
from onrecord.quotes.extract import NOT_EXTRACTED
from onrecord.quotes.pool import BatchExtractor, default_jobs
from onrecord.store import Store

GERMAN = (
    "Die Ministerin sagte am Montag, die Regierung werde die Wasserpreise nicht erhöhen. "
    "„Wir halten unser Versprechen“, sagte sie vor Journalisten in Berlin.\n"
)

_STORED = {
    "articles": "SELECT id, seq, duplicate_of, similarity, story_id, extra FROM articles ORDER BY seq",
    # By value: a copy read while its original is being extracted is recorded when the original is stored.
    "sightings": "SELECT article_id, source_path, source_record FROM sightings ORDER BY article_id, source_path",
    "quotes": "SELECT id, article_id, kind, start, content_spans, cue_spans, source_spans, speakers, confidence, "
    "act, rule, speaker_keys, statement_id FROM quotes ORDER BY id",
}


def stored(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    with store.engine.connect() as conn:
        return {name: [tuple(r) for r in conn.execute(text(sql))] for name, sql in _STORED.items()}


def corpus(tmp_path: Path) -> Path:
    """The demo corpus, the seeds, an article in German and exact copies of a seed: one read right after
    it (its original is still being extracted), one at the end."""
    folder = tmp_path / "in"
    shutil.copytree(EXAMPLES, folder)
    for seed in sorted(SEEDS.glob("*.txt")):
        shutil.copy(seed, folder / f"seed-{seed.name}")
    (folder / "zz-german.txt").write_text(GERMAN, encoding="utf-8")
    first = sorted(SEEDS.glob("*.txt"))[0]
    shutil.copy(first, folder / f"seed-{first.stem}-copy.txt")
    shutil.copy(first, folder / "zz-copy-of-a-seed.txt")
    return folder


def test_ingest_with_two_jobs_stores_what_one_job_stores_in_the_same_order(tmp_path: Path) -> None:
    folder = corpus(tmp_path)
    stores = {}
    for jobs in (1, 2):
        store = Store(f"sqlite:///{tmp_path / f'jobs{jobs}.db'}", create=True)
        # Batches of 3 put several batches in flight at once, so the workers really run side by side.
        summary = pipeline.ingest([str(folder)], store, jobs=jobs, batch_size=3)
        assert not summary.failed
        assert summary.exact_duplicates >= 2
        stores[jobs] = (stored(store), summary.exact_duplicates, summary.new)
    assert stores[1][1:] == stores[2][1:]
    one, two = stores[1][0], stores[2][0]
    assert len(one["articles"]) > 10 and len(one["quotes"]) > 30  # the comparison compares something
    assert one == two
    extras = [json.loads(e) if isinstance(e, str) else e for *_, e in two["articles"]]
    assert any(str(e.get(NOT_EXTRACTED, "")).startswith("language de") for e in extras)


def test_extract_articles_with_two_jobs_keeps_input_order_and_results() -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))] + [GERMAN]
    articles = [article_from_text(t) for t in texts * 3]  # 18 articles, batches of 2: 9 batches
    one = [(d.article.id, [q.to_dict() for q in d.quotes]) for d in pipeline.extract_articles(articles, batch_size=2)]
    again = [article_from_text(t) for t in texts * 3]
    two = [
        (d.article.id, [q.to_dict() for q in d.quotes]) for d in pipeline.extract_articles(again, batch_size=2, jobs=2)
    ]
    assert [i for i, _ in one] == [a.id for a in articles]
    assert one == two
    assert sum(len(qs) for _, qs in two) > 20
    # The worker's marks reach the caller's articles: the German one says why it has no quotes.
    assert again[5].extra[NOT_EXTRACTED].startswith("language de")
    assert NOT_EXTRACTED not in again[0].extra


def test_a_worker_that_dies_costs_no_article() -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    expected = BatchExtractor(1, min_confidence=0.5)
    reference = [article_from_text(t) for t in texts]
    want = [r.quotes for r in expected.result(expected.submit(reference), reference)]
    with BatchExtractor(2, min_confidence=0.5) as ex:
        ex.warm()
        assert ex._pool is not None
        for pid in list(ex._pool._processes):  # killed for memory, say
            os.kill(pid, signal.SIGKILL)
        batch = [article_from_text(t) for t in texts]
        got = ex.result(ex.submit(batch), batch)
        assert [r.quotes for r in got] == want
        assert not ex.parallel  # what is left of the run is extracted in this process
        later = [article_from_text(t) for t in texts]
        assert [r.quotes for r in ex.result(ex.submit(later), later)] == want


def test_cli_ingest_and_reprocess_take_jobs(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    runner = CliRunner()
    res = runner.invoke(app, ["ingest", str(EXAMPLES), "--db", str(db), "--jobs", "2", "--format", "json"])
    assert res.exit_code == 0, res.output
    quotes = json.loads(res.stdout)["quotes"]
    assert quotes > 0
    res = runner.invoke(app, ["reprocess", "--db", str(db), "-j", "2"])
    assert res.exit_code == 0, res.output
    assert Store(f"sqlite:///{db}").count("quotes") == quotes
    assert runner.invoke(app, ["ingest", str(EXAMPLES), "--db", str(db), "--jobs", "0"]).exit_code == 2
    assert default_jobs() >= 1


_CALLER = """
from onrecord.quotes.pool import BatchExtractor
if __name__ == "__main__":
    ex = BatchExtractor(2, min_confidence=0.5)
    ex.warm()
    print(" ".join(str(p) for p in ex._pool._processes), flush=True)
    import time
    time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (ended, not yet reaped by its parent) is gone too.
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        return f.read().rsplit(")", 1)[1].split()[0] != "Z"


def test_workers_end_when_the_process_that_started_them_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "caller.py"
    script.write_text(_CALLER, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    workers = [int(p) for p in proc.stdout.readline().split()]
    assert len(workers) == 2 and all(_alive(p) for p in workers)
    proc.kill()  # no shutdown, no atexit: as when the machine kills a run for memory
    proc.wait()
    deadline = time.monotonic() + 20
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(p) for p in workers)
