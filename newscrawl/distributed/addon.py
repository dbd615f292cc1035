"""The add-on that switches a crawl to the shared Redis frontier when ``REDIS_URL`` is set.

It imports neither ``redis`` nor ``scrapy_redis``: it is enabled in every crawl, and a base
install (without the ``redis`` extra) must run every command that does not set ``REDIS_URL``.
"""

from __future__ import annotations

import importlib

from scrapy.settings import BaseSettings

from newscrawl.distributed.mode import is_distributed

_WORKER_CONCURRENT_REQUESTS = 8
_EXTRA_MODULES = ("redis", "scrapy_redis")


class MissingExtraError(RuntimeError):
    """A setting asks for a feature whose optional dependencies are not installed."""


def _importable(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


def require_redis_extra(settings: BaseSettings) -> None:
    """Raise ``MissingExtraError`` (one readable line) when ``REDIS_URL`` is set but the
    ``redis`` extra is not installed."""
    if not is_distributed(settings):
        return
    missing = [name for name in _EXTRA_MODULES if not _importable(name)]
    if missing:
        raise MissingExtraError(
            f"REDIS_URL is set but {', '.join(missing)} is not installed: "
            "install the extra with pip install 'newscrawl[redis]'"
        )


class DistributedAddon:
    """Scrapy add-on that picks the crawl's frontier: with ``REDIS_URL`` set, the shared Redis
    one; else Scrapy's scheduler with its queue on disk (``newscrawl.scheduler``). An add-on
    sets its settings below the project's: a project-wide SCHEDULER would override both."""

    def update_settings(self, settings: BaseSettings) -> None:
        if not is_distributed(settings):
            settings.set("SCHEDULER", "newscrawl.scheduler.SpillingScheduler", "addon")
            return
        require_redis_extra(settings)
        # ReliableScheduler, reading the frontier's archive files (-a warc=, -a ccnews=) whole
        settings.set(
            "SCHEDULER", "newscrawl.distributed.archivefiles.ArchiveFileScheduler", "addon"
        )
        settings.set(
            "DUPEFILTER_CLASS", "newscrawl.distributed.dupefilter.ExpiringDupeFilter", "addon"
        )
        settings.set("SCHEDULER_PERSIST", True, "addon")
        # a sorted set: the scheduler's Lua scripts take and queue requests in it
        settings.set("SCHEDULER_QUEUE_CLASS", "scrapy_redis.queue.PriorityQueue", "addon")
        from newscrawl.state.redis_store import connection_options  # the redis extra, checked

        retry = connection_options(settings.getfloat("NEWSCRAWL_REDIS_RETRY_SECONDS"))
        settings.set("REDIS_PARAMS", {**retry, **settings.getdict("REDIS_PARAMS")}, "addon")
        # A worker pulls from the frontier while its downloader has room, and queues what its
        # per-domain limit holds back: a small total leaves the rest to the other workers.
        settings.set("CONCURRENT_REQUESTS", _WORKER_CONCURRENT_REQUESTS, "addon")
