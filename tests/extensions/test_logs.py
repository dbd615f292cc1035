"""What a person reads in the log of a ``scrapy crawl news`` run: the progress line, and the
end-of-run summary at every log level cron may use, not buried under Scrapy's stats dump."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CrawlRun, crawl

from newscrawl.demosite import DemoSite

pytestmark = pytest.mark.e2e  # runs scrapy crawl as subprocesses


def _both_sites(sites_file: Path) -> tuple[str, ...]:
    return ("-a", "site=demo,farm", "-a", f"sites_file={sites_file}")


def _summary(run: CrawlRun) -> list[str]:
    """The summary's lines: its first, with the level it was logged at, to the report's path."""
    lines = run.stderr.splitlines()
    start = next(i for i, line in enumerate(lines) if ", exit status " in line)
    end = next(i for i, line in enumerate(lines) if line.startswith("Run report: "))
    return lines[start : end + 1]


@pytest.fixture(scope="module")
def info_run(tmp_path_factory: pytest.TempPathFactory, paper: DemoSite, farm: DemoSite) -> CrawlRun:
    """The paper and the farm, at the project's LOG_LEVEL (INFO)."""
    out = tmp_path_factory.mktemp("info")
    registry = out / "sites.toml"
    registry.write_text(paper.registry_toml("demo") + "\n" + farm.registry_toml("farm"), "utf-8")
    return crawl(out, *_both_sites(registry))


def test_no_stats_dump_at_info(info_run: CrawlRun) -> None:
    assert info_run.returncode == 0, info_run.stderr[-3000:]
    assert "Dumping Scrapy stats" not in info_run.stderr
    assert "'downloader/request_count'" not in info_run.stderr  # nor under another title
    summary = _summary(info_run)
    assert "[newscrawl.extensions.report] SUMMARY: Run finished in" in summary[0]
    assert "(healthy)" in summary[0]
    assert "  rejected spam-title               6" in summary
    assert Path(summary[-1].removeprefix("Run report: ")).exists()


def test_summary_lists_skip_reasons(info_run: CrawlRun) -> None:
    skipped = {
        reason: int(count)
        for _, reason, count in (
            line.split() for line in _summary(info_run) if line.startswith("  skipped  ")
        )
    }
    assert skipped == info_run.report["skipped"]
    assert skipped["url-denied"]  # the demo sites' tag, video and gallery links


def test_stats_dump_is_left_to_debug(tmp_path: Path, sites_file: Path) -> None:
    run = crawl(
        tmp_path, "-a", "site=farm", "-a", f"sites_file={sites_file}", "-s", "LOG_LEVEL=DEBUG"
    )
    assert "DEBUG: Scrapy stats (also in the run report):" in run.stderr
    assert f"'item_scraped_count': {run.report['emitted']}," in run.stderr


def test_summary_shows_at_warning(tmp_path: Path, sites_file: Path) -> None:
    run = crawl(tmp_path, *_both_sites(sites_file), "-s", "LOG_LEVEL=WARNING")
    assert run.returncode == 0, run.stderr[-3000:]
    assert " INFO: " not in run.stderr
    summary = _summary(run)
    assert "SUMMARY: Run finished in" in summary[0] and "exit status 0 (healthy)" in summary[0]
    assert any(line.startswith("  site farm ") for line in summary)


def test_unhealthy_summary_is_an_error(tmp_path: Path) -> None:
    with DemoSite("paper").start() as gone:
        registry = tmp_path / "sites.toml"
        registry.write_text(gone.registry_toml("demo"), "utf-8")
    run = crawl(
        tmp_path,
        "-a",
        "site=demo",
        "-a",
        f"sites_file={registry}",
        "-s",
        "RETRY_TIMES=0",
        "-s",
        "LOG_LEVEL=ERROR",
    )
    assert run.returncode == 3
    (first, *_) = _summary(run)
    assert "ERROR: Run finished in" in first and "exit status 3 (UNHEALTHY: " in first


@pytest.fixture
def slow_paper() -> Iterator[DemoSite]:
    with DemoSite("paper", latency=0.5).start() as slow:
        yield slow


PROGRESS = re.compile(
    r"Progress: .*; (\d+) requests queued, (\d+) sources \(sitemaps, feeds, "
    r"listings\) pending, time left (unknown|about \S+ \S+|at least \S+ \S+)$"
)


def test_progress_line_says_what_is_left(tmp_path: Path, slow_paper: DemoSite) -> None:
    registry = tmp_path / "sites.toml"
    registry.write_text(slow_paper.registry_toml("demo"), "utf-8")
    run = crawl(
        tmp_path, "-a", "site=demo", "-a", f"sites_file={registry}", "-s", "LOGSTATS_INTERVAL=0.5"
    )
    assert run.returncode == 0, run.stderr[-3000:]
    progress = [m.groups() for line in run.stderr.splitlines() if (m := PROGRESS.search(line))]
    assert len(progress) >= 4
    assert any(
        int(queued) and int(pending) and left.startswith("at least")
        for queued, pending, left in progress
    )
    # the last periodic line may come before the last source is parsed; the end state may not
    assert run.stats["newscrawl/sources/pending"] == 0
