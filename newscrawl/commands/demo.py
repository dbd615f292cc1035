"""``scrapy demo``: serve the bundled demo news site on 127.0.0.1 and crawl it into JSONL."""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import Counter
from pathlib import Path

from scrapy.commands import ScrapyCommand

from newscrawl.demosite import DemoSite
from newscrawl.output import default_feed_uri, feed_options, rejects_path

# Loopback needs no politeness delay; everything else is the real crawl's settings.
_DEMO_SETTINGS = {"AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "LOG_LEVEL": "WARNING",
                  "NEWSCRAWL_GZIP": False}


class Command(ScrapyCommand):
    requires_project = True

    def short_desc(self) -> str:
        return "Crawl the bundled demo news site (offline) into JSONL and summarise it"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None and self.crawler_process is not None
        # above the project's settings, below the user's -s
        self.settings.setdict(_DEMO_SETTINGS, priority="spider")
        feed = default_feed_uri(self.settings, "demo")
        self.settings.set("FEEDS", {feed: feed_options(self.settings)}, priority="cmdline")
        with DemoSite().start() as site, tempfile.TemporaryDirectory() as tmp:
            # each demo serves on a new port: a fresh state store, or it would see duplicates
            self.settings.set("NEWSCRAWL_STATE_URI", f"sqlite:{tmp}/state.sqlite",
                              priority="cmdline")
            registry = Path(tmp, "demo.toml")
            registry.write_text(site.registry_toml("demo"), encoding="utf-8")
            print(f"Demo site serving at {site.base_url}; crawling it...")
            self.crawler_process.crawl("news", site="demo", sites_file=str(registry))
            self.crawler_process.start()
        self._summarise(Path(feed), rejects_path(self.settings))

    @staticmethod
    def _summarise(feed: Path, rejects: Path) -> None:
        articles = [json.loads(line) for line in feed.read_text("utf-8").splitlines()]
        reasons = Counter(json.loads(line)["reason"] for line in
                          (rejects.read_text("utf-8").splitlines() if rejects.exists() else ()))
        print(f"\n{len(articles)} articles written to {feed}")
        for article in articles[:5]:
            print(f"  {article['datePublished'] or '?':<25} {article['headline']}")
        if len(articles) > 5:
            print(f"  ... and {len(articles) - 5} more")
        print(f"{reasons.total()} pages or items rejected, listed in {rejects}:")
        for reason, count in reasons.most_common():
            print(f"  {reason:<24} {count}")
