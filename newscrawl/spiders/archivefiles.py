"""The ``news`` spider's archive files on the shared frontier (``newscrawl.archivefiles``):
``scrapy seed`` queues one request a WARC file; the worker that takes one streams its records
and makes their article requests, which stay with it.

A file is read in a task of its own, not in the file request's callback: Scrapy holds a request
in progress until its callback's output is done, and a run closing early (a time limit, the
watchdog) waits for every request in progress, so it would wait for a whole file (a gigabyte)
to be read, or for ever once the file's requests are no longer taken. The task is cancelled
when the spider closes; the file it leaves unfinished goes back to the frontier.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import Request, signals
from scrapy.http import Response

from newscrawl.accounting import ARCHIVE_FILES_FAILED, ARCHIVE_FILES_TAKEN, Reason
from newscrawl.archivefiles import (
    FILE_META,
    FROM_FILE_META,
    archive_file_read,
    file_location,
    file_request_url,
    is_remote,
)
from newscrawl.ccnews import RemoteArchive
from newscrawl.warc import Capture, Unusable, scan

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

Records = Iterator[Capture | Unusable | str]


class ArchiveFileRequests:
    """Mixed into ``ArchiveSources``, whose archives, months and record reading it uses."""

    crawler: Crawler
    settings: BaseSettings
    archives: list[Path]
    ccnews_months: list[str]
    _bytes_done: int
    _requests_of: Callable[..., AsyncIterator[Request]]
    _month_files: Callable[[str], Any]  # async: the month's file URLs, None if unlisted

    async def archive_file_requests(self) -> AsyncIterator[Request]:
        """One request per archive file of ``-a warc=`` and per WARC file of ``-a ccnews=``."""
        for path in self.archives:
            yield self._file_request(file_location(path))
        for month in self.ccnews_months:
            for url in await self._month_files(month) or ():
                yield self._file_request(url)

    def _file_request(self, location: str) -> Request:
        # Filtered as seen like an article (NEWSCRAWL_REDIS_SEEN_HOURS): archive files do not
        # change, so a month seeded again queues only the files published since.
        return Request(
            file_request_url(location),
            self.parse_archive_file,
            meta={FILE_META: location, "dont_obey_robotstxt": True, "allow_offsite": True},
        )

    def parse_archive_file(self, response: Response) -> None:
        """Start reading one archive file, whole, in this worker (see the module)."""
        readers: set[asyncio.Task[None]] | None = getattr(self, "_file_readers", None)
        if readers is None:
            self._file_readers = readers = set()
            self.crawler.signals.connect(self._stop_reading, signal=signals.spider_closed)
        reader = asyncio.ensure_future(self._read_file(response))
        readers.add(reader)
        reader.add_done_callback(readers.discard)

    async def _read_file(self, response: Response) -> None:
        """Schedule the article requests of one archive file. The end of the file is signalled
        (``archive_file_read``) only once it was read to its end or failed: a file left mid-way
        (the spider closing) goes back to the frontier."""
        location = str(response.meta[FILE_META])
        self.crawler.stats.inc_value(ARCHIVE_FILES_TAKEN)
        unreadable: list[Unusable] = []
        records, bytes_read, size = self._open_file(location)
        engine = self.crawler.engine
        assert engine is not None
        try:
            async for request in self._requests_of(
                _noting_unreadable(records, unreadable), bytes_read, backlog=self._local_backlog
            ):
                request.meta[FROM_FILE_META] = location  # kept by this worker: see scheduler
                # straight to the scheduler: the file's callback has returned, so no spider
                # middleware sees them (none has work on a capture's request)
                engine.crawl(request)
        except Exception:  # not CancelledError: a closing spider leaves the file unfinished
            logger.exception("Reading archive %s failed", location)
            self.crawler.stats.inc_value(ARCHIVE_FILES_FAILED)
            self._file_read(response, failed=True)
            return
        self._bytes_done += size() if size else bytes_read()
        self._file_read(response, failed=bool(unreadable))

    def _stop_reading(self) -> None:
        for reader in list(getattr(self, "_file_readers", ())):
            reader.cancel()

    def _open_file(
        self, location: str
    ) -> tuple[Records, Callable[[], int], Callable[[], int] | None]:
        """The records of an archive file, its bytes read so far, and (a local file) its size,
        counted once it is done."""
        if is_remote(location):
            archive = RemoteArchive(location)
            return archive.records(), archive.bytes_read, None
        return scan(Path(location)), _nothing_yet, lambda: _size(location)

    def _file_read(self, response: Response, *, failed: bool) -> None:
        self.crawler.signals.send_catch_log(
            archive_file_read, request=response.request, failed=failed
        )

    def _local_backlog(self) -> int:
        """Article requests of archive files waiting in this worker's scheduler."""
        scheduler = self.crawler.engine.scheduler if self.crawler.engine else None
        return int(getattr(scheduler, "local_backlog", 0))


def _noting_unreadable(records: Records, unreadable: list[Unusable]) -> Records:
    """``records``, the unreadable ones (network or disk errors) noted on the way."""
    for record in records:
        if isinstance(record, Unusable) and record.reason == Reason.WARC_UNREADABLE:
            unreadable.append(record)
        yield record


def _nothing_yet() -> int:
    return 0


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0
