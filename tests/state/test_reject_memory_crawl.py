"""Remembered rejects across runs of ``scrapy crawl``: a page rejected for what it is is fetched
once, one rejected for a passing cause again after its back-off (and, once emitted, loses its
reject), a source on every run; a run stopped before its commit remembers nothing."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import CrawlRun, Server, collect, crawl, rejected, start_crawl, urlset

from newscrawl.health import EXIT_UNHEALTHY
from newscrawl.state import open_state_store

pytestmark = pytest.mark.e2e  # runs scrapy crawl as subprocesses

MISSING = "/tin/bai-viet-da-go-so-40001.html"  # not served: HTTP 404
PDF = "/tin/bai-viet-ban-in-so-40002.html"
MOVED = "/tin/bai-viet-chuyen-so-40003.html"  # redirects to a PDF of its own
STUB = "/tin/bai-viet-dang-cap-nhat-so-40004.html"  # too short at first, the article later
OLD = "/tin/bai-viet-cu-so-40005.html"  # redirects to a short page of its own
FEED = "/rss/da-go.rss"  # a source, not served: fetched on every run all the same
SHORT = (
    "<html><body><article><h1>Bão số 9 đổ bộ</h1><p>Tin đang được cập nhật.</p>"
    "</article></body></html>"
)
# the first back-off is 1.8 s, the next ones 1,000 h
BACKOFF = ("-s", "NEWSCRAWL_REJECT_BACKOFF_HOURS=0.0005,1000")


def _fetches(site: Server, *paths: str) -> list[int]:
    return [site.hits[path] for path in paths]


def _only_the_feed_failed(run: CrawlRun, feed: str) -> bool:
    """The feed fails on every run, which makes each run unhealthy, and nothing else does."""
    return run.returncode == EXIT_UNHEALTHY and run.report["problems"] == [
        f"feed {feed} failed: fetch-failed: HTTP 404"
    ]


def test_a_rejected_page_is_fetched_once_a_transient_one_again_after_its_backoff(
    tmp_path: Path, server: Server
) -> None:
    article = server.article(1)
    grown = server.pages[server.article(2).removeprefix(server.base_url)]
    server.serve(STUB, SHORT, "text/html")
    server.redirect(OLD, server.serve("/tin/ngan-so-40005.html", SHORT, "text/html"))
    server.serve(PDF, "%PDF-1.4 not a news page", "application/pdf")
    server.redirect(MOVED, server.serve("/files/40003.pdf", "%PDF-1.4", "application/pdf"))
    sitemap = server.serve(
        "/sitemap.xml",
        urlset(article, *(server.base_url + path for path in (MISSING, PDF, MOVED, STUB, OLD))),
    )
    args = (
        "-a",
        f"sitemap={sitemap}",
        "-a",
        f"feed={server.base_url + FEED}",
        *BACKOFF,
        "-s",
        "NEWSCRAWL_HEALTH_MAX_ERROR_RATIO=1",
    )
    data = tmp_path / "data"

    first = crawl(tmp_path / "run1", *args, data_dir=data, timeout=60)
    assert _only_the_feed_failed(first, server.base_url + FEED), first.stderr[-3000:]
    assert rejected(first, "fetch-failed") == {server.base_url + MISSING, server.base_url + FEED}
    assert rejected(first, "not-html") == {
        server.base_url + path for path in (PDF, "/files/40003.pdf")
    }
    assert rejected(first, "too-short") == {
        server.base_url + path for path in (STUB, "/tin/ngan-so-40005.html")
    }
    assert _fetches(server, MISSING, PDF, MOVED, STUB, OLD, FEED) == [1, 1, 1, 1, 1, 1]
    assert "rejected-before" not in first.report["skipped"]
    # the PDF's and the short page's twice: under the URL redirected to them too
    assert "7 reject(s) recorded" in first.stderr

    server.pages[STUB] = grown
    time.sleep(2)  # the first back-off is over, not the PDF's permanent reject
    second = crawl(tmp_path / "run2", *args, data_dir=data, timeout=60)
    assert _only_the_feed_failed(second, server.base_url + FEED), second.stderr[-3000:]
    assert _fetches(server, MISSING, PDF, MOVED, STUB, OLD, FEED) == [2, 1, 1, 2, 2, 2]
    assert [item["url"] for item in second.items] == [server.base_url + STUB]
    assert second.report["skipped"]["rejected-before"] == 2  # the PDF, the URL moved to one
    assert "skipped  rejected-before" in second.stderr  # the summary

    third = crawl(tmp_path / "run3", *args, data_dir=data, timeout=60)
    assert _only_the_feed_failed(third, server.base_url + FEED), third.stderr[-3000:]
    # the 404's next back-off: 1,000 h; the stub is emitted
    assert _fetches(server, MISSING, PDF, MOVED, STUB, OLD, FEED) == [2, 1, 1, 2, 2, 3]
    assert third.report["skipped"]["rejected-before"] == 4
    assert server.hits[article.removeprefix(server.base_url)] == 1  # emitted: skipped as such
    with open_state_store(f"sqlite:{data}/state.sqlite") as store:
        again = store.rejection(server.base_url + MISSING)
        assert again is not None and again.attempts == 2
        moved = store.rejection(server.base_url + OLD)
        assert moved is not None and (moved.reason, moved.attempts) == ("too-short", 2)
        assert store.rejection(server.base_url + FEED) is None
        assert store.rejection(server.base_url + STUB) is None  # emitted since


def test_a_run_stopped_before_its_commit_remembers_no_reject(
    tmp_path: Path, server: Server
) -> None:
    slow = server.article(1)
    server.delays[slow.removeprefix(server.base_url)] = 4.0  # keeps the run busy
    sitemap = server.serve("/sitemap.xml", urlset(slow, server.base_url + MISSING))
    args, data, out = ("-a", f"sitemap={sitemap}"), tmp_path / "data", tmp_path / "stopped"
    run = start_crawl(out, *args, data_dir=data)
    deadline = time.monotonic() + 60
    while not any(MISSING in path.read_text("utf-8") for path in out.glob("*.rejects.jsonl")):
        assert time.monotonic() < deadline and run.poll() is None, "no reject while running"
        time.sleep(0.05)
    run.terminate()  # SIGTERM: a graceful stop, before the commit
    _, stderr = run.communicate(timeout=60)
    stopped = collect(out, run.returncode, stderr)
    assert stopped.report["finishReason"] == "shutdown"
    assert "nothing recorded" in stderr
    with open_state_store(f"sqlite:{data}/state.sqlite") as store:
        assert store.rejection(server.base_url + MISSING) is None

    server.delays.clear()
    after = crawl(tmp_path / "after", *args, data_dir=data, timeout=60)
    assert after.returncode == 0, after.stderr[-3000:]
    assert server.hits[MISSING] == 2  # fetched again
    assert rejected(after, "fetch-failed") == {server.base_url + MISSING}
