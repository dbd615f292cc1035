"""The extraction time limit (NEWSCRAWL_EXTRACTION_TIMEOUT) in worker processes: a page over it
is rejected, its workers killed, the other pages extracted and the run ended; hostile JSON-LD
costs a page nothing but that JSON-LD."""

from __future__ import annotations

import asyncio
import json
import time
from functools import partial
from html import escape
from pathlib import Path
from typing import Any

import pytest
from conftest import Server, crawl, emitted, extraction_crawler, rejected, urlset

from newscrawl.extensions.workers import ExtractionWorkers
from newscrawl.extraction.article import MAX_JSON_CHARS

pytestmark = pytest.mark.e2e  # starts worker pools, runs scrapy crawl as a subprocess

ROW = "Giá lúa tại Đồng bằng sông Cửu Long tăng mạnh trong tuần qua. "
# A price table of 10,000 rows (1.5 MB): trafilatura and the cleaning chain take some 20 s on
# it (12 s for 6,000 rows, measured on the development machine), far beyond the limit set below.
SLOW_MARKUP = "<table>" + f"<tr><td>{ROW}</td><td>{ROW}</td></tr>" * 10_000 + "</table>"


def _article_page(headline: str, body: str, head: str = "") -> str:
    return (
        f'<html lang="vi"><head><meta charset="utf-8"><title>{escape(headline)}</title>'
        f"{head}</head><body><article><h1>{escape(headline)}</h1>{body}</article>"
        "</body></html>"
    )


def _json_ld(text: str) -> str:
    return f'<script type="application/ld+json">{text}</script>'


def test_a_page_over_the_time_limit_is_rejected_the_others_emitted(
    tmp_path: Path, server: Server
) -> None:
    good = [server.article(i) for i in range(4)]
    slow = server.serve(
        "/tin/bang-gia-lua-so-9-10009.html", _article_page("Bảng giá lúa", SLOW_MARKUP), "text/html"
    )
    hostile_json = server.serve(
        "/tin/gia-lua-so-8-10008.html",
        _article_page(
            "Giá lúa tăng",
            f"<p>{ROW * 10}</p>",
            _json_ld("[" * 100_000 + "]" * 100_000)
            + _json_ld(json.dumps({"@type": "NewsArticle", "text": "x" * MAX_JSON_CHARS})),
        ),
        "text/html",
    )
    sitemap = server.serve("/sitemap.xml", urlset(good[0], slow, *good[1:], hostile_json))
    run = crawl(
        tmp_path,
        "-a",
        f"sitemap={sitemap}",
        "-s",
        "NEWSCRAWL_EXTRACT_WORKERS=2",
        "-s",
        "NEWSCRAWL_EXTRACTION_TIMEOUT=2",
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert rejected(run, "extraction-timeout") == {slow}
    assert emitted(run) == {*good, hostile_json}
    assert run.stats["newscrawl/extract/pool-killed"] == 1
    assert run.stats["newscrawl/extract/json-dropped"] == 2
    assert f"Dropped {slow}: extraction-timeout" in run.stderr
    assert f"JSON scripts of {hostile_json} dropped unread" in run.stderr
    # the log names pages, it does not quote them
    assert "<td>" not in run.stderr and "[[[[" not in run.stderr and "xxxx" not in run.stderr
    assert max(map(len, run.stderr.splitlines())) < 1000


def test_a_neighbour_of_a_page_over_the_limit_starts_again_in_a_new_pool() -> None:
    """Killing the workers of a page over the limit breaks their pool: the page another worker
    was extracting is extracted again, not blamed (nor sent to the one-page-at-a-time retry)."""
    crawler = extraction_crawler(NEWSCRAWL_EXTRACT_WORKERS=2, NEWSCRAWL_EXTRACTION_TIMEOUT=4)
    workers = crawler.get_extension(ExtractionWorkers)

    async def extract() -> list[Any]:
        pool = workers.pool
        assert pool is not None
        try:
            await pool.run(partial(int))  # the pool started: both calls start at once
            stuck = asyncio.ensure_future(pool.run(partial(time.sleep, 60)))
            await asyncio.sleep(2)
            # runs when the stuck call's workers are killed (2 s later), then 3 s in the new pool
            neighbour = pool.run(partial(time.sleep, 3))
            return await asyncio.gather(stuck, neighbour, return_exceptions=True)
        finally:
            await workers.close()

    stuck, neighbour = asyncio.run(extract())
    assert getattr(stuck, "reason", stuck) == "extraction-timeout"
    assert neighbour is None  # time.sleep's result: it ran to its end
    assert crawler.stats.get_value("newscrawl/extract/pool-killed") == 1
    assert crawler.stats.get_value("newscrawl/extract/retried") is None
    assert crawler.stats.get_value("newscrawl/extract/pool-broken") is None
