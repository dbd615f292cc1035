"""Spidermon monitors of a run, judged on its final report (``NEWSCRAWL_SPIDERMON = True``).

newscrawl decides a run's health and exit status (``newscrawl.health``); these monitors report
the same facts to Spidermon, whose actions (Slack, e-mail, ...) route the alerts. Each monitor
calls the function of ``newscrawl.health`` that makes its part of the verdict, with the
thresholds the exit status uses (``NEWSCRAWL_HEALTH_*``), on the report the exit status was
decided on: a monitor fails exactly when the run is unhealthy for its reason.

The suites in ``SPIDERMON_SPIDER_CLOSE_MONITORS`` run once the report is written, not when the
spider closes (``ReportSpidermon``): the run publishes its articles, and may fail to, after that.
Needs the ``monitoring`` extra (spidermon).
"""

from __future__ import annotations

from typing import Any, ClassVar

from scrapy.crawler import Crawler
from scrapy.utils.misc import load_object
from spidermon import Monitor, MonitorSuite, monitors
from spidermon.contrib.scrapy.extensions import Spidermon

from newscrawl.distributed.mode import is_distributed
from newscrawl.extensions import is_enabled
from newscrawl.health import (
    Thresholds,
    emitted_problem,
    error_problem,
    finish_problem,
    reject_problem,
)
from newscrawl.signals import report_written


class ReportSpidermon(Spidermon):
    """Spidermon's extension, running the spider-close suites when the run report is final
    (``report_written``) instead of when the spider closes; the monitors find the report in
    ``self.data.report``. Without the run report extension, as Spidermon does."""

    report: dict[str, Any] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReportSpidermon:
        extension: ReportSpidermon = super().from_crawler(crawler)
        if _reports(crawler):
            crawler.signals.connect(extension.report_written, signal=report_written)
        return extension

    def spider_closed(self, spider: Any) -> None:
        if not _reports(self.crawler):
            super().spider_closed(spider)
            return
        for task in self.periodic_tasks.get(spider, []):
            task.stop()

    def report_written(self, report: dict[str, Any], **_: Any) -> None:
        self.report = report
        self._add_field_coverage_to_stats()
        self._run_suites(self.crawler.spider, self.spider_closed_suites)

    def _generate_data_for_spider(self, spider: Any) -> dict[str, Any]:
        return {**super()._generate_data_for_spider(spider), "report": self.report}


def _reports(crawler: Crawler) -> bool:
    """Whether the run report extension is on (it sends ``report_written``)."""
    from newscrawl.extensions.report import RunReport

    return is_enabled(crawler.settings, RunReport)


class RunMonitor(Monitor):
    """A monitor of the run report; its test fails with the problem the report's health
    judgement names."""

    @property
    def report(self) -> dict[str, Any]:
        report: dict[str, Any] | None = getattr(self.data, "report", None)
        if report is None:
            raise self.failureException(
                "no run report: newscrawl's monitors run at the end of a run, in "
                "SPIDERMON_SPIDER_CLOSE_MONITORS, with NEWSCRAWL_SPIDERMON on"
            )
        return report

    @property
    def stats(self) -> dict[str, Any]:
        return self.report["stats"]

    @property
    def limits(self) -> Thresholds:
        return Thresholds.from_settings(self.data.crawler.settings)

    def assert_no_problem(self, problem: str | None) -> None:
        if problem:
            self.fail(problem)


@monitors.name("Finish reason")
class FinishReasonMonitor(RunMonitor):
    @monitors.name("Run ended as planned: finished, or at a CLOSESPIDER_* limit")
    def test_finish_reason(self) -> None:
        self.assert_no_problem(finish_problem(self.report["finishReason"]))


@monitors.name("Sources")
class SourceHealthMonitor(RunMonitor):
    @monitors.name("Every sitemap, feed and listing fetched, listing URLs taken as articles")
    def test_every_source_yields(self) -> None:
        problems = [source["problem"] for source in self.report["sources"] if source["problem"]]
        self.assert_no_problem("; ".join(problems))


@monitors.name("Request errors")
class ErrorRatioMonitor(RunMonitor):
    @monitors.name("Failed requests within NEWSCRAWL_HEALTH_MAX_ERROR_RATIO")
    def test_error_ratio(self) -> None:
        shared_frontier = is_distributed(self.data.crawler.settings)
        self.assert_no_problem(
            error_problem(self.stats, self.limits, shared_frontier=shared_frontier)
        )


@monitors.name("Articles emitted")
class EmittedMonitor(RunMonitor):
    @monitors.name("At least NEWSCRAWL_HEALTH_MIN_EMITTED articles emitted")
    def test_minimum_emitted(self) -> None:
        self.assert_no_problem(emitted_problem(self.stats, self.limits))


@monitors.name("Rejects")
class RejectRatioMonitor(RunMonitor):
    @monitors.name("Rejected pages and items within NEWSCRAWL_HEALTH_MAX_REJECT_RATIO")
    def test_reject_ratio(self) -> None:
        self.assert_no_problem(reject_problem(self.stats, self.limits))


@monitors.name("Run health")
class RunHealthMonitor(RunMonitor):
    """The whole verdict, for the checks that have no monitor of their own (extraction ratio,
    failed writes, the state store, pages fetched and nothing emitted)."""

    @monitors.name("Run healthy (exit status 0)")
    def test_run_healthy(self) -> None:
        self.assert_no_problem("; ".join(self.report["problems"]))


class RunMonitorSuite(MonitorSuite):
    """newscrawl's monitors of a run. Actions: ``NEWSCRAWL_SPIDERMON_ACTIONS`` (``{"failed":
    ["spidermon.contrib.actions.slack.notifiers.SendSlackMessageSpiderFinished"]}``), or a
    subclass setting Spidermon's ``monitors_failed_actions`` and the like."""

    monitors: ClassVar[list[type[Monitor]]] = [
        FinishReasonMonitor,
        SourceHealthMonitor,
        ErrorRatioMonitor,
        EmittedMonitor,
        RejectRatioMonitor,
        RunHealthMonitor,
    ]

    def __init__(self, *args: Any, crawler: Crawler | None = None, **kwargs: Any) -> None:
        configured = crawler.settings.getdict("NEWSCRAWL_SPIDERMON_ACTIONS") if crawler else {}
        for step, paths in configured.items():  # steps checked by the add-on
            given = kwargs.get(f"monitors_{step}_actions") or []
            kwargs[f"monitors_{step}_actions"] = [*given, *map(load_object, paths)]
        super().__init__(*args, crawler=crawler, **kwargs)
