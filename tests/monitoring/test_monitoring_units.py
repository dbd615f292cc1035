"""Monitoring without a crawl: the health checks the monitors share with the exit status, the
monitors' verdicts against ``assess``'s, the add-on, the settings check and the textfile."""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from scrapy import Spider
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler
from spidermon.contrib.scrapy.extensions import Spidermon
from spidermon.runners import MonitorRunner

import newscrawl.monitoring
from newscrawl import settings as project_settings
from newscrawl.accounting import PROMETHEUS_WRITE_FAILED
from newscrawl.extensions.prometheus import PrometheusTextfile, run_metrics, textfile_path
from newscrawl.health import Thresholds, assess
from newscrawl.monitoring import RUN_MONITOR_SUITE, MonitoringAddon, monitoring_problem
from newscrawl.monitors import ReportSpidermon, RunMonitorSuite, _reports
from newscrawl.settings_check import SettingsError, check_settings


class NewsSpider(Spider):
    name = "news"  # the crawler's spider class: its name names the textfile


HEALTHY: dict[str, Any] = {
    "downloader/response_status_count/200": 10,
    "newscrawl/decoded/meta": 8,
    "item_scraped_count": 6,
    "newscrawl/rejected/not-article": 2,
}
# stats, finish reason, sources' problems: one case a monitor, and their mixtures
CASES = [
    (HEALTHY, "finished", []),
    (HEALTHY, "shutdown", []),
    (HEALTHY, "closespider_timeout", []),
    ({**HEALTHY, "newscrawl/rejected/fetch-failed": 11}, "finished", []),
    ({**HEALTHY, "item_scraped_count": 2}, "finished", []),
    ({**HEALTHY, "newscrawl/rejected/duplicate": 9}, "finished", []),
    (HEALTHY, "finished", ["feed http://x.invalid/rss failed: fetch-failed: HTTP 404"]),
    ({**HEALTHY, "newscrawl/rejected/empty-extraction": 6}, "finished", []),
    ({**HEALTHY, "newscrawl/write-failed/rejects": 1}, "finished", []),
    ({}, "finished", []),
    (
        {**HEALTHY, "item_scraped_count": 0, "newscrawl/rejected/fetch-failed": 30},
        "shutdown",
        ["sitemap http://x.invalid/s.xml listed no URL"],
    ),
]
LIMITS = {"NEWSCRAWL_HEALTH_MIN_EMITTED": 3, "NEWSCRAWL_HEALTH_MAX_REJECT_RATIO": 0.6}
# the monitor that reports each kind of problem besides the sources' (the rest: the run health
# monitor alone)
OWN_MONITOR = {
    "finish reason": "Finish reason",
    "of requests failed": "Request errors",
    "nothing was fetched": "Request errors",
    "article(s) emitted": "Articles emitted",
    "rejected (limit": "Rejects",
}


def _report(
    stats: dict[str, Any], reason: str, source_problems: list[str], limits: Thresholds
) -> dict[str, Any]:
    health = assess(stats, reason, limits, source_problems=source_problems)
    sources = [{"url": p.split()[1], "kind": p.split()[0], "problem": p} for p in source_problems]
    return {
        "finishReason": reason,
        "exitStatus": health.exit_code,
        "problems": health.problems,
        "sources": [*sources, {"url": "http://x.invalid/ok", "kind": "feed", "problem": None}],
        "stats": stats,
    }


def _run_monitors(report: dict[str, Any], settings: dict[str, Any]) -> dict[str, str]:
    crawler = get_crawler(NewsSpider, settings)
    result = MonitorRunner().run(
        RunMonitorSuite(crawler=crawler), stats=report["stats"], crawler=crawler, report=report
    )
    return {r.monitor.monitor_name: r.status for r in result.monitor_results}


@pytest.mark.parametrize(("stats", "reason", "source_problems"), CASES)
def test_the_monitors_fail_exactly_for_the_problems_of_the_exit_status(
    stats: dict[str, Any], reason: str, source_problems: list[str]
) -> None:
    report = _report(stats, reason, source_problems, Thresholds.from_settings(Settings(LIMITS)))
    statuses = _run_monitors(report, LIMITS)
    expected = {"Run health": "FAIL"} if report["problems"] else {}
    if source_problems:
        expected["Sources"] = "FAIL"
    for problem in report["problems"]:
        expected.update(
            {monitor: "FAIL" for shape, monitor in OWN_MONITOR.items() if shape in problem}
        )
    assert {name: status for name, status in statuses.items() if status != "OK"} == expected
    assert len(statuses) == 6


def test_the_new_health_limits_are_off_by_default() -> None:
    stats = {**HEALTHY, "item_scraped_count": 1, "newscrawl/rejected/duplicate": 500}
    limits = Thresholds.from_settings(
        Settings({"NEWSCRAWL_HEALTH_MIN_EMITTED": 0, "NEWSCRAWL_HEALTH_MAX_REJECT_RATIO": 1.0})
    )
    assert limits == Thresholds.from_settings(Settings()) == Thresholds()
    assert assess(stats, "finished", limits).problems == []
    strict = Thresholds(min_emitted=2, max_reject_ratio=0.9)
    assert assess(stats, "finished", strict).problems == [
        "1 article(s) emitted (NEWSCRAWL_HEALTH_MIN_EMITTED 2)",
        "100% of pages and items rejected (limit 90%)",
    ]


def test_monitors_outside_the_end_of_a_run_say_why_they_cannot_judge() -> None:
    crawler = get_crawler(NewsSpider)
    result = MonitorRunner().run(RunMonitorSuite(crawler=crawler), stats={}, crawler=crawler)
    assert {r.status for r in result.monitor_results} == {"FAIL"}
    assert "no run report" in result.monitor_results[0].error


def _addon_settings(**values: Any) -> Settings:
    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    settings.setdict(values, priority="cmdline")
    MonitoringAddon().update_settings(settings)
    return settings


def test_one_setting_turns_spidermon_on_with_the_run_monitors() -> None:
    settings = _addon_settings(
        NEWSCRAWL_SPIDERMON=True, EXTENSIONS={"spidermon.contrib.scrapy.extensions.Spidermon": 500}
    )
    assert settings.getbool("SPIDERMON_ENABLED")
    assert settings.getdict("EXTENSIONS")[ReportSpidermon] == 500
    assert settings.getdict("EXTENSIONS")[Spidermon] is None  # not both
    assert settings.getlist("SPIDERMON_SPIDER_CLOSE_MONITORS") == [RUN_MONITOR_SUITE]
    own = _addon_settings(NEWSCRAWL_SPIDERMON=True, SPIDERMON_SPIDER_CLOSE_MONITORS=["x.Suite"])
    assert own.getlist("SPIDERMON_SPIDER_CLOSE_MONITORS") == ["x.Suite"]
    off = _addon_settings()
    assert not off.getbool("SPIDERMON_ENABLED")
    assert ReportSpidermon not in off.getdict("EXTENSIONS")
    assert PrometheusTextfile not in off.getdict("EXTENSIONS")
    assert PrometheusTextfile in _addon_settings(
        NEWSCRAWL_PROMETHEUS_TEXTFILE="/tmp/x.prom"
    ).getdict("EXTENSIONS")


def test_actions_come_from_the_setting() -> None:
    crawler = get_crawler(
        NewsSpider,
        {"NEWSCRAWL_SPIDERMON_ACTIONS": {"failed": ["spidermon.core.actions.DummyAction"]}},
    )
    suite = RunMonitorSuite(crawler=crawler)
    assert [type(a).__name__ for a in suite.monitors_failed_actions] == ["DummyAction"]
    assert suite.monitors_passed_actions == suite.monitors_finished_actions == []


def _checked(tmp_path: Path, **values: Any) -> None:
    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    settings.setdict(
        {
            "NEWSCRAWL_OUTPUT_DIR": str(tmp_path / "out"),
            "NEWSCRAWL_DATA_DIR": str(tmp_path / "data"),
            **values,
        },
        priority="cmdline",
    )
    check_settings(settings)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"NEWSCRAWL_SPIDERMON": "maybe"}, "setting NEWSCRAWL_SPIDERMON='maybe'"),
        ({"NEWSCRAWL_PROMETHEUS_TEXTFILE": "/tmp/newscrawl.txt"}, "name a *.prom file"),
        ({"NEWSCRAWL_SPIDERMON_ACTIONS": '{"failure": []}'}, "keys among finished, passed, failed"),
        ({"NEWSCRAWL_SPIDERMON_ACTIONS": "slack"}, "setting NEWSCRAWL_SPIDERMON_ACTIONS"),
        ({"NEWSCRAWL_PROMETHEUS_LABELS": '{"spider": "x"}'}, "without 'spider'"),
        ({"NEWSCRAWL_HEALTH_MIN_EMITTED": "ten"}, "setting NEWSCRAWL_HEALTH_MIN_EMITTED='ten'"),
    ],
)
def test_bad_monitoring_settings_stop_the_run_in_one_line(
    tmp_path: Path, values: dict[str, Any], message: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        _checked(tmp_path, **values)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_monitoring_without_its_extra_stops_the_run_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(newscrawl.monitoring, "_missing", lambda module: True)
    for setting, value, module in (
        ("NEWSCRAWL_SPIDERMON", True, "spidermon"),
        ("NEWSCRAWL_PROMETHEUS_TEXTFILE", "/tmp/n.prom", "prometheus_client"),
    ):
        with pytest.raises(SettingsError) as raised:
            _checked(tmp_path, **{setting: value})
        assert str(raised.value) == (
            f"{setting} {'is on' if value is True else 'is set'} but {module} is not installed: "
            "install the extra with pip install 'newscrawl[monitoring]'"
        )
    assert monitoring_problem(Settings()) is None


def test_the_textfile_is_one_file_a_spider() -> None:
    assert textfile_path("/var/lib/node_exporter/textfile/newscrawl.prom", "news") == Path(
        "/var/lib/node_exporter/textfile/newscrawl-news.prom"
    )
    assert textfile_path("/t/%(name)s-vn.prom", "news") == Path("/t/news-vn.prom")


def test_label_values_are_escaped_and_read_back(tmp_path: Path) -> None:
    tricky = 'http://x.invalid/rss?q="a\\b"\nc'
    report = {
        "finishReason": "finished",
        "exitStatus": 0,
        "problems": [],
        "durationSeconds": 2.5,
        "sites": {'say "hi"': {"emitted": 3}},
        "rejected": {"fetch-failed": 1},
        "skipped": {},
        "sources": [{"url": tricky, "kind": "feed", "problem": None, "emitted": 3}],
        "stats": {},
    }
    crawler = get_crawler(
        NewsSpider,
        {
            "NEWSCRAWL_PROMETHEUS_TEXTFILE": str(tmp_path / "n.prom"),
            "NEWSCRAWL_PROMETHEUS_LABELS": {"job": "vn"},
        },
    )
    extension = PrometheusTextfile.from_crawler(crawler)
    extension.report_written(report=report, path=None)
    text = (tmp_path / "n-news.prom").read_text("utf-8")
    assert '\\"a\\\\b\\"\\nc' in text  # quote, backslash and newline escaped
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }

    def sample(name: str, **labels: str) -> float:
        return samples[(name, tuple(sorted({"job": "vn", "spider": "news", **labels}.items())))]

    assert sample("newscrawl_source_healthy", kind="feed", source=tricky) == 1
    assert sample("newscrawl_articles_emitted_total", site='say "hi"') == 3
    assert sample("newscrawl_run_duration_seconds") == 2.5
    assert len(run_metrics(report, {}, 0.0)) == len(list(text_string_to_metric_families(text))) - 1


def test_a_textfile_that_cannot_be_written_is_logged_and_counted(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    crawler = get_crawler(
        NewsSpider, {"NEWSCRAWL_PROMETHEUS_TEXTFILE": str(tmp_path / "gone" / "n.prom")}
    )
    extension = PrometheusTextfile.from_crawler(crawler)
    report = {"finishReason": "finished", "exitStatus": 0, "problems": [], "stats": {}}
    with caplog.at_level(logging.ERROR):
        extension.report_written(report=report, path=None)
    assert "Cannot write the Prometheus textfile" in caplog.text
    assert crawler.stats.get_value(PROMETHEUS_WRITE_FAILED) == 1


def test_spidermon_waits_for_the_run_report_only_when_one_is_written() -> None:
    def crawler(extensions: dict[str, Any]) -> Any:
        return SimpleNamespace(settings=Settings({"EXTENSIONS": extensions}))

    assert _reports(crawler(project_settings.EXTENSIONS))
    # without it, the suites run when the spider closes, as Spidermon's own extension does
    assert not _reports(
        crawler({**project_settings.EXTENSIONS, "newscrawl.extensions.report.RunReport": None})
    )
