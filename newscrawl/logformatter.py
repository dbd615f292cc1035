"""Log lines for dropped items that name the URL and reason, not the whole article."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Spider
from scrapy.http import Response
from scrapy.logformatter import LogFormatter, LogFormatterResult
from twisted.python.failure import Failure

from newscrawl.pipelines import Staged


class ConciseLogFormatter(LogFormatter):
    def dropped(self, item: Any, exception: BaseException, response: Response | Failure | None,
                spider: Spider) -> LogFormatterResult | None:
        if isinstance(exception, Staged):
            return None  # held for publication, not dropped
        url = getattr(item, "url", None) or (response.url if isinstance(response, Response)
                                             else "?")
        return {"level": logging.INFO, "msg": "Dropped %(url)s: %(exception)s",
                "args": {"url": url, "exception": exception}}
