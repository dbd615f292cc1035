"""The address guard's downloader middleware.

``AddressGuardMiddleware`` looks each request's host up through the guarded resolver
(``newscrawl.resolver``) before the download and turns a refusal into ``AddressRefused`` (an
``IgnoreRequest``: not retried) carrying the host, the address and its class; it does the same
for a refusal at connect time, which Twisted reports as a name without addresses. Looking up
first also covers the two cases the connect-time check alone does not: a request through a
proxy (the resolver sees only the proxy's host) and Scrapy's HTTP/2 handler, which never
reports a failed connection (the request would wait for its download timeout)."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.error import DNSLookupError

from newscrawl.resolver import GuardedResolver, RefusedLookup, installed_guard

logger = logging.getLogger(__name__)


class AddressRefused(IgnoreRequest):
    """A request whose host resolves to a refused address; ``evidence``: host, address, class."""

    def __init__(self, evidence: str) -> None:
        super().__init__(f"address refused: {evidence}")
        self.evidence = evidence


class AddressGuardMiddleware:
    """Downloader middleware after ``HttpProxyMiddleware`` (which sets ``meta["proxy"]``), so
    before ``RetryMiddleware`` in the exception chain (a refusal is final)."""

    def __init__(self) -> None:
        self._warned = False

    async def process_request(self, request: Request) -> None:
        """Through a proxy the proxy is trusted (it is the user's configuration) and the target
        is only looked up here: the proxy resolves it again itself, so DNS rebinding through
        a proxy is the proxy's to stop."""
        guard = self._guard()
        host = (urlparse_cached(request).hostname or "").lower()
        if guard is None or not host:
            return
        if proxy := request.meta.get("proxy"):
            guard.trusted.add((urlsplit(proxy).hostname or "").lower())
        try:
            await maybe_deferred_to_future(guard.getHostByName(host))
        except RefusedLookup as refused:
            raise AddressRefused(refused.evidence) from None
        except DNSLookupError as exc:
            if not proxy:  # failed here, it would fail again in the download handler
                raise CannotResolveHostError(str(exc)) from exc

    def _guard(self) -> GuardedResolver | None:
        guard = installed_guard()
        if guard is None and not self._warned:
            # known only once the crawl runs: the resolver is installed when the reactor starts
            self._warned = True
            logger.warning(
                "Address guard off: TWISTED_DNS_RESOLVER is not %s.%s",
                GuardedResolver.__module__,
                GuardedResolver.__name__,
            )
        return guard

    def process_exception(self, request: Request, exception: Exception) -> None:
        guard = installed_guard()
        host = (urlparse_cached(request).hostname or "").lower()
        if (
            isinstance(exception, CannotResolveHostError)
            and guard is not None
            and (evidence := guard.refusals.get(host))
        ):
            raise AddressRefused(evidence) from exception
