"""Shared fixtures: the demo sites on 127.0.0.1 and a runner for ``scrapy crawl`` subprocesses."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newscrawl.demosite import DemoSite, generated_article
from newscrawl.extensions.workers import ExtractionWorkers

PROJECT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"  # fixtures, origins in their READMEs
XML = "application/xml"
# Loopback needs no politeness delay, and the address guard must let it through; the rest is
# the project's real configuration.
FAST = (
    "-s",
    "AUTOTHROTTLE_ENABLED=0",
    "-s",
    "DOWNLOAD_DELAY=0",
    "-s",
    "LOG_LEVEL=INFO",
    "-s",
    "NEWSCRAWL_ALLOW_LOOPBACK=1",
)


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


def extraction_crawler(**settings: Any) -> Crawler:
    """A crawler with the extraction workers' extension, as ``scrapy crawl`` builds it with the
    project's settings (``get_crawler`` alone loads none of them)."""
    return get_crawler(settings_dict={"EXTENSIONS": {ExtractionWorkers: 0}, **settings})


def rejected(run: CrawlRun, reason: str) -> set[str]:
    return {r["url"] for r in run.rejects_for(reason)}


def rejected_all(run: CrawlRun, reason: str) -> list[str]:
    return [r["url"] for r in run.rejects_for(reason)]


def emitted(run: CrawlRun) -> set[str]:
    return {item["url"] for item in run.items}


def crawl_command(output_dir: Path, *args: str, data_dir: Path | None = None) -> list[str]:
    """``scrapy crawl news`` writing to ``output_dir``, its state in ``data_dir`` (default:
    fresh, inside ``output_dir``)."""
    return [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "news",
        *FAST,
        "-s",
        f"NEWSCRAWL_OUTPUT_DIR={output_dir}",
        "-s",
        f"NEWSCRAWL_DATA_DIR={data_dir or output_dir / 'data'}",
        *args,
    ]


def start_crawl(output_dir: Path, *args: str, data_dir: Path | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        crawl_command(output_dir, *args, data_dir=data_dir),
        cwd=PROJECT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


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


def crawl(
    output_dir: Path,
    *args: str,
    data_dir: Path | None = None,
    timeout: float = 180,
    env: dict[str, str] | None = None,
) -> CrawlRun:
    """Run ``scrapy crawl news`` as a user would and collect what it wrote; ``env`` adds to
    the environment."""
    done = subprocess.run(
        crawl_command(output_dir, *args, data_dir=data_dir),
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )
    return collect(output_dir, done.returncode, done.stderr)


def collect(output_dir: Path, returncode: int, stderr: str) -> CrawlRun:
    """What a finished run left in ``output_dir`` (every run's files, if several)."""
    reports = sorted(output_dir.glob("*.report.json"))
    return CrawlRun(
        returncode=returncode,
        stderr=stderr,
        items=_read_jsonl(
            sorted(p for p in output_dir.glob("*.jsonl") if not p.name.endswith(".rejects.jsonl"))
        ),
        rejects=_read_jsonl(sorted(output_dir.glob("*.rejects.jsonl"))),
        report=json.loads(reports[-1].read_text("utf-8")) if reports else {},
        output_dir=output_dir,
    )


def article_page(index: int, base_url: str) -> tuple[str, str]:
    """The path and HTML of an article page of its own text (no two are near-duplicates)."""
    article = generated_article(index, base_url)
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in article.paragraphs)
    html = (
        f'<html lang="vi"><head><meta charset="utf-8"><title>{escape(article.headline)}'
        f"</title></head><body><article><h1>{escape(article.headline)}</h1>"
        f"{paragraphs}</article></body></html>"
    )
    return f"/tin/bai-viet-so-{index}-{10000 + index}.html", html


@dataclass
class Archived:
    """A response record to write in a test archive."""

    url: str
    body: str
    content_type: str | None = "text/html; charset=utf-8"
    status: str = "200 OK"
    date: str = "2026-11-30T08:00:00Z"


def write_warc(path: Path, records: list[Archived], *, gzip: bool = True) -> Path:
    """A WARC file of ``records`` (each response after its request record, as crawlers write
    them) at ``path``."""
    with path.open("wb") as file:
        writer = WARCWriter(file, gzip=gzip)
        for record in records:
            headers = [("Content-Type", record.content_type)] if record.content_type else []
            path_part = "/" + record.url.split("/", 3)[-1]
            writer.write_record(
                writer.create_warc_record(
                    record.url,
                    "request",
                    http_headers=StatusAndHeaders(
                        f"GET {path_part} HTTP/1.1", [], is_http_request=True
                    ),
                    warc_headers_dict={"WARC-Date": record.date},
                )
            )
            writer.write_record(
                writer.create_warc_record(
                    record.url,
                    "response",
                    payload=io.BytesIO(record.body.encode("utf-8")),
                    http_headers=StatusAndHeaders(record.status, headers, protocol="HTTP/1.1"),
                    warc_headers_dict={"WARC-Date": record.date},
                )
            )
    return path


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


class Server:
    """Documents served from a dict on a loopback address, counting the requests for each path
    and logging each answer with its time (those of ``delays`` answered late)."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        # path -> (status, type or Location, body)
        self.pages: dict[str, tuple[int, str, str | bytes]] = {}
        self.hits: Counter[str] = Counter()
        # path -> (status, headers) answers, without a body, given before its page
        self.first_answers: dict[str, list[tuple[int, dict[str, str]]]] = {}
        self.answers: list[tuple[float, str, int]] = []  # (time.monotonic(), path, status)
        self.delays: dict[str, float] = {}  # path -> seconds before it is answered
        # path -> seconds its body takes to send (in parts: a client reads it as it comes)
        self.trickles: dict[str, float] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, 0), self._handler())
        self.base_url = f"http://{host}:{self._server.server_address[1]}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with server._lock:
                    server.hits[self.path] += 1
                    first = server.first_answers.get(self.path)
                    scripted = first.pop(0) if first else None
                    server.answers.append(
                        (
                            time.monotonic(),
                            self.path,
                            scripted[0] if scripted else server.pages.get(self.path, (404,))[0],
                        )
                    )
                time.sleep(server.delays.get(self.path, 0))
                if scripted:
                    self._answer(scripted[0], scripted[1], b"")
                    return
                status, header, body = server.pages.get(self.path, (404, "text/plain", ""))
                self._answer(
                    status,
                    {"Location" if status in (301, 302) else "Content-Type": header},
                    body if isinstance(body, bytes) else body.encode("utf-8"),
                    server.trickles.get(self.path, 0.0),
                )

            def _answer(
                self, status: int, headers: dict[str, str], data: bytes, trickle: float = 0.0
            ) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                parts = 20 if trickle else 1
                size = max(1, -(-len(data) // parts))
                try:
                    for start in range(0, len(data), size):
                        self.wfile.write(data[start : start + size])
                        self.wfile.flush()
                        time.sleep(trickle / parts)
                except (BrokenPipeError, ConnectionResetError):  # a client killed meanwhile
                    return

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler

    def serve(self, path: str, body: str | bytes, content_type: str = XML) -> str:
        self.pages[path] = (200, content_type, body)
        return self.base_url + path

    def answer_first(self, path: str, *answers: tuple[int, dict[str, str]]) -> None:
        """The next requests for ``path`` get these (status, headers) answers, then its page."""
        self.first_answers[path] = list(answers)

    def redirect(self, path: str, location: str) -> str:
        self.pages[path] = (302, location, "")
        return self.base_url + path

    def article(self, index: int) -> str:
        """An article page of its own text (no two are near-duplicates); its URL."""
        return self.serve(*article_page(index, self.base_url), "text/html")

    def __enter__(self) -> Server:
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    with Server() as served:
        yield served


@pytest.fixture
def other_port() -> Iterator[Server]:
    """The same host on another port: not the site the sources were given for."""
    with Server() as served:
        yield served


def urlset(*urls: str) -> str:
    entries = "".join(f"<url><loc>{escape(u)}</loc></url>" for u in urls)
    return f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'


def sitemap_index(*urls: str) -> str:
    entries = "".join(f"<sitemap><loc>{escape(u)}</loc></sitemap>" for u in urls)
    return f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>'


def rss(*links: str) -> str:
    items = "".join(
        f"<item><title>t{i}</title><link>{escape(link)}</link></item>"
        for i, link in enumerate(links)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><link>/</link>'
        f"<description>x</description>{items}</channel></rss>"
    )
