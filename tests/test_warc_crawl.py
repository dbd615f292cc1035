"""``scrapy crawl news`` with web archives: ``NEWSCRAWL_WARC_DIR`` archives a live crawl,
``-a warc=`` re-extracts archives (the crawl's own, or ones the tests write) without a request
to the network."""

from __future__ import annotations

import gzip
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    Archived,
    CrawlRun,
    Server,
    article_page,
    crawl,
    start_crawl,
    wait_for_articles,
    write_warc,
)

from newscrawl.demosite import DemoSite
from newscrawl.health import EXIT_OK, EXIT_UNHEALTHY

pytestmark = pytest.mark.e2e  # runs scrapy crawl as subprocesses

NOWHERE = "http://127.0.0.1:9"  # the discard port: nothing listens, nothing may be fetched


def _without_download_time(item: dict[str, Any]) -> dict[str, Any]:
    metadata = {k: v for k, v in item["metadata"].items() if k != "dateDownloaded"}
    return {**item, "metadata": metadata}


def _by_body(run: CrawlRun) -> dict[str, dict[str, Any]]:
    return {item["fingerprint"]: _without_download_time(item) for item in run.items}


def _duplicates(run: CrawlRun) -> set[str]:
    return {reject["url"] for reject in run.rejects_for("duplicate")}


def _site_args(tmp_path: Path, site: DemoSite) -> tuple[str, ...]:
    registry = tmp_path / "sites.toml"
    registry.write_text(site.registry_toml("demo"), "utf-8")
    return "-a", "site=demo", "-a", f"sites_file={registry}"


def _article(index: int, base: str = NOWHERE, date: str = "2026-11-30T08:00:00Z") -> Archived:
    path, html = article_page(index, base)
    return Archived(base + path, html, date=date)


@pytest.fixture
def own_paper() -> Iterator[DemoSite]:
    """A paper of the test's own: the shared one serves its flaky page's 500 only once."""
    with DemoSite("paper").start() as fresh:
        yield fresh


def test_a_live_crawl_archived_then_re_extracted_gives_the_same_articles(
    tmp_path: Path, own_paper: DemoSite
) -> None:
    paper = own_paper
    args = _site_args(tmp_path, paper)
    warc = tmp_path / "warc"
    live = crawl(
        tmp_path / "live",
        *args,
        "-s",
        f"NEWSCRAWL_WARC_DIR={warc}",
        "-s",
        "NEWSCRAWL_WARC_MAX_MB=0.05",
    )
    assert live.returncode == EXIT_OK, live.stderr[-3000:]
    files = sorted(warc.iterdir())
    assert len(files) > 1 and all(p.name.endswith(".warc.gz") for p in files)  # rotated, final
    jsonl = next(p for p in (tmp_path / "live").glob("*.jsonl") if "rejects" not in p.name)
    assert all(p.name.startswith(jsonl.name.removesuffix(".jsonl")) for p in files)
    fetched = len(paper.requests)
    again = crawl(tmp_path / "again", *args, "-a", f"warc={warc}", data_dir=tmp_path / "fresh")
    assert again.returncode == EXIT_OK, again.stderr[-3000:]
    assert len(paper.requests) == fetched  # nothing fetched
    assert len(live.items) >= 20
    live_items, again_items = _by_body(live), _by_body(again)
    assert live_items.keys() == again_items.keys()
    for body, item in live_items.items():
        if again_items[body]["url"] == item["url"]:
            assert again_items[body] == item
        else:  # copies of one page, equally preferred: each run keeps the first to arrive
            assert again_items[body]["url"] in _duplicates(live)
            assert item["url"] in _duplicates(again)


def test_hand_written_archives_are_crawled_their_bad_records_rejected(tmp_path: Path) -> None:
    archives = tmp_path / "archives"
    archives.mkdir()
    good = [_article(i, date=f"2026-11-{10 + i}T06:30:00Z") for i in range(3)]
    write_warc(
        archives / "a.warc.gz",
        [
            good[0],
            Archived(
                f"{NOWHERE}/tai-lieu/bao-cao-tai-chinh-so-20001.pdf", "%PDF", "application/pdf"
            ),
            Archived(f"{NOWHERE}/anh/logo-bao-moi-so-20002.png", "PNG", "image/png"),
            Archived(
                f"{NOWHERE}/tin/bai-da-go-khoi-trang-20003.html", "gone", status="404 Not Found"
            ),
            good[1],
        ],
    )
    cut = write_warc(archives / "b.warc.gz", [good[2], _article(7)])
    cut.write_bytes(cut.read_bytes()[:-300])  # the last record cut short
    (archives / "c.warc").write_bytes(b"garbage, not a WARC record\r\n" * 3)
    run = crawl(tmp_path / "out", "-a", f"warc={archives}", timeout=120)
    assert run.returncode == EXIT_OK, run.stderr[-3000:]
    assert {i["url"]: i["metadata"]["dateDownloaded"] for i in run.items} == {
        a.url: f"2026-11-{10 + i}T06:30:00Z" for i, a in enumerate(good)
    }
    assert {r["reason"] for r in run.rejects} == {
        "not-html",
        "warc-http-status",
        "warc-truncated",
        "warc-malformed",
    }
    assert len(run.rejects_for("not-html")) == 2
    assert run.stats["newscrawl/warc/files"] == 3
    assert "Traceback" not in run.stderr


def test_sites_and_since_choose_the_records(tmp_path: Path) -> None:
    other = "http://localhost:9"
    archive = write_warc(
        tmp_path / "mixed.warc.gz",
        [
            _article(1, date="2015-05-31T23:00:00Z"),
            _article(2, date="2026-11-20T00:00:00Z"),
            _article(3, other, date="2026-11-20T00:00:00Z"),
        ],
    )
    registry = tmp_path / "sites.toml"
    # two sites own the host: the record goes to the one that takes it as an article
    registry.write_text(
        '[sport]\ndomains = ["127.0.0.1"]\narticle_allow = ["/the-thao/"]\n'
        '[here]\ndomains = ["127.0.0.1"]\n',
        "utf-8",
    )
    run = crawl(
        tmp_path / "out",
        "-a",
        f"warc={archive}",
        "-a",
        "site=sport,here",
        "-a",
        f"sites_file={registry}",
        "-a",
        "since=2015-06-01",
        timeout=120,
    )
    assert run.returncode == EXIT_OK, run.stderr[-3000:]
    assert [(i["url"], i["site"]) for i in run.items] == [(_article(2).url, "here")]
    assert run.report["skipped"] == {"older-than-since": 1, "warc-other-site": 1}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("-a", "warc=/nonexistent/*.warc.gz"), "warc: no file or directory matches"),
        (("-a", "ccnews=2024-13"), "ccnews: expected a month YYYY-MM"),
        (("-a", "site=vnexpress", "-s", "NEWSCRAWL_WARC_MAX_MB=big"), "NEWSCRAWL_WARC_MAX_MB"),
    ],
)
def test_bad_warc_arguments_fail_fast(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    run = crawl(tmp_path, *args, timeout=60)
    assert run.returncode == 2
    errors = [line for line in run.stderr.splitlines() if line.startswith("newscrawl: ")]
    assert len(errors) == 1 and message in errors[0]


def test_an_interrupted_run_leaves_its_archive_unpublished(tmp_path: Path) -> None:
    warc = tmp_path / "warc"
    with DemoSite("paper", latency=0.5).start() as slow:
        run = start_crawl(
            tmp_path / "out", *_site_args(tmp_path, slow), "-s", f"NEWSCRAWL_WARC_DIR={warc}"
        )
        wait_for_articles(slow, 3)
        run.send_signal(signal.SIGTERM)
        _, stderr = run.communicate(timeout=60)
    assert run.returncode == EXIT_UNHEALTHY, stderr[-3000:]
    assert [p.suffix for p in warc.iterdir()] == [".part"]
    assert list((tmp_path / "out").glob("*.jsonl.part"))


def test_ccnews_months_are_streamed_from_their_path_listings(
    tmp_path: Path, server: Server
) -> None:
    archives = {
        "2024/06": [
            [_article(1), _article(2)],
            [_article(3), Archived(f"{NOWHERE}/a.pdf", "%PDF", "application/pdf")],
        ],
        "2024/07": [[_article(4)]],
    }
    sizes = 0
    for month, files in archives.items():
        paths = [f"crawl-data/CC-NEWS/{month}/CC-NEWS-{n}.warc.gz" for n in range(len(files))]
        for path, records in zip(paths, files, strict=True):
            data = write_warc(tmp_path / "file.warc.gz", records).read_bytes()
            sizes += len(data)
            server.serve(f"/{path}", data, "application/octet-stream")
        server.serve(
            f"/crawl-data/CC-NEWS/{month}/warc.paths.gz",
            gzip.compress("".join(f"{p}\n" for p in paths).encode()),
            "application/gzip",
        )
    server.delays["/crawl-data/CC-NEWS/2024/06/CC-NEWS-1.warc.gz"] = 1.5  # progress is logged
    run = crawl(
        tmp_path / "out",
        "-a",
        "ccnews=2024-06..2024-08",
        "-s",
        f"NEWSCRAWL_CCNEWS_BASE_URL={server.base_url}/",
        "-s",
        "LOGSTATS_INTERVAL=0.5",
        timeout=120,
    )
    assert run.returncode == EXIT_OK, run.stderr[-3000:]
    assert sorted(i["url"] for i in run.items) == [_article(i).url for i in range(1, 5)]
    assert {r["reason"] for r in run.rejects} == {"not-html", "warc-unreadable"}  # August: 404
    assert run.stats["newscrawl/warc/files"] == 3
    assert run.stats["newscrawl/warc/bytes"] == sizes
    assert "Archives: 1 file(s) done, 2 response record(s) read" in run.stderr
    assert {p: n for p, n in server.hits.items() if p.endswith(".warc.gz")} == {
        "/crawl-data/CC-NEWS/2024/06/CC-NEWS-0.warc.gz": 1,
        "/crawl-data/CC-NEWS/2024/06/CC-NEWS-1.warc.gz": 1,
        "/crawl-data/CC-NEWS/2024/07/CC-NEWS-0.warc.gz": 1,
    }
