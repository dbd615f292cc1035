"""``scrapy demo``: serve the bundled demo news site and content farm on 127.0.0.1 and crawl
both into JSONL."""

from __future__ import annotations

import argparse
import json
import tempfile
from contextlib import ExitStack
from pathlib import Path

from scrapy.commands import ScrapyCommand

from newscrawl.output import companion_path, default_feed_uri, feed_options, rejects_path

# Loopback needs no politeness delay, and the address guard must let it through; everything
# else is the real crawl's settings.
_DEMO_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "LOG_LEVEL": "WARNING",
    "NEWSCRAWL_GZIP": False,
    "NEWSCRAWL_ALLOW_LOOPBACK": True,
}
_TRAPS = (
    "The warnings below are the demo site's deliberate traps (a broken sitemap, pages "
    "robots.txt forbids, a PDF, a 404, an empty page): each is rejected with its reason."
)
_SHOWN = 5  # articles and spam headlines listed


class Command(ScrapyCommand):
    requires_project = True

    def short_desc(self) -> str:
        return (
            "Crawl the bundled demo news site and content farm (offline) into JSONL and "
            "summarise it"
        )

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        # here, before logging starts, so that LOG_LEVEL hides Scrapy's start-up banner too;
        # above the project's settings, below the user's -s
        self.settings.setdict(_DEMO_SETTINGS, priority="spider")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        # here: Scrapy imports every command's module when it starts, for every crawl
        from newscrawl.demosite import DemoSite

        assert self.settings is not None and self.crawler_process is not None
        feed = default_feed_uri(self.settings, "demo")
        self.settings.set("FEEDS", {feed: feed_options(self.settings)}, priority="cmdline")
        with ExitStack() as stack:
            paper = stack.enter_context(DemoSite("paper").start())
            farm = stack.enter_context(DemoSite("farm").start())
            tmp = stack.enter_context(tempfile.TemporaryDirectory())
            # each demo serves on new ports: a fresh state store, or it would see duplicates
            self.settings.set(
                "NEWSCRAWL_STATE_URI", f"sqlite:{tmp}/state.sqlite", priority="cmdline"
            )
            registry = Path(tmp, "demo.toml")
            registry.write_text(
                paper.registry_toml("demo") + "\n" + farm.registry_toml("farm"), encoding="utf-8"
            )
            print(
                f"Demo news site at {paper.base_url}, content farm (copies with spam "
                f"headlines) at {farm.base_url}; crawling both...\n{_TRAPS}",
                flush=True,
            )
            self.crawler_process.crawl("news", site="demo,farm", sites_file=str(registry))
            self.crawler_process.start()
        _summarise(
            Path(feed), rejects_path(self.settings), companion_path(self.settings, "report.json")
        )


def _summarise(feed: Path, rejects: Path, report: Path) -> None:
    articles = [json.loads(line) for line in feed.read_text("utf-8").splitlines()]
    dropped = [
        json.loads(line)
        for line in (rejects.read_text("utf-8").splitlines() if rejects.exists() else ())
    ]
    spam = sorted(r["headline"] for r in dropped if r["reason"] == "spam-title")  # stable order
    print(f"\n{len(articles)} articles written to {feed}")
    _list([f"{a['datePublished'] or '?':<25} {a['headline']}" for a in articles])
    print(f"{len(spam)} content-farm headlines dropped for injected spam, e.g.")
    _list(spam)
    print(
        f"{len(dropped)} pages or items rejected in all (counts per reason in the summary "
        f"above), each with its reason and evidence in {rejects}"
    )
    print(f"Run report (health, counts per site and reason, all stats): {report}")


def _list(lines: list[str]) -> None:
    for line in lines[:_SHOWN]:
        print(f"  {line}")
    if len(lines) > _SHOWN:
        print(f"  ... and {len(lines) - _SHOWN} more")
