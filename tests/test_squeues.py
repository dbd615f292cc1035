"""The disk queue of requests: what Scrapy's own stores, the spider's methods named from a table
made once instead of a search of the spider for every request."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request, Spider
from scrapy.squeues import PickleLifoDiskQueue as ScrapyQueue
from scrapy.utils.test import get_crawler

from newscrawl.squeues import PickleLifoDiskQueue


class _Spider(Spider):
    name = "news"

    def parse_article(self, response: Any) -> None:
        pass

    def on_error(self, failure: Any) -> None:
        pass

    same_as_parse_article = parse_article  # one method, two names


def _queues(tmp_path: Path) -> tuple[Spider, Any, Any]:
    crawler = get_crawler(_Spider)
    crawler.spider = spider = crawler._create_spider()
    ours = PickleLifoDiskQueue.from_crawler(crawler, str(tmp_path / "ours"))
    scrapys = ScrapyQueue.from_crawler(crawler, str(tmp_path / "scrapy"))
    return spider, ours, scrapys


def _requests(spider: Any) -> list[Request]:
    return [
        Request(
            "http://127.0.0.1/a.html",
            callback=spider.parse_article,
            errback=spider.on_error,
            meta={"article": "http://127.0.0.1/a.html"},
            priority=3,
            cb_kwargs={"n": 1},
        ),
        Request("http://127.0.0.1/b.html", callback=spider.same_as_parse_article),
        Request("http://127.0.0.1/robots.txt"),  # no callback, no errback
    ]


def test_it_stores_and_returns_what_scrapys_queue_does(tmp_path: Path) -> None:
    spider, ours, scrapys = _queues(tmp_path)
    for request in _requests(spider):
        ours.push(request)
        scrapys.push(request)
        assert request.callback in (None, spider.parse_article)  # left as it was
    for _ in range(3):
        mine, theirs = ours.pop(), scrapys.pop()
        assert mine.to_dict(spider=spider) == theirs.to_dict(spider=spider)
        assert (mine.callback, mine.errback) == (theirs.callback, theirs.errback)
    assert ours.pop() is None


def test_the_spider_is_searched_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spider, ours, _ = _queues(tmp_path)
    searches = []
    getmembers = inspect.getmembers
    monkeypatch.setattr(
        inspect, "getmembers", lambda *args, **kwargs: searches.append(1) or getmembers(*args)
    )
    for request in _requests(spider) * 5:
        ours.push(request)
    assert len(searches) == 1


def test_a_callable_not_of_the_spider_fails_as_in_scrapy(tmp_path: Path) -> None:
    _, ours, _ = _queues(tmp_path)
    with pytest.raises(ValueError, match="is not an instance method"):
        ours.push(Request("http://127.0.0.1/c.html", callback=lambda response: None))
