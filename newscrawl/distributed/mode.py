"""Whether a crawl runs in distributed mode, asked of one place: the rest of the code does not
read ``REDIS_URL`` itself. Imports neither ``redis`` nor ``scrapy_redis``."""

from __future__ import annotations

import os
import socket

from scrapy.settings import BaseSettings


def frontier_url(settings: BaseSettings) -> str | None:
    """The shared frontier's Redis URL (scrapy-redis's own ``REDIS_URL`` setting); None for a
    crawl on one machine."""
    return str(settings.get("REDIS_URL") or "") or None


def is_distributed(settings: BaseSettings) -> bool:
    return frontier_url(settings) is not None


def worker_id() -> str:
    """This worker's name on the frontier and in its output file names: host and pid."""
    return f"{socket.gethostname()}-{os.getpid()}"
