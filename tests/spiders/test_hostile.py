"""Hostile sources: sitemaps, feeds and URL lists whose entries try to make the crawler read
local files, leave the site, loop, or crash a whole source with one bad URL."""

from __future__ import annotations

import time
from html import escape
from pathlib import Path

import pytest
from conftest import (
    Server,
    collect,
    crawl,
    emitted,
    rejected,
    rejected_all,
    rss,
    sitemap_index,
    start_crawl,
    urlset,
)

pytestmark = pytest.mark.e2e  # runs scrapy crawl as subprocesses


def test_file_and_ftp_entries_are_rejected_and_nothing_is_read(
    tmp_path: Path, server: Server
) -> None:
    secret = tmp_path / "secret" / "bai-viet-bi-mat-so-12345.html"
    secret.parent.mkdir()
    secret.write_text(
        f"<html><body><article><h1>Bí mật</h1><p>{'MẬT KHẨU ' * 80}</p></article></body></html>",
        "utf-8",
    )
    good = [server.article(i) for i in range(3)]
    port = server.base_url.rsplit(":", 1)[1]
    hostile = [
        f"file://127.0.0.1{secret}",
        f"ftp://127.0.0.1:{port}/tin/bai-viet-ftp-so-12346.html",
    ]
    sitemap = server.serve("/sitemap.xml", urlset(*hostile, good[0]))
    feed = server.serve("/rss.xml", rss(*hostile, good[1]), "application/rss+xml")
    elsewhere = "http://127.0.0.2:9/tin/bai-viet-noi-khac-so-12347.html"
    links = "".join(
        f'<li><a href="{escape(u)}">Bài {i}</a></li>'
        for i, u in enumerate([*hostile, good[2], elsewhere])
    )
    listing = server.serve("/thoi-su", f"<html><body><ul>{links}</ul></body></html>", "text/html")
    run = crawl(
        tmp_path / "out",
        "-a",
        f"sitemap={sitemap}",
        "-a",
        f"feed={feed}",
        "-a",
        f"start_url={listing}",
        timeout=60,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert sorted(rejected_all(run, "url-scheme")) == sorted(hostile * 3)
    assert elsewhere not in {r["url"] for r in run.rejects}  # an ordinary link elsewhere
    assert emitted(run) == set(good)
    assert not any("MẬT KHẨU" in item["articleBody"] for item in run.items)


def test_offsite_and_other_port_urls_are_rejected(
    tmp_path: Path, server: Server, other_port: Server
) -> None:
    good = server.article(1)
    foreign_article = other_port.article(2)
    foreign_sitemap = other_port.serve("/sitemap.xml", urlset(foreign_article))
    offsite_host = f"{server.base_url.replace('127.0.0.1', '127.0.0.2')}/sitemap-x.xml"
    moved = server.redirect("/moved.xml", foreign_sitemap)
    urls = server.serve("/urls.xml", urlset(good, foreign_article))
    index = server.serve("/index.xml", sitemap_index(urls, foreign_sitemap, offsite_host, moved))
    run = crawl(tmp_path, "-a", f"sitemap={index}", timeout=60)
    assert run.returncode == 0, run.stderr[-3000:]
    assert {foreign_article, foreign_sitemap, offsite_host} <= rejected(run, "url-offsite")
    assert foreign_sitemap in {
        r["url"]
        for r in run.rejects
        if r["reason"] == "url-offsite" and "redirect" in r["evidence"]
    }
    assert emitted(run) == {good}
    assert not other_port.hits


def test_each_bad_entry_is_one_reject_and_the_rest_is_crawled(
    tmp_path: Path, server: Server
) -> None:
    good = [server.article(i) for i in range(3)]
    malformed = [
        "/tin/bai-viet-tuong-doi-so-20001.html",
        "http://127.0.0.1:99999/tin/bai-viet-cong-sai-20002.html",
        "http://[::1/tin/bai-viet-ipv6-hong-20003.html",
    ]
    script = "javascript:alert('bai-viet-so-20004')"
    sitemap = server.serve("/sitemap.xml", urlset(good[0], *malformed, script, good[1]))
    feed = server.serve("/rss.xml", rss(script, good[2], "http://[::1/x"), "application/rss+xml")
    run = crawl(tmp_path, "-a", f"sitemap={sitemap}", "-a", f"feed={feed}", timeout=60)
    assert run.returncode == 0, run.stderr[-3000:]
    assert rejected(run, "url-malformed") == {*malformed, "http://[::1/x"}
    assert rejected_all(run, "url-scheme") == [script, script]
    assert emitted(run) == set(good)


def test_bad_lines_of_a_urls_file_are_rejected_the_others_crawled(
    tmp_path: Path, server: Server
) -> None:
    good = [server.article(i) for i in range(2)]
    bad = {
        "ftp://127.0.0.1/tin/bai-viet-ftp-so-30001.html": "url-scheme",
        "tin/bai-viet-tuong-doi-so-30002.html": "url-malformed",
    }
    urls = tmp_path / "urls.txt"
    urls.write_text("\n".join([good[0], *bad, good[1]]) + "\n", "utf-8")
    run = crawl(tmp_path / "out", "-a", f"urls_file={urls}", timeout=60)
    assert run.returncode == 0, run.stderr[-3000:]
    assert {r["url"]: r["reason"] for r in run.rejects} == bad
    assert emitted(run) == set(good)


def test_sitemap_loops_end_with_each_sitemap_fetched_once(tmp_path: Path, server: Server) -> None:
    articles = server.serve("/articles.xml", urlset(*(server.article(i) for i in range(2))))
    a, b = f"{server.base_url}/a.xml", f"{server.base_url}/b.xml"
    server.serve("/a.xml", sitemap_index(a, b, articles))  # lists itself, and b lists a
    server.serve("/b.xml", sitemap_index(a, articles))
    run = crawl(tmp_path, "-a", f"sitemap={a}", timeout=40)
    assert run.returncode == 0, run.stderr[-3000:]
    assert len(run.items) == 2
    assert {p: n for p, n in server.hits.items() if p.endswith(".xml")} == {
        "/a.xml": 1,
        "/b.xml": 1,
        "/articles.xml": 1,
    }


def test_sitemap_nesting_is_capped(tmp_path: Path, server: Server) -> None:
    chain = [server.serve("/deep-4.xml", urlset(server.article(4)))]
    for depth in (3, 2, 1, 0):
        chain.insert(0, server.serve(f"/deep-{depth}.xml", sitemap_index(chain[0])))
    run = crawl(
        tmp_path, "-a", f"sitemap={chain[0]}", "-s", "NEWSCRAWL_SITEMAP_MAX_DEPTH=2", timeout=60
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert rejected(run, "sitemap-too-deep") == {chain[3]}
    assert [server.hits[f"/deep-{d}.xml"] for d in range(5)] == [1, 1, 1, 0, 0]


def test_two_runs_started_at_once_write_two_files(tmp_path: Path, server: Server) -> None:
    sitemap = server.serve("/sitemap.xml", urlset(server.article(1)))
    feed = server.serve("/rss.xml", rss(server.article(2)), "application/rss+xml")
    out = tmp_path / "out"
    # both in the same second of the clock, as two cron lines of the same minute would be
    time.sleep(1 - time.time() % 1)
    runs = [
        start_crawl(out, "-a", source, data_dir=tmp_path / name)
        for name, source in (("a", f"sitemap={sitemap}"), ("b", f"feed={feed}"))
    ]
    for process in runs:
        _, stderr = process.communicate(timeout=60)
        assert process.returncode == 0, stderr[-3000:]
    files = [p for p in out.glob("news-*.jsonl") if not p.name.endswith(".rejects.jsonl")]
    assert len(files) == 2
    assert len(list(out.glob("news-*.report.json"))) == 2
    assert len(collect(out, 0, "").items) == 2
