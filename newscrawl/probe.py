"""Scrapy glue of ``scrapy addsite`` and ``scrapy checksite``: a spider that runs a probe's plan
(``newscrawl.onboarding``, ``newscrawl.probing``) with a ``Fetch`` made of Scrapy's downloader.

Every fetch goes through the downloader middlewares of a crawl: the address guard (and its
resolver), robots.txt, Retry-After pauses, retries, redirects, decompression, and the
downloader's per-site delay and concurrency. Nothing else of a crawl runs: no item pipelines, no
state store, no output files, no run report (the probe writes nothing but what it prints).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from scrapy import Request, Spider
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.gz import gunzip

from newscrawl.accounting import Reason
from newscrawl.downloadermiddlewares.addressguard import AddressRefused
from newscrawl.downloadermiddlewares.retry_after import GivenUp
from newscrawl.health import EXIT_CRASHED
from newscrawl.probing import Fetch, Fetched

logger = logging.getLogger(__name__)

Plan = Callable[[Fetch], Awaitable[Any]]

# A probe prints a report: Scrapy's INFO lines would bury it. Components that write files or
# keep state are off; the downloader's middlewares (guard, robots, politeness) stay.
PROBE_SETTINGS: dict[str, Any] = {
    "LOG_LEVEL": "WARNING",
    "ITEM_PIPELINES": {},
    "EXTENSIONS": {},
    "SPIDER_MIDDLEWARES": {},
    "FEEDS": {},
    "TELNETCONSOLE_ENABLED": False,
    "NEWSCRAWL_QUEUE_ON_DISK": False,
}
_GZIP_MAGIC = b"\x1f\x8b"


class ProbeSpider(Spider):
    """Runs ``plan`` in ``start()``, fetching through the engine; yields no request or item."""

    name = "probe"

    def __init__(self, plan: Plan, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.plan = plan
        self.result: Any = None
        self.failure: BaseException | None = None

    async def start(self) -> AsyncIterator[Any]:
        try:
            self.result = await self.plan(self.fetch)
        except Exception as exc:  # reported by the command, with its traceback in the log
            logger.exception("The probe failed")
            self.failure = exc
        return
        yield  # an async generator: the engine waits on it while the plan runs

    async def fetch(self, url: str, *, source: bool = False) -> Fetched:
        # robots.txt is read whatever it says of itself (a "Disallow: /" would hide it)
        meta: dict[str, Any] = {"dont_obey_robotstxt": url.endswith("/robots.txt")}
        if source:
            meta["download_maxsize"] = self.settings.getint("NEWSCRAWL_SITEMAP_MAXSIZE")
        try:
            request = Request(url, dont_filter=True, meta=meta)
            response = await self.crawler.engine.download_async(request)
        except AddressRefused as exc:
            return Fetched(url, error=f"{Reason.ADDRESS_REFUSED}: {exc.evidence}")
        except GivenUp as exc:
            return Fetched(url, error=f"{exc.reason}: {exc.evidence}")
        except IgnoreRequest as exc:
            why = Reason.ROBOTS_DISALLOWED if "robots.txt" in str(exc) else Reason.IGNORED
            return Fetched(url, error=f"{why}: {exc}")
        except ValueError as exc:  # Request() refusing the URL
            return Fetched(url, error=f"{Reason.URL_MALFORMED}: {exc}")
        except Exception as exc:  # DNS, connection, timeout: after the retries, as a crawl
            return Fetched(url, error=f"{Reason.FETCH_FAILED}: {type(exc).__name__}: {exc}")
        return self._fetched(response, source)

    def _fetched(self, response: Response, source: bool) -> Fetched:
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        if not 200 <= response.status < 300:
            return Fetched(
                response.url,
                response.status,
                content_type,
                error=f"{Reason.FETCH_FAILED}: HTTP {response.status}",
            )
        body = response.body
        if source and body.startswith(_GZIP_MAGIC):  # a .xml.gz sitemap, as the spider opens it
            limit = self.settings.getint("NEWSCRAWL_SITEMAP_MAXSIZE")
            try:
                body = gunzip(body, max_size=limit)
            except (OSError, ValueError) as exc:
                return Fetched(
                    response.url,
                    response.status,
                    content_type,
                    error=f"{Reason.FETCH_FAILED}: gzip: {exc}",
                )
        return Fetched(response.url, response.status, content_type, body)


class ProbeCommand(ScrapyCommand):
    """A command that runs one probe plan in a crawler of its own."""

    requires_project = True

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        # before logging starts, so that LOG_LEVEL hides Scrapy's start-up lines too; above
        # the project's settings, below the user's -s
        self.settings.setdict(PROBE_SETTINGS, priority="spider")

    def run_plan(self, plan: Plan) -> Any:
        """``plan``'s result; None, with one line on stderr and exit status 1, if it failed."""
        assert self.crawler_process is not None
        crawler = self.crawler_process.create_crawler(ProbeSpider)
        self.crawler_process.crawl(crawler, plan=plan)
        self.crawler_process.start()
        spider = crawler.spider
        if isinstance(spider, ProbeSpider) and spider.failure is None:
            return spider.result
        why = spider.failure if isinstance(spider, ProbeSpider) else "it did not start"
        print(f"newscrawl: the probe failed: {why!r} (the log has its traceback)", file=sys.stderr)
        self.exitcode = EXIT_CRASHED
        return None
