"""``scrapy checksite NAME [--sites-file FILE]``: each source of a registry entry fetched, the
URLs it lists and how many the entry takes as articles, and a few of its articles fetched,
extracted and cleaned as a crawl would. Exit status 3 (``newscrawl.health``) when a source is
dead or yields no article, 2 for an unknown site or a bad sites file, else 0."""

from __future__ import annotations

import argparse
import sys

from scrapy.exceptions import UsageError

from newscrawl.health import EXIT_OK, EXIT_UNHEALTHY, EXIT_USAGE
from newscrawl.pipelines.extract import cleaning_options
from newscrawl.probe import ProbeCommand
from newscrawl.probing import (
    SAMPLES_PER_SOURCE,
    Checked,
    check_site,
    describe_sample,
    describe_source,
)
from newscrawl.registry import RegistryError, load_registry


class Command(ProbeCommand):
    def syntax(self) -> str:
        return "NAME [--sites-file FILE] [--samples N]"

    def short_desc(self) -> str:
        return "Fetch a registry entry's sources and a few of its articles, and report"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--sites-file",
            metavar="FILE",
            help="your own sites file (default: the bundled registry)",
        )
        parser.add_argument(
            "--samples",
            type=int,
            default=SAMPLES_PER_SOURCE,
            metavar="N",
            help=f"articles judged per source (default {SAMPLES_PER_SOURCE})",
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one site name")
        assert self.settings is not None
        try:
            registry = load_registry(opts.sites_file)
            if args[0] not in registry:
                raise RegistryError(f"unknown site {args[0]}; known: {', '.join(sorted(registry))}")
        except RegistryError as exc:
            print(f"newscrawl: {exc}", file=sys.stderr)
            self.exitcode = EXIT_USAGE
            return
        site, options = registry[args[0]], cleaning_options(self.settings)
        checked: Checked | None = self.run_plan(
            lambda fetch: check_site(site, fetch, options, max(opts.samples, 0))
        )
        if checked is None:
            return
        _report(checked)
        self.exitcode = EXIT_UNHEALTHY if checked.problems() else EXIT_OK


def _report(checked: Checked) -> None:
    site = checked.site
    print(f"Site {site.key} ({site.name}): {len(checked.reads)} source(s)")
    for read in checked.reads:
        print(describe_source(read, site))
        for sample in checked.samples[read.url]:
            print(describe_sample(sample, indent=10))
    if problems := checked.problems():
        print(f"UNHEALTHY: {len(problems)} problem(s)")
        for problem in problems:
            print(f"  - {problem}")
    else:
        emitted = sum(s.emitted for samples in checked.samples.values() for s in samples)
        judged = sum(len(samples) for samples in checked.samples.values())
        print(f"OK: every source lists articles; {emitted} of {judged} sampled would be emitted")
