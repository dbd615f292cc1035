"""Benchmark WARC input against a live crawl of the same pages, in one run.

    python benchmarks/warc_read.py [--copies 3] [--aeb ../shared/aeb]

Serves the article-extraction benchmark's pages (``--aeb``, 181 real article pages; each served
``--copies`` times under URLs of their own) on 127.0.0.1 beside the demo paper, and:

1. crawls them live with ``NEWSCRAWL_WARC_DIR`` set (``scrapy crawl news -a site=demo
   -a urls_file=...``), archiving every response;
2. crawls the archive with the same arguments plus ``-a warc=<archive dir>`` (fresh state):
   the same decoding, extraction, cleaning and de-duplication, with no network;
3. scans the archive in this process with ``newscrawl.warc.scan`` alone (what reading costs
   without the extraction).

Prints pages (records) per second and MB/s of each, and exits 1 when a crawl fails or the two
crawls emit different article sets.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from _common import (
    FAST_LOOPBACK,
    PROJECT,
    CrawlResult,
    check_exit,
    contention_row,
    mib,
    print_failures,
    print_table,
    run_crawl,
)

from newscrawl.demosite import DemoSite
from newscrawl.warc import Capture, scan

DEFAULT_AEB = PROJECT.parent / "shared" / "aeb"


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--aeb",
        type=Path,
        default=DEFAULT_AEB,
        help="the article-extraction benchmark (html/<id>.html.gz)",
    )
    parser.add_argument("--copies", type=int, default=3, help="URLs serving each AEB page")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before giving up")
    return parser.parse_args(argv)


class PageServer:
    """``pages`` (path -> HTML bytes) served as text/html on 127.0.0.1, in a thread."""

    def __init__(self, pages: dict[str, bytes]) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def aeb_pages(aeb: Path, copies: int) -> dict[str, bytes]:
    """Each page under ``copies`` article-shaped paths (the archive's ad-hoc site keeps only
    URLs shaped as articles)."""
    pages = {}
    for path in sorted((aeb / "html").glob("*.html.gz")):
        html = gzip.decompress(path.read_bytes())
        page_id = path.name.split(".", 1)[0][:16]
        for copy in range(copies):
            pages[f"/aeb/bai-bao-mau-so-{copy}-{page_id}.html"] = html
    return pages


def command(root: Path, run: str, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "news",
        *FAST_LOOPBACK,
        "-a",
        "site=demo",
        "-a",
        f"sites_file={root / 'sites.toml'}",
        "-a",
        f"urls_file={root / 'urls.txt'}",
        "-s",
        f"NEWSCRAWL_OUTPUT_DIR={root / run}",
        "-s",
        f"NEWSCRAWL_DATA_DIR={root / run}",
        *extra,
    ]


def emitted_bodies(output: Path) -> list[str]:
    """The bodies of the articles a crawl emitted: of copies of a page, the one that arrived
    first is kept (arrival order breaks the tie), so their URLs may differ from run to run."""
    return sorted(
        json.loads(line)["articleBody"]
        for path in output.glob("*.jsonl")
        if not path.name.endswith(".rejects.jsonl")
        for line in path.read_text("utf-8").splitlines()
    )


def crawl_rows(result: CrawlResult, pages: int, size: int | None) -> list[tuple[str, str]]:
    elapsed = float(result.stats.get("elapsed_time_seconds") or result.wall)
    rows = [
        ("pages (records) taken", f"{pages:,}"),
        ("articles emitted", f"{result.emitted:,}"),
        ("total wall, launch to exit", f"{result.wall:.2f} s"),
        ("spider open to close", f"{elapsed:.2f} s"),
        ("  pages/s, spider open to close", f"{pages / elapsed:,.1f}"),
    ]
    if size is not None:
        rows.append(("  MB/s of WARC, spider open to close", f"{size / elapsed / 1e6:,.2f}"))
    return [
        *rows,
        ("CPU, crawl process tree", f"{result.cpu_seconds:.1f} s"),
        ("peak PSS, crawl process tree", mib(result.peak_pss)),
        (
            "peak RSS, crawl process alone",
            mib(max((x.root_rss for x in result.samples), default=0)),
        ),
        contention_row(result),
    ]


def scan_rows(archive: list[Path]) -> list[tuple[str, str]]:
    started = time.perf_counter()
    found = [item for path in archive for item in scan(path)]
    seconds = time.perf_counter() - started
    records = len(found)
    captures = sum(isinstance(item, Capture) for item in found)
    size = sum(path.stat().st_size for path in archive)
    return [
        ("records (HTML captures)", f"{records:,} ({captures:,})"),
        ("WARC size", f"{size / 1e6:.2f} MB"),
        ("seconds", f"{seconds:.3f}"),
        ("  records/s", f"{records / seconds:,.0f}"),
        ("  MB/s", f"{size / seconds / 1e6:,.1f}"),
    ]


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    pages = aeb_pages(arguments.aeb, arguments.copies)
    if not pages:
        print(f"FAIL: no pages in {arguments.aeb}/html")
        return 1
    server = PageServer(pages)
    with (
        tempfile.TemporaryDirectory(prefix="newscrawl-warc-") as tmp,
        DemoSite("paper").start() as paper,
    ):
        root = Path(tmp)
        (root / "sites.toml").write_text(paper.registry_toml("demo"), "utf-8")
        (root / "urls.txt").write_text("".join(f"{server.base_url}{p}\n" for p in pages), "utf-8")
        live = run_crawl(
            command(root, "live", "-s", f"NEWSCRAWL_WARC_DIR={root / 'warc'}"),
            root / "live",
            timeout=arguments.timeout,
        )
        archive = sorted((root / "warc").glob("*.warc.gz"))
        fetched = int(live.stats.get("downloader/response_count", 0))
        replay = run_crawl(
            command(root, "replay", "-a", f"warc={root / 'warc'}"),
            root / "replay",
            timeout=arguments.timeout,
        )
        records = int(replay.stats.get("newscrawl/warc/records/response", 0))
        size = sum(path.stat().st_size for path in archive)
        print_table(
            f"Live crawl ({len(pages)} AEB URLs + the demo paper), WARC written:",
            crawl_rows(live, fetched, None),
        )
        print_table(
            "WARC re-extraction (-a warc=, same sites, no network):",
            crawl_rows(replay, records, size),
        )
        print_table("WARC scan alone (newscrawl.warc.scan, in this process):", scan_rows(archive))
        failures = check_exit(live) + check_exit(replay)
        if emitted_bodies(root / "live") != emitted_bodies(root / "replay"):
            failures.append("the live crawl and the re-extraction emitted different articles")
        print_failures(failures, replay if failures else live)
        server.server.shutdown()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
