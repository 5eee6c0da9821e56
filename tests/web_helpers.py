"""A small hand-built store for the web and API tests (no NLP): articles, quotes, a link result.

``build_demo_store(path)`` mirrors the seeds closely enough to exercise every page: two
translations of one Stoltenberg statement (quote drift), an older Stoltenberg
statement, a Rutte statement, and an article whose text carries markup.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from onrecord.models import Article, Quote, RoleSpan, SkipRange, Span, SpeakerRef
from onrecord.store import Store

XSS_TEXT = '<script>window.__xss=1</script> <img src=x onerror="window.__xss=2">'


# The fields Store.replace_links reads, as plain local dataclasses.
@dataclass
class Role:
    title: str
    organisation: str | None
    person: str
    start: str | None = None
    end: str | None = None
    source: str = "article"
    evidence: list[str] = field(default_factory=list)


@dataclass
class Speaker:
    key: str
    name: str
    type: str = "person"
    aliases: list[str] = field(default_factory=list)
    roles: list[Role] = field(default_factory=list)
    first_seen: str | None = None
    last_seen: str | None = None


@dataclass
class Report:
    quote_id: str
    article_id: str
    outlet: str | None
    article_date: str | None
    said_date: str | None
    said_date_basis: str
    text: str
    kind: str
    is_earliest: bool = False


@dataclass
class Statement:
    id: str
    speaker_key: str | None
    reports: list[Report]
    drift: bool = False
    diff: list[Any] = field(default_factory=list)
    confidence: float | None = None


@dataclass
class Info:
    said_date: str | None
    said_date_basis: str
    said_date_precision: str | None
    topics: list[str] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)


@dataclass
class LinkResult:
    speakers: list[Speaker] = field(default_factory=list)
    quote_speakers: dict[str, list[str]] = field(default_factory=dict)
    quote_info: dict[str, Info] = field(default_factory=dict)
    statements: list[Statement] = field(default_factory=list)


def _id(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def make_article(text: str, *, title: str, outlet: str, published: str, header_end: int | None = None) -> Article:
    return Article(
        id=_id(text),
        text=text,
        title=title,
        outlet=outlet,
        published=published,
        format="text",
        source_path=f"{outlet.lower().replace(' ', '-')}.txt",
        skip_ranges=[SkipRange(0, header_end, "header")] if header_end else [],
    )


def make_quote(
    article: Article,
    n: int,
    content: str,
    *,
    cue: str | None = None,
    source: str | None = None,
    speaker: str,
    kind: str = "direct",
    via: str = "name",
    chain: list[str] | None = None,
) -> Quote:
    text = article.text

    def span(part: str, near: int = 0) -> Span:
        hits = [i for i in range(len(text)) if text.startswith(part, i)]
        i = min(hits, key=lambda h: abs(h - near))
        return Span(i, i + len(part))

    c = span(content, len(text) // 2)
    return Quote(
        id=f"{article.id}:{n}",
        kind=kind,
        content=RoleSpan(content, [c]),
        cue=RoleSpan(cue, [span(cue, c.start)]) if cue else None,
        source=RoleSpan(source, [span(source, c.start)]) if source else None,
        speakers=[SpeakerRef(name=speaker, type="person", resolved_via=via, chain=chain or [])],
    )


A1 = """There is no direct threat from Russia to NATO countries, but we are vigilant

Ukrinform, 23 January 2024

"We don't see any direct or imminent threat against any NATO Ally," Stoltenberg stated on Tuesday.

"We will have the big exercise starting later this week, which will be the biggest exercise in decades \
for NATO," he said.
"""
A2 = """NATO chief sees no immediate threat from Russia

Monitoring Desk, 24 January 2024

NATO Secretary General Jens Stoltenberg spoke in Brussels. \
"We see no direct or immediate threat to any NATO ally," Stoltenberg said.

"It will be the largest exercise in decades for NATO," he added.
"""
A4 = """Stoltenberg on Russia, 2021

Defence News, 23 March 2021

"Russia continues its pattern of aggressive behaviour," NATO Secretary General Jens Stoltenberg said on Monday.
"""
A5 = """Rutte takes over at NATO

Euro Times, 15 October 2024

NATO Secretary General Mark Rutte said: "Our support for Ukraine will not waver."
"""
AX = f"""Markup in the news {XSS_TEXT}

Test Wire, 1 February 2024

Jane Doe said: "Beware of {XSS_TEXT} in articles."
"""


def build_demo_store(db_path: str) -> Store:
    store = Store(str(db_path))
    a1 = make_article(A1, title="There is no direct threat from Russia to NATO countries", outlet="Ukrinform",
                      published="2024-01-23", header_end=A1.index("\n\n", A1.index("Ukrinform")))
    a2 = make_article(A2, title="NATO chief sees no immediate threat from Russia", outlet="Monitoring Desk",
                      published="2024-01-24")
    a4 = make_article(A4, title="Stoltenberg on Russia, 2021", outlet="Defence News", published="2021-03-23")
    a5 = make_article(A5, title="Rutte takes over at NATO", outlet="Euro Times", published="2024-10-15")
    a5.url = "javascript:window.__xss=3"  # a hostile link must not become one
    ax = make_article(AX, title=f"Markup in the news {XSS_TEXT}", outlet="Test Wire", published="2024-02-01")
    q1a = make_quote(a1, 0, "We don't see any direct or imminent threat against any NATO Ally,", cue="stated",
                     source="Stoltenberg", speaker="Jens Stoltenberg")
    q1b = make_quote(a1, 1, "We will have the big exercise starting later this week, which will be the biggest "
                     "exercise in decades for NATO,", cue="said", source="he", speaker="Jens Stoltenberg",
                     via="pronoun", chain=['"he"', "Stoltenberg (named 1 sentence earlier)", "Jens Stoltenberg"])
    q2a = make_quote(a2, 0, "We see no direct or immediate threat to any NATO ally,", cue="said",
                     source="Stoltenberg", speaker="Jens Stoltenberg")
    q2b = make_quote(a2, 1, "It will be the largest exercise in decades for NATO,", cue="added", source="he",
                     speaker="Jens Stoltenberg", via="pronoun", chain=['"he"', "Jens Stoltenberg"])
    q4 = make_quote(a4, 0, "Russia continues its pattern of aggressive behaviour,", cue="said",
                    source="NATO Secretary General Jens Stoltenberg", speaker="Jens Stoltenberg")
    q5 = make_quote(a5, 0, "Our support for Ukraine will not waver.", cue="said",
                    source="NATO Secretary General Mark Rutte", speaker="Mark Rutte")
    qx = make_quote(ax, 0, f"Beware of {XSS_TEXT} in articles.", cue="said", source="Jane Doe", speaker="Jane Doe")
    story = "story-nato-2024"
    store.add_article(a1, [q1a, q1b], story_id=story)
    store.add_article(a2, [q2a, q2b], story_id=story, duplicate_of=None)
    store.add_article(a4, [q4], story_id="story-2021")
    store.add_article(a5, [q5], story_id="story-rutte")
    store.add_article(ax, [qx], story_id="story-xss")
    store.add_sighting(a5.id, "syndicated/copy-of-rutte.txt", None)
    store.refresh_search_index()

    def rep(q: Quote, a: Article, said: str, first: bool = False) -> Report:
        return Report(q.id, a.id, a.outlet, a.published, said, "article date", q.content.text, q.kind, first)

    nato = Role("Secretary General", "NATO", "Jens Stoltenberg", "2021-03-23", "2024-01-24")
    result = LinkResult(
        speakers=[
            Speaker("jens-stoltenberg", "Jens Stoltenberg", aliases=["Stoltenberg", "Jens Stoltenberg"],
                    roles=[nato], first_seen="2021-03-23", last_seen="2024-01-24"),
            Speaker("mark-rutte", "Mark Rutte", aliases=["Mark Rutte"],
                    roles=[Role("Secretary General", "NATO", "Mark Rutte", "2024-10-15", "2024-10-15")],
                    first_seen="2024-10-15", last_seen="2024-10-15"),
            Speaker("jane-doe", "Jane Doe", aliases=["Jane Doe", XSS_TEXT]),
        ],
        quote_speakers={
            **{q.id: ["jens-stoltenberg"] for q in (q1a, q1b, q2a, q2b, q4)},
            q5.id: ["mark-rutte"],
            qx.id: ["jane-doe"],
        },
        quote_info={
            q1a.id: Info("2024-01-23", 'article text: "on Tuesday"', "day", ["russia", "nato"], ["NATO"]),
            q1b.id: Info("2024-01-23", "article date", "day", ["nato"], ["NATO"]),
            q2a.id: Info("2024-01-23", "article text", "day", ["russia", "nato"], ["NATO"]),
            q2b.id: Info("2024-01-23", "article text", "day", ["nato"], ["NATO"]),
            q4.id: Info("2021-03-22", 'article text: "on Monday"', "day", ["russia"], ["NATO"]),
            q5.id: Info("2024-10-15", "article date", "day", ["ukraine"], ["NATO"]),
            qx.id: Info("2024-02-01", "article date", "day", [XSS_TEXT], []),
        },
        statements=[
            Statement("st-threat-0001", "jens-stoltenberg",
                      [rep(q1a, a1, "2024-01-23", True), rep(q2a, a2, "2024-01-23")], drift=True),
            Statement("st-exercise-02", "jens-stoltenberg",
                      [rep(q1b, a1, "2024-01-23", True), rep(q2b, a2, "2024-01-23")], drift=True),
            Statement("st-russia-2021", "jens-stoltenberg", [rep(q4, a4, "2021-03-22", True)]),
            Statement("st-rutte-00001", "mark-rutte", [rep(q5, a5, "2024-10-15", True)]),
            Statement("st-xss-0000001", "jane-doe", [rep(qx, ax, "2024-02-01", True)]),
        ],
    )
    store.replace_links(result)
    return store


def fake_ingest(paths: list[str], store: Store, **_: Any) -> Any:
    """Stands in for pipeline.ingest in tests of the upload plumbing: one article per file, no NLP."""

    @dataclass
    class Summary:
        new: int = 0
        quotes: int = 0

        def to_dict(self) -> dict[str, Any]:
            return {"new": self.new, "quotes": self.quotes, "failed": []}

    s = Summary()
    from pathlib import Path

    for p in paths:
        text = Path(p).read_text(encoding="utf-8", errors="replace")
        art = make_article(text, title=text.splitlines()[0][:80] if text.strip() else "empty",
                           outlet="Upload", published="2024-05-01")
        art.source_path = p
        if not store.has_article(art.id):
            store.add_article(art, [])
            s.new += 1
    store.refresh_search_index()
    return s


# ------------------------------------------------------------- real corpus
XSS_ARTICLE = f"""Markup in the news {XSS_TEXT}

Test Wire, 1 February 2024

The page carried {XSS_TEXT} in its text, and readers saw it as plain text.

"Markup such as <script>window.__xss=1</script> must always show as text," said Jane Doe, \
a researcher at the Example Institute.
"""

_CORPUS_CACHE: dict[str, str] = {}


def corpus_paths() -> list[str]:
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    shared = Path(os.environ.get("ONRECORD_SHARED", root.parent / "shared"))
    paths = [shared / "corpora" / "seeds", root / "examples" / "corpus"]
    return [str(p) for p in paths if p.exists()]


def build_corpus_db(workdir: Any) -> str:
    """Seeds + example corpus + the markup article, ingested by the real pipeline; built once per run.

    Raises ImportError when the pipeline (or a stage it needs) cannot be imported yet.
    """
    if "db" in _CORPUS_CACHE:
        return _CORPUS_CACHE["db"]
    from pathlib import Path

    from onrecord.pipeline import ingest

    work = Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    xss = work / "markup"
    xss.mkdir(exist_ok=True)
    (xss / "test-wire_markup.txt").write_text(XSS_ARTICLE, encoding="utf-8")
    db = str(work / "corpus.db")
    store = Store(db)
    ingest([*corpus_paths(), str(xss)], store)
    store.close()
    _CORPUS_CACHE["db"] = db
    return db


def pipeline_importable() -> str | None:
    """None when ``onrecord.pipeline.ingest`` can run; else why not (for pytest.skip)."""
    try:
        import onrecord.dedup  # noqa: F401
        import onrecord.ingest  # noqa: F401
        import onrecord.pipeline  # noqa: F401
        import onrecord.quotes  # noqa: F401
        import onrecord.speakers  # noqa: F401
        from onrecord.ingest import normalise_body, read_inputs  # noqa: F401
        from onrecord.quotes import extract_quotes_batch  # noqa: F401
        from onrecord.speakers import link_corpus  # noqa: F401
    except ImportError as exc:
        return f"onrecord.pipeline is not importable yet ({exc}); the API/web tests need a pipeline-built store"
    return None


# ------------------------------------------------------------------ server
def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Run ``app`` with uvicorn on 127.0.0.1 in a background thread; yields the base URL."""
    import threading
    import time

    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
