"""Glue between the stages, shared by the CLI, the web app and batch jobs.

readers → articles → dedup → quote extraction → store → linking.

The stages are imported where they are used: the NLP, dedup and linking stacks take about a
second to import, and a command that needs none of them (``onrecord quotes``) should not pay it.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from onrecord.models import Article, Failure, Quote, summary_dict

if TYPE_CHECKING:
    from onrecord.quotes.settings import ExtractSettings
    from onrecord.store import Store

ProgressFn = Callable[[int, str], None]  # (articles handled so far, current source)


@dataclass
class ExtractedArticle:
    article: Article
    quotes: list[Quote]

    def to_dict(self) -> dict[str, Any]:
        d = self.article.to_dict()
        d["quotes"] = [q.to_dict() for q in self.quotes]
        return d


@dataclass
class IngestSummary:
    new: int = 0
    exact_duplicates: int = 0
    near_duplicates: int = 0
    new_stories: int = 0
    already_stored: int = 0
    quotes: int = 0
    failed: list[Failure] = field(default_factory=list)
    seconds: float = 0.0
    linked: bool = False

    def to_dict(self) -> dict[str, Any]:
        return summary_dict(self, skip=("linked",))

    def counts(self) -> list[tuple[str, int]]:
        """What a person reads after an ingest, as (what, how many)."""
        return [("new articles", self.new), ("exact duplicates", self.exact_duplicates),
                ("near-duplicates", self.near_duplicates), ("new stories", self.new_stories),
                ("already stored", self.already_stored), ("quotes", self.quotes),
                ("failed", len(self.failed))]  # fmt: skip


def extract_articles(
    articles: Iterable[Article],
    *,
    batch_size: int = 32,
    min_confidence: float | None = None,
    settings: ExtractSettings | None = None,
    jobs: int = 1,
) -> Iterator[ExtractedArticle]:
    """Quotes for each article, in input order, batched through the NLP pipeline for speed.

    ``min_confidence`` (default: the extractor's own) drops less certain quotes; 0 keeps all;
    ``settings`` (default: ``DEFAULT_SETTINGS``) are the extractor's floors and switches;
    ``jobs`` > 1 extracts that many batches at once in worker processes (``quotes/pool.py``).
    """
    from onrecord.quotes.pool import extract_batches

    batches = _batches(articles, batch_size)
    for batch, results in extract_batches(batches, jobs=jobs, min_confidence=_floor(min_confidence), settings=settings):
        for art, res in zip(batch, results, strict=True):
            yield ExtractedArticle(art, res.quotes)


def _floor(min_confidence: float | None) -> float:
    from onrecord.quotes.confidence import DEFAULT_MIN_CONFIDENCE

    return DEFAULT_MIN_CONFIDENCE if min_confidence is None else min_confidence


def _batches(items: Iterable[Article], size: int) -> Iterator[list[Article]]:
    buf: list[Article] = []
    for item in items:
        buf.append(item)
        if len(buf) >= size:
            yield buf
            buf = []
    if buf:
        yield buf


def extract_text(text: str, *, settings: ExtractSettings | None = None, **metadata: Any) -> ExtractedArticle:
    """The whole article pipeline over one text, without a database."""
    from onrecord.ingest import article_from_text

    article = article_from_text(text, **metadata)
    return next(extract_articles([article], settings=settings))


SEARCH_REFRESH_SECONDS = 5.0  # how far search may lag behind a running ingest


class SearchRefresher:
    """Makes what a running ingest stored searchable every ``interval`` seconds.

    Indexing in bulk is cheaper than per article, and each refresh changes the search revision,
    so the order of every cached search is computed again: refreshing after each article would
    make every search of a busy store cold. Search engines do the same (Elasticsearch's
    ``refresh_interval``, 1 s by default). A run always refreshes once more at its end.
    """

    def __init__(self, store: Store, interval: float = SEARCH_REFRESH_SECONDS) -> None:
        self.store = store
        self.interval = interval
        self._last = time.monotonic()

    def maybe(self) -> bool:
        """Refresh if ``interval`` seconds have passed since the last refresh; True if it did."""
        if time.monotonic() - self._last < self.interval:
            return False
        self.now()
        return True

    def now(self) -> None:
        self.store.refresh_search_index()
        self._last = time.monotonic()


def _with_stored(items: Iterable[Article | Failure], store: Store, ahead: int = 64) -> Iterator[tuple[Any, bool]]:
    """Each item with whether its id was stored when looked up: ids are looked up ``ahead`` at a time."""
    buffer: list[Article | Failure] = []

    def flush() -> Iterator[tuple[Any, bool]]:
        stored = store.stored_ids([i.id for i in buffer if isinstance(i, Article)])
        for i in buffer:
            yield i, isinstance(i, Article) and i.id in stored
        buffer.clear()

    for item in items:
        buffer.append(item)
        if len(buffer) >= ahead:
            yield from flush()
    yield from flush()


def ingest(
    paths: Iterable[str],
    store: Store,
    *,
    max_bytes: int = 20_000_000,
    extract: bool = True,
    link: bool = True,
    progress: ProgressFn | None = None,
    on_failure: Callable[[Failure], None] | None = None,
    stdin: Any = None,
    batch_size: int = 32,
    search_refresh: float = SEARCH_REFRESH_SECONDS,
    jobs: int = 1,
) -> IngestSummary:
    """Read, deduplicate, extract and store; each article commits on its own.

    An interrupted run keeps every article committed before the interruption
    and none half-written; running it again adds nothing already stored. What is
    stored becomes searchable every ``search_refresh`` seconds and at the end.
    ``jobs`` > 1 extracts quotes in that many worker processes while this one reads,
    deduplicates and stores; articles are still stored one by one, in reading order.
    """
    from onrecord.dedup import ArticleState, Deduplicator
    from onrecord.ingest import normalise_body, read_inputs
    from onrecord.store import ArticleRejected

    t0 = time.perf_counter()
    summary = IngestSummary()
    refresher = SearchRefresher(store, search_refresh)
    refresher.now()  # repairs the index after an interrupted run
    dedup = Deduplicator()
    # The deduplicator holds a bounded window: the states of the most recently ingested articles fill it.
    dedup.load(ArticleState.from_row(r) for r in store.dedup_states(recent=dedup.window.max_articles))
    from onrecord.quotes.pool import ArticleResult, BatchExtractor, Handle

    extractor = BatchExtractor(jobs if extract else 1, min_confidence=_floor(None))
    pending: list[tuple[Article, Any]] = []  # read and deduplicated, not yet sent to extraction
    in_flight: deque[tuple[list[tuple[Article, Any]], Handle | None]] = deque()
    unstored: set[str] = set()  # ids pending or in flight
    # Exact copies of an article not stored yet, as (path, record): recorded once it is, so a copy
    # never makes the run wait for the extraction in flight.
    copies: dict[str, list[tuple[str | None, int | None]]] = {}
    handled = 0

    def sighting(article_id: str, path: str | None, record: int | None) -> None:
        if store.add_sighting(article_id, path, record):
            summary.exact_duplicates += 1
        else:
            summary.already_stored += 1

    def send() -> None:
        """Hand the pending batch to extraction, then store every batch that may not wait longer."""
        nonlocal pending
        if pending:
            handle = extractor.submit([a for a, _ in pending]) if extract else None
            in_flight.append((pending, handle))
            pending = []
        while len(in_flight) > extractor.max_pending:
            store_batch(*in_flight.popleft())

    def store_all() -> None:
        send()
        while in_flight:
            store_batch(*in_flight.popleft())

    def store_batch(batch: list[tuple[Article, Any]], handle: Handle | None) -> None:
        results = extractor.result(handle) if handle is not None else [ArticleResult([], None)] * len(batch)
        for (article, res), done in zip(batch, results, strict=True):
            unstored.discard(article.id)
            later = copies.pop(article.id, [])
            try:
                stored = store.add_article(
                    article,
                    done.quotes,
                    duplicate_of=res.duplicate_of,
                    similarity=res.similarity,
                    story_id=res.story_id,
                    signature=res.signature,
                    story_features=res.story_features,
                )
            except ArticleRejected as exc:  # this article only (and its copies: the same values); the run goes on
                summary.new -= 1
                for path, record in [(article.source_path, article.source_record), *later]:
                    fail(Failure(path or "-", str(exc), record))
                continue
            for path, record in later:
                sighting(article.id, path, record)
            if not stored:  # another writer stored it first: this copy is a sighting
                summary.new -= 1
                summary.exact_duplicates += 1
                continue
            if res.repointed:
                store.repoint_duplicates(article.id, res.repointed)
            summary.quotes += len(done.quotes)
        refresher.maybe()

    def fail(failure: Failure) -> None:
        summary.failed.append(failure)
        if on_failure:
            on_failure(failure)

    with extractor:
        items = read_inputs(paths, max_bytes=max_bytes, stdin=stdin, exclude=store.files())
        for item, was_stored in _with_stored(items, store):
            handled += 1
            if isinstance(item, Failure):
                fail(item)
                continue
            if progress:
                progress(handled, item.source_path or "-")
            if item.id in unstored:  # a copy of an article on its way to the store
                copies.setdefault(item.id, []).append((item.source_path, item.source_record))
                continue
            # Stored since the look-up: by this run (then it is in the window), or by another writer
            # (then ``add_article`` finds it and records a sighting).
            if was_stored or (item.id in dedup and store.has_article(item.id)):
                sighting(item.id, item.source_path, item.source_record)
                continue
            res = dedup.add(item, normalise_body(item))
            if res.kind == "near":
                summary.near_duplicates += 1
            if res.new_story:
                summary.new_stories += 1
            summary.new += 1
            pending.append((item, res))
            unstored.add(item.id)
            if len(pending) >= batch_size:
                send()
        store_all()
    refresher.now()
    # Also when nothing is new: an earlier run may have been killed before its linking finished.
    if link and (summary.new or store.link_due()):
        relink(store)
        summary.linked = True
    summary.seconds = time.perf_counter() - t0
    return summary


def relink(store: Store, *, embedder: Any = None, full: bool = False) -> Any:
    """Link speakers and statements over the whole store, replacing the last result.

    What linking derives from one quote alone (its topics) is kept between runs, and only the
    rows whose links changed are written, so a relink after a small ingest costs a fraction of
    the first. ``full`` derives everything again (for when the linker or its model changed).
    """
    from onrecord.speakers import Corrections, RoleRecord, gc_paused, link_corpus

    corrections = Corrections()
    for c in store.list_corrections():
        a = c["args"]
        if c["op"] == "merge":
            corrections.merges.append((a["keep"], a["merge"]))
        elif c["op"] == "split":
            corrections.splits.append((a["speaker"], a["alias"]))
        elif c["op"] == "rename":
            corrections.renames.append((a["speaker"], a["name"]))
        elif c["op"] == "detach":
            corrections.detached.append(a["quote"])
    imported = [
        RoleRecord(
            title=r["title"],
            organisation=r["organisation"],
            person=r["person"],
            start=r["start"],
            end=r["end"],
            source="import",
        )
        for r in store.list_imported_roles()
    ]
    as_of = store.changes()  # read first: what is written while linking runs stays due
    if full:
        store.clear_link_cache()
    caches: dict[str, Any] = {}
    with gc_paused():  # linking and its write make millions of small objects: see gc_paused
        result = link_corpus(
            store.iter_article_quotes(texts=full),  # without: texts are read only for what is new
            corrections=corrections,
            imported_roles=imported,
            embedder=embedder,
            caches=lambda kind: caches.setdefault(kind, store.link_cache(kind)),
            text_of=store.article_text,
        )
        store.replace_links(result, as_of=as_of, rewrite=full)
    for cache in caches.values():  # what this run did not ask for belongs to inputs that changed or went
        cache.prune()
    return result


def reprocess(store: Store, *, progress: ProgressFn | None = None, batch_size: int = 32, jobs: int = 1) -> int:
    """Re-extract quotes of every stored article with the current extractor, then relink.

    Each batch of articles has its new quotes swapped in by one transaction, so other
    writers (an ingest, an upload) wait seconds, not the whole run. An interrupted reprocess
    leaves every article with either its old or its new quotes, never a mix, and the store
    knows linking is due: the next ingest, reprocess or relink finishes it. ``jobs`` as for
    :func:`ingest`.
    """
    n = 0
    batch: list[tuple[Article, list[Quote]]] = []
    for done in extract_articles(store.iter_articles(), batch_size=batch_size, jobs=jobs):
        n += 1
        if progress:
            progress(n, done.article.id)
        batch.append((done.article, done.quotes))
        if len(batch) >= batch_size:
            store.replace_all_quotes(batch)
            batch = []
    if batch:
        store.replace_all_quotes(batch)
    store.refresh_search_index()
    relink(store)
    return n
