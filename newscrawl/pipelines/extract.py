"""``ExtractPipeline``: ``Page`` -> clean ``Article``, in a pool of worker processes: trafilatura
(``newscrawl.extraction``), then the cleaning chain (``newscrawl.cleaning.clean_article``)."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import weakref
from concurrent.futures import ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from datetime import date
from functools import partial
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector

from newscrawl.cleaning.chain import REPAIR, Cleaned, CleaningOptions, SiteContext
from newscrawl.conformance import utc_seconds
from newscrawl.dates import to_moment
from newscrawl.extracted import Extraction, NotExtractable, extract
from newscrawl.history import FOOTER_STRIPPED, KEPT, lost_layout_lines, residue_key
from newscrawl.items import Article, Page
from newscrawl.pipelines import Rejected

logger = logging.getLogger(__name__)

Extracted = tuple[Extraction, Cleaned]


def _extraction(page: Page, options: CleaningOptions) -> partial[Extracted]:
    """The extraction of ``page`` as a call that pickles by reference to ``newscrawl.extracted``:
    to run it, a worker process need not import this module (Scrapy, the state store). The
    page carries its site's context (language, timezone, patterns, selectors) from the spider."""
    site = SiteContext(language=page.language, footer_patterns=page.footer_patterns)
    return partial(extract, page.html, page.url,
                   timezone=page.timezone, hints=page.hints,
                   prune_xpath=page.prune_xpath, site=site, options=options)


def _metadata(page: Page, found: Extraction, cleaned: Cleaned) -> dict[str, Any]:
    return {"dateDownloaded": utc_seconds(page.downloaded), "encoding": page.encoding,
            "dateSource": found.date_source, "expectedLanguage": page.language,
            **({"update": True} if page.update else {}),
            **({"titleInjection": cleaned.title_injection}
               if cleaned.title_injection and cleaned.rejection is None else {}),
            **({"bodyRepairs": repairs} if (repairs := cleaned.repairs) else {})}


def _article(page: Page, found: Extraction, cleaned: Cleaned) -> Article:
    return Article(
        url=page.url, site=page.site, headline=cleaned.headline, articleBody=cleaned.body,
        canonicalUrl=found.canonical_url, description=cleaned.description,
        datePublished=found.date_published, dateModified=found.date_modified,
        authors=[{"name": name} for name in found.authors],
        inLanguage=found.language or page.language,
        mainImage={"url": found.image} if found.image else None,
        breadcrumbs=found.breadcrumbs, sourceCredit=cleaned.source_credit,
        metadata=_metadata(page, found, cleaned),
    )


class ExtractPipeline:
    """``Page`` → ``Article`` with trafilatura, in a pool of worker processes.

    trafilatura holds the CPU for tens of milliseconds a page; in the event-loop thread that
    would stall every download and leave the other cores idle. NEWSCRAWL_EXTRACT_WORKERS=0
    extracts in-process (debugging, profiling), without a time limit: a call running in the
    crawl's own thread cannot be stopped.

    A page whose worker dies (OOM killer, a crash in a parser) is extracted again in a process of
    its own, one page at a time; if that one dies too, the page is rejected as
    ``extraction-crashed``. A page still running after ``timeout`` seconds (0: never) is rejected
    as ``extraction-timeout``, its pool's workers killed; the other pages they were extracting
    start again in a new pool. Never is a page dropped unreported.
    """

    def __init__(self, workers: int, stats: StatsCollector, options: CleaningOptions,
                 crawler: Crawler | None = None, timeout: float = 0) -> None:
        self.workers = workers
        self.stats = stats
        self.options = options
        self.crawler = crawler
        self.timeout = timeout
        self.since: date | None = None  # -a since: an article published before is not emitted
        self.pool: ProcessPoolExecutor | None = None
        self._started: asyncio.Future[None] | None = None
        self._lone: ProcessPoolExecutor | None = None  # retries, one page at a time
        self._lone_lock = asyncio.Lock()
        # One page a worker: a page submitted starts at once, so its time limit counts its own
        # extraction, not its wait behind others in the pool's queue.
        self._slots = asyncio.Semaphore(max(workers, 1))
        # pools whose workers were killed for a page over the time limit
        self._killed: weakref.WeakSet[ProcessPoolExecutor] = weakref.WeakSet()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        workers = settings.getint("NEWSCRAWL_EXTRACT_WORKERS")
        return cls(workers if workers >= 0 else os.cpu_count() or 1, crawler.stats,
                   cleaning_options(settings), crawler,
                   max(settings.getfloat("NEWSCRAWL_EXTRACTION_TIMEOUT"), 0))

    def open_spider(self) -> None:
        spider = self.crawler.spider if self.crawler else None
        self.since = getattr(spider, "since", None)

    def _start_pool(self) -> None:
        """Fork the workers on the first page, not at spider open: a run that skips everything
        (an incremental run with nothing new) never pays for them. Starting blocks until the
        forkserver has imported trafilatura; in a thread, the event loop keeps downloading."""
        self.pool = _new_pool(self.workers)
        self._started = asyncio.ensure_future(asyncio.to_thread(_start, self.pool, self.workers))

    async def close_spider(self) -> None:
        if self._started is not None:
            await asyncio.gather(self._started, return_exceptions=True)
        for pool in (self.pool, self._lone):
            if pool is not None:
                pool.shutdown(cancel_futures=True)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, Page):
            return item
        try:
            found, cleaned = await self._extract(_extraction(item, self.options))
        except NotExtractable as exc:
            raise Rejected(exc.reason, exc.evidence) from exc
        if found.dropped_json:
            self.stats.inc_value("newscrawl/extract/json-dropped", len(found.dropped_json))
            logger.info("JSON scripts of %s dropped unread: %s", item.url,
                        "; ".join(found.dropped_json))
        article = _article(item, found, cleaned)
        self._count(cleaned, item.site)
        if cleaned.rejection is not None:
            raise Rejected(*cleaned.rejection, article)
        if self.since and (published := to_moment(article.datePublished, None)) and (
                published.date() < self.since):  # sources that gave no date: the page's own
            raise Rejected("older-than-since", f"published {article.datePublished}", article)
        return article

    def _count(self, cleaned: Cleaned, site: str) -> None:
        for kind, _text in cleaned.removed:
            self.stats.inc_value("newscrawl/repaired/body" if kind == REPAIR
                                 else f"newscrawl/stripped/{kind}")
        if cleaned.rejection is None:  # per site, for the run history's residue signals
            self.stats.inc_value(residue_key(site, KEPT))
            if lost_layout_lines(k for k, _text in cleaned.removed if k != REPAIR):
                self.stats.inc_value(residue_key(site, FOOTER_STRIPPED))
        if cleaned.title_injection and cleaned.rejection is None:
            self.stats.inc_value("newscrawl/repaired/spam-title")

    async def _extract(self, extraction: partial[Extracted]) -> Extracted:
        if not self.workers:
            return extraction()
        if self.pool is None:
            self._start_pool()
        assert self._started is not None and self.pool is not None  # started just above
        await self._started
        while True:  # again, as long as its pool is killed for other pages over the time limit
            async with self._slots:
                pool = self.pool
                assert pool is not None  # replaced, never removed
                try:
                    return await self._run(pool, extraction)
                except BrokenProcessPool:
                    if pool not in self._killed:
                        break
        self._replace(pool)
        return await self._extract_alone(extraction)

    async def _run(self, pool: ProcessPoolExecutor, extraction: partial[Extracted]) -> Extracted:
        """``extraction`` in ``pool``; past the time limit, the pool's workers are killed."""
        running = asyncio.wrap_future(pool.submit(extraction))
        try:  # asyncio.wait, not wait_for: a TimeoutError raised by the extraction is not ours
            done, _ = await asyncio.wait([running], timeout=self.timeout or None)
        finally:  # over time or shut down: what it ends with (BrokenProcessPool) is nobody's
            running.cancel()  # a no-op once done
        if done:
            return running.result()
        self._kill(pool)
        raise NotExtractable("extraction-timeout", f"still running after {self.timeout:g} s")

    def _kill(self, pool: ProcessPoolExecutor) -> None:
        """Kill ``pool``'s workers, replacing it: a call running in a worker cannot be cancelled.
        The pool breaks, failing its other running calls with ``BrokenProcessPool``."""
        self.stats.inc_value("newscrawl/extract/pool-killed")
        self._killed.add(pool)
        # Python 3.14 has ProcessPoolExecutor.kill_workers(); until then, its process table.
        for process in list((pool._processes or {}).values()):
            process.kill()
        pool.shutdown(wait=False)
        if self.pool is pool:
            self.pool = _new_pool(self.workers)
        if self._lone is pool:
            self._lone = None

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        if self.pool is broken:  # the first of its failed pages replaces it for all
            self.stats.inc_value("newscrawl/extract/pool-broken")
            broken.shutdown(wait=False, cancel_futures=True)
            self.pool = _new_pool(self.workers)

    async def _extract_alone(self, extraction: partial[Extracted]) -> Extracted:
        """Alone in its process, a page that kills it is the one to blame, not its neighbours."""
        self.stats.inc_value("newscrawl/extract/retried")
        async with self._lone_lock:
            pool = self._lone = self._lone or _new_pool(1)
            try:
                return await self._run(pool, extraction)
            except BrokenProcessPool as exc:
                self.stats.inc_value("newscrawl/extract/pool-broken")
                pool.shutdown(wait=False)
                self._lone = None
                raise NotExtractable("extraction-crashed",
                                     "its worker process died, then its retry's") from exc


def _new_pool(workers: int) -> ProcessPoolExecutor:
    # forkserver: workers are forks of a clean process that imported the extraction modules once,
    # not of the crawl process with its reactor, threads and sockets. Each worker re-runs the
    # main script (the `scrapy` console script imports scrapy.cmdline): preloaded, it is shared.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["newscrawl.extraction", "newscrawl.cleaning.chain",
                                    "scrapy.cmdline"])
    return ProcessPoolExecutor(workers, mp_context=context, initializer=exec,
                               initargs=(_WORKER_SETUP, {}))


# What each worker runs first. Source for exec rather than a function of this module, so that a
# worker need not import this module (Scrapy, the state store: 0.6 s and 50 MB a worker).
_WORKER_SETUP = """
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading

# Ctrl-C signals the whole process group. The crawl process shuts down gracefully and closes
# the pool; a worker must not die of it, nor hand KeyboardInterrupt back as a page's result.
signal.signal(signal.SIGINT, signal.SIG_IGN)


def exit_with_the_crawl(crawl_sentinel):
    multiprocessing.connection.wait([crawl_sentinel])
    os._exit(1)


# A crawl process that is killed (SIGKILL, the OOM killer) cannot close its pool, and a worker
# waiting for work would wait forever.
threading.Thread(target=exit_with_the_crawl, args=(multiprocessing.parent_process().sentinel,),
                 daemon=True).start()
"""


def _start(pool: ProcessPoolExecutor, workers: int) -> None:
    """Fork the pool's workers (they are forked on demand, one a submitted call). A worker that
    dies now breaks the pool, which the first page submitted to it replaces."""
    wait([pool.submit(int) for _ in range(workers)])


def cleaning_options(settings: BaseSettings) -> CleaningOptions:
    """The cleaning chain's options from the ``NEWSCRAWL_*`` settings (its defaults for those
    not set, as in a crawler built without the project's settings)."""
    default = CleaningOptions()
    return CleaningOptions(
        spam_action=settings.get("NEWSCRAWL_SPAM_TITLE_ACTION", default.spam_action),
        extra_terms=tuple(settings.getlist("NEWSCRAWL_SPAM_EXTRA_TERMS")),
        allow_terms=tuple(settings.getlist("NEWSCRAWL_SPAM_ALLOW_TERMS")),
        unify_tone_marks=settings.getbool("NEWSCRAWL_UNIFY_TONE_MARKS"),
        min_chars=settings.getint("NEWSCRAWL_MIN_BODY_CHARS", default.min_chars),
        check_language=settings.getbool("NEWSCRAWL_CHECK_LANGUAGE", default.check_language),
    )
