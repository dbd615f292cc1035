"""Distributed mode: scrapy-redis's scheduler and dupefilter, with the gaps a news crawl hits
closed. Switched on by scrapy-redis's own ``REDIS_URL`` setting (``DistributedAddon``).

- The frontier (requests) and the dupefilter are scrapy-redis's; the state store (emitted
  articles, fingerprints, MinHash bands) moves to Redis too (``newscrawl.output.state_uri``).
- Fingerprints expire (``NEWSCRAWL_REDIS_SEEN_HOURS``) and a failed fetch forgets its own, so a
  URL is never blacklisted for good and the fingerprint keys stay bounded.
- Every request a worker takes stays listed under the worker in Redis until the worker's output
  and state are committed; a worker that dies (its heartbeat key expires) has those requests
  pushed back onto the frontier by the next live worker, so an article in flight is not lost.
- A worker stops by itself when the frontier stayed empty ``NEWSCRAWL_REDIS_IDLE_SECONDS``.
"""

from __future__ import annotations

import logging
import os
import pickle
import socket
import time
from typing import Any, Self

from redis.exceptions import RedisError
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.settings import BaseSettings
from scrapy.utils.request import request_from_dict
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler
from twisted.internet.task import LoopingCall

from newscrawl.signals import page_rejected, state_committed

logger = logging.getLogger(__name__)
_WORKER_CONCURRENT_REQUESTS = 8


def worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"  # as in the worker's output file name


class DistributedAddon:
    """Scrapy add-on: with ``REDIS_URL`` set, crawl through the shared Redis frontier."""

    def update_settings(self, settings: BaseSettings) -> None:
        if not settings.get("REDIS_URL"):
            return
        settings.set("SCHEDULER", "newscrawl.distributed.ReliableScheduler", "addon")
        settings.set("DUPEFILTER_CLASS", "newscrawl.distributed.ExpiringDupeFilter", "addon")
        settings.set("SCHEDULER_PERSIST", True, "addon")
        # A worker pulls from the frontier while its downloader has room, and queues what its
        # per-domain limit holds back: a small total leaves the rest to the other workers.
        settings.set("CONCURRENT_REQUESTS", _WORKER_CONCURRENT_REQUESTS, "addon")


class ExpiringDupeFilter(RFPDupeFilter):
    """One Redis key per fingerprint, set with NX and an expiry: atomic across workers (two
    workers never both take a URL), bounded in time, and forgettable one request at a time."""

    def __init__(self, server: Any, key: str, debug: bool = False, ttl: int = 86400) -> None:
        super().__init__(server, key, debug)
        self.ttl = ttl

    @classmethod
    def from_spider(cls, spider: Spider) -> Self:
        found = super().from_spider(spider)
        hours = spider.settings.getfloat("NEWSCRAWL_REDIS_SEEN_HOURS")
        return cls(found.server, found.key, found.debug, ttl=max(1, round(hours * 3600)))

    def _fingerprint_key(self, request: Request) -> str:
        return f"{self.key}:{self.request_fingerprint(request)}"

    def request_seen(self, request: Request) -> bool:
        return not self.server.set(self._fingerprint_key(request), 1, nx=True, ex=self.ttl)

    def forget(self, request: Request) -> None:
        """Let a request whose fetch failed be scheduled again (next run, or next seed)."""
        self.server.delete(self._fingerprint_key(request))

    def clear(self) -> None:
        for key in self.server.scan_iter(f"{self.key}:*", count=10_000):
            self.server.delete(key)


class ReliableScheduler(Scheduler):
    """scrapy-redis's scheduler, with in-flight requests recoverable from dead workers."""

    crawler: Crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        scheduler = super().from_crawler(crawler)
        scheduler.crawler = crawler
        settings = crawler.settings
        scheduler.worker = worker_id()
        scheduler.heartbeat_seconds = settings.getfloat("NEWSCRAWL_REDIS_HEARTBEAT_SECONDS")
        scheduler.idle_seconds = settings.getfloat("NEWSCRAWL_REDIS_IDLE_SECONDS")
        scheduler.seed_only = settings.getbool("NEWSCRAWL_REDIS_SEED_ONLY")
        scheduler.idle_since = None
        crawler.signals.connect(scheduler.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(scheduler.state_committed, signal=state_committed)
        crawler.signals.connect(scheduler.page_rejected, signal=page_rejected)
        return scheduler

    # -- keys --------------------------------------------------------------------------------

    def _key(self, kind: str, worker: str) -> str:
        return f"{self.spider.name}:{kind}:{worker}"

    # -- life cycle --------------------------------------------------------------------------

    def open(self, spider: Spider) -> None:
        super().open(spider)
        if self.seed_only:
            return
        self._beat()
        self._ticker = LoopingCall(self._beat)
        self._ticker.start(self.heartbeat_seconds, now=False)

    def close(self, reason: str) -> None:
        ticker = getattr(self, "_ticker", None)
        if ticker is not None and ticker.running:
            ticker.stop()
        super().close(reason)

    def _beat(self) -> None:
        """Announce this worker alive, and take back what dead workers held."""
        try:
            self.server.set(self._key("worker", self.worker), int(time.time()),
                            ex=max(1, round(self.heartbeat_seconds * 3)))
            self.recover_dead_workers()
        except RedisError:  # keep beating: Redis may be back at the next tick
            logger.exception("Heartbeat to Redis failed")

    def recover_dead_workers(self) -> int:
        recovered = 0
        for key in self.server.scan_iter(self._key("inflight", "*"), count=1000):
            owner = key.decode().rsplit(":", 1)[-1]
            if owner == self.worker or self.server.exists(self._key("worker", owner)):
                continue
            claimed = self._key("recovering", f"{self.worker}-{owner}")
            if not self.server.renamenx(key, claimed):  # another worker got there first
                continue
            for blob in self.server.hvals(claimed):
                self.queue.push(request_from_dict(pickle.loads(blob), spider=self.spider))
                recovered += 1
            self.server.delete(claimed)
            logger.warning("Recovered %d in-flight request(s) of dead worker %s",
                           recovered, owner)
        if recovered:
            self.crawler.stats.inc_value("newscrawl/redis/recovered", recovered)
        return recovered

    # -- requests ----------------------------------------------------------------------------

    def next_request(self) -> Request | None:
        if self.seed_only:
            return None
        request = super().next_request()
        if request is not None:
            self.idle_since = None
            # held until this worker's output is committed (see state_committed)
            self.server.hset(self._key("inflight", self.worker),
                             self.df.request_fingerprint(request),
                             pickle.dumps(request.to_dict(spider=self.spider)))
        return request

    def has_pending_requests(self) -> bool:
        # a seeding process only fills the frontier; what is there is for the workers
        return not self.seed_only and super().has_pending_requests()

    def state_committed(self) -> None:
        self.server.delete(self._key("inflight", self.worker))

    def page_rejected(self, url: str, reason: str, **_: Any) -> None:
        """A failed fetch must not stay in the dupefilter: the next run tries it again."""
        if reason == "fetch-failed" and isinstance(self.df, ExpiringDupeFilter):
            self.df.forget(Request(url))

    def spider_idle(self) -> None:
        """Keep an idle worker waiting for the frontier, up to NEWSCRAWL_REDIS_IDLE_SECONDS."""
        if self.seed_only:
            return
        now = time.monotonic()
        if len(self.queue):  # work left, held back by this worker's limits: not idle
            self.idle_since = None
            raise DontCloseSpider
        self.idle_since = self.idle_since or now
        if now - self.idle_since < self.idle_seconds:
            raise DontCloseSpider
