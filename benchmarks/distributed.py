"""Distributed mode: pages/s with 1, 2 and 4 workers on this host sharing one Redis frontier.

The site on loopback sleeps ``--latency`` seconds before each response, so the crawl is
network-bound as against real news sites; each worker keeps ``--concurrency`` requests in
flight. The workers are started as the README says for one host: same arguments, same data
directory, the host's cores shared out (NEWSCRAWL_EXTRACT_WORKERS = cores / workers). Starts its
own redis-server on a free loopback port.

    python benchmarks/distributed.py --pages 600 --latency 0.5 --workers 1 2 4
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis
from _common import PROJECT, SITE_KEY, generated_registry, print_table

sys.path.insert(0, str(PROJECT / "tests"))
from redis_server import running_redis_server

from newscrawl.demosite import DemoSite


def _settings(redis_url: str, output: Path, concurrency: int) -> list[str]:
    pairs = {
        "REDIS_URL": redis_url,
        "AUTOTHROTTLE_ENABLED": 0,
        "DOWNLOAD_DELAY": 0,
        "NEWSCRAWL_ALLOW_LOOPBACK": 1,
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "NEWSCRAWL_REDIS_IDLE_SECONDS": 10,
        "NEWSCRAWL_REDIS_HEARTBEAT_SECONDS": 2,
        "NEWSCRAWL_OUTPUT_DIR": output,
        "LOG_LEVEL": "WARNING",
    }
    return [arg for key, value in pairs.items() for arg in ("-s", f"{key}={value}")]


def _emitted(output: Path) -> int:
    """Articles written so far by all workers (their .part files, then the renamed ones)."""
    return sum(
        path.read_bytes().count(b"\n")
        for path in output.glob("news-*.jsonl*")
        if ".rejects." not in path.name
    )


def run_workers(
    count: int, pages: int, registry: Path, redis_url: str, concurrency: int
) -> tuple[float, float]:
    """(seconds from the workers' launch until all pages were emitted, pages/s)."""
    redis.Redis.from_url(redis_url).flushall()
    with tempfile.TemporaryDirectory() as tmp:
        output = Path(tmp)
        site_args = ["-a", f"site={SITE_KEY}", "-a", f"sites_file={registry}"]
        settings = _settings(redis_url, output, concurrency)
        scrapy = [sys.executable, "-m", "scrapy"]
        subprocess.run(
            [*scrapy, "seed", "news", *site_args, *settings],
            cwd=PROJECT,
            check=True,
            capture_output=True,
        )
        launched = time.monotonic()
        extract_workers = max(1, (os.cpu_count() or 1) // count)
        workers = [
            subprocess.Popen(
                [
                    *scrapy,
                    "crawl",
                    "news",
                    *site_args,
                    *settings,
                    "-s",
                    f"NEWSCRAWL_DATA_DIR={output}/data",
                    "-s",
                    f"NEWSCRAWL_EXTRACT_WORKERS={extract_workers}",
                ],
                cwd=PROJECT,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(count)
        ]
        while _emitted(output) < pages:
            if all(worker.poll() is not None for worker in workers):
                raise SystemExit(f"FAIL: workers exited with {_emitted(output)}/{pages} pages")
            time.sleep(0.1)
        elapsed = time.monotonic() - launched
        for worker in workers:
            worker.wait(timeout=120)
    return elapsed, pages / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=600)
    parser.add_argument("--latency", type=float, default=0.5, help="seconds per response")
    parser.add_argument("--concurrency", type=int, default=8, help="requests per worker")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    options = parser.parse_args()
    with (
        running_redis_server() as redis_url,
        DemoSite("paper", generated=options.pages, latency=options.latency).start() as site,
        tempfile.TemporaryDirectory() as tmp,
    ):
        registry = Path(tmp, "sites.toml")
        registry.write_text(generated_registry(site), "utf-8")
        rows = []
        for count in options.workers:
            elapsed, rate = run_workers(
                count, options.pages, registry, redis_url, options.concurrency
            )
            rows.append(
                (
                    f"{count} worker(s)",
                    f"{rate:6.1f} pages/s  ({elapsed:.1f} s, worker start-up included)",
                )
            )
    print_table(
        f"{options.pages} pages, {options.latency} s latency per response, "
        f"{options.concurrency} requests in flight per worker:",
        rows,
    )


if __name__ == "__main__":
    main()
