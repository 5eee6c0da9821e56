"""The onrecord HTTP application: a JSON API under ``/api`` and server-rendered pages.

``create_app(store, write_token=...)`` is all a caller needs (``onrecord serve`` uses it).
Route functions are small and synchronous: FastAPI runs them in its threadpool, so a
slow query or an ingest never blocks the event loop, and SQLite in WAL mode lets
readers go on while an ingest writes.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from onrecord.api.routes import UPLOAD_OVERHEAD
from onrecord.api.routes import router as api_router
from onrecord.api.uploads import MAX_FILES

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


def create_app(store: Any, *, write_token: str | None = None, max_upload_bytes: int = 5_000_000) -> Any:
    """The FastAPI application over ``store``; writes (ingest) only when ``write_token`` is set."""
    from onrecord.web import STATIC_DIR, wants_html
    from onrecord.web import router as web_router

    app = FastAPI(
        title="onrecord",
        summary="Who said what, when, and who reported it.",
        version="0.1.0",
        docs_url=None,  # /docs is our own page: FastAPI's loads Swagger UI from a CDN
        redoc_url=None,
        openapi_url="/openapi.json",
        # Whole-request cap (GETs have no body); uploads are also counted file by file.
        max_body_size=max_upload_bytes + UPLOAD_OVERHEAD,
        form_limits={"max_part_size": max_upload_bytes, "max_files": MAX_FILES, "max_fields": 50},
    )
    app.state.store = store
    app.state.write_token = write_token or None
    app.state.max_upload_bytes = max_upload_bytes
    app.state.ingest_lock = threading.Lock()  # one ingest at a time; readers never wait on it
    app.state.ingest_fn = None  # tests may swap in their own; None means onrecord.pipeline.ingest

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "error"
        if wants_html(request):
            from onrecord.web import error_page

            return error_page(request, exc.status_code, message, headers=getattr(exc, "headers", None))
        return JSONResponse(
            {"status": exc.status_code, "message": message},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = [_describe(e) for e in exc.errors()]
        message = "invalid request: " + "; ".join(problems)
        if wants_html(request):
            from onrecord.web import error_page

            return error_page(request, 422, message)
        return JSONResponse(
            {"status": 422, "message": message, "errors": problems},
            status_code=422,
        )

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        if wants_html(request):
            from onrecord.web import error_page

            return error_page(request, 500, "something went wrong on the server")
        return JSONResponse({"status": 500, "message": "internal server error"}, status_code=500)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        for k, v in SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        return response

    app.include_router(api_router)
    app.include_router(web_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


def _describe(error: dict[str, Any]) -> str:
    loc = ".".join(str(p) for p in error.get("loc", ()) if p not in ("query", "path", "body"))
    return f"{loc or 'request'}: {error.get('msg', 'invalid')}"


__all__ = ["create_app"]
