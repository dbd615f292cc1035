"""The run report: the run's health judged once its output is settled, written to
``<feed stem>.report.json``, and the one-screen summary of the log."""

from __future__ import annotations

import json
import logging
import os
import pprint
from pathlib import Path
from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler

from newscrawl.accounting import (
    REJECTED,
    SKIPPED,
    site_count,
    site_counts,
    suffix_counts,
)
from newscrawl.distributed.mode import is_distributed
from newscrawl.extensions import is_enabled
from newscrawl.extensions.state import IncrementalState
from newscrawl.health import (
    Health,
    Thresholds,
    assess,
)
from newscrawl.output import (
    companion_path,
)
from newscrawl.signals import report_written, run_settled
from newscrawl.sources import SourceLedger

logger = logging.getLogger(__name__)


# A cron log kept at LOG_LEVEL=WARNING must still say how each run ended, so the end-of-run
# summary is logged above WARNING: at a level of its own when the run is healthy (a healthy run
# adds no WARNING or ERROR line for log watchers to chase), as an ERROR when it is not (exit
# status 3). The one message deliberately logged above what it reports.
SUMMARY = logging.WARNING + 5
logging.addLevelName(SUMMARY, "SUMMARY")


class RunReport:
    """At the close: judges the run's health, writes ``<feed stem>.report.json`` (stats, counts
    per site and per reject reason, duration, exit status) and logs a one-screen summary."""

    def __init__(self, crawler: Crawler, path: Path, limits: Thresholds) -> None:
        self.crawler = crawler
        self.path = path
        self.limits = limits
        self.health: Health | None = None
        self.finish_reason: str | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        limits = Thresholds.from_settings(settings)
        extension = cls(
            crawler, companion_path(settings, "report.json", crawler.spidercls.name), limits
        )
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        if is_enabled(settings, IncrementalState):  # judged once the output is settled
            crawler.signals.connect(extension.run_settled, signal=run_settled)
        return extension

    def item_scraped(self, item: Any) -> None:
        self.crawler.stats.inc_value(site_count(ItemAdapter(item).get("site"), "emitted"))

    def spider_closed(self, reason: str) -> None:
        self.finish_reason = reason
        if not is_enabled(self.crawler.settings, IncrementalState):
            self.run_settled()

    def run_settled(self) -> None:
        reason = self.finish_reason
        stats = self.crawler.stats.get_stats()
        sources = getattr(self.crawler.spider, "sources", None)
        if not isinstance(sources, SourceLedger):
            sources = SourceLedger()  # a spider of another kind: no sources of its own
        self.health = assess(
            stats,
            reason,
            self.limits,
            shared_frontier=is_distributed(self.crawler.settings),
            source_problems=sources.problems(),
        )
        report = {
            "finishReason": reason,
            "exitStatus": self.health.exit_code,
            "problems": self.health.problems,
            "durationSeconds": stats.get("elapsed_time_seconds"),
            "emitted": stats.get("item_scraped_count", 0),
            "rejected": suffix_counts(stats, REJECTED),
            "skipped": suffix_counts(stats, SKIPPED),
            "sites": site_counts(stats),
            "sources": sources.report(),
            "stats": stats,
        }
        path: Path | None = self.path
        written = self.path.with_name(self.path.name + ".part")  # never a report cut short
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            written.write_text(
                json.dumps(report, ensure_ascii=False, indent=1, default=str, sort_keys=True),
                encoding="utf-8",
            )
            os.replace(written, self.path)
        except OSError as exc:
            written.unlink(missing_ok=True)
            self.health = Health([*self.health.problems, f"run report not written: {exc}"])
            report.update(exitStatus=self.health.exit_code, problems=self.health.problems)
            path = None
        self.crawler.signals.send_catch_log(report_written, report=report, path=path)
        # STATS_DUMP is off: Scrapy's dump would bury the summary under ~70 lines at INFO
        logger.debug("Scrapy stats (also in the run report):\n%s", pprint.pformat(stats))
        logger.log(
            logging.ERROR if self.health.problems else SUMMARY,
            "%s\nRun report: %s",
            _summary(report),
            self.path,
        )


def _summary(report: dict[str, Any]) -> str:
    verdict = "healthy" if not report["problems"] else "UNHEALTHY: " + "; ".join(report["problems"])
    lines = [
        f"Run {report['finishReason']} in {report['durationSeconds'] or 0:.0f} s, "
        f"{report['emitted']} article(s) emitted, exit status {report['exitStatus']} "
        f"({verdict})"
    ]
    lines += [
        f"  site {site:<20} " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        for site, counts in sorted(report["sites"].items())
    ]
    lines += [
        f"  {s['kind']:<8} {s['url']}: listed {s['found']}, taken {s['taken']}, "
        f"emitted {s['emitted']}" + (f", failed {s['failed']}" if s["failed"] else "")
        for s in report["sources"]
    ]
    lines += [
        f"  rejected {reason:<24} {count}" for reason, count in sorted(report["rejected"].items())
    ]
    lines += [
        f"  skipped  {reason:<24} {count}" for reason, count in sorted(report["skipped"].items())
    ]
    return "\n".join(lines)
