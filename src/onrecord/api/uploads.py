"""Uploads for ingest: size cap, type check, a private temp dir, then ``pipeline.ingest``.

Nothing a client sends chooses a path: each file is written under a fresh temporary
directory with a sanitised name, ingested, and the directory removed.
"""

from __future__ import annotations

import re
import secrets
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request

ALLOWED_EXTENSIONS = (
    ".txt", ".text", ".md", ".html", ".htm", ".xhtml", ".jsonl", ".ndjson", ".json",
    ".xml", ".rss", ".atom", ".warc", ".warc.gz",
)  # fmt: skip
ALLOWED_CONTENT_TYPES = {
    "", "application/octet-stream", "application/json", "application/x-ndjson", "application/jsonl",
    "application/xml", "application/rss+xml", "application/atom+xml", "application/xhtml+xml",
    "application/warc", "application/gzip", "application/x-gzip",
}  # fmt: skip
MAX_FILES = 20


@dataclass
class Upload:
    name: str  # the client's file name, for display only
    data: bytes


def check_token(request: Request, given: str | None) -> None:
    """403 when the server is read-only, 401 without a token, 403 with a wrong one."""
    expected: str | None = request.app.state.write_token
    if not expected:
        raise HTTPException(403, "this server is read-only: start it with a write token to enable ingest")
    if not given:
        raise HTTPException(401, "a write token is required", headers={"WWW-Authenticate": "Bearer"})
    if not secrets.compare_digest(given.encode("utf-8"), expected.encode("utf-8")):
        raise HTTPException(403, "wrong write token")


def token_from_headers(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.headers.get("x-write-token")


def safe_name(name: str | None, index: int) -> str:
    """A file name that is ours: the client's base name reduced to [A-Za-z0-9._-], numbered."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).lstrip("._")[:80] or "upload.txt"
    return f"{index:02d}-{base}"


def check_upload(upload: Upload, content_type: str | None) -> None:
    """415 for a type onrecord does not read; binary content in a text type is refused too."""
    lowered = upload.name.lower()
    ext = next((e for e in sorted(ALLOWED_EXTENSIONS, key=len, reverse=True) if lowered.endswith(e)), None)
    if ext is None:
        raise HTTPException(415, f"{upload.name}: unsupported file type (allowed: {', '.join(ALLOWED_EXTENSIONS)})")
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype and not (ctype.startswith("text/") or ctype in ALLOWED_CONTENT_TYPES):
        raise HTTPException(415, f"{upload.name}: unsupported content type {ctype}")
    head = upload.data[:8192]
    if ext.endswith(".gz"):
        if not head.startswith(b"\x1f\x8b"):
            raise HTTPException(415, f"{upload.name}: not gzip data")
    elif b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise HTTPException(415, f"{upload.name}: binary content in a text file")


def run_ingest(
    store: Any,
    uploads: Sequence[Upload],
    pasted: str | None,
    *,
    lock: Any,
    max_bytes: int,
    ingest_fn: Callable[..., Any] | None = None,
) -> dict[str, Any]:
    """Write the uploads to a private temp dir, ingest them, report what is new. Blocking."""
    if ingest_fn is None:
        from onrecord.pipeline import ingest as ingest_fn
    with tempfile.TemporaryDirectory(prefix="onrecord-upload-") as tmp:
        paths: list[str] = []
        for i, up in enumerate(uploads):
            path = Path(tmp) / safe_name(up.name, i)
            path.write_bytes(up.data)
            paths.append(str(path))
        if pasted and pasted.strip():
            path = Path(tmp) / safe_name("pasted.txt", len(uploads))
            path.write_text(pasted, encoding="utf-8")
            paths.append(str(path))
        if not paths:
            raise HTTPException(422, "nothing to ingest: upload a file or paste some text")
        with lock:
            before = store.count("articles")
            summary = ingest_fn(paths, store, max_bytes=max_bytes)
            new = store.list_articles(offset=before, limit=1000)["items"]
    out = summary.to_dict() if hasattr(summary, "to_dict") else dict(summary)
    out["articles"] = [{k: a.get(k) for k in ("id", "title", "outlet", "published", "quote_count")} for a in new]
    for f in out.get("failed", []):  # the temp dir is gone: name the upload, not the path
        f["path"] = Path(str(f.get("path", ""))).name
    return out
