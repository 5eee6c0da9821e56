"""Server-rendered pages (Jinja2, autoescaped): the same filters and store pages as the JSON API.

Templates and static files live inside the package; nothing is fetched from a CDN.
Page functions are synchronous (FastAPI's threadpool), like the API routes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from jinja2 import ChainableUndefined, Environment, FileSystemLoader

from onrecord import semantic
from onrecord.queries import (
    ACTS,
    KINDS,
    ArticleFilter,
    QuoteFilter,
    StatementFilter,
    one_row_per_statement,
    parse_bool,
    parse_period,
    parse_text,
)
from onrecord.store import Store
from onrecord.store.reads import KeyedCache
from onrecord.uploads import check_token, ingest_uploads
from onrecord.web import render

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
TEMPLATE_DIR = HERE / "templates"
PAGE = 25

env = Environment(
    loader=FileSystemLoader(TEMPLATE_DIR),
    autoescape=True,  # every {{ value }} is escaped; no template uses |safe on stored text
    undefined=ChainableUndefined,  # stored records vary; a missing field renders empty
    trim_blocks=True,
    lstrip_blocks=True,
)
env.globals["url"] = render.url
env.filters["mark_terms"] = render.mark_terms
env.filters["anchor"] = render.anchor_id


def _safe_href(value: Any) -> str | None:
    """An article's own URL as a link only when it is plain http(s): never ``javascript:`` or ``data:``."""
    url = str(value or "").strip()
    return url if re.match(r"^https?://[^\s<>\"']+$", url, re.IGNORECASE) else None


env.filters["safe_href"] = _safe_href


def _short_date(value: Any) -> str:
    return str(value)[:10] if value else "undated"


env.filters["date"] = _short_date

router = APIRouter(include_in_schema=False)


class PageCache:
    """Rendered pages by (the store's derived revision, URL, writable): a popular speaker's page is
    queried and rendered once per link or index change, not per visit (an LRU, one per app)."""

    def __init__(self, size: int = 256) -> None:
        self._pages = KeyedCache(size)

    def key(self, request: Request) -> tuple[Any, ...]:
        store = _store(request)
        return (store.derived_revision(), request.url.path, request.url.query, bool(request.app.state.write_token))

    def get(self, key: tuple[Any, ...]) -> str | None:
        found: str | None = self._pages.get(key)
        return found

    def put(self, key: tuple[Any, ...], body: str) -> None:
        self._pages.put(key, body)


def wants_html(request: Request) -> bool:
    path = request.url.path
    return not (path.startswith("/api") or path == "/openapi.json" or path.startswith("/static"))


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    ctx = {
        "request": request,
        "path": request.url.path,
        "writable": bool(request.app.state.write_token),
        "title": "",
    } | context
    return HTMLResponse(env.get_template(template).render(**ctx), status_code=status_code)


def error_page(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    resp = page(request, "error.html", status_code=status, status=status, message=message, title=f"Error {status}")
    if headers:
        resp.headers.update(headers)
    return resp


def _store(request: Request) -> Store:
    return request.app.state.store


def _params(request: Request, *names: str) -> dict[str, str]:
    """The named query parameters that are set (an empty form field counts as unset), checked for length."""
    return {n: v for n in names if (v := parse_text(n, request.query_params.get(n))) is not None}


def _quote_filter(p: dict[str, str]) -> QuoteFilter:
    """The page's form fields as the one read layer's filter (its rules, its messages)."""
    names = ("speaker", "organisation", "outlet", "topic", "since", "until", "kind", "act", "drift", "q")
    return QuoteFilter.parse(**{k: p[k] for k in names if k in p})


def _page_no(request: Request) -> int:
    raw = request.query_params.get("page", "1") or "1"
    if not raw.isdigit() or not 1 <= int(raw) <= 100_000:
        raise HTTPException(422, "page: expected a positive whole number")
    return int(raw)


def _pager(request: Request, total: int, page_no: int, size: int = PAGE) -> dict[str, Any]:
    """Previous / next links that keep the other query parameters."""
    last = max(1, -(-total // size))
    base = {k: v for k, v in request.query_params.items() if k != "page" and v}

    def link(n: int) -> str:
        return request.url.path + "?" + urlencode(base | {"page": n})

    return {
        "page": page_no,
        "last": last,
        "total": total,
        "prev": link(page_no - 1) if page_no > 1 else None,
        "next": link(page_no + 1) if page_no < last else None,
    }


def _not_found(what: str, ref: str) -> HTTPException:
    return HTTPException(404, f"no {what} {ref!r}")


# ------------------------------------------------------------------- pages
@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    store = _store(request)
    return page(
        request,
        "home.html",
        title="onrecord",
        statements=store.list_statements(limit=10).items,
        speakers=store.list_speakers(limit=12).items,
        stats=store.stats(),
        semantic_ok=semantic.semantic_available(),
    )


@router.get("/search", response_class=HTMLResponse)
def search(request: Request) -> Response:
    p = _params(request, "q", "speaker", "outlet", "topic", "since", "until", "kind", "act", "drift", "semantic")
    page_no = _page_no(request)
    q = p.pop("q", "")
    by_meaning = bool(parse_bool("semantic", p.pop("semantic", None)))
    flt = _quote_filter(p)
    res = None
    if q:
        offset = (page_no - 1) * PAGE
        if by_meaning:
            try:
                res = semantic.semantic_search(_store(request), q, flt, limit=PAGE, offset=offset)
            except semantic.SemanticUnavailable as exc:
                raise HTTPException(501, str(exc)) from exc
        else:
            res = _store(request).search(q, flt, limit=PAGE, offset=offset)
    return page(
        request,
        "search.html",
        title=f"Search: {q}" if q else "Search",
        q=q,
        p=p,
        res=res.to_dict() if res else None,
        pg=_pager(request, res.quotes.total, page_no) if res else None,
        kinds=KINDS,
        acts=ACTS,
        semantic=by_meaning,
        semantic_ok=semantic.semantic_available(),
    )


@router.get("/speakers", response_class=HTMLResponse)
def speakers(request: Request) -> Response:
    p = _params(request, "q")
    page_no = _page_no(request)
    res = _store(request).list_speakers(limit=PAGE, offset=(page_no - 1) * PAGE, q=p.get("q"))
    return page(request, "speakers.html", title="Speakers", res=res, p=p, pg=_pager(request, res.total, page_no))


@router.get("/speakers/{key:path}", response_class=HTMLResponse)
def speaker(request: Request, key: str) -> Response:
    pages: PageCache = request.app.state.speaker_pages
    cache_key = pages.key(request)
    cached = pages.get(cache_key)
    if cached is not None:
        return HTMLResponse(cached)
    store = _store(request)
    sp = store.get_speaker(key)
    if sp is None:
        raise _not_found("speaker", key)
    p = _params(request, "q", "topic", "since", "until", "kind", "act", "drift", "group")
    group = parse_period(p.get("group"))
    page_no = _page_no(request)
    flt = _quote_filter(p).replace(speaker=sp["key"])
    counts = store.quote_period_counts(flt, group=group)
    res = store.list_quotes(flt, limit=PAGE, offset=(page_no - 1) * PAGE)
    statements = store.statement_summaries(q.get("statement_id") for q in res.items)
    resp = page(
        request,
        "speaker.html",
        title=sp["name"],
        sp=sp,
        p=p,
        group=group,
        chart=render.timeline_chart(counts, group),
        buckets=counts,
        items=one_row_per_statement(res.items),
        statements=statements,
        pg=_pager(request, res.total, page_no),
        kinds=KINDS,
        acts=ACTS,
    )
    pages.put(cache_key, bytes(resp.body).decode("utf-8"))
    return resp


@router.get("/statements", response_class=HTMLResponse)
def statements(request: Request) -> Response:
    p = _params(request, "speaker", "drift")
    page_no = _page_no(request)
    flt = StatementFilter.parse(speaker=p.get("speaker"), drift=p.get("drift"))
    res = _store(request).list_statements(flt, limit=PAGE, offset=(page_no - 1) * PAGE)
    return page(request, "statements.html", title="Statements", res=res, p=p, pg=_pager(request, res.total, page_no))


@router.get("/statements/{statement_id}", response_class=HTMLResponse)
def statement(request: Request, statement_id: str) -> Response:
    store = _store(request)
    st = store.get_statement(statement_id)
    if st is None:
        raise _not_found("statement", statement_id)
    # Where an outlet is unknown, the article's title names the report (one read for all of them).
    titles = store.article_titles(
        str(r.get("article_id")) for r in st.get("reports") or [] if isinstance(r, dict) and not r.get("outlet")
    )
    return page(
        request,
        "statement.html",
        title=f"Statement by {st.get('speaker_name') or 'unknown speaker'}",
        st=st,
        titles=titles,
        variants=render.statement_variants(st),
    )


@router.get("/quotes/{quote_id:path}", response_class=HTMLResponse)
def quote(request: Request, quote_id: str) -> Response:
    store = _store(request)
    q = store.get_quote(quote_id)
    if q is None:
        raise _not_found("quote", quote_id)
    art = store.get_article(q["article_id"], with_quotes=False)
    if art is None:
        raise _not_found("article", q["article_id"])
    return page(
        request,
        "quote.html",
        title=f"Quote: {q['content']['text'][:60]}",
        q=q,
        art=art,
        body=render.highlight_text(art["text"], render.quote_marks(q), art.get("skip_ranges") or []),
        chains=[(s, render.resolution_chain(s)) for s in q.get("speakers") or []],
        statement=store.get_statement(q["statement_id"]) if q.get("statement_id") else None,
    )


@router.get("/articles", response_class=HTMLResponse)
def articles(request: Request) -> Response:
    p = _params(request, "outlet", "since", "until")
    page_no = _page_no(request)
    flt = ArticleFilter.parse(outlet=p.get("outlet"), since=p.get("since"), until=p.get("until"))
    res = _store(request).list_articles(flt, limit=PAGE, offset=(page_no - 1) * PAGE)
    return page(request, "articles.html", title="Articles", res=res, p=p, pg=_pager(request, res.total, page_no))


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article(request: Request, article_id: str) -> Response:
    store = _store(request)
    art = store.get_article(article_id)
    if art is None:
        raise _not_found("article", article_id)
    focus = request.query_params.get("quote")
    quotes = art.get("quotes") or []
    shown = [q for q in quotes if q["id"] == focus] if focus else quotes
    if focus and not shown:
        raise _not_found("quote in this article", focus)
    marks = [m for q in shown for m in render.quote_marks(q) if focus or m.role != "evidence"]
    return page(
        request,
        "article.html",
        title=art.get("title") or "Article",
        art=art,
        focus=shown[0] if focus else None,
        quotes=quotes,
        body=render.highlight_text(art["text"], marks, art.get("skip_ranges") or []),
        chains=[(s, render.resolution_chain(s)) for s in (shown[0].get("speakers") or [])] if focus else [],
    )


@router.get("/stories", response_class=HTMLResponse)
def stories(request: Request) -> Response:
    page_no = _page_no(request)
    res = _store(request).list_stories(limit=PAGE, offset=(page_no - 1) * PAGE)
    return page(request, "stories.html", title="Stories", res=res, pg=_pager(request, res.total, page_no))


@router.get("/stories/{story_id}", response_class=HTMLResponse)
def story(request: Request, story_id: str) -> Response:
    st = _store(request).get_story(story_id)
    if st is None:
        raise _not_found("story", story_id)
    ids = {a["id"] for a in st["articles"]}
    return page(request, "story.html", title=st.get("title") or "Story", st=st, ids=ids)


@router.get("/ingest", response_class=HTMLResponse)
def ingest_form(request: Request) -> Response:
    return page(
        request,
        "ingest.html",
        title="Add articles",
        result=None,
        error=None,
        max_bytes=request.app.state.max_upload_bytes,
    )


@router.post("/ingest", response_class=HTMLResponse)
async def ingest_submit(
    request: Request,
    token: Annotated[str, Form()] = "",
    files: Annotated[list[UploadFile], File()] = [],  # noqa: B006
    text: Annotated[str, Form()] = "",
) -> Response:
    check_token(request, token)  # 403 / 401 page before anything is read further
    try:
        result = await ingest_uploads(request, files, text or None)
    except HTTPException as exc:
        return page(
            request,
            "ingest.html",
            status_code=exc.status_code,
            title="Add articles",
            result=None,
            error=str(exc.detail),
            max_bytes=request.app.state.max_upload_bytes,
        )
    return page(
        request, "ingest.html", title="Added", result=result, error=None, max_bytes=request.app.state.max_upload_bytes
    )


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request) -> Response:
    """API reference rendered from the OpenAPI schema, with plain forms to try GET endpoints."""
    schema = request.app.openapi()
    ops = []
    for path, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            params = []
            for prm in op.get("parameters", []):
                s = prm.get("schema", {})
                alts = s.get("anyOf", [s])
                types = [a.get("type") for a in alts if a.get("type") and a.get("type") != "null"]
                enum = next((a.get("enum") for a in alts if a.get("enum")), None)
                params.append(
                    {
                        "name": prm["name"],
                        "in": prm["in"],
                        "required": prm.get("required", False),
                        "type": "/".join(types) or "string",
                        "enum": enum,
                        "default": s.get("default"),
                        "pattern": next((a.get("pattern") for a in alts if a.get("pattern")), None),
                        "description": prm.get("description") or s.get("description") or "",
                    }
                )
            ops.append(
                {
                    "path": path,
                    "method": method.upper(),
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "params": params,
                    "responses": sorted(op.get("responses", {})),
                    "tryable": method == "get" and "{" not in path,
                    "anchor": render.anchor_id(method + path),
                }
            )
    return page(request, "docs.html", title="API", ops=ops, info=schema.get("info", {}))
