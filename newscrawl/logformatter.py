"""Log lines for dropped or failed items that name the URL and reason, not the whole page."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Spider
from scrapy.http import Response
from scrapy.logformatter import LogFormatter, LogFormatterResult
from twisted.python.failure import Failure

from newscrawl.pipelines import Staged


def _url(item: Any, response: Response | Failure | None) -> str:
    return getattr(item, "url", None) or (response.url if isinstance(response, Response) else "?")


class ConciseLogFormatter(LogFormatter):
    # Scrapy's scraper logs nothing when the formatter returns None (its stubs say otherwise).
    def dropped(  # type: ignore[override]
        self,
        item: Any,
        exception: BaseException,
        response: Response | Failure | None,
        spider: Spider,
    ) -> LogFormatterResult | None:
        if isinstance(exception, Staged):
            return None  # held for publication, not dropped
        return {
            "level": logging.INFO,
            "msg": "Dropped %(url)s: %(exception)s",
            "args": {"url": _url(item, response), "exception": exception},
        }

    def item_error(
        self,
        item: Any,
        exception: BaseException,
        response: Response | Failure | None,
        spider: Spider,
    ) -> LogFormatterResult:
        """Scrapy's line names the item: for a ``Page``, its whole HTML."""
        return {
            "level": logging.ERROR,
            "msg": "Error processing %(url)s: %(exception)r",
            "args": {"url": _url(item, response), "exception": exception},
        }
