"""The ``news`` spider's archive sources: ``-a warc=`` (files) and ``-a ccnews=`` (Common
Crawl's CC-NEWS, streamed over HTTP). Each HTML capture becomes an article request answered
from the archive by ``WarcReplayMiddleware``; the other records are counted, the unusable ones
rejected with their reason."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from scrapy import Request, signals

from newscrawl.accounting import (
    ARCHIVE_BYTES,
    ARCHIVE_FILES,
    ARCHIVE_RECORDS,
    Reason,
    Skip,
    skipped,
)
from newscrawl.ccnews import RemoteArchive, archive_urls, ccnews_months
from newscrawl.distributed.mode import is_distributed
from newscrawl.downloadermiddlewares.warc import WARC_META
from newscrawl.extensions.progress import queue_size
from newscrawl.registry import Site, ad_hoc_site
from newscrawl.spiders.archivefiles import ArchiveFileRequests
from newscrawl.warc import Capture, Unusable, archive_files, scan

if TYPE_CHECKING:
    from datetime import date

    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

# Captures are requested this many at a time, the next ones once the scheduler is empty: an
# archive of millions of pages never fills the scheduler's memory.
ARCHIVE_BATCH = 100
_Found = TypeVar("_Found")


class ArchiveSources(ArchiveFileRequests):
    """Mixed into ``NewsSpider``, whose sites, ``since``, article requests and rejects it uses."""

    crawler: Crawler
    settings: BaseSettings
    sites: tuple[Site, ...]
    since: date | None
    reject: Callable[..., None]
    _article_request: Callable[[str, Site, dict[str, str]], Request | None]

    def read_archives(self, warc: str | None, ccnews: str | None) -> None:
        """The archives of ``-a warc=`` and the months of ``-a ccnews=`` (checked before by
        ``sites_from_arguments``)."""
        self.archives = archive_files(warc) if warc else []
        self.ccnews_months = ccnews_months(ccnews) if ccnews else []
        # without sites: one ad-hoc site a host of the archives, by key
        self._archived_sites: dict[str, Site] = {}
        self._bytes_done = 0

    @property
    def reads_archives(self) -> bool:
        """Whether the run reads archives: the sites given then only choose the records."""
        return bool(self.archives or self.ccnews_months)

    async def archived_requests(self) -> AsyncIterator[Request]:
        if is_distributed(self.settings):  # `scrapy seed`: a request per file, for the workers
            async for request in self.archive_file_requests():
                yield request
            return
        for path in self.archives:
            async for request in self._requests_of(scan(path), _nothing_read):
                yield request
            self._bytes_done += os.path.getsize(path)
        for month in self.ccnews_months:
            async for request in self._ccnews_requests(month):
                yield request

    async def _month_files(self, month: str) -> list[str] | None:
        """The URLs of a CC-NEWS month's WARC files; None (rejected) when it is not listed."""
        base = self.settings.get("NEWSCRAWL_CCNEWS_BASE_URL")
        try:
            return await asyncio.to_thread(archive_urls, base, month)
        except (OSError, EOFError, UnicodeDecodeError) as exc:  # a gzip error is an OSError
            self.reject(
                f"{base}#CC-NEWS/{month}",
                Reason.WARC_UNREADABLE,
                f"path listing: {type(exc).__name__}: {exc}",
                None,
                source=True,
            )
            return None

    async def _ccnews_requests(self, month: str) -> AsyncIterator[Request]:
        for url in await self._month_files(month) or ():
            archive = RemoteArchive(url)
            async for request in self._requests_of(archive.records(), archive.bytes_read):
                yield request
            self._bytes_done += archive.bytes_read()

    async def _requests_of(
        self,
        records: Iterator[Capture | Unusable | str],
        bytes_read: Callable[[], int],
        backlog: Callable[[], int | None] | None = None,
    ) -> AsyncIterator[Request]:
        """The requests of one archive's captures; its records read in a thread (disk and
        network reads would hold the reactor). ``backlog``: the requests already waiting (by
        default, the scheduler's)."""
        stats = self.crawler.stats
        waiting = backlog or (lambda: queue_size(self.crawler))
        async for found in _in_thread(records):
            stats.set_value(ARCHIVE_BYTES, self._bytes_done + bytes_read())
            if isinstance(found, str):  # a request, metadata, warcinfo... record
                stats.inc_value(f"{ARCHIVE_RECORDS}{found}")
                continue
            stats.inc_value(f"{ARCHIVE_RECORDS}response")
            site = self._archived_site(found.url)
            if site is None and found.url.startswith(("http://", "https://")):
                stats.inc_value(skipped(Skip.WARC_OTHER_SITE))
            elif isinstance(found, Unusable):
                # not remembered (source=True): the page may be fine on the live site
                self.reject(found.url, found.reason, found.evidence, site, source=True)
            elif site is not None and (request := self._capture_request(found, site)):
                if (waiting() or 0) >= ARCHIVE_BATCH:
                    await self.crawler.signals.wait_for(signals.scheduler_empty)
                yield request
        stats.inc_value(ARCHIVE_FILES)

    def _archived_site(self, url: str) -> Site | None:
        """The site of ``url``: one of the run's sites (of those owning its host, one that
        takes it as an article if any does); without any, its host's."""
        if self.sites:
            owners = [s for s in self.sites if s.owns(url)]
            return next(
                (s for s in owners if s.article_verdict(url) is None), owners[0] if owners else None
            )
        site = ad_hoc_site(url)
        return self._archived_sites.setdefault(site.key, site)

    def _capture_request(self, capture: Capture, site: Site) -> Request | None:
        stats = self.crawler.stats
        if verdict := site.article_verdict(capture.url):
            stats.inc_value(skipped(verdict))
        elif self.since and capture.fetched[:10] < self.since.isoformat():
            stats.inc_value(skipped(Skip.OLDER_THAN_SINCE))
        elif request := self._article_request(capture.url, site, capture.hints):
            where: dict[str, Any] = {
                "path": capture.path,
                "offset": capture.offset,
                "response": capture.response,
            }
            # no robots.txt: nothing is fetched
            request.meta.update(
                {WARC_META: where, "fetched": capture.fetched, "dont_obey_robotstxt": True}
            )
            return request
        return None


def _nothing_read() -> int:
    """A file's bytes are counted once it is read (its size)."""
    return 0


async def _in_thread(items: Iterator[_Found]) -> AsyncIterator[_Found]:
    done = object()
    while (item := await asyncio.to_thread(next, items, done)) is not done:
        yield item  # type: ignore[misc]
