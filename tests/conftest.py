"""Shared fixtures: the demo sites on 127.0.0.1 and a runner for ``scrapy crawl`` subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from newscrawl.demosite import DemoSite

PROJECT = Path(__file__).resolve().parents[1]
# Loopback needs no politeness delay; the rest is the project's real configuration.
FAST = ("-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0", "-s", "LOG_LEVEL=INFO")


@dataclass
class CrawlRun:
    returncode: int
    stderr: str
    items: list[dict[str, Any]]
    rejects: list[dict[str, Any]]
    report: dict[str, Any]
    output_dir: Path

    @property
    def stats(self) -> dict[str, Any]:
        return self.report.get("stats", {})

    def by_url_path(self) -> dict[str, dict[str, Any]]:
        """Items by the path of their canonical URL."""
        return {urlsplit(item["canonicalUrl"] or item["url"]).path: item for item in self.items}

    def rejects_for(self, reason: str) -> list[dict[str, Any]]:
        return [r for r in self.rejects if r["reason"] == reason]


def _read_jsonl(paths: list[Path]) -> list[dict[str, Any]]:
    return [json.loads(line) for path in paths for line in path.read_text("utf-8").splitlines()]


def crawl_command(output_dir: Path, *args: str, data_dir: Path | None = None) -> list[str]:
    """``scrapy crawl news`` writing to ``output_dir``, its state in ``data_dir`` (default:
    fresh, inside ``output_dir``)."""
    return [sys.executable, "-m", "scrapy", "crawl", "news", *FAST,
            "-s", f"NEWSCRAWL_OUTPUT_DIR={output_dir}",
            "-s", f"NEWSCRAWL_DATA_DIR={data_dir or output_dir / 'data'}", *args]


def start_crawl(output_dir: Path, *args: str, data_dir: Path | None = None) -> subprocess.Popen:
    return subprocess.Popen(crawl_command(output_dir, *args, data_dir=data_dir), cwd=PROJECT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def wait_for_articles(site: DemoSite, count: int, timeout: float = 60) -> None:
    """Until the crawl fetched ``count`` article pages (it holds them for publication until it
    closes, so its output shows nothing before)."""
    articles = {article.url_path for article in site.articles()}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sum(path in articles for path in site.requests) >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"no {count} articles fetched from {site.base_url} within {timeout}s")


def crawl(output_dir: Path, *args: str, data_dir: Path | None = None,
          timeout: float = 180) -> CrawlRun:
    """Run ``scrapy crawl news`` as a user would and collect what it wrote."""
    done = subprocess.run(crawl_command(output_dir, *args, data_dir=data_dir), cwd=PROJECT,
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"})
    return collect(output_dir, done.returncode, done.stderr)


def collect(output_dir: Path, returncode: int, stderr: str) -> CrawlRun:
    """What a finished run left in ``output_dir`` (every run's files, if several)."""
    reports = sorted(output_dir.glob("*.report.json"))
    return CrawlRun(
        returncode=returncode,
        stderr=stderr,
        items=_read_jsonl(sorted(p for p in output_dir.glob("*.jsonl")
                                 if not p.name.endswith(".rejects.jsonl"))),
        rejects=_read_jsonl(sorted(output_dir.glob("*.rejects.jsonl"))),
        report=json.loads(reports[-1].read_text("utf-8")) if reports else {},
        output_dir=output_dir,
    )


@pytest.fixture(scope="session")
def paper() -> Iterator[DemoSite]:
    with DemoSite("paper").start() as site:
        yield site


@pytest.fixture(scope="session")
def farm() -> Iterator[DemoSite]:
    with DemoSite("farm").start() as site:
        yield site


@pytest.fixture
def sites_file(tmp_path: Path, paper: DemoSite, farm: DemoSite) -> Path:
    path = tmp_path / "sites.toml"
    path.write_text(paper.registry_toml("demo") + "\n" + farm.registry_toml("farm"), "utf-8")
    return path
