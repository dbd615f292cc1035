"""The pure side of ``scrapy addsite``/``scrapy checksite``: URL rules, the TOML entry, page
verdicts, and whole probes run on a fake ``Fetch`` (no Scrapy, no network)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable
from pathlib import Path

import pytest
from conftest import article_page, rss, sitemap_index, urlset

from newscrawl.cleaning.chain import CleaningOptions
from newscrawl.onboarding import (
    Proposal,
    document_kind,
    onboard,
    propose_rules,
    site_key,
    site_name,
    toml_string,
)
from newscrawl.probing import EMITTED, Fetched, check_site, judge_page
from newscrawl.registry import RegistryError, Site, parse_registry
from newscrawl.sitesfile import append_entry, read_sites_file

BASE = "http://news.example"
HTML = "text/html; charset=utf-8"


class FakeSite:
    """A ``Fetch`` answering from a dict; anything else is a 404, as a crawl would see it."""

    def __init__(self, pages: dict[str, tuple[str, str]]) -> None:
        self.pages = pages  # path -> (content type, body)
        self.fetched: list[str] = []

    def __call__(self, url: str, *, source: bool = False) -> Awaitable[Fetched]:
        return self._fetch(url)

    async def _fetch(self, url: str) -> Fetched:
        self.fetched.append(url)
        path = url.removeprefix(BASE)
        if path not in self.pages:
            return Fetched(url, 404, "text/html", error="fetch-failed: HTTP 404")
        content_type, body = self.pages[path]
        return Fetched(url, 200, content_type, body.encode("utf-8"))


def _articles(*indexes: int) -> dict[str, tuple[str, str]]:
    return {path: (HTML, html) for path, html in (article_page(i, BASE) for i in indexes)}


def _home(*links: str, feed: str | None = None) -> str:
    alternate = f'<link rel="alternate" type="application/rss+xml" href="{feed}">' if feed else ""
    anchors = "".join(f'<a href="{link}">{link}</a>' for link in links)
    return (
        f'<html lang="vi"><head><meta property="og:site_name" content="Tin Thử">'
        f"{alternate}</head><body>{anchors}</body></html>"
    )


def _rules(*paths: str, seen: tuple[str, ...] = ()) -> tuple[str, ...]:
    return propose_rules([BASE + p for p in paths], [BASE + p for p in seen]).allow


@pytest.mark.parametrize(
    ("paths", "allow", "article", "not_article"),
    [
        (
            (
                "/thoi-su/mot-hai-ba-4301234.html",
                "/the-gioi/bon-nam-sau-4309876.html",
                "/kinh-te/bay-tam-4312345.html",
            ),
            r"-\d{7,}\.html$",
            "/the-thao/moi-nhat-43012345.html",
            "/thoi-su",
        ),
        (
            ("/a/tin-mot-post123456.vov", "/b/tin-hai-post654321.vov", "/c/ba-post111111.vov"),
            r"-post\d{6,}\.vov$",
            "/d/bon-post7654321.vov",
            "/d/post-moi.vov",
        ),
        (
            ("/gen/1.html", "/gen/12.html", "/gen/345.html"),
            r"/gen/\d+\.html$",
            "/gen/6789.html",
            "/gen/about.html",
        ),
        (
            ("/2024/06/first-story/", "/2024/07/second-story/", "/2023/12/third-story/"),
            r"/(?:19|20)\d\d/[01]\d/",
            "/2025/01/new-story/",
            "/category/world/",
        ),
        (
            ("/bai-viet/mot-hai-ba", "/bai-viet/bon-nam-sau", "/bai-viet/bay-tam-chin"),
            r"/bai-viet/[^/]+",
            "/bai-viet/muoi",
            "/chuyen-muc/the-thao",
        ),
    ],
)
def test_article_rules_generalise_the_shape_of_listed_urls(
    paths: tuple[str, ...], allow: str, article: str, not_article: str
) -> None:
    proposed = _rules(*paths)
    assert proposed == (allow,)
    assert re.search(allow, BASE + article)
    assert not re.search(allow, BASE + not_article)


def test_two_article_shapes_of_one_site_are_both_allowed() -> None:
    paths = [f"/tin/bai-so-{i}-{4300000 + i}.html" for i in range(8)] + [
        f"/gen/{i}.html" for i in range(4)
    ]
    assert set(_rules(*paths)) == {r"-\d{7,}\.html$", r"/gen/\d+\.html$"}


def test_a_stray_url_is_no_shape_of_its_own() -> None:
    paths = [f"/tin/bai-so-{i}-{4300000 + i}.html" for i in range(20)] + ["/lien-he-12.htm"]
    rules = propose_rules([BASE + p for p in paths])
    assert rules.allow == (r"-\d{7,}\.html$",)
    assert (rules.covered, rules.total) == (20, 21)


def test_sections_never_articles_are_denied_from_what_the_site_links() -> None:
    rules = propose_rules(
        [BASE + "/video/clip-4300001.html", BASE + "/a/b-4300002.html"],
        [BASE + "/tag/bong-da", BASE + "/anh", BASE + "/thoi-su"],
    )
    assert rules.deny == ("/anh/", "/tag/", "/video/")


def test_no_shape_is_proposed_from_no_url() -> None:
    assert propose_rules([]).allow == ()


def test_the_entry_loads_with_the_registry_loader_as_printed() -> None:
    proposal = Proposal(
        key="tin-thu",
        name='Tin "Thử"\\',
        domains=["news.example"],
        language="vi",
        sitemaps=[BASE + "/sitemap.xml"],
        offsets=["+07:00", ""],
    )
    proposal.rules = propose_rules(
        [BASE + f"/a/b-{4300000 + i}.html" for i in range(3)], [BASE + "/video/x"]
    )
    text = proposal.toml()
    site = parse_registry(text, "test")["tin-thu"]
    assert site.name == 'Tin "Thử"\\'
    assert [p.pattern for p in site.article_allow] == [r"-\d{7,}\.html$"]
    assert [p.pattern for p in site.article_deny] == ["/video/"]
    assert "+07:00" in text and "1 sampled date(s) without an offset" in text
    assert proposal.site() == site


def test_strings_and_keys() -> None:
    assert toml_string(r"-\d+\.html$", literal=True) == r"'-\d+\.html$'"
    assert toml_string("it's", literal=True) == '"it\'s"'
    assert toml_string("a\tb") == '"a\\u0009b"'
    assert site_key("https://www.tinnhanh.vn/") == "tinnhanh"
    assert site_key("http://127.0.0.1:8000/") == "127-0-0-1"


def test_document_kinds() -> None:
    assert document_kind(urlset(BASE + "/a").encode()) == "sitemap"
    assert document_kind(sitemap_index(BASE + "/s.xml").encode()) == "sitemap"
    assert document_kind(rss(BASE + "/a").encode()) == "feed"
    assert document_kind(b"<!DOCTYPE html><html><body>Not found</body></html>") is None
    assert document_kind(b"User-agent: *") is None


# -- verdicts ---------------------------------------------------------------------------------


def _site(**rules: tuple[str, ...]) -> Site:
    lines = [f"{key} = [{', '.join(repr(v) for v in values)}]" for key, values in rules.items()]
    text = "\n".join(["[s]", 'domains = ["news.example"]', 'language = "vi"', *lines])
    return parse_registry(text, "test")["s"]


def test_an_article_page_is_judged_as_the_crawl_would_emit_it() -> None:
    path, html = article_page(3, BASE)
    sample = judge_page(Fetched(BASE + path, 200, HTML, html.encode()), _site(), CleaningOptions())
    assert sample.verdict == EMITTED
    assert sample.headline and sample.headline in html
    assert sample.first_words and sample.first_words.split()[0] in html


@pytest.mark.parametrize(
    ("fetched", "verdict"),
    [
        (Fetched(BASE + "/a", error="fetch-failed: HTTP 404"), "fetch-failed"),
        (Fetched(BASE + "/a", 200, HTML, b"  "), "empty-page"),
        (Fetched(BASE + "/a", 200, "application/pdf", b"%PDF-1.4"), "not-html"),
        (
            Fetched(
                BASE + "/a",
                200,
                HTML,
                '<html lang="vi"><body><article><h1>Tin</h1><p>Ngắn.'
                "</p></article></body></html>".encode(),
            ),
            "too-short",
        ),
    ],
)
def test_pages_the_crawl_would_reject_say_why(fetched: Fetched, verdict: str) -> None:
    sample = judge_page(fetched, _site(), CleaningOptions())
    assert sample.verdict == verdict
    assert not sample.emitted


# -- whole probes on a fake site ----------------------------------------------------------------


def test_onboarding_finds_the_sitemap_robots_names_and_the_home_page_feed() -> None:
    articles = _articles(1, 2, 3, 4)
    urls = [BASE + path for path in articles]
    site = FakeSite(
        {
            "/robots.txt": ("text/plain", f"User-agent: *\nSitemap: {BASE}/maps/index.xml\n"),
            "/": (HTML, _home("/tag/x", "/video/y", feed=BASE + "/tin.rss")),
            "/maps/index.xml": ("application/xml", sitemap_index(BASE + "/maps/a.xml")),
            "/maps/a.xml": ("application/xml", urlset(*urls[:3])),
            "/tin.rss": ("application/rss+xml", rss(*urls[1:])),
            "/sitemap.xml": (HTML, _home()),  # a soft 404: the home page, not a sitemap
            **articles,
        }
    )
    done = asyncio.run(onboard(BASE + "/", site, CleaningOptions()))
    proposal = done.proposal
    assert proposal.sitemaps == [BASE + "/maps/index.xml"]
    assert proposal.feeds == [BASE + "/tin.rss"]
    assert (proposal.name, proposal.language, proposal.key) == ("Tin Thử", "vi", "news")
    assert proposal.rules.deny == ("/tag/", "/video/")
    assert len(done.samples) == 3 and all(s.emitted for s in done.samples)
    assert len({s.url for s in done.samples}) == 3
    assert BASE + "/maps/a.xml" in site.fetched
    assert proposal.site().article_verdict(urls[0]) is None


def test_onboarding_leaves_out_a_source_listing_no_article() -> None:
    articles = _articles(1, 2, 3)
    site = FakeSite(
        {
            "/": (HTML, _home(feed=BASE + "/tin.rss")),
            "/sitemap.xml": ("application/xml", urlset(*(BASE + p for p in articles))),
            "/tin.rss": ("application/rss+xml", rss(BASE + "/thoi-su", BASE + "/the-gioi")),
            **articles,
        }
    )
    done = asyncio.run(onboard(BASE + "/", site, CleaningOptions(), key="mine"))
    assert done.proposal.key == "mine"
    assert done.proposal.feeds == []
    assert [(read.url, why) for read, why in done.left_out] == [
        (BASE + "/tin.rss", "none of its 2 URLs is an article")
    ]


def test_a_site_without_sitemap_or_feed_is_proposed_as_a_listing() -> None:
    articles = _articles(1, 2, 3)
    site = FakeSite({"/": (HTML, _home(*articles, "/thoi-su")), **articles})
    done = asyncio.run(onboard(BASE + "/", site, CleaningOptions()))
    assert done.proposal.listings == [BASE + "/"]
    assert done.proposal.sitemaps == done.proposal.feeds == []
    assert all(s.emitted for s in done.samples)


def test_checking_an_entry_names_the_dead_source_and_the_one_without_articles() -> None:
    articles = _articles(1, 2)
    site = FakeSite(
        {
            "/sitemap.xml": ("application/xml", urlset(*(BASE + p for p in articles))),
            "/tin.rss": ("application/rss+xml", rss(BASE + "/thoi-su")),
            **articles,
        }
    )
    entry = parse_registry(
        "\n".join(
            [
                "[s]",
                'domains = ["news.example"]',
                'language = "vi"',
                f'sitemaps = ["{BASE}/sitemap.xml"]',
                f'feeds = ["{BASE}/tin.rss", "{BASE}/gone.rss"]',
                r"article_allow = ['-\d{5}\.html$']",
            ]
        ),
        "test",
    )["s"]
    checked = asyncio.run(check_site(entry, site, CleaningOptions()))
    problems = checked.problems()
    assert len(problems) == 2
    assert "tin.rss listed 1 URL(s), none taken as an article" in problems[0]
    assert "gone.rss failed: fetch-failed: HTTP 404" in problems[1]
    assert [s.verdict for s in checked.samples[BASE + "/sitemap.xml"]] == [EMITTED, EMITTED]


def test_a_source_whose_sampled_articles_are_all_rejected_yields_no_article() -> None:
    site = FakeSite({"/sitemap.xml": ("application/xml", urlset(BASE + "/a/b-12345.html"))})
    entry = parse_registry(
        f'[s]\ndomains = ["news.example"]\nsitemaps = ["{BASE}/sitemap.xml"]', "test"
    )["s"]
    checked = asyncio.run(check_site(entry, site, CleaningOptions()))
    assert checked.problems() == [
        f"sitemap {BASE}/sitemap.xml: none of its 1 sampled "
        "article(s) would be emitted (fetch-failed)"
    ]


def test_a_listing_page_number_is_no_article_id() -> None:
    paths = [f"/thoi-su/tin-so-{i}-{589000 + i}.htm" for i in range(10)] + [
        "/thoi-su/trang-2.htm",
        "/thoi-su/trang-3.htm",
        "/cu/tin-cu-9999.htm",
    ]
    rules = propose_rules([BASE + p for p in paths])
    assert rules.allow == (r"-\d{4,}\.htm$",)  # older, shorter ids kept; page numbers not
    assert (rules.covered, rules.total) == (11, 13)


def test_the_site_name_is_the_declared_one_else_the_titles_last_part() -> None:
    declared = Fetched(BASE + "/", 200, HTML, _home().encode())
    titled = Fetched(
        BASE + "/",
        200,
        HTML,
        "<html><head><title>Trang chủ - Báo Sông Hồng"
        "</title></head><body><p>x</p></body></html>".encode(),
    )
    assert site_name(declared, "news.example") == "Tin Thử"
    assert site_name(titled, "news.example") == "Báo Sông Hồng"
    assert site_name(Fetched(BASE + "/", error="fetch-failed: HTTP 500"), "x") == "x"


def test_a_robots_txt_given_as_a_sitemap_is_read_as_the_spider_reads_it() -> None:
    articles = _articles(1, 2)
    site = FakeSite(
        {
            "/robots.txt": ("text/plain", f"Sitemap: {BASE}/a.xml\nSitemap: {BASE}/b.xml\n"),
            "/a.xml": ("application/xml", urlset(*(BASE + p for p in articles))),
            **articles,
        }
    )
    entry = parse_registry(
        f'[s]\ndomains = ["news.example"]\nsitemaps = ["{BASE}/robots.txt"]', "test"
    )["s"]
    checked = asyncio.run(check_site(entry, site, CleaningOptions()))
    (read,) = checked.reads
    assert (read.children, read.children_read, len(read.entries)) == (
        [BASE + "/a.xml", BASE + "/b.xml"],
        2,
        2,
    )
    assert read.notes == [f"{BASE}/b.xml: fetch-failed: HTTP 404"]
    assert checked.problems() == []


def test_a_dead_sitemap_leaves_the_home_page_as_the_listing() -> None:
    articles = _articles(1, 2, 3)
    site = FakeSite(
        {
            "/robots.txt": ("text/plain", f"Sitemap: {BASE}/gone.xml\n"),
            "/": (HTML, _home(*articles, feed="http://feeds.news.example/tin.rss")),
            **articles,
        }
    )
    done = asyncio.run(onboard(BASE + "/", site, CleaningOptions()))
    assert done.discovery.home_feeds == ["http://feeds.news.example/tin.rss"]  # a subdomain's
    assert done.proposal.sitemaps == done.proposal.feeds == []
    assert done.proposal.listings == [BASE + "/"]
    assert (BASE + "/gone.xml", "fetch-failed: HTTP 404") in [
        (read.url, why) for read, why in done.left_out
    ]


# -- the sites file ----------------------------------------------------------------------------


def test_an_entry_is_appended_to_a_sites_file_it_loads_with(tmp_path: Path) -> None:
    path = tmp_path / "sites.toml"
    append_entry(path, '[a]\ndomains = ["a.example"]\n', "a")  # created
    path.chmod(0o644)
    append_entry(path, '[b]\ndomains = ["b.example"]\n', "b")
    assert path.read_text("utf-8") == (
        '[a]\ndomains = ["a.example"]\n\n[b]\ndomains = ["b.example"]\n'
    )
    assert path.stat().st_mode & 0o777 == 0o644
    with pytest.raises(RegistryError, match="already has a site 'a'"):
        append_entry(path, '[a]\ndomains = ["c.example"]\n', "a")
    with pytest.raises(RegistryError, match="not valid TOML"):
        append_entry(path, "[c\n", "c")
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left
    assert list(parse_registry(path.read_text("utf-8"), "t")) == ["a", "b"]


def test_a_sites_file_that_does_not_load_is_refused_before_anything_is_fetched(
    tmp_path: Path,
) -> None:
    path = tmp_path / "sites.toml"
    path.write_text('[a]\nsitemap = ["x"]\n', "utf-8")
    with pytest.raises(RegistryError, match="did you mean 'sitemaps'"):
        read_sites_file(path)
    assert read_sites_file(tmp_path / "new.toml") == ""
