"""Scrapy's CLOSESPIDER_* limits, counting the articles held for publication."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.extensions import closespider

from newscrawl.pipelines import Staged

logger = logging.getLogger(__name__)


class CloseSpider(closespider.CloseSpider):
    """Scrapy's CLOSESPIDER_* limits, with the item limits (CLOSESPIDER_ITEMCOUNT, ..._NO_ITEM)
    counting the articles as they are held for publication: they are scraped only when the
    spider closes, which the count must be able to trigger."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        crawler.signals.connect(self.item_held, signal=signals.item_dropped)

    def item_held(self, item: Any, spider: Spider, exception: BaseException) -> None:
        if isinstance(exception, Staged):
            super().item_scraped(item, spider)
            if hasattr(self, "items_in_period"):  # CLOSESPIDER_TIMEOUT_NO_ITEM is set
                super().item_scraped_no_item(item, spider)

    def item_scraped(self, item: Any, spider: Spider) -> None:
        """A published article: already counted when it was held."""

    def item_scraped_no_item(self, item: Any, spider: Spider) -> None:
        """A published article: already counted when it was held."""
