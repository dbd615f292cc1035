"""Scrapy's core stats, with articles held for publication not counted as drops."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Spider
from scrapy.extensions import corestats

from newscrawl.pipelines import Staged

logger = logging.getLogger(__name__)


class CoreStats(corestats.CoreStats):
    """Scrapy's core stats, without counting articles held for publication as drops."""

    def item_dropped(self, item: Any, spider: Spider, exception: BaseException) -> None:
        if not isinstance(exception, Staged):
            super().item_dropped(item, spider, exception)
