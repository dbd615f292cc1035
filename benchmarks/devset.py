"""Crawl the labelled Vietnamese dev site end to end and score the output.

    python benchmarks/devset.py [--devset DIR] [--keep DIR] [-v] [-- EXTRA SCRAPY ARGS]

``--devset`` defaults to ``../shared/vn-devset`` beside the checkout.

Serves ``vn-devset/site`` with its own ``serve.py`` on a free loopback port, runs
``scrapy crawl news -a sitemap=<site>/sitemap.xml`` into a fresh output and state directory, and
prints what ``score.py`` prints: spam_recall, false_drop_rate, residue_rate, body_recall,
credit_accuracy, title_clean_rate and junk_ok. ``-v`` lists every failing page. Exits 1 when the
crawl fails or writes no output.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DEVSET = ROOT.parent / "shared" / "vn-devset"
# Loopback needs no politeness delay (and the address guard must let it through); everything
# else is the real crawl's configuration.
FAST = (
    "-s",
    "AUTOTHROTTLE_ENABLED=0",
    "-s",
    "DOWNLOAD_DELAY=0",
    "-s",
    "LOG_LEVEL=WARNING",
    "-s",
    "NEWSCRAWL_ALLOW_LOOPBACK=1",
)


def _serve(devset: Path) -> tuple[subprocess.Popen[str], str]:
    server = subprocess.Popen(
        [sys.executable, str(devset / "serve.py"), "--port", "0", "--max-seconds", "900"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    first = server.stdout.readline().split()
    if not first or not first[-1].startswith("http://127.0.0.1:"):
        server.kill()
        sys.exit(f"FAIL: serve.py did not start: {first}")
    return server, first[-1]


def _crawl(base_url: str, out: Path, extra: list[str]) -> tuple[Path, Path]:
    items, rejects = out / "items.jsonl", out / "rejects.jsonl"
    command = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "news",
        "-a",
        f"sitemap={base_url}/sitemap.xml",
        *FAST,
        "-O",
        str(items),
        "-s",
        f"NEWSCRAWL_REJECTS_URI={rejects}",
        "-s",
        f"NEWSCRAWL_DATA_DIR={out / 'data'}",
        *extra,
    ]
    print("$", " ".join(command), flush=True)
    done = subprocess.run(command, cwd=ROOT, text=True, capture_output=True)
    print(f"crawl exit status {done.returncode}")
    if not items.exists():
        print(done.stderr[-3000:], file=sys.stderr)
        sys.exit("FAIL: the crawl wrote no output")
    return items, rejects


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--devset", type=Path, default=DEFAULT_DEVSET)
    parser.add_argument("--keep", type=Path, help="write the crawl's output here and keep it")
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("extra", nargs="*", help="more scrapy arguments, after --")
    args = parser.parse_args()
    server, base_url = _serve(args.devset)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            out = args.keep or Path(tmp)
            out.mkdir(parents=True, exist_ok=True)
            items, rejects = _crawl(base_url, out, args.extra)
            score = [
                sys.executable,
                str(args.devset / "score.py"),
                "--labels",
                str(args.devset / "labels.jsonl"),
                "--out",
                str(items),
                "--rejects",
                str(rejects),
                *(["-v"] if args.verbose else []),
            ]
            subprocess.run(score, check=True)
    finally:
        server.kill()


if __name__ == "__main__":
    main()
