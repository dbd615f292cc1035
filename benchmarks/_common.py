"""Shared helpers of the crawl benchmarks (crawl_throughput.py, skip_seen_memory.py).

A demo site of generated pages served in a thread of the benchmark process that notes when it
served what, a registry table listing only its generated sitemaps, and a runner that starts
``scrapy crawl news`` as a subprocess and samples its whole process tree with psutil.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil

from newscrawl.demosite import DemoSite
from newscrawl.demosite.server import GENERATED_ALLOW

PROJECT = Path(__file__).resolve().parents[1]
SITE_KEY = "bench"
# Loopback needs no politeness delay (and the address guard must let it through); 32 concurrent
# requests let the crawl run at full speed. ROBOTSTXT_OBEY stays on (the project default).
FAST_LOOPBACK = (
    "-s",
    "AUTOTHROTTLE_ENABLED=0",
    "-s",
    "DOWNLOAD_DELAY=0",
    "-s",
    "NEWSCRAWL_ALLOW_LOOPBACK=1",
    "-s",
    "CONCURRENT_REQUESTS=32",
    "-s",
    "CONCURRENT_REQUESTS_PER_DOMAIN=32",
    "-s",
    "LOG_LEVEL=INFO",
)
MiB = 2**20


# -- the site --------------------------------------------------------------------------------


def request_kind(target: str) -> str:
    """``article``, ``sitemap``, ``robots`` or ``other`` for a request target."""
    if target.startswith("/gen/"):
        return "article"
    if target.startswith("/sitemap"):
        return "sitemap"
    return "robots" if target == "/robots.txt" else "other"


class TimedDemoSite(DemoSite):
    """The demo paper with ``generated`` synthetic pages, noting the wall-clock time
    (``time.time()``) of the first request of each kind it served, and how many it served."""

    def __init__(self, generated: int) -> None:
        super().__init__("paper", generated=generated, latency=0.0)
        self.first: dict[str, float] = {}
        self.served: Counter[str] = Counter()
        self._times_lock = threading.Lock()

    def _respond(self, target: str) -> Any:
        now = time.time()
        kind = request_kind(target)
        with self._times_lock:
            self.first.setdefault(kind, now)
            self.served[kind] += 1
        return super()._respond(target)

    def first_request(self) -> float | None:
        return min(self.first.values(), default=None)


def generated_registry(site: DemoSite, key: str = SITE_KEY) -> str:
    """A registry table with only the generated sitemap index (no feeds, listings or the
    hand-written demo sitemaps), so a crawl sees exactly the ``generated`` pages."""
    base = site.base_url
    return (
        "\n".join(
            [
                f"[{key}]",
                'name = "newscrawl benchmark (generated pages)"',
                f"domains = {json.dumps([site.host])}",
                'language = "vi"',
                'timezone = "Asia/Ho_Chi_Minh"',
                f"sitemaps = {json.dumps([f'{base}/sitemap-gen-index.xml'])}",
                f"article_allow = ['{GENERATED_ALLOW}']",
            ]
        )
        + "\n"
    )


def crawl_command(sites_file: Path, output_dir: Path, data_dir: Path, *settings: str) -> list[str]:
    """``scrapy crawl news`` of the benchmark site, with the loopback speed settings."""
    extra = [arg for setting in settings for arg in ("-s", setting)]
    return [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "news",
        "-a",
        f"site={SITE_KEY}",
        "-a",
        f"sites_file={sites_file}",
        *FAST_LOOPBACK,
        "-s",
        f"NEWSCRAWL_OUTPUT_DIR={output_dir}",
        "-s",
        f"NEWSCRAWL_DATA_DIR={data_dir}",
        *extra,
    ]


# -- sampling the crawl's process tree -------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    seconds: float  # since the crawl was launched
    rss: int  # sum over the process tree
    pss: int  # proportional set size summed over the tree: shared pages split, not repeated
    cpu: float  # user+sys so far, summed over the process tree (exited processes included)
    processes: int
    root_rss: int  # the crawl process alone


class TreeSampler(threading.Thread):
    """Samples RSS (summed over the tree) and CPU time (user+sys, per process) of a process and
    all its descendants every ``interval`` seconds until ``stop()``.

    A process's CPU time is its last sampled value, so a descendant that exits loses at most
    ``interval`` seconds of CPU; RSS sums count pages shared between processes once per process.
    """

    def __init__(self, pid: int, launched: float, interval: float = 0.2) -> None:
        super().__init__(name="tree-sampler", daemon=True)
        self.root = psutil.Process(pid)
        self.launched = launched
        self.interval = interval
        self.samples: list[Sample] = []
        self.cpu: dict[int, float] = {}
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sample()
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()

    def sample(self) -> None:
        rss, pss, alive, root_rss = 0, 0, 0, 0
        for process in self._tree():
            if (measured := _measure(process)) is None:
                continue
            self.cpu[process.pid], process_rss, process_pss = measured
            rss, pss, alive = rss + process_rss, pss + process_pss, alive + 1
            if process.pid == self.root.pid:
                root_rss = process_rss
        if alive:
            self.samples.append(
                Sample(
                    time.monotonic() - self.launched, rss, pss, self.cpu_seconds, alive, root_rss
                )
            )

    def _tree(self) -> list[psutil.Process]:
        try:
            return [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            return []

    @property
    def cpu_seconds(self) -> float:
        return sum(self.cpu.values())

    @property
    def root_cpu_seconds(self) -> float:
        return self.cpu.get(self.root.pid, 0.0)

    @property
    def peak_rss(self) -> int:
        return max((s.rss for s in self.samples), default=0)

    @property
    def peak_pss(self) -> int:
        return max((s.pss for s in self.samples), default=0)

    @property
    def peak_processes(self) -> int:
        return max((s.processes for s in self.samples), default=0)


def _measure(process: psutil.Process) -> tuple[float, int, int] | None:
    """(user+sys CPU seconds, RSS, PSS) of a live process; None once it has exited."""
    try:
        with process.oneshot():
            if process.status() == psutil.STATUS_ZOMBIE:  # exited, nothing left to measure
                return None
            times = process.cpu_times()
            memory = process.memory_full_info()  # /proc/<pid>/smaps_rollup: cheap on Linux
    except psutil.Error:  # exited since it was listed
        return None
    return times.user + times.system, memory.rss, memory.pss


# -- running a crawl ---------------------------------------------------------------------


@dataclass
class CrawlResult:
    command: list[str]
    returncode: int
    launched: float  # time.time() at launch
    wall: float  # launch to exit, seconds
    cpu_seconds: float  # psutil: user+sys summed over the process tree
    root_cpu: float  # psutil: user+sys of the scrapy process alone
    rusage_cpu: float  # getrusage(RUSAGE_CHILDREN) delta: waited-for descendants only
    benchmark_cpu: float  # this process (demo server threads and sampler) during the crawl
    machine_cpu: float  # busy CPU seconds of the whole machine (all processes) during the crawl
    samples: list[Sample]
    peak_rss: int
    peak_pss: int
    peak_processes: int
    report: dict[str, Any] = field(default_factory=dict)
    log_tail: str = ""  # the crawl's last log lines

    @property
    def stats(self) -> dict[str, Any]:
        return self.report.get("stats", {})

    @property
    def emitted(self) -> int:
        return int(self.report.get("emitted") or 0)

    @property
    def other_cpu(self) -> float:
        """CPU seconds other processes of the machine used while the crawl ran."""
        return max(self.machine_cpu - self.cpu_seconds - self.benchmark_cpu, 0.0)

    def sample_at(self, moment: float) -> Sample | None:
        """The last sample taken at or before wall-clock ``moment`` (else the first one)."""
        return self.sample_after_launch(moment - self.launched)

    def sample_after_launch(self, seconds: float) -> Sample | None:
        """The last sample taken at most ``seconds`` after launch (else the first one)."""
        before = [s for s in self.samples if s.seconds <= seconds + 1e-6]
        return before[-1] if before else (self.samples[0] if self.samples else None)

    def closed_at(self) -> float | None:
        """Wall-clock time the spider closed (``finish_time`` of Scrapy's stats)."""
        finish = self.stats.get("finish_time")
        return datetime.fromisoformat(finish).timestamp() if finish else None


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _machine_cpu() -> float:
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def run_crawl(
    command: Sequence[str], output_dir: Path, *, timeout: float, interval: float = 0.2
) -> CrawlResult:
    """Run ``command`` (cwd: the project), sampling its process tree, and read its report."""
    log_path = output_dir / "crawl.log"
    output_dir.mkdir(parents=True, exist_ok=True)
    children_before, own_before, machine_before = children_cpu(), _own_cpu(), _machine_cpu()
    with log_path.open("w", encoding="utf-8") as log:
        launched_wall, launched = time.time(), time.monotonic()
        process = subprocess.Popen(
            list(command),
            cwd=PROJECT,
            stdout=log,
            stderr=log,
            start_new_session=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        sampler = TreeSampler(process.pid, launched, interval)
        sampler.start()
        returncode = _wait(process, timeout)
        wall = time.monotonic() - launched
        sampler.stop()
    return CrawlResult(
        command=list(command),
        returncode=returncode,
        launched=launched_wall,
        wall=wall,
        cpu_seconds=sampler.cpu_seconds,
        root_cpu=sampler.root_cpu_seconds,
        rusage_cpu=children_cpu() - children_before,
        benchmark_cpu=_own_cpu() - own_before,
        machine_cpu=_machine_cpu() - machine_before,
        samples=sampler.samples,
        peak_rss=sampler.peak_rss,
        peak_pss=sampler.peak_pss,
        peak_processes=sampler.peak_processes,
        report=read_report(output_dir),
        log_tail=_tail(log_path),
    )


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text("utf-8", errors="replace").splitlines()[-lines:])


def _wait(process: subprocess.Popen[bytes], timeout: float) -> int:
    """The crawl's exit status; after ``timeout`` seconds its process group is terminated."""
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        print(f"FAIL: crawl still running after {timeout:.0f} s; terminating it", flush=True)
        os.killpg(process.pid, signal.SIGTERM)  # the session started for this crawl
        try:
            return process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            return process.wait()


def read_report(output_dir: Path) -> dict[str, Any]:
    reports = sorted(output_dir.glob("*.report.json"))
    return json.loads(reports[-1].read_text("utf-8")) if reports else {}


# -- printing ----------------------------------------------------------------------------


def mib(size: float) -> str:
    return f"{size / MiB:,.1f} MiB"


def print_table(title: str, rows: Sequence[tuple[str, str]]) -> None:
    print(title)
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")


def print_command(command: Sequence[str]) -> None:
    print("Crawl command (cwd " + str(PROJECT) + "):")
    print("  " + subprocess.list2cmdline(list(command)))


def contention_row(result: CrawlResult) -> tuple[str, str]:
    """How busy the rest of the machine was: figures are only comparable on a quiet machine."""
    cores = result.other_cpu / result.wall if result.wall else 0.0
    return (
        "CPU of other processes on the machine",
        f"{result.other_cpu:.1f} s ({cores:.2f} of {os.cpu_count()} cores busy on average)",
    )


def check_exit(result: CrawlResult) -> list[str]:
    """FAIL lines for a crawl that did not exit cleanly or wrote no report."""
    failures = []
    if result.returncode != 0:
        failures.append(
            f"crawl exited with status {result.returncode} "
            f"(problems: {result.report.get('problems')})"
        )
    if not result.report:
        failures.append("crawl wrote no run report")
    return failures


def print_failures(failures: Sequence[str], result: CrawlResult) -> None:
    for failure in failures:
        print(f"FAIL: {failure}")
    if failures and result.log_tail:
        print(f"Last lines of the crawl log:\n{result.log_tail}")
