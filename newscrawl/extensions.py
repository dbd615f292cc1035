"""Run-level accounting: the rejects file and the per-reason summary."""

from __future__ import annotations

import json
import logging
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Self

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from newscrawl.output import companion_path, rejects_path
from newscrawl.signals import page_rejected

logger = logging.getLogger(__name__)


class RejectsLog:
    """Writes every dropped item and rejected page, with reason and evidence, to a JSONL file."""

    def __init__(self, crawler: Crawler, path: Path) -> None:
        self.crawler = crawler
        self.path = path
        self.counts: Counter[str] = Counter()
        self._file: IO[str] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls(crawler, rejects_path(crawler.settings))
        crawler.signals.connect(extension.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(extension.item_error, signal=signals.item_error)
        crawler.signals.connect(extension.page_rejected, signal=page_rejected)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def item_dropped(self, item: Any, exception: DropItem, **_: Any) -> None:
        reason = getattr(exception, "reason", "dropped")
        evidence = getattr(exception, "evidence", str(exception))
        self._write(ItemAdapter(getattr(exception, "item", None) or item), reason, evidence)

    def item_error(self, item: Any, failure: Any, **_: Any) -> None:
        self._write(ItemAdapter(item), "pipeline-error", failure.getErrorMessage())

    def page_rejected(self, url: str, reason: str, evidence: str, site: str | None) -> None:
        self._write({"url": url, "site": site}, reason, evidence)

    def _write(self, fields: Any, reason: str, evidence: str) -> None:
        self.counts[reason] += 1
        self.crawler.stats.inc_value(f"newscrawl/rejected/{reason}")
        record = {
            "url": fields.get("url"), "headline": fields.get("headline"), "reason": reason,
            "evidence": evidence, "site": fields.get("site"),
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("a", encoding="utf-8")
        self._file.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._file.flush()

    def spider_closed(self) -> None:
        if self._file is not None:
            self._file.close()
        if not self.counts:
            logger.info("No item or page was rejected.")
            return
        width = max(map(len, self.counts))
        rows = "\n".join(f"  {reason:<{width}}  {count:>6}"
                         for reason, count in self.counts.most_common())
        logger.info("Rejected %d (written to %s):\n%s", self.counts.total(), self.path, rows)


class RunReport:
    """Writes the run's stats, as JSON, beside its output (``<feed stem>.report.json``)."""

    def __init__(self, crawler: Crawler, path: Path) -> None:
        self.crawler = crawler
        self.path = path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls(crawler, companion_path(crawler.settings, "report.json"))
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, reason: str) -> None:
        stats = self.crawler.stats.get_stats()
        report = {"finishReason": reason, "stats": stats}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str,
                                        sort_keys=True), encoding="utf-8")
        logger.info("Run report written to %s", self.path)
