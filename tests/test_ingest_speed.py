"""Ingest stays cheap: no heavy imports for plain text, thousands of short articles a second."""

from __future__ import annotations

import random
import subprocess
import sys
import time
from pathlib import Path

from onrecord.ingest import read_inputs
from onrecord.models import Article

WORDS = (
    "the authority said water plant minister coast pipes leaks reservoir council harbour people summer "
    "budget tariffs engineers valdoria marenza report new old south east weeks months year"
).split()


def write_corpus(folder: Path, count: int) -> None:
    rng = random.Random(7)
    for n in range(count):
        paragraphs = [
            " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 40))).capitalize() + "." for _ in range(5)
        ]
        paragraphs[2] = '"' + paragraphs[2] + '" the minister said.'
        dateline = f"Valdoria Herald, {rng.randint(1, 28)} March 2023, 10:{rng.randint(10, 59)}"
        text = f"Headline number {n} about water\n\n{dateline}\n\n" + "\n\n".join(paragraphs) + "\n"
        (folder / f"{n:05d}.txt").write_text(text)


def test_plain_text_needs_no_heavy_libraries(tmp_path: Path) -> None:
    write_corpus(tmp_path, 3)
    code = (
        "import sys\n"
        "from onrecord.ingest import read_inputs\n"
        f"items = list(read_inputs([{str(tmp_path)!r}]))\n"
        "assert len(items) == 3 and all(i.published for i in items), items\n"
        "heavy = {'trafilatura', 'feedparser', 'warcio', 'dateparser', 'charset_normalizer', 'spacy', 'htmldate'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_throughput_of_short_plain_text_articles(tmp_path: Path) -> None:
    write_corpus(tmp_path, 1000)
    list(read_inputs([str(tmp_path / "00000.txt")]))  # warm up
    started = time.process_time()
    items = list(read_inputs([str(tmp_path)]))
    elapsed = time.process_time() - started
    assert len(items) == 1000 and all(isinstance(i, Article) for i in items)
    # The goal is >= 5,000 articles/s on one quiet core; the bar here is lower so that a
    # loaded CI machine does not fail it, while a regression to dateparser-per-file would.
    assert 1000 / elapsed >= 1500, f"{1000 / elapsed:.0f} articles/s"
