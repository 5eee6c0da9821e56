"""The JSON API and the server-rendered pages, through FastAPI's test client.

Most tests run over a store built by the real pipeline from the seeds, the example
corpus and one article full of markup (``web_helpers.build_corpus_db``); a few test
the upload plumbing and the HTML helpers on their own, without the NLP stages.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from onrecord.api import SECURITY_HEADERS, create_app
from onrecord.store import Store
from onrecord.web import render
from web_helpers import XSS_TEXT, build_corpus_db, build_demo_store, fake_ingest, pipeline_importable, serve

XSS_SCRIPT = "<script>window.__xss=1</script>"
XSS_IMG = '<img src=x onerror="window.__xss=2">'


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    why = pipeline_importable()
    if why:
        pytest.skip(why)
    return Store(build_corpus_db(tmp_path_factory.mktemp("corpus")))


@pytest.fixture(scope="module")
def client(corpus_store: Store) -> TestClient:
    """Read-only: no write token."""
    return TestClient(create_app(corpus_store))


@pytest.fixture()
def demo_store(tmp_path: Path) -> Store:
    return build_demo_store(str(tmp_path / "demo.db"))


def ok(resp: httpx.Response) -> Any:
    assert resp.status_code == 200, resp.text[:500]
    return resp.json()


def first_quote(client: TestClient, **params: Any) -> dict[str, Any]:
    items = ok(client.get("/api/quotes", params={"limit": 1, **params}))["items"]
    assert items, params
    return items[0]


def xss_article(client: TestClient) -> dict[str, Any]:
    items = ok(client.get("/api/articles", params={"limit": 500}))["items"]
    ids = [a["id"] for a in items if "Markup in the news" in (a.get("title") or "")]
    assert ids, "the markup article was not ingested"
    return ok(client.get(f"/api/articles/{ids[0]}"))


def assert_error(resp: httpx.Response, status: int) -> dict[str, Any]:
    assert resp.status_code == status, resp.text[:300]
    body = resp.json()
    assert body["status"] == status
    assert isinstance(body["message"], str) and body["message"]
    return body


# ------------------------------------------------------------- the schema
def test_openapi_lists_every_endpoint(client: TestClient) -> None:
    paths = ok(client.get("/openapi.json"))["paths"]
    for p in [
        "/api/articles", "/api/articles/{article_id}", "/api/quotes", "/api/quotes/{quote_id}",
        "/api/speakers", "/api/speakers/{ref}", "/api/statements", "/api/statements/{statement_id}",
        "/api/stories", "/api/timeline", "/api/search", "/api/ingest",
    ]:  # fmt: skip
        assert p in paths, p
    params = {p["name"] for p in paths["/api/quotes"]["get"]["parameters"]}
    assert {"speaker", "organisation", "outlet", "topic", "since", "until", "kind", "drift", "q"} <= params
    assert {"limit", "offset"} <= params


def test_docs_page_is_served_without_a_cdn(client: TestClient) -> None:
    resp = client.get("/docs")
    assert resp.status_code == 200 and "text/html" in resp.headers["content-type"]
    assert "/api/search" in resp.text and "/openapi.json" in resp.text
    assert_no_remote_assets(resp.text)


def assert_no_remote_assets(html: str) -> None:
    for tag in re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", html, re.IGNORECASE):
        assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", tag, re.IGNORECASE), tag


# --------------------------------------------------------------- articles
def test_articles_paginate(client: TestClient) -> None:
    first = ok(client.get("/api/articles", params={"limit": 3, "offset": 0}))
    second = ok(client.get("/api/articles", params={"limit": 3, "offset": 3}))
    assert first["total"] == second["total"] >= 6
    assert (first["limit"], first["offset"], second["offset"]) == (3, 0, 3)
    assert len(first["items"]) == len(second["items"]) == 3
    assert not {a["id"] for a in first["items"]} & {a["id"] for a in second["items"]}
    assert "text" not in first["items"][0] and first["items"][0]["length"] > 0
    everything = ok(client.get("/api/articles", params={"limit": 500}))
    assert len(everything["items"]) == everything["total"]


def test_article_by_id_and_prefix(client: TestClient) -> None:
    art = ok(client.get("/api/articles", params={"limit": 1}))["items"][0]
    full = ok(client.get(f"/api/articles/{art['id']}"))
    assert full["id"] == art["id"] and isinstance(full["text"], str) and full["text"]
    assert "quotes" in full and "seen_in" in full
    assert ok(client.get(f"/api/articles/{art['id'][:10]}"))["id"] == art["id"]
    assert_error(client.get("/api/articles/ffffffffffffffffdeadbeef"), 404)


def test_articles_filter_by_date(client: TestClient) -> None:
    res = ok(client.get("/api/articles", params={"since": "2024-01-01", "until": "2024-12", "limit": 500}))
    assert res["total"] >= 1
    assert all("2024-01-01" <= (a["published"] or "")[:10] <= "2024-12-31" for a in res["items"])


# ----------------------------------------------------------------- quotes
def test_act_filter_and_why(client: TestClient) -> None:
    every = ok(client.get("/api/quotes", params={"limit": 500}))
    thought = ok(client.get("/api/quotes", params={"act": "thought", "limit": 500}))
    speech = ok(client.get("/api/quotes", params={"act": "speech", "limit": 500}))
    assert thought["total"] >= 1 and all(q["act"] == "thought" for q in thought["items"])
    assert speech["total"] + thought["total"] == every["total"]
    assert all(q["rule"] and 0.5 <= q["confidence"] <= 1 for q in every["items"])
    assert client.get("/api/quotes", params={"act": "rumour"}).status_code == 422
    page = client.get(f"/quotes/{thought['items'][0]['id']}")
    assert page.status_code == 200 and "Found by" in page.text and thought["items"][0]["rule"] in page.text


def test_article_page_says_when_quotes_were_not_extracted(demo_store: Store, tmp_path: Path) -> None:
    from onrecord.pipeline import ingest, reprocess

    path = tmp_path / "de.txt"
    path.write_text(
        "Die Brücke öffnet im Mai\n\nDer Bürgermeister sagte am Montag, dass die Brücke im Mai wieder öffnen "
        "werde. „Wir sind froh, dass die Arbeiten schneller als geplant vorangehen“, sagte er den Reportern.\n",
        encoding="utf-8",
    )
    ingest([str(path)], demo_store, extract=False)
    art = next(a for a in demo_store.list_articles(limit=500).items if "Brücke" in (a.get("title") or ""))
    assert "quotes_not_extracted" not in (demo_store.get_article(art["id"]) or {})["extra"]
    reprocess(demo_store)  # extraction runs now, and says why it found nothing
    page = TestClient(create_app(demo_store)).get(f"/articles/{art['id']}")
    assert page.status_code == 200 and "Quotes not extracted: language de" in page.text


def test_quotes_filters(client: TestClient) -> None:
    by = ok(client.get("/api/quotes", params={"speaker": "Jens Stoltenberg", "limit": 500}))
    assert by["total"] >= 3
    assert all("jens-stoltenberg" in (q["speaker_keys"] or []) or "Stoltenberg" in (q["speaker_names"] or "")
               for q in by["items"])
    direct = ok(client.get("/api/quotes", params={"kind": "direct", "limit": 500}))
    assert direct["total"] >= 1 and all(q["kind"] == "direct" for q in direct["items"])
    dated = ok(client.get("/api/quotes", params={"since": "2024-01-01", "until": "2024-01-31", "limit": 500}))
    assert dated["total"] >= 1 and all("2024-01-01" <= q["date"][:10] <= "2024-01-31" for q in dated["items"])
    words = ok(client.get("/api/quotes", params={"q": "imminent threat"}))
    assert words["total"] >= 1 and all("imminent" in q["content"]["text"].lower() for q in words["items"])
    drift = ok(client.get("/api/quotes", params={"drift": "true", "limit": 500}))
    for q in drift["items"]:
        assert ok(client.get(f"/api/statements/{q['statement_id']}"))["drift"] is True
    no_drift = ok(client.get("/api/quotes", params={"drift": "false", "limit": 1}))
    assert no_drift["total"] + drift["total"] == ok(client.get("/api/quotes", params={"limit": 1}))["total"]
    outlet = first_quote(client, q="imminent")["outlet"]
    if outlet:
        res = ok(client.get("/api/quotes", params={"outlet": outlet, "limit": 500}))
        assert all(q["outlet"].lower() == outlet.lower() for q in res["items"])
    topic_q = next((q for q in by["items"] if q.get("topics")), None)
    if topic_q:
        res = ok(client.get("/api/quotes", params={"topic": topic_q["topics"][0], "limit": 500}))
        assert topic_q["id"] in {q["id"] for q in res["items"]}
    for org in ("NATO", "nato"):
        assert client.get("/api/quotes", params={"organisation": org}).status_code == 200


def test_quotes_paginate(client: TestClient) -> None:
    a = ok(client.get("/api/quotes", params={"limit": 5, "offset": 0}))
    b = ok(client.get("/api/quotes", params={"limit": 5, "offset": 5}))
    assert a["total"] == b["total"] > 10
    assert not {q["id"] for q in a["items"]} & {q["id"] for q in b["items"]}


def test_quote_by_id(client: TestClient) -> None:
    q = first_quote(client)
    got = ok(client.get(f"/api/quotes/{q['id']}"))
    assert got["id"] == q["id"] and got["content"]["text"] == q["content"]["text"]
    assert_error(client.get("/api/quotes/no-such-quote"), 404)


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0}, {"limit": 501}, {"offset": -1}, {"since": "yesterday"}, {"until": "2024/01/01"},
        {"kind": "shouted"}, {"drift": "maybe"}, {"limit": "ten"},
    ],
)  # fmt: skip
def test_bad_parameters_are_422(client: TestClient, params: dict[str, Any]) -> None:
    body = assert_error(client.get("/api/quotes", params=params), 422)
    assert next(iter(params)) in body["message"]


# --------------------------------------------------------------- speakers
def test_speakers(client: TestClient) -> None:
    res = ok(client.get("/api/speakers", params={"limit": 100}))
    names = {s["name"] for s in res["items"]}
    assert {"Jens Stoltenberg", "Mark Rutte"} <= names
    counts = [s["quote_count"] for s in res["items"]]
    assert counts == sorted(counts, reverse=True)
    page = ok(client.get("/api/speakers", params={"limit": 2, "offset": 1}))
    assert page["items"] == res["items"][1:3]
    assert [s["name"] for s in ok(client.get("/api/speakers", params={"q": "Rutte"}))["items"]] == ["Mark Rutte"]


def test_speaker_by_key_and_name(client: TestClient) -> None:
    key = next(s["key"] for s in ok(client.get("/api/speakers"))["items"] if s["name"] == "Mark Rutte")
    sp = ok(client.get(f"/api/speakers/{key}"))
    assert sp["name"] == "Mark Rutte" and isinstance(sp["aliases"], list) and "roles" in sp
    assert any(r["title"].lower().endswith("secretary general") for r in sp["roles"])
    assert ok(client.get("/api/speakers/Mark Rutte"))["key"] == key
    assert_error(client.get("/api/speakers/Nobody At All"), 404)


# ------------------------------------------------------------- statements
def test_statements(client: TestClient) -> None:
    res = ok(client.get("/api/statements", params={"limit": 500}))
    assert res["total"] >= 1 and len(res["items"]) == min(500, res["total"])
    drift = ok(client.get("/api/statements", params={"drift": "true", "limit": 500}))
    assert drift["total"] >= 1 and all(s["drift"] for s in drift["items"])
    multi = ok(client.get("/api/statements", params={"min_reports": 2, "limit": 500}))
    assert all(s["report_count"] >= 2 for s in multi["items"])
    mine = ok(client.get("/api/statements", params={"speaker": "Jens Stoltenberg", "limit": 500}))
    assert mine["total"] >= 1 and {s["speaker_name"] for s in mine["items"]} == {"Jens Stoltenberg"}


def test_imminent_threat_statement(client: TestClient) -> None:
    """The 001/002 Stoltenberg statement: reports from both articles, drift flagged, a diff."""
    hit = ok(client.get("/api/search", params={"q": "imminent threat"}))["quotes"]["items"][0]
    st = ok(client.get(f"/api/statements/{hit['statement_id']}"))
    assert st["speaker_name"] == "Jens Stoltenberg" and st["drift"] is True
    texts = " | ".join(r["text"] for r in st["reports"])
    assert "imminent threat" in texts and "immediate threat" in texts
    assert len({r["article_id"] for r in st["reports"]}) >= 2
    assert sum(1 for r in st["reports"] if r["is_earliest"]) == 1
    assert ok(client.get(f"/api/statements/{st['id'][:12]}"))["id"] == st["id"]
    assert_error(client.get("/api/statements/st_000000000000"), 404)


# -------------------------------------------------------- stories, timeline
def test_stories(client: TestClient) -> None:
    res = ok(client.get("/api/stories", params={"limit": 100}))
    assert res["total"] >= 1
    big = max(res["items"], key=lambda s: s["size"])
    story = ok(client.get(f"/api/stories/{big['id']}"))
    assert story["size"] == len(story["articles"]) == big["size"]
    assert ok(client.get("/api/stories", params={"min_size": 2}))["total"] <= res["total"]
    assert_error(client.get("/api/stories/nope"), 404)


def test_timeline(client: TestClient) -> None:
    tl = ok(client.get("/api/timeline", params={"speaker": "Jens Stoltenberg"}))
    periods = [b["period"] for b in tl["buckets"]]
    assert periods == sorted(periods) and periods[0].startswith("2021") and periods[-1].startswith("2024")
    assert tl["total"] == sum(b["count"] for b in tl["buckets"])
    by_year = ok(client.get("/api/timeline", params={"speaker": "Jens Stoltenberg", "group": "year"}))
    assert [b["period"] for b in by_year["buckets"]][:1] == ["2021"]
    assert_error(client.get("/api/timeline", params={"group": "decade"}), 422)


# ----------------------------------------------------------------- search
def test_search(client: TestClient) -> None:
    res = ok(client.get("/api/search", params={"q": "imminent threat"}))
    top = res["quotes"]["items"][:5]
    assert top and "Stoltenberg" in (top[0]["speaker_names"] or "")
    st = ok(client.get(f"/api/statements/{top[0]['statement_id']}"))
    assert {r["article_id"] for r in st["reports"]} & {q["article_id"] for q in top[1:]}, "001 and 002 both rank high"
    assert res["quotes"]["total"] >= 1 and isinstance(res["articles"], list)
    filtered = ok(client.get("/api/search", params={"q": "threat", "speaker": "Mark Rutte"}))
    assert all("Rutte" in (q["speaker_names"] or "") for q in filtered["quotes"]["items"])
    paged = ok(client.get("/api/search", params={"q": "NATO", "limit": 2, "offset": 2}))
    assert paged["quotes"]["offset"] == 2 and len(paged["quotes"]["items"]) <= 2
    assert_error(client.get("/api/search"), 422)
    assert_error(client.get("/api/search", params={"q": "   "}), 422)


def test_unknown_api_path_is_json_404(client: TestClient) -> None:
    assert_error(client.get("/api/nothing-here"), 404)


# ------------------------------------------------------------------ pages
def test_pages_render(client: TestClient) -> None:
    hit = ok(client.get("/api/search", params={"q": "imminent threat"}))["quotes"]["items"][0]
    story = ok(client.get("/api/stories", params={"limit": 1}))["items"][0]
    urls = [
        "/", "/search?q=imminent+threat", "/speakers", "/speakers/mark-rutte", "/statements",
        f"/statements/{hit['statement_id']}", f"/quotes/{hit['id']}", f"/articles/{hit['article_id']}",
        f"/articles/{hit['article_id']}?quote={hit['id']}", "/articles", "/stories", f"/stories/{story['id']}",
        "/ingest", "/docs", "/speakers?q=rutte", "/statements?drift=1", "/speakers/mark-rutte?group=year",
    ]  # fmt: skip
    for url in urls:
        resp = client.get(url)
        assert resp.status_code == 200, (url, resp.text[:300])
        html = resp.text
        assert html.count("<h1") == 1 and 'href="#main"' in html, url
        assert_no_remote_assets(html)
        assert "Content-Security-Policy" in resp.headers


def test_page_errors_are_html(client: TestClient) -> None:
    resp = client.get("/speakers/Nobody At All")
    assert resp.status_code == 404 and "text/html" in resp.headers["content-type"]
    assert client.get("/search?q=x&since=soon").status_code == 422
    assert client.get("/statements?page=0").status_code == 422


def test_speaker_page_has_a_chart_with_marks(client: TestClient) -> None:
    html = client.get("/speakers/mark-rutte").text
    svg = re.search(r"<svg\b.*?</svg>", html, re.DOTALL)
    assert svg, "no inline SVG chart"
    assert re.search(r'class="mark-rect role-mark', svg.group(0))
    assert "<path" in svg.group(0)


def test_statement_page_highlights_differences(client: TestClient) -> None:
    hit = ok(client.get("/api/search", params={"q": "imminent threat"}))["quotes"]["items"][0]
    html = client.get(f"/statements/{hit['statement_id']}").text
    assert "quote drift" in html
    assert re.search(r"<del>[^<]*imminent[^<]*</del>", html) and re.search(r"<ins>[^<]*immediate[^<]*</ins>", html)


def test_article_page_highlights_the_quote(client: TestClient) -> None:
    hit = ok(client.get("/api/search", params={"q": "imminent threat"}))["quotes"]["items"][0]
    html = client.get(f"/articles/{hit['article_id']}", params={"quote": hit["id"]}).text
    marks = re.findall(r'<mark class="hl ([^"]*)"[^>]*>(.*?)</mark>', html, re.DOTALL)
    content = "".join(t for c, t in marks if "hl-content" in c)
    assert "imminent threat" in content.replace("\n", " ")
    assert any("hl-source" in c or "hl-cue" in c for c, _ in marks)
    assert f'id="q-{render.anchor_id(hit["id"])}"' in html


# -------------------------------------------------------- markup is text
def test_markup_in_articles_comes_back_verbatim_as_json(client: TestClient) -> None:
    art = xss_article(client)
    assert XSS_SCRIPT in art["text"] and XSS_IMG in art["text"]
    raw = client.get(f"/api/articles/{art['id']}")
    assert raw.headers["content-type"].startswith("application/json")


def test_markup_in_articles_is_escaped_on_every_page(client: TestClient) -> None:
    art = xss_article(client)
    urls = [f"/articles/{art['id']}", "/articles", "/search?q=markup", "/search?q=script", "/statements"]
    for q in art["quotes"]:
        urls += [f"/quotes/{q['id']}", f"/articles/{art['id']}?quote={q['id']}"]
        if q.get("statement_id"):
            urls.append(f"/statements/{q['statement_id']}")
        urls += [f"/speakers/{k}" for k in q.get("speaker_keys") or []]
    if art.get("story_id"):
        urls.append(f"/stories/{art['story_id']}")
    for url in urls:
        html = client.get(url).text
        assert "<script>window.__xss" not in html and "<img src=x" not in html, url
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in client.get(f"/articles/{art['id']}").text


def test_demo_store_markup_is_escaped(demo_store: Store) -> None:
    """Same check without the NLP stages: titles, quotes, aliases and topics that carry markup."""
    c = TestClient(create_app(demo_store))
    art = next(a for a in ok(c.get("/api/articles"))["items"] if XSS_TEXT in (a["title"] or ""))
    assert XSS_TEXT in ok(c.get(f"/api/articles/{art['id']}"))["text"]
    qid = ok(c.get(f"/api/articles/{art['id']}"))["quotes"][0]["id"]
    for url in ["/", f"/articles/{art['id']}", f"/quotes/{qid}", "/speakers/jane-doe", "/statements/st-xss-0000001",
                "/search?q=beware", "/articles", "/stories/story-xss"]:
        html = c.get(url).text
        assert "<script>window" not in html and "<img src=x" not in html, url
    rutte = next(a for a in ok(c.get("/api/articles"))["items"] if a["title"] == "Rutte takes over at NATO")
    html = c.get(f"/articles/{rutte['id']}").text
    assert 'href="javascript:' not in html and "javascript:window.__xss=3" in html  # shown, not linked


def test_server_errors_are_json(demo_store: Store) -> None:
    app = create_app(demo_store)

    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("boom")

    demo_store.list_speakers = broken  # type: ignore[method-assign]
    c = TestClient(app, raise_server_exceptions=False)
    assert_error(c.get("/api/speakers"), 500)
    page = c.get("/speakers")
    assert page.status_code == 500 and "text/html" in page.headers["content-type"] and "boom" not in page.text


def assert_secure(resp: httpx.Response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert resp.headers.get(name) == value, (resp.status_code, name, dict(resp.headers))


def test_server_errors_carry_the_security_headers(demo_store: Store) -> None:
    """A 500 comes from ServerErrorMiddleware, outside ordinary middleware: it is covered all the same."""
    app = create_app(demo_store)

    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("boom: secret detail in /srv/onrecord/store.py")

    demo_store.stats = broken  # type: ignore[method-assign]
    c = TestClient(app, raise_server_exceptions=False)
    for url in ["/api/stats", "/"]:
        resp = c.get(url)
        assert resp.status_code == 500, url
        assert_secure(resp)
        assert "boom" not in resp.text and "Traceback" not in resp.text and "store.py" not in resp.text
    assert c.get("/api/stats").json() == {"status": 500, "message": "internal server error"}
    for resp in [c.get("/api/articles"), c.get("/api/nothing"), c.get("/api/quotes?limit=0"), c.get("/articles")]:
        assert_secure(resp)  # and the ordinary answers keep them


def test_every_status_the_api_answers_is_in_its_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each (operation, status) the API really answers is documented, with the error body it sends."""
    from onrecord import semantic

    monkeypatch.setattr(semantic, "semantic_available", lambda: False)
    monkeypatch.setattr(semantic, "_EMBEDDER", [])
    store = Store(str(tmp_path / "empty.db"))
    app = create_app(store, write_token="tok", max_upload_bytes=1000)
    c = TestClient(app)
    auth = {"X-Write-Token": "tok"}
    answered = [
        ("/api/stats", c.get("/api/stats")),
        ("/api/quotes", c.get("/api/quotes", params={"limit": 0})),
        ("/api/quotes/{quote_id}", c.get("/api/quotes/nope")),
        ("/api/articles/{article_id}", c.get("/api/articles/abc")),
        ("/api/articles/{article_id}", c.get("/api/articles/abcdef")),
        ("/api/search", c.get("/api/search", params={"q": "x", "semantic": "true"})),
        ("/api/search", c.get("/api/search", params={"q": " "})),
        ("/api/ingest", c.post("/api/ingest", data={"text": "x"})),
        ("/api/ingest", c.post("/api/ingest", data={"text": "x"}, headers={"X-Write-Token": "wrong"})),
        ("/api/ingest", c.post("/api/ingest", data={"text": "x" * 2000}, headers=auth)),
        ("/api/ingest", c.post("/api/ingest", files={"files": ("a.exe", b"MZ", "text/plain")}, headers=auth)),
        ("/api/ingest", c.post("/api/ingest", content=b"--b\r\nbroken", headers=auth | {
            "content-type": "multipart/form-data; boundary=b"})),
        ("/api/ingest", c.post("/api/ingest", files=[("files", (f"{i}.txt", b"a", "text/plain")) for i in range(25)],
                               headers=auth)),
    ]  # fmt: skip
    paths = ok(c.get("/openapi.json"))["paths"]
    seen = set()
    for path, resp in answered:
        (op,) = paths[path].values()
        documented = op["responses"]
        assert str(resp.status_code) in documented, (path, resp.status_code, sorted(documented))
        seen.add(resp.status_code)
        if resp.status_code >= 400:
            assert_error(resp, resp.status_code)
            ref = documented[str(resp.status_code)]["content"]["application/json"]["schema"]["$ref"]
            assert ref.rsplit("/", 1)[-1] in {"Error", "InvalidRequest"}, (path, ref)
    assert {200, 400, 401, 403, 404, 413, 415, 422, 501} <= seen


# ------------------------------------------------------------- read-only
def test_read_only_server_refuses_writes(client: TestClient) -> None:
    resp = client.post("/api/ingest", files={"files": ("a.txt", b"Title\n\nBody", "text/plain")})
    assert_error(resp, 403)
    resp = client.post("/api/ingest", headers={"Authorization": "Bearer guess"}, data={"text": "x"})
    assert_error(resp, 403)
    page = client.get("/ingest").text
    assert "read-only" in page and "<form class=\"ingest\"" not in page
    assert client.post("/ingest", data={"token": "x", "text": "hello"}).status_code == 403


# ---------------------------------------------------------------- writes
@pytest.fixture()
def writable(demo_store: Store) -> tuple[TestClient, list[list[str]]]:
    """A writable app whose ingest is a stand-in that records the paths it was given."""
    app = create_app(demo_store, write_token="s3cret-token", max_upload_bytes=10_000)
    seen: list[list[str]] = []

    def recording_ingest(paths: list[str], store: Store, **kw: Any) -> Any:
        seen.append([*paths])
        assert all(Path(p).exists() for p in paths)
        return fake_ingest(paths, store, **kw)

    app.state.ingest_fn = recording_ingest
    return TestClient(app), seen


def test_write_token_is_required(writable: tuple[TestClient, list[list[str]]]) -> None:
    c, seen = writable
    files = {"files": ("a.txt", b"Headline\n\nBody text.", "text/plain")}
    assert_error(c.post("/api/ingest", files=files), 401)
    assert_error(c.post("/api/ingest", files=files, headers={"Authorization": "Bearer wrong"}), 403)
    assert_error(c.post("/api/ingest", files=files, headers={"X-Write-Token": "s3cret-tokeN"}), 403)
    assert not seen
    res = ok(c.post("/api/ingest", files=files, headers={"Authorization": "Bearer s3cret-token"}))
    assert res["new"] == 1 and res["articles"][0]["title"] == "Headline"
    assert ok(c.get(f"/api/articles/{res['articles'][0]['id']}"))["text"] == "Headline\n\nBody text."


def test_uploads_go_to_a_private_temp_dir(writable: tuple[TestClient, list[list[str]]]) -> None:
    c, seen = writable
    auth = {"X-Write-Token": "s3cret-token"}
    files = [("files", ("../../etc/evil name.txt", b"One\n\nA.", "text/plain")),
             ("files", ("..\\win\\two.html", b"<p>Two</p>", "text/html"))]
    res = ok(c.post("/api/ingest", files=files, data={"text": "Pasted\n\nThree."}, headers=auth))
    assert res["new"] == 3
    (paths,) = seen
    parents = {Path(p).parent for p in paths}
    assert len(parents) == 1 and Path(tempfile_root()) in next(iter(parents)).parents
    assert [Path(p).name for p in paths] == ["00-evil_name.txt", "01-two.html", "02-pasted.txt"]
    assert not next(iter(parents)).exists(), "the temp dir is removed after ingest"


def tempfile_root() -> str:
    import tempfile

    return tempfile.gettempdir()


def test_upload_size_cap_and_type_check(writable: tuple[TestClient, list[list[str]]]) -> None:
    c, seen = writable
    auth = {"X-Write-Token": "s3cret-token"}
    big = {"files": ("big.txt", b"x" * 20_000, "text/plain")}
    assert_error(c.post("/api/ingest", files=big, headers=auth), 413)
    huge = {"files": ("huge.txt", b"x" * 400_000, "text/plain")}  # past the whole-request cap as well
    assert c.post("/api/ingest", files=huge, headers=auth).status_code == 413
    assert_error(c.post("/api/ingest", files={"files": ("a.exe", b"MZ\x90\x00", "application/x-msdownload")},
                        headers=auth), 415)
    assert_error(c.post("/api/ingest", files={"files": ("a.txt", b"\x00\x01\x02binary", "text/plain")},
                        headers=auth), 415)
    assert_error(c.post("/api/ingest", files={"files": ("a.txt", b"hi", "image/png")}, headers=auth), 415)
    assert_error(c.post("/api/ingest", files={"files": ("c.warc.gz", b"not gzip", "application/gzip")},
                        headers=auth), 415)
    assert_error(c.post("/api/ingest", data={"text": "  "}, headers=auth), 422)
    assert not seen


def gzip_bomb(unpacked: int) -> bytes:
    """JSON Lines that gzip to a few kB but unpack to ``unpacked`` bytes or so."""
    line = json.dumps({"title": "Water rationing ends", "text": "The council met on Tuesday. " * 30}) + "\n"
    return gzip.compress((line * (unpacked // len(line) + 1)).encode(), mtime=1)


def test_upload_cap_counts_unpacked_gzip_and_pasted_text(writable: tuple[TestClient, list[list[str]]]) -> None:
    c, seen = writable  # cap: 10,000 bytes
    auth = {"X-Write-Token": "s3cret-token"}
    before = ok(c.get("/api/articles", params={"limit": 500}))
    bomb = gzip_bomb(1_000_000)  # a hundred times the cap
    assert len(bomb) < 10_000
    for name in ["news.jsonl.gz", "crawl.warc.gz"]:
        body = assert_error(c.post("/api/ingest", files={"files": (name, bomb, "application/gzip")}, headers=auth), 413)
        assert name in body["message"] and "unpacks to more than the 10,000-byte upload limit" in body["message"]
    two = [("files", ("a.txt", b"A\n\n" + b"a" * 6000, "text/plain")), ("files", ("b.txt", b"b" * 6000, "text/plain"))]
    assert "b.txt: over the 10,000-byte" in assert_error(c.post("/api/ingest", files=two, headers=auth), 413)["message"]
    body = assert_error(c.post("/api/ingest", data={"text": "Pasted\n\n" + "p" * 12_000}, headers=auth), 413)
    assert "pasted text" in body["message"] and "10,000-byte" in body["message"]
    page = c.post("/ingest", data={"token": "s3cret-token", "text": "p" * 12_000})
    assert page.status_code == 413 and "10,000-byte upload limit" in page.text
    assert not seen, "nothing over the cap reaches the ingest"
    assert ok(c.get("/api/articles", params={"limit": 500})) == before, "nothing stored is lost or added"
    small = gzip.compress(b"Small headline\n\nBody.\n")
    res = ok(c.post("/api/ingest", files={"files": ("small.txt.gz", small, "application/gzip")}, headers=auth))
    assert res["new"] == 1 and len(seen) == 1  # gzip under the cap is accepted, as the file picker offers


def test_a_body_over_the_cap_is_refused_unread(writable: tuple[TestClient, list[list[str]]]) -> None:
    """Content-Length over the whole-request cap: a clear 413 in the API's own shape, before any byte is read."""
    c, seen = writable
    auth = {"X-Write-Token": "s3cret-token"}
    resp = c.post("/api/ingest", files={"files": ("huge.txt", b"x" * 400_000, "text/plain")}, headers=auth)
    body = assert_error(resp, 413)
    assert "10,000 bytes" in body["message"]
    assert_secure(resp)
    page = c.post("/ingest", data={"token": "s3cret-token"}, files={"files": ("h.txt", b"x" * 400_000, "text/plain")})
    assert page.status_code == 413 and "text/html" in page.headers["content-type"] and "10,000 bytes" in page.text
    assert_secure(page)

    def chunked() -> Any:  # no Content-Length: the running count stops it instead
        yield b'--b\r\nContent-Disposition: form-data; name="files"; filename="big.txt"\r\n\r\n'
        for _ in range(100):
            yield b"y" * 10_000
        yield b"\r\n--b--\r\n"

    resp = c.post("/api/ingest", content=chunked(), headers=auth | {"content-type": "multipart/form-data; boundary=b"})
    assert "10,000 bytes" in assert_error(resp, 413)["message"]
    assert_secure(resp)
    assert not seen


class CountingFile(io.BytesIO):
    """A file that remembers how many bytes were read from it."""

    taken = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.taken += len(data)
        return data


def test_uploads_are_read_and_unpacked_no_further_than_the_cap() -> None:
    import asyncio

    from fastapi import UploadFile

    from onrecord.uploads import read_capped, unpacked_size

    raw = CountingFile(b"z" * 3_000_000)
    data = asyncio.run(read_capped(UploadFile(raw, filename="big.txt"), 100_000))
    assert len(data) == 100_001 and raw.taken <= 100_001
    bomb = gzip_bomb(20_000_000)
    t0 = time.perf_counter()
    assert unpacked_size(bomb, 100_000) == 100_001
    assert time.perf_counter() - t0 < 1, "stops at the cap instead of unpacking 20 MB"
    members = gzip.compress(b"a" * 700) + gzip.compress(b"b" * 700)  # a .warc.gz: one member per record
    assert unpacked_size(members, 10_000) == 1400
    assert unpacked_size(b"\x1f\x8bnot really gzip", 10_000) == 0  # left to the ingest to report


def test_ingest_page_with_token(writable: tuple[TestClient, list[list[str]]]) -> None:
    c, _ = writable
    form = c.get("/ingest").text
    assert 'enctype="multipart/form-data"' in form and 'for="token"' in form and 'for="files"' in form
    bad = c.post("/ingest", data={"token": "nope", "text": "Pasted\n\nBody."})
    assert bad.status_code == 403
    good = c.post("/ingest", data={"token": "s3cret-token", "text": "Pasted headline\n\nBody."})
    assert good.status_code == 200 and "Pasted headline" in good.text
    too_big = c.post("/ingest", data={"token": "s3cret-token"},
                     files={"files": ("b.txt", b"y" * 20_000, "text/plain")})
    assert too_big.status_code == 413 and 'role="alert"' in too_big.text


def test_upload_through_the_real_pipeline(tmp_path: Path) -> None:
    why = pipeline_importable()
    if why:
        pytest.skip(why)
    store = Store(str(tmp_path / "fresh.db"))
    c = TestClient(create_app(store, write_token="tok"))
    text = ("Harbour pilots warn of fog delays\n\nCoastal Times, 3 March 2024\n\n"
            '"We expect the fog to lift by Friday," said harbour master Olga Berg.\n')
    res = ok(c.post("/api/ingest", files={"files": ("fog.txt", text.encode(), "text/plain")},
                    headers={"Authorization": "Bearer tok"}))
    assert res["new"] == 1 and res["quotes"] >= 1
    hits = ok(c.get("/api/search", params={"q": "fog lift"}))["quotes"]["items"]
    assert hits and "Berg" in (hits[0]["speaker_names"] or "")


# ------------------------------------------------------------ concurrency
def test_readers_do_not_wait_on_an_ingest(demo_store: Store) -> None:
    """An ingest holds the write lock until the reads are done: they answer all the same."""
    app = create_app(demo_store, write_token="tok")
    started, reads_done = threading.Event(), threading.Event()

    def slow_ingest(paths: list[str], store: Store, **kw: Any) -> Any:
        from sqlalchemy import text

        with store.transaction() as conn:
            conn.execute(text("UPDATE articles SET title = title"))  # takes SQLite's write lock
            started.set()
            reads_done.wait(20)  # held until the reader is through (or gives up)
        return fake_ingest(paths, store, **kw)

    app.state.ingest_fn = slow_ingest
    urls = ["/api/articles", "/api/search?q=threat", "/speakers/jens-stoltenberg", "/"]
    with serve(app) as base, httpx.Client(base_url=base, timeout=30) as http:
        for url in urls:  # warm up (imports, the chart renderer) before the clock starts
            assert http.get(url).status_code == 200
        results: list[int] = []
        writer = threading.Thread(
            target=lambda: results.append(
                http.post("/api/ingest", data={"text": "Slow\n\nBody."}, headers={"X-Write-Token": "tok"}).status_code
            )
        )
        writer.start()
        assert started.wait(10)
        t0 = time.perf_counter()
        for url in urls:
            assert http.get(url).status_code == 200
        elapsed = time.perf_counter() - t0
        reads_done.set()
        writer.join(30)
    assert results == [200]
    assert elapsed < 10, f"reads took {elapsed:.1f}s while an ingest held the write lock"


# ---------------------------------------------------------- HTML helpers
def test_highlight_escapes_and_overlaps() -> None:
    text = 'He said: "<b>x</b> & y" loudly.'
    start = text.index("<b>")
    marks = [
        render.Mark(start, text.index('"', start), "content", "q1"),
        render.Mark(3, 7, "cue", "q1"),
        render.Mark(0, 2, "source", "q1"),
        render.Mark(0, 2, "evidence", "q1"),
    ]
    html = str(render.highlight_text(text, marks, [{"start": 24, "end": 31, "reason": "boilerplate"}]))
    assert "<b>" not in html and "&lt;b&gt;x&lt;/b&gt; &amp; y" in html
    assert '<mark class="hl hl-source hl-evidence"' in html and '<mark class="hl hl-cue"' in html
    assert '<span class="anchor" id="q-q1"></span><mark class="hl hl-content"' in html
    assert '<span class="skip" title="skipped: boilerplate">' in html
    import html as htmllib

    assert htmllib.unescape(re.sub(r"<[^>]+>", "", html)) == text


def test_highlight_ignores_bad_spans() -> None:
    html = str(render.highlight_text("abc", [render.Mark(2, 99, "content", "q"), render.Mark(5, 1, "cue", "q")]))
    assert html == 'ab<span class="anchor" id="q-q"></span><mark class="hl hl-content" title="quoted content">c</mark>'


def test_word_diff_and_variants() -> None:
    tokens = render.word_diff_tokens("we don't see any imminent threat", "We see no immediate threat")
    removed = {t["text"] for t in tokens if t["tag"] == "removed"}
    added = {t["text"] for t in tokens if t["tag"] == "added"}
    assert removed == {"don't", "any", "imminent"} and added == {"no", "immediate"}
    st = {
        "reports": [
            {"quote_id": "a", "text": "the biggest <exercise>", "is_earliest": True, "kind": "direct"},
            {"quote_id": "b", "text": "the largest <exercise>", "kind": "direct"},
            {"quote_id": "c", "text": "The biggest <exercise>", "kind": "direct"},
            {"quote_id": "d", "text": "that it was a big one", "kind": "indirect"},
        ],
        "diff": [{"base_quote_id": "a", "quote_id": "b", "tokens": [
            {"tag": "same", "text": "the"}, {"tag": "removed", "text": "biggest"},
            {"tag": "added", "text": "largest"}, {"tag": "same", "text": "<exercise>"}]}],
    }  # fmt: skip
    v = render.statement_variants(st)
    assert len(v["pairs"]) == 1 and v["pairs"][0]["diff_source"] == "linking"
    assert str(v["pairs"][0]["base_html"]) == "the <del>biggest</del> &lt;exercise&gt;"
    assert str(v["pairs"][0]["variant_html"]) == "the <ins>largest</ins> &lt;exercise&gt;"
    assert v["pairs"][0]["base"]["quote_id"] == "a" and v["pairs"][0]["report"]["quote_id"] == "b"
    st["diff"] = "something else"
    computed = render.statement_variants(st)["pairs"]
    assert [(p["report"]["quote_id"], p["diff_source"]) for p in computed] == [("b", "computed")]


def test_timeline_chart_is_svg_with_marks() -> None:
    svg = str(render.timeline_chart([{"period": "2024-01", "count": 2}, {"period": "2024-03", "count": 1}], "month"))
    assert svg.startswith("<svg") and "mark-rect" in svg and svg.count("<path") >= 3
    assert render.timeline_chart([{"period": "<script>", "count": 1}], "month") is None
    assert render.timeline_chart([], "month") is None


def test_semantic_search(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from onrecord import semantic

    if not semantic.semantic_available():
        assert_error(client.get("/api/search", params={"q": "danger", "semantic": "true"}), 501)
        return
    res = ok(client.get("/api/search", params={"q": "no danger of an attack on the allies", "semantic": "true"}))
    assert res["quotes"]["items"] and all("score" in q for q in res["quotes"]["items"])
    assert "By meaning" in client.get("/search", params={"q": "danger", "semantic": "1"}).text


def test_semantic_search_without_the_extra(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from onrecord import semantic

    monkeypatch.setattr(semantic, "semantic_available", lambda: False)
    monkeypatch.setattr(semantic, "_EMBEDDER", [])
    body = assert_error(client.get("/api/search", params={"q": "danger", "semantic": "true"}), 501)
    assert "embeddings" in body["message"]
    assert "By meaning" not in client.get("/").text


def test_speaker_page_filters(client: TestClient) -> None:
    def dates(params: dict[str, str]) -> list[str]:
        html = client.get("/speakers/jens-stoltenberg", params=params).text
        return re.findall(r'<li class="quote-item">.*?<time datetime="([^"]*)"', html, re.DOTALL)

    everything = dates({})
    recent, old = dates({"since": "2024-01-01"}), dates({"until": "2021-12-31"})
    assert recent and all(d >= "2024-01-01" for d in recent)
    assert old and all(d <= "2021-12-31" for d in old)
    assert len(everything) >= len(recent) and set(recent).isdisjoint(old)
    direct = client.get("/speakers/jens-stoltenberg", params={"kind": "direct"}).text
    assert " · indirect" not in direct and " · direct" in direct
    assert client.get("/speakers/jens-stoltenberg", params={"group": "fortnight"}).status_code == 422


def test_an_upload_over_a_million_characters_is_stored_with_its_quotes(tmp_path: Path) -> None:
    """spaCy refuses texts over nlp.max_length (E088); extraction runs in pieces, so no 500."""
    store = Store(str(tmp_path / "long.db"))
    c = TestClient(create_app(store, write_token="tok", max_upload_bytes=5_000_000))
    para = "The council met again on Monday and the minutes were read out in full by the clerk. " * 5
    body = "\n\n".join(para for _ in range(2_600))
    text = f"Harbour minutes\n\n{body}\n\n\"The harbour stays open,\" Mayor Ana Petrov said.\n"
    assert len(text) > 1_000_000
    res = ok(c.post("/api/ingest", files={"files": ("long.txt", text.encode(), "text/plain")},
                    headers={"X-Write-Token": "tok"}))  # fmt: skip
    assert res["new"] == 1 and not res["failed"]
    (q,) = ok(c.get("/api/quotes", params={"limit": 5}))["items"]
    start, end = q["content"]["spans"][0]
    assert text[start:end] == q["content"]["text"]
    assert q["content"]["text"].startswith("The harbour stays open")
