"""``scrapy crawl``, checking spider arguments before the crawl starts.

A bad ``-a`` argument (unknown site, unreadable file, malformed URL) ends the command at once
with one line on stderr and exit status 2, instead of a traceback from inside the engine.
"""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand

from newscrawl.registry import RegistryError

USAGE_EXIT = 2


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args and self.crawler_process:
            spider_class = self.crawler_process.spider_loader.load(args[0])
            check = getattr(spider_class, "check_arguments", None)
            if check is not None:
                try:
                    check(**opts.spargs)
                except (RegistryError, TypeError) as exc:
                    print(f"newscrawl: {exc}", file=sys.stderr)
                    self.exitcode = USAGE_EXIT
                    return
        super().run(args, opts)
