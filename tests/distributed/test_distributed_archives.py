"""Distributed mode with archives: `scrapy seed news -a ccnews=` (or `-a warc=`) puts one
request per WARC file on the shared frontier, workers read whole files, and a worker killed
mid-file leaves its file to another worker; every article is emitted once."""

from __future__ import annotations

import gzip
import json
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import redis
from conftest import FAST, PROJECT, Archived, Server, article_page, start_crawl, write_warc
from redis_server import redis_server_url, redis_url  # noqa: F401  (fixtures, requested by name)

from newscrawl.health import EXIT_OK

pytestmark = pytest.mark.e2e  # runs scrapy seed/crawl as subprocesses, with a real Redis

NOWHERE = "http://127.0.0.1:9"  # the discard port: nothing listens, nothing may be fetched
MONTH = "2024/06"
WORKERS = (
    "-s",
    "NEWSCRAWL_REDIS_IDLE_SECONDS=3",
    "-s",
    "NEWSCRAWL_REDIS_HEARTBEAT_SECONDS=1",
    "-s",
    "LOGSTATS_INTERVAL=0.5",
)


def _article(index: int) -> Archived:
    path, html = article_page(index, NOWHERE)
    return Archived(NOWHERE + path, html)


def _files(tmp_path: Path, groups: list[list[Archived]]) -> list[Path]:
    directory = tmp_path / "warcs"
    directory.mkdir()
    return [
        write_warc(directory / f"CC-NEWS-{n:05d}.warc.gz", records)
        for n, records in enumerate(groups)
    ]


def _serve_month(server: Server, files: list[Path]) -> list[str]:
    """A CC-NEWS-shaped tree of one month holding ``files``; their paths on the server."""
    paths = [f"/crawl-data/CC-NEWS/{MONTH}/{file.name}" for file in files]
    for path, file in zip(paths, files, strict=True):
        server.serve(path, file.read_bytes(), "application/octet-stream")
    server.serve(
        f"/crawl-data/CC-NEWS/{MONTH}/warc.paths.gz",
        gzip.compress("".join(f"{p.lstrip('/')}\n" for p in paths).encode()),
        "application/gzip",
    )
    return paths


def _seed(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "seed", "news", *FAST, *args],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _finish(worker: subprocess.Popen[str]) -> str:
    _, stderr = worker.communicate(timeout=240)
    assert worker.returncode == EXIT_OK, stderr[-3000:]
    return stderr


def _items(*outputs: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for output in outputs
        for path in output.glob("news-*.jsonl")
        if not path.name.endswith(".rejects.jsonl")
        for line in path.read_text("utf-8").splitlines()
    ]


def _stats(output: Path) -> dict[str, Any]:
    (report,) = output.glob("*.report.json")
    return json.loads(report.read_text("utf-8"))["stats"]


def _file_claims(client: redis.Redis) -> int:
    """Article URLs claimed on the frontier by a worker reading an archive file."""
    return sum(
        1
        for key in client.scan_iter("news:dupefilter:*")
        if (client.get(key) or b"").startswith(b"file ")
    )


def _ccnews_args(server: Server, redis_url: str) -> tuple[str, ...]:
    """A worker's (and the seed's) arguments for June 2024 of the test's CC-NEWS tree."""
    return (
        "-a",
        "ccnews=2024-06",
        "-s",
        f"NEWSCRAWL_CCNEWS_BASE_URL={server.base_url}/",
        "-s",
        f"REDIS_URL={redis_url}",
        *WORKERS,
    )


def test_two_workers_share_the_ccnews_files_and_emit_each_article_once(
    tmp_path: Path, redis_url: str, server: Server
) -> None:
    groups = [[_article(6 * n + i) for i in range(6)] for n in range(4)]
    groups[3].append(_article(0))  # a URL in two files: one worker emits it
    groups[1].append(Archived(f"{NOWHERE}/a.pdf", "%PDF", "application/pdf"))
    paths = _serve_month(server, _files(tmp_path, groups))
    for path in paths:  # slow enough that one worker cannot take every file first
        server.delays[path] = 2.0
    args = _ccnews_args(server, redis_url)
    seeded = _seed(*args)
    assert seeded.returncode == 0, seeded.stderr[-2000:]
    assert "Seeded 4 source request(s)" in seeded.stdout
    assert not any(path in server.hits for path in paths)  # the seed reads no file
    outputs = [tmp_path / "a", tmp_path / "b"]
    workers = [start_crawl(output, *args, data_dir=tmp_path / "data") for output in outputs]
    stderrs = [_finish(worker) for worker in workers]
    urls = Counter(item["url"] for item in _items(*outputs))
    assert urls == Counter({_article(i).url: 1 for i in range(24)}), stderrs[0][-3000:]
    files_read = [_stats(output).get("newscrawl/warc/files", 0) for output in outputs]
    assert sum(files_read) == 4 and min(files_read) >= 1, files_read
    assert {path: server.hits[path] for path in paths} == dict.fromkeys(paths, 1)
    for stderr, files in zip(stderrs, files_read, strict=True):  # progress, per worker
        assert f"Archives: {files} file(s) done" in stderr
    rejects = [
        json.loads(line)
        for output in outputs
        for path in output.glob("*.rejects.jsonl")
        for line in path.read_text("utf-8").splitlines()
    ]
    assert [r["reason"] for r in rejects] == ["not-html"]
    assert redis.Redis.from_url(redis_url).keys("news:inflight:*") == []


def test_a_worker_killed_mid_file_leaves_the_file_to_another(
    tmp_path: Path, redis_url: str, server: Server
) -> None:
    groups = [[_article(40 * n + i) for i in range(40)] for n in range(3)]
    paths = _serve_month(server, _files(tmp_path, groups))
    for path in paths:  # each file arrives over 6 s: a worker reads its records as they come
        server.trickles[path] = 6.0
    args = _ccnews_args(server, redis_url)
    assert _seed(*args).returncode == 0
    client = redis.Redis.from_url(redis_url)
    doomed = start_crawl(tmp_path / "doomed", *args, data_dir=tmp_path / "d0")
    deadline = time.monotonic() + 90
    while _file_claims(client) < 5:  # records of its file read, requested and claimed
        assert time.monotonic() < deadline, "the doomed worker read no record"
        assert doomed.poll() is None, doomed.communicate()[1][-3000:]
        time.sleep(0.05)
    taken = [path for path in paths if server.hits[path]]
    assert len(taken) == 1  # one file at a time (NEWSCRAWL_ARCHIVE_FILES_PER_WORKER)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=30)
    assert _file_claims(client) < 40  # killed mid-file
    survivor = start_crawl(tmp_path / "survivor", *args, data_dir=tmp_path / "d1")
    stderr = _finish(survivor)
    assert _items(tmp_path / "doomed") == []
    urls = Counter(item["url"] for item in _items(tmp_path / "survivor"))
    assert urls == Counter({_article(i).url: 1 for i in range(120)}), stderr[-3000:]
    stats = _stats(tmp_path / "survivor")
    assert stats["newscrawl/redis/recovered"] == 1  # the file, not its records
    assert stats["newscrawl/redis/claims-taken-over"] >= 5
    assert stats["newscrawl/warc/files"] == 3
    assert server.hits[taken[0]] == 2  # read again, whole
    assert client.keys("news:inflight:*") == []


def test_local_warc_files_are_seeded_one_request_each(tmp_path: Path, redis_url: str) -> None:
    files = _files(tmp_path, [[_article(5 * n + i) for i in range(5)] for n in range(3)])
    args = ("-a", f"warc={files[0].parent}", "-s", f"REDIS_URL={redis_url}", *WORKERS)
    seeded = _seed(*args)
    assert "Seeded 3 source request(s)" in seeded.stdout, seeded.stderr[-2000:]
    outputs = [tmp_path / "a", tmp_path / "b"]
    workers = [start_crawl(output, *args, data_dir=tmp_path / "data") for output in outputs]
    for worker in workers:
        _finish(worker)
    urls = Counter(item["url"] for item in _items(*outputs))
    assert urls == Counter({_article(i).url: 1 for i in range(15)})
    assert sum(_stats(output).get("newscrawl/warc/files", 0) for output in outputs) == 3
    # seeded again within NEWSCRAWL_REDIS_SEEN_HOURS: the files were queued already
    again = _seed(*args)
    assert "Seeded 0 source request(s)" in again.stdout


def test_a_worker_closed_mid_file_gives_the_file_back(
    tmp_path: Path, redis_url: str, server: Server
) -> None:
    """A worker closed early (here at CLOSESPIDER_ITEMCOUNT) publishes what it emitted and
    puts the file back on the frontier; the next worker reads it and emits the rest."""
    (path,) = _serve_month(server, _files(tmp_path, [[_article(i) for i in range(40)]]))
    server.trickles[path] = 20.0  # read for long after its first 5 articles are made
    args = _ccnews_args(server, redis_url)
    assert _seed(*args).returncode == 0
    _finish(
        start_crawl(
            tmp_path / "first", *args, "-s", "CLOSESPIDER_ITEMCOUNT=5", data_dir=tmp_path / "d0"
        )
    )
    first = _items(tmp_path / "first")
    assert 5 <= len(first) < 40
    assert _stats(tmp_path / "first")["newscrawl/warc/files-given-back"] == 1
    stderr = _finish(start_crawl(tmp_path / "second", *args, data_dir=tmp_path / "d1"))
    urls = Counter(item["url"] for item in _items(tmp_path / "first", tmp_path / "second"))
    assert urls == Counter({_article(i).url: 1 for i in range(40)}), stderr[-3000:]
    assert _stats(tmp_path / "second")["newscrawl/skipped/already-emitted"] == len(first)
    assert server.hits[path] == 2


def test_a_file_that_could_not_be_read_is_seeded_again(
    tmp_path: Path, redis_url: str, server: Server
) -> None:
    paths = _serve_month(server, _files(tmp_path, [[_article(1)], [_article(2)]]))
    del server.pages[paths[1]]  # listed, but 404
    args = _ccnews_args(server, redis_url)
    assert "Seeded 2 source request(s)" in _seed(*args).stdout
    worker = start_crawl(tmp_path / "out", *args, data_dir=tmp_path / "data")
    worker.communicate(timeout=240)
    assert [item["url"] for item in _items(tmp_path / "out")] == [_article(1).url]
    again = _seed(*args)  # the file read is seen; the one that failed is queued again
    assert "Seeded 1 source request(s)" in again.stdout, again.stderr[-2000:]
