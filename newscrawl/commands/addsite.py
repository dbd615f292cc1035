"""``scrapy addsite URL [--name KEY] [--append FILE]``: a site's registry entry, proposed from
its robots.txt, home page, sitemaps and feeds, with a few of its articles as a crawl would emit
them. The entry goes to stdout (or is appended to FILE); the report to stderr."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.exceptions import UsageError

from newscrawl.health import EXIT_OK, EXIT_UNHEALTHY, EXIT_USAGE
from newscrawl.pipelines.extract import cleaning_options
from newscrawl.probe import ProbeCommand
from newscrawl.probing import describe_sample, describe_source
from newscrawl.registry import RegistryError, check_url
from newscrawl.sitesfile import append_entry, check_new_key, read_sites_file

if TYPE_CHECKING:
    from newscrawl.onboarding import Onboarding

_KEY = re.compile(r"[A-Za-z0-9_-]+")


class Command(ProbeCommand):
    def syntax(self) -> str:
        return "URL [--name KEY] [--append FILE]"

    def short_desc(self) -> str:
        return "Propose a site's registry entry from its sitemaps and feeds, and try it"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--name", metavar="KEY", help="the entry's key (default: from the host name)"
        )
        parser.add_argument(
            "--append",
            metavar="FILE",
            help="append the entry to this sites file (created if missing) instead of printing it",
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one URL (the site's home page)")
        assert self.settings is not None
        try:
            url = check_url(args[0], "addsite")
            if opts.name is not None and not _KEY.fullmatch(opts.name):
                raise RegistryError(f"--name {opts.name!r}: use letters, digits, - and _")
            if opts.append is not None and opts.name is not None:
                check_new_key(Path(opts.append), opts.name)
            elif opts.append is not None:
                read_sites_file(Path(opts.append))
        except RegistryError as exc:
            print(f"newscrawl: {exc}", file=sys.stderr)
            self.exitcode = EXIT_USAGE
            return
        # here, not with the module: Scrapy imports every command to list them, and every
        # `scrapy crawl` would pay for trafilatura (~1 s) in the crawl process
        from newscrawl.onboarding import onboard

        options = cleaning_options(self.settings)
        done: Onboarding | None = self.run_plan(
            lambda fetch: onboard(url, fetch, options, key=opts.name)
        )
        if done is None:
            return
        _report(done)
        entry = done.proposal.toml()
        healthy = bool(done.reads) and any(sample.emitted for sample in done.samples)
        self.exitcode = EXIT_OK if healthy else EXIT_UNHEALTHY
        if opts.append is None or not healthy:
            print(entry, end="")
            if opts.append is not None:  # a cron run of it would fail: for the user to judge
                print(
                    f"newscrawl: not appended to {opts.append}: no source with an article "
                    "that would be emitted",
                    file=sys.stderr,
                )
            return
        try:
            append_entry(Path(opts.append), entry, done.proposal.key)
        except (RegistryError, OSError) as exc:
            print(f"newscrawl: {exc}", file=sys.stderr)
            self.exitcode = EXIT_USAGE
            return
        print(f"Appended [{done.proposal.key}] to {opts.append}", file=sys.stderr)


def _report(done: Onboarding) -> None:
    found, proposal = done.discovery, done.proposal
    say = _stderr
    say(f"Site {done.url} ({proposal.name})")
    if not found.home.ok:
        say(f"  home page: {found.home.error}")
    say(f"  robots.txt sitemaps: {_listed(found.robots_sitemaps)}")
    say(f"  home page feeds:     {_listed(found.home_feeds)}")
    say(f"  common paths found:  {_listed(list(found.guessed))}")
    say("Sources of the entry:")
    site = proposal.site()
    for read in done.reads:
        say("  " + describe_source(read, site).replace("\n", "\n  "))
    for read, why in done.left_out:
        say(f"  left out {read.kind} {read.url}: {why}")
    if not done.reads:
        say("  none: no sitemap, feed or home page listing gave an article URL")
    rules = proposal.rules
    allow = ", ".join(rules.allow) or "the registry's generic article shape"
    say(f"Article URLs: {allow} matches {rules.covered} of the {rules.total} URLs listed")
    say("Articles sampled (fetched, extracted and cleaned as a crawl does):")
    for sample in done.samples:
        say(describe_sample(sample))
    if not done.samples:
        say("  none")


def _listed(urls: list[str]) -> str:
    return ", ".join(urls) if urls else "none"


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)
