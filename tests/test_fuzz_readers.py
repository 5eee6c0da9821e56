"""Fuzzing every reader: whatever the bytes, ``read_inputs`` yields Articles and one-line Failures, never raises.

Inputs are random bytes, mutations of small seed files of each format (written here, plus a
few real ones from the shared web corpus), truncations, deep nesting, huge lines and JSON
fields of the wrong type. Example counts are kept small so the file runs in seconds.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SHARED
from onrecord.ingest import read_inputs
from onrecord.models import Article, Failure
from test_ingest_readers import PARAGRAPHS, make_warc, page

WEB = SHARED / "corpora" / "web"
MAX_BYTES = 200_000  # small, so that the caps are reached too
C0_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
BASE = settings(
    deadline=None,
    database=None,  # nothing written into the working tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# ONRECORD_FUZZ_SCALE=20 runs twenty times the examples, for a deeper search than the test run's.
SCALE = int(os.environ.get("ONRECORD_FUZZ_SCALE", "1"))


def fuzz(examples: int) -> settings:
    return settings(BASE, max_examples=examples * SCALE)


EXTENSIONS = [".txt", ".html", ".xml", ".rss", ".jsonl", ".warc", ".warc.gz", ".arc", ".gz", ".jsonl.gz", ".bin", ""]


# ----------------------------------------------------------------- the property


def check_items(items: list[Article | Failure], path: str) -> None:
    """Everything is an Article or a clean one-line Failure that names the file."""
    for item in items:
        if isinstance(item, Failure):
            assert item.path == path, item
            assert item.reason.strip() and "\n" not in item.reason and "\r" not in item.reason, item
            assert item.record is None or (isinstance(item.record, int) and item.record >= 1), item
            assert "Traceback" not in item.reason
        else:
            assert isinstance(item, Article), item
            assert item.source_path == path and item.id and isinstance(item.text, str)
            assert not C0_CONTROLS.search(item.text), repr(item.text[:200])
            if item.title_span is not None:
                assert 0 <= item.title_span.start <= item.title_span.end <= len(item.text)
            for skip in item.skip_ranges:
                assert 0 <= skip.start <= skip.end <= len(item.text), skip
            json.dumps(item.to_dict(), ensure_ascii=False).encode("utf-8")  # storable: no lone surrogates


def read_file(data: bytes, suffix: str, **kwargs: Any) -> list[Article | Failure]:
    """Write ``data`` to a fresh file named ``*suffix`` and read it (fixtures would be shared across examples)."""
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / f"input{suffix}")
        Path(path).write_bytes(data)
        items = list(read_inputs([path], max_bytes=kwargs.pop("max_bytes", MAX_BYTES), **kwargs))
        check_items(items, path)
    return items


# ----------------------------------------------------------------- seed files


def _html_page() -> bytes:
    return page("Pier opens in Port Selin", PARAGRAPHS, published="2024-03-05T10:00:00+01:00").encode()


def _rss() -> bytes:
    items = "".join(
        f"<item><title>Story {n}</title><link>https://x.test/{n}</link><pubDate>Tue, 05 Mar 2024 10:00:00 GMT</pubDate>"
        f"<author>desk@x.test (Ana Ruiz)</author><description>&lt;p&gt;{p}&lt;/p&gt;</description></item>"
        for n, p in enumerate(PARAGRAPHS[:3])
    )
    channel = f"<channel><title>Herald</title>{items}</channel>"
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0">{channel}</rss>'.encode()


def _atom() -> bytes:
    entries = "".join(
        f"<entry><title>Story {n}</title><id>urn:{n}</id><updated>2024-03-05T10:00:00Z</updated>"
        f'<content type="html">&lt;p&gt;{p}&lt;/p&gt;</content></entry>'
        for n, p in enumerate(PARAGRAPHS[:3])
    )
    return (
        f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Herald</title>{entries}</feed>'.encode()
    )


def _jsonl() -> bytes:
    records = [
        {"text": p, "title": f"Story {n}", "published": "2024-03-05", "author": "By Ana Ruiz", "source": {"name": "H"}}
        for n, p in enumerate(PARAGRAPHS[:3])
    ]
    return "\n".join(json.dumps(r) for r in records).encode() + b"\n"


def _warc(gzipped: bool) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        name = "seed.warc.gz" if gzipped else "seed.warc"
        pages = [(f"https://x.test/{n}", page(f"Pier {n} opens", PARAGRAPHS)) for n in range(2)]
        return make_warc(Path(folder) / name, pages).read_bytes()


def _arc() -> bytes:
    """A two-record ARC (version 1) file: its header record and one HTML response."""
    version = b"1 0 Seed\nURL IP-address Archive-date Content-type Archive-length\n"
    head = b"filedesc://seed.arc 0.0.0.0 20240305100000 text/plain %d\n" % len(version) + version + b"\n"
    body = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + _html_page()
    return head + b"http://x.test/ 127.0.0.1 20240305100000 text/html %d\n" % len(body) + body + b"\n"


def _seeds() -> dict[str, tuple[bytes, str]]:
    """name -> (bytes, suffix) for every format, written here."""
    whole_gzip_warc = gzip.compress(_warc(gzipped=False))
    return {
        "text": (
            ("Pier opens\n\nPort Selin, 5 March 2024\n\nBy Ana Ruiz\n\n" + "\n\n".join(PARAGRAPHS)).encode(),
            ".txt",
        ),
        "html": (_html_page(), ".html"),
        "rss": (_rss(), ".xml"),
        "atom": (_atom(), ".atom"),
        "jsonl": (_jsonl(), ".jsonl"),
        "warc": (_warc(gzipped=False), ".warc"),
        "warc.gz": (_warc(gzipped=True), ".warc.gz"),
        "whole-gzip warc": (whole_gzip_warc, ".warc.gz"),
        "arc": (_arc(), ".arc"),
        "arc.gz": (gzip.compress(_arc()), ".arc.gz"),
        "jsonl.gz": (gzip.compress(_jsonl()), ".jsonl.gz"),
        "text.gz": (gzip.compress(b"Pier opens\n\n" + PARAGRAPHS[0].encode()), ".txt.gz"),
    }


SEEDS = _seeds()
REAL_FILES = [
    "warcio/example.warc.gz",
    "warcio/example.arc",
    "warcio/example-iana.org-chunked.warc",
    "feedparser/illformed/chardet/koi8r.xml",
    "trafilatura/resources/feed1.atom",
    "trafilatura/resources/utf8.html",
]


def _real_seeds() -> dict[str, tuple[bytes, str]]:
    found = {}
    for name in REAL_FILES:
        path = WEB / name
        if path.is_file():
            found[name] = (path.read_bytes()[:300_000], "." + path.name.split(".", 1)[1])
    return found


ALL_SEEDS = {**SEEDS, **_real_seeds()}


def test_every_seed_reads_to_articles() -> None:
    """The seeds are good inputs: mutations of them start from something each reader accepts."""
    for name, (data, suffix) in SEEDS.items():
        items = read_file(data, suffix)
        assert items and all(isinstance(i, Article) for i in items), (name, items)


# ----------------------------------------------------------------- mutations


def _flip(data: bytes, at: float, value: int) -> bytes:
    if not data:
        return bytes([value])
    i = int(at * len(data)) % len(data)
    return data[:i] + bytes([value]) + data[i + 1 :]


def _insert(data: bytes, at: float, chunk: bytes) -> bytes:
    i = int(at * (len(data) + 1))
    return data[:i] + chunk + data[i:]


def _delete(data: bytes, at: float, length: int) -> bytes:
    i = int(at * len(data))
    return data[:i] + data[i + length :]


def _truncate(data: bytes, at: float, _: Any) -> bytes:
    return data[: int(at * len(data))]


def _duplicate(data: bytes, at: float, length: int) -> bytes:
    i = int(at * len(data))
    return data[: i + length] + data[i : i + length] + data[i + length :]


MUTATIONS: list[tuple[Callable[[bytes, float, Any], bytes], st.SearchStrategy[Any]]] = [
    (_flip, st.integers(0, 255)),
    (_insert, st.binary(min_size=1, max_size=64)),
    (
        _insert,
        st.sampled_from([b"\x00", b"\xff\xfe", b"\x1f\x8b", b"WARC/1.0\r\n", b"<![CDATA[", b"]]>", b"&#0;", b"\n"]),
    ),
    (_delete, st.integers(1, 512)),
    (_truncate, st.none()),
    (_duplicate, st.integers(1, 2048)),
]


@st.composite
def mutated(draw: st.DrawFn, seeds: dict[str, tuple[bytes, str]]) -> tuple[bytes, str]:
    data, suffix = seeds[draw(st.sampled_from(sorted(seeds)))]
    for _ in range(draw(st.integers(1, 4))):
        mutate, argument = draw(st.sampled_from(MUTATIONS))
        data = mutate(data, draw(st.floats(0, 1, exclude_max=True)), draw(argument))
    return data, draw(st.sampled_from([suffix, suffix, *EXTENSIONS]))  # mostly its own name, sometimes a wrong one


def _gzip_unpacked(data: bytes, suffix: str) -> tuple[bytes, str]:
    """Mutate inside the compression too: the seed unpacked (if gzipped), to be re-packed after mutation."""
    return (gzip.decompress(data), suffix) if data.startswith(b"\x1f\x8b") else (data, suffix)


@fuzz(120)
@given(mutated(ALL_SEEDS))
def test_mutated_seed_files(case: tuple[bytes, str]) -> None:
    read_file(*case)


@fuzz(40)
@given(mutated({name: _gzip_unpacked(*seed) for name, seed in SEEDS.items() if seed[1].endswith(".gz")}))
def test_mutated_contents_of_gzipped_files(case: tuple[bytes, str]) -> None:
    data, suffix = case
    read_file(gzip.compress(data), suffix if suffix.endswith(".gz") else suffix + ".gz")


@fuzz(60)
@given(st.sampled_from(sorted(ALL_SEEDS)), st.floats(0, 1, exclude_max=True))
def test_truncated_seed_files(name: str, at: float) -> None:
    data, suffix = ALL_SEEDS[name]
    read_file(data[: int(at * len(data))], suffix)


@fuzz(80)
@given(st.binary(max_size=4096), st.sampled_from(EXTENSIONS))
def test_random_bytes(data: bytes, suffix: str) -> None:
    read_file(data, suffix)


@fuzz(40)
@given(
    st.sampled_from([b"WARC/1.0\r\n", b"filedesc://", b"\x1f\x8b\x08\x00", b'{"text": ', b"<rss><channel><item>"]),
    st.binary(max_size=2048),
    st.sampled_from(EXTENSIONS),
)
def test_random_bytes_behind_a_format_signature(signature: bytes, rest: bytes, suffix: str) -> None:
    read_file(signature + rest, suffix)


# ----------------------------------------------------------------- structure: nesting, long lines, JSON types


@fuzz(25)
@given(st.sampled_from(["[", "{", '{"a":', '{"text":[']), st.integers(1, 200_000), st.booleans())
def test_deeply_nested_jsonl(opener: str, depth: int, closed: bool) -> None:
    closer = {"[": "]", "{": "}", '{"a":': "}", '{"text":[': "]}"}[opener]
    deep = opener * depth + ("1" + closer * depth if closed else "")
    good = json.dumps({"text": PARAGRAPHS[0]})
    items = read_file(f"{good}\n{deep}\n{good}\n".encode(), ".jsonl", max_bytes=2_000_000)
    assert [type(i).__name__ for i in items][::2] == ["Article", "Article"], items  # the neighbours survive


@fuzz(15)
@given(st.sampled_from(["div", "b", "blockquote", "p"]), st.integers(1, 3000))
def test_deeply_nested_html(tag: str, depth: int) -> None:
    body = f"<{tag}>" * depth + " ".join(PARAGRAPHS) + f"</{tag}>" * depth
    read_file(f"<!DOCTYPE html><html><head><title>Deep</title></head><body>{body}</body></html>".encode(), ".html")


@fuzz(15)
@given(st.integers(1, 5000), st.booleans())
def test_deeply_nested_feed(depth: int, escaped: bool) -> None:
    inner = "<x>" * depth + PARAGRAPHS[0] + "</x>" * depth
    if escaped:
        inner = inner.replace("<", "&lt;").replace(">", "&gt;")
    item = f"<item><title>Deep</title><description>{inner}</description></item>"
    feed = f"<rss><channel><title>T</title>{item}</channel></rss>"
    read_file(feed.encode(), ".xml")


@fuzz(15)
@given(st.integers(1_000, 400_000), st.sampled_from([".jsonl", ".txt", ".html", ".xml", ".jsonl.gz"]))
def test_huge_lines(length: int, suffix: str) -> None:
    line = json.dumps({"text": "word " * (length // 5)}) if "jsonl" in suffix else "word" * (length // 4)
    good = json.dumps({"text": PARAGRAPHS[1]}) if "jsonl" in suffix else PARAGRAPHS[1]
    data = f"{good}\n{line}\n{good}\n".encode()
    items = read_file(gzip.compress(data) if suffix.endswith(".gz") else data, suffix, max_bytes=100_000)
    if suffix == ".jsonl":  # the lines around an over-long one still count
        assert isinstance(items[0], Article) and isinstance(items[-1], Article), items


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
FIELDS = ["text", "content", "body", "title", "headline", "url", "link", "published", "date", "pubDate", "datetime"]
FIELDS += ["source", "outlet", "site", "publisher", "authors", "author", "byline", "language", "lang"]


@fuzz(40)
@given(
    st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=10), JSON_VALUES, max_size=8),
    st.sampled_from([None, *PARAGRAPHS[:2], "\u0000\ud800 x", "<p>html</p> body"]),
)
def test_jsonl_fields_of_any_type(record: dict[str, Any], text: str | None) -> None:
    if text is not None:
        record.setdefault("text", text)
    good = json.dumps({"text": PARAGRAPHS[2]})
    items = read_file(f"{good}\n{json.dumps(record)}\n{good}\n".encode(), ".jsonl")
    assert len(items) == 3 and isinstance(items[0], Article) and isinstance(items[2], Article), items


@fuzz(30)
@given(st.lists(JSON_VALUES, min_size=1, max_size=6))
def test_jsonl_lines_that_are_not_objects(values: list[Any]) -> None:
    lines = "\n".join(["{}", *(json.dumps(value) for value in values)])
    read_file(lines.encode(), ".jsonl")


FEED_FIELDS = st.sampled_from(["title", "link", "pubDate", "author", "description", "guid", "category", "dc:date"])


@fuzz(40)
@given(
    st.lists(st.tuples(FEED_FIELDS, st.text(max_size=60)), max_size=8), st.sampled_from(["utf-8", "bogus", "koi8-r"])
)
def test_feed_entries_with_odd_fields(fields: list[tuple[str, str]], encoding: str) -> None:
    from xml.sax.saxutils import escape

    item = "".join(f"<{name}>{escape(value)}</{name}>" for name, value in fields)
    good = f"<item><title>Good</title><description>{PARAGRAPHS[0]}</description></item>"
    channel = f"<channel><title>T</title>{good}<item>{item}</item>{good}</channel>"
    feed = f'<?xml version="1.0" encoding="{encoding}"?><rss>{channel}</rss>'
    read_file(feed.encode("utf-8"), ".xml")


@pytest.mark.parametrize("stdin_data", [b"", b"\x00" * 100, b"\x1f\x8b\x08", b"[" * 10_000, b"WARC/1.0\r\n\r\n"])
def test_odd_stdin(stdin_data: bytes) -> None:
    items = list(read_inputs(["-"], stdin=io.BytesIO(stdin_data)))
    check_items(items, "-")
