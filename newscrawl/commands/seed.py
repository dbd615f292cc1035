"""``scrapy seed news -a ... -s REDIS_URL=...``: put a run's sources on the shared frontier.

The sources (sitemaps, feeds, listings, URL lists) of the given arguments are scheduled into
scrapy-redis's queue and the command exits; workers (``scrapy crawl news`` with the same
arguments and ``REDIS_URL``) take them from there. One seed at a time per spider on a Redis
(``newscrawl.distributed.frontier``): a second one exits with status 75, as a second cron run does.
"""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from newscrawl.distributed.addon import MissingExtraError, require_redis_extra
from newscrawl.distributed.mode import frontier_url, worker_id
from newscrawl.health import EXIT_ALREADY_RUNNING, EXIT_OK, EXIT_UNHEALTHY, EXIT_USAGE


class Command(ScrapyCrawlCommand):
    def short_desc(self) -> str:
        return "Schedule a run's sources on the shared Redis frontier (distributed mode)"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None and self.crawler_process is not None
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        if not frontier_url(self.settings):
            print("newscrawl: scrapy seed needs -s REDIS_URL=redis://host:port/db", file=sys.stderr)
            self.exitcode = EXIT_USAGE
            return
        try:
            require_redis_extra(self.settings)
        except MissingExtraError as exc:
            print(f"newscrawl: {exc}", file=sys.stderr)
            self.exitcode = EXIT_USAGE
            return
        self._seed_alone(args[0], opts)

    def _seed_alone(self, spider: str, opts: argparse.Namespace) -> None:
        from scrapy_redis.connection import get_redis_from_settings  # the redis extra

        from newscrawl.distributed.frontier import claim_seeding, end_seeding

        assert self.settings is not None
        server, seeder = get_redis_from_settings(self.settings), worker_id()
        if (holder := claim_seeding(server, spider, seeder)) is not None:
            print(
                f"newscrawl: a seed of {spider} is in progress on {frontier_url(self.settings)} "
                f"(by {holder}); exiting",
                file=sys.stderr,
            )
            self.exitcode = EXIT_ALREADY_RUNNING
            return
        seeded = 0
        try:
            seeded = self._seed(spider, opts)
        finally:
            hours = self.settings.getfloat("NEWSCRAWL_REDIS_SEEN_HOURS")
            end_seeding(
                server, spider, seeder, seeded=seeded > 0, keep_seconds=max(1, round(hours * 3600))
            )
        print(f"Seeded {seeded} source request(s) for {spider} on {frontier_url(self.settings)}")
        self.exitcode = EXIT_OK if seeded else EXIT_UNHEALTHY

    def _seed(self, spider: str, opts: argparse.Namespace) -> int:
        assert self.settings is not None and self.crawler_process is not None
        self.settings.set("NEWSCRAWL_REDIS_SEED_ONLY", True, priority="cmdline")
        crawler = self._create_crawler(spider)
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        return int(crawler.stats.get_value("scheduler/enqueued/redis", 0))
