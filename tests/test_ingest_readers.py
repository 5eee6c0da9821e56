"""Each reader on small fixtures, format detection, folders, globs and stdin."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from onrecord.ingest import READERS, read_inputs
from onrecord.ingest.registry import by_content, by_extension
from onrecord.models import Article, Failure

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"


def articles(items: list[Article | Failure]) -> list[Article]:
    return [i for i in items if isinstance(i, Article)]


def read(*paths: str | Path, **kwargs) -> list[Article | Failure]:
    return list(read_inputs([str(p) for p in paths], **kwargs))


def make_warc(path: Path, pages: list[tuple[str, str]], *, extra_records: bool = True) -> Path:
    """A WARC(.gz) with one HTML response per (url, html) page, plus records readers must skip."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=path.name.endswith(".gz"))
        if extra_records:
            writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        for url, html in pages:
            if extra_records:
                writer.write_record(
                    writer.create_warc_record(
                        url,
                        "request",
                        payload=io.BytesIO(b""),
                        http_headers=StatusAndHeaders("GET / HTTP/1.1", [("Host", "x.test")], is_http_request=True),
                    )
                )
            body = html.encode("utf-8")
            writer.write_record(
                writer.create_warc_record(
                    url,
                    "response",
                    payload=io.BytesIO(body),
                    http_headers=StatusAndHeaders(
                        "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
                    ),
                )
            )
        if extra_records:
            image = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
            writer.write_record(
                writer.create_warc_record(
                    "https://x.test/logo.png",
                    "response",
                    payload=io.BytesIO(image),
                    http_headers=StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1"),
                )
            )
    return path


def page(title: str, paragraphs: list[str], published: str | None = None) -> str:
    meta = f'<meta property="article:published_time" content="{published}">' if published else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html lang='en'><head><title>{title}</title>{meta}</head>"
        f"<body><article><h1>{title}</h1>{body}</article></body></html>"
    )


PARAGRAPHS = [
    "The harbour master of Port Selin said on Monday that the new pier would open to ferries in the autumn.",
    '"We have waited eight years for this pier, and the islanders have waited longer," she told reporters.',
    "The pier cost 12 million valdors and was paid for by the national government and the town council.",
]


# --- plain text ----------------------------------------------------------------------------------------------


def test_plain_text_reader_reads_header_lines() -> None:
    (article,) = read(FIXTURES / "plain_article.txt")
    assert isinstance(article, Article)
    assert article.format == "text"
    assert article.title == "Harbour tolls to rise in Marenza from July"
    assert article.published == "2023-06-07T14:05"
    assert article.published_raw == "Wednesday, 7 June 2023 at 14:05"
    assert article.outlet == "Valdoria Herald"
    assert article.authors == ["Lina Kos", "Petar Ruml"]
    assert article.text == (FIXTURES / "plain_article.txt").read_text(encoding="utf-8")
    reasons = {article.text[r.start : r.end]: r.reason for r in article.skip_ranges}
    assert reasons == {
        "Politics": "boilerplate:category-label",
        "Harbour tolls to rise in Marenza from July": "header:title-copy",
        "Port workers at the Marenza docks": "boilerplate:caption",
        "Photo credit: © Harbour News / A. Example": "boilerplate:image-credit",
        "By Lina Kos and Petar Ruml": "boilerplate:byline",
        "Valdoria Herald, Wednesday, 7 June 2023 at 14:05": "header:date",
        "Share this article: Facebook | Twitter | Email": "boilerplate:share",
        "Follow us on Telegram for more news from the coast.": "boilerplate:follow",
        "Read the rest here": "boilerplate:read-more",
    }
    # The headline itself (after the glued label) is never skipped.
    span = article.title_span
    assert span is not None and article.text[span.start : span.end] == article.title
    assert not any(r.start <= span.start < r.end for r in article.skip_ranges)


def test_plain_text_keeps_crlf_and_surrounding_whitespace(tmp_path: Path) -> None:
    raw = "\n  Water prices frozen  \r\n\r\nThe government froze water prices on Monday, the minister said.\r\n\n"
    path = tmp_path / "crlf.txt"
    path.write_bytes(raw.encode("utf-8"))
    (article,) = read(path)
    assert article.text == raw
    assert article.title == "Water prices frozen"
    assert article.text[article.title_span.start : article.title_span.end] == "Water prices frozen"


def test_plain_text_without_any_date_has_none(tmp_path: Path) -> None:
    path = tmp_path / "nodate.txt"
    path.write_text("Ferry strike ends\n\nThe strike ended after 12 days and 3 rounds of talks in 2023.\n")
    (article,) = read(path)
    assert article.published is None and article.published_raw is None


# --- HTML ----------------------------------------------------------------------------------------------------


def test_html_reader_uses_trafilatura_text_and_page_metadata() -> None:
    (article,) = read(FIXTURES / "page.html")
    assert isinstance(article, Article)
    assert article.format == "html"
    assert article.title == "Ferry service to the islands resumes"
    assert article.text.startswith("Ferry service to the islands resumes\n")
    assert "said Nika Bral" in article.text
    assert "<p>" not in article.text and "Home" not in article.text and "© 2023" not in article.text
    assert article.outlet == "Island Post"
    assert article.authors == ["Ada Lenz"]
    assert article.published == "2023-04-18T09:30+02:00"
    assert article.language == "en"
    assert article.title_span is not None
    assert article.text[article.title_span.start : article.title_span.end] == article.title


def test_html_is_detected_by_content_whatever_the_extension(tmp_path: Path) -> None:
    disguised = tmp_path / "page.txt"
    shutil.copyfile(FIXTURES / "page.html", disguised)
    (article,) = read(disguised)
    assert article.format == "html"


def test_html_date_from_htmldate_without_meta_published_time(tmp_path: Path) -> None:
    path = tmp_path / "p.html"
    html = page("Pier opens in Port Selin", PARAGRAPHS).replace(
        "<head>", '<head><meta name="date" content="2022-05-06">'
    )
    path.write_text(html)
    (article,) = read(path)
    assert article.published == "2022-05-06"


def test_html_never_invents_a_date(tmp_path: Path) -> None:
    path = tmp_path / "p.html"
    path.write_text(page("Pier opens in Port Selin", PARAGRAPHS))
    (article,) = read(path)
    assert article.published is None


# --- JSONL ---------------------------------------------------------------------------------------------------


def test_jsonl_reader_fields_records_and_failures() -> None:
    items = read(FIXTURES / "articles.jsonl")
    good = articles(items)
    failures = [i for i in items if isinstance(i, Failure)]
    assert [a.source_record for a in good] == [1, 4, 6]
    assert [(f.record, f.reason.split(":")[0]) for f in failures] == [
        (2, "malformed JSON on line 2"),
        (5, "line 5 is not a JSON object"),
    ]
    first, second, third = good
    assert first.format == "jsonl"
    assert first.title == "Tram line opens in Marenza"
    assert first.text.startswith("Tram line opens in Marenza\n\nThe first tram line")
    assert first.title_span is not None and first.title_span.start == 0
    assert first.url == "https://example.test/tram"
    assert first.published == "2023-09-04T10:00+00:00"
    assert first.published_raw == "2023-09-04T10:00:00Z"
    assert first.outlet == "City Wire"
    assert first.authors == ["Jana Vuk"]
    assert first.extra == {"section": "City", "tags": ["transport"]}

    assert second.title == "Bridge repairs delayed"  # from "headline"
    assert second.text == "The repairs to the Old Bridge will take two more months, engineers said on Friday."
    assert second.title_span is None  # the title is not in the text
    assert second.published == "2023-03-03"
    assert second.outlet == "Coast FM"
    assert second.authors == ["Tomo Halil"]  # "By " dropped from the byline field
    assert second.language == "en"  # "en-GB"

    assert third.text.startswith("Parliament met")  # from "body"
    assert third.language == "en"
    assert third.published is None


def test_jsonl_detected_by_content(tmp_path: Path) -> None:
    path = tmp_path / "dump.txt"
    path.write_text('{"text": "The council met on Monday and approved the budget for next year."}\n')
    (article,) = read(path)
    assert article.format == "jsonl" and article.source_record == 1


def test_jsonl_record_without_text_is_a_failure_for_that_line(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"title": "No body"}\n{"text": "The council met on Monday and approved the budget."}\n')
    failure, article = read(path)
    assert isinstance(failure, Failure) and failure.record == 1 and "no article text" in failure.reason
    assert isinstance(article, Article) and article.source_record == 2


# --- feeds ---------------------------------------------------------------------------------------------------


def test_rss_reader_prefers_full_content_and_converts_html() -> None:
    first, second = read(FIXTURES / "feed_rss.xml")
    assert first.format == "feed" and first.source_record == 1 and second.source_record == 2
    assert first.outlet == "Coast FM News"
    assert first.title == "Lighthouse restored at Cape Orla"
    assert "Short summary only" not in first.text  # content:encoded wins over the summary
    assert first.text == (
        "Lighthouse restored at Cape Orla\n\n"
        "The lighthouse at Cape Orla has been restored after two years of work.\n\n"
        "“It will shine again on Saturday,” said the keeper, Ivo Sant."
    )
    assert first.url == "https://coastfm.example/news/lighthouse"
    assert first.published == "2023-07-14T16:45+02:00"
    assert first.published_raw == "Fri, 14 Jul 2023 16:45:00 +0200"
    assert first.authors == ["Rada Miles"]
    assert first.language == "en"
    assert first.extra["guid"] == "coastfm-1"
    # Summary only: used, with its markup removed.
    assert second.text.endswith("on Saturday. Ferries will stay in port.")
    assert second.published == "2023-07-15T08:00+00:00"


def test_atom_reader() -> None:
    (entry,) = read(FIXTURES / "feed_atom.xml")
    assert entry.format == "feed"
    assert entry.outlet == "Marenza Daily"
    assert entry.title == "Council approves new bus lanes"
    assert entry.text == (
        "Council approves new bus lanes\n\n"
        "The city council approved four new bus lanes on Monday.\n\n"
        '"Buses will be faster than cars," said councillor Dana Ilic.'
    )
    assert entry.published == "2023-10-02T11:30+02:00"
    assert entry.authors == ["Sofia Brandt"]
    assert entry.url == "https://marenza-daily.example/bus-lanes"


# --- WARC ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["crawl.warc.gz", "crawl.warc", "crawl.bin"])
def test_warc_reader_takes_html_responses_only(tmp_path: Path, name: str) -> None:
    path = make_warc(
        tmp_path / name,
        [
            ("https://x.test/pier", page("Pier opens in Port Selin", PARAGRAPHS, "2023-05-02T10:00:00+02:00")),
            ("https://x.test/second", page("Second pier planned", list(reversed(PARAGRAPHS)))),
        ],
    )
    items = read(path)
    assert all(isinstance(i, Article) for i in items), items
    first, second = items
    assert {first.format, second.format} == {"warc"}
    assert first.url == "https://x.test/pier" and second.url == "https://x.test/second"
    # warcinfo is record 1, then request/response pairs: responses are records 3 and 5.
    assert (first.source_record, second.source_record) == (3, 5)
    assert first.title == "Pier opens in Port Selin"
    assert "harbour master of Port Selin" in first.text
    assert first.published == "2023-05-02T10:00+02:00"
    assert second.published is None  # WARC-Date is the crawl date, never the publication date
    assert "crawled" in second.extra


# --- paths: folders, globs, stdin, order ---------------------------------------------------------------------


def test_folder_is_read_recursively_sorted_and_hidden_files_skipped(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "a").mkdir()
    (tmp_path / ".hidden").mkdir()
    body = "\n\nThe council met on Monday and approved the budget for the coming year.\n"
    (tmp_path / "b" / "2.txt").write_text("Second" + body)
    (tmp_path / "a" / "1.txt").write_text("First" + body)
    (tmp_path / "z.txt").write_text("Third" + body)
    (tmp_path / ".secret.txt").write_text("Hidden" + body)
    (tmp_path / ".hidden" / "x.txt").write_text("Hidden too" + body)
    titles = [a.title for a in articles(read(tmp_path))]
    assert titles == ["First", "Second", "Third"]


def test_glob_patterns(tmp_path: Path) -> None:
    body = "\n\nThe council met on Monday and approved the budget for the coming year.\n"
    for name in ("one.txt", "two.txt", "three.md"):
        (tmp_path / name).write_text(name + body)
    titles = [a.title for a in articles(read(tmp_path / "*.txt"))]
    assert titles == ["one.txt", "two.txt"]


def test_stdin_dash_reads_the_given_stream() -> None:
    text = "Storm closes port\n\nThe port of Marenza closed on Sunday because of a storm, officials said.\n"
    (article,) = read("-", stdin=io.BytesIO(text.encode("utf-8")))
    assert article.text == text
    assert article.source_path == "-"
    (again,) = read("-", stdin=io.StringIO(text))
    assert again.id == article.id


def test_stdin_may_carry_jsonl() -> None:
    data = b'{"text": "The council met on Monday and approved the budget.", "title": "Budget"}\n'
    (article,) = read("-", stdin=io.BytesIO(data))
    assert article.format == "jsonl"


def test_read_inputs_is_a_lazy_generator(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("Title\n\nThe council met on Monday and approved the budget for the coming year.\n")
    stream = read_inputs([str(path), str(tmp_path / "missing.txt")])
    assert iter(stream) is stream
    assert isinstance(next(stream), Article)
    assert isinstance(next(stream), Failure)


# --- registry ------------------------------------------------------------------------------------------------


def test_registry_knows_every_format() -> None:
    read(FIXTURES / "plain_article.txt")  # loads the built-in readers
    assert {"text", "html", "jsonl", "feed", "warc"} <= set(READERS)
    assert by_extension("x.warc.gz").name == "warc"
    assert by_extension("x.jsonl").name == "jsonl"
    assert by_extension("x.htm").name == "html"
    assert by_extension("x.atom").name == "feed"
    assert by_content(b"WARC/1.1\r\n").name == "warc"
    assert by_content(b'<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom">').name == "feed"
    assert by_content(b"<!doctype html><html>").name == "html"
    assert by_content(b'{"text": "x"}\n').name == "jsonl"
    assert by_content(b"Just a headline\n\nAnd a body.") is None


def test_jsonl_html_body_is_converted_to_text(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(
        '{"title": "Budget", "content": "<p>The council met on Monday.</p><p>It approved the budget.</p>"}\n'
    )
    (article,) = read(path)
    assert article.text == "The council met on Monday.\n\nIt approved the budget."
    assert article.extra == {"text_from_html": True}


def test_every_example_article_serialises_to_json() -> None:
    import json

    from conftest import EXAMPLES

    for item in read_inputs([str(EXAMPLES), str(FIXTURES)]):
        if isinstance(item, Article):
            data = json.loads(json.dumps(item.to_dict()))
            assert data["id"] == item.id and data["text"] == item.text


def test_gzipped_inputs_are_unpacked(tmp_path: Path) -> None:
    import gzip

    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress((FIXTURES / "articles.jsonl").read_bytes()))
    (tmp_path / "b.txt.gz").write_bytes(gzip.compress((FIXTURES / "plain_article.txt").read_bytes()))
    (tmp_path / "c.xml.gz").write_bytes(gzip.compress((FIXTURES / "feed_atom.xml").read_bytes()))
    items = read(tmp_path)
    formats = [(Path(i.source_path).name, i.format) for i in articles(items)]
    assert formats == [("a.jsonl.gz", "jsonl")] * 3 + [("b.txt.gz", "text"), ("c.xml.gz", "feed")]
    (plain,) = [a for a in articles(items) if a.format == "text"]
    assert plain.text == (FIXTURES / "plain_article.txt").read_text(encoding="utf-8")
    assert [i.record for i in items if isinstance(i, Failure)] == [2, 5]


def test_jsonl_without_title_field_takes_a_standalone_first_line(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    text = "Clinton Was Headed to ER But Diverted to Avoid Bad Optics, Post Reports.\n\nThe New York Post reports."
    body_only = "The council met on Monday and approved the budget for the coming year after a long debate."
    path.write_text(json.dumps({"text": text}) + "\n" + json.dumps({"text": body_only}) + "\n")
    first, second = read(path)
    assert first.title == "Clinton Was Headed to ER But Diverted to Avoid Bad Optics, Post Reports."
    assert first.title_span is not None and first.title_span.start == 0
    assert second.title is None and second.title_span is None
