"""Quote extraction in worker processes: one spaCy model per process, results in input order.

Extraction is CPU-bound Python and spaCy, so threads do not help; each worker process loads
the model once (never pickled) and extracts whole batches of articles. Callers keep their own
order and transactions: :class:`BatchExtractor` hands back each batch's quotes in the order the
batches were submitted, so an ingest still commits one article at a time, in reading order.

Workers start from a fork server, not a fork of the caller: the caller may hold database
connections, a progress bar's thread or a GPU context that a forked child must not share.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from onrecord.models import Article, Quote

from .settings import ExtractSettings

log = logging.getLogger(__name__)

_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def default_jobs() -> int:
    """The cores this process may run on (its CPU affinity, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class ArticleResult:
    """What extraction found in one article: its quotes and, when none were sought, why."""

    quotes: list[Quote]
    not_extracted: str | None  # the article's NOT_EXTRACTED reason, which the worker set on its copy


def extract_batch(
    articles: list[Article], min_confidence: float, settings: ExtractSettings | None
) -> list[ArticleResult]:
    """Extract one batch in this process (what a worker runs)."""
    from .extract import NOT_EXTRACTED, extract_quotes_batch

    quotes = list(
        extract_quotes_batch(articles, batch_size=len(articles) or 1, min_confidence=min_confidence, settings=settings)
    )
    return [ArticleResult(q, a.extra.get(NOT_EXTRACTED)) for a, q in zip(articles, quotes, strict=True)]


def _start_worker(caller: int) -> None:
    # Each worker is one of N processes on N cores: BLAS threads would only oversubscribe them.
    # These must be set before numpy loads, which is why workers do not preload it.
    for var in _THREAD_VARS:
        os.environ.setdefault(var, "1")
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the caller's to handle
    threading.Thread(target=_exit_with, args=(caller,), daemon=True, name="onrecord-caller-watch").start()
    from .extract import get_nlp

    get_nlp()


def _exit_with(caller: int, every: float = 2.0) -> None:
    """End this worker once the process that started it is gone (killed, say), so no worker outlives it."""
    while True:
        time.sleep(every)
        try:
            os.kill(caller, 0)
        except ProcessLookupError:
            os._exit(0)
        except PermissionError:  # alive, owned by another user
            pass


def _ready() -> int:
    return os.getpid()


@dataclass
class Handle:
    """One submitted batch: a worker's future, or None while it is to be extracted in this process."""

    batch: list[Article]
    future: Future[list[ArticleResult]] | None = None


class BatchExtractor:
    """Extracts batches of articles with ``jobs`` processes; ``result`` returns them in submit order.

    The first batch is held back until a second one arrives: a small input (one batch) is then
    extracted here, at ``result``, without starting workers it is not worth starting for; a larger
    one sends both to the workers. A worker that dies (killed for memory, a crash in native code)
    costs no article: its batches and every later one are extracted here.
    """

    def __init__(self, jobs: int = 1, *, min_confidence: float, settings: ExtractSettings | None = None) -> None:
        self.jobs = max(1, jobs)
        self.min_confidence = min_confidence
        self.settings = settings
        self._pool: ProcessPoolExecutor | None = None
        self._broken = False
        self._held: Handle | None = None  # the first batch, while no second one has come

    @property
    def parallel(self) -> bool:
        return self.jobs > 1 and not self._broken

    @property
    def max_pending(self) -> int:
        """Batches worth keeping in flight: enough that no worker waits, few enough to bound memory."""
        return 2 * self.jobs if self.parallel else 0

    def warm(self) -> None:
        """Start the workers and load their models now (benchmarks time steady work, not start-up);
        from then on every batch goes to them, the first one too."""
        if self.parallel:
            pool = self._ensure_pool()
            for f in [pool.submit(_ready) for _ in range(self.jobs)]:
                f.result()

    def submit(self, batch: list[Article]) -> Handle:
        handle = Handle(batch)
        if not self.parallel:
            return handle
        if self._pool is None and self._held is None:
            self._held = handle
            return handle
        held, self._held = self._held, None
        for h in (held, handle):
            if h is not None and not self._send(h):
                break
        return handle

    def result(self, handle: Handle, batch: list[Article] | None = None) -> list[ArticleResult]:
        """``handle``'s results, its articles marked as the worker marked them (``batch``: those articles)."""
        batch = handle.batch if batch is None else batch
        if self._held is handle:
            self._held = None
        results: list[ArticleResult] | None = None
        if handle.future is not None:
            try:
                results = handle.future.result()
            except BrokenProcessPool:
                self._give_up_pool()
        if results is None:
            results = extract_batch(batch, self.min_confidence, self.settings)
        from .extract import NOT_EXTRACTED

        for article, res in zip(batch, results, strict=True):
            if res.not_extracted is None:
                article.extra.pop(NOT_EXTRACTED, None)
            else:
                article.extra[NOT_EXTRACTED] = res.not_extracted
        return results

    def _send(self, handle: Handle) -> bool:
        """Give ``handle``'s batch to a worker; False (the batch left for this process) once the pool is broken."""
        if not self.parallel:
            return False
        try:
            handle.future = self._ensure_pool().submit(extract_batch, handle.batch, self.min_confidence, self.settings)
            return True
        except BrokenProcessPool:
            self._give_up_pool()
            return False

    def close(self, *, cancel: bool = False) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=cancel)
            self._pool = None

    def __enter__(self) -> BatchExtractor:
        return self

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        self.close(cancel=exc_type is not None)

    def _ensure_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            import multiprocessing

            self._pool = ProcessPoolExecutor(
                self.jobs,
                mp_context=multiprocessing.get_context("forkserver"),
                initializer=_start_worker,
                initargs=(os.getpid(),),
            )
        return self._pool

    def _give_up_pool(self) -> None:
        if not self._broken:
            log.warning("an extraction worker died; extracting in this process from now on")
        self._broken = True
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


def extract_batches(
    batches: Iterable[list[Article]], *, jobs: int = 1, min_confidence: float, settings: ExtractSettings | None = None
) -> Iterator[tuple[list[Article], list[ArticleResult]]]:
    """Each batch with its results, in input order, ``jobs`` batches extracted at once."""
    with BatchExtractor(jobs, min_confidence=min_confidence, settings=settings) as ex:
        pending: deque[Handle] = deque()
        for batch in batches:
            pending.append(ex.submit(batch))
            while len(pending) > ex.max_pending:
                done = pending.popleft()
                yield done.batch, ex.result(done)
        while pending:
            done = pending.popleft()
            yield done.batch, ex.result(done)
