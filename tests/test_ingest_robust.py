"""Robust reading: one bad record fails alone, encodings come out right, odd inputs are read or refused in one line."""

from __future__ import annotations

import gzip
import io
import json
import os
import random
import re
import sqlite3
import time
from pathlib import Path

import pytest

from conftest import SHARED
from onrecord.ingest import article_from_text, read_inputs
from onrecord.models import Article, Failure
from test_ingest_readers import PARAGRAPHS, make_warc, page

WEB = SHARED / "corpora" / "web"
CHARDET = WEB / "feedparser" / "illformed" / "chardet"
WARCIO = WEB / "warcio"
needs_web = pytest.mark.skipif(not WEB.is_dir(), reason=f"web corpus not found at {WEB}")

GOOD_TEXT = "Port reopens\n\nThe port of Marenza reopened on Tuesday after the storm, the harbour master said.\n"
# C0 controls a database may refuse; tab, newline and carriage return are text.
C0_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def read(*paths: str | Path, **kwargs: object) -> list[Article | Failure]:
    return list(read_inputs([str(p) for p in paths], **kwargs))  # type: ignore[arg-type]


def kinds(items: list[Article | Failure]) -> list[str]:
    return [type(i).__name__ for i in items]


def assert_clean_failure(failure: Failure) -> None:
    assert failure.reason.strip() and "\n" not in failure.reason and "\n" not in str(failure), failure
    assert not failure.reason.rstrip().endswith(":"), failure  # a reason cut off before its detail


def jsonl_line(text: str, **fields: object) -> str:
    return json.dumps({"text": text, **fields})


# ----------------------------------------------------------------- one bad record fails alone


def test_deeply_nested_jsonl_line_fails_alone(tmp_path: Path) -> None:
    path = tmp_path / "nested.jsonl"
    lines = [jsonl_line(PARAGRAPHS[0]), "[" * 100_000, jsonl_line(PARAGRAPHS[1]), "{" * 50_000]
    path.write_text("\n".join(lines) + "\n")
    items = read(path)
    assert kinds(items) == ["Article", "Failure", "Article", "Failure"]
    assert [i.record for i in items if isinstance(i, Failure)] == [2, 4]
    assert "nested too deeply" in items[1].reason
    for failure in (items[1], items[3]):
        assert_clean_failure(failure)


def test_jsonl_fields_of_the_wrong_type_fail_or_read_alone(tmp_path: Path) -> None:
    path = tmp_path / "types.jsonl"
    lines = [
        json.dumps({"text": PARAGRAPHS[0], "title": ["a", "list"], "published": 1_700_000_000}),
        json.dumps({"text": {"an": "object"}}),
        json.dumps({"text": PARAGRAPHS[1], "published": 10**30, "authors": {"name": 5}, "source": [1]}),
        json.dumps({"text": PARAGRAPHS[2], "published": -(10**20), "language": 7, "url": ["x"]}),
    ]
    path.write_text("\n".join(lines) + "\n")
    items = read(path)
    assert kinds(items) == ["Article", "Failure", "Article", "Article"]
    assert items[0].title is None and items[0].published is not None
    assert items[1].record == 2 and "no article text" in items[1].reason


def warc_without_target_uri(path: Path) -> Path:
    """Three HTML responses; the second lacks its WARC-Target-URI header."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=False)
    for n in range(3):
        html = page(f"Pier number {n} opens", [f"Pier {n} opened on Monday.", *PARAGRAPHS])
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        record = writer.create_warc_record(
            f"https://x.test/{n}", "response", payload=io.BytesIO(html.encode()), http_headers=headers
        )
        if n == 1:
            record.rec_headers.remove_header("WARC-Target-URI")
        writer.write_record(record)
    path.write_bytes(buffer.getvalue())
    return path


def test_warc_record_without_target_uri_fails_alone(tmp_path: Path) -> None:
    items = read(warc_without_target_uri(tmp_path / "crawl.warc"))
    assert kinds(items) == ["Article", "Failure", "Article"]
    assert [a.url for a in items if isinstance(a, Article)] == ["https://x.test/0", "https://x.test/2"]
    assert items[1].record == 2 and "WARC-Target-URI" in items[1].reason


FEED = """<?xml version="1.0" encoding="{encoding}"?>
<rss version="2.0"><channel><title>Marenza Herald</title>
<item><title>Budget approved</title>
<description>The council approved the budget on Monday, the mayor said.</description></item>
<item><title>Port reopens</title>
<description>The port reopened on Tuesday after the storm, officials said.</description></item>
</channel></rss>
"""


@pytest.mark.parametrize("encoding", ["bogus-enc", "undefined", "punycode", "base64", "utf-16", "x" * 200])
def test_feed_with_a_bad_encoding_declaration_still_reads(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "feed.xml"
    path.write_text(FEED.format(encoding=encoding))
    items = read(path)
    assert kinds(items) == ["Article", "Article"], items
    assert [a.title for a in items] == ["Budget approved", "Port reopens"]


# ----------------------------------------------------------------- encodings


UTF8_BODY = (
    "Zürich’s mayor said the “new tariffs” would hit cafés in Genève and Köln — and naïve plans would fail. "
    "Officials in Malmö agreed on Monday."
)


def test_stray_byte_in_declared_utf8_html_keeps_utf8(tmp_path: Path) -> None:
    html = page("Tariffs in Zürich", [UTF8_BODY, *PARAGRAPHS]).replace("<head>", '<head><meta charset="utf-8">')
    data = html.encode("utf-8").replace(b"Monday.", b"Monday\xff.")
    path = tmp_path / "page.html"
    path.write_bytes(data)
    (article,) = read(path)
    assert isinstance(article, Article), article
    assert "Zürich’s mayor" in article.text and "Ã" not in article.text
    assert "Monday\ufffd." in article.text
    assert article.extra["decoding"] == "utf-8 (1 invalid byte replaced)"


def test_stray_bytes_in_undeclared_utf8_text_keep_utf8(tmp_path: Path) -> None:
    data = ("Tariffs\n\n" + UTF8_BODY + "\n").encode("utf-8").replace(b"Monday", b"Mon\x92day\xe9")
    path = tmp_path / "note.txt"
    path.write_bytes(data)
    (article,) = read(path)
    assert isinstance(article, Article), article
    assert "Zürich’s" in article.text and "Mon\ufffdday\ufffd" in article.text
    assert article.extra["decoding"] == "utf-8 (2 invalid bytes replaced)"


def test_clean_utf8_says_nothing_about_decoding(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_text("Tariffs\n\n" + UTF8_BODY + "\n", encoding="utf-8")
    (article,) = read(path)
    assert isinstance(article, Article) and "decoding" not in article.extra


@pytest.mark.parametrize(
    ("charset", "sentence"),
    [
        ("koi8-r", "Президент заявил, что вода подорожает."),
        ("shift_jis", "東京の知事は月曜日に新しい計画を発表した。"),
        ("windows-1255", "ראש העירייה אמר שהמים יתייקרו."),
    ],
)
def test_declared_html_charset_is_honoured(tmp_path: Path, charset: str, sentence: str) -> None:
    html = page("Water", [sentence, *PARAGRAPHS]).replace("<head>", f'<head><meta charset="{charset}">')
    path = tmp_path / "page.html"
    path.write_bytes(html.encode(charset))
    (article,) = read(path)
    assert isinstance(article, Article), article
    assert sentence in article.text
    assert article.extra["decoding"].endswith("(declared)")


def one_page_warc(path: Path, body: bytes, charset: str) -> Path:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=False)
        headers = StatusAndHeaders("200 OK", [("Content-Type", f"text/html; charset={charset}")], protocol="HTTP/1.1")
        writer.write_record(
            writer.create_warc_record("https://x.test/", "response", payload=io.BytesIO(body), http_headers=headers)
        )
    return path


def test_declared_http_charset_in_a_warc_is_honoured(tmp_path: Path) -> None:
    sentence = "Президент заявил, что вода подорожает."
    body = page("Water", [sentence, *PARAGRAPHS]).encode("koi8-r")
    (article,) = read(one_page_warc(tmp_path / "crawl.warc", body, "KOI8-R"))
    assert isinstance(article, Article) and sentence in article.text


def test_stray_byte_in_a_warc_declared_utf8_keeps_utf8(tmp_path: Path) -> None:
    body = page("Tariffs in Zürich", [UTF8_BODY, *PARAGRAPHS]).encode("utf-8").replace(b"Monday.", b"Monday\xff.")
    (article,) = read(one_page_warc(tmp_path / "crawl.warc", body, "utf-8"))
    assert isinstance(article, Article), article
    assert "Zürich’s mayor" in article.text and "Monday\ufffd." in article.text
    assert article.extra["decoding"] == "utf-8 (1 invalid byte replaced)"


SCRIPTS = {
    "eucjp.xml": "[\u3040-\u30ff]",  # kana
    "shiftjis.xml": "[\u3040-\u30ff]",
    "euckr.xml": "[\uac00-\ud7a3]",  # Hangul
    "koi8r.xml": "[\u0410-\u044f]",  # Cyrillic
    "tis620.xml": "[\u0e01-\u0e5b]",  # Thai
    "windows1255.xml": "[\u05d0-\u05ea]",  # Hebrew
}


@needs_web
@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_feeds_in_undeclared_legacy_encodings_decode_to_their_script(name: str) -> None:
    items = read(CHARDET / name)
    articles = [i for i in items if isinstance(i, Article)]
    assert articles, items
    for article in articles:
        letters = [ch for ch in article.text if ch.isalpha()]
        in_script = re.findall(SCRIPTS[name], article.text)
        assert len(in_script) >= len(letters) / 3, article.text[:200]
        assert not re.search("[\u00c0-\u00ff]{2}", article.text), article.text[:200]  # cp1252 mojibake
        assert article.title is None or re.search(SCRIPTS[name], article.title)
        assert article.extra["decoding"].endswith("(detected)")


@needs_web
def test_feed_with_declared_legacy_encoding() -> None:
    (article,) = read(WEB / "feedparser" / "encoding" / "euc-kr-item.xml")
    assert isinstance(article, Article) and "\ub144" in article.text


@needs_web
@pytest.mark.parametrize("name", ["utf-16be.xml", "utf-16le.xml", "utf-32be.xml", "utf-32le.xml"])
def test_feeds_in_utf16_or_utf32_without_a_bom_are_text(name: str) -> None:
    (failure,) = read(WEB / "feedparser" / "encoding" / name)
    assert isinstance(failure, Failure) and failure.reason == "feed has no entries"  # read, and empty


# ----------------------------------------------------------------- inputs


PHP_WARNING = (
    "<br />\n<b>Warning</b>:  Undefined variable $user in <b>/var/www/news/index.php</b> on line <b>12</b><br />\n"
)


@pytest.mark.parametrize("junk", [PHP_WARNING, "\n\n   \n", "garbage line before the page\n"])
def test_html_after_leading_junk_is_read_as_html(tmp_path: Path, junk: str) -> None:
    path = tmp_path / "article.php"
    path.write_text(junk + page("Pier opens", PARAGRAPHS))
    (article,) = read(path)
    assert isinstance(article, Article) and article.format == "html", article
    assert article.title == "Pier opens" and "<p>" not in article.text


def test_prose_mentioning_a_tag_stays_text(tmp_path: Path) -> None:
    path = tmp_path / "howto.txt"
    path.write_text("How to write a page\n\nEvery page opens with an <html> tag, the tutor said on Monday.\n")
    (article,) = read(path)
    assert isinstance(article, Article) and article.format == "text"


@needs_web
@pytest.mark.parametrize("name", ["example.arc", "example.arc.gz", "example-space-in-url.arc"])
def test_arc_files_are_read_as_crawls(name: str) -> None:
    (article,) = read(WARCIO / name)
    assert isinstance(article, Article), article
    assert article.format == "warc" and article.url and article.url.startswith("http://example.com/")
    assert article.text.startswith("Example Domain") and article.extra["crawled"].startswith("2014-02-16")


def test_whole_file_gzipped_warc_is_read(tmp_path: Path) -> None:
    pages = [
        (f"https://x.test/{n}", page(f"Pier number {n} opens", [f"Pier {n} opened.", *PARAGRAPHS])) for n in range(3)
    ]
    plain = make_warc(tmp_path / "plain.warc", pages).read_bytes()
    path = tmp_path / "whole.warc.gz"
    path.write_bytes(gzip.compress(plain))
    items = read(path)
    assert [a.url for a in items if isinstance(a, Article)] == [url for url, _ in pages], items
    assert not [i for i in items if isinstance(i, Failure)]


def distinct_pages(count: int) -> list[tuple[str, str]]:
    """Pages of different words, so that each takes its share of a file gzipped as a whole."""
    words = " ".join(PARAGRAPHS).split()
    pages = []
    for n in range(count):
        rng = random.Random(n)
        paragraphs = [" ".join(rng.choice(words) for _ in range(60)) + "." for _ in range(6)]
        pages.append((f"https://x.test/{n}", page(f"Pier number {n} opens", paragraphs)))
    return pages


def test_truncated_whole_file_gzipped_warc_keeps_the_records_before_the_cut(tmp_path: Path) -> None:
    pages = distinct_pages(3)
    whole = gzip.compress(make_warc(tmp_path / "plain.warc", pages, extra_records=False).read_bytes())
    path = tmp_path / "cut.warc.gz"
    path.write_bytes(whole[: int(len(whole) * 0.8)])
    items = read(path)
    assert isinstance(items[-1], Failure) and items[-1].reason.startswith("broken WARC"), items
    assert_clean_failure(items[-1])
    assert [a.url for a in items[:-1]] == ["https://x.test/0", "https://x.test/1"]


@needs_web
def test_broken_warcio_files_give_a_reason() -> None:
    items = read(WARCIO)
    failures = [i for i in items if isinstance(i, Failure)]
    assert failures
    for failure in failures:
        assert_clean_failure(failure)
    # The gzipped-as-a-whole sample is read rather than refused.
    assert any(isinstance(i, Article) and i.source_path.endswith("example-bad-non-chunked.warc.gz") for i in items)


def test_gzipped_jsonl_is_capped_by_its_unpacked_size(tmp_path: Path) -> None:
    path = tmp_path / "many.jsonl.gz"
    line = jsonl_line(PARAGRAPHS[0]) + "\n"
    path.write_bytes(gzip.compress(line.encode() * 20_000))
    assert path.stat().st_size < 20_000
    items = read(path, max_bytes=50_000)
    articles = [i for i in items if isinstance(i, Article)]
    assert 0 < len(articles) <= 50_000 // len(line)
    failure = items[-1]
    assert isinstance(failure, Failure), failure
    assert "decompressed data is too large" in failure.reason and "50,000-byte limit" in failure.reason
    assert f"stopped after line {len(articles)}" in failure.reason and failure.record == len(articles) + 1
    assert_clean_failure(failure)


def test_gzipped_jsonl_under_the_cap_reads_whole(tmp_path: Path) -> None:
    path = tmp_path / "few.jsonl.gz"
    path.write_bytes(gzip.compress("\n".join(jsonl_line(p) for p in PARAGRAPHS).encode()))
    assert kinds(read(path, max_bytes=50_000)) == ["Article"] * len(PARAGRAPHS)


def test_symlink_loops_give_one_failure_each(tmp_path: Path) -> None:
    folder = tmp_path / "news"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(GOOD_TEXT)
    (folder / "sub" / "up").symlink_to("..")  # back to news/
    (folder / "self").symlink_to("self")  # a link to itself: ELOOP
    started = time.perf_counter()
    items = read(folder, folder / "self")
    assert time.perf_counter() - started < 5
    articles = [i for i in items if isinstance(i, Article)]
    failures = [i for i in items if isinstance(i, Failure)]
    assert [a.source_path for a in articles] == [str(folder / "a.txt")]
    assert sorted(f.path for f in failures) == sorted(
        [str(folder / "self"), str(folder / "sub" / "up"), str(folder / "self")]
    )
    for failure in failures:
        assert_clean_failure(failure)
        assert "symbolic link" in failure.reason


def make_database(path: Path) -> sqlite3.Connection:
    """A SQLite database in WAL mode, left open so that its -wal and -shm files exist."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE articles (id TEXT, text TEXT)")
    connection.execute("INSERT INTO articles VALUES ('a', ?)", (GOOD_TEXT,))
    connection.commit()
    return connection


def test_sqlite_databases_in_a_folder_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(GOOD_TEXT)
    connection = make_database(tmp_path / "onrecord.db")
    try:
        assert (tmp_path / "onrecord.db-wal").exists() and (tmp_path / "onrecord.db-shm").exists()
        (tmp_path / "old.db-journal").write_bytes(b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7" + b"\x00" * 100)
        items = read(tmp_path)
    finally:
        connection.close()
    assert kinds(items) == ["Article"], items
    assert items[0].source_path == str(tmp_path / "a.txt")


def test_a_database_named_on_its_own_gives_one_line(tmp_path: Path) -> None:
    make_database(tmp_path / "news.db").close()
    (failure,) = read(tmp_path / "news.db")
    assert isinstance(failure, Failure) and "SQLite database" in failure.reason


def test_excluded_paths_are_never_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.txt").write_text(GOOD_TEXT)
    (tmp_path / "b.txt").write_text(GOOD_TEXT.replace("Tuesday", "Friday"))
    (tmp_path / "out.db").write_text("not yet a database, still never to be read")
    monkeypatch.chdir(tmp_path)
    items = list(read_inputs([str(tmp_path)], exclude=["out.db", Path(tmp_path / "b.txt")]))
    assert [i.source_path for i in items] == [str(tmp_path / "a.txt")]


def test_one_file_is_read_once_however_it_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "a.txt").write_text(GOOD_TEXT)
    (folder / "b.txt").write_text(GOOD_TEXT.replace("Tuesday", "Friday"))
    (tmp_path / "link").symlink_to(folder)
    monkeypatch.chdir(tmp_path)
    items = read("news", str(folder), "./news/a.txt", "link", "news/*.txt")
    assert [i.source_path for i in items] == [os.path.join("news", "a.txt"), os.path.join("news", "b.txt")]


def test_control_characters_are_removed_and_offsets_still_slice(tmp_path: Path) -> None:
    path = tmp_path / "controls.jsonl"
    text = "Bridge\u0000 reopens\n\nThe bridge\u0001 reopened on Monday\u001f, the mayor said.\fIt had been shut\u0000."
    record = {
        "text": text,
        "title": "Bridge\u0000 reopens",
        "author": "Ana\u0007 Ruiz",
        "note": "x\u0000y",
        "bad": "\ud800",
    }
    path.write_text(json.dumps(record) + "\n")
    (article,) = read(path)
    assert isinstance(article, Article), article
    assert not C0_CONTROLS.search(article.text) and "\ud800" not in json.dumps(article.to_dict(), ensure_ascii=False)
    assert article.text.startswith(
        "Bridge reopens\n\nThe bridge reopened on Monday, the mayor said.\nIt had been shut."
    )
    assert article.title == "Bridge reopens" and article.authors == ["Ana Ruiz"] and article.extra["note"] == "xy"
    assert article.title_span is not None and article.title_span.slice(article.text) == article.title
    for skip in article.skip_ranges:
        assert 0 <= skip.start <= skip.end <= len(article.text)
    json.dumps(article.to_dict()).encode("utf-8")  # storable: no lone surrogate left


def test_control_characters_are_removed_from_text_given_directly() -> None:
    article = article_from_text("Headline\x00\n\nBody\x0b with a vertical tab and a bell\x07.")
    assert article.text == "Headline\n\nBody\n with a vertical tab and a bell."
    assert article.title == "Headline"


# ----------------------------------------------------------------- every real file


@needs_web
def test_every_real_web_file_reads_or_fails_in_one_line() -> None:
    files = sorted(str(p) for p in WEB.rglob("*") if p.is_file() and not p.name.startswith("."))
    assert len(files) > 200
    started = time.perf_counter()
    items = list(read_inputs([str(WEB)]))
    elapsed = time.perf_counter() - started
    seen: set[str] = set()
    for item in items:
        assert isinstance(item, Article | Failure), item
        assert item.source_path if isinstance(item, Article) else item.path
        if isinstance(item, Failure):
            assert_clean_failure(item)
            assert item.path in files, item  # names the file
            assert str(item).startswith(item.path)
            seen.add(item.path)
        else:
            assert item.text.strip() and not C0_CONTROLS.search(item.text)
            seen.add(item.source_path or "")
    assert seen == set(files)  # every file accounted for, none lost silently
    assert elapsed < 60, f"{elapsed:.1f}s"
