"""``WarcArchive``: with NEWSCRAWL_WARC_DIR, every response the crawl downloads is archived with
its request (headers included, body as received) in gzipped WARC files rotated by size
(NEWSCRAWL_WARC_MAX_MB), published with the run's JSONL: renamed from ``.part`` when the state
records the run (``IncrementalState``), left ``.part`` when the run is not. ``-a warc=`` on
them re-extracts the run's articles without fetching a page again.

An article's responses (its redirects and retries included) are archived when the spider has
made its page, with the hints (dates, title) the page was made with: a feed parsed between the
download and the parse can still add one, and the page is extracted with it."""

from __future__ import annotations

import logging
import os
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Self

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response

from newscrawl.accounting import WRITE_FAILED
from newscrawl.extensions.state import IncrementalState
from newscrawl.health import completed
from newscrawl.output import companion_path
from newscrawl.warc import Response as Archived
from newscrawl.warc import RotatingWarcWriter

logger = logging.getLogger(__name__)

Exchange = tuple[str, str, list[tuple[str, str]], Archived]  # URL, method, headers, response


class WarcArchive:
    """Listed in EXTENSIONS before Scrapy's FeedExporter (order 0), so that its files are
    closed and handed to ``IncrementalState`` before the feed closes and the run publishes."""

    def __init__(self, crawler: Crawler, writer: RotatingWarcWriter) -> None:
        self.crawler = crawler
        self.writer = writer
        self.failed = False
        # An article's exchanges until its page reaches the spider, by the id of its request's
        # hints (one dict, shared by its redirects and retries: unhashable, so not a key of a
        # WeakKeyDictionary); gone with the hints if the page never does.
        self._held: dict[int, tuple[weakref.ref[Any], list[Exchange]]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not (directory := settings.get("NEWSCRAWL_WARC_DIR")):
            raise NotConfigured
        stem = companion_path(settings, "warc.gz", crawler.spidercls.name).name.removesuffix(
            ".warc.gz"
        )
        max_bytes = int(settings.getfloat("NEWSCRAWL_WARC_MAX_MB") * 1024 * 1024)
        extension = cls(crawler, RotatingWarcWriter(Path(directory), stem, max_bytes))
        # response_downloaded: the response as the download handler got it, before any
        # middleware decompressed or followed it; captures replayed from an archive and
        # responses from the HTTP cache are not downloaded, so not archived again.
        crawler.signals.connect(extension.response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def response_downloaded(self, response: Response, request: Request, **_: Any) -> None:
        exchange = (
            request.url,
            request.method,
            _pairs(request.headers),
            Archived(
                response.status,
                response.protocol or "HTTP/1.1",
                _pairs(response.headers),
                response.body,
            ),
        )
        if (hints := request.meta.get("hints")) is None:  # not an article: archived at once
            self._write([exchange], {})
            return
        key = id(hints)
        if key not in self._held:
            self._held[key] = (weakref.ref(hints, lambda _: self._held.pop(key, None)), [])
        self._held[key][1].append(exchange)

    def page_made(self, response: Response, hints: Mapping[str, str] | None = None) -> None:
        """The spider is done with ``response``: archive its exchanges, with the ``hints`` its
        page was made with (else those its request has)."""
        pending = response.meta.get("hints")
        if pending is not None and (held := self._held.pop(id(pending), None)):
            self._write(held[1], pending if hints is None else hints)

    def _write(self, exchanges: list[Exchange], hints: Mapping[str, str]) -> None:
        if self.failed:
            return
        try:
            for url, method, headers, archived in exchanges:
                self.writer.write(url, method, headers, archived, hints)
        except OSError as exc:
            self._write_failed(exc)

    def _write_failed(self, exc: OSError) -> None:
        """A full disk: the crawl goes on and ends unhealthy, its archives left ``.part``."""
        self.failed = True
        self.crawler.stats.inc_value(f"{WRITE_FAILED}warc")
        logger.error(
            "Cannot write the WARC archive in %s: %s; archiving stopped", self.writer.directory, exc
        )

    def spider_closed(self, reason: str) -> None:
        for reference, exchanges in list(self._held.values()):  # pages the spider never took
            if (hints := reference()) is not None:
                self._write(exchanges, hints)
        try:
            self.writer.close()
        except OSError as exc:
            self._write_failed(exc)
        if self.failed or not self.writer.files:
            return
        state = self.crawler.get_extension(IncrementalState)
        for final in self.writer.files:
            if state is not None:
                state.publish_later(self.writer.written(final), final, articles=False)
            elif completed(reason):
                os.replace(self.writer.written(final), final)
        logger.info(
            "%d WARC file(s) written: %s",
            len(self.writer.files),
            ", ".join(str(final) for final in self.writer.files),
        )


def _pairs(headers: Headers) -> list[tuple[str, str]]:
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items()
        for value in values
    ]
