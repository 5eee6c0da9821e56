"""JSON API routes: thin functions from query parameters to ``onrecord.queries`` filters and store pages."""

from __future__ import annotations

import base64
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Path, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from onrecord.queries import (
    ACTS,
    DATE_HELP,
    KINDS,
    MAX_TEXT,
    ArticleFilter,
    InvalidFilter,
    Period,
    QuoteFilter,
    SearchResult,
    StatementFilter,
    parse_text,
)
from onrecord.semantic import SemanticUnavailable, semantic_search
from onrecord.store import Store
from onrecord.uploads import check_token, ingest_uploads, token_from_headers

UPLOAD_OVERHEAD = 256 * 1024  # multipart boundaries, headers and the small form fields

router = APIRouter(prefix="/api", tags=["api"])


# ------------------------------------------------------------------ models
class Error(BaseModel):
    """Every error the API answers: the HTTP status again and one line for a person."""

    status: int
    message: str


class InvalidRequest(Error):
    errors: list[str] = Field(default_factory=list, description="One line per bad parameter, when there are several")


class Page(BaseModel):
    """One page of a listing: ``items`` from ``offset``, ``total`` matching in all."""

    model_config = ConfigDict(extra="allow")
    total: int | None = Field(description="How many match in all (null on a keyset page)")
    limit: int
    offset: int | None = Field(description="Items skipped (null on a keyset page)")
    items: list[dict[str, Any]]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page (quote listings)")


class Record(BaseModel):
    model_config = ConfigDict(extra="allow")


# The statuses each operation can answer, so that the schema is true (FastAPI's own 422 body is not ours).
Responses = dict[int | str, dict[str, Any]]
SERVER_ERROR: Responses = {500: {"model": Error, "description": "Server error (a short message, never a traceback)"}}
BAD_PARAMETER: Responses = {422: {"model": InvalidRequest, "description": "Bad parameter"}}
READ_ERRORS: Responses = BAD_PARAMETER | SERVER_ERROR
ONE_ERRORS: Responses = {404: {"model": Error, "description": "Unknown id"}} | READ_ERRORS
SEARCH_ERRORS: Responses = READ_ERRORS | {
    501: {"model": Error, "description": "semantic=true, but the embeddings extra is not installed"}
}
INGEST_ERRORS: Responses = {
    400: {"model": Error, "description": "Malformed form data, or too many files"},
    401: {"model": Error, "description": "No write token"},
    403: {"model": Error, "description": "Wrong write token, or a read-only server"},
    413: {"model": Error, "description": "Over the upload limit (gzip data counts unpacked)"},
    415: {"model": Error, "description": "A file type onrecord does not read"},
} | READ_ERRORS


# ------------------------------------------------------------ dependencies
# Dependencies are async: they do no I/O, and a sync one would cost a threadpool hop per request.
async def get_store(request: Request) -> Store:
    return request.app.state.store


StoreDep = Annotated[Store, Depends(get_store)]
Limit = Annotated[int, Query(ge=1, le=500, description="Page size")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip")]
# Dates, kinds and acts are checked by QuoteFilter.parse (the schema still lists the choices), so every
# door refuses a bad value with the same message.
DateQ = Annotated[str | None, Query(max_length=40, description=f"ISO date: {DATE_HELP}")]


async def quote_filter(
    speaker: Annotated[str | None, Query(max_length=MAX_TEXT, description="Speaker key, name or alias")] = None,
    organisation: Annotated[str | None, Query(max_length=MAX_TEXT)] = None,
    outlet: Annotated[str | None, Query(max_length=MAX_TEXT)] = None,
    topic: Annotated[str | None, Query(max_length=MAX_TEXT)] = None,
    since: DateQ = None,
    until: DateQ = None,
    kind: Annotated[str | None, Query(json_schema_extra={"enum": list(KINDS)}, description="Quote kind")] = None,
    act: Annotated[
        str | None,
        Query(json_schema_extra={"enum": list(ACTS)}, description="speech (said, wrote, according to) or thought"),
    ] = None,
    drift: Annotated[bool | None, Query(description="Only quotes of statements with (true) or without drift")] = None,
    q: Annotated[str | None, Query(max_length=MAX_TEXT, description="Full-text query")] = None,
) -> QuoteFilter:
    """The quote filters of ``onrecord quotes`` / ``search``, validated by the one read layer."""
    return QuoteFilter.parse(
        speaker=speaker, organisation=organisation, outlet=outlet, topic=topic, since=since, until=until,
        kind=kind, act=act, drift=drift, q=q,
    )


Filters = Annotated[QuoteFilter, Depends(quote_filter)]


def _found(item: Any, what: str, ref: str) -> Any:
    if item is None:
        raise HTTPException(404, f"no {what} {ref!r}")
    return item


def _json(content: Any) -> Response:
    """The body as JSON, sent as is: the response models document it (validating each row would
    cost more than the query)."""
    return JSONResponse(content)


def encode_cursor(row: dict[str, Any]) -> str:
    """Where the next keyset page starts: after this row's (date, id)."""
    raw = json.dumps([row.get("date"), row["id"]], ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str | None, str]:
    try:
        when, qid = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if (when is None or isinstance(when, str)) and isinstance(qid, str):
            return when, qid
    except (ValueError, TypeError):
        pass
    raise InvalidFilter("cursor", "not a cursor this API gave out (use next_cursor from the previous page)")


# ----------------------------------------------------------------- reading
@router.get("/stats", response_model=Record, responses=SERVER_ERROR, summary="How much the store holds")
def stats(store: StoreDep) -> Response:
    return _json(store.stats())


@router.get("/articles", response_model=Page, responses=READ_ERRORS, summary="Articles, in ingest order")
def list_articles(
    store: StoreDep,
    limit: Limit = 50,
    offset: Offset = 0,
    outlet: Annotated[str | None, Query(max_length=MAX_TEXT)] = None,
    story: Annotated[str | None, Query(max_length=64, description="Story id")] = None,
    since: DateQ = None,
    until: DateQ = None,
) -> Response:
    flt = ArticleFilter.parse(outlet=outlet, story_id=story, since=since, until=until)
    page = store.list_articles(flt, limit=limit, offset=offset).to_dict()
    for item in page["items"]:  # listings stay light: the text is at /api/articles/{id}
        item["length"] = len(item.pop("text", "") or "")
    return _json(page)


@router.get("/articles/{article_id}", response_model=Record, responses=ONE_ERRORS, summary="One article, verbatim")
def get_article(
    store: StoreDep, article_id: Annotated[str, Path(min_length=4, max_length=64, description="Id or prefix")]
) -> Response:
    return _json(_found(store.get_article(article_id), "article", article_id))


@router.get(
    "/quotes",
    response_model=Page,
    responses=READ_ERRORS,
    summary="Quotes, newest first, filtered",
    description="Page by `offset`, or by `cursor` (keyset: pass the `next_cursor` of the previous page; "
    "as fast on the last page as on the first).",
)
def list_quotes(
    store: StoreDep,
    filters: Filters,
    limit: Limit = 50,
    offset: Offset = 0,
    article: Annotated[str | None, Query(max_length=64, description="Article id")] = None,
    statement: Annotated[str | None, Query(max_length=64, description="Statement id")] = None,
    cursor: Annotated[str | None, Query(max_length=1000, description="next_cursor of the previous page")] = None,
) -> Response:
    flt = filters
    if article:
        flt = flt.replace(article_id=store.resolve_article_id(article) or article)
    if statement:
        flt = flt.replace(statement_id=statement)
    keyset = not (flt.article_id or flt.q)  # those are ordered by text position / rank
    if cursor and keyset:
        items = store.quotes_after(flt, decode_cursor(cursor), limit=limit)
        out: dict[str, Any] = {"total": None, "limit": limit, "offset": None, "items": items}
    else:
        out = store.list_quotes(flt, limit=limit, offset=offset).to_dict()
    if keyset and len(out["items"]) == limit:
        out["next_cursor"] = encode_cursor(out["items"][-1])
    return _json(out)


@router.get("/quotes/{quote_id:path}", response_model=Record, responses=ONE_ERRORS, summary="One quote")
def get_quote(store: StoreDep, quote_id: str) -> Response:
    return _json(_found(store.get_quote(quote_id), "quote", quote_id))


@router.get("/speakers", response_model=Page, responses=READ_ERRORS, summary="Speakers, most quoted first")
def list_speakers(
    store: StoreDep,
    limit: Limit = 50,
    offset: Offset = 0,
    q: Annotated[str | None, Query(max_length=MAX_TEXT, description="Part of a name or alias")] = None,
) -> Response:
    return _json(store.list_speakers(limit=limit, offset=offset, q=parse_text("q", q)).to_dict())


@router.get("/speakers/{ref:path}", response_model=Record, responses=ONE_ERRORS, summary="One speaker")
def get_speaker(store: StoreDep, ref: str) -> Response:
    return _json(_found(store.get_speaker(ref), "speaker", ref))


@router.get("/statements", response_model=Page, responses=READ_ERRORS, summary="Statements, newest first")
def list_statements(
    store: StoreDep,
    limit: Limit = 50,
    offset: Offset = 0,
    speaker: Annotated[str | None, Query(max_length=MAX_TEXT)] = None,
    drift: bool | None = None,
    min_reports: Annotated[int, Query(ge=1, le=1000)] = 1,
) -> Response:
    flt = StatementFilter.parse(speaker=speaker, drift=drift, min_reports=min_reports)
    return _json(store.list_statements(flt, limit=limit, offset=offset).to_dict())


@router.get("/statements/{statement_id}", response_model=Record, responses=ONE_ERRORS, summary="One statement")
def get_statement(
    store: StoreDep, statement_id: Annotated[str, Path(min_length=4, max_length=64, description="Id or prefix")]
) -> Response:
    return _json(_found(store.get_statement(statement_id), "statement", statement_id))


@router.get("/stories", response_model=Page, responses=READ_ERRORS, summary="Stories: articles about one event")
def list_stories(
    store: StoreDep,
    limit: Limit = 50,
    offset: Offset = 0,
    min_size: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    return _json(store.list_stories(limit=limit, offset=offset, min_size=min_size).to_dict())


@router.get("/stories/{story_id}", response_model=Record, responses=ONE_ERRORS, summary="One story")
def get_story(store: StoreDep, story_id: Annotated[str, Path(max_length=64)]) -> Response:
    return _json(_found(store.get_story(story_id), "story", story_id))


@router.get("/timeline", response_model=Record, responses=READ_ERRORS, summary="Statements grouped by period")
def timeline(store: StoreDep, filters: Filters, group: Period = "month") -> Response:
    return _json(store.timeline(filters, group=group).to_dict())


@router.get("/search", response_model=Record, responses=SEARCH_ERRORS, summary="Full-text search: quotes and articles")
def search(
    store: StoreDep,
    filters: Filters,
    q: Annotated[str, Query(min_length=1, max_length=MAX_TEXT, description='Words or "a phrase"')],
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    offset: Offset = 0,
    semantic: Annotated[bool, Query(description="Rank by meaning (needs the embeddings extra; else 501)")] = False,
) -> Response:
    if not q.strip():
        raise HTTPException(422, "q: the query is empty")
    flt = filters.replace(q=None)
    if semantic:
        return _json(semantic_result(store, q, flt, limit=limit, offset=offset).to_dict())
    return _json(store.search(q, flt, limit=limit, offset=offset).to_dict())


def semantic_result(store: Store, q: str, flt: QuoteFilter, *, limit: int, offset: int) -> SearchResult:
    """Semantic search, paged; 501 when the embeddings extra is not installed."""
    try:
        return semantic_search(store, q, flt, limit=limit, offset=offset)
    except SemanticUnavailable as exc:
        raise HTTPException(501, str(exc)) from exc


# ----------------------------------------------------------------- writing
@router.post(
    "/ingest",
    response_model=Record,
    responses=INGEST_ERRORS,
    summary="Ingest uploaded files or pasted text (needs the write token)",
    description="Send the token as `Authorization: Bearer TOKEN` or `X-Write-Token: TOKEN`.",
)
async def ingest(
    request: Request,
    files: Annotated[list[UploadFile], File(description="Articles: text, HTML, JSONL, feeds, WARC")] = [],  # noqa: B006
    text: Annotated[str | None, Form(description="Pasted article text")] = None,
) -> dict[str, Any]:
    check_token(request, token_from_headers(request))
    return await ingest_uploads(request, files, text)
