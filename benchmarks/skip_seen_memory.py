"""Benchmark skipping: memory and time of a crawl whose every sitemap URL was emitted before.

    python benchmarks/skip_seen_memory.py --urls 100000

Serves ``--urls`` generated pages from a demo site in a thread of this process (only the
generated sitemap index is in the registry), fills a fresh SQLite state store with a record for
each page URL as the crawler writes them, then crawls the sitemaps with that store: every URL must
be skipped as already emitted and no article fetched. The crawl's process tree is sampled with
psutil. For comparison, a ``--baseline-pages`` site is then crawled with an empty store (every
page fetched and emitted). Exits 1 if a crawl fails or the skip count is not ``--urls``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
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
from courlan import normalize_url

from newscrawl.demosite import DemoSite
from newscrawl.demosite.generated import generated_dates, generated_path
from newscrawl.state import Emitted, open_state_store
from newscrawl.state.fingerprint import body_fingerprint

BATCH = 10_000
CURVE_POINTS = (0.0, 0.25, 0.5, 0.75, 1.0)


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=100_000, help="generated pages, all seen")
    parser.add_argument(
        "--baseline-pages",
        type=int,
        default=1000,
        help="pages of the comparison crawl with an empty store (0: none)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="NEWSCRAWL_EXTRACT_WORKERS of both crawls (default 0: no pool; the "
        "project default -1 starts one worker a core even when nothing is "
        "fetched)",
    )
    parser.add_argument(
        "--refetch-window-days",
        type=float,
        help="NEWSCRAWL_REFETCH_WINDOW_DAYS of the skip crawl (default: the project's)",
    )
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before giving up")
    parser.add_argument("--interval", type=float, default=0.2, help="psutil sampling period")
    return parser.parse_args(argv)


# -- the state store -------------------------------------------------------------------------


def seen_record(url: str, text: str, emitted_at: str) -> Emitted:
    """A record as DuplicatePipeline stages it for a page without rel=canonical."""
    return Emitted(
        url=url,
        canonical_url=None,
        fingerprint=body_fingerprint(text),
        emitted_at=emitted_at,
        modified=None,
    )


def fill_state(path: Path, site: DemoSite, count: int) -> tuple[float, int]:
    """Record every generated page of ``site`` as emitted now; (seconds, store bytes)."""
    started = time.perf_counter()
    emitted_at = datetime.now(UTC).isoformat(timespec="seconds")
    with open_state_store(f"sqlite:{path}") as store:
        for first in range(0, count, BATCH):
            for index in range(first, min(first + BATCH, count)):
                url = normalize_url(site.base_url + generated_path(index), strict=True)
                text = f"tin số {index} đã phát"  # short (one shingle): a cheap MinHash
                store.stage(seen_record(url, text, emitted_at), store.sketch(text))
            store.commit()
        size = store.stats()["bytes"]
    return time.perf_counter() - started, size


def future_lastmods(count: int) -> int:
    """Generated pages whose sitemap lastmod (their dateModified) is later than now."""
    now = datetime.now(UTC)
    return sum(generated_dates(index)[1] > now for index in range(count))


# -- the crawls ------------------------------------------------------------------------------


def crawl_with_state(
    site: TimedDemoSite, root: Path, timeout: float, interval: float, *settings: str
) -> CrawlResult:
    """Crawl ``site``'s generated sitemaps with the state store in ``root / "data"``."""
    sites_file = root / "sites.toml"
    sites_file.write_text(generated_registry(site), "utf-8")
    command = crawl_command(sites_file, root / "output", root / "data", *settings)
    return run_crawl(command, root / "output", timeout=timeout, interval=interval)


def skip_run(
    count: int, workers: int, refetch_window_days: float | None, timeout: float, interval: float
) -> tuple[TimedDemoSite, CrawlResult, tuple[float, int]]:
    with TimedDemoSite(count) as site, tempfile.TemporaryDirectory(prefix="newscrawl-skip-") as tmp:
        root = Path(tmp)
        print(f"Filling the state store with {count:,} records ...", flush=True)
        filled = fill_state(root / "data" / "state.sqlite", site, count)
        print(f"Crawling {count:,} already-emitted URLs ...", flush=True)
        settings = [f"NEWSCRAWL_EXTRACT_WORKERS={workers}"]
        if refetch_window_days is not None:
            settings.append(f"NEWSCRAWL_REFETCH_WINDOW_DAYS={refetch_window_days:g}")
        return site, crawl_with_state(site, root, timeout, interval, *settings), filled


def baseline_run(
    pages: int, workers: int, timeout: float, interval: float
) -> tuple[TimedDemoSite, CrawlResult]:
    with (
        TimedDemoSite(pages) as site,
        tempfile.TemporaryDirectory(prefix="newscrawl-skip-baseline-") as tmp,
    ):
        print(f"Baseline: crawling {pages:,} pages with an empty state store ...", flush=True)
        return site, crawl_with_state(
            site, Path(tmp), timeout, interval, f"NEWSCRAWL_EXTRACT_WORKERS={workers}"
        )


# -- report ----------------------------------------------------------------------------------


def rss_curve(site: TimedDemoSite, result: CrawlResult) -> list[tuple[str, str]]:
    """RSS of the tree at 0/25/50/75/100 % of the time from the crawl's first request to its
    last sample (start-up, before the first request, left out)."""
    first = site.first_request()
    if first is None or not result.samples:
        return []
    start = first - result.launched
    span = result.samples[-1].seconds - start
    rows = []
    for fraction in CURVE_POINTS:
        sample = result.sample_after_launch(start + fraction * span)
        if sample is not None:
            rows.append(
                (
                    f"  RSS at {fraction:4.0%} ({sample.seconds:6.1f} s after launch)",
                    mib(sample.rss),
                )
            )
    return rows


def growth_rows(site: TimedDemoSite, result: CrawlResult, urls: int) -> list[tuple[str, str]]:
    """RSS growth from the first request, and from 25 % of the crawl (first sitemap parsed)."""
    first = site.first_request()
    if first is None or not result.samples:
        return []
    start = first - result.launched
    quarter = start + 0.25 * (result.samples[-1].seconds - start)
    end = result.samples[-1].rss
    rows = []
    for label, seconds in (("first request", start), ("25 %", quarter)):
        if (sample := result.sample_after_launch(seconds)) is not None:
            grown = end - sample.rss
            rows.append(
                (
                    f"RSS growth, {label} to end",
                    f"{mib(grown)} ({grown / max(urls, 1):,.1f} B per URL of {urls:,})",
                )
            )
    return rows


def crawl_rows(site: TimedDemoSite, result: CrawlResult) -> list[tuple[str, str]]:
    skipped = result.report.get("skipped") or {}
    rows = [
        ("sitemaps served", f"{site.served['sitemap']:,}"),
        ("article pages served", f"{site.served['article']:,}"),
        ("articles emitted", f"{result.emitted:,}"),
    ]
    rows += [(f"skipped: {reason}", f"{count:,}") for reason, count in sorted(skipped.items())]
    rows += [
        ("crawl exit status", str(result.returncode)),
        ("wall, launch to exit", f"{result.wall:.2f} s"),
        (
            "spider open to close (durationSeconds)",
            f"{result.report.get('durationSeconds') or 0:.2f} s",
        ),
        ("CPU, crawl process tree", f"{result.cpu_seconds:.1f} s"),
        contention_row(result),
        ("peak RSS, crawl process tree", mib(result.peak_rss)),
        ("peak PSS, crawl process tree", mib(result.peak_pss)),
    ]
    return rows + rss_curve(site, result)


def skip_failures(urls: int, site: TimedDemoSite, result: CrawlResult) -> list[str]:
    failures = check_exit(result)
    skipped = (result.report.get("skipped") or {}).get("already-emitted", 0)
    if skipped != urls:
        failures.append(f"{skipped:,} URLs skipped as already emitted, expected {urls:,}")
    if site.served["article"]:
        failures.append(f"{site.served['article']:,} article pages fetched, expected none")
    return failures


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    site, result, (fill_seconds, store_bytes) = skip_run(
        args.urls, args.workers, args.refetch_window_days, args.timeout, args.interval
    )
    print(
        f"\nnewscrawl skip-seen memory: {args.urls:,} generated URLs, all in the state store "
        f"(SQLite), NEWSCRAWL_EXTRACT_WORKERS={args.workers}, {os.cpu_count()} cores"
    )
    print(
        "Loopback speed settings: AUTOTHROTTLE_ENABLED=0 DOWNLOAD_DELAY=0 "
        "CONCURRENT_REQUESTS=32 CONCURRENT_REQUESTS_PER_DOMAIN=32 (ROBOTSTXT_OBEY on)"
    )
    print(
        f"{future_lastmods(args.urls):,} of the generated pages carry a sitemap lastmod later "
        "than now: not an update, they must be skipped too"
    )
    print_command(result.command)
    print_table(
        "State store",
        [
            (
                f"fill {args.urls:,} records (stage+commit, {BATCH:,} a batch)",
                f"{fill_seconds:.1f} s ({args.urls / fill_seconds:,.0f} /s)",
            ),
            ("store size", mib(store_bytes)),
        ],
    )
    print_table(
        "Crawl, every URL already emitted",
        [*crawl_rows(site, result), *growth_rows(site, result, args.urls)],
    )
    failures = skip_failures(args.urls, site, result)
    print_failures(failures, result)
    if args.baseline_pages:
        failures += baseline(args.baseline_pages, args.workers, args.timeout, args.interval)
    return 1 if failures else 0


def baseline(pages: int, workers: int, timeout: float, interval: float) -> list[str]:
    site, result = baseline_run(pages, workers, timeout, interval)
    print_table(
        f"Baseline: {pages:,}-page site, empty state store (nothing skipped)",
        crawl_rows(site, result),
    )
    failures = check_exit(result)
    if result.emitted != pages:
        failures.append(f"baseline emitted {result.emitted:,} articles, expected {pages:,}")
    print_failures(failures, result)
    return failures


if __name__ == "__main__":
    sys.exit(main())
