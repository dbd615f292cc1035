"""The address guard's resolver: no connection to an address off the public internet
(loopback, private, link-local such as 169.254.169.254, ...; see ``newscrawl.addresses``).

``GuardedResolver`` (Scrapy's ``TWISTED_DNS_RESOLVER``) answers every name the HTTP/1.1 and
HTTP/2 download handlers connect to, IP literals included (Twisted's ``HostnameEndpoint`` hands
them to the resolver too), and fails the lookup of a refused address: the address checked is
the one connected to, so an internal name resolving to a private address is refused like a
private IP literal, and a DNS answer that changes between two lookups (DNS rebinding) is
checked again. ``newscrawl.downloadermiddlewares.addressguard`` turns its refusals into
rejected requests."""

from __future__ import annotations

import logging
from itertools import cycle
from typing import TYPE_CHECKING, Any, Self

from scrapy.crawler import Crawler
from scrapy.resolver import CachingThreadedResolver
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
        resolver.overrides = {
            host: cycle(addresses)
            for host, addresses in address_overrides(
                crawler.settings.getdict("NEWSCRAWL_RESOLVE_OVERRIDES")
            ).items()
        }
        return resolver

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
        host = name.lower()
        if host in self.trusted:
            return super().getHostByName(name, timeout)
        address = (
            next(self.overrides[host])
            if host in self.overrides
            else host
            if is_ip_literal(host)
            else None
        )
        # an address needs no lookup (the threaded resolver would fail an IPv6 one)
        resolved = (
            defer.succeed(address) if address is not None else super().getHostByName(name, timeout)
        )
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
