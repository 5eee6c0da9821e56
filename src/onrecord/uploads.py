"""Uploads for ingest (the API's and the ingest page's): size cap, type check, a private temp dir, then
``pipeline.ingest``.

Nothing a client sends chooses a path: each file is written under a fresh temporary
directory with a sanitised name, ingested, and the directory removed.

The cap counts what the ingest would read: pasted text, each file's bytes and, for gzip
data (which the ingest unpacks whatever the name), the unpacked bytes. Files are read and
unpacked in chunks and no further than the cap allows, so an upload over it costs at most
the cap in memory and is refused (413) before anything reaches the store.
"""

from __future__ import annotations

import gzip
import io
import re
import secrets
import tempfile
import threading
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import HTTPException, Request, UploadFile
from fastapi.concurrency import run_in_threadpool

if TYPE_CHECKING:
    from onrecord.store import Store

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
GZIP_MAGIC = b"\x1f\x8b"
CHUNK = 64 * 1024


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


def _extension(name: str) -> str | None:
    """The allowed extension ``name`` ends with; "x.jsonl.gz" gives ".jsonl.gz" (the ingest unpacks any .gz)."""
    lowered = name.lower()
    inner = lowered.removesuffix(".gz")
    ext = next((e for e in sorted(ALLOWED_EXTENSIONS, key=len, reverse=True) if lowered.endswith(e)), None)
    if ext is None and inner != lowered:
        base = next((e for e in ALLOWED_EXTENSIONS if inner.endswith(e)), None)
        ext = base + ".gz" if base else None
    return ext


def check_upload(upload: Upload, content_type: str | None) -> None:
    """415 for a type onrecord does not read; binary content in a text type is refused too."""
    ext = _extension(upload.name)
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


async def read_capped(file: UploadFile, budget: int) -> bytes:
    """At most ``budget + 1`` bytes of ``file``, read in chunks: one byte more than allowed says "too large"."""
    parts: list[bytes] = []
    got = 0
    while got <= budget:
        chunk = await file.read(min(CHUNK, budget + 1 - got))
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def unpacked_size(data: bytes, budget: int) -> int:
    """How many bytes gzip ``data`` unpacks to, counted in chunks and no further than ``budget + 1``.

    Every member counts (a .warc.gz is one per record). Corrupt data counts as far as it
    unpacks: the ingest then reports the file as unreadable, as it does from the command line.
    """
    total = 0
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data), mode="rb") as unpacked:
            while total <= budget:
                chunk = unpacked.read(min(CHUNK, budget + 1 - total))
                if not chunk:
                    break
                total += len(chunk)
    except (OSError, EOFError, zlib.error):
        pass
    return total


async def read_uploads(files: Sequence[UploadFile], text: str | None, cap: int) -> list[Upload]:
    """The uploaded files, type-checked, or 413 as soon as what they hold (unpacked) passes ``cap``."""
    if len(files) > MAX_FILES:
        raise HTTPException(400, f"at most {MAX_FILES} files at a time")  # as the form parser says it
    used = len((text or "").encode("utf-8"))
    if used > cap:
        raise HTTPException(413, f"the pasted text ({used:,} bytes) is over the {cap:,}-byte upload limit")
    uploads: list[Upload] = []
    for f in files:
        if not f.filename and not f.size:
            continue  # an empty file input
        name = f.filename or "upload.txt"
        data = await read_capped(f, cap - used)
        if len(data) > cap - used:
            raise HTTPException(413, f"{name}: over the {cap:,}-byte upload limit (files and text together)")
        up = Upload(name, data)
        check_upload(up, f.content_type)
        if data.startswith(GZIP_MAGIC):  # counted as what the ingest will read: the unpacked bytes
            size = unpacked_size(data, cap - used)
            if size > cap - used:
                raise HTTPException(413, f"{name}: unpacks to more than the {cap:,}-byte upload limit")
            used += size
        else:
            used += len(data)
        uploads.append(up)
    return uploads


def run_ingest(
    store: Store,
    uploads: Sequence[Upload],
    pasted: str | None,
    *,
    lock: threading.Lock,
    max_bytes: int,
    ingest_fn: Callable[..., Any] | None = None,
) -> dict[str, Any]:
    """Write the uploads to a private temp dir, ingest them, report what is new. Blocking."""
    if ingest_fn is None:
        from onrecord.pipeline import ingest as ingest_fn  # loads the NLP stack: only when a server ingests
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
            new = store.list_articles(offset=before, limit=1000).items
    out = summary.to_dict() if hasattr(summary, "to_dict") else dict(summary)
    out["articles"] = [{k: a.get(k) for k in ("id", "title", "outlet", "published", "quote_count")} for a in new]
    for f in out.get("failed", []):  # the temp dir is gone: name the upload, not the path
        f["path"] = Path(str(f.get("path", ""))).name
    return out


async def ingest_uploads(request: Request, files: list[UploadFile], text: str | None) -> dict[str, Any]:
    """Read within the cap, check, ingest in a thread: what the API and the ingest page both do."""
    state = request.app.state
    cap: int = state.max_upload_bytes
    uploads = await read_uploads(files, text, cap)
    return await run_in_threadpool(
        run_ingest, state.store, uploads, text, lock=state.ingest_lock, max_bytes=cap, ingest_fn=state.ingest_fn
    )
