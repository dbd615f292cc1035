"""How fast newscrawl turns pages into JSONL, next to trafilatura alone; and its memory.

    python benchmarks/speed.py                        # aeb pages x 8 copies (or a generated site)
    python benchmarks/speed.py --copies 12 --workers 0 2 --set CONCURRENT_ITEMS=1
    python benchmarks/speed.py --generated 10000      # DemoSite(generated=10000) instead
    python benchmarks/speed.py --memory 50000         # RSS curve of a long crawl, pool on

Pages are served on 127.0.0.1: the 181 real pages of ``../shared/aeb/html/*.html.gz`` when they
exist (each under ``--copies`` URLs, decompressed on the fly, listed in a sitemap), else the demo
site's generated pages. Figures: trafilatura alone (one process, the same HTML read from disk,
newscrawl's options) doing newscrawl's job, text and metadata (``with_metadata=True``), and
text only; ``scrapy crawl news`` (the console script) with the extraction pool off and
on: pages/s, CPU per page over the whole process tree, peak RSS and PSS summed over the tree; and
where a page's CPU goes (decode, parse, trafilatura, cleaning, duplicate filter timed in this
process on the same pages; Scrapy and the rest = crawl CPU minus those).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import gzip
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from unittest.mock import patch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402
from _common import Sample, TreeSampler, children_cpu, mib, read_report  # noqa: E402
from scrapy.utils.test import get_crawler  # noqa: E402

from newscrawl import extraction  # noqa: E402
from newscrawl import settings as project_settings  # noqa: E402
from newscrawl.cleaning import chain  # noqa: E402
from newscrawl.cleaning.furniture import FurnitureRule  # noqa: E402
from newscrawl.demosite import DemoSite  # noqa: E402
from newscrawl.encoding import decode_html  # noqa: E402
from newscrawl.items import Page  # noqa: E402
from newscrawl.pipelines import Rejected, Staged  # noqa: E402
from newscrawl.pipelines.extract import ExtractPipeline, cleaning_options  # noqa: E402
from newscrawl.pipelines.publish import PublishPipeline  # noqa: E402
from newscrawl.publication import HeldArticles  # noqa: E402
from newscrawl.state import open_state_store  # noqa: E402

AEB_PAGES = ROOT.parent / "shared" / "aeb" / "html"
SCRAPY = str(Path(sys.executable).with_name("scrapy"))  # the console script, as users run it
CRAWL_SETTINGS = ("AUTOTHROTTLE_ENABLED=0", "DOWNLOAD_DELAY=0", "NEWSCRAWL_ALLOW_LOOPBACK=1",
                  "CONCURRENT_REQUESTS_PER_DOMAIN=32", "NEWSCRAWL_CHECK_LANGUAGE=0")
TRAFILATURA_OPTIONS = {"include_comments": False, "include_tables": True,
                       "include_images": False, "deduplicate": False}
PR_SET_CHILD_SUBREAPER = 36


# -- the pages on loopback -----------------------------------------------------------------

class AebSite:
    """The aeb pages, each under ``copies`` URLs ``/c<k>/<name>.html``, with robots.txt and a
    sitemap. Copy k > 0 tags every paragraph with its number, so the copies are different
    articles to the duplicate filter (which then does its full near-duplicate work)."""

    article_allow = r"/c\d+/[0-9a-f]{64}\.html$"

    def __init__(self, directory: Path, copies: int) -> None:
        self.files = {p.name.removesuffix(".html.gz"): p for p in sorted(directory.glob("*.gz"))}
        self.copies = copies
        self.base_url = ""

    def urls(self) -> list[str]:
        return [f"{self.base_url}/c{k}/{name}.html" for k in range(self.copies)
                for name in self.files]

    def html(self) -> list[tuple[str, bytes]]:
        """(url, body) of each distinct page, as read from disk."""
        return [(f"{self.base_url}/c0/{name}.html", gzip.decompress(path.read_bytes()))
                for name, path in self.files.items()]

    def body(self, path: str) -> tuple[int, str, bytes]:
        if path == "/robots.txt":
            return 200, "text/plain", f"Sitemap: {self.base_url}/sitemap.xml\n".encode()
        if path == "/sitemap.xml":
            locs = "".join(f"<url><loc>{url}</loc></url>" for url in self.urls())
            return 200, "application/xml", (
                '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns='
                f'"http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>').encode()
        copy, _, name = path.removeprefix("/c").partition("/")
        file = self.files.get(name.removesuffix(".html"))
        if not copy.isdigit() or file is None:
            return 404, "text/plain", b"not found"
        html = gzip.decompress(file.read_bytes())
        if copy != "0":
            html = html.replace(b"</p>", f" [{copy}]</p>".encode())
        return 200, "text/html", html

    def registry_toml(self, name: str) -> str:
        return (f'[{name}]\nname = "aeb"\ndomains = ["127.0.0.1"]\nlanguage = "en"\n'
                f'sitemaps = ["{self.base_url}/sitemap.xml"]\n'
                f"article_allow = ['{self.article_allow}']\n")

    @contextmanager
    def serving(self) -> Iterator[AebSite]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                status, content_type, body = site.body(self.path)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{server.server_address[1]}"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()


@dataclass
class Corpus:
    """What a benchmark crawls: its registry entry, and its distinct pages for in-process work."""

    registry_toml: str
    pages: list[tuple[str, bytes]]
    urls: int
    description: str


@contextmanager
def aeb_corpus(copies: int) -> Iterator[Corpus]:
    with AebSite(AEB_PAGES, copies).serving() as site:
        yield Corpus(site.registry_toml("aeb"), site.html(), len(site.urls()),
                     f"{len(site.files)} aeb pages x {copies} copies")


@contextmanager
def generated_corpus(count: int, sample: int = 200) -> Iterator[Corpus]:
    with DemoSite("paper", generated=count).start() as site:
        pages = [(url, _fetch(url)) for url in
                 (f"{site.base_url}/gen/{i}.html" for i in range(min(sample, count)))]
        yield Corpus(site.registry_toml("gen"), pages, count,
                     f"DemoSite(generated={count}) (+ the paper's own pages)")


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url) as response:
        return response.read()


# -- in-process measurements ---------------------------------------------------------------

def trafilatura_alone(pages: Sequence[tuple[str, bytes]], *, with_metadata: bool) -> float:
    """Pages/s of trafilatura alone, one process, on the HTML as read from disk."""
    started = time.perf_counter()
    for url, body in pages:
        trafilatura.bare_extraction(body, url=url, with_metadata=with_metadata,
                                    **TRAFILATURA_OPTIONS)
    return len(pages) / (time.perf_counter() - started)


# Stages timed in this process, as a crawl runs them. parse, DOM preparation, trafilatura and
# cleaning are timed inside the extraction call (their functions wrapped), so the split matches
# the crawl's own work.
STAGES = ("decode", "extraction", "parse", "dom", "trafilatura", "cleaning", "duplicates")


def measure_split(pages: Sequence[tuple[str, bytes]], state_dir: Path) -> dict[str, float]:
    """CPU seconds per page of each stage (``extraction`` includes parse, dom, trafilatura and
    cleaning)."""
    seconds = dict.fromkeys(STAGES, 0.0)

    def timed(stage: str, work: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return work(*args, **kwargs)
            finally:
                seconds[stage] += time.process_time() - started
        return run

    extract, publish = in_process_extraction(), publication(state_dir)
    with (patch.object(extraction, "_parse", timed("parse", extraction._parse)),
          patch.object(extraction, "prepare_for_extraction",
                       timed("dom", extraction.prepare_for_extraction)),
          patch.object(extraction, "_main_text", timed("trafilatura", extraction._main_text)),
          patch.object(chain, "clean_article", timed("cleaning", chain.clean_article))):
        for url, body in pages:
            text = timed("decode", decode_html)(body, "text/html").text
            article = timed("extraction", extract)(Page(url=url, html=text, site="bench",
                                                        encoding="utf-8"))
            if article is not None:
                timed("duplicates", publish)(article)
    return {stage: total / len(pages) for stage, total in seconds.items()}


def publication(state_dir: Path) -> Callable[[Any], None]:
    """What ``PublishPipeline`` does for one article: hold it (MinHash sketch, line keys), then
    at the end of the run strip the site's furniture and run the duplicate checks. Timed page by
    page: the furniture statistics of a one-page run are empty, which costs the same lookups."""
    store = open_state_store(f"sqlite:{state_dir}/state.sqlite")
    pipeline = PublishPipeline(get_crawler(), store, FurnitureRule(), 0)

    def publish(article: Any) -> None:
        with suppress(Staged):
            pipeline.process_item(article)
        furniture = pipeline.held.furniture(store, pipeline.rule)
        for site, held in pipeline.held.in_preference_order():
            with suppress(Rejected):
                pipeline._publishable(site, held, furniture.get(site, set()))
        pipeline.held.close()
        pipeline.held = HeldArticles()
    return publish


def _project_settings() -> dict[str, Any]:
    return {name: getattr(project_settings, name) for name in dir(project_settings)
            if name.isupper()}


def in_process_extraction() -> Callable[[Page], Any]:
    """``ExtractPipeline`` in its one-process mode: an ``Article``, or None if rejected."""
    options = replace(cleaning_options(get_crawler(settings_dict=_project_settings()).settings),
                      check_language=False)
    pipeline = ExtractPipeline(0, get_crawler().stats, options)
    return _passes(lambda page: asyncio.run(pipeline.process_item(page)))


def _passes(stage: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def run(item: Any) -> Any:
        try:
            return stage(item)
        except Rejected:
            return None
    return run


# -- crawls --------------------------------------------------------------------------------

@dataclass
class Crawl:
    workers: int
    pages: int  # items through the pipeline chain: emitted + dropped
    emitted: int
    wall: float  # process start to exit
    elapsed: float  # spider open to close
    cpu: float  # whole process tree
    root_cpu: float  # the crawl process alone
    samples: list[Sample] = field(default_factory=list)
    exit_code: int = 0

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.wall

    def peak(self, measure: str) -> int:
        return max((getattr(sample, measure) for sample in self.samples), default=0)


def crawl(corpus: Corpus, workers: int, *, extra: Sequence[str] = (),
          sample_every: float = 0.5) -> Crawl:
    with tempfile.TemporaryDirectory(prefix="newscrawl-speed-") as tmp:
        out = Path(tmp)
        sites = out / "sites.toml"
        sites.write_text(corpus.registry_toml, "utf-8")
        command = [SCRAPY, "crawl", "news", "-a", f"sites_file={sites}",
                   *_settings(*CRAWL_SETTINGS, f"NEWSCRAWL_EXTRACT_WORKERS={workers}",
                              f"NEWSCRAWL_OUTPUT_DIR={out}", f"NEWSCRAWL_DATA_DIR={out}/data",
                              *extra)]
        cpu_before = children_cpu()
        started = time.monotonic()
        with (out / "stderr.log").open("w") as log:
            process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
            sampler = TreeSampler(process.pid, started, sample_every)
            sampler.start()
            exit_code = process.wait()
            sampler.stop()
        wall = time.monotonic() - started
        _reap_orphans()
        if exit_code not in (0, 3):  # 3: finished, but the health check complained
            sys.exit(f"crawl failed ({exit_code}):\n{(out / 'stderr.log').read_text()[-3000:]}")
        stats = read_report(out).get("stats", {})
    return Crawl(
        workers=workers,
        pages=stats.get("item_scraped_count", 0) + stats.get("item_dropped_count", 0),
        emitted=stats.get("item_scraped_count", 0), wall=wall,
        elapsed=stats.get("elapsed_time_seconds", 0.0), cpu=children_cpu() - cpu_before,
        root_cpu=sampler.root_cpu_seconds, samples=sampler.samples, exit_code=exit_code,
    )


def _settings(*pairs: str) -> list[str]:
    return [arg for pair in pairs for arg in ("-s", pair)]


def _become_subreaper() -> None:
    """Orphaned descendants (the forkserver and its workers outlive the crawl process by a
    moment) become our children, so reaping them adds their CPU time to RUSAGE_CHILDREN: the
    whole tree's CPU, exactly."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def _reap_orphans() -> None:
    with contextlib.suppress(ChildProcessError):
        while True:
            os.waitpid(-1, 0)


# -- report --------------------------------------------------------------------------------

def print_speed(corpus: Corpus, alone: dict[str, float], split: dict[str, float],
                crawls: list[Crawl]) -> None:
    print(f"\n{corpus.description}: {corpus.urls} article URLs crawled; "
          f"{len(corpus.pages)} distinct pages timed in-process; {os.cpu_count()} cores\n")
    print(f"{'':44}{'pages/s':>9}{'x alone':>9}{'x text':>8}{'CPU ms/page':>13}{'peak RSS':>12}"
          f"{'peak PSS':>12}")
    full, text = alone["metadata"], alone["text"]
    for label, rate in (("trafilatura alone, text + metadata", full),
                        ("trafilatura alone, text only", text)):
        print(f"{label:44}{rate:9.1f}{rate / full:9.2f}{rate / text:8.2f}{1000 / rate:13.1f}")
    for run in crawls:
        rate = run.pages_per_second
        print(f"{'crawl, ' + _workers_label(run.workers):44}{rate:9.1f}{rate / full:9.2f}"
              f"{rate / text:8.2f}{run.cpu / run.pages * 1000:13.1f}"
              f"{mib(run.peak('rss')):>12}{mib(run.peak('pss')):>12}")
    print("\n(trafilatura alone: one process, from disk, wall time; x alone: against text + "
          "metadata, newscrawl's job; x text: against text only; crawls: pages through the "
          "pipelines / wall time of the scrapy process, start-up included; CPU and memory: the "
          "whole process tree)")
    for run in crawls:
        crawl_cpu = run.root_cpu
        print(f"  {_workers_label(run.workers)}: {run.pages} pages ({run.emitted} emitted), "
              f"{run.wall:.1f} s wall ({run.pages / run.elapsed:.1f} pages/s from spider open "
              f"to close); CPU {run.cpu:.1f} s: crawl process {crawl_cpu:.1f} s, others "
              f"{run.cpu - crawl_cpu:.1f} s; exit status {run.exit_code}")
    _print_split(split, crawls)


def _print_split(split: dict[str, float], crawls: list[Crawl]) -> None:
    rows = [("decode (newscrawl.encoding)", split["decode"]),
            ("HTML parse (lxml)", split["parse"]),
            ("DOM preparation (newscrawl.dom)", split["dom"]),
            ("metadata (JSON-LD, meta, dates, fallbacks)",
             split["extraction"] - split["parse"] - split["dom"] - split["trafilatura"]
             - split["cleaning"]),
            ("trafilatura", split["trafilatura"]),
            ("cleaning (clean_article)", split["cleaning"]),
            ("publication (furniture, fingerprint, MinHash)", split["duplicates"])]
    print("\nWhere a page's CPU goes, ms/page (timed in this process on the same pages):")
    for label, seconds in rows:
        print(f"  {label:44}{seconds * 1000:7.2f}")
    extracting = split["extraction"] - split["cleaning"]
    print(f"  cleaning / extraction: {split['cleaning'] / extracting:.1%}")
    measured = sum(seconds for _, seconds in rows)
    for run in crawls:
        label = f"Scrapy and the rest, {_workers_label(run.workers)}"
        print(f"  {label:44}{(run.cpu / run.pages - measured) * 1000:7.2f}"
              f"  (= crawl CPU {run.cpu / run.pages * 1000:.2f} - the above)")


def _workers_label(workers: int) -> str:
    if workers == 0:
        return "pool off (in-process)"
    return f"pool of {workers if workers > 0 else os.cpu_count()} workers"


def print_memory(run: Crawl, every: float) -> None:
    print(f"\nMemory, {_workers_label(run.workers)}: {run.pages} pages in {run.wall:.0f} s "
          f"({run.pages_per_second:.1f} pages/s), sampled every {every:g} s")
    print(f"  {'time':>8}{'tree RSS':>10}{'tree PSS':>10}{'crawl RSS':>11}")
    step = max(1, len(run.samples) // 25)
    for sample in [*run.samples[::step], run.samples[-1]]:
        print(f"  {sample.seconds:7.0f}s{mib(sample.rss):>10}{mib(sample.pss):>10}"
              f"{mib(sample.root_rss):>11}")
    # Start: past start-up and the sitemaps' parsing; end: before the closing (pool shut down,
    # state committed).
    start, end = (run.samples[len(run.samples) * share // 100] for share in (10, 95))
    pages = run.pages * (end.seconds - start.seconds) / run.wall
    print(f"start ({start.seconds:.0f} s): tree RSS {mib(start.rss)}, crawl process "
          f"{mib(start.root_rss)}; end ({end.seconds:.0f} s): tree RSS {mib(end.rss)}, crawl "
          f"process {mib(end.root_rss)}; growth {(end.rss - start.rss) / pages / 1024:.1f} KiB "
          f"a page; peak tree RSS {mib(run.peak('rss'))}, PSS {mib(run.peak('pss'))}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=8, help="URLs per aeb page")
    parser.add_argument("--generated", type=int, default=0, metavar="N",
                        help="crawl DemoSite(generated=N) instead of the aeb pages")
    parser.add_argument("--workers", type=int, nargs="+", default=[0, -1],
                        help="NEWSCRAWL_EXTRACT_WORKERS values to crawl with")
    parser.add_argument("--memory", type=int, default=0, metavar="N",
                        help="only crawl DemoSite(generated=N), pool on; print the RSS curve")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="one more Scrapy setting for the crawls (repeatable)")
    args = parser.parse_args(argv)
    _become_subreaper()
    if args.memory:
        with generated_corpus(args.memory, sample=0) as corpus:
            print_memory(crawl(corpus, -1, extra=args.set, sample_every=2.0), 2.0)
        return
    use_aeb = not args.generated and AEB_PAGES.is_dir()
    with (aeb_corpus(args.copies) if use_aeb else generated_corpus(args.generated or 2000)
          ) as corpus, tempfile.TemporaryDirectory() as state_dir:
        alone = {"metadata": trafilatura_alone(corpus.pages, with_metadata=True),
                 "text": trafilatura_alone(corpus.pages, with_metadata=False)}
        split = measure_split(corpus.pages, Path(state_dir))
        crawls = [crawl(corpus, workers, extra=args.set) for workers in args.workers]
    print_speed(corpus, alone, split, crawls)


if __name__ == "__main__":
    main()
