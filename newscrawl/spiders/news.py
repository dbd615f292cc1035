"""The ``news`` spider: sitemaps, Google News sitemaps, feeds, listing pages and URL lists."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator, MutableMapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, Self
from weakref import WeakValueDictionary

from courlan import normalize_url
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse, Response
from scrapy.linkextractors import LinkExtractor
from scrapy.settings import BaseSettings
from scrapy.spiders import SitemapSpider
from twisted.python.failure import Failure

from newscrawl.accounting import (
    DECODED,
    FOUND_AGAIN,
    Reason,
    Skip,
    skipped,
)
from newscrawl.dates import to_moment
from newscrawl.distributed.mode import is_distributed
from newscrawl.encoding import HTML_TYPES, UndecodableError, decode_html
from newscrawl.extensions.state import IncrementalState
from newscrawl.items import Page
from newscrawl.output import default_feed_uri, feed_options
from newscrawl.registry import RegistryError, Site, parse_since, sites_from_arguments
from newscrawl.sources import SourceLedger
from newscrawl.spiders.accounting import RejectAccounting
from newscrawl.spiders.archives import ArchiveSources
from newscrawl.spiders.sources import SourceCallbacks, requested_article_verdict, root_source
from newscrawl.state import StateStore
from newscrawl.state.policy import should_refetch


def _entry_date(entry: dict[str, Any]) -> date | None:
    """The entry's publication (else modification) date: ISO 8601 of sitemaps, RFC 822 of
    RSS 2.0 feeds."""
    moment = to_moment(entry.get("published") or entry.get("lastmod"), None)
    return moment.date() if moment else None


_SOURCE_ARGUMENTS = (
    "site",
    "sites_file",
    "sitemap",
    "feed",
    "start_url",
    "urls_file",
    "warc",
    "ccnews",
)


class _Hints(dict[str, str]):
    """What the sitemaps and feeds said of one URL (a dict that can be weakly referenced)."""


class NewsSpider(SourceCallbacks, RejectAccounting, ArchiveSources, SitemapSpider):
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
        # The hints of each article URL whose request is pending: a URL found again (in the
        # feed after the news sitemap) adds what it lacks, e.g. lastmod, whichever source was
        # parsed first. Held here, not only by the request's meta: a request queued on disk
        # (newscrawl.scheduler) comes back with a copy of them. Entries go when the request is
        # done (parsed, failed, dropped).
        self._pending_hints: MutableMapping[str, _Hints] = {}
        # Tokens of the source requests (sitemaps, feeds, listings) not parsed yet. A retry or
        # redirect copies the token with the meta, so each source finishes once: parsed, failed
        # or dropped as a duplicate. Random, so that a distributed worker parsing a source that
        # `scrapy seed` queued never finishes one of its own.
        self._pending_sources: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        if is_distributed(crawler.settings):
            # A request goes to Redis at once, for any worker to fetch: its hints are held
            # only as long as the request object lives here, never to be popped.
            spider._pending_hints = WeakValueDictionary()
        crawler.signals.connect(spider.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(spider.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(spider.refuse_redirect, signal=signals.request_scheduled)
        return spider

    @staticmethod
    def check_arguments(
        since: str | None = None, **sources: str | None
    ) -> tuple[tuple[Site, ...], date | None]:
        """The sites and ``since`` date of ``-a`` arguments; ``RegistryError`` if one is bad.
        Scrapyd's ``_job`` (and its other ``_`` arguments) are accepted and ignored."""
        unknown = sorted(k for k in sources if k not in _SOURCE_ARGUMENTS and not k.startswith("_"))
        if unknown:
            raise RegistryError(
                f"unknown argument(s) {', '.join(unknown)}; known: since, "
                f"{', '.join(_SOURCE_ARGUMENTS)}"
            )
        chosen = {key: value for key, value in sources.items() if key in _SOURCE_ARGUMENTS}
        return sites_from_arguments(**chosen), parse_since(since)

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        if not settings.getdict("FEEDS") and not settings.getbool("NEWSCRAWL_REDIS_SEED_ONLY"):
            # neither -o/-O nor a FEEDS setting: one file a run
            settings.set(
                "FEEDS",
                {default_feed_uri(settings, cls.name): feed_options(settings)},
                priority="spider",
            )

    # -- sources ---------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        state = self.crawler.get_extension(IncrementalState)
        self.emitted = state.store if state else None
        self.refetch_window = timedelta(
            days=self.settings.getfloat("NEWSCRAWL_REFETCH_WINDOW_DAYS")
        )
        if is_distributed(self.settings) and not self.settings.getbool("NEWSCRAWL_REDIS_SEED_ONLY"):
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
                    request := self._article_request(url, site, {})
                ):
                    yield request

    def site_of(self, response: Response) -> Site:
        key = response.meta.get("site")
        return (
            next((s for s in self.sites if s.key == key), None)
            or self._archived_sites.get(str(key))
            or next(s for s in self.sites if s.owns(response.url))
        )

    # -- articles --------------------------------------------------------------------------

    def _article_requests(
        self, entries: Iterable[dict[str, Any]], site: Site, found_in: Response
    ) -> Iterator[Request]:
        root = root_source(found_in)
        for entry in entries:
            url = entry["loc"]
            if not self._admitted(url, site, found_in.url):
                continue
            if (verdict := requested_article_verdict(site, url)) is not None:
                self._count_skip(url, verdict)
                continue
            self.sources.taken(root)  # an article, known or too old included
            if self.since and (when := _entry_date(entry)) and when < self.since:
                self._count_skip(url, Skip.OLDER_THAN_SINCE)
            else:
                hints = {k: entry[k] for k in ("published", "lastmod", "title") if entry.get(k)}
                if request := self._article_request(url, site, hints, found_in):
                    yield request

    def _article_request(
        self, url: str, site: Site, hints: dict[str, str], found_in: Response | None = None
    ) -> Request | None:
        try:
            # Without tracking parameters and fragments the same article has one URL whichever
            # feed, sitemap or listing links to it, so the duplicate filter sees it once.
            url = normalize_url(url, strict=True)
        except ValueError as exc:
            self.reject(url, Reason.URL_MALFORMED, str(exc), site)
            return None
        if found_in is not None:
            self.sources.requested(root_source(found_in), url)
        if (pending := self._pending_hints.get(url)) is not None:
            for key, value in hints.items():
                pending.setdefault(key, value)
            self.crawler.stats.inc_value(FOUND_AGAIN)
            return None
        update = False
        if self.emitted is not None and (emitted := self.emitted.lookup(url)) is not None:
            if not should_refetch(
                emitted, hints.get("lastmod"), datetime.now(UTC), self.refetch_window, site.timezone
            ):
                self.crawler.stats.inc_value(skipped(Skip.ALREADY_EMITTED))
                return None
            update = True
        elif self._rejected_before(url):
            self.crawler.stats.inc_value(skipped(Skip.REJECTED_BEFORE))
            return None
        self._pending_hints[url] = pending = _Hints(hints)
        return Request(
            url,
            self.parse_article,
            errback=self.on_error,
            meta={"site": site.key, "article": url, "hints": pending, "update": update},
        )

    def _article_done(self, meta: dict[str, Any]) -> _Hints:
        """An article request is done: its URL is no longer pending. Its hints, every
        source's."""
        pending = self._pending_hints.pop(meta.get("article", ""), None)
        return pending if pending is not None else meta.get("hints") or _Hints()

    def request_dropped(self, request: Request) -> None:
        super().request_dropped(request)
        self._article_done(request.meta)

    def on_error(self, failure: Failure) -> None:
        self._article_done(failure.request.meta)  # type: ignore[attr-defined]
        super().on_error(failure)

    def _rejected_before(self, url: str) -> bool:
        """Whether an earlier run rejected ``url`` and its reject is still in force."""
        rejection = self.emitted.rejection(url) if self.emitted is not None else None
        if rejection is None or not rejection.in_force(datetime.now(UTC)):
            return False
        self.logger.debug(
            "Skipped %s: rejected before as %s (%s), fetched again after %s",
            url,
            rejection.reason,
            rejection.evidence,
            rejection.retry_after or "never",
        )
        return True

    # A list, not a generator: Scrapy reads the source of a generator callback on every response
    # to warn of a `return value` in it (ast.parse, ~0.5 ms a page; its cache is keyed by the
    # bound method, a new one on every request).
    def parse_article(self, response: Response) -> list[Page]:
        hints = self._article_done(response.meta)
        site = self.site_of(response)
        content_type = response.headers.get(b"Content-Type") or b""
        if not response.body.strip():
            self._reject_page(response, Reason.EMPTY_PAGE, f"HTTP {response.status}, no body", site)
            return []
        is_html = (
            content_type.lower().startswith(HTML_TYPES)
            if content_type
            else isinstance(response, HtmlResponse)
        )
        if not is_html:
            self._reject_page(
                response, Reason.NOT_HTML, content_type.decode("latin-1") or "?", site
            )
            return []
        try:
            decoded = decode_html(response.body, content_type.decode("latin-1") or None)
        except UndecodableError as exc:
            self._reject_page(response, Reason.UNDECODABLE, str(exc), site)
            return []
        self.crawler.stats.inc_value(f"{DECODED}{decoded.source}")
        page = Page(
            url=response.url,
            html=decoded.text,
            site=site.key,
            encoding=decoded.encoding,
            language=site.language,
            timezone=site.timezone,
            prune_xpath=site.prune_xpath,
            footer_patterns=site.footer_patterns,
            hints=dict(hints),
            downloaded=response.meta.get("fetched")
            or datetime.now(UTC).isoformat(timespec="seconds"),
            update=response.meta.get("update", False),
        )
        return [page]
