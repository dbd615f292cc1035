"""``scrapy crawl`` for cron: checked arguments, no overlapping runs, exit status from health.

- a bad ``-a`` argument (unknown site, unreadable file, malformed URL) ends the command at once
  with one line on stderr and exit status 2, instead of a traceback from inside the engine;
- a second run of the same spider with the same arguments exits at once with status 75 (not
  in distributed mode: there the workers of one run share its arguments, and the shared
  frontier hands each request to one of them; a worker with no seed to join exits with 2);
- an unhealthy run (see ``newscrawl.health``) exits with status 3.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from newscrawl.distributed.addon import MissingExtraError, require_redis_extra
from newscrawl.distributed.mode import frontier_url, is_distributed
from newscrawl.extensions.report import RunReport
from newscrawl.health import EXIT_ALREADY_RUNNING, EXIT_CRASHED, EXIT_UNHEALTHY, EXIT_USAGE
from newscrawl.output import with_run_options
from newscrawl.registry import RegistryError
from newscrawl.runlock import RunLock
from newscrawl.settings_check import SettingsError, check_settings


class Command(ScrapyCrawlCommand):
    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        # Here, not in the spider's update_settings: the process's FEEDS (from -o/-O) is
        # applied again over the crawler's settings when the crawl starts.
        if feeds := self.settings.getdict("FEEDS"):
            self.settings.set(
                "FEEDS",
                with_run_options(feeds, self.settings),
                priority=self.settings.getpriority("FEEDS") or "cmdline",
            )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        assert self.crawler_process is not None and self.settings is not None
        if not self._arguments_valid(args[0], opts.spargs):
            self.exitcode = EXIT_USAGE
            return
        if is_distributed(self.settings):
            if self._seed_found(args[0]):
                self._crawl(args[0], opts)
            return
        lock = RunLock(
            Path(self.settings.get("NEWSCRAWL_DATA_DIR")) / "locks", args[0], opts.spargs
        )
        if not lock.acquire():
            print(
                f"newscrawl: a run of {args[0]} with these arguments is already in progress "
                f"(pid {lock.holder()}, lock {lock.path}); exiting",
                file=sys.stderr,
            )
            self.exitcode = EXIT_ALREADY_RUNNING
            return
        try:
            self._crawl(args[0], opts)
        finally:
            lock.release()

    def _seed_found(self, spider_name: str) -> bool:
        """Whether a distributed worker has a run to join; says why not in one line."""
        from redis.exceptions import RedisError  # the redis extra, checked by now
        from scrapy_redis.connection import get_redis_from_settings

        from newscrawl.distributed.frontier import was_seeded

        assert self.settings is not None
        url = frontier_url(self.settings)
        try:
            found = was_seeded(get_redis_from_settings(self.settings), self.settings, spider_name)
        except RedisError as exc:
            print(f"newscrawl: cannot reach Redis at {url}: {exc}", file=sys.stderr)
            self.exitcode = EXIT_UNHEALTHY
            return False
        if not found:
            print(
                f"newscrawl: nothing to crawl on {url}: no seed of {spider_name} and an empty "
                f"frontier; run scrapy seed {spider_name} with the same arguments first",
                file=sys.stderr,
            )
            self.exitcode = EXIT_USAGE
        return found

    def _arguments_valid(self, spider_name: str, spargs: dict[str, str]) -> bool:
        assert self.crawler_process is not None and self.settings is not None
        spider_class = self.crawler_process.spider_loader.load(spider_name)
        check = getattr(spider_class, "check_arguments", None)
        try:
            require_redis_extra(self.settings)
            check_settings(self.settings)
            if check is not None:
                check(**spargs)
        except (RegistryError, MissingExtraError, SettingsError) as exc:
            print(f"newscrawl: {exc}", file=sys.stderr)
            return False
        return True

    def _crawl(self, spider_name: str, opts: argparse.Namespace) -> None:
        assert self.crawler_process is not None
        crawler = self._create_crawler(spider_name)
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        extensions = getattr(crawler, "extensions", None)  # absent if the crawl never started
        report = crawler.get_extension(RunReport) if extensions else None
        if self.crawler_process.bootstrap_failed or report is None or report.health is None:
            self.exitcode = EXIT_CRASHED
        else:
            self.exitcode = report.health.exit_code
