"""The extraction pool: same output as in-process extraction, and no page lost to a dead worker."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import time
from functools import partial
from pathlib import Path
from typing import Any

import psutil
import pytest
from conftest import (
    PROJECT,
    CrawlRun,
    collect,
    crawl,
    crawl_command,
    extraction_crawler,
    start_crawl,
)
from scrapy import Spider, signals
from scrapy.utils.test import get_crawler

from newscrawl.demosite import DemoSite
from newscrawl.demosite.server import GENERATED_ALLOW
from newscrawl.extensions.workers import ExtractionWorkers
from newscrawl.extraction import Extraction
from newscrawl.extraction.article import extract_article
from newscrawl.items import Article, Page
from newscrawl.pipelines.extract import ExtractPipeline

pytestmark = pytest.mark.e2e  # runs scrapy crawl/seed/demo as subprocesses

GENERATED = 400  # pages: a few seconds of extraction, time to kill a worker mid-run
ARTICLE_HTML = (
    "<html lang='vi'><head><title>Giá lúa tăng</title></head><body><article><p>"
    + "Giá lúa tại Đồng bằng sông Cửu Long tăng mạnh trong tuần qua. " * 20
    + "</p></article></body></html>"
)


def _comparable(run: CrawlRun) -> list[dict[str, Any]]:
    """Items without the fetch time, in canonical URL order. Without ``url`` either: of an
    article served under two URLs, the one fetched first is emitted, in whichever order. Nor
    ``dateModified``: on these pages it comes from a sitemap's lastmod, which an article
    requested from the feed has only if the sitemap was read before its download (sources are
    read off the event loop, as downloads go on)."""
    items = [
        {
            **{k: v for k, v in item.items() if k not in ("url", "dateModified")},
            "metadata": {k: v for k, v in item["metadata"].items() if k != "dateDownloaded"},
        }
        for item in run.items
    ]
    return sorted(items, key=lambda item: item["canonicalUrl"])


def test_pool_emits_what_in_process_extraction_emits(tmp_path: Path, paper: DemoSite) -> None:
    """Also when downloads pause again and again for the pages waiting for the pool (a queue
    of 2 pages): no page is lost or left waiting."""
    registry = tmp_path / "sites.toml"
    registry.write_text(paper.registry_toml("demo"), "utf-8")
    # One request at a time: the same pages found in the same order, hence the same sitemap or
    # feed hints (lastmod, dates) for each, whichever of its sources is parsed first.
    runs = [
        crawl(
            tmp_path / f"workers-{workers}",
            "-a",
            f"sites_file={registry}",
            "-s",
            f"NEWSCRAWL_EXTRACT_WORKERS={workers}",
            "-s",
            "CONCURRENT_REQUESTS=1",
            "-s",
            "NEWSCRAWL_EXTRACT_QUEUE=2",
        )
        for workers in (0, 2)
    ]
    in_process, pool = runs
    assert pool.returncode == in_process.returncode == 0, pool.stderr[-3000:]
    assert pool.stats["newscrawl/extract/downloads-paused"] > 1
    assert len(in_process.items) >= 20
    assert _comparable(pool) == _comparable(in_process)
    assert sorted(r["reason"] for r in pool.rejects) == sorted(
        r["reason"] for r in in_process.rejects
    )


@pytest.fixture(scope="module")
def generated() -> Any:
    with DemoSite("paper", generated=GENERATED).start() as site:
        yield site


def _generated_only(site: DemoSite, path: Path) -> Path:
    """A registry entry for the generated pages alone: every page fetched is an article."""
    path.write_text(
        f'[gen]\nname = "Gen"\ndomains = ["127.0.0.1"]\nlanguage = "vi"\n'
        f'sitemaps = ["{site.base_url}/sitemap-gen-index.xml"]\n'
        f"article_allow = ['{GENERATED_ALLOW}']\n",
        "utf-8",
    )
    return path


def _pool_workers(crawl_process: psutil.Process) -> list[psutil.Process]:
    """The forkserver's children: the crawl's grandchildren."""
    return [p for p in crawl_process.children(recursive=True) if p.ppid() != crawl_process.pid]


def _busy_worker(process: subprocess.Popen, timeout: float = 60) -> psutil.Process:
    """A pool worker of the crawl ``process`` that has been extracting pages for a while."""
    crawl_process = psutil.Process(process.pid)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        with contextlib.suppress(psutil.NoSuchProcess):
            for worker in _pool_workers(crawl_process):
                if sum(worker.cpu_times()[:2]) > 0.5:
                    return worker
        time.sleep(0.05)
    pytest.fail("no pool worker got busy before the crawl ended")


def test_a_killed_worker_loses_no_page(tmp_path: Path, generated: DemoSite) -> None:
    registry = _generated_only(generated, tmp_path / "sites.toml")
    process = start_crawl(
        tmp_path / "out", "-a", f"sites_file={registry}", "-s", "NEWSCRAWL_EXTRACT_WORKERS=2"
    )
    try:
        _busy_worker(process).send_signal(signal.SIGKILL)
        _, stderr = process.communicate(timeout=180)
    finally:
        process.kill()
    run = collect(tmp_path / "out", process.returncode, stderr)
    assert run.report.get("finishReason") == "finished", stderr[-3000:]
    assert run.stats.get("newscrawl/extract/pool-broken", 0) >= 1
    assert run.stats.get("newscrawl/extract/retried", 0) >= 1  # pages in flight at the kill
    emitted = {item["url"] for item in run.items}
    crashed = {r["url"] for r in run.rejects_for("extraction-crashed")}
    pages = {f"{generated.base_url}/gen/{i}.html" for i in range(GENERATED)}
    assert emitted | crashed == pages
    assert not emitted & crashed


def test_ctrl_c_shuts_a_pool_crawl_down_gracefully(tmp_path: Path, generated: DemoSite) -> None:
    """Ctrl-C signals the whole process group, pool workers included."""
    registry = _generated_only(generated, tmp_path / "sites.toml")
    process = subprocess.Popen(
        crawl_command(
            tmp_path / "out", "-a", f"sites_file={registry}", "-s", "NEWSCRAWL_EXTRACT_WORKERS=2"
        ),
        cwd=PROJECT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _busy_worker(process)
        os.killpg(process.pid, signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    run = collect(tmp_path / "out", process.returncode, stderr)
    assert run.report.get("finishReason") == "shutdown", stderr[-3000:]
    assert "Traceback" not in stderr


def test_a_killed_crawl_leaves_no_pool_process_behind(tmp_path: Path, generated: DemoSite) -> None:
    """Killed (SIGKILL, the OOM killer), the crawl process cannot close its pool."""
    registry = _generated_only(generated, tmp_path / "sites.toml")
    process = start_crawl(
        tmp_path / "out", "-a", f"sites_file={registry}", "-s", "NEWSCRAWL_EXTRACT_WORKERS=2"
    )
    try:
        _busy_worker(process)
        descendants = psutil.Process(process.pid).children(recursive=True)
    finally:
        process.kill()
        process.communicate()
    _, alive = psutil.wait_procs(descendants, timeout=10)
    for orphan in alive:
        orphan.kill()
    assert len(descendants) >= 3  # the forkserver and two workers, at least
    assert alive == []


def _page(html: str) -> Page:
    return Page(
        url="http://127.0.0.1/a-123456.html",
        html=html,
        site="demo",
        encoding="utf-8",
        language="vi",
    )


def test_in_process_mode_starts_no_process() -> None:
    pipeline = ExtractPipeline.from_crawler(extraction_crawler(NEWSCRAWL_EXTRACT_WORKERS=0))
    assert pipeline.pool is None
    before = set(psutil.Process().children(recursive=True))
    article = asyncio.run(pipeline.process_item(_page(ARTICLE_HTML)))
    assert isinstance(article, Article) and "Cửu Long" in article.articleBody
    assert set(psutil.Process().children(recursive=True)) == before


async def _forked(count: int, timeout: float = 60) -> int:
    """Waits for ``count`` workers forked by this process's forkserver (its grandchildren; the
    forkserver may outlive an earlier test's pool)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(workers := _pool_workers(psutil.Process())) >= count:
            return len(workers)
        await asyncio.sleep(0.1)
    return 0


def test_a_crawl_starts_its_pool_when_its_crawler_is_built() -> None:
    """In a running crawl (its event loop turning), the forkserver imports and warms up the
    extraction while the engine is built and the crawl reads robots.txt and the sitemaps, not
    after the first page arrived. Both pipelines use that one pool."""

    async def build_and_wait() -> int:
        crawler = extraction_crawler(NEWSCRAWL_EXTRACT_WORKERS=2)
        workers = crawler.get_extension(ExtractionWorkers)
        try:
            assert workers.pool is not None and workers.pool.started
            assert ExtractPipeline.from_crawler(crawler).pool is workers.pool
            return await _forked(2)
        finally:
            await workers.close()

    assert asyncio.run(build_and_wait()) >= 2


def test_the_pool_starts_with_the_spider_and_closes_after_it() -> None:
    """Built outside an event loop, the crawler's pool starts when the spider opens; it closes
    when the spider has closed (after the pipelines' own close, when the publication still
    uses it), and its workers exit."""
    crawler = extraction_crawler(NEWSCRAWL_EXTRACT_WORKERS=2)
    workers = crawler.get_extension(ExtractionWorkers)
    assert workers.pool is not None and not workers.pool.started
    spider = Spider("news")

    async def open_then_close() -> tuple[int, int]:
        await crawler.signals.send_catch_log_async(signals.spider_opened, spider=spider)
        forked = await _forked(2)
        await crawler.signals.send_catch_log_async(
            signals.spider_closed, spider=spider, reason="finished"
        )
        deadline = time.monotonic() + 30
        while _pool_workers(psutil.Process()) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        return forked, len(_pool_workers(psutil.Process()))

    assert asyncio.run(open_then_close()) == (2, 0)


def test_minus_one_means_one_worker_per_core() -> None:
    crawler = extraction_crawler(NEWSCRAWL_EXTRACT_WORKERS=-1)
    pool = crawler.get_extension(ExtractionWorkers).pool
    assert pool is not None and pool.workers == os.cpu_count()


def test_without_the_extension_pages_are_extracted_in_process(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="newscrawl.pipelines.extract"):
        pipeline = ExtractPipeline.from_crawler(
            get_crawler(settings_dict={"NEWSCRAWL_EXTRACT_WORKERS": 2})
        )
    assert pipeline.pool is None
    assert "ExtractionWorkers is not in EXTENSIONS" in caplog.text


def test_a_page_that_kills_its_worker_is_blamed_alone() -> None:
    """The pages in the pool with it are extracted again, one at a time; only it is rejected."""
    crawler = extraction_crawler(NEWSCRAWL_EXTRACT_WORKERS=2)
    workers = crawler.get_extension(ExtractionWorkers)
    good = partial(
        extract_article, ARTICLE_HTML, "http://127.0.0.1/a-123456.html", timezone="Asia/Ho_Chi_Minh"
    )

    async def extract_all() -> list[Any]:
        try:
            # os._exit in place of an extraction: the worker dies as in a parser crash.
            calls = [good, partial(os._exit, 1), good, good, good]
            assert workers.pool is not None
            return await asyncio.gather(
                *(workers.pool.run(call) for call in calls), return_exceptions=True
            )
        finally:
            await workers.close()

    results = asyncio.run(extract_all())
    assert [type(r).__name__ for r in results] == [
        "Extraction",
        "NotExtractable",
        "Extraction",
        "Extraction",
        "Extraction",
    ]
    assert results[1].reason == "extraction-crashed"
    assert all(r.body == results[0].body for r in results if isinstance(r, Extraction))
    assert crawler.stats.get_value("newscrawl/extract/pool-broken") >= 2
