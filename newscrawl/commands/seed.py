"""``scrapy seed news -a ... -s REDIS_URL=...``: put a run's sources on the shared frontier.

The sources (sitemaps, feeds, listings, URL lists) of the given arguments are scheduled into
scrapy-redis's queue and the command exits; workers (``scrapy crawl news`` with the same
arguments and ``REDIS_URL``) take them from there.
"""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from newscrawl.distributed.addon import MissingExtraError, require_redis_extra
from newscrawl.health import EXIT_OK, EXIT_UNHEALTHY, EXIT_USAGE


class Command(ScrapyCrawlCommand):
    def short_desc(self) -> str:
        return "Schedule a run's sources on the shared Redis frontier (distributed mode)"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None and self.crawler_process is not None
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        if not self.settings.get("REDIS_URL"):
            print("newscrawl: scrapy seed needs -s REDIS_URL=redis://host:port/db",
                  file=sys.stderr)
            self.exitcode = EXIT_USAGE
            return
        try:
            require_redis_extra(self.settings)
        except MissingExtraError as exc:
            print(f"newscrawl: {exc}", file=sys.stderr)
            self.exitcode = EXIT_USAGE
            return
        self.settings.set("NEWSCRAWL_REDIS_SEED_ONLY", True, priority="cmdline")
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        seeded = crawler.stats.get_value("scheduler/enqueued/redis", 0)
        print(f"Seeded {seeded} source request(s) for {args[0]} on {self.settings['REDIS_URL']}")
        self.exitcode = EXIT_OK if seeded else EXIT_UNHEALTHY
