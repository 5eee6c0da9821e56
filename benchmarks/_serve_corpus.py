"""The synthetic store of ``benchmarks/serve.py``: one generator, two ways to write it.

Every article is drawn from its own random stream (seed, salt, article number), so the
corpus does not depend on how it is written or in which order.

* ``build_with_store``: ``Store.add_article`` per article, ``Store.refresh_search_index``,
  then one ``LinkResult`` through ``Store.replace_links`` -- the store's own write path.
  About 1 s per 1,000 quotes: fine up to ~100,000 quotes.
* ``build_bulk``: the same rows, written with SQLAlchemy Core ``executemany`` into the
  store's own schema tables (``onrecord.store.schema``, so JSON columns are serialised as
  the store does it), a few thousand rows per statement, link columns filled at insert time
  (what ``replace_links`` would write afterwards, one UPDATE per quote; the columns it
  derives after that come from the store's own ``schema.fill_quote_dates``), then the
  store's own ``Store.refresh_search_index``. About 10x faster: a million quotes in minutes.
  ``compare_builders`` checks that the two write the same rows (the benchmark's
  ``--check-builders``).

``app_from_env`` is the ASGI factory the benchmark hands uvicorn (``--factory``): the
same ``create_app(Store(db))`` as ``onrecord serve``, with the database from
``ONRECORD_BENCH_DB``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select

from onrecord.folding import fold
from onrecord.models import Article, Quote, RoleSpan, Span, SpeakerRef
from onrecord.store import Store
from onrecord.store import schema as t
from onrecord.store.rows import quote_insert_row

try:
    from onrecord.store import fulltext
except ImportError:  # a store without that module: nothing of it to call
    fulltext = None  # type: ignore[assignment]

# Bump when the generated corpus changes: cached stores are keyed by it.
CORPUS_VERSION = 2
QUOTES_PER_ARTICLE = 10
ARTICLES_PER_STORY = 5
OUTLETS = ["Ukrinform", "Valdoria Herald", "Coastal Times", "Harbour News", "Euro Times", "Test Wire", "Daily Post"]
WORDS = (
    "alliance threat russia ukraine support water plant tariff harbour storm rationing exercise defence "
    "budget minister security border energy pipeline sanctions election reform agreement summit troops "
    "vigilance production investment climate drought coast fishermen authority council parliament court "
    "inflation market workers strike hospital school road bridge railway port airport ferry farmers"
).split()
PHRASES = ["imminent threat", "water rationing", "defence production", "support for ukraine", "new tariff"]


# ------------------------------------------------------------------ corpus
def speaker_names(n: int) -> list[str]:
    first = ["Jens", "Mark", "Ana", "Tomas", "Lena", "Boris", "Olga", "Petra", "Ivo", "Dana", "Rob", "Micael"]
    last = ["Stoltenberg", "Rutte", "Petrov", "Reyes", "Varga", "Ruge", "Berg", "Lund", "Marek", "Ilic", "Bauer"]
    out = [f"{f} {ln}" for f in first for ln in last]
    i = 2
    while len(out) < n:
        out += [f"{f} {ln}-{i}" for f in first for ln in last]
        i += 1
    return out[:n]


def speaker_key(name: str) -> str:
    return name.lower().replace(" ", "-")


def n_speakers(n_quotes: int) -> int:
    return max(50, n_quotes // 100)


@dataclass
class Cast:
    """The speakers of a corpus and their Zipf weights (a few speakers say a lot)."""

    names: list[str]
    cum_weights: list[float] = field(init=False)

    def __post_init__(self) -> None:
        self.cum_weights = list(itertools.accumulate(1 / (k + 1) ** 0.8 for k in range(len(self.names))))


def _sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(8, 18))
    if rng.random() < 0.3:
        words.insert(rng.randint(0, len(words)), rng.choice(PHRASES))
    return " ".join(words).capitalize()


@dataclass
class Generated:
    article: Article
    quotes: list[Quote]
    names: list[str]  # the speaker of each quote
    topics: list[list[str]]  # two topic words per quote (what linking would write)


def generate_article(seed: int, i: int, cast: Cast, salt: str = "report") -> Generated:
    rng = random.Random(f"{seed}:{salt}:{i}")
    year, month, day = rng.choice([2021, 2022, 2023, 2024]), rng.randint(1, 12), rng.randint(1, 28)
    date = f"{year}-{month:02d}-{day:02d}"
    outlet = rng.choice(OUTLETS)
    parts = [f"{_sentence(rng)} {salt}{i}", f"{outlet}, {date}", ""]
    pos = len("\n".join(parts)) + 1
    who = rng.choices(cast.names, cum_weights=cast.cum_weights, k=QUOTES_PER_ARTICLE)
    quotes: list[Quote] = []
    body: list[str] = []
    for n, name in enumerate(who):
        content = _sentence(rng)
        start = pos + sum(len(b) + 2 for b in body) + 1
        body.append(f'"{content}," said {name}.')
        src = start + len(content) + 8
        quotes.append(
            Quote(
                id=str(n),
                kind="direct",
                content=RoleSpan(content, [Span(start, start + len(content))]),
                cue=RoleSpan("said", [Span(src - 5, src - 1)]),
                source=RoleSpan(name, [Span(src, src + len(name))]),
                speakers=[SpeakerRef(name=name, type="person", chain=[name])],
            )
        )
    topics = [rng.sample(WORDS, 2) for _ in quotes]
    text = "\n".join(parts) + "\n" + "\n\n".join(body) + "\n"
    aid = hashlib.sha256(text.encode()).hexdigest()[:16]
    for q in quotes:
        q.id = f"{aid}:{q.id}"
    art = Article(id=aid, text=text, title=parts[0], outlet=outlet, published=date, format="text",
                  source_path=f"synthetic/{salt}/{i}.txt")  # fmt: skip
    return Generated(art, quotes, who, topics)


def story_id(i: int) -> str:
    return f"story-{i // ARTICLES_PER_STORY}"


def statement_id(first_quote_id: str) -> str:
    return f"st_{hashlib.sha1(first_quote_id.encode()).hexdigest()[:16]}"


def drifts(sid: str) -> bool:
    """One statement in five has drift (decided by its id, so both builders agree)."""
    return int(sid[3:11], 16) % 5 == 0


def corpus(seed: int, n_quotes: int) -> tuple[Cast, Iterator[tuple[int, Generated]]]:
    cast = Cast(speaker_names(n_speakers(n_quotes)))
    n_articles = n_quotes // QUOTES_PER_ARTICLE
    return cast, ((i, generate_article(seed, i, cast)) for i in range(n_articles))


# ---------------------------------------------------- the store's write path
def build_with_store(store: Store, n_quotes: int, seed: int) -> dict[str, float]:
    from onrecord.speakers.types import LinkResult, QuoteInfo, RoleRecord, Speaker, Statement, StatementReport

    cast, docs = corpus(seed, n_quotes)
    per_speaker: dict[str, list[tuple[Article, Quote, list[str]]]] = {}
    t0 = time.perf_counter()
    for i, g in docs:
        store.add_article(g.article, g.quotes, story_id=story_id(i))
        for q, name, topics in zip(g.quotes, g.names, g.topics, strict=True):
            per_speaker.setdefault(name, []).append((g.article, q, topics))
    t1 = time.perf_counter()
    store.refresh_search_index()
    t2 = time.perf_counter()
    result = LinkResult()
    for name in cast.names:
        items = per_speaker.get(name)
        if not items:
            continue
        key = speaker_key(name)
        dates = sorted(a.published or "" for a, _, _ in items)
        result.speakers.append(
            Speaker(key=key, name=name, type="person", aliases=[name, name.split()[-1]],
                    roles=[RoleRecord("Spokesperson", "Authority", name, dates[0], dates[-1])],
                    first_seen=dates[0], last_seen=dates[-1], quote_count=len(items))
        )  # fmt: skip
        for k in range(0, len(items), 2):  # pairs of reports make one statement
            group = items[k : k + 2]
            sid = statement_id(group[0][1].id)
            reports = [
                StatementReport(q.id, a.id, a.outlet, a.published, a.published, "article date", q.content.text,
                                q.kind, is_earliest=j == 0)
                for j, (a, q, _) in enumerate(group)
            ]  # fmt: skip
            result.statements.append(
                Statement(id=sid, speaker_key=key, reports=reports, drift=len(group) > 1 and drifts(sid))
            )
        for a, q, topics in items:
            result.quote_speakers[q.id] = [key]
            result.quote_info[q.id] = QuoteInfo(a.published, "article date", "day", article_date=a.published,
                                                topics=topics, organisations=["Authority"])  # fmt: skip
    store.replace_links(result)
    return {"articles": t1 - t0, "search index": t2 - t1, "links": time.perf_counter() - t2}


# --------------------------------------------------------------- bulk path
def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _article_row(a: Article, seq: int, story: str, now: str) -> dict[str, Any]:
    """What ``Store.add_article`` writes for an article (no dedup outcome, not yet indexed)."""
    return dict(
        id=a.id, title=a.title, outlet=a.outlet, url=a.url, authors=list(a.authors), published=a.published,
        published_raw=a.published_raw, language=a.language, format=a.format, source_path=a.source_path,
        source_record=a.source_record, text=a.text, title_span=a.title_span.to_list() if a.title_span else None,
        skip_ranges=[asdict(r) for r in a.skip_ranges], extra=a.extra, duplicate_of=None, similarity=None,
        story_id=story, signature=None, story_features=None, ingested_at=now, seq=seq, fts_indexed=False,
    )  # fmt: skip


def _quote_row(a: Article, q: Quote) -> dict[str, Any]:
    """What ``Store.add_article`` writes for a quote."""
    return quote_insert_row(a, q)


@dataclass
class _SpeakerState:
    count: int = 0
    first: str = ""
    last: str = ""
    pending: dict[str, Any] | None = None  # the first report of a statement still open


def _statement_row(key: str, name: str, reports: list[dict[str, Any]], sid: str) -> dict[str, Any]:
    """What ``replace_links`` writes for a statement (reports[0] is the earliest)."""
    earliest = reports[0]
    return {
        "id": sid, "speaker_key": key, "speaker_name": name,
        "date": earliest.get("said_date") or earliest.get("article_date"),
        "drift": len(reports) > 1 and drifts(sid), "report_count": len(reports), "text": earliest.get("text", ""),
        "diff": [], "reports": reports,
    }  # fmt: skip


def build_bulk(store: Store, n_quotes: int, seed: int, chunk: int = 1000) -> dict[str, float]:
    """The rows ``build_with_store`` writes, in bulk (see the module docstring)."""
    from onrecord.speakers.types import RoleRecord, Speaker, StatementReport

    cast, docs = corpus(seed, n_quotes)
    state = {name: _SpeakerState() for name in cast.names}
    now = _now()
    t0 = time.perf_counter()
    n_articles = 0
    with store.transaction() as conn:
        if conn.execute(select(t.articles.c.id).limit(1)).first() is not None:
            raise RuntimeError("build_bulk writes into an empty store only")
    while True:
        batch = list(itertools.islice(docs, chunk))
        if not batch:
            break
        arts, sights, quotes, links, statements = [], [], [], [], []
        for i, g in batch:
            a = g.article
            arts.append(_article_row(a, i + 1, story_id(i), now))
            sights.append({"article_id": a.id, "source_path": a.source_path or "-",
                           "source_record": a.source_record or 0, "seen_at": now})  # fmt: skip
            for q, name, topics in zip(g.quotes, g.names, g.topics, strict=True):
                key = speaker_key(name)
                st = state[name]
                st.count += 1
                date = a.published or ""
                st.first = min(st.first, date) if st.first else date
                st.last = max(st.last, date)
                report = asdict(
                    StatementReport(q.id, a.id, a.outlet, a.published, a.published, "article date", q.content.text,
                                    q.kind, is_earliest=st.pending is None)
                )  # fmt: skip
                if st.pending is None:
                    sid = statement_id(q.id)
                    st.pending = report
                else:
                    sid = statement_id(st.pending["quote_id"])
                    statements.append(_statement_row(key, name, [st.pending, report], sid))
                    st.pending = None
                row = _quote_row(a, q) | {
                    "speaker_keys": [key], "speaker_names": name, "said_date": a.published,
                    "said_date_basis": "article date", "said_date_precision": "day", "topics": list(topics),
                    "organisations": ["Authority"], "statement_id": sid,
                }  # fmt: skip
                quotes.append(row)
                links.append({"quote_id": q.id, "speaker_key": key})
        with store.transaction() as conn:
            if store.is_sqlite:  # this connection's page cache: the ids are hashes, so inserts land anywhere
                conn.exec_driver_sql("PRAGMA cache_size=-262144")
            conn.execute(insert(t.articles), arts)
            conn.execute(insert(t.sightings), sights)
            conn.execute(insert(t.quotes), quotes)
            conn.execute(insert(t.quote_speakers), links)
            if statements:
                conn.execute(insert(t.statements), statements)
        n_articles += len(batch)
    # Statements of one report (a speaker's odd last quote), speakers, roles, aliases, meta.
    singles, speakers, roles, aliases = [], [], [], set()
    for name in cast.names:
        st = state[name]
        if not st.count:
            continue
        key = speaker_key(name)
        if st.pending is not None:
            singles.append(_statement_row(key, name, [st.pending], statement_id(st.pending["quote_id"])))
        role = RoleRecord("Spokesperson", "Authority", name, st.first, st.last)
        sp = Speaker(key=key, name=name, type="person", aliases=[name, name.split()[-1]], roles=[role],
                     first_seen=st.first, last_seen=st.last, quote_count=st.count)  # fmt: skip
        data = {k: v for k, v in asdict(sp).items() if k not in {"key", "name", "type", "aliases", "roles"}}
        speakers.append({"key": key, "name": name, "type": "person", "aliases": sorted(set(sp.aliases)),
                         "quote_count": st.count, "first_seen": st.first, "last_seen": st.last,
                         "data": json.loads(json.dumps(data))})  # fmt: skip
        roles.append({"title": role.title, "organisation": role.organisation, "person": role.person,
                      "speaker_key": key, "start": role.start, "end": role.end, "source": role.source,
                      "evidence": list(role.evidence)})  # fmt: skip
        aliases |= {(fold(f), key) for f in (key, name, *sp.aliases) if f and fold(f)}
    with store.transaction() as conn:
        if singles:
            conn.execute(insert(t.statements), singles)
        if speakers:
            conn.execute(insert(t.speakers), speakers)
            conn.execute(insert(t.roles), roles)
            conn.execute(insert(t.speaker_aliases), [{"folded": f, "speaker_key": k} for f, k in sorted(aliases)])
        # add_article counts one change per article; replace_links then marks them all linked.
        for key in ("changes", "linked"):
            conn.execute(t.meta.delete().where(t.meta.c.key == key))
            conn.execute(insert(t.meta).values(key=key, value=str(n_articles)))
        # What replace_links derives after writing its rows, by the store's own functions where it has them.
        if fill := getattr(t, "fill_quote_dates", None):
            fill(conn)
        if bump := getattr(fulltext, "bump_search_revision", None):
            bump(conn)
    t1 = time.perf_counter()
    store.refresh_search_index(batch=2000)
    return {"articles+links": t1 - t0, "search index": time.perf_counter() - t1}


# ------------------------------------------------------------------ checks
_VOLATILE = {"ingested_at", "seen_at"}
_SERIAL = {"sightings": "id", "roles": "id"}  # autoincrement ids: order of writing, not content


def table_dump(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (JSON decoded, volatile columns dropped), sorted; full-text rows too."""
    from sqlalchemy import text

    out: dict[str, list[tuple[Any, ...]]] = {}
    with store.engine.connect() as conn:
        for table in t.metadata.sorted_tables:
            cols = [c for c in table.c if c.name not in _VOLATILE and c.name != _SERIAL.get(table.name)]
            stmt = select(*cols)
            if table is t.meta:  # revisions count write transactions, not content
                stmt = stmt.where(t.meta.c.key.not_like("%revision"))
            rows = conn.execute(stmt).all()
            out[table.name] = sorted((json.dumps(list(r), sort_keys=True, default=str),) for r in rows)
        if store.is_sqlite:
            for fts in ("quotes_fts", "articles_fts"):
                rows = conn.execute(text(f"SELECT rowid, * FROM {fts}")).all()
                out[fts] = sorted((json.dumps(list(r)),) for r in rows)
    return out


def compare_builders(workdir: str, n_quotes: int = 2000, seed: int = 7) -> list[str]:
    """Build the same small store both ways; the tables where they differ (empty: none)."""
    from pathlib import Path

    dumps = []
    for name, build in (("store", build_with_store), ("bulk", build_bulk)):
        path = Path(workdir) / f"check-{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        store = Store(str(path))
        build(store, n_quotes, seed)
        dumps.append(table_dump(store))
        store.close()
    a, b = dumps
    return [f"{k}: {len(a.get(k, []))} vs {len(b.get(k, []))} rows" for k in sorted(set(a) | set(b))
            if a.get(k) != b.get(k)]  # fmt: skip


# ------------------------------------------------------------- the server
def app_from_env() -> Any:
    """``create_app(Store(db))`` as ``onrecord serve`` builds it; the database from ONRECORD_BENCH_DB."""
    import os

    from onrecord.api import create_app

    return create_app(Store(os.environ["ONRECORD_BENCH_DB"]))
