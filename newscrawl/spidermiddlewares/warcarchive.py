"""``WarcArchiveSpiderMiddleware``: tells the WARC archive (``newscrawl.extensions.warcarchive``)
when the spider has made a page of a response, so the response is archived with the hints the
page was made with."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from newscrawl.extensions.warcarchive import WarcArchive
from newscrawl.items import Page


class WarcArchiveSpiderMiddleware:
    """Tells ``WarcArchive`` when the spider has made a page of a response (or made none).
    First of the spider middlewares: it sees an error response before ``HttpErrorMiddleware``
    sends it to the errback, and the spider's output last."""

    def __init__(self, archive: WarcArchive) -> None:
        self.archive = archive

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if (archive := crawler.get_extension(WarcArchive)) is None:
            raise NotConfigured
        return cls(archive)

    def process_spider_input(self, response: Response) -> None:
        if not 200 <= response.status < 300:  # to the errback: no page to wait for
            self.archive.page_made(response)

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        try:
            for output in result:
                self._made(response, output)
                yield output
        finally:  # no page made (a reject), or the callback failed
            self.archive.page_made(response)

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        try:
            async for output in result:
                self._made(response, output)
                yield output
        finally:
            self.archive.page_made(response)

    def _made(self, response: Response, output: Any) -> None:
        if isinstance(output, Page):  # its hints are a copy, made as the page was
            self.archive.page_made(response, output.hints)
