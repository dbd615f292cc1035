"""Per-source health: a run whose sources failed or yielded nothing is not healthy, whatever
else it fetched (robots.txt answering 200 used to make a 404 feed a 50 % error rate)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Server, crawl, rss, urlset

from newscrawl.health import EXIT_OK, EXIT_UNHEALTHY

pytestmark = pytest.mark.e2e  # runs scrapy crawl as subprocesses

ROBOTS = "User-agent: *\nAllow: /\n"


def _problems(run_report: dict) -> str:
    return "; ".join(run_report["problems"])


def test_the_only_feed_answering_404_is_unhealthy(tmp_path: Path, server: Server) -> None:
    server.serve("/robots.txt", ROBOTS, "text/plain")
    run = crawl(tmp_path, "-a", f"feed={server.base_url}/rss")
    assert run.returncode == EXIT_UNHEALTHY
    assert f"feed {server.base_url}/rss failed: fetch-failed: HTTP 404" in _problems(run.report)


def test_a_feed_that_is_an_html_page_is_unhealthy(tmp_path: Path, server: Server) -> None:
    server.serve("/robots.txt", ROBOTS, "text/plain")
    page = server.article(1)
    run = crawl(tmp_path, "-a", f"feed={page}")
    assert run.returncode == EXIT_UNHEALTHY
    assert f"feed {page}" in _problems(run.report)


def test_a_registry_whose_article_rule_matches_nothing_is_unhealthy(
    tmp_path: Path, server: Server
) -> None:
    server.serve("/robots.txt", ROBOTS, "text/plain")
    sitemap = server.serve("/sitemap.xml", urlset(*(server.article(i) for i in range(3))))
    registry = tmp_path / "sites.toml"
    registry.write_text(
        f'[paper]\ndomains = ["127.0.0.1"]\nsitemaps = ["{sitemap}"]\n'
        "article_allow = ['-\\d{14}\\.htm$']\n",
        "utf-8",
    )
    run = crawl(tmp_path / "out", "-a", "site=paper", "-a", f"sites_file={registry}")
    assert run.returncode == EXIT_UNHEALTHY
    assert f"sitemap {sitemap} listed 3 URL(s), none taken" in _problems(run.report)


def test_each_source_is_reported_with_what_it_yielded(tmp_path: Path, server: Server) -> None:
    articles = [server.article(i) for i in range(4)]
    sitemap = server.serve("/sitemap.xml", urlset(*articles[:3]))
    feed = server.serve("/rss", rss(articles[2], articles[3]), "application/rss+xml")
    run = crawl(tmp_path, "-a", f"sitemap={sitemap}", "-a", f"feed={feed}")
    assert run.returncode == EXIT_OK, run.report["problems"]
    sources = {s["url"]: s for s in run.report["sources"]}
    assert (sources[sitemap]["found"], sources[sitemap]["taken"]) == (3, 3)
    assert (sources[feed]["found"], sources[feed]["taken"]) == (2, 2)
    # the article both list is emitted once, counted for the source that requested it
    assert sources[sitemap]["emitted"] + sources[feed]["emitted"] == 4
    assert f"sitemap  {sitemap}: listed 3" in run.stderr
