"""End to end: ``scrapy crawl news`` subprocesses against the demo site on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from conftest import PROJECT, CrawlRun, crawl
from texts import SEED_000_BODY

from newscrawl.conformance import validator
from newscrawl.demosite import Article, DemoSite

pytestmark = pytest.mark.e2e  # runs scrapy crawl/seed/demo as subprocesses


def _visible(site: DemoSite) -> dict[str, Article]:
    return {a.url_path: a for a in site.articles()}


@pytest.fixture(scope="module")
def full_run(tmp_path_factory: pytest.TempPathFactory, paper: DemoSite) -> CrawlRun:
    """Every source of the demo site's registry entry: sitemaps, feed and listings."""
    out = tmp_path_factory.mktemp("full")
    registry = out / "sites.toml"
    registry.write_text(paper.registry_toml("demo"), "utf-8")
    return crawl(out, "-a", "site=demo", "-a", f"sites_file={registry}")


def test_full_run_finishes_cleanly(full_run: CrawlRun) -> None:
    assert full_run.returncode == 0, full_run.stderr[-3000:]
    assert full_run.report["finishReason"] == "finished"
    assert "Traceback" not in full_run.stderr


def test_the_request_queue_was_on_disk_and_is_deleted(full_run: CrawlRun) -> None:
    stats = full_run.stats
    assert stats["scheduler/enqueued/disk"] == stats["scheduler/enqueued"] > 0
    assert stats["scheduler/dequeued/disk"] == stats["scheduler/enqueued"]
    assert "scheduler/unserializable" not in stats  # every request fit on disk
    assert list((full_run.output_dir / "data" / "queues").iterdir()) == []


def test_every_line_matches_the_schema(full_run: CrawlRun) -> None:
    assert full_run.items
    for item in full_run.items:  # formats checked too: a date must be a real date
        validator("article").validate(item)


def test_each_visible_article_is_emitted_once(full_run: CrawlRun, paper: DemoSite) -> None:
    paths = [item["canonicalUrl"].removeprefix(paper.base_url) for item in full_run.items]
    assert sorted(paths) == sorted(_visible(paper))
    assert [r["reason"] for r in full_run.rejects].count("duplicate") == 1  # one URL alias


@pytest.mark.parametrize("field", ["headline", "datePublished", "sourceCredit"])
def test_article_fields_match_the_pages(full_run: CrawlRun, paper: DemoSite, field: str) -> None:
    served = _visible(paper)
    expected = {
        "headline": lambda a: a.headline,
        "datePublished": lambda a: a.date_published,
        "sourceCredit": lambda a: a.source_credit,
    }[field]
    for path, item in full_run.by_url_path().items():
        assert item[field] == expected(served[path]), path


def test_authors_match_the_pages(full_run: CrawlRun, paper: DemoSite) -> None:
    served = _visible(paper)
    for path, item in full_run.by_url_path().items():
        # a page naming no author has no authors field (schema 2.0), not an empty one
        assert [a["name"] for a in item.get("authors", [])] == list(served[path].authors), path
        assert item.get("authors") != [], path


def test_bodies_hold_the_article_text_and_nothing_around_it(
    full_run: CrawlRun, paper: DemoSite
) -> None:
    served = _visible(paper)
    for path, item in full_run.by_url_path().items():
        article, body = served[path], item["articleBody"]
        paragraphs = [unicodedata.normalize("NFC", p) for p in article.paragraphs]
        assert paragraphs[0].removeprefix(article.dateline) in body.split("\n")[:2], path
        assert paragraphs[-1] in body, path
        for residue in ("0:00", "Theo Reuters", "Tin liên quan", "Bản quyền", article.dateline):
            assert not residue or residue not in body, (path, residue)


def test_seed_000_is_cleaned_exactly(full_run: CrawlRun) -> None:
    (item,) = [i for i in full_run.items if i["url"].endswith("-4301234.html")]
    assert item["headline"] == "Hội nghị thượng đỉnh Nga-Mỹ diễn ra tại Geneva"
    assert item["articleBody"] == "\n".join(SEED_000_BODY)
    assert item["sourceCredit"] == "Reuters"


def test_dates_without_offset_get_the_site_timezone(full_run: CrawlRun) -> None:
    items = full_run.by_url_path()
    naive = [p for p in items if p.endswith(("-4300110.html", "-4300113.html", "-4300118.html"))]
    assert len(naive) == 3
    for path in naive:
        assert items[path]["datePublished"].endswith("+07:00")
        assert items[path]["metadata"]["dateSource"] == "json-ld"


def test_windows_1258_and_lying_charset_pages_decode(full_run: CrawlRun, paper: DemoSite) -> None:
    served = _visible(paper)
    items = full_run.by_url_path()
    for kind, encoding in (("encoding-cp1258", "cp1258"), ("charset-mismatch", "utf-8")):
        (article,) = [a for a in served.values() if a.kind == kind]
        item = items[article.url_path]
        assert item["metadata"]["encoding"] == encoding
        assert unicodedata.normalize("NFC", article.paragraphs[1]) in item["articleBody"]
        assert item["headline"] == article.headline


def test_flaky_page_is_retried_and_redirect_followed(full_run: CrawlRun, paper: DemoSite) -> None:
    served = _visible(paper)
    items = full_run.by_url_path()
    assert full_run.stats["retry/count"] >= 1
    assert any(a.kind == "flaky-500" and a.url_path in items for a in served.values())
    (moved,) = [a for a in served.values() if a.page.redirect_from]
    assert moved.url_path in items and moved.link_path not in items


def test_broken_and_non_article_pages_are_rejected_with_reasons(full_run: CrawlRun) -> None:
    reasons = {(r["url"].rsplit("/", 1)[-1], r["reason"]) for r in full_run.rejects}
    assert ("bao-cao-tai-chinh-hop-nhat-quy-1-2021-4300950.html", "not-html") in reasons
    assert ("bai-viet-da-go-4300960.html", "fetch-failed") in reasons
    assert ("ban-tin-toi-17-6-4300970.html", "empty-page") in reasons
    assert ("bong-da-viet-nam-4300900.html", "not-article") in reasons
    assert ("sitemap-broken.xml", "malformed-sitemap") in reasons
    for reason in ("not-html", "fetch-failed", "empty-page", "not-article", "malformed-sitemap"):
        assert full_run.stats[f"newscrawl/rejected/{reason}"] >= 1


def test_non_article_urls_are_counted_not_fetched(full_run: CrawlRun, paper: DemoSite) -> None:
    assert full_run.stats["newscrawl/skipped/url-denied"] >= 1
    fetched = set(paper.requests)
    assert not any(p.startswith(("/video/", "/truc-tiep/")) for p in fetched)


def test_robots_txt_is_obeyed(full_run: CrawlRun, paper: DemoSite) -> None:
    assert "/robots.txt" in paper.requests
    assert not any(p.startswith(("/admin/", "/tim-kiem")) for p in paper.requests)
    assert full_run.stats.get("robotstxt/forbidden", 0) >= 1


def test_tracking_parameters_are_removed(full_run: CrawlRun) -> None:
    assert not any("utm_" in item["url"] for item in full_run.items)


# -- one source kind at a time ----------------------------------------------------------------


def test_sitemap_argument(tmp_path: Path, paper: DemoSite) -> None:
    run = crawl(tmp_path, "-a", f"sitemap={paper.base_url}/sitemap.xml")
    assert run.returncode == 0
    assert {item["site"] for item in run.items} == {"127.0.0.1"}
    news_sitemap_titles = {a.headline for a in paper.articles()}
    assert len(run.items) >= 20
    assert all(item["headline"] in news_sitemap_titles for item in run.items)


def test_feed_argument(tmp_path: Path, paper: DemoSite) -> None:
    run = crawl(tmp_path, "-a", f"feed={paper.base_url}/rss/tin-moi-nhat.rss")
    assert run.returncode == 0
    assert len(run.items) == 20
    assert set(run.by_url_path()) <= set(_visible(paper))


def test_broken_feed_is_rejected_not_fatal(tmp_path: Path, paper: DemoSite) -> None:
    run = crawl(tmp_path, "-a", f"feed={paper.base_url}/rss/broken.rss")
    assert run.returncode == 0
    feed_rejects = run.rejects_for("malformed-feed")
    recovered = run.stats.get("newscrawl/malformed/feed-recovered", 0)
    assert feed_rejects or recovered == 1


def test_start_url_follows_listings(tmp_path: Path, paper: DemoSite) -> None:
    run = crawl(tmp_path, "-a", f"start_url={paper.base_url}/thoi-su")
    assert run.returncode == 0
    paths = set(run.by_url_path())
    assert paths <= set(_visible(paper))
    assert sum(p.startswith("/thoi-su/") for p in paths) >= 6


def test_urls_file_argument(tmp_path: Path, paper: DemoSite) -> None:
    moved = next(a for a in paper.articles() if a.page.redirect_from)
    plain = next(a for a in paper.articles() if a.kind == "article")
    urls = tmp_path / "urls.txt"
    urls.write_text(
        f"# comment\n{paper.base_url}{moved.link_path}\n{paper.base_url}"
        f"{plain.url_path}\n{paper.base_url}/thoi-su/bai-viet-da-go-4300960.html\n"
    )
    run = crawl(tmp_path, "-a", f"urls_file={urls}")
    assert sorted(run.by_url_path()) == sorted([moved.url_path, plain.url_path])
    assert [r["reason"] for r in run.rejects] == ["fetch-failed"]


def test_since_skips_older_entries(tmp_path: Path, paper: DemoSite) -> None:
    run = crawl(tmp_path, "-a", f"sitemap={paper.base_url}/sitemap.xml", "-a", "since=2021-06-15")
    assert run.stats["newscrawl/skipped/older-than-since"] >= 5
    assert run.items
    assert all((i["dateModified"] or i["datePublished"]) >= "2021-06-15" for i in run.items)


def test_output_option_replaces_default_file(tmp_path: Path, paper: DemoSite) -> None:
    target = tmp_path / "mine.jsonl"
    run = crawl(
        tmp_path / "out", "-a", f"feed={paper.base_url}/rss/the-gioi.atom", "-O", str(target)
    )
    assert run.returncode == 0
    lines = target.read_text("utf-8").splitlines()
    assert lines and all(json.loads(line)["url"].startswith(paper.base_url) for line in lines)
    assert "ế" in target.read_text("utf-8") or "ệ" in target.read_text("utf-8")  # unescaped
    assert not list((tmp_path / "out").glob("news-*.jsonl"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("-a", "site=nosuchpaper"), "unknown site(s) nosuchpaper"),
        (("-a", "sites_file=/nonexistent/sites.toml"), "cannot read sites file"),
        (("-a", "sitemap=ftp//broken"), "not an http(s) URL"),
        (("-a", "site=vnexpress", "-a", "since=yesterday"), "since must be YYYY-MM-DD"),
        ((), "nothing to crawl"),
        (
            ("-a", "site=vnexpress", "-s", "NEWSCRAWL_SPAM_TITLE_ACTION=dorp"),
            "NEWSCRAWL_SPAM_TITLE_ACTION must be drop or repair",
        ),
        (
            ("-a", "site=vnexpress", "-s", "NEWSCRAWL_MIN_BODY_CHARS=abc"),
            "setting NEWSCRAWL_MIN_BODY_CHARS='abc'",
        ),
        (("-a", "site=vnexpress", "-s", "NEWSCRAWL_GZIP=yes"), "setting NEWSCRAWL_GZIP='yes'"),
        (
            ("-a", "site=vnexpress", "-s", "NEWSCRAWL_GZIP=1", "-o", "out.jsonl"),
            "name the output file *.gz",
        ),
        (
            ("-a", "site=vnexpress", "-a", "sitemaps=https://a.vn/s.xml"),
            "unknown argument(s) sitemaps",
        ),
        (
            ("-a", "site=vnexpress", "-s", "NEWSCRAWL_STATE_URI=mysql://db/news"),
            "unsupported state store URI",
        ),
    ],
)
def test_bad_arguments_fail_fast(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    run = crawl(tmp_path, *args, timeout=60)
    assert run.returncode == 2
    errors = [line for line in run.stderr.splitlines() if line.startswith("newscrawl: ")]
    assert len(errors) == 1 and message in errors[0]
    assert "Traceback" not in run.stderr and "ERROR" not in run.stderr
    assert "Spider opened" not in run.stderr


# Runs scrapy as if the optional extras (redis, scrapy-redis) were not installed: a base install.
WITHOUT_REDIS_EXTRA = (
    "import sys; sys.modules.update(redis=None, scrapy_redis=None); "
    "from scrapy.cmdline import execute; execute()"
)


def test_demo_command(tmp_path: Path) -> None:
    """The README's first command: a base install (no extras) runs the demo."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            WITHOUT_REDIS_EXTRA,
            "demo",
            "-s",
            f"NEWSCRAWL_OUTPUT_DIR={tmp_path}",
        ],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (feed,) = [p for p in tmp_path.glob("demo-*.jsonl") if ".rejects." not in p.name]
    articles = [json.loads(line) for line in feed.read_text("utf-8").splitlines()]
    assert f"{len(articles)} articles written to {feed}" in done.stdout
    assert len(articles) == 26
    assert "Hội nghị thượng đỉnh Nga-Mỹ" in feed.read_text("utf-8")
    # before the crawl, the warnings to come are explained
    assert done.stdout.splitlines()[1].startswith(
        "The warnings below are the demo site's deliberate traps"
    )
    assert "WARNING: Rejected" in done.stderr and "not-html" in done.stderr
    assert "Scrapy 2." not in done.stderr  # no start-up banner at the demo's log level
    # the content farm is crawled: its spam headlines dropped, shown in both summaries
    assert "6 content-farm headlines dropped for injected spam, e.g." in done.stdout
    assert "  【soi kèo leipzig hôm nay】Cuộc gặp thượng đỉnh Mỹ\n" in done.stdout
    assert "  rejected spam-title               6" in done.stderr
    assert "  site farm                 rejected 9" in done.stderr
    (report,) = tmp_path.glob("demo-*.report.json")
    assert f"Run report (health, counts per site and reason, all stats): {report}" in done.stdout
    assert json.loads(report.read_text("utf-8"))["exitStatus"] == 0


def test_distributed_mode_without_the_extra_fails_in_one_line(tmp_path: Path) -> None:
    for command in ("crawl", "seed"):
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                WITHOUT_REDIS_EXTRA,
                command,
                "news",
                "-a",
                "urls_file=/nonexistent",
                "-s",
                "REDIS_URL=redis://127.0.0.1:9/0",
                "-s",
                f"NEWSCRAWL_DATA_DIR={tmp_path}",
            ],
            cwd=PROJECT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 2, done.stderr[-2000:]
        errors = [line for line in done.stderr.splitlines() if line.startswith("newscrawl: ")]
        assert errors == [
            "newscrawl: REDIS_URL is set but redis, scrapy_redis is not installed: "
            "install the extra with pip install 'newscrawl[redis]'"
        ]
        assert "Traceback" not in done.stderr


@pytest.mark.parametrize("source", ["feed=/rss/tin-moi-nhat.rss", "start_url=/thoi-su"])
def test_since_holds_for_feeds_and_listings(tmp_path: Path, paper: DemoSite, source: str) -> None:
    """RSS 2.0 dates (RFC 822) are read, and an article found through a listing, whose source
    gives no date, is judged by the date on its page."""
    name, _, path = source.partition("=")
    since = "2021-06-15"
    run = crawl(tmp_path, "-a", f"{name}={paper.base_url}{path}", "-a", f"since={since}")
    assert run.returncode == 0
    assert run.items and all(item["datePublished"][:10] >= since for item in run.items)
    older = run.stats.get("newscrawl/skipped/older-than-since", 0) + len(
        run.rejects_for("older-than-since")
    )
    assert older >= 1
