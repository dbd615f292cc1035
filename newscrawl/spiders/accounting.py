"""The ``news`` spider's accounting: every URL it gives up is rejected with a reason (the
``page_rejected`` signal: rejects file, remembered rejects) or counted as skipped."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from itemadapter import ItemAdapter
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from twisted.python.failure import Failure

from newscrawl.accounting import (
    ADDRESS_REFUSED,
    Reason,
    skipped,
)
from newscrawl.downloadermiddlewares.addressguard import AddressRefused
from newscrawl.downloadermiddlewares.retry_after import GivenUp
from newscrawl.downloadermiddlewares.warc import CaptureUnreadable
from newscrawl.registry import Site
from newscrawl.signals import page_rejected
from newscrawl.sources import SourceLedger
from newscrawl.spiders.sources import root_source


class RejectAccounting:
    """Mixed into ``NewsSpider``."""

    crawler: Crawler
    logger: Any
    sites: tuple[Site, ...]
    sources: SourceLedger
    _skipped: set[str]
    _source_finished: Callable[[dict[str, Any]], None]

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

    def _count_skip(self, url: str, reason: str) -> None:
        if url not in self._skipped:
            self._skipped.add(url)
            self.crawler.stats.inc_value(skipped(reason))

    def reject(
        self,
        url: str,
        reason: str,
        evidence: str,
        site: Site | None,
        *,
        source: bool = False,
        redirected_from: Sequence[str] = (),
    ) -> None:
        """Report ``url`` rejected. ``source``: a sitemap, feed or listing page (fetched on
        every run, so its reject is not remembered); ``redirected_from``: the URLs that
        redirected to ``url``, the first one as requested."""
        self.logger.warning("Rejected %s: %s (%s)", url, reason, evidence)
        # a URL list's lines that name no host are in a site of key "": they belong to none
        self.crawler.signals.send_catch_log(
            page_rejected,
            url=url,
            reason=reason,
            evidence=evidence,
            site=(site.key or None) if site else None,
            source=source,
            redirected_from=redirected_from,
        )

    def _reject_page(self, response: Response, reason: str, evidence: str, site: Site) -> None:
        """Reject an article page, reached through the redirects its response names."""
        self.reject(
            response.url,
            reason,
            evidence,
            site,
            redirected_from=response.meta.get("redirect_urls", ()),
        )

    def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        self._source_finished(request.meta)
        response = getattr(failure.value, "response", None)
        evidence = (
            f"HTTP {response.status}"
            if response is not None
            else f"{failure.type.__name__}: {failure.getErrorMessage()}"
        )
        reason: str = Reason.FETCH_FAILED
        if failure.check(AddressRefused):
            reason, evidence = Reason.ADDRESS_REFUSED, failure.value.evidence
            self.crawler.stats.inc_value(ADDRESS_REFUSED)
        elif isinstance(failure.value, GivenUp) or failure.check(CaptureUnreadable):
            reason, evidence = failure.value.reason, failure.value.evidence
        elif response is None and failure.check(IgnoreRequest):
            reason = Reason.ROBOTS_DISALLOWED if "robots.txt" in evidence else Reason.IGNORED
        site = next((s for s in self.sites if s.key == request.meta.get("site")), None)
        if "source" in request.meta:
            self.sources.failed(root_source(request), request.url, f"{reason}: {evidence}")
        self.reject(
            request.url,
            reason,
            evidence,
            site,
            source="source" in request.meta,
            redirected_from=request.meta.get("redirect_urls", ()),
        )

    def item_scraped(self, item: Any) -> None:
        self.sources.emitted(ItemAdapter(item)["url"])
