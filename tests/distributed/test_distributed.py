"""Distributed mode: seed once, several `scrapy crawl` workers share scrapy-redis's frontier."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from conftest import FAST, PROJECT, crawl, start_crawl, wait_for_articles
from redis_server import (  # noqa: F401  (redis_server_url, redis_url: fixtures, requested by name)
    REDIS_SERVER,
    SKIP_REASON,
    free_port,
    redis_server_url,
    redis_url,
    start_redis_server,
    stop_redis_server,
)
from scrapy import Request

from newscrawl.demosite import DemoSite
from newscrawl.distributed.dupefilter import ExpiringDupeFilter
from newscrawl.health import EXIT_ALREADY_RUNNING, EXIT_OK, EXIT_UNHEALTHY, EXIT_USAGE

pytestmark = pytest.mark.e2e  # runs scrapy crawl/seed/demo as subprocesses

FAST_WORKERS = ("-s", "NEWSCRAWL_REDIS_IDLE_SECONDS=3", "-s", "NEWSCRAWL_REDIS_HEARTBEAT_SECONDS=1")


def _args(tmp_path: Path, site: DemoSite, redis_url: str) -> tuple[str, ...]:
    registry = tmp_path / "sites.toml"
    registry.write_text(site.registry_toml("demo"), "utf-8")
    return (
        "-a",
        "site=demo",
        "-a",
        f"sites_file={registry}",
        "-s",
        f"REDIS_URL={redis_url}",
        *FAST_WORKERS,
    )


def _seed(args: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "seed", "news", *FAST, *args],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _published(output: Path) -> list[dict]:
    return [
        json.loads(line)
        for path in output.glob("news-*.jsonl")
        if not path.name.endswith(".rejects.jsonl")
        for line in path.read_text("utf-8").splitlines()
    ]


def _canonical_paths(items: list[dict], site: DemoSite) -> Counter[str]:
    return Counter((i["canonicalUrl"] or i["url"]).removeprefix(site.base_url) for i in items)


def test_seed_needs_redis(tmp_path: Path, paper: DemoSite) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "seed",
            "news",
            "-a",
            f"sitemap={paper.base_url}/sitemap.xml",
        ],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "REDIS_URL" in done.stderr


def test_three_workers_emit_each_article_exactly_once(tmp_path: Path, redis_url: str) -> None:
    """Started alike: same arguments, output and data directory (its run lock included)."""
    with DemoSite("paper", latency=0.05).start() as site:
        args = _args(tmp_path, site, redis_url)
        seeded = _seed(args)
        assert seeded.returncode == 0, seeded.stderr[-2000:]
        assert "Seeded 3 source request(s)" in seeded.stdout
        workers = [start_crawl(tmp_path / "out", *args) for _ in range(3)]
        codes = [worker.wait(timeout=180) for worker in workers]
        items = _published(tmp_path / "out")
        counts = _canonical_paths(items, site)
        assert codes == [EXIT_OK] * 3
        assert counts == Counter({a.url_path: 1 for a in site.articles()})
        assert len(list((tmp_path / "out").glob("news-*-*.report.json"))) == 3  # one per worker


def test_killed_worker_loses_nothing(tmp_path: Path, redis_url: str) -> None:
    with DemoSite("paper", latency=0.3).start() as site:
        args = _args(tmp_path, site, redis_url)
        assert _seed(args).returncode == 0
        doomed = start_crawl(tmp_path / "doomed", *args, data_dir=tmp_path / "d0")
        articles = {article.url_path for article in site.articles()}
        deadline = time.monotonic() + 60
        while sum(path in articles for path in site.requests) < 2:  # held, not yet published
            assert time.monotonic() < deadline, "the doomed worker fetched no article"
            time.sleep(0.05)
        survivor = start_crawl(tmp_path / "survivor", *args, data_dir=tmp_path / "d1")
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=30)
        _, stderr = survivor.communicate(timeout=180)
        assert survivor.returncode == EXIT_OK, stderr[-3000:]
        assert _published(tmp_path / "doomed") == []
        counts = _canonical_paths(_published(tmp_path / "survivor"), site)
        assert counts == Counter({a.url_path: 1 for a in site.articles()}), stderr[-4000:]
        report = json.loads(next((tmp_path / "survivor").glob("*.report.json")).read_text())
        assert report["stats"]["newscrawl/redis/recovered"] >= 2


def test_failed_fetches_are_not_blacklisted(tmp_path: Path, redis_url: str) -> None:
    with DemoSite("paper").start() as site:
        args = _args(tmp_path, site, redis_url)
        assert _seed(args).returncode == 0
        worker = start_crawl(tmp_path / "out", *args)
        assert worker.wait(timeout=120) == EXIT_OK
        client = redis.Redis.from_url(redis_url)
        dupefilter = ExpiringDupeFilter(client, "news:dupefilter")

        def key(path: str) -> str:
            fingerprint = dupefilter.request_fingerprint(Request(site.base_url + path))
            return f"news:dupefilter:{fingerprint}"

        gone = "/thoi-su/bai-viet-da-go-4300960.html"  # 404
        fetched = next(iter(site.articles())).url_path
        assert client.exists(key(fetched)) and not client.exists(key(gone))
        assert 0 < client.ttl(key(fetched)) <= 24 * 3600
        assert client.keys("news:inflight:*") == []  # committed: nothing held any more
        assert client.keys("newscrawl:a:*")  # the state is in Redis too


def test_state_keys_expire_when_configured(tmp_path: Path, redis_url: str) -> None:
    with DemoSite("paper").start() as site:
        args = (*_args(tmp_path, site, redis_url), "-s", "NEWSCRAWL_STATE_TTL_DAYS=2")
        assert _seed(args).returncode == 0
        assert start_crawl(tmp_path / "out", *args).wait(timeout=120) == EXIT_OK
        client = redis.Redis.from_url(redis_url)
        keys = client.keys("newscrawl:a:*")
        assert keys and all(0 < client.ttl(key) <= 2 * 86400 for key in keys)


def test_a_seed_in_progress_stops_a_second_one(
    tmp_path: Path, redis_url: str, paper: DemoSite
) -> None:
    redis.Redis.from_url(redis_url).set("news:seeding", "otherhost-1234")
    second = _seed(_args(tmp_path, paper, redis_url))
    assert second.returncode == EXIT_ALREADY_RUNNING
    assert "in progress" in second.stderr and "otherhost-1234" in second.stderr
    assert redis.Redis.from_url(redis_url).keys("news:requests") == []


def test_a_worker_without_a_seed_says_so(tmp_path: Path, redis_url: str, paper: DemoSite) -> None:
    run = crawl(tmp_path / "out", *_args(tmp_path, paper, redis_url), timeout=60)
    assert run.returncode == EXIT_USAGE
    (said,) = [line for line in run.stderr.splitlines() if line.startswith("newscrawl:")]
    assert "no seed of news" in said and "scrapy seed" in said


def _seed_and_crawl(tmp_path: Path, args: tuple[str, ...], output: str) -> list[dict]:
    assert _seed(args).returncode == 0
    worker = start_crawl(tmp_path / output, *args, data_dir=tmp_path / "data")
    _, stderr = worker.communicate(timeout=180)
    assert worker.returncode == EXIT_OK, stderr[-3000:]
    return _published(tmp_path / output)


def test_an_updated_article_is_emitted_again(tmp_path: Path, redis_url: str) -> None:
    with DemoSite("paper").start() as site:
        args = _args(tmp_path, site, redis_url)
        first = _seed_and_crawl(tmp_path, args, "run1")
        changed = next(a for a in site.articles() if a.kind == "article")
        site.update(changed.slug)
        second = _seed_and_crawl(tmp_path, args, "run2")
        assert _canonical_paths(second, site) == Counter({changed.url_path: 1})
        assert second[0]["metadata"]["update"] is True and len(first) > 1
        assert _seed_and_crawl(tmp_path, args, "run3") == []  # that version was fetched


def test_reset_clears_the_frontier_too(tmp_path: Path, redis_url: str) -> None:
    with DemoSite("paper").start() as site:
        args = _args(tmp_path, site, redis_url)
        first = _seed_and_crawl(tmp_path, args, "run1")
        reset = subprocess.run(
            [sys.executable, "-m", "newscrawl.state", "--uri", redis_url, "reset"],
            cwd=PROJECT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert reset.returncode == 0, reset.stderr
        assert "cleared the frontier of news" in reset.stdout
        assert redis.Redis.from_url(redis_url).keys("news:*") == []
        again = _seed_and_crawl(tmp_path, args, "run2")
        assert _canonical_paths(again, site) == _canonical_paths(first, site)


class RestartableRedis:
    """A redis-server of the test's own, killed (SIGKILL, as a crash) and restarted on its
    port; with ``aof``, its data survives (appendfsync always: nothing acknowledged is lost)."""

    def __init__(self, directory: Path, aof: bool) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.options = (
            "--dir",
            str(directory),
            *(("--appendonly", "yes", "--appendfsync", "always") if aof else ()),
        )
        self.process = start_redis_server(self.port, *self.options)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def restart(self) -> None:
        self.process = start_redis_server(self.port, *self.options)


@pytest.fixture(params=[True, False], ids=["aof", "no-persistence"])
def restartable_redis(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RestartableRedis]:
    if REDIS_SERVER is None:
        pytest.skip(SKIP_REASON)
    server = RestartableRedis(tmp_path, aof=request.param)
    yield server
    stop_redis_server(server.process)


def _all_once(site: DemoSite, *outputs: Path) -> bool:
    items = [item for output in outputs for item in _published(output)]
    return _canonical_paths(items, site) == Counter({a.url_path: 1 for a in site.articles()})


def test_a_worker_rides_out_a_short_redis_outage(
    tmp_path: Path, restartable_redis: RestartableRedis
) -> None:
    with DemoSite("paper", latency=0.2).start() as site:
        args = _args(tmp_path, site, restartable_redis.url)
        assert _seed(args).returncode == 0
        worker = start_crawl(tmp_path / "run1", *args, data_dir=tmp_path / "data")
        wait_for_articles(site, 3)
        restartable_redis.kill()
        time.sleep(3)
        restartable_redis.restart()
        _, stderr = worker.communicate(timeout=240)  # never a hang
        assert worker.returncode in (EXIT_OK, EXIT_UNHEALTHY), stderr[-3000:]
        # what the outage took away (without persistence: the frontier) is crawled again
        assert _seed(args).returncode == 0
        again = start_crawl(tmp_path / "run2", *args, data_dir=tmp_path / "data")
        _, stderr = again.communicate(timeout=240)
        assert again.returncode == EXIT_OK, stderr[-3000:]
        assert _all_once(site, tmp_path / "run1", tmp_path / "run2"), stderr[-3000:]


def test_a_long_redis_outage_ends_the_worker_with_nothing_published(
    tmp_path: Path, restartable_redis: RestartableRedis
) -> None:
    with DemoSite("paper", latency=0.2).start() as site:
        args = (
            *_args(tmp_path, site, restartable_redis.url),
            "-s",
            "NEWSCRAWL_REDIS_RETRY_SECONDS=2",
        )
        assert _seed(args).returncode == 0
        worker = start_crawl(tmp_path / "run1", *args, data_dir=tmp_path / "data")
        wait_for_articles(site, 3)
        restartable_redis.kill()
        _, stderr = worker.communicate(timeout=240)  # never a hang
        assert worker.returncode == EXIT_UNHEALTHY
        assert "Redis unreachable" in stderr
        assert _published(tmp_path / "run1") == []
        restartable_redis.restart()
        assert _seed(args).returncode == 0
        again = start_crawl(tmp_path / "run2", *args, data_dir=tmp_path / "data")
        _, stderr = again.communicate(timeout=240)
        assert again.returncode == EXIT_OK, stderr[-3000:]
        assert _all_once(site, tmp_path / "run2"), stderr[-3000:]
