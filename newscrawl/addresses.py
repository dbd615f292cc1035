"""Which IP addresses a crawler may connect to: only addresses of the public internet. A
sitemap entry, a redirect or a DNS answer that leads to the crawler's own machine, its network
or a cloud metadata service (169.254.169.254) must not be fetched."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from ipaddress import IPv4Address, IPv6Address, ip_address, ip_network

# RFC 1918 and unique local IPv6 (fc00::/7). ``is_private`` alone would also call documentation
# and benchmarking ranges private, which says less about why an address is refused.
_PRIVATE = tuple(
    ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)


def is_ip_literal(host: str) -> bool:
    try:
        ip_address(host)
    except ValueError:
        return False
    return True


def _effective(address: IPv4Address | IPv6Address) -> IPv4Address | IPv6Address:
    """The IPv4 address an IPv6 address carries (IPv4-mapped ::ffff:a.b.c.d, 6to4 2002::/16):
    what the connection reaches through the host's or the network's translation."""
    if isinstance(address, IPv6Address):
        return address.ipv4_mapped or address.sixtofour or address
    return address


# A crawl asks of the same few addresses for every request; ipaddress's range checks cost
# ~0.4 ms of the crawl process's CPU a page.
@lru_cache(maxsize=4096)
def address_class(text: str) -> str | None:
    """None when ``text`` (an IPv4 or IPv6 address) is a public internet address, else its
    class: ``unspecified``, ``loopback``, ``link-local``, ``multicast``, ``private``,
    ``reserved`` or ``non-global`` (shared 100.64/10, documentation, benchmarking and the
    other special ranges). ``ValueError`` if ``text`` is not an address."""
    address = _effective(ip_address(text.split("%", 1)[0]))  # an IPv6 zone names no address
    if address.is_unspecified:  # 0.0.0.0 and :: reach the local machine on Linux
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if any(address in network for network in _PRIVATE):
        return "private"
    if address.is_reserved:
        return "reserved"
    return None if address.is_global else "non-global"


def refused_class(text: str, *, allow_loopback: bool = False) -> str | None:
    """The class of ``text`` when a connection to it is refused, else None (loopback allowed
    only with ``allow_loopback``: tests and the demo serve on 127.0.0.1)."""
    kind = address_class(text)
    return None if kind == "loopback" and allow_loopback else kind


def address_overrides(pairs: Mapping[str, object]) -> dict[str, tuple[str, ...]]:
    """``NEWSCRAWL_RESOLVE_OVERRIDES`` as host (lower case) -> its addresses: one, or a list
    answered in turn (a name that changes address, as in DNS rebinding). ``ValueError`` naming
    a value that is not an IP address."""
    overrides = {}
    for host, value in pairs.items():
        addresses = tuple(str(a) for a in value) if isinstance(value, list) else (str(value),)
        if not addresses or not all(map(is_ip_literal, addresses)):
            raise ValueError(
                f"setting NEWSCRAWL_RESOLVE_OVERRIDES: {host!r} maps to "
                f"{value!r}, not an IP address or a list of them"
            )
        overrides[host.lower()] = addresses
    return overrides
