"""The periodic progress line of the log."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sized
from datetime import UTC, datetime
from typing import Any, Self

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.extensions.logstats import LogStats

from newscrawl.accounting import (
    ARCHIVE_BYTES,
    ARCHIVE_FILES,
    ARCHIVE_RECORDS,
    HELD,
    PENDING_SOURCES,
    REJECTED,
    Skip,
    count_prefixed,
    skipped,
)

logger = logging.getLogger(__name__)


class ProgressLog(LogStats):
    """Scrapy's periodic LogStats line, with what a cron log reader wants: drops and errors,
    what is left to do and how long that may take."""

    crawler: Crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = super().from_crawler(crawler)
        extension.crawler = crawler
        return extension

    def log(self, spider: Spider) -> None:
        self.calculate_stats()
        stats = self.stats.get_stats()
        queued = queue_size(self.crawler)
        pending = stats.get(PENDING_SOURCES, 0)
        logger.info(
            "Progress: %d pages (%d/min), %d articles held for publication at the end, "
            "%d rejected, %d download errors, %d skipped as already emitted; "
            "%s requests queued, %d sources (sitemaps, feeds, listings) pending, time left %s",
            self.pages,
            self.prate,
            stats.get(HELD, 0),
            count_prefixed(stats, REJECTED),
            stats.get("downloader/exception_count", 0),
            stats.get(skipped(Skip.ALREADY_EMITTED), 0),
            "?" if queued is None else queued,
            pending,
            time_left(stats, queued, pending, datetime.now(UTC)),
            extra={"spider": spider},
        )
        if ARCHIVE_BYTES in stats:
            logger.info(
                "Archives: %s", archive_progress(stats, datetime.now(UTC)), extra={"spider": spider}
            )


def archive_progress(stats: Mapping[str, Any], now: datetime) -> str:
    """Files and records of the archives read so far, and how fast."""
    started = stats.get("start_time")
    elapsed = (now - started).total_seconds() if started else 0.0
    read = stats.get(ARCHIVE_BYTES, 0)
    rate = f"{read / elapsed / 1e6:.2f} MB/s" if elapsed > 0 else "? MB/s"
    return (
        f"{stats.get(ARCHIVE_FILES, 0)} file(s) done, "
        f"{stats.get(ARCHIVE_RECORDS + 'response', 0)} response record(s) read, "
        f"{read / 1e6:.1f} MB at {rate}"
    )


def queue_size(crawler: Crawler) -> int | None:
    """Requests waiting in the scheduler (in distributed mode: on the shared frontier), or
    None when the scheduler cannot tell."""
    scheduler = crawler.engine.scheduler if crawler.engine else None
    return len(scheduler) if isinstance(scheduler, Sized) else None


def time_left(
    stats: Mapping[str, Any], queued: int | None, pending_sources: int, now: datetime
) -> str:
    """The time to empty the queue at the rate requests left it so far: "at least" while
    sources not yet parsed may queue more, "unknown" when there is no rate or queue to go by."""
    started = stats.get("start_time")
    elapsed = (now - started).total_seconds() if started else 0.0
    dequeued = count_prefixed(stats, "scheduler/dequeued/")  # memory + disk, or redis
    if queued is None or elapsed <= 0 or not dequeued or (pending_sources and not queued):
        return "unknown"
    estimate = _duration(queued * elapsed / dequeued)
    return f"at least {estimate}" if pending_sources else f"about {estimate}"


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{math.ceil(seconds)} s"  # never "at least 0 s" while requests are queued
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
