"""``python -m newscrawl.healthreport [--history FILE] [--since YYYY-MM-DD] -o report.html``:
the run history as one static HTML page."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from newscrawl.healthreport.anomalies import BASELINE_RUNS
from newscrawl.healthreport.page import render
from newscrawl.history import HISTORY_FILE_NAME, read_history

# Where the crawls write it by default: in NEWSCRAWL_DATA_DIR (default: data).
DEFAULT_HISTORY = Path("data") / HISTORY_FILE_NAME


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m newscrawl.healthreport",
        description="Write the run history (NEWSCRAWL_HISTORY) as one static HTML page: per "
        "site and run, articles emitted, rejects by reason, fetch errors, residue "
        "signals; anomalous sites flagged at the top.",
    )
    parser.add_argument(
        "--history",
        type=Path,
        default=DEFAULT_HISTORY,
        help=f"the history file (default: {DEFAULT_HISTORY})",
    )
    parser.add_argument(
        "--since",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="only runs started on or after this day",
    )
    parser.add_argument(
        "--baseline-runs",
        type=int,
        default=BASELINE_RUNS,
        metavar="N",
        help="compare each run with the median of the site's N previous runs "
        f"(default: {BASELINE_RUNS})",
    )
    parser.add_argument("-o", "--output", type=Path, required=True, help="the HTML page")
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    args = _parser().parse_args(argv)
    if args.baseline_runs < 1:
        print("--baseline-runs: expected a positive number", file=sys.stderr)
        return 2
    try:
        history = read_history(args.history, args.since)
    except OSError as exc:
        print(f"Cannot read the history {args.history}: {exc}", file=sys.stderr)
        return 2
    page = render(
        history,
        source=str(args.history),
        generated=datetime.now(UTC),
        since=args.since.isoformat() if args.since else None,
        baseline_runs=args.baseline_runs,
    )
    written = args.output.with_name(args.output.name + ".part")  # never a page cut short
    try:
        written.write_text(page, encoding="utf-8")
        os.replace(written, args.output)
    except OSError as exc:
        written.unlink(missing_ok=True)
        print(f"Cannot write {args.output}: {exc}", file=sys.stderr)
        return 2
    print(
        f"{args.output}: {len(history.runs)} run(s)"
        + (f", {history.broken_lines} unreadable line(s) skipped" if history.broken_lines else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
