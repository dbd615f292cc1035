"""The rejects file: every dropped item and rejected page, with its reason and evidence."""

from __future__ import annotations

import json
import logging
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Self

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from newscrawl.accounting import (
    Reason,
    rejected,
    site_count,
    write_failed,
)
from newscrawl.output import (
    overwrites_feed,
    rejects_path,
)
from newscrawl.pipelines import Staged
from newscrawl.signals import page_rejected

logger = logging.getLogger(__name__)


class RejectsLog:
    """Writes every dropped item and rejected page, with reason and evidence, to a JSONL file."""

    def __init__(self, crawler: Crawler, path: Path) -> None:
        self.crawler = crawler
        self.path = path
        self.written = 0
        self._file: IO[str] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        # beside a -O feed, replaced as the feed is; a NEWSCRAWL_REJECTS_URI file accumulates
        overwrite = overwrites_feed(settings) and not settings.get("NEWSCRAWL_REJECTS_URI")
        extension = cls(crawler, rejects_path(settings, crawler.spidercls.name))
        if overwrite:
            crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(extension.item_error, signal=signals.item_error)
        crawler.signals.connect(extension.page_rejected, signal=page_rejected)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self) -> None:
        self.path.unlink(missing_ok=True)  # the previous run's rejects, beside a -O feed

    def item_dropped(self, item: Any, exception: DropItem, **_: Any) -> None:
        if (drop := read_drop(item, exception)) is not None:
            self._write(*drop)

    def item_error(self, item: Any, failure: Any, **_: Any) -> None:
        self._write(ItemAdapter(item), Reason.PIPELINE_ERROR, failure.getErrorMessage())

    def page_rejected(self, url: str, reason: str, evidence: str, site: str | None) -> None:
        self._write({"url": url, "site": site}, reason, evidence)

    def _write(self, fields: Any, reason: str, evidence: str) -> None:
        self.written += 1
        self.crawler.stats.inc_value(rejected(reason))
        self.crawler.stats.inc_value(site_count(fields.get("site"), "rejected"))
        record = {
            "url": fields.get("url"),
            "headline": fields.get("headline"),
            "reason": reason,
            "evidence": evidence,
            "site": fields.get("site"),
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        try:
            if self._file is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._file = self.path.open("a", encoding="utf-8")
            self._file.write(json.dumps(record, ensure_ascii=False) + "\n")
            self._file.flush()
        except OSError as exc:  # a full disk: the run goes on, and ends unhealthy
            if not self.crawler.stats.get_value(write_failed("rejects")):
                logger.error("Cannot write the rejects file %s: %s", self.path, exc)
            self.crawler.stats.inc_value(write_failed("rejects"))

    def spider_closed(self) -> None:
        if self._file is not None:
            with suppress(OSError):  # a failed flush was counted when it failed
                self._file.close()
            logger.info("%d rejected page(s) and item(s) listed in %s", self.written, self.path)


def read_drop(item: Any, exception: DropItem) -> tuple[ItemAdapter, str, str] | None:
    """The item as the dropping stage saw it, the reason and the evidence of a drop; None for
    an article held for publication (not a drop)."""
    if isinstance(exception, Staged):
        return None
    reason = getattr(exception, "reason", Reason.DROPPED)
    evidence = getattr(exception, "evidence", str(exception))
    return ItemAdapter(getattr(exception, "item", None) or item), reason, evidence
