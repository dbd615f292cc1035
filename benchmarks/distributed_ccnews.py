"""Distributed CC-NEWS: articles/s with 1 and 2 workers sharing the WARC files of one month.

A CC-NEWS-shaped tree is served on loopback (``--files`` WARC files of ``--articles`` generated
articles each); each file takes ``--seconds-per-file`` to arrive, as a file streamed from a
remote store does. ``scrapy seed`` puts one request per file on a Redis frontier of its own,
then the workers (same arguments, same data directory, NEWSCRAWL_EXTRACT_WORKERS = cores /
workers) read them; the time is from the workers' launch until the last one exited, and every
article is checked to be emitted exactly once.

    python benchmarks/distributed_ccnews.py --files 6 --articles 60 --seconds-per-file 3
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import redis
from _common import PROJECT, print_table

sys.path.insert(0, str(PROJECT / "tests"))
from conftest import Archived, Server, article_page, write_warc
from redis_server import running_redis_server

NOWHERE = "http://127.0.0.1:9"  # the articles' own host: never fetched


def serve_month(
    server: Server, directory: Path, files: int, articles: int, seconds: float
) -> list[str]:
    """The month 2024/06 of ``files`` WARC files; the URLs of all their articles."""
    urls, paths = [], []
    for n in range(files):
        records = []
        for index in range(n * articles, (n + 1) * articles):
            path, html = article_page(index, NOWHERE)
            records.append(Archived(NOWHERE + path, html))
            urls.append(NOWHERE + path)
        warc = write_warc(directory / f"CC-NEWS-{n:05d}.warc.gz", records)
        paths.append(f"/crawl-data/CC-NEWS/2024/06/{warc.name}")
        server.serve(paths[-1], warc.read_bytes(), "application/octet-stream")
        server.trickles[paths[-1]] = seconds
    server.serve(
        "/crawl-data/CC-NEWS/2024/06/warc.paths.gz",
        gzip.compress("".join(f"{p.lstrip('/')}\n" for p in paths).encode()),
        "application/gzip",
    )
    return urls


def run_workers(count: int, server: Server, urls: list[str], redis_url: str) -> float:
    """Seconds from the workers' launch until the last one exited."""
    redis.Redis.from_url(redis_url).flushall()
    with tempfile.TemporaryDirectory() as tmp:
        output = Path(tmp)
        args = [
            "-a",
            "ccnews=2024-06",
            *(
                arg
                for key, value in {
                    "REDIS_URL": redis_url,
                    "NEWSCRAWL_CCNEWS_BASE_URL": f"{server.base_url}/",
                    "NEWSCRAWL_ALLOW_LOOPBACK": 1,
                    "NEWSCRAWL_REDIS_IDLE_SECONDS": 3,
                    "NEWSCRAWL_REDIS_HEARTBEAT_SECONDS": 1,
                    "NEWSCRAWL_OUTPUT_DIR": output,
                    "NEWSCRAWL_DATA_DIR": output / "data",
                    "LOG_LEVEL": "WARNING",
                }.items()
                for arg in ("-s", f"{key}={value}")
            ),
        ]
        scrapy = [sys.executable, "-m", "scrapy"]
        subprocess.run(
            [*scrapy, "seed", "news", *args], cwd=PROJECT, check=True, capture_output=True
        )
        launched = time.monotonic()
        extract_workers = max(1, (os.cpu_count() or 1) // count)
        workers = [
            subprocess.Popen(
                [
                    *scrapy,
                    "crawl",
                    "news",
                    *args,
                    "-s",
                    f"NEWSCRAWL_EXTRACT_WORKERS={extract_workers}",
                ],
                cwd=PROJECT,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(count)
        ]
        for worker in workers:
            worker.wait(timeout=3600)
        elapsed = time.monotonic() - launched
        emitted = Counter(
            json.loads(line)["url"]
            for path in output.glob("news-*.jsonl")
            if ".rejects." not in path.name
            for line in path.read_text("utf-8").splitlines()
        )
        if emitted != Counter(urls):
            raise SystemExit(
                f"FAIL: {sum(emitted.values())} articles emitted, "
                f"{len(emitted)} distinct, of {len(urls)}"
            )
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=6)
    parser.add_argument("--articles", type=int, default=60, help="articles per file")
    parser.add_argument("--seconds-per-file", type=float, default=3.0)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    options = parser.parse_args()
    with (
        running_redis_server() as redis_url,
        Server() as server,
        tempfile.TemporaryDirectory() as tmp,
    ):
        urls = serve_month(
            server, Path(tmp), options.files, options.articles, options.seconds_per_file
        )
        rows = []
        for count in options.workers:
            elapsed = run_workers(count, server, urls, redis_url)
            rows.append(
                (
                    f"{count} worker(s)",
                    f"{len(urls) / elapsed:6.1f} articles/s  "
                    f"({elapsed:.1f} s, worker start-up included)",
                )
            )
    print_table(
        f"{options.files} files of {options.articles} articles, "
        f"{options.seconds_per_file} s to stream each file, each article once:",
        rows,
    )


if __name__ == "__main__":
    main()
