"""End to end: Spidermon's verdict on a run (NEWSCRAWL_SPIDERMON), the node-exporter textfile
(NEWSCRAWL_PROMETHEUS_TEXTFILE), and the schemas of the output, rejects file and run report,
checked on real runs: a healthy crawl of the demo paper, and an unhealthy one."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import PROJECT, CrawlRun, Server, crawl, urlset
from prometheus_client.parser import text_string_to_metric_families

from newscrawl.conformance import validator
from newscrawl.demosite import DemoSite
from newscrawl.health import EXIT_OK, EXIT_UNHEALTHY

pytestmark = pytest.mark.e2e  # runs scrapy crawl as subprocesses

MONITORS = {
    "Finish reason",
    "Sources",
    "Request errors",
    "Articles emitted",
    "Rejects",
    "Run health",
}
ROBOTS = "User-agent: *\nAllow: /\n"


@dataclass
class MonitoredRun:
    run: CrawlRun
    monitors: dict[str, dict[str, Any]]  # monitor name -> status, error
    metrics: dict[str, list[tuple[dict[str, str], float]]]  # sample name -> labels, value
    textfile: Path


def monitored_crawl(out: Path, *args: str) -> MonitoredRun:
    """``scrapy crawl`` with Spidermon and the textfile on; Spidermon's results recorded by the
    tests' own action (``tests/monitor_results.py``)."""
    results, textfile = out / "monitors.json", out / "prom" / "newscrawl.prom"
    textfile.parent.mkdir(parents=True)
    run = crawl(
        out,
        "-s",
        "NEWSCRAWL_SPIDERMON=1",
        "-s",
        'NEWSCRAWL_SPIDERMON_ACTIONS={"finished": ["monitor_results.RecordResults"]}',
        "-s",
        f"MONITOR_RESULTS_FILE={results}",
        "-s",
        f"NEWSCRAWL_PROMETHEUS_TEXTFILE={textfile}",
        *args,
        env={"PYTHONPATH": str(PROJECT / "tests")},
    )
    written = textfile.with_name("newscrawl-news.prom")  # the spider's own file
    metrics: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(written.read_text("utf-8")):
        for sample in family.samples:
            metrics.setdefault(sample.name, []).append((sample.labels, sample.value))
    return MonitoredRun(run, json.loads(results.read_text("utf-8")), metrics, written)


def _by(samples: list[tuple[dict[str, str], float]], label: str) -> dict[str, float]:
    return {labels[label]: value for labels, value in samples}


def _one(run: MonitoredRun, name: str) -> float:
    [(labels, value)] = run.metrics[name]
    assert labels == {"spider": "news"}
    return value


@pytest.fixture(scope="module")
def healthy(tmp_path_factory: pytest.TempPathFactory, paper: DemoSite) -> MonitoredRun:
    """Every source of the demo paper's registry entry: sitemaps, feed and listings."""
    out = tmp_path_factory.mktemp("healthy")
    registry = out / "sites.toml"
    registry.write_text(paper.registry_toml("demo"), "utf-8")
    return monitored_crawl(out, "-a", "site=demo", "-a", f"sites_file={registry}")


@pytest.fixture(scope="module")
def unhealthy(tmp_path_factory: pytest.TempPathFactory) -> MonitoredRun:
    """A feed answering 404 beside a sitemap of one article, with a minimum of 3 articles and
    at most 40 % rejects (the 404 is one reject of two pages): three monitors must fail."""
    out = tmp_path_factory.mktemp("unhealthy")
    with Server() as server:
        server.serve("/robots.txt", ROBOTS, "text/plain")
        sitemap = server.serve("/sitemap.xml", urlset(server.article(1)))
        return monitored_crawl(
            out,
            "-a",
            f"sitemap={sitemap}",
            "-a",
            f"feed={server.base_url}/rss",
            "-s",
            "NEWSCRAWL_HEALTH_MIN_EMITTED=3",
            "-s",
            "NEWSCRAWL_HEALTH_MAX_REJECT_RATIO=0.4",
        )


def test_a_healthy_run_passes_every_monitor(healthy: MonitoredRun) -> None:
    assert healthy.run.returncode == EXIT_OK, healthy.run.stderr[-3000:]
    assert {name: result["status"] for name, result in healthy.monitors.items()} == dict.fromkeys(
        MONITORS, "OK"
    )
    assert "[Spidermon] OK" in healthy.run.stderr


def test_an_unhealthy_run_fails_the_monitors_of_its_problems(unhealthy: MonitoredRun) -> None:
    assert unhealthy.run.returncode == EXIT_UNHEALTHY
    statuses = {name: result["status"] for name, result in unhealthy.monitors.items()}
    assert statuses == {
        "Finish reason": "OK",
        "Request errors": "OK",
        "Sources": "FAIL",
        "Articles emitted": "FAIL",
        "Rejects": "FAIL",
        "Run health": "FAIL",
    }
    errors = {name: result["error"] for name, result in unhealthy.monitors.items()}
    assert "/rss failed: fetch-failed: HTTP 404" in errors["Sources"]
    assert "1 article(s) emitted (NEWSCRAWL_HEALTH_MIN_EMITTED 3)" in errors["Articles emitted"]
    assert "50% of pages and items rejected (limit 40%)" in errors["Rejects"]
    # the monitors name the problems the exit status was decided on, and no other
    for problem in unhealthy.run.report["problems"]:
        assert problem in errors["Run health"]
    failed = "".join(errors[name] for name in ("Sources", "Articles emitted", "Rejects"))
    assert all(problem in failed for problem in unhealthy.run.report["problems"])


def test_the_textfile_holds_the_run_report(healthy: MonitoredRun) -> None:
    report = healthy.run.report
    assert _one(healthy, "newscrawl_run_exit_status") == report["exitStatus"] == 0
    assert _one(healthy, "newscrawl_run_healthy") == 1
    assert _one(healthy, "newscrawl_run_problems") == 0
    assert _one(healthy, "newscrawl_run_duration_seconds") == pytest.approx(
        report["durationSeconds"]
    )
    assert _one(healthy, "newscrawl_run_last_end_timestamp_seconds") >= _one(
        healthy, "newscrawl_run_last_start_timestamp_seconds"
    )
    emitted = _by(healthy.metrics["newscrawl_articles_emitted_total"], "site")
    assert emitted == {site: counts.get("emitted", 0) for site, counts in report["sites"].items()}
    assert sum(emitted.values()) == report["emitted"] == len(healthy.run.items) > 0
    assert _by(healthy.metrics["newscrawl_articles_rejected"], "reason") == report["rejected"]
    assert _by(healthy.metrics["newscrawl_articles_skipped"], "reason") == report["skipped"]
    assert _by(healthy.metrics["newscrawl_source_healthy"], "source") == {
        source["url"]: 1 for source in report["sources"]
    }
    assert _by(healthy.metrics["newscrawl_run_finish_reason"], "reason") == {"finished": 1}
    assert not list(healthy.textfile.parent.glob("*.prom.*"))  # no temporary file left over


def test_the_textfile_of_an_unhealthy_run(unhealthy: MonitoredRun) -> None:
    report = unhealthy.run.report
    assert _one(unhealthy, "newscrawl_run_exit_status") == EXIT_UNHEALTHY
    assert _one(unhealthy, "newscrawl_run_healthy") == 0
    assert _one(unhealthy, "newscrawl_run_problems") == len(report["problems"]) == 3
    assert _one(unhealthy, "newscrawl_run_requests_failed") == 1
    health = _by(unhealthy.metrics["newscrawl_source_healthy"], "kind")
    assert health == {"sitemap": 1, "feed": 0}


def test_real_output_matches_its_schemas(healthy: MonitoredRun) -> None:
    run = healthy.run
    assert run.items and run.rejects
    for item in run.items:
        validator("article").validate(item)
    for reject in run.rejects:
        validator("rejects").validate(reject)
    [report_file] = run.output_dir.glob("*.report.json")
    validator("report").validate(json.loads(report_file.read_text("utf-8")))


def test_articles_leave_empty_arrays_out_and_say_when_they_were_fetched_in_utc(
    healthy: MonitoredRun, paper: DemoSite
) -> None:
    without_authors = [item for item in healthy.run.items if "authors" not in item]
    assert without_authors  # the demo paper has articles that name no author
    lines = [
        line
        for path in healthy.run.output_dir.glob("*.jsonl")
        if not path.name.endswith(".rejects.jsonl")
        for line in path.read_text("utf-8").splitlines()
    ]
    assert not [line for line in lines if '"authors": []' in line or '"breadcrumbs": []' in line]
    for item in healthy.run.items:
        downloaded = item["metadata"]["dateDownloaded"]
        assert downloaded.endswith("Z") and len(downloaded) == len("2026-12-01T10:00:00Z")
