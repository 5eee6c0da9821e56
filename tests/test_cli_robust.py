"""The command line under faults: one line per failure in a log, honest help, linking finished later."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ONRECORD = [sys.executable, "-c", "from onrecord.cli import main; main()"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    # stdout and stderr are pipes, not a terminal: what a CI log or `2> errors.txt` sees.
    return subprocess.run([*ONRECORD, *args], capture_output=True, text=True, timeout=300)


def test_failure_lines_stay_one_line_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    deep = tmp_path / ("a-folder-with-a-rather-long-name-" * 3)
    deep.mkdir()
    bad = deep / "broken-feed-with-a-long-file-name-that-would-wrap.jsonl"
    bad.write_text('{"text": "fine line"}\n{not json at all, and the reason names it}\n', encoding="utf-8")
    proc = run("ingest", str(bad), "--db", str(tmp_path / "x.db"), "--no-extract")
    assert proc.returncode == 1
    failures = [line for line in proc.stderr.splitlines() if line.startswith("failed:")]
    assert len(failures) == 1
    assert str(bad) in failures[0] and len(failures[0]) > 80  # long, and still one line


def test_ingest_help_offers_only_the_formats_it_writes() -> None:
    proc = run("ingest", "--help")
    assert proc.returncode == 0
    assert "table | json" in proc.stdout
    assert "jsonl" not in proc.stdout
    assert "csv" not in proc.stdout


def test_relink_finishes_what_an_unlinked_ingest_left(tmp_path: Path) -> None:
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        'Port talks resume\n\n"We are ready to sign," Harbour Minister Ana Petrov said on Monday.\n', encoding="utf-8"
    )
    db = str(tmp_path / "r.db")
    assert run("ingest", str(corpus), "--db", db, "--no-link").returncode == 0
    listing = run("speakers", "--db", db)
    assert "not up to date" in listing.stderr and "onrecord relink" in listing.stderr
    done = run("relink", "--db", db)
    assert done.returncode == 0, done.stderr
    after = run("speakers", "--db", db, "--format", "json")
    assert "not up to date" not in after.stderr
    assert "Ana Petrov" in after.stdout


def test_ingesting_the_folder_that_holds_the_database_skips_the_database(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text('Talks\n\n"We are ready," Ana Petrov said.\n', encoding="utf-8")
    for _ in range(2):  # the second run sees onrecord.db and its -wal/-shm files in the folder
        proc = subprocess.run(
            [*ONRECORD, "ingest", ".", "--format", "json"], capture_output=True, text=True, cwd=tmp_path, timeout=300
        )
        assert proc.returncode == 0, proc.stderr
        assert '"failed": []' in proc.stdout
    summary = json.loads(proc.stdout)
    assert summary["new"] == 0 and summary["already_stored"] == 1


def test_a_file_name_with_a_line_break_still_fails_on_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "two\nlines.jsonl"
    bad.write_text("{broken\n", encoding="utf-8")
    proc = run("ingest", str(bad), "--db", str(tmp_path / "x.db"), "--no-extract")
    assert proc.returncode == 1
    (line,) = [ln for ln in proc.stderr.splitlines() if "lines.jsonl" in ln]
    assert line.startswith("failed:") and "two\\nlines.jsonl" in line
