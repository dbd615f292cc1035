"""Unit tests of the pure helpers: decoding, dates, the registry, news sitemaps, health."""

from __future__ import annotations

import codecs
import re
import time
import unicodedata
from pathlib import Path

import pytest
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from newscrawl.dates import to_iso, visible_vietnamese_date
from newscrawl.demosite.cp1258 import encode_cp1258
from newscrawl.encoding import decode_html
from newscrawl.health import EXIT_OK, EXIT_UNHEALTHY, Thresholds, assess
from newscrawl.output import RUN_STAMP, companion_path
from newscrawl.parsing import NewsSitemap
from newscrawl.registry import RegistryError, parse_registry, sites_from_arguments
from newscrawl.spiders.news import NewsSpider

TEXT = "Hội nghị thượng đỉnh Nga-Mỹ diễn ra tại Geneva"
TZ = "Asia/Ho_Chi_Minh"


def _page(charset: str) -> str:
    return f'<html><head><meta charset="{charset}"></head><body><p>{TEXT}</p></body></html>'


@pytest.mark.parametrize(
    ("body", "content_type", "encoding", "source"),
    [
        (_page("utf-8").encode(), "text/html; charset=utf-8", "utf-8", "header"),
        (_page("utf-8").encode(), None, "utf-8", "meta"),
        (codecs.BOM_UTF8 + _page("iso-8859-1").encode(), None, "utf-8", "bom"),
        (_page("iso-8859-1").encode(), None, "utf-8", "utf-8-override"),  # lying meta
        (
            _page("iso-8859-1").encode(),
            "text/html; charset=windows-1252",
            "utf-8",
            "utf-8-override",
        ),
        (
            encode_cp1258(_page("windows-1258")),
            "text/html; charset=windows-1258",
            "cp1258",
            "header",
        ),
        (encode_cp1258(_page("windows-1258")), None, "cp1258", "meta"),
        # declared utf-8, but the bytes are not
        (encode_cp1258(_page("utf-8")), "text/html; charset=utf-8", "cp1258", "guess"),
        # UTF-8 with a stray byte: declared, undeclared, or under a lying single-byte meta
        (_page("utf-8").encode().replace(b"<p>", b"<p>\x92"), None, "utf-8", "meta"),
        (
            _page("utf-8").encode().replace(b"<p>", b"<p>\xe1\xbb"),
            "text/html; charset=utf-8",
            "utf-8",
            "header",
        ),
        (_page("").encode().replace(b"<p>", b"<p>\x92"), None, "utf-8", "utf-8"),
        (
            _page("iso-8859-1").encode().replace(b"<p>", b"<p>\x92" + f"{TEXT} {TEXT}".encode()),
            None,
            "utf-8",
            "utf-8-override",
        ),
    ],
)
def test_decode_html(body: bytes, content_type: str | None, encoding: str, source: str) -> None:
    decoded = decode_html(body, content_type)
    assert (decoded.encoding, decoded.source) == (encoding, source)
    assert TEXT in unicodedata.normalize("NFC", decoded.text)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-06-17T08:15:00", "2021-06-17T08:15:00+07:00"),
        ("2021-06-17T08:15:00+07:00", "2021-06-17T08:15:00+07:00"),
        ("2021-06-17T01:15:00Z", "2021-06-17T01:15:00+00:00"),
        ("Thu, 17 Jun 2021 08:15:00 +0700", "2021-06-17T08:15:00+07:00"),
        ("2021-06-17", "2021-06-17"),
        ("not a date", None),
        ("", None),
    ],
)
def test_to_iso(value: str, expected: str | None) -> None:
    assert to_iso(value, TZ) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-06-17T08:15:00", "2021-06-17T08:15:00"),  # no timezone known: stays naive
        ("2021-06-17T08:15:00.123", "2021-06-17T08:15:00"),
        ("2021-06-17T08:15:00-05:00", "2021-06-17T08:15:00-05:00"),
        ("2021-06-17", "2021-06-17"),
    ],
)
def test_to_iso_without_timezone(value: str, expected: str) -> None:
    assert to_iso(value, None) == expected
    assert visible_vietnamese_date("17/06/2021 - 08:15", None) == "2021-06-17T08:15:00"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thứ năm, 17/6/2021, 08:15 (GMT+7)", "2021-06-17T08:15:00+07:00"),
        ("17/06/2021 - 08:15", "2021-06-17T08:15:00+07:00"),
        ("Cập nhật 9/6/2021", "2021-06-09"),
        ("31/2/2021, 10:00", None),
        ("không có ngày", None),
    ],
)
def test_visible_vietnamese_date(text: str, expected: str | None) -> None:
    assert visible_vietnamese_date(text, TZ) == expected


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[a]\nname = 'A'", "'domains' is required"),
        ("[a]\ndomains = ['a.vn']\narticle_allow = ['(']", "bad regex in article_allow"),
        ("[a]\ndomains = ['a.vn']\ntimezone = 'Mars/Olympus'", "unknown timezone"),
        ("[a]\ndomains = ['a.vn']\nfeeds = ['ftp://a.vn/rss']", "not an http(s) URL"),
        ("[a\n", "not valid TOML"),
        (
            "[a]\ndomains = ['a.vn']\nsitemap = ['https://a.vn/s.xml']",
            "unknown key 'sitemap' (did you mean 'sitemaps'?)",
        ),
        ("[a]\ndomains = ['a.vn']\nfeeds = 'https://a.vn/rss'", "feeds must be a list of strings"),
        ("[a]\ndomains = 'a.vn'", "domains must be a list of strings"),
        ("[a]\ndomains = ['a.vn']\nlanguage = ['vi']", "language must be a string"),
        ("a = 1", "expected a table [a]"),
    ],
)
def test_registry_errors(toml: str, message: str) -> None:
    with pytest.raises(RegistryError, match=re.escape(message)):
        parse_registry(toml, "test")


def test_bundled_registry_has_the_major_papers() -> None:
    sites = sites_from_arguments(
        site="vnexpress,tuoitre,thanhnien,dantri,vov,vietnamplus,nhandan,vietnamnet"
    )
    assert len(sites) == 8
    assert all(s.language == "vi" and (s.sitemaps or s.feeds) for s in sites)


def test_article_verdicts() -> None:
    (site,) = parse_registry("[a]\ndomains = ['a.vn']\narticle_deny = ['/video/']", "t").values()
    assert site.article_verdict("https://a.vn/the-gioi/hoi-nghi-nga-my-4301234.html") is None
    assert site.article_verdict("https://a.vn/video/hoi-nghi-nga-my-4301234.html") == "url-denied"
    assert site.article_verdict("https://a.vn/tag/covid-19") == "url-non-article-section"
    assert site.article_verdict("https://a.vn/thoi-su") == "url-not-article-shaped"
    assert site.owns("https://www.a.vn/x") and not site.owns("https://ba.vn/x")


@pytest.mark.parametrize(
    ("url", "verdict"),
    [
        ("https://a.vn/x-4301234.html", None),
        ("http://www.a.vn/x", None),
        ("https://a.vn:443/x", None),
        ("https://a.vn:8443/x", None),  # the registry's feed names that port
        ("https://a.vn:8080/x", "url-offsite"),
        ("http://a.vn:443/x", "url-offsite"),
        ("https://b.vn/x", "url-offsite"),
        ("file://a.vn/etc/passwd", "url-scheme"),
        ("ftp://a.vn/x", "url-scheme"),
        ("javascript:alert(1)", "url-scheme"),
        ("/x-4301234.html", "url-malformed"),
        ("//a.vn/x", "url-malformed"),
        ("https:///x", "url-malformed"),
        ("https://a.vn:99999/x", "url-malformed"),
        ("https://[::1/x", "url-malformed"),
    ],
)
def test_link_verdicts(url: str, verdict: str | None) -> None:
    toml = "[a]\ndomains = ['a.vn']\nfeeds = ['https://a.vn:8443/rss']"
    (site,) = parse_registry(toml, "t").values()
    assert site.link_verdict(url) == verdict


def test_bad_urls_file_lines_are_kept_for_the_spider_to_reject(tmp_path: Path) -> None:
    urls = tmp_path / "urls.txt"
    urls.write_text("https://a.vn/x-1\nftp://a.vn/x-2\nhttp://[::1/x-3\n", "utf-8")
    sites = {s.key: s for s in sites_from_arguments(urls_file=str(urls))}
    assert sites["a.vn"].urls == ("https://a.vn/x-1", "ftp://a.vn/x-2")
    assert (sites[""].urls, sites[""].domains) == (("http://[::1/x-3",), ())


@pytest.mark.parametrize("url", ["https://[::1/x", "https://a.vn:99999/x", "ftp://a.vn/x"])
def test_malformed_source_arguments_fail_in_one_line(url: str) -> None:
    with pytest.raises(RegistryError, match="not an http"):
        sites_from_arguments(sitemap=url)


def test_ad_hoc_sources_of_one_host_merge() -> None:
    (site,) = sites_from_arguments(sitemap="https://a.vn/sitemap.xml", feed="https://a.vn/rss")
    assert (site.key, site.sitemaps, site.feeds) == (
        "a.vn",
        ("https://a.vn/sitemap.xml",),
        ("https://a.vn/rss",),
    )


def test_a_large_urls_file_merges_in_linear_time(tmp_path: Path) -> None:
    urls = tmp_path / "urls.txt"
    urls.write_text("".join(f"https://a.vn/bai-viet-{i}\n" for i in range(200_000)), "utf-8")
    started = time.perf_counter()
    (site,) = sites_from_arguments(urls_file=str(urls))
    # quadratic merging (a tuple copied a line) took minutes for this; linear takes about a second
    assert time.perf_counter() - started < 10
    assert len(site.urls) == 200_000 and site.urls[-1] == "https://a.vn/bai-viet-199999"


def test_unknown_spider_arguments_are_refused_and_scrapyd_ones_accepted() -> None:
    with pytest.raises(RegistryError, match=r"unknown argument.*sitemaps"):
        NewsSpider.check_arguments(sitemaps="https://a.vn/s.xml")
    (site,), _ = NewsSpider.check_arguments(sitemap="https://a.vn/s.xml", _job="6487ec79")
    assert site.sitemaps == ("https://a.vn/s.xml",)


def test_news_sitemap_keeps_google_news_fields() -> None:
    xml = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
 <url><loc>https://a.vn/x-1234567.html</loc><lastmod>2021-06-17T09:00:00+07:00</lastmod>
  <news:news><news:publication><news:name>A</news:name><news:language>vi</news:language>
   </news:publication><news:publication_date>2021-06-17T08:15:00+07:00</news:publication_date>
   <news:title>Tiêu đề bài viết</news:title></news:news></url>
</urlset>""".encode()
    (entry,) = list(NewsSitemap(xml))
    assert entry["loc"] == "https://a.vn/x-1234567.html"
    assert entry["published"] == "2021-06-17T08:15:00+07:00"
    assert entry["title"] == "Tiêu đề bài viết"
    assert entry["lastmod"] == "2021-06-17T09:00:00+07:00"


@pytest.mark.parametrize(
    ("stats", "reason", "exit_code", "problem"),
    [
        (
            {
                "downloader/response_status_count/200": 30,
                "newscrawl/decoded/utf-8": 20,
                "item_scraped_count": 18,
            },
            "finished",
            EXIT_OK,
            None,
        ),
        ({"downloader/response_status_count/200": 30}, "shutdown", EXIT_UNHEALTHY, "finish reason"),
        ({"newscrawl/rejected/fetch-failed": 3}, "finished", EXIT_UNHEALTHY, "requests failed"),
        ({}, "finished", EXIT_UNHEALTHY, "nothing was fetched"),
        (
            {
                "downloader/response_status_count/200": 30,
                "newscrawl/decoded/utf-8": 20,
                "newscrawl/rejected/empty-extraction": 15,
                "item_scraped_count": 5,
            },
            "finished",
            EXIT_UNHEALTHY,
            "extraction succeeded on 5/20",
        ),
        (
            {"downloader/response_status_count/200": 30, "newscrawl/decoded/utf-8": 20},
            "finished",
            EXIT_UNHEALTHY,
            "no item emitted",
        ),
    ],
)
def test_health(stats: dict, reason: str, exit_code: int, problem: str | None) -> None:
    health = assess(stats, reason, Thresholds())
    assert health.exit_code == exit_code
    assert (problem is None) == (not health.problems)
    assert problem is None or any(problem in p for p in health.problems)


def test_a_url_found_again_adds_the_hints_it_lacked(tmp_path: Path) -> None:
    """The feed after the news sitemap, or the other way round: one request, both sources' hints."""
    crawler = get_crawler(NewsSpider, settings_dict={"NEWSCRAWL_OUTPUT_DIR": str(tmp_path)})
    spider = NewsSpider.from_crawler(crawler, sitemap="http://127.0.0.1:8000/sitemap.xml")
    site = spider.sites[0]
    url = "http://127.0.0.1:8000/a-1.html"
    first = spider._article_request(url, site, {"published": "2025-10-28", "title": "Tin"})
    again = spider._article_request(
        url + "?utm_source=rss", site, {"lastmod": "2025-10-29T08:00:00+07:00", "title": "Khác"}
    )
    assert first is not None and again is None
    assert first.meta["hints"] == {
        "published": "2025-10-28",
        "title": "Tin",
        "lastmod": "2025-10-29T08:00:00+07:00",
    }
    assert crawler.stats.get_value("newscrawl/found-again") == 1
    # queued on disk, the request comes back with a copy of its hints: those of every source
    # are the spider's, and they are what the page gets
    queued_copy = {**first.meta, "hints": dict(first.meta["hints"])}
    assert spider._article_done(queued_copy) is first.meta["hints"]
    # the request is done (fetched): a later discovery is a new request again
    assert spider._article_request(url, site, {}) is not None


def test_a_bad_footer_pattern_fails_when_the_registry_is_read() -> None:
    with pytest.raises(RegistryError, match="bad regex in footer_patterns"):
        parse_registry(
            '[paper]\ndomains = ["example.vn"]\nfooter_patterns = ["(unclosed"]\n', "sites.toml"
        )


@pytest.mark.parametrize(
    ("feed", "expected"),
    [
        ("out/run.2026-12-01.jsonl", "out/run.2026-12-01.report.json"),
        ("out/run.jsonl.gz", "out/run.report.json"),
        ("out/%(name)s-%(time)s.jsonl", "out/news-{RUN_STAMP}.report.json"),
        ("out/news-%(batch_id)02d.jsonl", "out/news.report.json"),
        ("out/%(site)s.jsonl", "out/%(site)s.report.json"),
    ],
)
def test_companion_names_follow_the_feed(feed: str, expected: str) -> None:
    settings = Settings({"FEEDS": {feed: {"format": "jsonlines"}}})
    # the run's stamp filled in here: in the test's id it would differ between test processes
    expected = expected.format(RUN_STAMP=RUN_STAMP)
    assert companion_path(settings, "report.json") == Path(expected)
