from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from newscrawl.downloadermiddlewares.metarefresh import HEAD_BYTES, HeadMetaRefreshMiddleware

URL = "https://news.example/a.html"
REFRESH = '<meta http-equiv="refresh" content="0; url=/moved.html">'


def _middleware() -> HeadMetaRefreshMiddleware:
    return build_from_crawler(HeadMetaRefreshMiddleware, get_crawler())


def _page(head: str, body_text: str) -> HtmlResponse:
    html = f"<html><head><meta charset='utf-8'>{head}</head><body><p>{body_text}</p></body></html>"
    return HtmlResponse(URL, body=html.encode(), headers={"Content-Type": "text/html"})


@pytest.mark.parametrize("size", [100, HEAD_BYTES * 3])
def test_a_refresh_in_the_head_is_followed_whatever_the_page_size(size: int) -> None:
    # Vietnamese text: two or three bytes a character, so the cut falls inside characters
    response = _page(REFRESH, "Tiếng Việt có dấu. " * (size // 20))
    assert len(response.body) > size
    redirected = _middleware().process_response(Request(URL), response)
    assert isinstance(redirected, Request)
    assert redirected.url == "https://news.example/moved.html"


def test_a_long_page_without_refresh_is_returned_whole() -> None:
    response = _page("", "Tiếng Việt có dấu. " * HEAD_BYTES)
    assert _middleware().process_response(Request(URL), response) is response


def test_a_refresh_past_the_first_4096_characters_is_ignored_as_by_scrapy() -> None:
    response = _page("", "x" * 5000 + REFRESH + "y" * HEAD_BYTES)
    assert _middleware().process_response(Request(URL), response) is response
