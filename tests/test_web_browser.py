"""The pages in a real browser: headless Debian Chromium driven by Playwright for Python.

Runs uvicorn on 127.0.0.1 in a background thread over a store the real pipeline
built from the seeds and the example corpus. Each test saves a screenshot under
``artifacts/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from onrecord.api import create_app
from onrecord.store import Store
from web_helpers import XSS_TEXT, build_corpus_db, pipeline_importable, serve

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TOKEN = "browser-test-token"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package to run the browser tests")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright (Python) is not installed: pip install -e .[dev]")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    why = pipeline_importable()
    if why:
        pytest.skip(why)
    return Store(build_corpus_db(tmp_path_factory.mktemp("corpus")))


@pytest.fixture(scope="module")
def base_url(corpus_store: Store) -> Iterator[str]:
    with serve(create_app(corpus_store)) as url:
        yield url


@pytest.fixture()
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on("dialog", lambda d: (errors.append(f"dialog: {d.message}"), d.dismiss()))
    # Nothing may leave loopback: no CDN, no fonts, no analytics.
    pg.route(re.compile(r"^(?!http://127\.0\.0\.1:)"), lambda route: (errors.append(route.request.url), route.abort()))
    yield pg
    context.close()
    assert not errors, errors


def shot(pg: Any, name: str) -> None:
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


# ------------------------------------------------------------------ journeys
def open_imminent_threat_statement(pg: Any, base_url: str) -> None:
    pg.goto(base_url + "/")
    pg.get_by_label("Search quotes and articles").fill("imminent threat")
    pg.keyboard.press("Enter")
    pg.wait_for_url(re.compile(r"/search\?q=imminent"))
    first = pg.locator("li.quote-item").first
    assert "Stoltenberg" in first.inner_text()
    assert first.locator("mark.term").count() >= 1
    first.get_by_role("link", name="Statement").click()
    pg.wait_for_url(re.compile(r"/statements/"))


def test_search_reaches_the_stoltenberg_statement(page: Any, base_url: str) -> None:
    open_imminent_threat_statement(page, base_url)
    heading = page.get_by_role("heading", level=1)
    assert "Jens Stoltenberg" in heading.inner_text()
    reports = page.locator("table.reports tbody tr")
    assert reports.count() >= 2
    assert page.locator("table.reports").get_by_text("earliest").count() == 1
    shot(page, "01-search-to-statement")


def test_statement_shows_both_wordings_with_differences(page: Any, base_url: str) -> None:
    open_imminent_threat_statement(page, base_url)
    assert page.locator(".badge.drift").first.is_visible()
    pair = page.locator(".side-by-side").filter(has_text="immediate").first
    pair.scroll_into_view_if_needed()
    assert pair.is_visible()
    base, variant = pair.locator("figure.base blockquote"), pair.locator("figure.variant blockquote")
    assert "imminent" in base.locator("del").all_inner_texts()
    assert "immediate" in variant.locator("ins").all_inner_texts()
    # Side by side on a wide screen: the two wordings share a row.
    b1, b2 = base.bounding_box(), variant.bounding_box()
    assert b1 and b2 and abs(b1["y"] - b2["y"]) < 40 and b2["x"] > b1["x"] + 100
    del_bg = base.locator("del").first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert del_bg not in ("rgba(0, 0, 0, 0)", "transparent")
    shot(page, "02-statement-wordings")


def test_click_through_to_the_article_with_the_quote_highlighted(page: Any, base_url: str) -> None:
    open_imminent_threat_statement(page, base_url)
    row = page.locator("table.reports tbody tr").filter(has_text="imminent threat against").first
    row.get_by_role("link", name="Article").click()
    page.wait_for_url(re.compile(r"/articles/[0-9a-f]+\?quote="))
    marks = page.locator(".article-text mark.hl-content")
    assert marks.count() >= 1 and marks.first.is_visible()
    highlighted = " ".join(marks.all_inner_texts())
    assert "imminent threat against any NATO Ally" in re.sub(r"\s+", " ", highlighted)
    assert page.locator(".article-text mark.hl-source, .article-text mark.hl-cue").count() >= 1
    assert "Jens Stoltenberg" in page.locator("section.focus").inner_text()
    # The quote is scrolled into view by its anchor.
    in_view = "e => { const r = e.getBoundingClientRect(); return r.top < innerHeight && r.bottom > 0; }"
    assert marks.first.evaluate(in_view)
    shot(page, "03-article-quote-highlighted")


def test_rutte_page_draws_the_timeline_chart(page: Any, base_url: str) -> None:
    page.goto(base_url + "/speakers")
    page.get_by_role("link", name="Mark Rutte", exact=True).click()
    page.wait_for_url(re.compile(r"/speakers/"))
    assert page.get_by_role("heading", level=1).inner_text() == "Mark Rutte"
    svg = page.locator(".chart-svg svg")
    svg.scroll_into_view_if_needed()
    box = svg.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 100
    bars = page.locator(".chart-svg svg .mark-rect path")
    assert bars.count() >= 1
    boxes = [b for b in (bars.nth(i).bounding_box() for i in range(bars.count())) if b]
    assert any(b["width"] > 1 and b["height"] > 10 for b in boxes), "bars are drawn, not an empty box"
    assert page.locator("section").filter(has_text="Roles").get_by_text("Secretary General").count() >= 1
    shot(page, "04-rutte-timeline")


def test_upload_an_article_with_the_token_and_find_its_quote(browser: Any, tmp_path: Path) -> None:
    why = pipeline_importable()
    if why:
        pytest.skip(why)
    store = Store(str(tmp_path / "upload.db"))
    article = tmp_path / "harbour-fog.txt"
    article.write_text(
        "Harbour pilots warn of fog delays\n\nCoastal Times, 3 March 2024\n\n"
        '"We expect the fog to lift by Friday," said harbour master Olga Berg.\n',
        encoding="utf-8",
    )
    with serve(create_app(store, write_token=TOKEN)) as base:
        context = browser.new_context(viewport={"width": 1000, "height": 900})
        pg = context.new_page()
        pg.set_default_timeout(60_000)
        pg.goto(base + "/ingest")
        pg.get_by_label("Files").set_input_files(str(article))
        pg.get_by_label("Write token").fill(TOKEN)
        pg.get_by_role("button", name="Add").click()
        result = pg.locator("section.result")
        result.wait_for()
        assert "1 new article" in result.inner_text()
        shot(pg, "05a-upload-result")
        result.get_by_role("link", name=re.compile("Harbour pilots")).click()
        mark = pg.locator(".article-text mark.hl-content").first
        assert "fog to lift by Friday" in mark.inner_text()
        pg.locator("#top-q").fill("fog lift")
        pg.keyboard.press("Enter")
        hit = pg.locator("li.quote-item").first
        assert "fog to lift by Friday" in hit.inner_text() and "Berg" in hit.inner_text()
        shot(pg, "05b-upload-found")
        # A wrong token is refused and nothing is added.
        pg.goto(base + "/ingest")
        pg.get_by_label("Or paste an article").fill("Another headline\n\nBody.")
        pg.get_by_label("Write token").fill("wrong")
        pg.get_by_role("button", name="Add").click()
        assert "wrong write token" in pg.locator("main").inner_text()
        context.close()
    assert store.count("articles") == 1


def test_no_script_from_article_text_runs(page: Any, base_url: str, corpus_store: Store) -> None:
    arts = corpus_store.list_articles(limit=1000).items
    art = next(a for a in arts if "Markup in the news" in (a["title"] or ""))
    full = corpus_store.get_article(art["id"])
    assert full is not None
    urls = ["/", "/articles", "/search?q=markup", "/search?q=script+text", "/statements", "/speakers", "/stories",
            f"/articles/{art['id']}"]
    for q in full["quotes"]:
        urls += [f"/quotes/{q['id']}", f"/articles/{art['id']}?quote={q['id']}"]
        urls += [f"/speakers/{k}" for k in q.get("speaker_keys") or []]
        if q.get("statement_id"):
            urls.append(f"/statements/{q['statement_id']}")
    if art.get("story_id"):
        urls.append(f"/stories/{art['story_id']}")
    for url in urls:
        page.goto(base_url + url)
        page.wait_for_load_state("load")
        assert page.evaluate("typeof window.__xss") == "undefined", url
        assert page.locator("img[src='x']").count() == 0, url
    page.goto(base_url + f"/articles/{art['id']}")
    assert XSS_TEXT in page.locator(".article-text").inner_text()
    assert XSS_TEXT in page.get_by_role("heading", level=1).inner_text()
    shot(page, "06-markup-shown-as-text")


def test_phone_width_and_keyboard(browser: Any, base_url: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    pg = context.new_page()
    pg.goto(base_url + "/")
    pg.keyboard.press("Tab")
    assert pg.evaluate("document.activeElement.textContent") == "Skip to main content"
    outline = pg.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "focus is visible"
    pg.keyboard.press("Enter")
    assert pg.evaluate("document.activeElement.id") == "main"
    pg.keyboard.press("Tab")  # into the page: the search box, reachable without a mouse
    assert pg.evaluate("document.activeElement.id") == "q"
    pg.keyboard.type("imminent threat")
    pg.keyboard.press("Enter")
    pg.wait_for_url(re.compile(r"/search\?"))
    for url in ["/", pg.url.replace(base_url, ""), "/speakers/mark-rutte", "/statements", "/docs"]:
        pg.goto(base_url + url)
        overflow = pg.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{url} scrolls sideways on a phone ({overflow}px)"
    pg.goto(base_url + "/search?q=imminent+threat")
    pg.locator("li.quote-item").first.get_by_role("link", name="Statement").click()
    pg.wait_for_url(re.compile(r"/statements/"))
    assert pg.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    shot(pg, "07-phone-statement")
    pg.goto(base_url + "/speakers/mark-rutte")
    shot(pg, "07-phone-speaker")
    context.close()
