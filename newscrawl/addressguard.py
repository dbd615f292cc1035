"""The address guard: no connection to an address off the public internet (loopback, private,
link-local such as 169.254.169.254, ...; see ``newscrawl.addresses``).

``GuardedResolver`` (Scrapy's ``TWISTED_DNS_RESOLVER``) answers every name the HTTP/1.1 and
HTTP/2 download handlers connect to, IP literals included (Twisted's ``HostnameEndpoint`` hands
them to the resolver too), and fails the lookup of a refused address: the address checked is
the one connected to, so an internal name resolving to a private address is refused like a
private IP literal, and a DNS answer that changes between two lookups (DNS rebinding) is
checked again.

``AddressGuardMiddleware`` looks each request's host up through that resolver before the
download and turns a refusal into ``AddressRefused`` (an ``IgnoreRequest``: not retried)
carrying the host, the address and its class; it does the same for a refusal at connect time,
which Twisted reports as a name without addresses. Looking up first also covers the two cases
the connect-time check alone does not: a request through a proxy (the resolver sees only the
proxy's host) and Scrapy's HTTP/2 handler, which never reports a failed connection (the request
would wait for its download timeout)."""

from __future__ import annotations

import logging
from itertools import cycle
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import defer
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IResolverSimple
from zope.interface import implementer

from newscrawl.addresses import address_overrides, is_ip_literal, refused_class

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from twisted.internet.base import ReactorBase
    from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)


class RefusedLookup(DNSLookupError):
    """The resolver's answer for a host whose address is refused."""

    def __init__(self, evidence: str) -> None:
        super().__init__(f"address refused: {evidence}")
        self.evidence = evidence


class AddressRefused(IgnoreRequest):
    """A request whose host resolves to a refused address; ``evidence``: host, address, class."""

    def __init__(self, evidence: str) -> None:
        super().__init__(f"address refused: {evidence}")
        self.evidence = evidence


@implementer(IResolverSimple)
class GuardedResolver(CachingThreadedResolver):
    """Scrapy's default resolver, failing the lookup of a host whose address is refused.

    ``NEWSCRAWL_RESOLVE_OVERRIDES`` (host -> address, or addresses in turn) answers before DNS:
    tests make a name resolve to a private address that the guard must refuse, without any
    connection."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.allow_loopback = False
        self.overrides: dict[str, Iterator[str]] = {}
        self.refusals: dict[str, str] = {}  # host -> evidence of its last lookup, if refused
        self.trusted: set[str] = set()  # proxies: the user's own choice of address

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: ReactorBase) -> Self:
        # ``crawler`` is the CrawlerProcess: one resolver for the process, its settings only
        resolver = super().from_crawler(crawler, reactor)
        resolver.allow_loopback = crawler.settings.getbool("NEWSCRAWL_ALLOW_LOOPBACK")
        resolver.overrides = {host: cycle(addresses) for host, addresses in address_overrides(
            crawler.settings.getdict("NEWSCRAWL_RESOLVE_OVERRIDES")).items()}
        return resolver

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
        host = name.lower()
        if host in self.trusted:
            return super().getHostByName(name, timeout)
        address = (next(self.overrides[host]) if host in self.overrides
                   else host if is_ip_literal(host) else None)
        # an address needs no lookup (the threaded resolver would fail an IPv6 one)
        resolved = (defer.succeed(address) if address is not None
                    else super().getHostByName(name, timeout))
        return resolved.addCallback(self._checked, host)

    def _checked(self, address: str, host: str) -> str:
        if (kind := refused_class(address, allow_loopback=self.allow_loopback)) is None:
            self.refusals.pop(host, None)
            return address
        evidence = f"{address} {kind}" if host == address else f"{host}: {address} {kind}"
        # kept for the middleware: Twisted's endpoint drops the error (a DNSLookupError, so
        # quietly), and reports a name without addresses
        self.refusals[host] = evidence
        raise RefusedLookup(evidence)


def installed_guard() -> GuardedResolver | None:
    """The process's guarded resolver; None if ``TWISTED_DNS_RESOLVER`` names another."""
    from twisted.internet import reactor

    resolver = getattr(reactor, "resolver", None)
    return resolver if isinstance(resolver, GuardedResolver) else None


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
            logger.warning("Address guard off: TWISTED_DNS_RESOLVER is not %s.%s",
                           GuardedResolver.__module__, GuardedResolver.__name__)
        return guard

    def process_exception(self, request: Request, exception: Exception) -> None:
        guard = installed_guard()
        host = (urlparse_cached(request).hostname or "").lower()
        if (isinstance(exception, CannotResolveHostError) and guard is not None
                and (evidence := guard.refusals.get(host))):
            raise AddressRefused(evidence) from exception
