"""The run's figures and health for Prometheus, as a node-exporter textfile
(``NEWSCRAWL_PROMETHEUS_TEXTFILE``), written when the run report is final.

node-exporter's textfile collector reads every ``*.prom`` file of its directory at each scrape:
the file must appear whole, never half written, so it is written beside its final name and
renamed (``prometheus_client.write_to_textfile``, which also escapes label values as the
exposition format requires). The values are the last run's: a run replaces its spider's file.
Needs the ``monitoring`` extra (prometheus_client).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Self

from prometheus_client import CollectorRegistry, write_to_textfile
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newscrawl.accounting import PROMETHEUS_WRITE_FAILED
from newscrawl.health import request_outcomes
from newscrawl.signals import report_written

logger = logging.getLogger(__name__)


def textfile_path(setting: str, spider_name: str) -> Path:
    """The spider's file: ``%(name)s`` in the setting is the spider's name; without it, the
    name goes before the suffix (``newscrawl.prom`` -> ``newscrawl-news.prom``), so that two
    spiders never replace each other's figures."""
    if "%(name)s" in setting:
        return Path(setting.replace("%(name)s", spider_name))
    path = Path(setting)
    return path.with_name(f"{path.stem}-{spider_name}{path.suffix}")


def _timestamp(value: Any, default: float) -> float:
    return value.timestamp() if isinstance(value, datetime) else default


class _Families:
    """Metric families whose samples all carry the same constant labels first."""

    def __init__(self, labels: Mapping[str, str]) -> None:
        self.names = list(labels)
        self.values = list(labels.values())
        self.families: list[Metric] = []

    def gauge(self, name: str, documentation: str, *labels: str) -> GaugeMetricFamily:
        family = GaugeMetricFamily(name, documentation, labels=[*self.names, *labels])
        self.families.append(family)
        return family

    def counter(self, name: str, documentation: str, *labels: str) -> CounterMetricFamily:
        family = CounterMetricFamily(name, documentation, labels=[*self.names, *labels])
        self.families.append(family)
        return family

    def add(
        self,
        family: GaugeMetricFamily | CounterMetricFamily,
        labels: list[str],
        value: float,
        **options: Any,
    ) -> None:
        family.add_metric([*self.values, *labels], value, **options)

    def single(self, name: str, documentation: str, value: float) -> None:
        self.add(self.gauge(name, documentation), [], value)


def run_metrics(report: Mapping[str, Any], labels: Mapping[str, str], now: float) -> list[Metric]:
    """The metric families of a run report (``newscrawl.extensions.RunReport``); ``labels``
    are put on every sample, ``now`` is the end time when the stats have none."""
    families = _Families(labels)
    stats = report.get("stats", {})
    started = _timestamp(stats.get("start_time"), now)
    _run_figures(families, report, stats, started, now)
    _counts(families, report, started)
    _sources(families, report)
    return families.families


def _run_figures(
    families: _Families,
    report: Mapping[str, Any],
    stats: Mapping[str, Any],
    started: float,
    now: float,
) -> None:
    families.single(
        "newscrawl_run_last_start_timestamp_seconds",
        "When the last run started, in seconds since the epoch.",
        started,
    )
    families.single(
        "newscrawl_run_last_end_timestamp_seconds",
        "When the last run ended, in seconds since the epoch.",
        _timestamp(stats.get("finish_time"), now),
    )
    families.single(
        "newscrawl_run_duration_seconds",
        "How long the last run took.",
        report.get("durationSeconds") or 0,
    )
    families.single(
        "newscrawl_run_exit_status",
        "Exit status of the last run (0 healthy, 3 unhealthy).",
        report["exitStatus"],
    )
    families.single(
        "newscrawl_run_healthy",
        "1 if the last run was healthy, else 0.",
        0 if report["problems"] else 1,
    )
    families.single(
        "newscrawl_run_problems",
        "Health problems of the last run (listed in its report).",
        len(report["problems"]),
    )
    reason = families.gauge(
        "newscrawl_run_finish_reason",
        "Why the last run ended (Scrapy's finish reason), as a label.",
        "reason",
    )
    families.add(reason, [str(report.get("finishReason"))], 1)
    failed, fetched = request_outcomes(stats)
    families.single(
        "newscrawl_run_requests_fetched", "Requests of the last run answered 2xx or 3xx.", fetched
    )
    families.single(
        "newscrawl_run_requests_failed",
        "Requests of the last run that failed after retries.",
        failed,
    )


def _counts(families: _Families, report: Mapping[str, Any], started: float) -> None:
    # A counter a run, from 0 at its start (its _created sample): each run is a new process.
    emitted = families.counter(
        "newscrawl_articles_emitted", "Articles the last run emitted, by site.", "site"
    )
    for site, counts in sorted(report.get("sites", {}).items()):
        families.add(emitted, [site], counts.get("emitted", 0), created=started)
    rejected = families.gauge(
        "newscrawl_articles_rejected", "Pages and items the last run rejected, by reason.", "reason"
    )
    for reason, count in sorted(report.get("rejected", {}).items()):
        families.add(rejected, [reason], count)
    skipped = families.gauge(
        "newscrawl_articles_skipped", "URLs the last run did not fetch, by reason.", "reason"
    )
    for reason, count in sorted(report.get("skipped", {}).items()):
        families.add(skipped, [reason], count)


def _sources(families: _Families, report: Mapping[str, Any]) -> None:
    healthy = families.gauge(
        "newscrawl_source_healthy",
        "1 if the source (sitemap, feed, listing) was fetched and had URLs "
        "taken as articles in the last run, else 0.",
        "source",
        "kind",
    )
    emitted = families.gauge(
        "newscrawl_source_articles_emitted",
        "Articles the last run emitted from the source.",
        "source",
        "kind",
    )
    for source in report.get("sources", []):
        labels = [source["url"], source["kind"]]
        families.add(healthy, labels, 0 if source.get("problem") else 1)
        families.add(emitted, labels, source.get("emitted", 0))


class _Collected(Collector):
    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> list[Metric]:
        return self.families


class PrometheusTextfile:
    """Writes ``run_metrics`` of the final run report to the spider's textfile."""

    def __init__(self, crawler: Crawler, path: Path, labels: dict[str, str]) -> None:
        self.crawler = crawler
        self.path = path
        self.labels = labels

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        setting = crawler.settings.get("NEWSCRAWL_PROMETHEUS_TEXTFILE")
        if not setting:
            raise NotConfigured("NEWSCRAWL_PROMETHEUS_TEXTFILE is not set")
        name = crawler.spidercls.name
        labels = {**crawler.settings.getdict("NEWSCRAWL_PROMETHEUS_LABELS"), "spider": name}
        extension = cls(crawler, textfile_path(str(setting), name), labels)
        crawler.signals.connect(extension.report_written, signal=report_written)
        return extension

    def report_written(self, report: dict[str, Any], **_: Any) -> None:
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Collected(run_metrics(report, self.labels, datetime.now().timestamp())))
        try:
            write_to_textfile(str(self.path), registry)
        except OSError as exc:  # the run's output and report are in place: only this is lost
            self.crawler.stats.inc_value(PROMETHEUS_WRITE_FAILED)
            logger.error("Cannot write the Prometheus textfile %s: %s", self.path, exc)
            return
        logger.info("Run figures for Prometheus written to %s", self.path)
