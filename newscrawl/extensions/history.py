"""RunHistory: appends each run's record (``newscrawl.history``) to the run history once the
run report is final, for ``python -m newscrawl.healthreport``."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from newscrawl.accounting import Reason, write_failed
from newscrawl.extensions.rejects import read_drop
from newscrawl.history import HISTORY_FILE_NAME, SiteTally, append_record, build_record
from newscrawl.signals import page_rejected, report_written

logger = logging.getLogger(__name__)


class RunHistory:
    """Counts per site what the report lacks (rejects by reason, residue of emitted articles)
    and appends the run's record to NEWSCRAWL_HISTORY when ``report_written`` is sent."""

    def __init__(self, crawler: Crawler, path: Path) -> None:
        self.crawler = crawler
        self.path = path
        self.tally = SiteTally()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        path = history_path(crawler)
        if path is None:
            raise NotConfigured("NEWSCRAWL_HISTORY is empty: no run history")
        extension = cls(crawler, path)
        crawler.signals.connect(extension.page_rejected, signal=page_rejected)
        crawler.signals.connect(extension.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(extension.item_error, signal=signals.item_error)
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(extension.report_written, signal=report_written)
        return extension

    def page_rejected(self, reason: str, site: str | None = None, **_: Any) -> None:
        self.tally.reject(site, reason)

    def item_dropped(self, item: Any, exception: DropItem, **_: Any) -> None:
        if (drop := read_drop(item, exception)) is not None:  # None: held for publication
            fields, reason, _evidence = drop
            self.tally.reject(fields.get("site"), reason)

    def item_error(self, item: Any, **_: Any) -> None:
        self.tally.reject(ItemAdapter(item).get("site"), Reason.PIPELINE_ERROR)

    def item_scraped(self, item: Any, **_: Any) -> None:
        article = ItemAdapter(item)
        self.tally.emitted(
            article.get("site"),
            furniture_lines=(article.get("metadata") or {}).get("furnitureLines", 0),
            source_credit=article.get("sourceCredit"),
        )

    def report_written(self, report: dict[str, Any], **_: Any) -> None:
        spider = self.crawler.spider
        sites = [str(site.key) for site in getattr(spider, "sites", ())]
        record = build_record(
            report, spider=self.crawler.spidercls.name, sites=sites, tally=self.tally
        )
        try:
            append_record(self.path, record)
        except OSError as exc:  # the run's output is published already: logged and counted
            self.crawler.stats.inc_value(write_failed("history"))
            logger.error("Cannot append the run to the history %s: %s", self.path, exc)
        else:
            logger.info("Run appended to the history %s", self.path)


def history_path(crawler: Crawler) -> Path | None:
    """NEWSCRAWL_HISTORY; unset: ``newscrawl-history.jsonl`` in NEWSCRAWL_DATA_DIR; empty: None
    (no history).

    The data directory rather than the output's: every run of a deployment shares it whatever
    its ``-o``, and a ``*.jsonl`` in the output directory would be read as articles by whatever
    collects the runs' JSONL files."""
    configured = crawler.settings.get("NEWSCRAWL_HISTORY")
    if configured is None:
        return Path(crawler.settings.get("NEWSCRAWL_DATA_DIR")) / HISTORY_FILE_NAME
    return Path(configured) if str(configured).strip() else None
