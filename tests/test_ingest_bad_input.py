"""Bad input: one clean Failure line per input (or record), and the run goes on."""

from __future__ import annotations

import gzip
import io
import random
from pathlib import Path

import pytest

from onrecord.ingest import read_inputs
from onrecord.models import Article, Failure
from test_ingest_readers import PARAGRAPHS, make_warc, page

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
GOOD_TEXT = "Port reopens\n\nThe port of Marenza reopened on Tuesday after the storm, the harbour master said.\n"


def read(*paths: str | Path, **kwargs) -> list[Article | Failure]:
    return list(read_inputs([str(p) for p in paths], **kwargs))


def only_failure(items: list[Article | Failure]) -> Failure:
    assert len(items) == 1 and isinstance(items[0], Failure), items
    return items[0]


def assert_one_clean_line(failure: Failure) -> None:
    assert failure.reason and "\n" not in failure.reason
    assert "Traceback" not in failure.reason
    assert "\n" not in str(failure)


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "zz_good.txt"
    path.write_text(GOOD_TEXT)
    return path


def test_nonexistent_path(good: Path) -> None:
    items = read("/no/such/file.txt", good)
    failure = items[0]
    assert isinstance(failure, Failure)
    assert failure.path == "/no/such/file.txt" and failure.reason == "no such file or folder"
    assert isinstance(items[1], Article)


def test_glob_matching_nothing(tmp_path: Path) -> None:
    failure = only_failure(read(tmp_path / "*.nothing"))
    assert failure.reason == "no files match this pattern"


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "PNG image"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "PDF document"),
        (b"PK\x03\x04" + b"\x00" * 100, "ZIP archive"),
        (gzip.compress(b"\x00\x01\x02\x03" * 100), "binary data"),  # unpacked, then refused
        (b"abc\x00\x00\x01\x02def" * 50, "binary data"),
    ],
)
def test_binary_files(tmp_path: Path, good: Path, content: bytes, kind: str) -> None:
    path = tmp_path / "file.txt"
    path.write_bytes(content)
    items = read(path, good)
    assert isinstance(items[0], Failure) and items[0].path == str(path)
    assert items[0].reason == f"binary file ({kind}), not text"
    assert_one_clean_line(items[0])
    assert isinstance(items[1], Article)


def test_undecodable_bytes(tmp_path: Path, good: Path) -> None:
    rng = random.Random(0)
    path = tmp_path / "garbage.txt"
    path.write_bytes(bytes(rng.randint(128, 255) for _ in range(400)))
    items = read(path, good)
    assert isinstance(items[0], Failure)
    assert items[0].reason.startswith("undecodable bytes")
    assert isinstance(items[1], Article)


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        ("latin-1", "Café owners in Marenza said the new tariffs were «too high», Señor Ruiz agreed."),
        ("cp1252", "The minister said “no” to the plan – twice – and left the room."),
        ("utf-16", "Water prices rise in Marenza, the Authority said on Monday."),
        ("cp1251", "Президент заявил, что вода подорожает. Министр согласился с этим решением."),
    ],
)
def test_non_utf8_text_is_decoded(tmp_path: Path, encoding: str, text: str) -> None:
    path = tmp_path / "legacy.txt"
    content = "Headline\n\n" + text + "\n"
    path.write_bytes(content.encode(encoding))
    (article,) = read(path)
    assert isinstance(article, Article), article
    assert article.text == content


@pytest.mark.parametrize("content", [b"", b"   \n\n\t  \n"])
def test_empty_files(tmp_path: Path, good: Path, content: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    items = read(path, good)
    assert isinstance(items[0], Failure) and items[0].reason == "empty file"
    assert isinstance(items[1], Article)


@pytest.mark.parametrize("name", ["empty.jsonl", "empty.html", "empty.xml"])
def test_empty_files_of_other_formats(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"\n")
    failure = only_failure(read(path))
    assert failure.reason == "empty file"


def test_file_over_the_size_cap(tmp_path: Path, good: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text(GOOD_TEXT * 50)
    items = read(path, good, max_bytes=1000)
    assert isinstance(items[0], Failure)
    assert items[0].reason.startswith("file is too large:") and "1,000-byte limit" in items[0].reason
    assert isinstance(items[1], Article)
    # Under the default cap the same file reads fine.
    assert isinstance(read(path)[0], Article)


def test_stdin_over_the_size_cap() -> None:
    failure = only_failure(read("-", stdin=io.BytesIO(GOOD_TEXT.encode() * 50), max_bytes=1000))
    assert failure.path == "-" and "too large" in failure.reason


def test_jsonl_cap_applies_per_line(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    long_line = '{"text": "' + "word " * 400 + '"}'
    short_line = '{"text": "The council met on Monday and approved the budget."}'
    path.write_text(long_line + "\n" + short_line + "\n")
    failure, article = read(path, max_bytes=500)
    assert isinstance(failure, Failure) and failure.record == 1 and "line 1 is too large" in failure.reason
    assert isinstance(article, Article) and article.source_record == 2


def test_malformed_jsonl_lines_name_their_line_and_others_still_yield(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    lines = [
        '{"text": "The first article says the council approved the budget on Monday."}',
        '{"text": "broken',
        "not json at all",
        '{"text": "The fourth line is fine: the port reopened on Tuesday after the storm."}',
    ]
    path.write_text("\n".join(lines) + "\n")
    items = read(path)
    assert [type(i).__name__ for i in items] == ["Article", "Failure", "Failure", "Article"]
    assert [i.record for i in items if isinstance(i, Failure)] == [2, 3]
    assert items[1].reason.startswith("malformed JSON on line 2:")
    assert items[2].reason.startswith("malformed JSON on line 3:")
    assert str(items[1]).startswith(f"{path}:2: malformed JSON on line 2")
    for failure in items[1:3]:
        assert_one_clean_line(failure)


def test_broken_feed(good: Path) -> None:
    items = read(FIXTURES / "broken_feed.xml", good)
    assert isinstance(items[0], Failure) and items[0].reason.startswith("broken feed:")
    assert_one_clean_line(items[0])
    assert isinstance(items[1], Article)


def test_xml_that_is_no_feed(tmp_path: Path) -> None:
    path = tmp_path / "note.xml"
    path.write_text('<?xml version="1.0"?><note><to>Ana</to></note>')
    failure = only_failure(read(path))
    assert failure.reason in ("feed has no entries",) or failure.reason.startswith("broken feed")


def test_garbage_named_warc(tmp_path: Path, good: Path) -> None:
    path = tmp_path / "crawl.warc"
    path.write_text("this is not a WARC file at all\n" * 5)
    items = read(path, good)
    assert isinstance(items[0], Failure) and items[0].reason.startswith("broken WARC")
    assert_one_clean_line(items[0])
    assert isinstance(items[1], Article)


def test_truncated_warc_keeps_the_records_before_the_break(tmp_path: Path) -> None:
    pages = [
        (f"https://x.test/{n}", page(f"Pier number {n} opens", [f"Pier {n} opened on Monday.", *PARAGRAPHS]))
        for n in range(3)
    ]
    whole = make_warc(tmp_path / "whole.warc.gz", pages, extra_records=False).read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(whole[: int(len(whole) * 0.8)])
    items = read(cut)
    assert isinstance(items[-1], Failure), items
    assert items[-1].reason.startswith("broken WARC")
    assert_one_clean_line(items[-1])
    assert [a.url for a in items[:-1]] == ["https://x.test/0", "https://x.test/1"]


def test_warc_without_html_responses(tmp_path: Path) -> None:
    from warcio.warcwriter import WARCWriter

    path = tmp_path / "info.warc.gz"
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        writer.write_record(writer.create_warcinfo_record("info.warc.gz", {"software": "test"}))
    failure = only_failure(read(path))
    assert failure.reason == "no HTML responses among the 1 WARC records"


def test_html_without_article_text(tmp_path: Path) -> None:
    path = tmp_path / "blank.html"
    path.write_text("<!DOCTYPE html><html><head><title>x</title></head><body></body></html>")
    failure = only_failure(read(path))
    assert failure.reason == "no article text found in the HTML page"


def test_a_reader_crash_becomes_a_failure_not_a_traceback(tmp_path: Path, monkeypatch, good: Path) -> None:
    from onrecord.ingest.registry import READERS, Reader

    def explode(source):
        raise RuntimeError("boom\nsecond line")
        yield  # pragma: no cover

    path = tmp_path / "a.boom"
    path.write_text("anything")
    monkeypatch.setitem(READERS, "boom", Reader("boom", explode, (".boom",), None, 50))
    items = read(path, good)
    assert isinstance(items[0], Failure)
    assert items[0].reason == "unexpected RuntimeError while reading: boom"
    assert isinstance(items[1], Article)


def test_many_bad_inputs_in_one_run_each_give_one_line(tmp_path: Path, good: Path) -> None:
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02" * 100)
    (tmp_path / "empty.txt").write_bytes(b"")
    items = read(tmp_path / "bin.txt", "/missing", tmp_path / "empty.txt", FIXTURES / "broken_feed.xml", good)
    assert [type(i).__name__ for i in items] == ["Failure"] * 4 + ["Article"]
    for failure in items[:4]:
        assert_one_clean_line(failure)


def test_truncated_gzip(tmp_path: Path, good: Path) -> None:
    path = tmp_path / "news.txt.gz"
    path.write_bytes(gzip.compress(GOOD_TEXT.encode() * 40)[:60])
    items = read(path, good)
    assert isinstance(items[0], Failure) and "gzip" in items[0].reason
    assert_one_clean_line(items[0])
    assert isinstance(items[1], Article)


def test_gzip_cap_applies_to_the_unpacked_size(tmp_path: Path) -> None:
    path = tmp_path / "bomb.txt.gz"
    path.write_bytes(gzip.compress(b"Title\n\n" + b"word " * 100_000))
    assert path.stat().st_size < 2000
    failure = only_failure(read(path, max_bytes=50_000))
    assert "too large" in failure.reason
