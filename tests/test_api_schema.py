"""The served OpenAPI schema held to account by schemathesis, and odd inputs on every page and backend.

schemathesis reads ``/openapi.json`` from the app itself and sends generated requests,
valid and not, to every operation over a store ingested from the bundled example corpus.
Each answer must be no server error, a status the schema documents for that operation,
of the documented content type and body shape, and carry the security headers. The
examples are few (the whole file runs in well under a minute); raise ONRECORD_SCHEMA_EXAMPLES
to search harder.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from onrecord import semantic
from onrecord.api import SECURITY_HEADERS, create_app
from onrecord.store import Store
from web_helpers import build_demo_store, pipeline_importable

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "corpus"
PG_URL = os.environ.get("ONRECORD_TEST_PG")
PG_SCHEMA = "onrecord_api_schema_tests"  # its own search_path: other suites drop the public tables
MAX_EXAMPLES = int(os.environ.get("ONRECORD_SCHEMA_EXAMPLES", "25"))
TOKEN = "schema-test-token"

# The schema does not depend on the data: it is read from this app now, and the store comes in below.
APP = create_app(None, write_token=TOKEN, max_upload_bytes=200_000)
OPENAPI = APP.openapi()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The example corpus through the real pipeline; semantic search off, so its answer is the documented 501."""
    why = pipeline_importable()
    if why:
        pytest.skip(why)
    from onrecord.pipeline import ingest

    store = Store(str(tmp_path_factory.mktemp("schema") / "examples.db"))
    ingest([str(EXAMPLES)], store)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(semantic, "semantic_available", lambda: False)
        mp.setattr(semantic, "_EMBEDDER", [])
        APP.state.store = store
        yield store
    APP.state.store = None
    store.close()


def documented(case: Any, status: int) -> bool:
    return str(status) in OPENAPI["paths"][case.operation.path][case.method.lower()]["responses"]


def no_server_error(ctx: Any, response: Any, case: Any) -> bool | None:
    """5xx fails, except 501 where the schema promises it (semantic search without the embeddings extra)."""
    status = response.status_code
    if status >= 500 and not (status == 501 and documented(case, 501)):
        raise AssertionError(f"server error {status} on {case.method} {case.formatted_path}: {response.text[:300]}")
    return None


def security_headers(ctx: Any, response: Any, case: Any) -> bool | None:
    for name, value in SECURITY_HEADERS.items():
        got = response.headers.get(name.lower()) or response.headers.get(name)
        got = got[0] if isinstance(got, list) else got
        if got != value:
            raise AssertionError(f"{case.method} {case.formatted_path} ({response.status_code}): {name} is {got!r}")
    return None


CHECKS = [no_server_error, security_headers, status_code_conformance, content_type_conformance,
          response_schema_conformance]  # fmt: skip


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_api_conforms_to_its_schema(case: Any, corpus_store: Store) -> None:
    # The token lets the fuzzer past 401/403 into the upload checks and the real ingest.
    headers = {"X-Write-Token": TOKEN} if case.operation.path == "/api/ingest" else None
    case.call_and_validate(checks=CHECKS, headers=headers)


def test_the_checks_catch_a_server_error(corpus_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The run above notices a crash (the ASGI transport re-raises it) and a 5xx answered without one."""
    from fastapi import HTTPException

    def crash(*_: Any, **__: Any) -> Any:
        raise RuntimeError("boom")

    def unavailable(*_: Any, **__: Any) -> Any:
        raise HTTPException(503, "down for maintenance")

    case = schema["/api/stats"]["GET"].Case()
    monkeypatch.setattr(corpus_store, "stats", crash)
    with pytest.raises(Exception, match="boom"):
        case.call_and_validate(checks=CHECKS)
    monkeypatch.setattr(corpus_store, "stats", unavailable)
    with pytest.raises(BaseExceptionGroup) as failed:  # schemathesis groups the failures it finds
        case.call_and_validate(checks=[no_server_error])
    assert "server error 503" in "".join(traceback.format_exception(failed.value))


# ------------------------------------------------------------- odd inputs
ODD = [
    "\x00", '"', '"unclosed', "*", "OR NOT", "NEAR(", "col:x", "'; drop table x;--", "\U0001f642", "\u202e",
    "%", "_", "\\", "a" * 501, "\x1f", "-1", "1e9", "\u0661", "2024-13-45",
]  # fmt: skip
PAGES = ["/", "/search", "/speakers", "/articles", "/statements", "/stories", "/docs", "/ingest"]
PAGE_PARAMS = ["q", "speaker", "outlet", "topic", "since", "until", "kind", "act", "drift", "page", "semantic", "group"]
LISTS = ["/api/quotes", "/api/speakers", "/api/articles", "/api/statements", "/api/stories", "/api/timeline"]
# Sent in two groups: one bad value answers 422 before the store is asked, hiding what the others would do.
TEXT_PARAMS = ["q", "speaker", "outlet", "organisation", "topic", "story"]
OTHER_PARAMS = ["since", "until", "offset", "limit", "kind", "drift", "group", "min_size"]


def odd_requests(*, skip: set[str] = frozenset()) -> Iterator[tuple[str, dict[str, str]]]:
    """Every page and listing with an odd value in each parameter; every detail route with odd ids."""
    client = TestClient(APP)
    speakers = client.get("/api/speakers", params={"limit": 1}).json()["items"]
    articles = client.get("/api/articles", params={"limit": 1}).json()["items"]
    speaker = speakers[0]["key"] if speakers else "nobody"
    article = articles[0]["id"] if articles else "0000"
    for value in ODD:
        for path in [*PAGES, f"/speakers/{speaker}"]:
            yield path, {n: value for n in PAGE_PARAMS if n not in skip}
        yield f"/articles/{article}", {"quote": value}
        for path in LISTS:
            yield path, {n: value for n in TEXT_PARAMS if n not in skip}
            yield path, {n: value for n in OTHER_PARAMS}
        yield "/api/search", {n: value for n in ["q", "speaker", "outlet"]}
        for base in ["articles", "quotes", "speakers", "statements", "stories"]:
            yield f"/api/{base}/{quote(value, safe='')}", {}
            yield f"/{base}/{quote(value, safe='')}", {}
    for path in LISTS:
        yield path, {"offset": "10000000", "limit": "500"}
    yield "/api/search", {"q": "water", "offset": "10000000", "limit": "200"}
    yield "/speakers", {"page": "100000"}


def crashes(store: Store, *, skip: set[str] = frozenset()) -> list[str]:
    APP.state.store = store
    client = TestClient(APP, raise_server_exceptions=False)
    found = []
    for path, params in odd_requests(skip=skip):
        resp = client.get(path, params=params)
        missing = [h for h, v in SECURITY_HEADERS.items() if resp.headers.get(h) != v]
        if resp.status_code >= 500 and not (resp.status_code == 501 and path == "/api/search") or missing:
            found.append(f"{resp.status_code} {path} {params!r:.120} missing={missing}")
    return found


def test_odd_inputs_never_crash_sqlite(corpus_store: Store) -> None:
    found = crashes(corpus_store)
    assert not found, f"{len(found)} bad answers, e.g.:\n" + "\n".join(found[:10])


@pytest.fixture(scope="module")
def pg_store() -> Iterator[Store]:
    if not PG_URL:
        pytest.skip("no PostgreSQL server (set ONRECORD_TEST_PG, or run 'make test' as root)")
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
    sep = "&" if "?" in PG_URL else "?"
    store = build_demo_store(f"{PG_URL}{sep}options=-csearch_path%3D{PG_SCHEMA}")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(semantic, "semantic_available", lambda: False)
        yield store
    APP.state.store = None
    store.close()
    with admin.connect() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
    admin.dispose()


def test_odd_inputs_never_crash_postgresql(pg_store: Store) -> None:
    """PostgreSQL refuses a NUL in any text it is sent: the API answers 422 for one before the store sees it."""
    found = crashes(pg_store)
    assert not found, f"{len(found)} bad answers, e.g.:\n" + "\n".join(found[:10])
    client = TestClient(APP)
    assert client.get("/api/quotes", params={"speaker": "a\x00b"}).status_code == 422
    assert client.get("/speakers/a%00b").status_code == 422


@pytest.mark.parametrize("name", ["topic", "organisation"])
def test_topic_and_organisation_filters_on_postgresql(pg_store: Store, name: str) -> None:
    APP.state.store = pg_store
    client = TestClient(APP, raise_server_exceptions=False)
    for path, params in [("/api/quotes", {name: "nato"}), ("/api/timeline", {name: "nato"}),
                         ("/api/search", {"q": "threat", name: "nato"})]:  # fmt: skip
        assert client.get(path, params=params).status_code == 200, (path, params)
