"""Build examples/corpus/crawl_2022-2024.warc.gz: a tiny crawl of two Valdorian news pages.

Run from the repository root: ``python examples/make_warc.py``. The output is
deterministic (fixed record ids and dates), so re-running it changes nothing.
It holds a warcinfo record, a request, two HTML responses that are news
articles, and a robots.txt response that readers must skip (not HTML).
"""

from __future__ import annotations

import io
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

OUT = Path(__file__).resolve().parent / "corpus" / "crawl_2022-2024.warc.gz"

PAGES = [
    (
        "https://valdoria-herald.example/2022/12/01/storm-damage",
        "2022-12-02T06:00:00Z",
        """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Winter storm breaks sea wall at Port Selin | Valdoria Herald</title>
<meta property="og:title" content="Winter storm breaks sea wall at Port Selin">
<meta property="og:site_name" content="Valdoria Herald">
<meta property="article:published_time" content="2022-12-01T18:20:00+01:00">
<meta name="author" content="Nadia Orlov">
</head><body>
<nav><a href="/">Home</a> <a href="/coast">Coast</a></nav>
<article>
<h1>Winter storm breaks sea wall at Port Selin</h1>
<p>A winter storm broke through a section of the sea wall at Port Selin on Thursday night, flooding
the harbour road and two pumping stations of the Coastal Water Authority.</p>
<p>"The pumps were under a metre of seawater. We will need at least a week to bring them back," Ana
Petrov, the Director General of the Coastal Water Authority, said on Friday morning.</p>
<p>She said that households in the harbour district would receive water from tankers until the
pumping stations were repaired.</p>
<p>The mayor of Port Selin, Viktor Hana, said the town had asked the government for emergency funds
to rebuild the wall.</p>
</article>
<footer>Share this article: Facebook | Twitter</footer>
</body></html>
""",
    ),
    (
        "https://marenza-daily.example/2024/02/05/tanker-contracts",
        "2024-02-06T06:00:00Z",
        """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Water tankers no longer needed in the south, Authority says | Marenza Daily</title>
<meta property="og:title" content="Water tankers no longer needed in the south, Authority says">
<meta property="og:site_name" content="Marenza Daily">
<meta property="article:published_time" content="2024-02-05T12:10:00+01:00">
</head><body>
<article>
<h1>Water tankers no longer needed in the south, Authority says</h1>
<p>The Coastal Water Authority will end its contracts with private water tankers in the southern
districts at the end of February, now that the Port Selin plant is running.</p>
<p>“For twenty years the south has waited for trucks. From March it will wait for nothing,” the
Director General of the Authority told the Marenza Daily.</p>
<p>The Authority spent 14 million valdors on tankers last year, according to its annual report.</p>
</article>
</body></html>
""",
    ),
]


def _warc_headers(record_id: str, date: str) -> dict[str, str]:
    return {"WARC-Record-ID": f"<urn:uuid:{record_id}>", "WARC-Date": date}


def build(out: Path = OUT) -> Path:
    with open(out, "wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        info = writer.create_warcinfo_record(
            OUT.name,  # fixed, so a rebuild elsewhere is byte-identical
            {"software": "onrecord examples/make_warc.py", "description": "Valdoria example crawl"},
        )
        info.rec_headers.replace_header("WARC-Record-ID", "<urn:uuid:00000000-0000-4000-8000-000000000000>")
        info.rec_headers.replace_header("WARC-Date", "2024-02-06T06:00:00Z")
        writer.write_record(info)
        for number, (url, date, html) in enumerate(PAGES, start=1):
            request = writer.create_warc_record(
                url,
                "request",
                payload=io.BytesIO(b""),
                http_headers=StatusAndHeaders(
                    f"GET {url.split('.example', 1)[1]} HTTP/1.1",
                    [("Host", url.split("/")[2]), ("User-Agent", "onrecord-example")],
                    is_http_request=True,
                ),
                warc_headers_dict=_warc_headers(f"00000000-0000-4000-8000-00000000010{number}", date),
            )
            writer.write_record(request)
            body = html.encode("utf-8")
            response = writer.create_warc_record(
                url,
                "response",
                payload=io.BytesIO(body),
                http_headers=StatusAndHeaders(
                    "200 OK",
                    [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))],
                    protocol="HTTP/1.1",
                ),
                warc_headers_dict=_warc_headers(f"00000000-0000-4000-8000-00000000020{number}", date),
            )
            writer.write_record(response)
        robots = b"User-agent: *\nDisallow:\n"
        writer.write_record(
            writer.create_warc_record(
                "https://marenza-daily.example/robots.txt",
                "response",
                payload=io.BytesIO(robots),
                http_headers=StatusAndHeaders(
                    "200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(robots)))], "HTTP/1.1"
                ),
                warc_headers_dict=_warc_headers("00000000-0000-4000-8000-000000000301", "2024-02-06T06:00:01Z"),
            )
        )
    return out


if __name__ == "__main__":
    print(build())
