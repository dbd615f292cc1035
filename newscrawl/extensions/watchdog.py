"""``Watchdog``: ends a run that makes no progress, so that a hung worker never holds its place
(its run lock, its cron slot) for ever.

It is a thread of its own: a run hung in a blocking call holds the Twisted reactor, where no
Scrapy timer would ever fire again. Progress is work moving (a page fetched, a request queued
or taken, an article held, published or dropped); a run with none for NEWSCRAWL_WATCHDOG_SECONDS
is asked to close, and, should its reactor not manage that in a further while, exits at once
with status 3 (nothing is half-published: a killed run is recorded by its journal, or not at
all).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Mapping
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro

from newscrawl.accounting import HELD, STALLED
from newscrawl.health import EXIT_UNHEALTHY

logger = logging.getLogger(__name__)

WATCHDOG = "watchdog"  # the finish reason of a run the watchdog ended
_PROGRESS_STATS = (
    "response_received_count",
    "scheduler/enqueued",
    "scheduler/dequeued",
    HELD,
    "item_scraped_count",
    "item_dropped_count",
)


def progress_mark(stats: Mapping[str, Any]) -> tuple[int, ...]:
    """What moves while a run works; equal marks a while apart mean no progress in between."""
    return tuple(int(stats.get(key, 0) or 0) for key in _PROGRESS_STATS)


class Watchdog:
    def __init__(self, crawler: Crawler, seconds: float) -> None:
        self.crawler = crawler
        self.seconds = seconds
        self._stopped = threading.Event()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        seconds = crawler.settings.getfloat("NEWSCRAWL_WATCHDOG_SECONDS")
        if seconds <= 0:
            raise NotConfigured("NEWSCRAWL_WATCHDOG_SECONDS is 0")
        watchdog = cls(crawler, seconds)
        crawler.signals.connect(watchdog.engine_started, signal=signals.engine_started)
        crawler.signals.connect(watchdog.engine_stopped, signal=signals.engine_stopped)
        return watchdog

    def engine_started(self) -> None:
        threading.Thread(target=self._watch, name="newscrawl-watchdog", daemon=True).start()

    def engine_stopped(self) -> None:
        self._stopped.set()

    def _watch(self) -> None:
        mark, since = None, time.monotonic()
        while not self._stopped.wait(min(self.seconds / 4, 10.0)):
            now, current = time.monotonic(), progress_mark(self.crawler.stats.get_stats())
            if current != mark:
                mark, since = current, now
            elif now - since >= self.seconds:
                self._end(now - since)
                return

    def _end(self, stalled: float) -> None:
        logger.error(
            "Watchdog: no progress for %.0f s (no page fetched, no request queued or "
            "taken, no article held or published): ending the run",
            stalled,
        )
        self.crawler.stats.set_value(STALLED, 1)
        # imported here: importing the module must not install a reactor (Scrapy picks it)
        from twisted.internet import reactor

        reactor.callFromThread(self._close)
        if not self._stopped.wait(self.seconds):
            logger.critical(
                "Watchdog: the run did not close in %.0f s more; exiting now with status %d",
                self.seconds,
                EXIT_UNHEALTHY,
            )
            logging.shutdown()
            os._exit(EXIT_UNHEALTHY)

    def _close(self) -> None:
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            deferred_from_coro(engine.close_spider_async(reason=WATCHDOG))
