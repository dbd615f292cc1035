"""scrapy-redis's dupefilter with expiring, forgettable fingerprints."""

from __future__ import annotations

import hashlib
from typing import Any, Self

from scrapy import Request, Spider
from scrapy_redis.dupefilter import RFPDupeFilter


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

    def fingerprint_key(self, request: Request) -> str:
        key = f"{self.key}:{self.request_fingerprint(request)}"
        # An emitted article whose lastmod moved is fetched again (the spider decides, as in a
        # one-machine run): once per new lastmod across the workers, though its URL was seen.
        if request.meta.get("update") and (lastmod := request.meta["hints"].get("lastmod")):
            key += ":" + hashlib.sha1(lastmod.encode("utf-8")).hexdigest()[:16]
        return key

    def request_seen(self, request: Request) -> bool:
        return not self.server.set(self.fingerprint_key(request), 1, nx=True, ex=self.ttl)

    def forget(self, request: Request) -> None:
        """Let a request whose fetch failed be scheduled again (next run, or next seed)."""
        self.server.delete(self.fingerprint_key(request))

    def clear(self) -> None:
        for key in self.server.scan_iter(f"{self.key}:*", count=10_000):
            self.server.delete(key)
