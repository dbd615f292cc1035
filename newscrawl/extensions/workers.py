"""``ExtractionWorkers``: the crawl's pool of extraction worker processes
(``newscrawl.extraction.pool``), shared by the pipelines that send it work: the extraction of
each page (``ExtractPipeline``) and, at the end of the run, the MinHash of the bodies that lost
the site's furniture (``PublishPipeline``).

NEWSCRAWL_EXTRACT_WORKERS processes (-1: one a core; 0: no pool, the pipelines work in the crawl
process), each call limited to NEWSCRAWL_EXTRACTION_TIMEOUT seconds (0: no limit).

The pool starts when the crawler is built if the event loop already runs (``scrapy crawl``),
else when the spider opens: its forkserver's imports and warm-up (~1 s) then overlap the
building of the engine and the first requests instead of following the first page. It closes
when the spider has closed, after the pipelines' own ``close_spider``, in which the publication
still sends it work.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from typing import Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector

from newscrawl.accounting import EXTRACT_EVENT
from newscrawl.cleaning.chain import CleaningOptions
from newscrawl.extraction.pool import LANGUAGE_MODEL, PRELOAD, ExtractorPool


class ExtractionWorkers:
    def __init__(self, pool: ExtractorPool | None) -> None:
        self.pool = pool

    @classmethod
    def pool_of(cls, crawler: Crawler) -> ExtractorPool | None:
        """The crawl's pool; None without one, or without this extension: then the pipelines
        work in the crawl process, whatever NEWSCRAWL_EXTRACT_WORKERS says (logged once, by the
        extraction pipeline)."""
        workers = crawler.get_extension(cls)
        return workers.pool if workers is not None else None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        workers = settings.getint("NEWSCRAWL_EXTRACT_WORKERS")
        if workers < 0:
            workers = os.cpu_count() or 1
        extension = cls(
            ExtractorPool(
                workers,
                timeout=max(settings.getfloat("NEWSCRAWL_EXTRACTION_TIMEOUT"), 0),
                count=_counter(crawler.stats),
                preload=(*PRELOAD, LANGUAGE_MODEL) if _checks_language(settings) else PRELOAD,
            )
            if workers
            else None
        )
        crawler.signals.connect(extension.start, signal=signals.spider_opened)
        crawler.signals.connect(extension.close, signal=signals.spider_closed)
        if _event_loop_running():
            extension.start()
        return extension

    def start(self) -> None:
        if self.pool is not None:
            self.pool.start()

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()


def _counter(stats: StatsCollector) -> Callable[[str], None]:
    """The pool's events (``pool-killed``, ``pool-broken``, ``retried``) as stats."""

    def count(event: str) -> None:
        stats.inc_value(f"{EXTRACT_EVENT}{event}")

    return count


def _checks_language(settings: BaseSettings) -> bool:
    """NEWSCRAWL_CHECK_LANGUAGE, as ``pipelines.extract.cleaning_options`` reads it (that module
    imports this one)."""
    return settings.getbool("NEWSCRAWL_CHECK_LANGUAGE", CleaningOptions().check_language)


def _event_loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
