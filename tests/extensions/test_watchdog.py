"""The watchdog: a run that makes no progress is ended, never left hanging."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import Server, crawl

from newscrawl.extensions.watchdog import progress_mark
from newscrawl.health import EXIT_UNHEALTHY


def test_progress_is_work_moving_not_log_lines() -> None:
    before = {"response_received_count": 3, "log_count/INFO": 10}
    assert progress_mark(before) == progress_mark({**before, "log_count/INFO": 99})
    assert progress_mark(before) != progress_mark({**before, "newscrawl/held": 1})


@pytest.mark.e2e
def test_a_run_stuck_on_one_download_is_ended(tmp_path: Path, server: Server) -> None:
    article = server.article(1)
    sitemap = server.serve(
        "/sitemap.xml",
        '<?xml version="1.0"?><urlset xmlns='
        '"http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{article}</loc></url></urlset>",
    )
    server.delays[article.removeprefix(server.base_url)] = 60
    started = time.monotonic()
    run = crawl(
        tmp_path / "out",
        "-a",
        f"sitemap={sitemap}",
        "-s",
        "DOWNLOAD_TIMEOUT=120",
        "-s",
        "NEWSCRAWL_WATCHDOG_SECONDS=3",
        timeout=60,
    )
    assert run.returncode == EXIT_UNHEALTHY
    assert "Watchdog: no progress" in run.stderr
    # the download in progress holds Scrapy's close: the watchdog then exits at once
    assert "exiting now with status 3" in run.stderr and run.items == []
    assert time.monotonic() - started < 40
