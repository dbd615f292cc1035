"""Item pipelines: thin Scrapy glue over ``newscrawl.extraction`` and ``newscrawl.cleaning``.

Each pipeline reads and writes items through ``ItemAdapter``, so it serves any item class whose
fields carry the same names. A dropped item raises ``Rejected``, whose reason and evidence the
``RejectsLog`` extension writes to the rejects file and counts in the stats.
"""

from __future__ import annotations

import asyncio
import hashlib
import multiprocessing
import os
import re
from concurrent.futures import ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime
from functools import partial
from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector

from newscrawl.cleaning import (
    check_quality,
    find_title_injection,
    load_lexicon,
    normalize_line,
    normalize_text,
    repair_body,
    strip_boilerplate,
)
from newscrawl.extensions import IncrementalState
from newscrawl.extracted import Extraction, NotExtractable, extract
from newscrawl.items import Article, Page
from newscrawl.state import Emitted, StateStore

_WORDS = re.compile(r"\w+")


class Rejected(DropItem):
    """A drop with its reason and evidence; ``item`` is the item as the dropping stage saw it
    (Scrapy's item_dropped signal carries the item that entered the pipeline chain)."""

    def __init__(self, reason: str, evidence: str = "", item: Any = None) -> None:
        super().__init__(f"{reason}: {evidence}" if evidence else reason)
        self.reason = reason
        self.evidence = evidence
        self.item = item


def body_fingerprint(body: str) -> str:
    """Stable across whitespace, case and punctuation edits of the same text."""
    words = " ".join(_WORDS.findall(body.casefold()))
    return hashlib.sha256(words.encode("utf-8")).hexdigest()[:32]


def _extraction(page: Page) -> partial[Extraction]:
    """The extraction of ``page`` as a call that pickles by reference to ``newscrawl.extracted``:
    to run it, a worker process need not import this module (Scrapy, the state store)."""
    return partial(extract, page.html, page.url,
                   timezone=page.timezone, hints=page.hints)


def _article(page: Page, found: Extraction) -> Article:
    return Article(
        url=page.url, site=page.site, headline=found.headline, articleBody=found.body,
        canonicalUrl=found.canonical_url, description=found.description,
        datePublished=found.date_published, dateModified=found.date_modified,
        authors=[{"name": name} for name in found.authors],
        inLanguage=found.language or page.language,
        mainImage={"url": found.image} if found.image else None,
        breadcrumbs=found.breadcrumbs,
        metadata={"dateDownloaded": page.downloaded, "encoding": page.encoding,
                  "dateSource": found.date_source, "expectedLanguage": page.language,
                  **({"update": True} if page.update else {})},
    )


class ExtractPipeline:
    """``Page`` → ``Article`` with trafilatura, in a pool of worker processes.

    trafilatura holds the CPU for tens of milliseconds a page; in the event-loop thread that
    would stall every download and leave the other cores idle. NEWSCRAWL_EXTRACT_WORKERS=0
    extracts in-process (debugging, profiling).

    A page whose worker dies (OOM killer, a crash in a parser) is extracted again in a process of
    its own, one page at a time; if that one dies too, the page is rejected as
    ``extraction-crashed``. Never is a page dropped unreported.
    """

    def __init__(self, workers: int, stats: StatsCollector) -> None:
        self.workers = workers
        self.stats = stats
        self.pool: ProcessPoolExecutor | None = None
        self._started: asyncio.Future[None] | None = None
        self._lone: ProcessPoolExecutor | None = None  # retries, one page at a time
        self._lone_lock = asyncio.Lock()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        workers = crawler.settings.getint("NEWSCRAWL_EXTRACT_WORKERS")
        return cls(workers if workers >= 0 else os.cpu_count() or 1, crawler.stats)

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
            return _article(item, await self._extract(_extraction(item)))
        except NotExtractable as exc:
            raise Rejected(exc.reason, exc.evidence) from exc

    async def _extract(self, extraction: partial[Extraction]) -> Extraction:
        if not self.workers:
            return extraction()
        if self.pool is None:
            self._start_pool()
        await self._started
        pool = self.pool
        try:
            return await asyncio.wrap_future(pool.submit(extraction))
        except BrokenProcessPool:
            self._replace(pool)
        return await self._extract_alone(extraction)

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        if self.pool is broken:  # the first of its failed pages replaces it for all
            self.stats.inc_value("newscrawl/extract/pool-broken")
            broken.shutdown(wait=False, cancel_futures=True)
            self.pool = _new_pool(self.workers)

    async def _extract_alone(self, extraction: partial[Extraction]) -> Extraction:
        """Alone in its process, a page that kills it is the one to blame, not its neighbours."""
        self.stats.inc_value("newscrawl/extract/retried")
        async with self._lone_lock:
            pool = self._lone = self._lone or _new_pool(1)
            try:
                return await asyncio.wrap_future(pool.submit(extraction))
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
    context.set_forkserver_preload(["newscrawl.extraction", "scrapy.cmdline"])
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


class NormalizePipeline:
    def __init__(self, unify_tone_marks: bool) -> None:
        self.unify_tone_marks = unify_tone_marks

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.settings.getbool("NEWSCRAWL_UNIFY_TONE_MARKS"))

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        vietnamese = (adapter.get("inLanguage") or "vi") == "vi"
        options = {"vietnamese": vietnamese, "unify_tone_marks": self.unify_tone_marks}
        for name in ("headline", "description"):
            if adapter.get(name):
                adapter[name] = normalize_line(adapter[name], **options)
        if adapter.get("articleBody"):
            adapter["articleBody"] = normalize_text(adapter["articleBody"], **options)
        return item


def _lexicon(settings: BaseSettings) -> Any:
    return load_lexicon(settings.getlist("NEWSCRAWL_SPAM_EXTRA_TERMS"),
                        settings.getlist("NEWSCRAWL_SPAM_ALLOW_TERMS"))


class SpamTitlePipeline:
    """Drops (or repairs, by setting) items whose headline carries injected SEO spam."""

    def __init__(self, lexicon: Any, action: str, stats: StatsCollector) -> None:
        if action not in ("drop", "repair"):
            raise NotConfigured(f"NEWSCRAWL_SPAM_TITLE_ACTION must be drop or repair: {action!r}")
        self.lexicon = lexicon
        self.action = action
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(_lexicon(crawler.settings), crawler.settings.get("NEWSCRAWL_SPAM_TITLE_ACTION"),
                   crawler.stats)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        found = find_title_injection(adapter.get("headline") or "",
                                     adapter.get("articleBody") or "", self.lexicon)
        if found is None:
            return item
        evidence = f"{found.phrase!r} ({found.where})"
        if self.action == "drop" or not found.cleaned:  # nothing left to repair
            raise Rejected("spam-title", evidence, item)
        self.stats.inc_value("newscrawl/repaired/spam-title")
        adapter["headline"] = found.cleaned
        adapter["metadata"] = {**adapter.get("metadata", {}), "titleInjection": evidence}
        return item


class BodyRepairPipeline:
    """Cuts spam fragments glued into the body, stray CJK runs and a duplicated lead."""

    def __init__(self, lexicon: Any, stats: StatsCollector) -> None:
        self.lexicon = lexicon
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(_lexicon(crawler.settings), crawler.stats)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        body, repairs = repair_body(adapter.get("articleBody") or "", adapter.get("headline") or "",
                                    self.lexicon, language=adapter.get("inLanguage") or "vi")
        if repairs:
            self.stats.inc_value("newscrawl/repaired/body", len(repairs))
            adapter["articleBody"] = body
            adapter["metadata"] = {**adapter.get("metadata", {}), "bodyRepairs": repairs}
        return item


class FooterPipeline:
    """Strips footers, player residue and teasers; keeps the source credit as a field."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.site_patterns: dict[str, tuple[str, ...]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def open_spider(self) -> None:
        sites = getattr(self.crawler.spider, "sites", ())
        self.site_patterns = {site.key: site.footer_patterns for site in sites}

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        stripped = strip_boilerplate(
            adapter.get("articleBody") or "", adapter.get("headline") or "",
            extra_line_patterns=self.site_patterns.get(adapter.get("site"), ()),
        )
        adapter["articleBody"] = stripped.body
        if stripped.source_credit:
            adapter["sourceCredit"] = stripped.source_credit
        for kind, _line in stripped.removed:
            self.crawler.stats.inc_value(f"newscrawl/stripped/{kind}")
        return item


class QualityPipeline:
    def __init__(self, min_chars: int, check_language: bool) -> None:
        self.min_chars = min_chars
        self.check_language = check_language

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.settings.getint("NEWSCRAWL_MIN_BODY_CHARS"),
                   crawler.settings.getbool("NEWSCRAWL_CHECK_LANGUAGE"))

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        expected = adapter.get("metadata", {}).get("expectedLanguage")
        problem = check_quality(adapter.get("headline") or "", adapter.get("articleBody") or "",
                                expected_language=expected if self.check_language else None,
                                min_chars=self.min_chars)
        if problem:
            raise Rejected(*problem, item)
        return item


class DuplicatePipeline:
    """Drops exact and near-duplicates of articles emitted before, in this run or earlier ones
    (the state store), and stages each article it lets through for the run's commit."""

    def __init__(self, store: StateStore) -> None:
        self.store = store

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        state = crawler.get_extension(IncrementalState)
        if state is None:
            raise NotConfigured("DuplicatePipeline needs the IncrementalState extension")
        return cls(state.store)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        url, body = adapter["url"], adapter.get("articleBody") or ""
        adapter["fingerprint"] = fingerprint = body_fingerprint(body)
        if self.store.first_with_fingerprint(fingerprint) == url:
            if adapter.get("metadata", {}).get("update"):
                raise Rejected("unchanged", "fetched again as an update, text unchanged", item)
            # reached again under another address, e.g. an old URL redirecting to it
            raise Rejected("duplicate", f"already emitted as {url}", item)
        if (first := self.store.claim(fingerprint, url)) is not None:
            raise Rejected("duplicate", f"same body as {first}", item)
        sketch = self.store.sketch(body)  # MinHash once, for the check and the record
        if near := self.store.near_duplicate_of(sketch, exclude_url=url):
            raise Rejected("duplicate", f"near-duplicate of {near}", item)
        self.store.stage(Emitted(url=url, canonical_url=adapter.get("canonicalUrl"),
                                 fingerprint=fingerprint, modified=adapter.get("dateModified"),
                                 emitted_at=datetime.now(UTC).isoformat(timespec="seconds")),
                         sketch)
        return item
