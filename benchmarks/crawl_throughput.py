"""Benchmark a full crawl: throughput, CPU per page and peak memory of ``scrapy crawl news``.

    python benchmarks/crawl_throughput.py --pages 2000 --workers 0
    python benchmarks/crawl_throughput.py --pages 2000 --workers 2

Serves ``--pages`` generated article pages from a demo site in a thread of this process (only
the generated sitemap index is in the registry), crawls them in a subprocess with a fresh state
store, and samples the crawl's process tree (the crawler and its extraction workers) with psutil.
Exits 1 if the crawl fails or emits a number of articles other than ``--pages``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from _common import (
    CrawlResult,
    TimedDemoSite,
    check_exit,
    contention_row,
    crawl_command,
    generated_registry,
    mib,
    print_command,
    print_failures,
    print_table,
    run_crawl,
)


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000, help="generated pages to crawl")
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="NEWSCRAWL_EXTRACT_WORKERS (0: extract in the crawl process)",
    )
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before giving up")
    parser.add_argument("--interval", type=float, default=0.2, help="psutil sampling period")
    return parser.parse_args(argv)


def crawl_site(site: TimedDemoSite, workers: int, timeout: float, interval: float) -> CrawlResult:
    with tempfile.TemporaryDirectory(prefix="newscrawl-throughput-") as tmp:
        root = Path(tmp)
        sites_file = root / "sites.toml"
        sites_file.write_text(generated_registry(site), "utf-8")
        command = crawl_command(
            sites_file, root / "output", root / "data", f"NEWSCRAWL_EXTRACT_WORKERS={workers}"
        )
        return run_crawl(command, root / "output", timeout=timeout, interval=interval)


def timing_rows(site: TimedDemoSite, result: CrawlResult) -> list[tuple[str, str]]:
    first_request, first_article = site.first_request(), site.first.get("article")
    closed = result.closed_at()
    rows = [
        ("total wall, launch to exit", f"{result.wall:.2f} s"),
        ("  pages/s over total wall", f"{result.emitted / result.wall:,.1f}"),
    ]
    if first_request is not None:
        rows.append(
            ("  start-up, launch to first request", f"{first_request - result.launched:.2f} s")
        )
    if first_request is not None and first_article is not None:
        rows.append(
            (
                "  robots + sitemaps, to first article request",
                f"{first_article - first_request:.2f} s",
            )
        )
    if first_article is not None and closed is not None:
        window = closed - first_article
        rows += [
            ("crawl, first article request to spider close", f"{window:.2f} s"),
            ("  pages/s over the crawl", f"{result.emitted / window:,.1f}"),
            ("  close to exit", f"{result.launched + result.wall - closed:.2f} s"),
        ]
    return rows


def resource_rows(site: TimedDemoSite, result: CrawlResult) -> list[tuple[str, str]]:
    pages = max(result.emitted, 1)
    rows = [
        ("CPU, crawl process tree (psutil user+sys)", f"{result.cpu_seconds:.1f} s"),
        ("  per emitted page, start-up included", f"{result.cpu_seconds / pages * 1000:.1f} ms"),
    ]
    if (window := crawl_window_cpu(site, result)) is not None:
        rows.append(
            ("  per emitted page, first article to close", f"{window / pages * 1000:.1f} ms")
        )
    return [
        *rows,
        ("  of which the scrapy process itself", f"{result.root_cpu:.1f} s"),
        (
            "  cross-check: getrusage(RUSAGE_CHILDREN)",
            f"{result.rusage_cpu:.1f} s (waited-for processes only)",
        ),
        ("peak RSS, crawl process tree (sum)", mib(result.peak_rss)),
        ("peak PSS, crawl process tree (sum)", mib(result.peak_pss)),
        ("  processes in the tree (max)", str(result.peak_processes)),
        ("CPU of this process (demo server, sampler)", f"{result.benchmark_cpu:.1f} s"),
        contention_row(result),
    ]


def crawl_window_cpu(site: TimedDemoSite, result: CrawlResult) -> float | None:
    """Tree CPU between the samples around the first article request and the spider close."""
    first_article, closed = site.first.get("article"), result.closed_at()
    if first_article is None or closed is None:
        return None
    start, end = result.sample_at(first_article), result.sample_at(closed)
    return end.cpu - start.cpu if start and end else None


def count_rows(pages: int, site: TimedDemoSite, result: CrawlResult) -> list[tuple[str, str]]:
    rejected = result.report.get("rejected") or {}
    rows = [
        ("generated pages", f"{pages:,}"),
        ("article pages served", f"{site.served['article']:,}"),
        ("articles emitted", f"{result.emitted:,}"),
    ]
    rows += [(f"rejected: {reason}", f"{count:,}") for reason, count in sorted(rejected.items())]
    return [*rows, ("crawl exit status", str(result.returncode))]


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    with TimedDemoSite(args.pages) as site:
        result = crawl_site(site, args.workers, args.timeout, args.interval)
    print(
        f"newscrawl crawl throughput: {args.pages:,} generated pages, "
        f"NEWSCRAWL_EXTRACT_WORKERS={args.workers}, {os.cpu_count()} cores"
    )
    print(
        "Loopback speed settings: AUTOTHROTTLE_ENABLED=0 DOWNLOAD_DELAY=0 "
        "CONCURRENT_REQUESTS=32 CONCURRENT_REQUESTS_PER_DOMAIN=32 (ROBOTSTXT_OBEY on)"
    )
    print_command(result.command)
    print_table("Counts", count_rows(args.pages, site, result))
    print_table("Time", timing_rows(site, result))
    print_table("Resources", resource_rows(site, result))
    failures = check_exit(result)
    if result.emitted != args.pages:
        failures.append(f"emitted {result.emitted:,} articles, expected {args.pages:,}")
    print_failures(failures, result)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
