"""A throwaway ``redis-server`` on a free loopback port, for tests and benchmarks."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # the redis client is imported when a server is started
    import redis

REDIS_SERVER = shutil.which("redis-server")
SKIP_REASON = "redis-server is not on PATH (apt-get install redis-server); Redis cases skipped"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_ping(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    deadline = time.monotonic() + timeout
    try:
        while not _answers_ping(client):
            if process.poll() is not None:
                raise RuntimeError(f"redis-server exited with status {process.returncode}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"redis-server at {url} did not answer PING in {timeout} s")
            time.sleep(0.05)
    finally:
        client.close()


def _answers_ping(client: redis.Redis) -> bool:
    import redis

    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


def start_redis_server(port: int, *options: str, timeout: float = 10.0) -> subprocess.Popen[bytes]:
    """redis-server on 127.0.0.1:``port``, without persistence unless ``options`` ask for it
    (``"--appendonly", "yes", "--dir", ...``), answering PING."""
    if REDIS_SERVER is None:
        raise RuntimeError(SKIP_REASON)
    process = subprocess.Popen(
        [
            REDIS_SERVER,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            *options,
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        _wait_for_ping(f"redis://127.0.0.1:{port}/0", process, timeout)
    except BaseException:
        stop_redis_server(process)
        raise
    return process


def stop_redis_server(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def running_redis_server(timeout: float = 10.0) -> Iterator[str]:
    """Start redis-server without persistence, yield its ``redis://`` URL, then stop it."""
    port = free_port()
    process = start_redis_server(port, timeout=timeout)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop_redis_server(process)


@pytest.fixture(scope="session")
def redis_server_url() -> Iterator[str]:
    """The URL of a redis-server running for this test session; skips without the binary."""
    if REDIS_SERVER is None:
        pytest.skip(SKIP_REASON)
    pytest.importorskip("redis", reason="the redis client is not installed (pip install redis)")
    with running_redis_server() as url:
        yield url


@pytest.fixture
def redis_url(redis_server_url: str) -> Iterator[str]:
    """The session's redis-server, emptied for this test."""
    import redis

    client = redis.Redis.from_url(redis_server_url)
    client.flushall()
    yield redis_server_url
    client.close()
