"""Ingest stays cheap: plain text needs none of the heavy readers (dateparser per file was the old
regression). Throughput is measured by benchmarks/ingest.py, not timed here: a timed test fails on a
loaded machine."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

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
