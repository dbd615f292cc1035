"""``ExtractorPool``: calls (a page's extraction) run in worker processes, with a time limit and
the blame for a crash put on the page that caused it. No Scrapy: the pipeline is glue over it.

trafilatura holds the CPU for tens of milliseconds a page; in the crawl's event-loop thread
that would stall every download and leave the other cores idle.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import multiprocessing
import os
import sys
import weakref
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from newscrawl.accounting import Reason
from newscrawl.extraction import NotExtractable
from newscrawl.extraction.worker import set_up_worker, started

T = TypeVar("T")

# What the forkserver imports once, so that every worker forked from it has them: the
# extraction and cleaning code (trafilatura, lxml) and the MinHash of the near-duplicate checks.
# Last, ``warmup`` runs one sample page through all of it, so the workers start warm.
PRELOAD = (
    "newscrawl.extraction.worker",
    "newscrawl.extraction.article",
    "newscrawl.cleaning.chain",
    "newscrawl.state.minhash",
    "newscrawl.extraction.warmup",
)
# Preloaded too when the crawl checks the articles' language
LANGUAGE_MODEL = "newscrawl.extraction.languagemodel"


def _main_is_scrapy_module() -> None:
    """Say that a crawl started by the ``scrapy`` console script runs ``python -m scrapy``,
    which it does. multiprocessing runs a main script again, by path, in every worker it
    starts, Scrapy's imports with it (0.4 s and 25 MiB a process, for calls that need none of
    it); a main named as a package's ``__main__`` module it leaves alone."""
    main = sys.modules["__main__"]
    if main.__spec__ is None and os.path.basename(getattr(main, "__file__", "")) == "scrapy":
        main.__spec__ = importlib.util.find_spec("scrapy.__main__")


def new_executor(workers: int, preload: Sequence[str] = PRELOAD) -> ProcessPoolExecutor:
    """Workers forked from a forkserver: a clean process that imported ``preload`` once, not the
    crawl process with its reactor, threads and sockets."""
    _main_is_scrapy_module()
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(preload))
    return ProcessPoolExecutor(workers, mp_context=context, initializer=set_up_worker)


def _fork_all(executor: ProcessPoolExecutor, workers: int) -> None:
    """Fork the executor's workers (forked on demand, one a submitted call). A worker that dies
    now breaks the executor, which the first call submitted to it replaces."""
    wait([executor.submit(started) for _ in range(workers)])


class ExtractorPool:
    """Runs calls in ``workers`` processes (the extraction of one page each).

    Started by ``start()`` or on the first call. A call still running after ``timeout`` seconds
    (0: never) raises ``NotExtractable`` (``extraction-timeout``), its executor's workers
    killed; the other calls they were running start again in a new executor. A call whose
    worker dies (OOM killer, a crash in a parser) runs again in a process of its own, one call
    at a time; if that one dies too, it raises ``NotExtractable`` (``extraction-crashed``).
    ``count`` is told each of these events: ``pool-killed``, ``pool-broken``, ``retried``.

    ``queued`` calls (default: one a worker) wait in the executor's queue beside the running
    ones, so that a worker finishing a call starts the next at once instead of idling while its
    result travels back and the crawl process sends another.
    """

    def __init__(
        self,
        workers: int,
        *,
        timeout: float = 0,
        queued: int | None = None,
        count: Callable[[str], None] = lambda event: None,
        preload: Sequence[str] = PRELOAD,
    ) -> None:
        self.workers = workers
        self.preload = tuple(preload)
        self.timeout = timeout
        self.count = count
        self.executor: ProcessPoolExecutor | None = None
        self._started: asyncio.Future[None] | None = None
        self._lone: ProcessPoolExecutor | None = None  # retries, one call at a time
        self._lone_lock = asyncio.Lock()
        # calls sent to the executor: running, and queued behind them
        self._sent = asyncio.Semaphore(workers + (workers if queued is None else queued))
        # calls running in a worker. The executor's queue is first in, first out, and a call
        # takes its turn here in the order it was sent: it gets one when a call before it ends,
        # which is when a worker takes it up. Its time limit starts then, so it counts the
        # call's own time, not its wait in the queue.
        self._running = asyncio.Semaphore(workers)
        # executors whose workers were killed for a call over the time limit
        self._killed: weakref.WeakSet[ProcessPoolExecutor] = weakref.WeakSet()

    @property
    def started(self) -> bool:
        return self.executor is not None

    def start(self) -> None:
        """Start forking the workers; forking blocks until the forkserver has imported
        ``preload``, so it runs in a thread and the event loop goes on meanwhile."""
        if self.executor is None:
            self.executor = new_executor(self.workers, self.preload)
            # run_in_executor, not to_thread: the thread starts now, not when the caller next
            # gives the event loop a turn
            self._started = asyncio.get_running_loop().run_in_executor(
                None, _fork_all, self.executor, self.workers
            )

    async def close(self) -> None:
        if self._started is not None:
            await asyncio.gather(self._started, return_exceptions=True)
        for executor in (self.executor, self._lone):
            if executor is not None:
                executor.shutdown(cancel_futures=True)

    async def run(self, call: Callable[[], T]) -> T:
        """``call()``'s result, computed in a worker (``call`` must pickle)."""
        self.start()
        assert self._started is not None  # started just above
        await self._started
        while True:  # again, as long as its executor is killed for other calls over time
            async with self._sent:
                executor = self.executor
                assert executor is not None  # replaced, never removed
                try:
                    return await self._run_in(executor, call, self._running)
                except BrokenProcessPool:
                    if executor not in self._killed:
                        break
        self._replace(executor)
        return await self._run_alone(call)

    async def _run_in(
        self,
        executor: ProcessPoolExecutor,
        call: Callable[[], T],
        turn: asyncio.Semaphore | None = None,
    ) -> T:
        """``call`` in ``executor``; past the time limit, counted from its ``turn`` (from now
        without one), the executor's workers are killed."""
        running = asyncio.wrap_future(executor.submit(call))
        try:  # asyncio.wait, not wait_for: a TimeoutError raised by the call is not ours
            async with turn or contextlib.nullcontext():
                done, _ = await asyncio.wait([running], timeout=self.timeout or None)
        finally:  # over time or shut down: what it ends with (BrokenProcessPool) is nobody's
            running.cancel()  # a no-op once done
        if done:
            return running.result()
        self._kill(executor)
        raise NotExtractable(Reason.EXTRACTION_TIMEOUT, f"still running after {self.timeout:g} s")

    def _kill(self, executor: ProcessPoolExecutor) -> None:
        """Kill ``executor``'s workers, replacing it: a call running in a worker cannot be
        cancelled. The executor breaks, failing its other running calls with
        ``BrokenProcessPool``."""
        self.count("pool-killed")
        self._killed.add(executor)
        # Python 3.14 has ProcessPoolExecutor.kill_workers(); until then, its process table.
        for process in list((executor._processes or {}).values()):
            process.kill()
        executor.shutdown(wait=False)
        if self.executor is executor:
            self.executor = new_executor(self.workers, self.preload)
        if self._lone is executor:
            self._lone = None

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        if self.executor is broken:  # the first of its failed calls replaces it for all
            self.count("pool-broken")
            broken.shutdown(wait=False, cancel_futures=True)
            self.executor = new_executor(self.workers, self.preload)

    async def _run_alone(self, call: Callable[[], T]) -> T:
        """Alone in its process, a call that kills it is the one to blame, not its
        neighbours."""
        self.count("retried")
        async with self._lone_lock:
            executor = self._lone = self._lone or new_executor(1, self.preload)
            try:
                return await self._run_in(executor, call)
            except BrokenProcessPool as exc:
                self.count("pool-broken")
                executor.shutdown(wait=False)
                self._lone = None
                raise NotExtractable(
                    Reason.EXTRACTION_CRASHED, "its worker process died, then its retry's"
                ) from exc
