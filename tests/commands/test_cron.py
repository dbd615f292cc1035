"""Cron-grade runs: incremental state, atomic output, no overlap, health exit codes."""

from __future__ import annotations

import gzip
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import CrawlRun, collect, crawl, start_crawl, wait_for_articles

from newscrawl.demosite import DemoSite
from newscrawl.health import EXIT_ALREADY_RUNNING, EXIT_OK, EXIT_UNHEALTHY

pytestmark = pytest.mark.e2e  # runs scrapy crawl/seed/demo as subprocesses


@pytest.fixture
def site() -> Iterator[DemoSite]:
    """A paper of the test's own: these tests publish and update articles."""
    with DemoSite("paper").start() as fresh:
        yield fresh


@pytest.fixture
def slow_site() -> Iterator[DemoSite]:
    with DemoSite("paper", latency=0.5).start() as slow:
        yield slow


def _registry(tmp_path: Path, *sites: tuple[str, DemoSite]) -> Path:
    path = tmp_path / "sites.toml"
    path.write_text("\n".join(s.registry_toml(name) for name, s in sites), "utf-8")
    return path


def _site_args(tmp_path: Path, site: DemoSite, name: str = "demo") -> tuple[str, ...]:
    return ("-a", f"site={name}", "-a", f"sites_file={_registry(tmp_path, (name, site))}")


def _paths(run: CrawlRun) -> set[str]:
    return set(run.by_url_path())


def test_second_run_emits_only_articles_added_in_between(tmp_path: Path, site: DemoSite) -> None:
    args, data = _site_args(tmp_path, site), tmp_path / "data"
    first = crawl(tmp_path / "run1", *args, data_dir=data)
    assert first.returncode == EXIT_OK
    assert _paths(first) == {a.url_path for a in site.articles()}
    hidden = [a for a in site.articles(visible_only=False) if a.hidden]
    for article in hidden:
        site.publish(article.slug)
    second = crawl(tmp_path / "run2", *args, data_dir=data)
    assert second.returncode == EXIT_OK
    assert _paths(second) == {a.url_path for a in hidden}
    assert second.stats["newscrawl/skipped/already-emitted"] >= len(first.items)


def test_an_updated_article_is_emitted_again(tmp_path: Path, site: DemoSite) -> None:
    args, data = _site_args(tmp_path, site), tmp_path / "data"
    crawl(tmp_path / "run1", *args, data_dir=data)
    changed = next(a for a in site.articles() if a.kind == "article")
    site.update(changed.slug)
    second = crawl(tmp_path / "run2", *args, data_dir=data)
    assert _paths(second) == {changed.url_path}
    (item,) = second.items
    assert item["metadata"]["update"] is True
    assert "được cập nhật lần 1" in item["articleBody"]


def test_empty_run_writes_a_report_but_no_jsonl(tmp_path: Path, site: DemoSite) -> None:
    args, data = _site_args(tmp_path, site), tmp_path / "data"
    crawl(tmp_path / "run1", *args, data_dir=data)
    again = crawl(tmp_path / "run2", *args, data_dir=data)
    assert again.returncode == EXIT_OK
    assert again.items == []
    assert not [
        p for p in (tmp_path / "run2").glob("news-*.jsonl") if not p.name.endswith(".rejects.jsonl")
    ]
    assert again.report["emitted"] == 0 and again.report["exitStatus"] == EXIT_OK


def _wait_for_lock(data: Path, timeout: float = 60) -> None:
    """Until a crawl holds its run lock in ``data``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(lock.read_text("utf-8").strip() for lock in data.glob("locks/*.lock")):
            return
        time.sleep(0.05)
    raise AssertionError(f"no run lock in {data} within {timeout}s")


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_killed_run_publishes_nothing_and_loses_nothing(
    tmp_path: Path, slow_site: DemoSite, how: signal.Signals
) -> None:
    args, data = _site_args(tmp_path, slow_site), tmp_path / "data"
    run = start_crawl(tmp_path / "killed", *args, data_dir=data)
    wait_for_articles(slow_site, 3)
    run.send_signal(how)
    _, stderr = run.communicate(timeout=60)
    killed = collect(tmp_path / "killed", run.returncode, stderr)
    assert killed.items == []  # nothing under a final name
    if how == signal.SIGTERM:  # a graceful stop writes what it held, under the .part name only
        assert list((tmp_path / "killed").glob("*.jsonl.part"))
        assert run.returncode == EXIT_UNHEALTHY
        assert killed.report["finishReason"] == "shutdown"
    after = crawl(tmp_path / "after", *args, data_dir=data)
    assert after.returncode == EXIT_OK
    assert _paths(after) == {a.url_path for a in slow_site.articles()}


def test_overlapping_run_exits_at_once(tmp_path: Path) -> None:
    # 26 articles at 1 s each, 4 at a time: the first run outlasts the second's start-up
    with DemoSite("paper", latency=1.0).start() as very_slow:
        _overlap(tmp_path, very_slow)


def _overlap(tmp_path: Path, slow_site: DemoSite) -> None:
    args, data = _site_args(tmp_path, slow_site), tmp_path / "data"
    first = start_crawl(tmp_path / "first", *args, data_dir=data)
    _wait_for_lock(data)
    started = time.monotonic()
    second = crawl(tmp_path / "second", *args, data_dir=data, timeout=60)
    assert second.returncode == EXIT_ALREADY_RUNNING
    assert "already in progress" in second.stderr
    assert time.monotonic() - started < 15
    assert first.wait(timeout=120) == EXIT_OK
    assert collect(tmp_path / "first", 0, "").items


def test_dead_site_exits_unhealthy(tmp_path: Path) -> None:
    with DemoSite("paper").start() as gone:
        args = _site_args(tmp_path, gone)
    run = crawl(tmp_path / "out", *args, "-s", "RETRY_TIMES=0")
    assert run.returncode == EXIT_UNHEALTHY
    assert run.report["problems"]


def test_all_500_site_exits_unhealthy(tmp_path: Path, site: DemoSite) -> None:
    site.fail_all = True
    run = crawl(tmp_path / "out", *_site_args(tmp_path, site), "-s", "RETRY_TIMES=1")
    assert run.returncode == EXIT_UNHEALTHY
    assert any("requests failed" in p for p in run.report["problems"])
    assert run.items == []


def test_near_duplicate_on_a_second_site_is_dropped(
    tmp_path: Path, site: DemoSite, farm: DemoSite
) -> None:
    data = tmp_path / "data"
    registry = _registry(tmp_path, ("demo", site), ("farm", farm))
    crawl(tmp_path / "paper", "-a", "site=demo", "-a", f"sites_file={registry}", data_dir=data)
    copies = {
        a.url_path: a.expected["copy_of"]
        for a in farm.articles()
        if a.kind.startswith("near-duplicate-of:")
    }
    assert len(copies) == 3
    run = crawl(tmp_path / "farm", "-a", "site=farm", "-a", f"sites_file={registry}", data_dir=data)
    duplicates = {
        r["url"].removeprefix(farm.base_url): r["evidence"] for r in run.rejects_for("duplicate")
    }
    assert set(duplicates) == set(copies)
    for path, original in copies.items():
        assert original in duplicates[path] and site.base_url in duplicates[path]


def test_lock_is_released_after_a_crash(tmp_path: Path, slow_site: DemoSite) -> None:
    args, data = _site_args(tmp_path, slow_site), tmp_path / "data"
    run = start_crawl(tmp_path / "killed", *args, data_dir=data)
    wait_for_articles(slow_site, 1)
    run.kill()
    run.wait(timeout=30)
    assert subprocess.run(["true"]).returncode == 0
    again = crawl(tmp_path / "again", *args, data_dir=data)
    assert again.returncode == EXIT_OK


def test_gzip_output(tmp_path: Path, site: DemoSite) -> None:
    run = crawl(tmp_path, *_site_args(tmp_path, site), "-s", "NEWSCRAWL_GZIP=1")
    assert run.returncode == EXIT_OK
    (packed,) = tmp_path.glob("news-*.jsonl.gz")
    lines = gzip.decompress(packed.read_bytes()).decode("utf-8").splitlines()
    assert len(lines) == len(site.articles())
    assert run.report["emitted"] == len(lines)


@pytest.mark.parametrize("order", ["farm,demo", "demo,farm"])
def test_the_original_is_kept_whatever_is_crawled_first(
    tmp_path: Path, site: DemoSite, farm: DemoSite, order: str
) -> None:
    """A farm's near-copies, published after the originals, lose to them in one run."""
    registry = _registry(tmp_path, ("demo", site), ("farm", farm))
    run = crawl(
        tmp_path / "out",
        "-a",
        f"site={order}",
        "-a",
        f"sites_file={registry}",
        "-s",
        "CONCURRENT_REQUESTS=1",
    )
    assert run.returncode == EXIT_OK
    copies = {
        a.url_path: a.expected["copy_of"]
        for a in farm.articles()
        if a.kind.startswith("near-duplicate-of:")
    }
    emitted = {item["url"] for item in run.items}
    duplicates = {
        r["url"].removeprefix(farm.base_url): r["evidence"] for r in run.rejects_for("duplicate")
    }
    for path, original in copies.items():
        assert farm.base_url + path not in emitted
        assert original in duplicates[path] and site.base_url in duplicates[path]
        assert any(url.startswith(site.base_url) and original in url for url in emitted)


@pytest.mark.parametrize("limit", [("CLOSESPIDER_ITEMCOUNT", "3"), ("CLOSESPIDER_TIMEOUT", "4")])
def test_a_run_closed_at_a_limit_publishes_and_records_what_it_did(
    tmp_path: Path, limit: tuple[str, str]
) -> None:
    """A time- or size-boxed cron run is a completed run: its file is published, its articles
    recorded, and the next run emits the rest, nothing twice."""
    # 1 s a response, 4 at a time: the 26 articles take longer than the 4 s limit
    with DemoSite("paper", latency=1.0).start() as slow_site:
        _boxed_then_the_rest(tmp_path, slow_site, limit)


def _boxed_then_the_rest(tmp_path: Path, slow_site: DemoSite, limit: tuple[str, str]) -> None:
    args, data = _site_args(tmp_path, slow_site), tmp_path / "data"
    boxed = crawl(tmp_path / "boxed", *args, "-s", f"{limit[0]}={limit[1]}", data_dir=data)
    assert boxed.report["finishReason"].startswith("closespider_")
    assert boxed.returncode == EXIT_OK, boxed.report["problems"]
    assert boxed.items and not list((tmp_path / "boxed").glob("*.part"))
    rest = crawl(tmp_path / "rest", *args, data_dir=data)
    assert rest.returncode == EXIT_OK
    assert not _paths(boxed) & _paths(rest)
    assert _paths(boxed) | _paths(rest) == {a.url_path for a in slow_site.articles()}


def test_output_in_batches_is_published_and_recorded_whole(tmp_path: Path, site: DemoSite) -> None:
    """FEED_EXPORT_BATCH_ITEM_COUNT: every batch file is published when the run completes, and
    the state records exactly what the files hold."""
    args, data = _site_args(tmp_path, site), tmp_path / "data"
    out = tmp_path / "batches"
    run = crawl(
        out,
        *args,
        "-s",
        "FEED_EXPORT_BATCH_ITEM_COUNT=5",
        "-O",
        f"{out}/news-%(batch_id)02d.jsonl",
        data_dir=data,
    )
    assert run.returncode == EXIT_OK
    assert not list(out.glob("*.part"))
    files = sorted(out.glob("news-[0-9][0-9].jsonl"))
    assert len(files) == -(-len(site.articles()) // 5)
    assert _paths(run) == {a.url_path for a in site.articles()}
    again = crawl(tmp_path / "again", *args, data_dir=data)
    assert again.returncode == EXIT_OK and again.items == []


def test_a_crawl_with_a_jobdir_keeps_its_spider_state(tmp_path: Path, site: DemoSite) -> None:
    """Scrapy's SpiderState pickles ``spider.state`` into JOBDIR: the spider must not put its
    state store (a database connection) there."""
    run = crawl(tmp_path / "out", *_site_args(tmp_path, site), "-s", f"JOBDIR={tmp_path}/job")
    assert run.returncode == EXIT_OK
    assert "Traceback" not in run.stderr and "cannot pickle" not in run.stderr
    assert (tmp_path / "job" / "spider.state").exists()


def test_overwriting_output_replaces_the_feed_and_rejects_even_when_nothing_is_new(
    tmp_path: Path, site: DemoSite
) -> None:
    """``-O``: the file and its rejects are this run's alone; a run with nothing new leaves an
    empty file, not the previous run's articles under this run's name."""
    args, data, out = _site_args(tmp_path, site), tmp_path / "data", tmp_path / "out"
    feed = out / "latest.jsonl"
    first = crawl(out, *args, "-O", str(feed), data_dir=data)
    assert first.returncode == EXIT_OK and first.items
    rejects = out / "latest.rejects.jsonl"
    rejects.write_text('{"url": "https://old.example/x", "reason": "left-over"}\n', "utf-8")
    second = crawl(out, *args, "-O", str(feed), data_dir=data)
    assert second.returncode == EXIT_OK
    assert feed.read_text("utf-8") == ""
    assert "left-over" not in (rejects.read_text("utf-8") if rejects.exists() else "")


def test_a_gz_output_name_is_gzipped(tmp_path: Path, site: DemoSite) -> None:
    feed = tmp_path / "run.jsonl.gz"
    run = crawl(tmp_path, *_site_args(tmp_path, site), "-o", f"{feed}:jsonlines")
    assert run.returncode == EXIT_OK
    lines = gzip.decompress(feed.read_bytes()).decode("utf-8").splitlines()
    assert len(lines) == len(site.articles())


def test_a_scrapyd_job_argument_is_accepted(tmp_path: Path, site: DemoSite) -> None:
    run = crawl(tmp_path, *_site_args(tmp_path, site), "-a", "_job=6487ec79cf3a11ee")
    assert run.returncode == EXIT_OK
    assert len(run.items) == len(site.articles())


def test_a_paused_jobdir_run_resumes_and_loses_nothing(tmp_path: Path) -> None:
    """Scrapy's pause and resume (JOBDIR, one SIGINT): the articles the paused run had fetched
    are published by the resumed run (JOBDIR's duplicate filter never fetches them again), and
    every article is published once."""
    with DemoSite("paper", latency=0.3).start() as slow:
        args, data = _site_args(tmp_path, slow), tmp_path / "data"
        job = ("-s", f"JOBDIR={tmp_path / 'job'}")
        paused = start_crawl(tmp_path / "paused", *args, *job, data_dir=data)
        wait_for_articles(slow, 5)
        paused.send_signal(signal.SIGINT)
        _, stderr = paused.communicate(timeout=120)
        assert paused.returncode == EXIT_UNHEALTHY, stderr[-2000:]
        assert list((tmp_path / "job" / "newscrawl-unpublished").iterdir())
        resumed = crawl(tmp_path / "resumed", *args, *job, data_dir=data)
        assert resumed.returncode == EXIT_OK, resumed.report.get("problems")
        published = [item["url"] for item in resumed.items]
        assert collect(tmp_path / "paused", 0, "").items == []
        assert sorted(published) == sorted(set(published))
        assert {urlsplit(url).path for url in published} == {a.url_path for a in slow.articles()}
        assert not (tmp_path / "job" / "newscrawl-unpublished").exists()
