"""The reliable scheduler with archive files (``newscrawl.archivefiles``): a worker takes whole
WARC files from the shared frontier and keeps their article requests to itself.

- A file request taken from the frontier stays in the worker's in-flight list until the worker's
  output is committed (``ReliableScheduler``): a worker killed mid-file has the file pushed back
  to the frontier by the next live worker, which reads it again.
- The article requests made from a file are queued here, in memory, never in Redis: they carry
  the archived response (CC-NEWS is streamed, there is no going back to it), and the file they
  came from is what the in-flight list covers.
- Each such request still claims its URL in Redis (the dupefilter's key, in one step) so that
  two workers never both emit it; the claim names the file, and a second reading of that file
  (its first reader died) takes over the first reading's claims.
- A worker reads at most ``NEWSCRAWL_ARCHIVE_FILES_PER_WORKER`` files at once, leaving the rest
  to the other workers; a file it has not finished when it commits (closed early: a time limit,
  the watchdog) goes back to the frontier, where the articles it emitted are skipped.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import Any, Self

from redis.exceptions import RedisError
from scrapy import Request
from scrapy.crawler import Crawler

from newscrawl.accounting import ARCHIVE_FILES_GIVEN_BACK, REDIS_CLAIMS_TAKEN_OVER
from newscrawl.archivefiles import (
    FILE_META,
    FROM_FILE_META,
    archive_file_read,
    claim_prefix,
    claim_value,
    reading_prefix,
)
from newscrawl.distributed.scheduler import ReliableScheduler

logger = logging.getLogger(__name__)

# Scrapy-style scheduler stats of the article requests kept in this worker
ENQUEUED_LOCAL = "scheduler/enqueued/archive-file"
DEQUEUED_LOCAL = "scheduler/dequeued/archive-file"

# Claim an article URL for the file being read (KEYS[1]: its dupefilter key; ARGV: expiry,
# this claim, the file's claim prefix, this reading's). 1: claimed (or claimed by this very
# call, retried after its reply was lost); 2: taken over from an earlier reading of the same
# file by another worker; 0: claimed by something else (another file, a live crawl's fetch,
# this reading's claim of the URL met earlier in the file).
_CLAIM = """
if redis.call('SET', KEYS[1], ARGV[2], 'NX', 'EX', ARGV[1]) then return 1 end
local held = redis.call('GET', KEYS[1])
if held == ARGV[2] then return 1 end
local function starts(prefix) return string.sub(held, 1, #prefix) == prefix end
if held and starts(ARGV[3]) and not starts(ARGV[4]) then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[1])
  return 2
end
return 0
"""


class ArchiveFileScheduler(ReliableScheduler):
    """``ReliableScheduler`` that reads the frontier's archive files whole (see the module)."""

    local: deque[Request]  # article requests of the files this worker reads
    reading: dict[int, Request]  # file requests taken and not read to their end, by id

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        scheduler = super().from_crawler(crawler)
        scheduler.local = deque()
        scheduler.reading = {}
        scheduler.files_at_once = max(
            1, crawler.settings.getint("NEWSCRAWL_ARCHIVE_FILES_PER_WORKER")
        )
        scheduler.claim = scheduler.server.register_script(_CLAIM)
        crawler.signals.connect(scheduler.file_read, signal=archive_file_read)
        return scheduler

    @property
    def local_backlog(self) -> int:
        return len(self.local)

    def enqueue_request(self, request: Request) -> bool:
        if (location := request.meta.get(FROM_FILE_META)) is None:
            return super().enqueue_request(request)
        if self.lost:
            return False
        try:
            claimed = int(
                self.claim(
                    keys=[self.df.fingerprint_key(request)],
                    args=[
                        self.df.ttl,
                        claim_value(location, self.worker, next(self.tokens)),
                        claim_prefix(location),
                        reading_prefix(location, self.worker),
                    ],
                )
            )
        except RedisError as exc:  # the file is in the in-flight list: read again later
            self.redis_lost(exc)
            return False
        if not claimed:
            self.df.log(request, self.spider)
            return False
        if claimed == 2:
            self.crawler.stats.inc_value(REDIS_CLAIMS_TAKEN_OVER)
        self.local.append(request)
        self.crawler.stats.inc_value(ENQUEUED_LOCAL)
        return True

    def next_request(self) -> Request | None:
        if self.local and not self.lost:
            self.idle_since = None
            self.crawler.stats.inc_value(DEQUEUED_LOCAL)
            return self.local.popleft()
        if len(self.reading) >= self.files_at_once:
            return None  # the frontier's next file is for a worker with room
        request = super().next_request()
        if request is not None and FILE_META in request.meta:
            self.reading[id(request)] = request
        return request

    def has_pending_requests(self) -> bool:
        # a file still being read has requests to come: the worker is not idle
        return (
            (bool(self.local) or bool(self.reading)) and not self.lost
        ) or super().has_pending_requests()

    def __len__(self) -> int:
        return len(self.local) + super().__len__()

    def file_read(self, request: Request, failed: bool, **_: Any) -> None:
        """A file read to its end; one that could not be read is forgotten by the dupefilter,
        so that the next seed queues it again."""
        self.reading.pop(id(request), None)
        if failed:
            logger.warning(
                "Archive %s could not be read whole; a later seed queues it again",
                request.meta.get(FILE_META),
            )
            try:
                self.df.forget(request)
            except RedisError as exc:
                self.redis_lost(exc)

    def state_committed(self) -> None:
        """Clear the in-flight list, and give back the files not read to their end."""
        super().state_committed()
        unfinished = list(self.reading.values())
        try:
            for request in unfinished:
                self.server.zadd(
                    self.queue.key, {self.queue._encode_request(request): -request.priority}
                )
        except RedisError as exc:
            logger.warning(
                "Unfinished archive file(s) not given back (%s): %s",
                exc,
                ", ".join(str(r.meta.get(FILE_META)) for r in unfinished),
            )
            return
        if unfinished:
            logger.warning(
                "%d archive file(s) not read to their end given back to the frontier: %s",
                len(unfinished),
                ", ".join(str(r.meta.get(FILE_META)) for r in unfinished),
            )
            self.crawler.stats.inc_value(ARCHIVE_FILES_GIVEN_BACK, len(unfinished))
