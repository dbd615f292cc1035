"""Politeness and large sources: Retry-After and per-host backoff, sitemaps above the page size
limit, sitemaps and feeds parsed off the event loop."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import feedparser
import lxml.etree
import pytest
from conftest import Server, crawl, rss, urlset
from scrapy import Request
from scrapy.http import XmlResponse
from scrapy.utils.sitemap import Sitemap
from scrapy.utils.test import get_crawler

from newscrawl.downloadermiddlewares.retry_after import doubling_pause, retry_after_seconds
from newscrawl.health import Thresholds, assess
from newscrawl.parsing import open_sitemap, take
from newscrawl.spiders import sources
from newscrawl.spiders.news import NewsSpider

e2e = pytest.mark.e2e  # runs scrapy crawl as subprocesses

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        (format_datetime(NOW + timedelta(seconds=90), usegmt=True), 90.0),
        ("Tue, 01 Dec 2026 12:01:30 GMT", 90.0),
        (format_datetime(NOW - timedelta(hours=1), usegmt=True), 0.0),  # already past
        ("soon", None),
        ("-5", None),
        ("", None),
    ],
)
def test_retry_after_values(value: str, seconds: float | None) -> None:
    assert retry_after_seconds(value, NOW) == seconds


def test_backoff_doubles_up_to_the_cap() -> None:
    assert [doubling_pause(1.0, n, 10.0) for n in (1, 2, 3, 4, 5, 500)] == [1, 2, 4, 8, 10, 10]


def test_requests_given_up_for_a_long_retry_after_count_as_failed() -> None:
    stats = {
        "newscrawl/rejected/retry-after-too-long": 3,
        "downloader/response_status_count/200": 1,
    }
    assert assess(stats, "finished", Thresholds()).problems == [
        "75% of requests failed (limit 50%)"
    ]


SITEMAPS = {
    "news": """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"
        xmlns:xhtml="http://www.w3.org/1999/xhtml">
 <!-- a comment --><?pi x?>
 <url><loc> https://a.vn/x-1234567.html </loc><lastmod>2021-06-17T09:00:00+07:00</lastmod>
  <xhtml:link rel="alternate" hreflang="en" href="https://a.vn/en/x-1234567.html"/>
  <news:news><news:publication_date>2021-06-17T08:15:00+07:00</news:publication_date>
   <news:title>Tiêu đề</news:title></news:news></url>
 <url><lastmod>2021-06-17</lastmod></url>
 <url><loc>https://a.vn/y-7654321.html</loc></url>
</urlset>""".encode(),
    "index": b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap>'
    b"<loc>https://a.vn/s1.xml</loc></sitemap><sitemap><loc>https://a.vn/s2.xml</loc>"
    b"<lastmod>2021-06-17</lastmod></sitemap></sitemapindex>",
    "cut short": b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>'
    b"https://a.vn/1</loc></url><url><loc>https://a.vn/2</loc></url><url><loc>htt",
    "bad nesting": b"<urlset><url><loc>https://a.vn/1 & 2</loc></url><url><loc>https://a.vn/3"
    b"</loc><bad></url></urlset>",
    "undefined entity": b"<urlset><url><loc>https://a.vn/&nbsp;1</loc></url></urlset>",
    "external entity": b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY e SYSTEM "file:///etc/'
    b'passwd">]><urlset><url><loc>&e;</loc></url></urlset>',
}


def _whole_tree_is_well_formed(body: bytes) -> bool:
    try:
        lxml.etree.fromstring(body, parser=lxml.etree.XMLParser(resolve_entities=False))
    except lxml.etree.XMLSyntaxError:
        return False
    return True


@pytest.mark.parametrize("name", SITEMAPS)
def test_streamed_sitemap_gives_the_entries_and_errors_of_a_whole_parse(name: str) -> None:
    body = SITEMAPS[name]
    sitemap = open_sitemap(body)
    assert sitemap is not None
    entries, batches = iter(sitemap), []
    while batch := take(entries, 2):
        batches.append(batch)
    streamed = [entry for batch in batches for entry in batch]
    news_fields = {"published", "title"}
    assert [{k: v for k, v in e.items() if k not in news_fields} for e in streamed] == list(
        Sitemap(body)
    )
    assert sitemap.malformed is not _whole_tree_is_well_formed(body)
    if name == "news":
        assert streamed[0]["published"] == "2021-06-17T08:15:00+07:00"
        assert streamed[0]["title"] == "Tiêu đề"
    if name == "external entity":
        assert "root:" not in repr(streamed)


def test_a_text_node_above_libxml2s_limit_is_read() -> None:
    loc = "https://a.vn/" + "x" * 11_000_000  # libxml2 stops at 10 MB a text node by default
    body = urlset("https://a.vn/a-1234567.html", loc).encode()
    sitemap = open_sitemap(body)
    assert sitemap is not None
    assert [len(e["loc"]) for e in sitemap] == [len("https://a.vn/a-1234567.html"), len(loc)]
    assert not sitemap.malformed


def _drain(requests: Any) -> list[Request]:
    async def run() -> list[Request]:
        return [request async for request in requests]

    return asyncio.run(run())


@pytest.fixture
def spider(tmp_path: Path) -> NewsSpider:
    crawler = get_crawler(NewsSpider, settings_dict={"NEWSCRAWL_OUTPUT_DIR": str(tmp_path)})
    return NewsSpider.from_crawler(crawler, sitemap="http://127.0.0.1:8000/sitemap.xml")


@pytest.fixture
def parser_threads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The names of the threads that parsed the sitemaps and feeds."""
    threads: list[str] = []

    def recorded(parse: Callable[..., Any]) -> Callable[..., Any]:
        def parse_and_record(*args: Any) -> Any:
            threads.append(threading.current_thread().name)
            return parse(*args)

        return parse_and_record

    monkeypatch.setattr(sources, "open_sitemap", recorded(open_sitemap))
    monkeypatch.setattr(feedparser, "parse", recorded(feedparser.parse))
    yield threads


def test_sitemaps_and_feeds_are_parsed_off_the_event_loop(
    spider: NewsSpider, parser_threads: list[str]
) -> None:
    urls = [f"http://127.0.0.1:8000/tin/bai-viet-so-{i}-{10000 + i}.html" for i in range(2500)]
    sitemap = XmlResponse(
        "http://127.0.0.1:8000/sitemap.xml",
        body=urlset(*urls).encode(),
        request=Request("http://127.0.0.1:8000/sitemap.xml", meta={"site": ""}),
    )
    in_feed = [f"http://127.0.0.1:8000/tin/bai-moi-{i}-{20000 + i}.html" for i in range(5)]
    feed = XmlResponse(
        "http://127.0.0.1:8000/rss.xml",
        body=rss(*in_feed).encode(),
        request=Request("http://127.0.0.1:8000/rss.xml", meta={"site": ""}),
    )
    assert [r.url for r in _drain(spider.parse_sitemap(sitemap))] == urls
    assert len(_drain(spider.parse_feed(feed))) == 5
    assert len(parser_threads) == 2
    assert threading.main_thread().name not in parser_threads


@e2e
def test_retry_after_is_honoured(tmp_path: Path, server: Server) -> None:
    article = server.article(1)
    path = article.removeprefix(server.base_url)
    server.answer_first(path, (503, {"Retry-After": "2"}), (429, {"Retry-After": "1"}))
    run = crawl(
        tmp_path, "-a", f"sitemap={server.serve('/sitemap.xml', urlset(article))}", timeout=60
    )
    assert run.returncode == 0, run.stderr[-3000:]
    times = [when for when, served, _ in server.answers if served == path]
    assert len(times) == 3
    assert times[1] - times[0] >= 1.9
    assert times[2] - times[1] >= 0.9
    assert [item["url"] for item in run.items] == [article]
    assert run.stats["newscrawl/backoff/Retry-After"] == 2


@e2e
def test_a_host_answering_503_is_paused_and_another_host_is_not(
    tmp_path: Path, server: Server
) -> None:
    with Server("127.0.0.2") as other:
        storm = [server.article(i) for i in range(3)]
        calm = [other.article(i) for i in range(100, 140)]  # no near-duplicate of storm
        for url in storm:  # a 503 storm without Retry-After: pauses of 1, 2 and 4 s
            server.answer_first(url.removeprefix(server.base_url), (503, {}))
        sitemaps = ",".join(
            [
                server.serve("/sitemap.xml", urlset(*storm)),
                other.serve("/sitemap.xml", urlset(*calm)),
            ]
        )
        run = crawl(
            tmp_path,
            "-a",
            f"sitemap={sitemaps}",
            "-s",
            "DOWNLOAD_DELAY=0.2",
            "-s",
            "CONCURRENT_REQUESTS_PER_DOMAIN=1",
            "-s",
            "NEWSCRAWL_BACKOFF_SECONDS=1",
            timeout=120,
        )
    assert run.returncode == 0, run.stderr[-3000:]
    unavailable = [when for when, _, status in server.answers if status == 503]
    assert len(unavailable) == 3
    for start, pause in zip(unavailable, (1.0, 2.0, 4.0), strict=True):
        later = [when for when, _, _ in server.answers if when > start]
        assert later[0] - start >= pause - 0.1, server.answers
        assert [when for when, _, _ in other.answers if start < when < start + pause]
    assert {item["url"] for item in run.items} == {*storm, *calm}
    assert run.stats["newscrawl/backoff/backoff"] == 3


@e2e
def test_a_retry_after_beyond_the_cap_is_a_reject_not_a_wait(
    tmp_path: Path, server: Server
) -> None:
    closed = server.article(1)
    server.answer_first(closed.removeprefix(server.base_url), (503, {"Retry-After": "3600"}))
    run = crawl(
        tmp_path,
        "-a",
        f"sitemap={server.serve('/sitemap.xml', urlset(closed))}",
        "-s",
        "NEWSCRAWL_RETRY_AFTER_MAX_SECONDS=5",
        timeout=60,
    )
    (reject,) = run.rejects
    assert (reject["url"], reject["reason"]) == (closed, "retry-after-too-long")
    assert "3600" in reject["evidence"]
    assert server.hits[closed.removeprefix(server.base_url)] == 1
    assert not run.items


@e2e
def test_a_sitemap_above_the_page_size_limit_is_crawled(tmp_path: Path, server: Server) -> None:
    articles = [server.article(i) for i in range(2)]
    # valid, and longer than DOWNLOAD_MAXSIZE (10 MiB): entries of tag pages, which are skipped
    tags = [f"{server.base_url}/tag/{i}-{'chu-de-' * 300}" for i in range(5200)]
    body = urlset(articles[0], *tags, articles[1])
    assert len(body) > 11_000_000
    run = crawl(tmp_path, "-a", f"sitemap={server.serve('/sitemap.xml', body)}", timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    assert not run.rejects
    assert {item["url"] for item in run.items} == set(articles)
    assert run.stats["newscrawl/skipped/url-non-article-section"] == len(tags)


@e2e
def test_a_sitemap_above_its_own_limit_is_a_reject(tmp_path: Path, server: Server) -> None:
    body = urlset(
        *(f"{server.base_url}/tin/bai-viet-so-{i}-{10000 + i}.html" for i in range(20_000))
    )
    sitemap = server.serve("/sitemap.xml", body)
    run = crawl(
        tmp_path, "-a", f"sitemap={sitemap}", "-s", "NEWSCRAWL_SITEMAP_MAXSIZE=100000", timeout=60
    )
    assert [(r["url"], r["reason"]) for r in run.rejects] == [(sitemap, "fetch-failed")]
    assert not [path for path in server.hits if path.startswith("/tin/")]


@e2e
def test_downloads_go_on_while_a_large_feed_is_read(tmp_path: Path, server: Server) -> None:
    links = [f"{server.base_url}/tin/bai-viet-so-{i}-{100000 + i}.html" for i in range(50_000)]
    feed = server.serve("/rss.xml", rss(*links), "application/rss+xml")  # 5.7 MB, 404 articles
    run = crawl(tmp_path, "-a", f"feed={feed}", "-s", "CLOSESPIDER_PAGECOUNT=10", timeout=240)
    ended = time.monotonic()
    assert run.stats["finish_reason"] == "closespider_pagecount", run.stderr[-3000:]
    fed = next(when for when, path, _ in server.answers if path == "/rss.xml")
    first_article = min(when for when, path, _ in server.answers if path.startswith("/tin/"))
    # Making 50k requests takes most of the run: the first ones are fetched meanwhile, not after
    # the last one is made (nor after the feed is parsed on the event loop).
    assert first_article - fed < (ended - fed) * 0.6, (first_article - fed, ended - fed)
