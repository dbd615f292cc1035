"""The ``news`` spider: sitemaps, Google News sitemaps, feeds, listing pages and URL lists."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Self
from weakref import WeakValueDictionary

import feedparser
from courlan import normalize_url
from itemadapter import ItemAdapter
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.settings import BaseSettings
from scrapy.spiders import SitemapSpider
from scrapy.utils.sitemap import sitemap_urls_from_robots
from twisted.python.failure import Failure
from w3lib.url import canonicalize_url

from newscrawl.accounting import (
    ADDRESS_REFUSED,
    DECODED,
    FEED_RECOVERED,
    FOUND_AGAIN,
    PENDING_SOURCES,
    Reason,
    Skip,
    skipped,
)
from newscrawl.dates import to_moment
from newscrawl.downloadermiddlewares.addressguard import AddressRefused
from newscrawl.downloadermiddlewares.retry_after import GivenUp
from newscrawl.downloadermiddlewares.warc import CaptureUnreadable
from newscrawl.encoding import HTML_TYPES, UndecodableError, decode_html
from newscrawl.extensions.state import IncrementalState
from newscrawl.items import Page
from newscrawl.output import default_feed_uri, feed_options
from newscrawl.parsing import NewsSitemap, off_loop, open_sitemap, take
from newscrawl.registry import RegistryError, Site, parse_since, sites_from_arguments
from newscrawl.signals import page_rejected
from newscrawl.sources import SourceLedger
from newscrawl.spiders.archives import ArchiveSources
from newscrawl.state import Emitted, StateStore

# Sitemap entries parsed in one go, off the event loop; the requests of a batch are then made
# one at a time, as Scrapy takes them, so the loop is never held for long.
_SITEMAP_BATCH = 1000


def _article_verdict(site: Site, url: str) -> str | None:
    r"""``site.article_verdict`` of the URL as it is requested: a feed's ``?utm_source=rss``
    must not hide an article from an ``article_allow`` rule ending in ``\.html$``."""
    try:
        return site.article_verdict(normalize_url(url, strict=True))
    except ValueError:
        return site.article_verdict(url)  # a malformed URL: rejected when requested


def _root(message: Request | Response) -> str:
    """The source given to the run that a request or response descends from."""
    return str(message.meta.get("root", message.url))


def _entry_date(entry: dict[str, Any]) -> date | None:
    """The entry's publication (else modification) date: ISO 8601 of sitemaps, RFC 822 of
    RSS 2.0 feeds."""
    moment = to_moment(entry.get("published") or entry.get("lastmod"), None)
    return moment.date() if moment else None


# the kind of a source in the run's per-source report, by the callback that parses it
_SOURCE_KINDS = {"parse_sitemap": "sitemap", "parse_feed": "feed", "parse_listing": "listing"}
_SOURCE_ARGUMENTS = ("site", "sites_file", "sitemap", "feed", "start_url", "urls_file", "warc",
                     "ccnews")

Parse = Callable[[Response], Iterable[Request] | AsyncIterator[Request]]


class _Hints(dict[str, str]):
    """What the sitemaps and feeds said of one URL (a dict that can be weakly referenced)."""


class NewsSpider(ArchiveSources, SitemapSpider):
    name = "news"

    def __init__(self, since: str | None = None, **kwargs: Any) -> None:
        sources = {key: kwargs.pop(key) for key in _SOURCE_ARGUMENTS if key in kwargs}
        super().__init__(**kwargs)
        self.sites, self.since = self.check_arguments(since=since, **sources)
        self.read_archives(sources.get("warc"), sources.get("ccnews"))
        self.allowed_domains = sorted({d for s in self.sites for d in s.domains})
        self._skipped: set[str] = set()
        self._links = LinkExtractor(unique=True)
        self.sources = SourceLedger()  # what each sitemap, feed and listing yielded
        self.emitted: StateStore | None = None  # not "state": SpiderState (JOBDIR) owns that name
        # Sitemaps and feeds fetched this run (canonical URLs): an index listing itself, or
        # A -> B -> A, would otherwise be fetched forever (they bypass the duplicate filter).
        self._sources_seen: set[str] = set()
        self.refetch_window = timedelta(0)
        # The hints of each URL whose request is still pending, held by the request's meta: a
        # URL found again (in the feed after the news sitemap) adds what it lacks, e.g. lastmod,
        # whichever source was parsed first. Entries go with their requests.
        self._pending_hints: WeakValueDictionary[str, _Hints] = WeakValueDictionary()
        # Tokens of the source requests (sitemaps, feeds, listings) not parsed yet. A retry or
        # redirect copies the token with the meta, so each source finishes once: parsed, failed
        # or dropped as a duplicate. Random, so that a distributed worker parsing a source that
        # `scrapy seed` queued never finishes one of its own.
        self._pending_sources: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(spider.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(spider.refuse_redirect, signal=signals.request_scheduled)
        return spider

    @staticmethod
    def check_arguments(since: str | None = None, **sources: str | None
                        ) -> tuple[tuple[Site, ...], date | None]:
        """The sites and ``since`` date of ``-a`` arguments; ``RegistryError`` if one is bad.
        Scrapyd's ``_job`` (and its other ``_`` arguments) are accepted and ignored."""
        unknown = sorted(k for k in sources
                         if k not in _SOURCE_ARGUMENTS and not k.startswith("_"))
        if unknown:
            raise RegistryError(f"unknown argument(s) {', '.join(unknown)}; known: since, "
                                f"{', '.join(_SOURCE_ARGUMENTS)}")
        chosen = {key: value for key, value in sources.items() if key in _SOURCE_ARGUMENTS}
        return sites_from_arguments(**chosen), parse_since(since)

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        if not settings.getdict("FEEDS") and not settings.getbool("NEWSCRAWL_REDIS_SEED_ONLY"):
            # neither -o/-O nor a FEEDS setting: one file a run
            settings.set("FEEDS", {default_feed_uri(settings, cls.name): feed_options(settings)},
                         priority="spider")

    # -- sources ---------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        state = self.crawler.get_extension(IncrementalState)
        self.emitted = state.store if state else None
        self.refetch_window = timedelta(
            days=self.settings.getfloat("NEWSCRAWL_REFETCH_WINDOW_DAYS"))
        if self.settings.get("REDIS_URL") and not self.settings.getbool(
                "NEWSCRAWL_REDIS_SEED_ONLY"):
            return  # a worker takes its requests from the shared frontier; `scrapy seed` fills it
        async for archived in self.archived_requests():
            yield archived
        for site in () if self.reads_archives else self.sites:
            for url in site.sitemaps:
                if not self._seen_source(url):
                    yield self._sitemap_request(url, site, depth=0)
            for url in site.feeds:
                if not self._seen_source(url):
                    yield self._source_request(url, self.parse_feed, site, sitemap_depth=0)
            for url in site.listings:
                yield self._source_request(url, self.parse_listing, site, listing_depth=0)
            for url in site.urls:
                if self._admitted(url, site, "the site's URL list") and (
                        request := self._article_request(url, site, {})):
                    yield request

    def site_of(self, response: Response) -> Site:
        key = response.meta.get("site")
        return next((s for s in self.sites if s.key == key), None) or self._archived_sites.get(
            str(key)) or next(s for s in self.sites if s.owns(response.url))

    def _source_request(self, url: str, callback: Parse, site: Site, *,
                        found_in: Response | None = None, dont_filter: bool = True,
                        **meta: Any) -> Request:
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
            root = _root(found_in)
            self.sources.taken(root)
        return Request(url, callback, errback=self.on_error, dont_filter=dont_filter,
                       meta={"site": site.key, "source": token, "root": root, **meta})

    def _sitemap_request(self, url: str, site: Site, depth: int,
                         found_in: Response | None = None) -> Request:
        # a sitemap has its own size limit (Scrapy's download, decompression and gunzip limits
        # all read download_maxsize): up to 50 MB is a valid sitemap, not a runaway page
        return self._source_request(url, self.parse_sitemap, site, found_in=found_in,
                                    sitemap_depth=depth,
                                    download_maxsize=self.settings.getint(
                                        "NEWSCRAWL_SITEMAP_MAXSIZE"))

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

    def _admitted(self, url: str, site: Site, found_in: str) -> bool:
        """Whether ``url``, found in one of ``site``'s sources, may be fetched; else rejected."""
        if (verdict := site.link_verdict(url)) is None:
            return True
        self.reject(url, verdict, f"listed in {found_in}", site)
        return False

    def refuse_redirect(self, request: Request) -> None:
        """Drop (and reject) a redirect off the site: the server chose that URL as a source's
        entry would, and ``dont_filter`` sources bypass Scrapy's offsite filter."""
        redirected_from = request.meta.get("redirect_urls")
        site = next((s for s in self.sites if s.key == request.meta.get("site")), None)
        if not redirected_from or site is None:
            return
        if verdict := site.link_verdict(request.url):
            self.reject(request.url, verdict, f"redirected from {redirected_from[-1]}", site)
            raise IgnoreRequest(f"redirect refused: {verdict}")

    def _child_sitemaps(self, urls: Iterable[str], response: Response, site: Site
                        ) -> list[Request]:
        depth = response.meta.get("sitemap_depth", 0) + 1
        limit = self.settings.getint("NEWSCRAWL_SITEMAP_MAX_DEPTH")
        requests = []
        for url in urls:
            if not self._admitted(url, site, response.url) or self._seen_source(url):
                continue
            if depth > limit:
                self.reject(url, Reason.SITEMAP_TOO_DEEP,
                            f"listed in {response.url}, nesting depth {depth} > "
                            f"NEWSCRAWL_SITEMAP_MAX_DEPTH ({limit})", site)
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
            self._source_failed(response, Reason.MALFORMED_SITEMAP,
                                "not a sitemap or sitemap index", site)
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
            self._source_failed(response, Reason.MALFORMED_SITEMAP,
                                f"XML errors; {found} entries recovered", site)

    def _open_sitemap(self, response: Response) -> NewsSitemap | None:
        body = self._get_sitemap_body(response)  # decompressed, if a .xml.gz
        return open_sitemap(body) if body else None

    async def parse_feed(self, response: Response) -> AsyncIterator[Request]:
        self._source_finished(response.meta)
        site = self.site_of(response)
        feed = await off_loop(feedparser.parse, response.body)
        if feed.bozo and not feed.entries:
            self._source_failed(response, Reason.MALFORMED_FEED,
                                str(feed.get("bozo_exception", "")), site)
            return
        if feed.bozo:
            self.logger.warning("Feed %s is malformed; %d entries recovered",
                                response.url, len(feed.entries))
            self.crawler.stats.inc_value(FEED_RECOVERED)
        entries = [{"loc": e.get("link", ""), "published": e.get("published", ""),
                    "title": e.get("title", "")} for e in feed.entries if e.get("link")]
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
            verdict = _article_verdict(site, url)
            if verdict is None:
                self.sources.taken(_root(response))
                if request := self._article_request(url, site, {}, response):
                    yield request
            elif verdict != Skip.URL_DENIED and depth < self.settings.getint(
                    "NEWSCRAWL_LISTING_DEPTH"):
                yield self._source_request(url, self.parse_listing, site, found_in=response,
                                           dont_filter=False, listing_depth=depth + 1)
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

    # -- articles --------------------------------------------------------------------------

    def _article_requests(self, entries: Iterable[dict[str, Any]], site: Site,
                          found_in: Response) -> Iterator[Request]:
        root = _root(found_in)
        for entry in entries:
            url = entry["loc"]
            if not self._admitted(url, site, found_in.url):
                continue
            if (verdict := _article_verdict(site, url)) is not None:
                self._count_skip(url, verdict)
                continue
            self.sources.taken(root)  # an article, known or too old included
            if self.since and (when := _entry_date(entry)) and when < self.since:
                self._count_skip(url, Skip.OLDER_THAN_SINCE)
            else:
                hints = {k: entry[k] for k in ("published", "lastmod", "title") if entry.get(k)}
                if request := self._article_request(url, site, hints, found_in):
                    yield request

    def _article_request(self, url: str, site: Site, hints: dict[str, str],
                         found_in: Response | None = None) -> Request | None:
        try:
            # Without tracking parameters and fragments the same article has one URL whichever
            # feed, sitemap or listing links to it, so the duplicate filter sees it once.
            url = normalize_url(url, strict=True)
        except ValueError as exc:
            self.reject(url, Reason.URL_MALFORMED, str(exc), site)
            return None
        if found_in is not None:
            self.sources.requested(_root(found_in), url)
        if (pending := self._pending_hints.get(url)) is not None:
            for key, value in hints.items():
                pending.setdefault(key, value)
            self.crawler.stats.inc_value(FOUND_AGAIN)
            return None
        update = False
        if self.emitted is not None and (emitted := self.emitted.lookup(url)) is not None:
            if not self._is_recent_update(emitted, hints.get("lastmod"), site.timezone):
                self.crawler.stats.inc_value(skipped(Skip.ALREADY_EMITTED))
                return None
            update = True
        elif self._rejected_before(url):
            self.crawler.stats.inc_value(skipped(Skip.REJECTED_BEFORE))
            return None
        self._pending_hints[url] = pending = _Hints(hints)
        return Request(url, self.parse_article, errback=self.on_error,
                       meta={"site": site.key, "hints": pending, "update": update})

    def _rejected_before(self, url: str) -> bool:
        """Whether an earlier run rejected ``url`` and its reject is still in force."""
        rejection = self.emitted.rejection(url) if self.emitted is not None else None
        if rejection is None or not rejection.in_force(datetime.now(UTC)):
            return False
        self.logger.debug("Skipped %s: rejected before as %s (%s), fetched again after %s",
                          url, rejection.reason, rejection.evidence,
                          rejection.retry_after or "never")
        return True

    def _is_recent_update(self, emitted: Emitted, lastmod: str | None,
                          timezone: str | None) -> bool:
        """Whether an emitted article changed since, within the re-fetch window."""
        changed = to_moment(lastmod, timezone)
        known = to_moment(emitted.modified or emitted.emitted_at, timezone)
        emitted_at = to_moment(emitted.emitted_at, timezone)
        now = datetime.now(UTC)
        # a lastmod in the future is a site's mistake, not a change
        return bool(changed and known and emitted_at and known < changed <= now
                    and now - emitted_at <= self.refetch_window)

    def parse_article(self, response: Response) -> Iterator[Page]:
        site = self.site_of(response)
        content_type = response.headers.get(b"Content-Type") or b""
        if not response.body.strip():
            self._reject_page(response, Reason.EMPTY_PAGE, f"HTTP {response.status}, no body", site)
            return
        is_html = (content_type.lower().startswith(HTML_TYPES) if content_type
                   else isinstance(response, HtmlResponse))
        if not is_html:
            self._reject_page(response, Reason.NOT_HTML,
                              content_type.decode("latin-1") or "?", site)
            return
        try:
            decoded = decode_html(response.body, content_type.decode("latin-1") or None)
        except UndecodableError as exc:
            self._reject_page(response, Reason.UNDECODABLE, str(exc), site)
            return
        self.crawler.stats.inc_value(f"{DECODED}{decoded.source}")
        yield Page(url=response.url, html=decoded.text, site=site.key, encoding=decoded.encoding,
                   language=site.language, timezone=site.timezone, prune_xpath=site.prune_xpath,
                   footer_patterns=site.footer_patterns,
                   hints=dict(response.meta.get("hints", {})),
                   downloaded=response.meta.get("fetched")
                   or datetime.now(UTC).isoformat(timespec="seconds"),
                   update=response.meta.get("update", False))

    # -- accounting ------------------------------------------------------------------------

    def _count_skip(self, url: str, reason: str) -> None:
        if url not in self._skipped:
            self._skipped.add(url)
            self.crawler.stats.inc_value(skipped(reason))

    def reject(self, url: str, reason: str, evidence: str, site: Site | None, *,
               source: bool = False, redirected_from: Sequence[str] = ()) -> None:
        """Report ``url`` rejected. ``source``: a sitemap, feed or listing page (fetched on
        every run, so its reject is not remembered); ``redirected_from``: the URLs that
        redirected to ``url``, the first one as requested."""
        self.logger.warning("Rejected %s: %s (%s)", url, reason, evidence)
        # a URL list's lines that name no host are in a site of key "": they belong to none
        self.crawler.signals.send_catch_log(page_rejected, url=url, reason=reason,
                                            evidence=evidence,
                                            site=(site.key or None) if site else None,
                                            source=source, redirected_from=redirected_from)

    def _reject_page(self, response: Response, reason: str, evidence: str, site: Site) -> None:
        """Reject an article page, reached through the redirects its response names."""
        self.reject(response.url, reason, evidence, site,
                    redirected_from=response.meta.get("redirect_urls", ()))

    def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        self._source_finished(request.meta)
        response = getattr(failure.value, "response", None)
        evidence = (f"HTTP {response.status}" if response is not None
                    else f"{failure.type.__name__}: {failure.getErrorMessage()}")
        reason: str = Reason.FETCH_FAILED
        if failure.check(AddressRefused):
            reason, evidence = Reason.ADDRESS_REFUSED, failure.value.evidence
            self.crawler.stats.inc_value(ADDRESS_REFUSED)
        elif isinstance(failure.value, GivenUp) or failure.check(CaptureUnreadable):
            reason, evidence = failure.value.reason, failure.value.evidence
        elif response is None and failure.check(IgnoreRequest):
            reason = (Reason.ROBOTS_DISALLOWED if "robots.txt" in evidence
                      else Reason.IGNORED)
        site = next((s for s in self.sites if s.key == request.meta.get("site")), None)
        if "source" in request.meta:
            self.sources.failed(_root(request), request.url,
                                f"{reason}: {evidence}")
        self.reject(request.url, reason, evidence, site, source="source" in request.meta,
                    redirected_from=request.meta.get("redirect_urls", ()))

    # -- per-source accounting -------------------------------------------------------------

    def _source_parsed(self, response: Response, found: int) -> None:
        self.sources.parsed(_root(response), found)

    def _source_failed(self, response: Response, reason: str, evidence: str,
                       site: Site) -> None:
        self.sources.failed(_root(response), response.url,
                            f"{reason}: {evidence}")
        self.reject(response.url, reason, evidence, site, source=True)

    def item_scraped(self, item: Any) -> None:
        self.sources.emitted(ItemAdapter(item)["url"])

