"""The ``news`` spider's archive files on the shared frontier (``newscrawl.archivefiles``):
``scrapy seed`` queues one request a WARC file; the worker that takes one streams its records
and makes their article requests, which stay with it."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.http import Response

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
        return Request(file_request_url(location), self.parse_archive_file,
                       meta={FILE_META: location, "dont_obey_robotstxt": True,
                             "allow_offsite": True})

    async def parse_archive_file(self, response: Response) -> AsyncIterator[Request]:
        """The article requests of one archive file, read whole by this worker. The end of the
        file is signalled (``archive_file_read``) only when it was read to its end or failed:
        a file left mid-way (the worker closing) goes back to the frontier."""
        location = str(response.meta[FILE_META])
        self.crawler.stats.inc_value("newscrawl/warc/files-taken")
        unreadable: list[Unusable] = []
        records, bytes_read, size = self._open_file(location)
        try:
            async for request in self._requests_of(_noting_unreadable(records, unreadable),
                                                   bytes_read, backlog=self._local_backlog):
                request.meta[FROM_FILE_META] = location  # kept by this worker: see scheduler
                yield request
        except Exception:
            self._file_read(response, failed=True)
            raise
        self._bytes_done += size() if size else bytes_read()
        self._file_read(response, failed=bool(unreadable))

    def _open_file(self, location: str
                   ) -> tuple[Records, Callable[[], int], Callable[[], int] | None]:
        """The records of an archive file, its bytes read so far, and (a local file) its size,
        counted once it is done."""
        if is_remote(location):
            archive = RemoteArchive(location)
            return archive.records(), archive.bytes_read, None
        return scan(Path(location)), _nothing_yet, lambda: _size(location)

    def _file_read(self, response: Response, *, failed: bool) -> None:
        self.crawler.signals.send_catch_log(archive_file_read, request=response.request,
                                            failed=failed)

    def _local_backlog(self) -> int:
        """Article requests of archive files waiting in this worker's scheduler."""
        scheduler = self.crawler.engine.scheduler if self.crawler.engine else None
        return int(getattr(scheduler, "local_backlog", 0))


def _noting_unreadable(records: Records, unreadable: list[Unusable]) -> Records:
    """``records``, the unreadable ones (network or disk errors) noted on the way."""
    for record in records:
        if isinstance(record, Unusable) and record.reason == "warc-unreadable":
            unreadable.append(record)
        yield record


def _nothing_yet() -> int:
    return 0


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0
