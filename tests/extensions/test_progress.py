"""The progress line's queue, pending sources and time left, and how the spider counts its
pending sources (no crawl: a crawler without an engine, a list standing for the scheduler)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from scrapy import Request
from scrapy.http import TextResponse
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from newscrawl.accounting import PENDING_SOURCES
from newscrawl.extensions.progress import ProgressLog, time_left
from newscrawl.spiders.news import NewsSpider

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
STARTED = {
    "start_time": NOW - timedelta(minutes=10),
    "scheduler/dequeued": 600,
    "scheduler/dequeued/memory": 600,
}  # 1 request a second so far


@pytest.mark.parametrize(
    ("stats", "queued", "pending", "expected"),
    [
        (STARTED, 300, 0, "about 5 min"),
        (STARTED, 300, 2, "at least 5 min"),  # the sources not parsed yet will queue more
        (STARTED, 45, 0, "about 45 s"),
        (STARTED, 0, 0, "about 0 s"),
        (STARTED, 9000, 0, "about 2.5 h"),
        (
            {**STARTED, "scheduler/dequeued/memory": 0, "scheduler/dequeued/redis": 300},
            60,
            0,
            "about 2 min",
        ),  # a distributed worker's scheduler counts its own way
        (STARTED, 0, 3, "unknown"),  # nothing queued yet, but more to come
        (STARTED, None, 0, "unknown"),  # a scheduler that cannot count its queue
        ({"start_time": NOW - timedelta(seconds=5)}, 40, 4, "unknown"),  # nothing dequeued yet
        ({}, 40, 0, "unknown"),
    ],
)
def test_time_left(
    stats: dict[str, object], queued: int | None, pending: int, expected: str
) -> None:
    assert time_left(stats, queued, pending, NOW) == expected


def _progress_log(tmp_path: Path, stats: dict[str, object], scheduler: object) -> ProgressLog:
    crawler = get_crawler(NewsSpider, settings_dict={"NEWSCRAWL_OUTPUT_DIR": str(tmp_path)})
    crawler.stats.set_stats(stats)
    crawler.engine = SimpleNamespace(scheduler=scheduler)
    extension = ProgressLog.from_crawler(crawler)
    extension.pagesprev = extension.itemsprev = 0
    return extension


def test_progress_line_reports_queue_pending_sources_and_time_left(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    started = {
        **STARTED,
        "start_time": datetime.now(UTC) - timedelta(minutes=10),
        PENDING_SOURCES: 3,
        "response_received_count": 590,
        "newscrawl/held": 500,
    }
    extension = _progress_log(tmp_path, started, scheduler=[Request("http://127.0.0.1/")] * 120)
    with caplog.at_level(logging.INFO, logger="newscrawl.extensions"):
        extension.log(spider=None)
    (line,) = caplog.messages
    assert line.startswith("Progress: 590 pages")
    assert line.endswith(
        "; 120 requests queued, 3 sources (sitemaps, feeds, listings) pending, "
        "time left at least 2 min"
    )


def test_progress_line_without_a_countable_queue(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    extension = _progress_log(tmp_path, {}, scheduler=object())
    with caplog.at_level(logging.INFO, logger="newscrawl.extensions"):
        extension.log(spider=None)
    assert caplog.messages[0].endswith(
        "; ? requests queued, 0 sources (sitemaps, feeds, listings) pending, time left unknown"
    )


def test_each_source_finishes_once(tmp_path: Path) -> None:
    """Parsed, failed, or dropped as a duplicate: a source is pending until one of these
    happens to it or to its copy (a redirect or retry carries the meta)."""
    crawler = get_crawler(NewsSpider, settings_dict={"NEWSCRAWL_OUTPUT_DIR": str(tmp_path)})
    spider = NewsSpider.from_crawler(crawler, sitemap="http://127.0.0.1:8000/sitemap.xml")
    parsed, failed, dropped = (
        spider._source_request(
            f"http://127.0.0.1:8000/{name}.xml", spider.parse_sitemap, spider.sites[0]
        )
        for name in ("parsed", "failed", "dropped")
    )
    assert crawler.stats.get_value(PENDING_SOURCES) == 3
    moved = parsed.replace(url="http://127.0.0.1:8000/moved.xml")
    parsing = spider.parse_sitemap(TextResponse(moved.url, body=b"<urlset/>", request=moved))
    asyncio.run(anext(parsing, None))
    assert crawler.stats.get_value(PENDING_SOURCES) == 2
    failure = Failure(ConnectionRefusedError())
    failure.request = failed.replace(dont_filter=True)  # type: ignore[attr-defined]
    spider.on_error(failure)
    spider.request_dropped(dropped)
    spider.request_dropped(Request("http://127.0.0.1:8000/a-1.html"))  # not a source
    assert crawler.stats.get_value(PENDING_SOURCES) == 0
