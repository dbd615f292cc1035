"""The site registry: one TOML table per site, loaded into typed ``Site`` records."""

from __future__ import annotations

import difflib
import re
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from newscrawl.accounting import Reason, Skip
from newscrawl.ccnews import ccnews_months
from newscrawl.dom import compile_xpaths
from newscrawl.warc import archive_files

# Used only when a site gives no article_allow: the last path segment of a news article is a long
# slug or carries a numeric id (VnExpress -4301234.html, Tuổi Trẻ -2021061612345.htm,
# VOV -post123.vov).
_ARTICLE_SHAPE = re.compile(r"(?:[^/]*-){3,}[^/]*$|[-_/](?:post)?\d{5,}(?:\.[a-z]{2,5})?$")
_NON_ARTICLE_PATHS = re.compile(
    r"/(?:tag|tags|chu-de|video|videos|truc-tiep|live|anh|photo|gallery|podcast|tim-kiem|search)"
    r"(?:/|$|-)"
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


class RegistryError(ValueError):
    """A registry file or a site name that cannot be used; the message is one line for the user."""


@dataclass(frozen=True)
class Site:
    key: str
    name: str
    domains: tuple[str, ...]
    language: str | None = None
    # applied to naive dates; None (ad-hoc sources, entries without one) leaves them naive
    timezone: str | None = None
    sitemaps: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    listings: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    article_allow: tuple[re.Pattern[str], ...] = ()
    article_deny: tuple[re.Pattern[str], ...] = ()
    footer_patterns: tuple[str, ...] = ()
    prune_xpath: tuple[str, ...] = ()  # elements removed before extraction (XPath 1.0)
    ad_hoc: bool = False  # made from a -a sitemap/feed/start_url/urls_file, not a registry

    def owns(self, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        return any(host == d or host.endswith("." + d) for d in self.domains)

    @cached_property
    def ports(self) -> frozenset[int]:
        """Ports other than the default that the site's own source URLs name."""
        sources = (*self.sitemaps, *self.feeds, *self.listings, *self.urls)
        return frozenset(port for url in sources if (port := _port(url)) is not None)

    def link_verdict(self, url: str) -> Reason | None:
        """None when a URL found in this site's sources may be fetched, else the reason not:
        ``url-malformed``, ``url-scheme`` (only http/https: a ``file://`` URL on the site's
        host would read the crawler's own disk) or ``url-offsite`` (another host, or a port
        the site's sources do not use)."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:  # a port out of range, a broken IPv6 literal
            return Reason.URL_MALFORMED
        scheme = parts.scheme.lower()
        if not scheme:
            return Reason.URL_MALFORMED
        if scheme not in _DEFAULT_PORTS:
            return Reason.URL_SCHEME
        if not parts.hostname:
            return Reason.URL_MALFORMED
        if not self.owns(url):
            return Reason.URL_OFFSITE
        return None if port in (None, _DEFAULT_PORTS[scheme], *self.ports) else Reason.URL_OFFSITE

    def article_verdict(self, url: str) -> Skip | None:
        """None when ``url`` looks like an article of this site, else the reason it does not."""
        if any(p.search(url) for p in self.article_deny):
            return Skip.URL_DENIED
        if self.article_allow:
            return None if any(p.search(url) for p in self.article_allow) else Skip.URL_NOT_ALLOWED
        path = urlsplit(url).path
        if _NON_ARTICLE_PATHS.search(path):
            return Skip.URL_NON_ARTICLE_SECTION
        return None if _ARTICLE_SHAPE.search(path) else Skip.URL_NOT_ARTICLE_SHAPED


def _compile_all(patterns: Iterable[str], key: str, site: str) -> tuple[re.Pattern[str], ...]:
    try:
        return tuple(re.compile(p) for p in patterns)
    except re.error as exc:
        raise RegistryError(f"site {site!r}: bad regex in {key}: {exc}") from exc


def _checked_patterns(patterns: Iterable[str], site: str) -> tuple[str, ...]:
    """The patterns as given (the cleaning compiles them), once they are known to compile."""
    checked = tuple(patterns)
    _compile_all(checked, "footer_patterns", site)
    return checked


def _checked_xpaths(expressions: Iterable[str], site: str) -> tuple[str, ...]:
    checked = tuple(expressions)
    try:
        compile_xpaths(checked)
    except ValueError as exc:
        raise RegistryError(f"site {site!r}: prune_xpath: {exc}") from exc
    return checked


def _check_urls(urls: Iterable[str], key: str, site: str) -> tuple[str, ...]:
    checked = tuple(urls)
    for url in checked:
        check_url(url, f"site {site!r} {key}")
    return checked


def check_url(url: str, what: str) -> str:
    try:
        parts = urlsplit(url)
        usable = parts.scheme in _DEFAULT_PORTS and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a port out of range, a broken IPv6 literal
        usable = False
    if not usable:
        raise RegistryError(f"{what}: not an http(s) URL: {url!r}")
    return url


def _port(url: str) -> int | None:
    """The port ``url`` names explicitly (None when it names none or cannot be parsed)."""
    try:
        return urlsplit(url).port
    except ValueError:
        return None


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _check_timezone(name: str | None, site: str) -> str | None:
    if name is None:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RegistryError(f"site {site!r}: unknown timezone {name!r}") from exc
    return name


_LIST_KEYS = (
    "domains",
    "sitemaps",
    "feeds",
    "listings",
    "urls",
    "article_allow",
    "article_deny",
    "footer_patterns",
    "prune_xpath",
)
_TEXT_KEYS = ("name", "language", "timezone")


def _checked_table(key: str, table: Any) -> Mapping[str, Any]:
    """The table once its keys are known and its values of the right type: a misspelt key
    (``sitemap =``) or a string where a list is wanted would otherwise crawl nothing, silently."""
    if not isinstance(table, Mapping):
        raise RegistryError(f"site {key!r}: expected a table [{key}], got {table!r}")
    for name, value in table.items():
        if name in _LIST_KEYS:
            if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                raise RegistryError(
                    f"site {key!r}: {name} must be a list of strings, got {value!r}"
                )
        elif name in _TEXT_KEYS:
            if not isinstance(value, str):
                raise RegistryError(f"site {key!r}: {name} must be a string, got {value!r}")
        else:
            close = difflib.get_close_matches(name, (*_LIST_KEYS, *_TEXT_KEYS), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise RegistryError(f"site {key!r}: unknown key {name!r}{hint}")
    return table


def site_from_table(key: str, table: Any) -> Site:
    table = _checked_table(key, table)
    domains = tuple(str(d).lower() for d in table.get("domains", ()))
    if not domains:
        raise RegistryError(f"site {key!r}: 'domains' is required")
    return Site(
        key=key,
        name=str(table.get("name", key)),
        domains=domains,
        language=table.get("language"),
        timezone=_check_timezone(table.get("timezone"), key),
        sitemaps=_check_urls(table.get("sitemaps", ()), "sitemaps", key),
        feeds=_check_urls(table.get("feeds", ()), "feeds", key),
        listings=_check_urls(table.get("listings", ()), "listings", key),
        urls=_check_urls(table.get("urls", ()), "urls", key),
        article_allow=_compile_all(table.get("article_allow", ()), "article_allow", key),
        article_deny=_compile_all(table.get("article_deny", ()), "article_deny", key),
        footer_patterns=_checked_patterns(table.get("footer_patterns", ()), key),
        prune_xpath=_checked_xpaths(table.get("prune_xpath", ()), key),
    )


def parse_registry(text: str, origin: str) -> dict[str, Site]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{origin}: not valid TOML: {exc}") from exc
    return {key: site_from_table(key, table) for key, table in data.items()}


def load_registry(path: str | Path | None = None) -> dict[str, Site]:
    """The bundled registry, or the file at ``path`` when given."""
    if path is None:
        text = resources.files("newscrawl").joinpath("sites.toml").read_text("utf-8")
        return parse_registry(text, "bundled sites.toml")
    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RegistryError(f"cannot read sites file {str(path)!r}: {exc}") from exc
    return parse_registry(text, str(path))


def ad_hoc_site(url: str, *, language: str | None = None) -> Site:
    """A registry-less site for ``-a sitemap=``/``feed=``/``start_url=``/``urls_file=``. A
    ``urls_file`` line that names no host gives a site of key "" and no domains: the spider
    rejects its URLs."""
    host = _host(url)
    return Site(
        key=host, name=host, domains=(host,) if host else (), language=language, ad_hoc=True
    )


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _read_url_list(path: str) -> tuple[str, ...]:
    try:
        lines = Path(path).read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise RegistryError(f"cannot read urls_file {path!r}: {exc}") from exc
    # Not checked here: a bad line is one reject of the run (see NewsSpider), not a failed run.
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _merge(sites: list[Site]) -> tuple[Site, ...]:
    """One site per key, with the sources of all the ad-hoc arguments that name it."""
    merged: dict[str, Site] = {}
    for site in sites:
        if (known := merged.get(site.key)) is None:
            merged[site.key] = site
            continue
        merged[site.key] = replace(
            known,
            sitemaps=known.sitemaps + site.sitemaps,
            feeds=known.feeds + site.feeds,
            listings=known.listings + site.listings,
            urls=known.urls + site.urls,
        )
    return tuple(merged.values())


def sites_from_arguments(
    *,
    site: str | None = None,
    sites_file: str | None = None,
    sitemap: str | None = None,
    feed: str | None = None,
    start_url: str | None = None,
    urls_file: str | None = None,
    warc: str | None = None,
    ccnews: str | None = None,
) -> tuple[Site, ...]:
    """The sites a ``scrapy crawl news -a ...`` run covers; ``RegistryError`` on a bad argument.
    With ``warc`` or ``ccnews`` (archives to read) and no other source, none: every host of the
    archives is a site of its own."""
    chosen: list[Site] = []
    if site or sites_file:
        registry = load_registry(sites_file)
        keys = _split(site) or list(registry)
        unknown = [key for key in keys if key not in registry]
        if unknown:
            raise RegistryError(
                f"unknown site(s) {', '.join(unknown)}; known: {', '.join(sorted(registry))}"
            )
        chosen.extend(registry[key] for key in keys)
    for key, value in (("sitemaps", sitemap), ("feeds", feed), ("listings", start_url)):
        for url in _split(value):
            source: dict[str, Any] = {key: (url,)}
            chosen.append(replace(ad_hoc_site(check_url(url, key)), **source))
    if urls_file:
        by_host: dict[str, list[str]] = defaultdict(list)  # one site a host, built once
        for url in _read_url_list(urls_file):
            by_host[_host(url)].append(url)
        chosen.extend(replace(ad_hoc_site(urls[0]), urls=tuple(urls)) for urls in by_host.values())
    try:
        if warc is not None:
            archive_files(warc)
        if ccnews is not None:
            ccnews_months(ccnews)
    except ValueError as exc:
        raise RegistryError(str(exc)) from exc
    if not chosen and warc is None and ccnews is None:
        raise RegistryError(
            "nothing to crawl: give -a site=NAME, sites_file=, sitemap=, feed=, "
            "start_url=, urls_file=, warc= or ccnews="
        )
    return _merge(chosen)


def parse_since(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise RegistryError(f"since must be YYYY-MM-DD, got {value!r}") from exc
