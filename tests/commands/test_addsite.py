"""``scrapy addsite`` and ``scrapy checksite`` run as a user runs them, against the demo paper
(with its feeds, and its feedless variant whose sitemap only robots.txt names) on 127.0.0.1;
an entry addsite prints is then crawled with ``scrapy crawl news``."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import PROJECT, crawl

from newscrawl.demosite import DemoSite
from newscrawl.health import EXIT_OK, EXIT_UNHEALTHY, EXIT_USAGE
from newscrawl.registry import load_registry, parse_registry

pytestmark = pytest.mark.e2e

# loopback needs no politeness delay, and the address guard must let it through
FAST_PROBE = (
    "-s",
    "AUTOTHROTTLE_ENABLED=0",
    "-s",
    "DOWNLOAD_DELAY=0",
    "-s",
    "NEWSCRAWL_ALLOW_LOOPBACK=1",
)


def scrapy(*args: str, loopback: bool = True) -> subprocess.CompletedProcess[str]:
    settings = FAST_PROBE if loopback else FAST_PROBE[:4]
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *args, *settings],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


@pytest.fixture(scope="module")
def feedless() -> Iterator[DemoSite]:
    with DemoSite("paper", feeds=False).start() as site:
        yield site


def _entry(done: subprocess.CompletedProcess[str], key: str) -> str:
    assert done.returncode == EXIT_OK, done.stderr
    assert key in parse_registry(done.stdout, "addsite's output")
    return done.stdout


def test_addsite_proposes_an_entry_whose_crawl_emits_articles(
    paper: DemoSite, tmp_path: Path
) -> None:
    done = scrapy("addsite", paper.base_url + "/", "--name", "tinnhanh")
    entry = _entry(done, "tinnhanh")
    site = parse_registry(entry, "entry")["tinnhanh"]
    assert site.sitemaps == (paper.base_url + "/sitemap.xml",)
    assert site.feeds == (paper.base_url + "/rss/tin-moi-nhat.rss",)
    assert site.language == "vi"
    assert {"/video/", "/truc-tiep/"} <= {p.pattern for p in site.article_deny}
    listed = {a.url_path for a in paper.articles()}
    assert all(site.article_verdict(paper.base_url + path) is None for path in listed)
    assert "verdict:   emitted" in done.stderr and "headline:" in done.stderr

    sites_file = tmp_path / "sites.toml"
    sites_file.write_text(entry, "utf-8")
    run = crawl(tmp_path / "out", "-a", f"sites_file={sites_file}", "-a", "site=tinnhanh")
    assert run.returncode == EXIT_OK, run.stderr[-3000:]
    emitted = {item["canonicalUrl"].removeprefix(paper.base_url) for item in run.items}
    assert len(emitted) >= 20
    assert emitted <= listed


def test_addsite_finds_the_sitemap_only_robots_txt_names(
    feedless: DemoSite, tmp_path: Path
) -> None:
    done = scrapy("addsite", feedless.base_url + "/")
    key = "127-0-0-1"
    site = parse_registry(_entry(done, key), "entry")[key]
    robots_sitemap = feedless.base_url + "/so-do-trang/chi-muc.xml"
    assert site.sitemaps == (robots_sitemap,)
    assert site.feeds == ()
    assert f"robots.txt sitemaps: {robots_sitemap}" in done.stderr
    assert "home page feeds:     none" in done.stderr

    sites_file = tmp_path / "sites.toml"
    sites_file.write_text(done.stdout, "utf-8")
    run = crawl(tmp_path / "out", "-a", f"sites_file={sites_file}", "-a", f"site={key}")
    assert run.returncode == EXIT_OK, run.stderr[-3000:]
    assert len(run.items) >= 20


def test_addsite_appends_to_a_sites_file_once(
    paper: DemoSite, feedless: DemoSite, tmp_path: Path
) -> None:
    sites_file = tmp_path / "my-sites.toml"
    sites_file.write_text(paper.registry_toml("demo"), "utf-8")
    done = scrapy(
        "addsite", feedless.base_url + "/", "--name", "plain", "--append", str(sites_file)
    )
    assert done.returncode == EXIT_OK, done.stderr
    assert done.stdout == ""
    assert list(load_registry(sites_file)) == ["demo", "plain"]

    again = scrapy(
        "addsite", feedless.base_url + "/", "--name", "plain", "--append", str(sites_file)
    )
    assert again.returncode == EXIT_USAGE
    assert "already has a site 'plain'" in again.stderr
    assert list(load_registry(sites_file)) == ["demo", "plain"]


def test_addsite_fetches_through_the_address_guard(paper: DemoSite) -> None:
    before = len(paper.requests)
    done = scrapy("addsite", paper.base_url + "/", loopback=False)
    assert done.returncode == EXIT_UNHEALTHY
    assert "home page: address-refused: 127.0.0.1 loopback" in done.stderr
    assert paper.requests[before:] == []  # not even robots.txt


def test_checksite_passes_a_healthy_entry(paper: DemoSite, sites_file: Path) -> None:
    done = scrapy("checksite", "demo", "--sites-file", str(sites_file))
    assert done.returncode == EXIT_OK, done.stdout + done.stderr
    assert "OK: every source lists articles" in done.stdout
    assert f"sitemap {paper.base_url}/sitemap.xml" in done.stdout.replace("  ", " ")
    assert "verdict:   emitted" in done.stdout


def test_checksite_fails_on_a_dead_source(paper: DemoSite, tmp_path: Path) -> None:
    entry = paper.registry_toml("demo").replace("/rss/tin-moi-nhat.rss", "/rss/gone.rss")
    (tmp_path / "sites.toml").write_text(entry, "utf-8")
    done = scrapy("checksite", "demo", "--sites-file", str(tmp_path / "sites.toml"))
    assert done.returncode == EXIT_UNHEALTHY, done.stdout
    assert f"feed {paper.base_url}/rss/gone.rss failed: fetch-failed: HTTP 404" in done.stdout


def test_checksite_obeys_robots_txt(paper: DemoSite, tmp_path: Path) -> None:
    entry = paper.registry_toml("demo").replace(
        f'"{paper.base_url}/thoi-su"', f'"{paper.base_url}/tim-kiem?q=x"'
    )
    (tmp_path / "sites.toml").write_text(entry, "utf-8")
    before = len(paper.requests)
    done = scrapy("checksite", "demo", "--sites-file", str(tmp_path / "sites.toml"))
    assert done.returncode == EXIT_UNHEALTHY, done.stdout
    assert f"listing {paper.base_url}/tim-kiem?q=x failed: robots-disallowed" in done.stdout
    assert "/tim-kiem?q=x" not in paper.requests[before:]


def test_checksite_fails_when_article_allow_matches_nothing(
    paper: DemoSite, tmp_path: Path
) -> None:
    entry = paper.registry_toml("demo").replace(r"-\d{6,}\.html?$", r"/bai-bao/\d+$")
    (tmp_path / "sites.toml").write_text(entry, "utf-8")
    done = scrapy("checksite", "demo", "--sites-file", str(tmp_path / "sites.toml"))
    assert done.returncode == EXIT_UNHEALTHY, done.stdout
    assert "none taken as an article" in done.stdout
    assert "verdict" not in done.stdout  # nothing to sample


def test_checksite_refuses_an_unknown_site(sites_file: Path) -> None:
    done = scrapy("checksite", "nosuch", "--sites-file", str(sites_file))
    assert done.returncode == EXIT_USAGE
    assert "unknown site nosuch; known: demo, farm" in done.stderr


def test_the_feedless_paper_names_its_sitemap_only_in_robots_txt(feedless: DemoSite) -> None:
    def get(path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(feedless.base_url + path, timeout=10) as answer:
                return answer.status, answer.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, ""

    assert f"Sitemap: {feedless.base_url}/so-do-trang/chi-muc.xml" in get("/robots.txt")[1]
    assert get("/so-do-trang/chi-muc.xml")[0] == 200
    assert get("/sitemap.xml")[0] == get("/rss/tin-moi-nhat.rss")[0] == 404
    status, home = get("/")
    assert status == 200 and "rss" not in home.lower()
