"""Sitemaps and feeds parsed off the event loop, in a thread of their own.

feedparser takes seconds over a 50k-entry feed, and lxml over a 200k-URL sitemap: on the event
loop, every download would wait meanwhile. A sitemap is parsed as a stream, a batch of entries
at a time, so that neither its tree nor the list of its entries is ever held whole.

One thread, not a pool: an lxml parser must not be used from two threads, and a stream is
resumed batch after batch; one parsing core leaves the other to the crawl and extraction.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from io import BytesIO
from itertools import islice
from typing import Any, TypeVar

import lxml.etree
from scrapy.utils.sitemap import Sitemap

_PARSER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newscrawl-parse")
_NEWS_FIELDS = {"publication_date": "published", "title": "title"}
_T = TypeVar("_T")


async def off_loop(func: Callable[..., _T], *args: Any) -> _T:
    """``func(*args)``, run in the parsing thread. asyncio's executor, not Twisted's thread
    pool: the project runs Scrapy on the asyncio reactor (``TWISTED_REACTOR``)."""
    return await asyncio.get_running_loop().run_in_executor(_PARSER, partial(func, *args))


def take(items: Iterator[_T], count: int) -> list[_T]:
    """The next ``count`` items of ``items`` (fewer at its end)."""
    return list(islice(items, count))


class NewsSitemap(Sitemap):
    """Scrapy's streaming Sitemap, keeping the Google News fields (publication date, title) it
    drops, and telling whether the XML had errors (its entries are recovered all the same)."""

    def __init__(self, body: bytes) -> None:
        # Scrapy's options, and huge_tree as Scrapy's xmliter_lxml: the body is already capped
        # (NEWSCRAWL_SITEMAP_MAXSIZE), libxml2's own limits would only cut valid sitemaps short.
        # Entities are not resolved and the network is never read (a hostile DOCTYPE).
        self.xmliter = lxml.etree.iterparse(
            BytesIO(body),
            events=("start", "end"),
            recover=True,
            remove_comments=True,
            remove_pis=True,
            remove_blank_text=True,
            collect_ids=False,
            resolve_entities=False,
            no_network=True,
            huge_tree=True,
        )
        _, root = next(self.xmliter)
        self.type = self._get_tag_name(root)
        self.malformed = False

    def __iter__(self) -> Iterator[dict[str, Any]]:
        yield from super().__iter__()
        self.malformed = bool(self.xmliter.error_log.filter_from_errors())

    def _process_sitemap_element(self, elem: lxml.etree._Element) -> dict[str, Any] | None:
        news = {
            _NEWS_FIELDS[name]: (child.text or "").strip()
            for child in elem.iter()
            if (name := self._get_tag_name(child)) in _NEWS_FIELDS
            and self._get_tag_name(child.getparent()) == "news"
        }
        entry = super()._process_sitemap_element(elem)
        return None if entry is None else {**entry, **news}


def open_sitemap(body: bytes) -> NewsSitemap | None:
    """The sitemap or sitemap index in ``body``; None when it is neither."""
    try:
        sitemap = NewsSitemap(body)
    except (lxml.etree.XMLSyntaxError, StopIteration):
        return None
    return sitemap if sitemap.type in ("sitemapindex", "urlset") else None
