"""The onrecord HTTP application: a JSON API under ``/api`` and server-rendered pages.

``create_app(store, write_token=...)`` is all a caller needs (``onrecord serve`` uses it).
Route functions are small and synchronous: FastAPI runs them in its threadpool, so a
slow query or an ingest never blocks the event loop, and SQLite in WAL mode lets
readers go on while an ingest writes.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from onrecord import __version__
from onrecord.api.routes import UPLOAD_OVERHEAD
from onrecord.api.routes import router as api_router
from onrecord.queries import InvalidFilter
from onrecord.store import Store
from onrecord.store.reads import SERVED_STALE
from onrecord.uploads import MAX_FILES
from onrecord.web import STATIC_DIR, PageCache, error_page, wants_html
from onrecord.web import router as web_router

log = logging.getLogger("onrecord.api")

SECURITY_HEADERS = {
    # No inline script may run, whatever the stored text holds; the pages load only their own files.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
_RAW_SECURITY_HEADERS = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY_HEADERS.items()]
STARLETTE_TOO_LARGE = "Content Too Large"  # the detail of Starlette's body-limit 413


class _App(FastAPI):
    """FastAPI with one layer outside its ServerErrorMiddleware, so that every response is covered.

    Middleware added the usual way sits inside ServerErrorMiddleware (and inside FastAPI's
    body limit), so the 500 page and an early 413 would go out without the security headers.
    """

    def build_middleware_stack(self) -> ASGIApp:
        return _Outermost(super().build_middleware_stack(), self)


class _Outermost:
    """Security headers on every response; a body declared over the cap, or a NUL in the URL, answered unread."""

    def __init__(self, app: ASGIApp, owner: FastAPI) -> None:
        self.app = app
        self.owner = owner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in _RAW_SECURITY_HEADERS if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        refusal = self._refusal(scope)
        if refusal is not None:
            await _error_response(Request(scope, receive), *refusal)(scope, receive, send_secured)
            return
        etag = self._etag(scope)
        if etag is None:
            await self.app(scope, receive, send_secured)
            return
        if etag.encode("latin-1") in _if_none_match(scope):
            # The store has not changed since the client's copy: nothing is read or rendered.
            headers = [(b"etag", etag.encode("latin-1")), (b"cache-control", b"no-cache")]
            await send_secured({"type": "http.response.start", "status": 304, "headers": headers})
            await send_secured({"type": "http.response.body", "body": b""})
            return

        stale: dict[str, bool] = {"stale": False}  # set by a read answered from the previous revision

        async def send_tagged(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in (b"etag", b"cache-control")]
                if stale["stale"]:  # no validator: this body is not the store's current revision
                    headers = [*kept, (b"cache-control", b"no-store")]
                else:
                    headers = [*kept, (b"etag", etag.encode("latin-1")), (b"cache-control", b"no-cache")]
                message = {**message, "headers": headers}
            await send_secured(message)

        token = SERVED_STALE.set(stale)
        try:
            await self.app(scope, receive, send_tagged)
        finally:
            SERVED_STALE.reset(token)

    def _etag(self, scope: Scope) -> str | None:
        """A validator for reads of the store: it changes with every committed write (``Store.revision``)."""
        path: str = scope.get("path", "")
        if scope.get("method") not in ("GET", "HEAD") or path.startswith("/static") or path == "/ingest":
            return None
        store = getattr(self.owner.state, "store", None)
        if store is None:
            return None
        try:
            revision = store.revision()
        except Exception:  # an unreadable store: no validator; the request itself reports the error
            log.warning("no ETag: the store's revision could not be read", exc_info=True)
            return None
        # The version of onrecord too: a new release may render the same data differently.
        return f'W/"{__version__}-{revision}"'

    def _refusal(self, scope: Scope) -> tuple[int, str] | None:
        """The status and message that answer the request before the app sees it, if any do."""
        declared = Headers(scope=scope).get("content-length", "")
        cap = self.owner.max_body_size
        if cap is not None and declared.isdigit() and int(declared) > cap:
            return 413, too_large_message(self.owner.state.max_upload_bytes)
        # No stored text holds a NUL (PostgreSQL cannot store one), and the database refuses it in a query.
        if "\x00" in scope.get("path", "") or has_nul(scope.get("query_string", b"")):
            return 422, "invalid request: a NUL character (%00) in the URL"
        return None


def _if_none_match(scope: Scope) -> list[bytes]:
    for key, value in scope.get("headers", []):
        if key == b"if-none-match":
            return [v.strip() for v in value.split(b",")]
    return []


def has_nul(query: bytes) -> bool:
    return b"\x00" in query or b"%00" in query


def too_large_message(cap: int) -> str:
    return f"request body too large: uploads are limited to {cap:,} bytes in all"


def _error_response(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None, **extra: Any
) -> Response:
    """The error as JSON under /api (``{"status", "message"}``), else as an HTML page."""
    if wants_html(request):
        return error_page(request, status, message, headers=headers)
    return JSONResponse({"status": status, "message": message, **extra}, status_code=status, headers=headers)


def create_app(store: Store, *, write_token: str | None = None, max_upload_bytes: int = 5_000_000) -> FastAPI:
    """The FastAPI application over ``store``; writes (ingest) only when ``write_token`` is set."""
    app = _App(
        title="onrecord",
        summary="Who said what, when, and who reported it.",
        version="0.1.0",
        docs_url=None,  # /docs is our own page: FastAPI's loads Swagger UI from a CDN
        redoc_url=None,
        openapi_url="/openapi.json",
        # Whole-request cap (GETs have no body); uploads are also counted file by file.
        max_body_size=max_upload_bytes + UPLOAD_OVERHEAD,
        # Pasted text may be as large as the body: the upload cap then answers 413, not the parser 400.
        form_limits={"max_part_size": max_upload_bytes + UPLOAD_OVERHEAD, "max_files": MAX_FILES, "max_fields": 50},
    )
    app.state.store = store
    app.state.write_token = write_token or None
    app.state.max_upload_bytes = max_upload_bytes
    app.state.ingest_lock = threading.Lock()  # one ingest at a time; readers never wait on it
    app.state.ingest_fn = None  # tests may swap in their own; None means onrecord.pipeline.ingest
    app.state.speaker_pages = PageCache()

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "error"
        if exc.status_code == 413 and message == STARLETTE_TOO_LARGE:  # a chunked body that ran past the cap
            message = too_large_message(request.app.state.max_upload_bytes)
        return _error_response(request, exc.status_code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = [_describe(e) for e in exc.errors()]
        return _error_response(request, 422, "invalid request: " + "; ".join(problems), errors=problems)

    @app.exception_handler(InvalidFilter)
    async def invalid_filter(request: Request, exc: InvalidFilter) -> Response:
        # The read layer's own message, the same one the CLI and the web pages give.
        return _error_response(request, 422, f"invalid request: {exc}", errors=[str(exc)])

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        # Runs in ServerErrorMiddleware, outside the app's middleware: _Outermost adds the security headers.
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        message = "something went wrong on the server" if wants_html(request) else "internal server error"
        return _error_response(request, 500, message)

    app.include_router(api_router)
    app.include_router(web_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


def app_from_env() -> FastAPI:
    """The app ``onrecord serve`` runs in each worker process: the store is ``$ONRECORD_DB``,
    ingest is on when ``$ONRECORD_WRITE_TOKEN`` is set, the upload cap is ``$ONRECORD_MAX_UPLOAD`` bytes."""
    cap = os.environ.get("ONRECORD_MAX_UPLOAD", "")
    return create_app(
        Store(os.environ.get("ONRECORD_DB"), create=False),
        write_token=os.environ.get("ONRECORD_WRITE_TOKEN") or None,
        max_upload_bytes=int(cap) if cap.isdigit() else 5_000_000,
    )


def _describe(error: dict[str, Any]) -> str:
    loc = ".".join(str(p) for p in error.get("loc", ()) if p not in ("query", "path", "body"))
    return f"{loc or 'request'}: {error.get('msg', 'invalid')}"


__all__ = ["SECURITY_HEADERS", "app_from_env", "create_app"]
