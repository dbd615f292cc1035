"""scrapy-redis's scheduler with in-flight requests recoverable from dead workers, an idle
worker that waits for the frontier, and a worker that ends when Redis stays unreachable."""

from __future__ import annotations

import itertools
import logging
import math
import time
from collections.abc import Iterator
from typing import Any, Self

from redis.exceptions import RedisError
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, DontCloseSpider
from scrapy.utils.defer import deferred_from_coro
from scrapy_redis.scheduler import Scheduler
from twisted.internet.task import LoopingCall
from twisted.python.failure import Failure

from newscrawl.accounting import REDIS_RECOVERED, REDIS_UNAVAILABLE, Reason
from newscrawl.distributed.dupefilter import ExpiringDupeFilter
from newscrawl.distributed.mode import worker_id
from newscrawl.signals import page_rejected, state_committed

logger = logging.getLogger(__name__)

REDIS_LOST = "redis-unavailable"  # the finish reason of a worker that lost Redis

# Lua scripts, each run by Redis as one step: a crash of the worker or of Redis between two of
# their commands would lose a request (seen but never queued, taken but never listed as held).
# The frontier is scrapy-redis's PriorityQueue: a sorted set of serialized requests, scored by
# -priority. A held request's field in the in-flight hash is "<score>:<sha1 of the request>".
_QUEUE_UNSEEN = """
if redis.call('SET', KEYS[1], 1, 'NX', 'EX', ARGV[1]) then
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
  return 1
end
return 0
"""
# A take whose reply was lost (Redis killed after the step, before answering) is sent again
# by the client's retry with the same token: it gets the request it already took, which would
# otherwise sit unfetched in the in-flight list, cleared with it at the commit.
_TAKE = """
local last = redis.call('GET', KEYS[3])
if last then
  local token, field = string.match(last, '^(%S+) (.+)$')
  if token == ARGV[1] then return redis.call('HGET', KEYS[2], field) end
end
local top = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #top == 0 then return false end
redis.call('ZREM', KEYS[1], top[1])
local field = top[2] .. ':' .. redis.sha1hex(top[1])
redis.call('HSET', KEYS[2], field, top[1])
redis.call('SET', KEYS[3], ARGV[1] .. ' ' .. field, 'EX', ARGV[2])
return top[1]
"""
_RECOVER = """
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local held = redis.call('HGETALL', KEYS[1])
for i = 1, #held, 2 do
  redis.call('ZADD', KEYS[3], string.match(held[i], '^[^:]+'), held[i + 1])
end
redis.call('DEL', KEYS[1])
return #held / 2
"""


class ReliableScheduler(Scheduler):
    """scrapy-redis's scheduler, with in-flight requests recoverable from dead workers."""

    crawler: Crawler
    idle_since: float | None  # when the frontier was last found empty (monotonic clock)
    lost: bool  # Redis stayed unreachable past its retries: the worker is ending
    tokens: Iterator[int]  # one per script call: the call retried is known by its token
    take_seconds: int

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
        scheduler.lost = False
        scheduler.tokens = itertools.count()
        # a take's token is remembered as long as the client may retry it, and a minute more
        scheduler.take_seconds = math.ceil(settings.getfloat("NEWSCRAWL_REDIS_RETRY_SECONDS")) + 60
        crawler.signals.connect(scheduler.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(scheduler.failed, signal=signals.spider_error)
        crawler.signals.connect(scheduler.failed, signal=signals.item_error)
        crawler.signals.connect(scheduler.state_committed, signal=state_committed)
        crawler.signals.connect(scheduler.page_rejected, signal=page_rejected)
        server = scheduler.server
        scheduler.queue_unseen = server.register_script(_QUEUE_UNSEEN)
        scheduler.take = server.register_script(_TAKE)
        scheduler.recover = server.register_script(_RECOVER)
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

    def redis_lost(self, exc: Exception) -> None:
        """End this worker, unhealthy: Redis stayed unreachable past the client's retries
        (NEWSCRAWL_REDIS_RETRY_SECONDS). Nothing it fetched is published or recorded; its
        in-flight list, if Redis kept it, hands those requests to the next live worker."""
        if self.lost:
            return
        self.lost = True
        self.crawler.stats.set_value(REDIS_UNAVAILABLE, 1)
        logger.error(
            "Redis unreachable after %g s of retries (%s: %s): ending this worker, "
            "publishing nothing",
            self.crawler.settings.getfloat("NEWSCRAWL_REDIS_RETRY_SECONDS"),
            type(exc).__name__,
            exc,
        )
        assert self.crawler.engine is not None
        deferred_from_coro(self.crawler.engine.close_spider_async(reason=REDIS_LOST))

    def failed(self, failure: Failure, **_: Any) -> None:
        """A callback or pipeline that met Redis down (the state store's reads)."""
        if isinstance(failure.value, RedisError):
            self.redis_lost(failure.value)

    def _beat(self) -> None:
        """Announce this worker alive, and take back what dead workers held."""
        if self.lost:
            return
        try:
            self.server.set(
                self._key("worker", self.worker),
                int(time.time()),
                ex=max(1, round(self.heartbeat_seconds * 3)),
            )
            self.recover_dead_workers()
        except RedisError:  # keep beating: Redis may be back at the next tick
            logger.exception("Heartbeat to Redis failed")

    def recover_dead_workers(self) -> int:
        recovered = 0
        for key in self.server.scan_iter(self._key("inflight", "*"), count=1000):
            owner = key.decode().rsplit(":", 1)[-1]
            if owner == self.worker:
                continue
            # checked and moved in one step: a worker whose heartbeat is back keeps its own
            if count := int(self.recover(keys=[key, self._key("worker", owner), self.queue.key])):
                recovered += count
                logger.warning("Recovered %d in-flight request(s) of dead worker %s", count, owner)
        if recovered:
            self.crawler.stats.inc_value(REDIS_RECOVERED, recovered)
        return recovered

    # -- requests ----------------------------------------------------------------------------

    # Each call to Redis below may raise once the client's retries are spent: the worker then
    # ends (redis_lost), taking and queuing nothing more.

    def enqueue_request(self, request: Request) -> bool:
        if self.lost:
            return False
        try:
            if request.dont_filter:
                return bool(super().enqueue_request(request))
            queued = self.queue_unseen(
                keys=[self.df.fingerprint_key(request), self.queue.key],
                args=[self.df.ttl, -request.priority, self.queue._encode_request(request)],
            )
        except RedisError as exc:  # its source is in the in-flight list: parsed again later
            self.redis_lost(exc)
            return False
        if not queued:
            self.df.log(request, self.spider)
            return False
        self.crawler.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        if self.seed_only or self.lost:
            return None
        try:
            # held in the in-flight list until this worker's output is committed
            # (see state_committed)
            taken = self.take(
                keys=[
                    self.queue.key,
                    self._key("inflight", self.worker),
                    self._key("taken", self.worker),
                ],
                args=[next(self.tokens), self.take_seconds],
            )
        except RedisError as exc:
            self.redis_lost(exc)
            return None
        if taken is None:
            return None
        self.idle_since = None
        self.crawler.stats.inc_value("scheduler/dequeued/redis")
        return self.queue._decode_request(taken)

    def has_pending_requests(self) -> bool:
        # a seeding process only fills the frontier; what is there is for the workers
        return not self.seed_only and not self.lost and len(self) > 0

    def __len__(self) -> int:
        try:
            return len(self.queue)
        except RedisError as exc:
            self.redis_lost(exc)
            return 0

    def state_committed(self) -> None:
        try:
            self.server.delete(self._key("inflight", self.worker), self._key("taken", self.worker))
        except RedisError as exc:  # the requests return to the frontier: found emitted then
            logger.warning(
                "In-flight list of %s not cleared (%s); its requests will be "
                "fetched again and skipped as emitted",
                self.worker,
                exc,
            )

    def page_rejected(self, url: str, reason: str, **_: Any) -> None:
        """A failed fetch must not stay in the dupefilter: the next run tries it again."""
        if reason == Reason.FETCH_FAILED and isinstance(self.df, ExpiringDupeFilter):
            try:
                self.df.forget(Request(url))
            except RedisError as exc:
                self.redis_lost(exc)

    def spider_idle(self) -> None:
        """Keep an idle worker waiting for the frontier, up to NEWSCRAWL_REDIS_IDLE_SECONDS."""
        if self.seed_only:
            return
        if self.lost:
            raise CloseSpider(REDIS_LOST)
        now = time.monotonic()
        if len(self):  # work left, held back by this worker's limits: not idle
            self.idle_since = None
            raise DontCloseSpider
        self.idle_since = idle_since = self.idle_since or now
        if now - idle_since < self.idle_seconds:
            raise DontCloseSpider
