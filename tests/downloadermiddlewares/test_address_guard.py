"""The address guard: no connection to loopback, private, link-local (cloud metadata) or other
non-public addresses, whether a URL names the address or a host name resolves to it.

The crawls make host names resolve to such addresses with ``NEWSCRAWL_RESOLVE_OVERRIDES``; the
guard refuses them before any connection, so nothing leaves 127.0.0.1 (tests never name a
non-loopback address in a URL)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from conftest import CrawlRun, Server, crawl, emitted, sitemap_index, urlset
from scrapy.settings import Settings
from twisted.internet.error import DNSLookupError
from twisted.python.failure import Failure

from newscrawl.addresses import address_class, address_overrides, refused_class
from newscrawl.health import EXIT_UNHEALTHY
from newscrawl.resolver import GuardedResolver
from newscrawl.settings_check import SettingsError, check_settings

# the crawls run scrapy crawl as subprocesses; the unit tests stay in the fast layer
e2e = pytest.mark.e2e

OVERRIDES = {
    "news.test": "127.0.0.1",
    "intranet.news.test": "10.0.0.1",
    "metadata.news.test": "169.254.169.254",
    "v6.news.test": "fd00::1",
    "mapped.news.test": "::ffff:192.168.1.1",
}
GUARD = ("-s", f"NEWSCRAWL_RESOLVE_OVERRIDES={json.dumps(OVERRIDES)}")


# -- classification ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("8.8.8.8", None),
        ("2606:4700::1111", None),
        ("::ffff:8.8.8.8", None),
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("fd00::1", "private"),
        ("::ffff:10.0.0.1", "private"),
        ("2002:a00:1::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("100.64.0.1", "non-global"),
        ("192.0.2.1", "non-global"),
    ],
)
def test_address_class(address: str, kind: str | None) -> None:
    assert address_class(address) == kind


def test_allowing_loopback_lets_only_loopback_through() -> None:
    assert refused_class("127.0.0.1") == "loopback"
    assert refused_class("127.0.0.1", allow_loopback=True) is None
    assert refused_class("::1", allow_loopback=True) is None
    for address in ("10.0.0.1", "169.254.169.254", "0.0.0.0", "fd00::1"):
        assert refused_class(address, allow_loopback=True) == address_class(address)


def test_overrides_must_map_hosts_to_addresses() -> None:
    assert address_overrides({"News.Test": "10.0.0.1", "b.test": ["127.0.0.1", "::1"]}) == {
        "news.test": ("10.0.0.1",),
        "b.test": ("127.0.0.1", "::1"),
    }
    for value in ("b.test", ["127.0.0.1", "b.test"], []):
        with pytest.raises(ValueError, match=re.escape(f"'a.test' maps to {value!r}, not an IP")):
            address_overrides({"a.test": value})


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("NEWSCRAWL_RESOLVE_OVERRIDES", '{"a.test": "b.test"}', "'a.test' maps to 'b.test'"),
        ("NEWSCRAWL_RESOLVE_OVERRIDES", "a.test=10.0.0.1", "Expecting value"),
        ("NEWSCRAWL_ALLOW_LOOPBACK", "maybe", "NEWSCRAWL_ALLOW_LOOPBACK='maybe'"),
    ],
)
def test_bad_guard_settings_are_refused_before_the_crawl(
    name: str, value: str, message: str
) -> None:
    settings = Settings()
    settings.setmodule("newscrawl.settings")
    settings.set(name, value)
    with pytest.raises(SettingsError, match=re.escape(message)):
        check_settings(settings)


# -- the resolver, without a reactor: overrides and literals need no lookup ------------------------


def _resolve(resolver: GuardedResolver, host: str) -> str | Failure:
    results: list[str | Failure] = []
    resolver.getHostByName(host).addBoth(results.append)
    return results[0]


def _resolver(**settings: object) -> GuardedResolver:
    process = SimpleNamespace(settings=Settings(settings))  # what Scrapy passes: the process
    return GuardedResolver.from_crawler(process, reactor=None)  # type: ignore[arg-type]


def test_resolver_refuses_overridden_names_and_literals_without_dns() -> None:
    resolver = _resolver(NEWSCRAWL_RESOLVE_OVERRIDES=OVERRIDES)
    refused = _resolve(resolver, "Intranet.News.Test")
    assert isinstance(refused, Failure) and refused.check(DNSLookupError)
    assert resolver.refusals == {"intranet.news.test": "intranet.news.test: 10.0.0.1 private"}
    literal = _resolve(resolver, "169.254.169.254")
    assert isinstance(literal, Failure)
    assert resolver.refusals["169.254.169.254"] == "169.254.169.254 link-local"
    assert isinstance(_resolve(resolver, "news.test"), Failure)  # loopback not allowed


def test_resolver_checks_every_answer() -> None:
    resolver = _resolver(
        NEWSCRAWL_ALLOW_LOOPBACK=True,
        NEWSCRAWL_RESOLVE_OVERRIDES={"rebind.test": ["127.0.0.1", "10.0.0.1"]},
    )
    assert _resolve(resolver, "rebind.test") == "127.0.0.1"
    assert isinstance(_resolve(resolver, "rebind.test"), Failure)
    assert _resolve(resolver, "rebind.test") == "127.0.0.1"
    assert "rebind.test" not in resolver.refusals  # the last answer was allowed


# -- crawls ------------------------------------------------------------------------------------


def _on(host: str, url: str) -> str:
    """``url`` of the local server, on ``host`` (the port kept)."""
    return url.replace("//127.0.0.1:", f"//{host}:", 1)


def _refusals(run: CrawlRun) -> dict[str, str]:
    return {r["url"]: r["evidence"] for r in run.rejects_for("address-refused")}


@e2e
def test_entries_resolving_to_internal_addresses_are_refused(
    tmp_path: Path, server: Server
) -> None:
    good = [_on("news.test", server.article(i)) for i in range(2)]
    internal = {
        host: _on(host, server.article(10 + n))
        for n, host in enumerate(h for h in OVERRIDES if h != "news.test")
    }
    sitemap = _on(
        "news.test", server.serve("/sitemap.xml", urlset(good[0], *internal.values(), good[1]))
    )
    run = crawl(tmp_path, "-a", f"sitemap={sitemap}", *GUARD, timeout=90)
    assert run.returncode == 0, run.stderr[-3000:]
    assert _refusals(run) == {
        internal["intranet.news.test"]: "intranet.news.test: 10.0.0.1 private",
        internal["metadata.news.test"]: "metadata.news.test: 169.254.169.254 link-local",
        internal["v6.news.test"]: "v6.news.test: fd00::1 private",
        internal["mapped.news.test"]: "mapped.news.test: ::ffff:192.168.1.1 private",
    }
    assert len(run.rejects) == 4  # one reject each, no retry, no fetch-failed
    assert run.stats["newscrawl/address_refused"] == 4
    assert emitted(run) == set(good)
    assert sum(": address-refused (" in line for line in run.stderr.splitlines()) == 4
    assert "Traceback" not in run.stderr


@e2e
def test_loopback_is_refused_unless_allowed(tmp_path: Path, server: Server) -> None:
    sitemap = server.serve("/sitemap.xml", urlset(server.article(1)))
    v6 = f"http://[::1]:{urlsplit(server.base_url).port}/tin/bai-viet-v6-so-50001.html"
    urls = tmp_path / "urls.txt"
    urls.write_text(v6 + "\n", "utf-8")
    run = crawl(
        tmp_path / "out",
        "-a",
        f"sitemap={sitemap}",
        "-a",
        f"urls_file={urls}",
        "-s",
        "NEWSCRAWL_ALLOW_LOOPBACK=0",
        timeout=60,
    )
    assert run.returncode == EXIT_UNHEALTHY, run.stderr[-3000:]
    assert _refusals(run) == {sitemap: "127.0.0.1 loopback", v6: "::1 loopback"}
    assert run.report["problems"] == [
        f"sitemap {sitemap} failed: address-refused: 127.0.0.1 loopback",
        "nothing was fetched",
    ]
    assert run.stats["newscrawl/sources/pending"] == 0  # the refused sitemap is accounted
    assert not server.hits


@e2e
def test_redirects_to_internal_addresses_are_refused(tmp_path: Path, server: Server) -> None:
    good = _on("news.test", server.article(1))
    internal_article = _on("intranet.news.test", server.article(2))
    internal_sitemap = _on("metadata.news.test", server.serve("/inner.xml", urlset(good)))
    moved_article = _on(
        "news.test", server.redirect("/tin/bai-viet-chuyen-so-60001.html", internal_article)
    )
    moved_sitemap = _on("news.test", server.redirect("/moved.xml", internal_sitemap))
    sitemap = _on("news.test", server.serve("/sitemap.xml", urlset(good, moved_article)))
    index = _on("news.test", server.serve("/index.xml", sitemap_index(sitemap, moved_sitemap)))
    run = crawl(tmp_path, "-a", f"sitemap={index}", *GUARD, timeout=90)
    assert run.returncode == 0, run.stderr[-3000:]
    assert _refusals(run) == {
        internal_article: "intranet.news.test: 10.0.0.1 private",
        internal_sitemap: "metadata.news.test: 169.254.169.254 link-local",
    }
    assert run.stats["newscrawl/sources/pending"] == 0
    assert emitted(run) == {good}
    assert server.hits["/inner.xml"] == 0 and server.hits["/tin/bai-viet-so-2-10002.html"] == 0


@e2e
def test_through_a_proxy_the_target_host_is_checked(tmp_path: Path, server: Server) -> None:
    """The proxy (the local server, answering requests for absolute URLs) is the user's
    choice; the names of the targets, which only the proxy connects to, are checked."""
    good = _on("news.test", server.article(1))
    internal = _on("intranet.news.test", server.article(2))
    sitemap = _on("news.test", server.serve("/sitemap.xml", urlset(good, internal)))
    for path, page in list(server.pages.items()):  # as a proxy is asked for them
        for host in ("news.test", "intranet.news.test"):
            server.pages[_on(host, server.base_url + path)] = page
    run = crawl(
        tmp_path,
        "-a",
        f"sitemap={sitemap}",
        *GUARD,
        timeout=90,
        env={"http_proxy": server.base_url, "no_proxy": "", "NO_PROXY": ""},
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert _refusals(run) == {internal: "intranet.news.test: 10.0.0.1 private"}
    assert emitted(run) == {good}
    assert server.hits[good] == 1 and server.hits[internal] == 0


@e2e
def test_a_name_changing_address_is_checked_at_connect_time(tmp_path: Path, server: Server) -> None:
    """DNS rebinding: the name is local when looked up before the download, and unspecified
    (0.0.0.0: this machine, so nothing leaves it if the guard fails) when connected to."""
    good = _on("news.test", server.article(1))
    rebound = _on("rebind.news.test", server.article(2))
    sitemap = _on("news.test", server.serve("/sitemap.xml", urlset(good, rebound)))
    overrides = {"news.test": "127.0.0.1", "rebind.news.test": ["127.0.0.1", "0.0.0.0"]}
    run = crawl(
        tmp_path,
        "-a",
        f"sitemap={sitemap}",
        "-s",
        f"NEWSCRAWL_RESOLVE_OVERRIDES={json.dumps(overrides)}",
        timeout=90,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert _refusals(run) == {rebound: "rebind.news.test: 0.0.0.0 unspecified"}
    assert len(run.rejects) == 1  # not retried
    assert emitted(run) == {good}
    assert server.hits["/tin/bai-viet-so-2-10002.html"] == 0
