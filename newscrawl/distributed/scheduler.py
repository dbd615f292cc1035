"""scrapy-redis's scheduler with in-flight requests recoverable from dead workers, and an idle
worker that waits for the frontier."""

from __future__ import annotations

import logging
import pickle
import time
from typing import Any, Self

from redis.exceptions import RedisError
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.request import request_from_dict
from scrapy_redis.scheduler import Scheduler
from twisted.internet.task import LoopingCall

from newscrawl.distributed.addon import worker_id
from newscrawl.distributed.dupefilter import ExpiringDupeFilter
from newscrawl.signals import page_rejected, state_committed

logger = logging.getLogger(__name__)


class ReliableScheduler(Scheduler):
    """scrapy-redis's scheduler, with in-flight requests recoverable from dead workers."""

    crawler: Crawler
    idle_since: float | None  # when the frontier was last found empty (monotonic clock)

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
        self.idle_since = idle_since = self.idle_since or now
        if now - idle_since < self.idle_seconds:
            raise DontCloseSpider
