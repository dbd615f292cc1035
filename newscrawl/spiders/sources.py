"""The ``news`` spider's sources: sitemaps (Google News sitemaps and indexes, robots.txt),
RSS/Atom feeds and listing pages, each fetched on every run and tracked from request to parse
(``SourceLedger``) for the run's per-source health."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any

import feedparser
from courlan import normalize_url
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.settings import BaseSettings
from scrapy.utils.sitemap import sitemap_urls_from_robots
from twisted.python.failure import Failure
from w3lib.url import canonicalize_url

from newscrawl.accounting import (
    FEED_RECOVERED,
    PENDING_SOURCES,
    Reason,
    Skip,
    skipped,
)
from newscrawl.parsing import NewsSitemap, off_loop, open_sitemap, take
from newscrawl.registry import Site
from newscrawl.sources import SourceLedger

# Sitemap entries parsed in one go, off the event loop; the requests of a batch are then made
# one at a time, as Scrapy takes them, so the loop is never held for long.
_SITEMAP_BATCH = 1000


def requested_article_verdict(site: Site, url: str) -> str | None:
    r"""``site.article_verdict`` of the URL as it is requested: a feed's ``?utm_source=rss``
    must not hide an article from an ``article_allow`` rule ending in ``\.html$``."""
    try:
        return site.article_verdict(normalize_url(url, strict=True))
    except ValueError:
        return site.article_verdict(url)  # a malformed URL: rejected when requested


def root_source(message: Request | Response) -> str:
    """The source given to the run that a request or response descends from."""
    return str(message.meta.get("root", message.url))


# the kind of a source in the run's per-source report, by the callback that parses it
_SOURCE_KINDS = {"parse_sitemap": "sitemap", "parse_feed": "feed", "parse_listing": "listing"}

Parse = Callable[[Response], Iterable[Request] | AsyncIterator[Request]]


class SourceCallbacks:
    """Mixed into ``NewsSpider``: requests for sources and their callbacks. The articles a
    source lists go to the spider's ``_article_requests``/``_article_request``."""

    crawler: Crawler
    settings: BaseSettings
    logger: Any
    sources: SourceLedger
    _pending_sources: set[str]
    _sources_seen: set[str]
    _links: LinkExtractor
    site_of: Callable[[Response], Site]
    _article_requests: Callable[[Iterable[dict[str, Any]], Site, Response], Iterator[Request]]
    _article_request: Callable[..., Request | None]
    _admitted: Callable[[str, Site, str], bool]
    _count_skip: Callable[[str, str], None]
    reject: Callable[..., None]
    on_error: Callable[[Failure], None]
    _get_sitemap_body: Callable[[Response], bytes | None]

    def _source_request(
        self,
        url: str,
        callback: Parse,
        site: Site,
        *,
        found_in: Response | None = None,
        dont_filter: bool = True,
        **meta: Any,
    ) -> Request:
        """A request for a sitemap, feed or listing, pending until parsed or failed. Sources
        are fetched on every run, so never filtered as seen, except deeper listing pages. One
        ``found_in`` another source's response counts towards that source's root."""
        token = secrets.token_hex(8)
        self._pending_sources.add(token)
        self._count_pending_sources()
        if found_in is None:
            root = url
            self.sources.add(url, _SOURCE_KINDS[callback.__name__])
        else:
            root = root_source(found_in)
            self.sources.taken(root)
        return Request(
            url,
            callback,
            errback=self.on_error,
            dont_filter=dont_filter,
            meta={"site": site.key, "source": token, "root": root, **meta},
        )

    def _sitemap_request(
        self, url: str, site: Site, depth: int, found_in: Response | None = None
    ) -> Request:
        # a sitemap has its own size limit (Scrapy's download, decompression and gunzip limits
        # all read download_maxsize): up to 50 MB is a valid sitemap, not a runaway page
        return self._source_request(
            url,
            self.parse_sitemap,
            site,
            found_in=found_in,
            sitemap_depth=depth,
            download_maxsize=self.settings.getint("NEWSCRAWL_SITEMAP_MAXSIZE"),
        )

    def _source_finished(self, meta: dict[str, Any]) -> None:
        if (token := meta.get("source")) in self._pending_sources:
            self._pending_sources.discard(token)
            self._count_pending_sources()

    def _count_pending_sources(self) -> None:
        self.crawler.stats.set_value(PENDING_SOURCES, len(self._pending_sources))

    def request_dropped(self, request: Request) -> None:
        self._source_finished(request.meta)

    def _seen_source(self, url: str) -> bool:
        """Whether sitemap/feed ``url`` was already followed this run; records it if not."""
        key = canonicalize_url(url)
        if key in self._sources_seen:
            self.crawler.stats.inc_value(skipped(Skip.SOURCE_SEEN))
            return True
        self._sources_seen.add(key)
        return False

    def _child_sitemaps(self, urls: Iterable[str], response: Response, site: Site) -> list[Request]:
        depth = response.meta.get("sitemap_depth", 0) + 1
        limit = self.settings.getint("NEWSCRAWL_SITEMAP_MAX_DEPTH")
        requests = []
        for url in urls:
            if not self._admitted(url, site, response.url) or self._seen_source(url):
                continue
            if depth > limit:
                self.reject(
                    url,
                    Reason.SITEMAP_TOO_DEEP,
                    f"listed in {response.url}, nesting depth {depth} > "
                    f"NEWSCRAWL_SITEMAP_MAX_DEPTH ({limit})",
                    site,
                )
            else:
                requests.append(self._sitemap_request(url, site, depth, response))
        return requests

    async def parse_sitemap(self, response: Response) -> AsyncIterator[Request]:
        self._source_finished(response.meta)
        site = self.site_of(response)
        if response.url.endswith("/robots.txt"):
            urls = list(sitemap_urls_from_robots(response.body, base_url=response.url))
            self._source_parsed(response, len(urls))
            for request in self._child_sitemaps(urls, response, site):
                yield request
            return
        sitemap = await off_loop(self._open_sitemap, response)
        if sitemap is None:
            self._source_failed(
                response, Reason.MALFORMED_SITEMAP, "not a sitemap or sitemap index", site
            )
            return
        entries, found = iter(sitemap), 0
        while batch := await off_loop(take, entries, _SITEMAP_BATCH):
            found += len(batch)
            if sitemap.type == "sitemapindex":
                for request in self._child_sitemaps((e["loc"] for e in batch), response, site):
                    yield request
            else:
                for request in self._article_requests(batch, site, response):
                    yield request
        self._source_parsed(response, found)
        if sitemap.malformed:
            self._source_failed(
                response, Reason.MALFORMED_SITEMAP, f"XML errors; {found} entries recovered", site
            )

    def _open_sitemap(self, response: Response) -> NewsSitemap | None:
        body = self._get_sitemap_body(response)  # decompressed, if a .xml.gz
        return open_sitemap(body) if body else None

    async def parse_feed(self, response: Response) -> AsyncIterator[Request]:
        self._source_finished(response.meta)
        site = self.site_of(response)
        feed = await off_loop(feedparser.parse, response.body)
        if feed.bozo and not feed.entries:
            self._source_failed(
                response, Reason.MALFORMED_FEED, str(feed.get("bozo_exception", "")), site
            )
            return
        if feed.bozo:
            self.logger.warning(
                "Feed %s is malformed; %d entries recovered", response.url, len(feed.entries)
            )
            self.crawler.stats.inc_value(FEED_RECOVERED)
        entries = [
            {
                "loc": e.get("link", ""),
                "published": e.get("published", ""),
                "title": e.get("title", ""),
            }
            for e in feed.entries
            if e.get("link")
        ]
        self._source_parsed(response, len(entries))
        for request in self._article_requests(entries, site, response):
            yield request

    def parse_listing(self, response: Response) -> Iterator[Request]:
        self._source_finished(response.meta)
        site = self.site_of(response)
        if not isinstance(response, TextResponse):
            self._source_failed(response, Reason.NOT_HTML, "listing page is not text", site)
            return
        depth = response.meta.get("listing_depth", 0)
        links = list(self._listing_links(response, site))
        self._source_parsed(response, len(links))
        for url in links:
            verdict = requested_article_verdict(site, url)
            if verdict is None:
                self.sources.taken(root_source(response))
                if request := self._article_request(url, site, {}, response):
                    yield request
            elif verdict != Skip.URL_DENIED and depth < self.settings.getint(
                "NEWSCRAWL_LISTING_DEPTH"
            ):
                yield self._source_request(
                    url,
                    self.parse_listing,
                    site,
                    found_in=response,
                    dont_filter=False,
                    listing_depth=depth + 1,
                )
            else:
                self._count_skip(url, verdict)

    def _listing_links(self, response: TextResponse, site: Site) -> Iterator[str]:
        """The page's links that may be followed. Links to other hosts are ordinary on a page
        (not followed, not rejects); another scheme or port of the site's own host is rejected
        (LinkExtractor keeps file:// and ftp:// links)."""
        for link in self._links.extract_links(response):
            if site.link_verdict(link.url) != Reason.URL_MALFORMED and not site.owns(link.url):
                continue
            if self._admitted(link.url, site, response.url):
                yield link.url

    def _source_parsed(self, response: Response, found: int) -> None:
        self.sources.parsed(root_source(response), found)

    def _source_failed(self, response: Response, reason: str, evidence: str, site: Site) -> None:
        self.sources.failed(root_source(response), response.url, f"{reason}: {evidence}")
        self.reject(response.url, reason, evidence, site, source=True)
