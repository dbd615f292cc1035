"""How fast newscrawl turns pages into JSONL, next to trafilatura alone; and its memory.

    python benchmarks/speed.py                        # aeb pages x 8 copies (or a generated site)
    python benchmarks/speed.py --copies 12 --workers 0 2 --set CONCURRENT_ITEMS=1
    python benchmarks/speed.py --generated 10000      # DemoSite(generated=10000) instead
    python benchmarks/speed.py --memory 50000         # RSS curve of a long crawl, pool on
    python benchmarks/speed.py --rounds 3 --copies 3 --workers -1   # crawl vs trafilatura alone

``--rounds N`` runs trafilatura alone (``benchmarks/trafilatura_alone.py``: one process, every
page the crawl fetches, text and metadata to JSONL) and the crawl N times each, alternating, and
measures both the same way: CPU of the whole process tree from RUSAGE_CHILDREN (this process is
a child subreaper, so the forkserver and workers the crawl orphans are reaped here and counted;
a /proc sampler cross-checks), wall time, and from /proc/stat how busy each core was and how
much CPU the rest of the machine used meanwhile.

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
import resource
import statistics
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

import psutil  # noqa: E402
import trafilatura  # noqa: E402
from _common import Sample, TreeSampler, children_cpu, mib, read_report  # noqa: E402
from scrapy.utils.test import get_crawler  # noqa: E402

from newscrawl import settings as project_settings  # noqa: E402
from newscrawl.cleaning import chain  # noqa: E402
from newscrawl.cleaning.furniture import FurnitureRule  # noqa: E402
from newscrawl.demosite import DemoSite  # noqa: E402
from newscrawl.encoding import decode_html  # noqa: E402
from newscrawl.extraction import article as extraction  # noqa: E402
from newscrawl.items import Page  # noqa: E402
from newscrawl.pipelines import Rejected, Staged  # noqa: E402
from newscrawl.pipelines.extract import ExtractPipeline, cleaning_options  # noqa: E402
from newscrawl.pipelines.publish import PublishPipeline  # noqa: E402
from newscrawl.publication import HeldArticles  # noqa: E402
from newscrawl.state import open_state_store  # noqa: E402

AEB_PAGES = ROOT.parent / "shared" / "aeb" / "html"
SCRAPY = str(Path(sys.executable).with_name("scrapy"))  # the console script, as users run it
CRAWL_SETTINGS = (
    "AUTOTHROTTLE_ENABLED=0",
    "DOWNLOAD_DELAY=0",
    "NEWSCRAWL_ALLOW_LOOPBACK=1",
    "CONCURRENT_REQUESTS_PER_DOMAIN=32",
    "NEWSCRAWL_CHECK_LANGUAGE=0",
)
TRAFILATURA_OPTIONS = {
    "include_comments": False,
    "include_tables": True,
    "include_images": False,
    "deduplicate": False,
}
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
        return [
            f"{self.base_url}/c{k}/{name}.html" for k in range(self.copies) for name in self.files
        ]

    def html(self) -> list[tuple[str, bytes]]:
        """(url, body) of each distinct page, as read from disk."""
        return [
            (f"{self.base_url}/c0/{name}.html", gzip.decompress(path.read_bytes()))
            for name, path in self.files.items()
        ]

    def body(self, path: str) -> tuple[int, str, bytes]:
        if path == "/robots.txt":
            return 200, "text/plain", f"Sitemap: {self.base_url}/sitemap.xml\n".encode()
        if path == "/sitemap.xml":
            locs = "".join(f"<url><loc>{url}</loc></url>" for url in self.urls())
            return (
                200,
                "application/xml",
                (
                    '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns='
                    f'"http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'
                ).encode(),
            )
        copy, _, name = path.removeprefix("/c").partition("/")
        file = self.files.get(name.removesuffix(".html"))
        if not copy.isdigit() or file is None:
            return 404, "text/plain", b"not found"
        html = gzip.decompress(file.read_bytes())
        if copy != "0":
            html = html.replace(b"</p>", f" [{copy}]</p>".encode())
        return 200, "text/html", html

    def served(self) -> Iterator[tuple[str, bytes]]:
        """(url, body) of every article URL, as served."""
        for url in self.urls():
            yield url, self.body(url.removeprefix(self.base_url))[2]

    def registry_toml(self, name: str) -> str:
        return (
            f'[{name}]\nname = "aeb"\ndomains = ["127.0.0.1"]\nlanguage = "en"\n'
            f'sitemaps = ["{self.base_url}/sitemap.xml"]\n'
            f"article_allow = ['{self.article_allow}']\n"
        )

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
    # every URL the crawl fetches as an article, with the bytes served: trafilatura alone's input
    served: Callable[[], Iterator[tuple[str, bytes]]] = field(default=lambda: iter(()))


@contextmanager
def aeb_corpus(copies: int) -> Iterator[Corpus]:
    with AebSite(AEB_PAGES, copies).serving() as site:
        yield Corpus(
            site.registry_toml("aeb"),
            site.html(),
            len(site.urls()),
            f"{len(site.files)} aeb pages x {copies} copies",
            site.served,
        )


@contextmanager
def generated_corpus(count: int, sample: int = 200) -> Iterator[Corpus]:
    with DemoSite("paper", generated=count).start() as site:
        pages = [
            (url, _fetch(url))
            for url in (f"{site.base_url}/gen/{i}.html" for i in range(min(sample, count)))
        ]
        urls = [f"{site.base_url}/gen/{i}.html" for i in range(count)]
        yield Corpus(
            site.registry_toml("gen"),
            pages,
            count,
            f"DemoSite(generated={count}) (+ the paper's own pages)",
            lambda: ((url, _fetch(url)) for url in urls),
        )


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url) as response:
        return response.read()


# -- in-process measurements ---------------------------------------------------------------


def trafilatura_alone(pages: Sequence[tuple[str, bytes]], *, with_metadata: bool) -> float:
    """Pages/s of trafilatura alone, one process, on the HTML as read from disk."""
    started = time.perf_counter()
    for url, body in pages:
        trafilatura.bare_extraction(
            body, url=url, with_metadata=with_metadata, **TRAFILATURA_OPTIONS
        )
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
    with (
        patch.object(extraction, "_parse", timed("parse", extraction._parse)),
        patch.object(
            extraction, "prepare_for_extraction", timed("dom", extraction.prepare_for_extraction)
        ),
        patch.object(extraction, "_main_text", timed("trafilatura", extraction._main_text)),
        patch.object(chain, "clean_article", timed("cleaning", chain.clean_article)),
    ):
        for url, body in pages:
            text = timed("decode", decode_html)(body, "text/html").text
            article = timed("extraction", extract)(
                Page(url=url, html=text, site="bench", encoding="utf-8")
            )
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
    return {
        name: getattr(project_settings, name) for name in dir(project_settings) if name.isupper()
    }


def in_process_extraction() -> Callable[[Page], Any]:
    """``ExtractPipeline`` in its one-process mode: an ``Article``, or None if rejected."""
    options = replace(
        cleaning_options(get_crawler(settings_dict=_project_settings()).settings),
        check_language=False,
    )
    pipeline = ExtractPipeline(None, get_crawler().stats, options)
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
    run: Run | None = None

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.wall

    def peak(self, measure: str) -> int:
        return max((getattr(sample, measure) for sample in self.samples), default=0)


def crawl(
    corpus: Corpus, workers: int, *, extra: Sequence[str] = (), sample_every: float = 0.5
) -> Crawl:
    with tempfile.TemporaryDirectory(prefix="newscrawl-speed-") as tmp:
        out = Path(tmp)
        sites = out / "sites.toml"
        sites.write_text(corpus.registry_toml, "utf-8")
        command = [
            SCRAPY,
            "crawl",
            "news",
            "-a",
            f"sites_file={sites}",
            *_settings(
                *CRAWL_SETTINGS,
                f"NEWSCRAWL_EXTRACT_WORKERS={workers}",
                f"NEWSCRAWL_OUTPUT_DIR={out}",
                f"NEWSCRAWL_DATA_DIR={out}/data",
                *extra,
            ),
        ]
        run = measured_run(command, out / "stderr.log", sample_every)
        if run.exit_code not in (0, 3):  # 3: finished, but the health check complained
            sys.exit(f"crawl failed ({run.exit_code}):\n{(out / 'stderr.log').read_text()[-3000:]}")
        stats = read_report(out).get("stats", {})
    return Crawl(
        workers=workers,
        pages=stats.get("item_scraped_count", 0) + stats.get("item_dropped_count", 0),
        emitted=stats.get("item_scraped_count", 0),
        wall=run.wall,
        elapsed=stats.get("elapsed_time_seconds", 0.0),
        cpu=run.cpu,
        root_cpu=run.root_cpu,
        samples=run.samples,
        exit_code=run.exit_code,
        run=run,
    )


@dataclass
class Run:
    """One subprocess and its descendants, measured: wall time, CPU of the whole tree (from
    RUSAGE_CHILDREN, exact once every descendant is reaped, and from a /proc sampler as a
    cross-check), and what each core of the machine did meanwhile (/proc/stat)."""

    exit_code: int
    wall: float
    cpu: float  # RUSAGE_CHILDREN delta: the whole tree, orphans reaped by this subreaper
    sampled_cpu: float  # the /proc tree sampler's sum (misses up to one interval a process)
    root_cpu: float  # the launched process alone (sampler)
    own_cpu: float  # this process meanwhile (the HTTP server's threads, the sampler)
    core_busy: list[float]  # busy seconds of each core meanwhile, every process of the machine
    samples: list[Sample]

    @property
    def machine_busy(self) -> float:
        return sum(self.core_busy)

    @property
    def others_cpu(self) -> float:
        """CPU seconds the rest of the machine used meanwhile: not the tree, not this process."""
        return max(self.machine_busy - self.cpu - self.own_cpu, 0.0)

    @property
    def core_shares(self) -> list[float]:
        """Share of the wall time each core was busy (with anything)."""
        return [busy / self.wall for busy in self.core_busy]


def _core_busy() -> list[float]:
    """Busy seconds of each core since boot (/proc/stat: all but idle and iowait)."""
    return [
        sum(times) - times.idle - getattr(times, "iowait", 0.0)
        for times in psutil.cpu_times(percpu=True)
    ]


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measured_run(command: Sequence[str], log_path: Path, sample_every: float = 0.5) -> Run:
    """Run ``command`` (cwd: the project) to its end and reap what it left behind."""
    cpu_before, own_before, cores_before = children_cpu(), _own_cpu(), _core_busy()
    started = time.monotonic()
    with log_path.open("w") as log:
        process = subprocess.Popen(list(command), cwd=ROOT, stdout=log, stderr=log)
        sampler = TreeSampler(process.pid, started, sample_every)
        sampler.start()
        exit_code = process.wait()
        sampler.stop()
    _reap_orphans()  # the forkserver and its workers, orphaned when the crawl process exits
    wall = time.monotonic() - started
    cores = [after - before for after, before in zip(_core_busy(), cores_before, strict=True)]
    return Run(
        exit_code,
        wall,
        children_cpu() - cpu_before,
        sampler.cpu_seconds,
        sampler.root_cpu_seconds,
        _own_cpu() - own_before,
        cores,
        sampler.samples,
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


# -- the crawl against trafilatura alone, alternating ---------------------------------------

ALONE = str(ROOT / "benchmarks" / "trafilatura_alone.py")


def write_pages(corpus: Corpus, directory: Path) -> int:
    """The crawl's article pages as files, for trafilatura alone; how many."""
    lines = []
    for number, (url, body) in enumerate(corpus.served()):
        (directory / f"{number}.html").write_bytes(body)
        lines.append(f"{number}.html {url}")
    (directory / "urls.txt").write_text("\n".join(lines) + "\n", "utf-8")
    return len(lines)


def alone_run(pages_dir: Path, out: Path) -> Run:
    run = measured_run(
        [sys.executable, ALONE, str(pages_dir), str(out / "alone.jsonl")], out / "alone.log"
    )
    if run.exit_code != 0:
        sys.exit(
            f"trafilatura alone failed ({run.exit_code}):\n"
            f"{(out / 'alone.log').read_text()[-3000:]}"
        )
    return run


def compare(
    corpus: Corpus, rounds: int, workers: int, extra: Sequence[str]
) -> tuple[int, list[Run], list[Crawl]]:
    """``rounds`` x (trafilatura alone, then the crawl), alternating, so that a busy spell of
    the machine falls on both sides rather than on one."""
    alone: list[Run] = []
    crawls: list[Crawl] = []
    with tempfile.TemporaryDirectory(prefix="newscrawl-alone-") as tmp:
        pages = write_pages(corpus, Path(tmp))
        for number in range(rounds):
            alone.append(alone_run(Path(tmp), Path(tmp)))
            crawls.append(crawl(corpus, workers, extra=extra))
            print(
                f"round {number + 1}/{rounds}: alone {alone[-1].wall:.1f} s wall, "
                f"{alone[-1].cpu:.1f} s CPU; crawl {crawls[-1].wall:.1f} s wall, "
                f"{crawls[-1].cpu:.1f} s CPU; others busy "
                f"{_others_cores(alone[-1]):.2f} / {_others_cores(_run(crawls[-1])):.2f} cores",
                flush=True,
            )
    return pages, alone, crawls


def _run(crawl: Crawl) -> Run:
    assert crawl.run is not None  # every crawl() is measured
    return crawl.run


def _others_cores(run: Run) -> float:
    return run.others_cpu / run.wall


def _spread(values: Sequence[float], unit: str = "", digits: int = 1) -> str:
    """median (min-max)"""
    return (
        f"{statistics.median(values):.{digits}f}{unit} "
        f"({min(values):.{digits}f}-{max(values):.{digits}f})"
    )


def print_comparison(corpus: Corpus, pages: int, alone: list[Run], crawls: list[Crawl]) -> None:
    runs = {
        "trafilatura alone": alone,
        f"crawl, {_workers_label(crawls[0].workers)}": [_run(c) for c in crawls],
    }
    print(
        f"\n{corpus.description}: {pages} pages each side, {len(alone)} runs each, "
        f"alternating; {os.cpu_count()} cores. median (min-max)\n"
    )
    for label, measured in runs.items():
        shares = list(zip(*(run.core_shares for run in measured), strict=True))
        print(f"{label}:")
        print(f"  wall                  {_spread([r.wall for r in measured], ' s')}")
        print(
            f"  tree CPU / page       "
            f"{_spread([r.cpu / pages * 1000 for r in measured], ' ms')}   "
            f"(/proc sampler: {_spread([r.sampled_cpu / pages * 1000 for r in measured])})"
        )
        if label.startswith("crawl"):
            own = _spread([r.root_cpu / pages * 1000 for r in measured], " ms")
            print(f"  crawl process / page  {own}   (the rest: forkserver, workers)")
        in_use = _spread([r.cpu / r.wall for r in measured], " cores", 2)
        print(f"  tree CPU / wall       {in_use}")
        others = _spread([_others_cores(r) for r in measured], " cores", 2)
        print(f"  others busy           {others}")
        print(
            "  cores busy (share of wall, every process) "
            + ", ".join(f"cpu{n} {_spread(list(share), '', 2)}" for n, share in enumerate(shares))
        )
    cpu_ratio = [_run(c).cpu / a.cpu for a, c in zip(alone, crawls, strict=True)]
    wall_ratio = [a.wall / c.wall for a, c in zip(alone, crawls, strict=True)]
    print(f"\ncrawl CPU / trafilatura alone CPU (round by round): {_spread(cpu_ratio, 'x', 2)}")
    print(f"wall ratio, trafilatura alone / crawl:             {_spread(wall_ratio, 'x', 2)}")
    emitted = {c.emitted for c in crawls}
    print(
        f"crawl: {crawls[0].pages} pages through the pipelines, emitted {sorted(emitted)}; "
        f"peak tree RSS {mib(max(c.peak('rss') for c in crawls))}"
    )


# -- report --------------------------------------------------------------------------------


def print_speed(
    corpus: Corpus, alone: dict[str, float], split: dict[str, float], crawls: list[Crawl]
) -> None:
    print(
        f"\n{corpus.description}: {corpus.urls} article URLs crawled; "
        f"{len(corpus.pages)} distinct pages timed in-process; {os.cpu_count()} cores\n"
    )
    print(
        f"{'':44}{'pages/s':>9}{'x alone':>9}{'x text':>8}{'CPU ms/page':>13}{'peak RSS':>12}"
        f"{'peak PSS':>12}"
    )
    full, text = alone["metadata"], alone["text"]
    for label, rate in (
        ("trafilatura alone, text + metadata", full),
        ("trafilatura alone, text only", text),
    ):
        print(f"{label:44}{rate:9.1f}{rate / full:9.2f}{rate / text:8.2f}{1000 / rate:13.1f}")
    for run in crawls:
        rate = run.pages_per_second
        print(
            f"{'crawl, ' + _workers_label(run.workers):44}{rate:9.1f}{rate / full:9.2f}"
            f"{rate / text:8.2f}{run.cpu / run.pages * 1000:13.1f}"
            f"{mib(run.peak('rss')):>12}{mib(run.peak('pss')):>12}"
        )
    print(
        "\n(trafilatura alone: one process, from disk, wall time; x alone: against text + "
        "metadata, newscrawl's job; x text: against text only; crawls: pages through the "
        "pipelines / wall time of the scrapy process, start-up included; CPU and memory: the "
        "whole process tree)"
    )
    for run in crawls:
        crawl_cpu = run.root_cpu
        print(
            f"  {_workers_label(run.workers)}: {run.pages} pages ({run.emitted} emitted), "
            f"{run.wall:.1f} s wall ({run.pages / run.elapsed:.1f} pages/s from spider open "
            f"to close); CPU {run.cpu:.1f} s: crawl process {crawl_cpu:.1f} s, others "
            f"{run.cpu - crawl_cpu:.1f} s; exit status {run.exit_code}"
        )
    _print_split(split, crawls)


def _print_split(split: dict[str, float], crawls: list[Crawl]) -> None:
    rows = [
        ("decode (newscrawl.encoding)", split["decode"]),
        ("HTML parse (lxml)", split["parse"]),
        ("DOM preparation (newscrawl.dom)", split["dom"]),
        (
            "metadata (JSON-LD, meta, dates, fallbacks)",
            split["extraction"]
            - split["parse"]
            - split["dom"]
            - split["trafilatura"]
            - split["cleaning"],
        ),
        ("trafilatura", split["trafilatura"]),
        ("cleaning (clean_article)", split["cleaning"]),
        ("publication (furniture, fingerprint, MinHash)", split["duplicates"]),
    ]
    print("\nWhere a page's CPU goes, ms/page (timed in this process on the same pages):")
    for label, seconds in rows:
        print(f"  {label:44}{seconds * 1000:7.2f}")
    extracting = split["extraction"] - split["cleaning"]
    print(f"  cleaning / extraction: {split['cleaning'] / extracting:.1%}")
    measured = sum(seconds for _, seconds in rows)
    for run in crawls:
        label = f"Scrapy and the rest, {_workers_label(run.workers)}"
        print(
            f"  {label:44}{(run.cpu / run.pages - measured) * 1000:7.2f}"
            f"  (= crawl CPU {run.cpu / run.pages * 1000:.2f} - the above)"
        )


def _workers_label(workers: int) -> str:
    if workers == 0:
        return "pool off (in-process)"
    return f"pool of {workers if workers > 0 else os.cpu_count()} workers"


def print_memory(run: Crawl, every: float) -> None:
    print(
        f"\nMemory, {_workers_label(run.workers)}: {run.pages} pages in {run.wall:.0f} s "
        f"({run.pages_per_second:.1f} pages/s), sampled every {every:g} s"
    )
    print(f"  {'time':>8}{'tree RSS':>10}{'tree PSS':>10}{'crawl RSS':>11}")
    step = max(1, len(run.samples) // 25)
    for sample in [*run.samples[::step], run.samples[-1]]:
        print(
            f"  {sample.seconds:7.0f}s{mib(sample.rss):>10}{mib(sample.pss):>10}"
            f"{mib(sample.root_rss):>11}"
        )
    # Start: past start-up and the sitemaps' parsing; end: before the closing (pool shut down,
    # state committed).
    start, end = (run.samples[len(run.samples) * share // 100] for share in (10, 95))
    pages = run.pages * (end.seconds - start.seconds) / run.wall
    print(
        f"start ({start.seconds:.0f} s): tree RSS {mib(start.rss)}, crawl process "
        f"{mib(start.root_rss)}; end ({end.seconds:.0f} s): tree RSS {mib(end.rss)}, crawl "
        f"process {mib(end.root_rss)}; growth {(end.rss - start.rss) / pages / 1024:.1f} KiB "
        f"a page; peak tree RSS {mib(run.peak('rss'))}, PSS {mib(run.peak('pss'))}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=8, help="URLs per aeb page")
    parser.add_argument(
        "--generated",
        type=int,
        default=0,
        metavar="N",
        help="crawl DemoSite(generated=N) instead of the aeb pages",
    )
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[0, -1],
        help="NEWSCRAWL_EXTRACT_WORKERS values to crawl with",
    )
    parser.add_argument(
        "--memory",
        type=int,
        default=0,
        metavar="N",
        help="only crawl DemoSite(generated=N), pool on; print the RSS curve",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="one more Scrapy setting for the crawls (repeatable)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=0,
        metavar="N",
        help="only compare: N x (trafilatura alone, crawl with the pool of the "
        "first --workers), alternating",
    )
    args = parser.parse_args(argv)
    _become_subreaper()
    if args.rounds:
        use_aeb = not args.generated and AEB_PAGES.is_dir()
        with (
            aeb_corpus(args.copies) if use_aeb else generated_corpus(args.generated or 2000)
        ) as corpus:
            pages, alone, crawls = compare(corpus, args.rounds, args.workers[0], args.set)
        print_comparison(corpus, pages, alone, crawls)
        return
    if args.memory:
        with generated_corpus(args.memory, sample=0) as corpus:
            print_memory(crawl(corpus, -1, extra=args.set, sample_every=2.0), 2.0)
        return
    use_aeb = not args.generated and AEB_PAGES.is_dir()
    with (
        aeb_corpus(args.copies) if use_aeb else generated_corpus(args.generated or 2000) as corpus,
        tempfile.TemporaryDirectory() as state_dir,
    ):
        alone = {
            "metadata": trafilatura_alone(corpus.pages, with_metadata=True),
            "text": trafilatura_alone(corpus.pages, with_metadata=False),
        }
        split = measure_split(corpus.pages, Path(state_dir))
        crawls = [crawl(corpus, workers, extra=args.set) for workers in args.workers]
    print_speed(corpus, alone, split, crawls)


if __name__ == "__main__":
    main()
