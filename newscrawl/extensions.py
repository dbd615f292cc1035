"""Run-level accounting: the rejects file and the per-reason summary."""

from __future__ import annotations

import json
import logging
import math
import os
import pprint
import shutil
from collections.abc import Mapping, Sequence, Sized
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any, Self

from itemadapter import ItemAdapter
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.extensions import closespider, corestats
from scrapy.extensions.logstats import LogStats
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object

from newscrawl.health import (
    STATE_UNREACHABLE,
    WRITE_FAILED,
    Health,
    Thresholds,
    assess,
    completed,
    count_prefixed,
)
from newscrawl.journal import Journal, fsync_directory, fsync_file, published_urls, replay
from newscrawl.output import (
    RUN_TOKEN,
    carried_over_dir,
    companion_path,
    is_local_feed,
    overwrites_feed,
    rejects_path,
    state_uri,
)
from newscrawl.pipelines import Staged
from newscrawl.signals import page_rejected, report_written, run_settled, state_committed
from newscrawl.sources import SourceLedger
from newscrawl.state import StateStore, open_state_store
from newscrawl.state.rejects import is_remembered, next_rejection

logger = logging.getLogger(__name__)

# A cron log kept at LOG_LEVEL=WARNING must still say how each run ended, so the end-of-run
# summary is logged above WARNING: at a level of its own when the run is healthy (a healthy run
# adds no WARNING or ERROR line for log watchers to chase), as an ERROR when it is not (exit
# status 3). The one message deliberately logged above what it reports.
SUMMARY = logging.WARNING + 5
logging.addLevelName(SUMMARY, "SUMMARY")

PENDING_SOURCES = "newscrawl/sources/pending"  # stat: sitemaps, feeds, listings not yet parsed
ARCHIVE_BYTES = "newscrawl/warc/bytes"  # stat: bytes of -a warc=/ccnews= archives read so far


class RejectsLog:
    """Writes every dropped item and rejected page, with reason and evidence, to a JSONL file."""

    def __init__(self, crawler: Crawler, path: Path) -> None:
        self.crawler = crawler
        self.path = path
        self.written = 0
        self._file: IO[str] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        # beside a -O feed, replaced as the feed is; a NEWSCRAWL_REJECTS_URI file accumulates
        overwrite = overwrites_feed(settings) and not settings.get("NEWSCRAWL_REJECTS_URI")
        extension = cls(crawler, rejects_path(settings, crawler.spidercls.name))
        if overwrite:
            crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(extension.item_error, signal=signals.item_error)
        crawler.signals.connect(extension.page_rejected, signal=page_rejected)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self) -> None:
        self.path.unlink(missing_ok=True)  # the previous run's rejects, beside a -O feed

    def item_dropped(self, item: Any, exception: DropItem, **_: Any) -> None:
        if (drop := read_drop(item, exception)) is not None:
            self._write(*drop)

    def item_error(self, item: Any, failure: Any, **_: Any) -> None:
        self._write(ItemAdapter(item), "pipeline-error", failure.getErrorMessage())

    def page_rejected(self, url: str, reason: str, evidence: str, site: str | None) -> None:
        self._write({"url": url, "site": site}, reason, evidence)

    def _write(self, fields: Any, reason: str, evidence: str) -> None:
        self.written += 1
        self.crawler.stats.inc_value(f"newscrawl/rejected/{reason}")
        self.crawler.stats.inc_value(f"newscrawl/site/{fields.get('site')}/rejected")
        record = {
            "url": fields.get("url"), "headline": fields.get("headline"), "reason": reason,
            "evidence": evidence, "site": fields.get("site"),
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        try:
            if self._file is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._file = self.path.open("a", encoding="utf-8")
            self._file.write(json.dumps(record, ensure_ascii=False) + "\n")
            self._file.flush()
        except OSError as exc:  # a full disk: the run goes on, and ends unhealthy
            if not self.crawler.stats.get_value(f"{WRITE_FAILED}rejects"):
                logger.error("Cannot write the rejects file %s: %s", self.path, exc)
            self.crawler.stats.inc_value(f"{WRITE_FAILED}rejects")

    def spider_closed(self) -> None:
        if self._file is not None:
            with suppress(OSError):  # a failed flush was counted when it failed
                self._file.close()
            logger.info("%d rejected page(s) and item(s) listed in %s", self.written, self.path)


def read_drop(item: Any, exception: DropItem) -> tuple[ItemAdapter, str, str] | None:
    """The item as the dropping stage saw it, the reason and the evidence of a drop; None for
    an article held for publication (not a drop)."""
    if isinstance(exception, Staged):
        return None
    reason = getattr(exception, "reason", "dropped")
    evidence = getattr(exception, "evidence", str(exception))
    return ItemAdapter(getattr(exception, "item", None) or item), reason, evidence


class CoreStats(corestats.CoreStats):
    """Scrapy's core stats, without counting articles held for publication as drops."""

    def item_dropped(self, item: Any, spider: Spider, exception: BaseException) -> None:
        if not isinstance(exception, Staged):
            super().item_dropped(item, spider, exception)


class CloseSpider(closespider.CloseSpider):
    """Scrapy's CLOSESPIDER_* limits, with the item limits (CLOSESPIDER_ITEMCOUNT, ..._NO_ITEM)
    counting the articles as they are held for publication: they are scraped only when the
    spider closes, which the count must be able to trigger."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        crawler.signals.connect(self.item_held, signal=signals.item_dropped)

    def item_held(self, item: Any, spider: Spider, exception: BaseException) -> None:
        if isinstance(exception, Staged):
            super().item_scraped(item, spider)
            if hasattr(self, "items_in_period"):  # CLOSESPIDER_TIMEOUT_NO_ITEM is set
                super().item_scraped_no_item(item, spider)

    def item_scraped(self, item: Any, spider: Spider) -> None:
        """A published article: already counted when it was held."""

    def item_scraped_no_item(self, item: Any, spider: Spider) -> None:
        """A published article: already counted when it was held."""


class RunReport:
    """At the close: judges the run's health, writes ``<feed stem>.report.json`` (stats, counts
    per site and per reject reason, duration, exit status) and logs a one-screen summary."""

    def __init__(self, crawler: Crawler, path: Path, limits: Thresholds) -> None:
        self.crawler = crawler
        self.path = path
        self.limits = limits
        self.health: Health | None = None
        self.finish_reason: str | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        limits = Thresholds.from_settings(settings)
        extension = cls(crawler, companion_path(settings, "report.json", crawler.spidercls.name),
                        limits)
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        if _enabled(settings, IncrementalState):  # judged once the output is settled
            crawler.signals.connect(extension.run_settled, signal=run_settled)
        return extension

    def item_scraped(self, item: Any) -> None:
        self.crawler.stats.inc_value(f"newscrawl/site/{ItemAdapter(item).get('site')}/emitted")

    def spider_closed(self, reason: str) -> None:
        self.finish_reason = reason
        if not _enabled(self.crawler.settings, IncrementalState):
            self.run_settled()

    def run_settled(self) -> None:
        reason = self.finish_reason
        stats = self.crawler.stats.get_stats()
        sources = getattr(self.crawler.spider, "sources", None)
        if not isinstance(sources, SourceLedger):
            sources = SourceLedger()  # a spider of another kind: no sources of its own
        self.health = assess(stats, reason, self.limits,
                             shared_frontier=bool(self.crawler.settings.get("REDIS_URL")),
                             source_problems=sources.problems())
        report = {
            "finishReason": reason,
            "exitStatus": self.health.exit_code,
            "problems": self.health.problems,
            "durationSeconds": stats.get("elapsed_time_seconds"),
            "emitted": stats.get("item_scraped_count", 0),
            "rejected": _suffix_counts(stats, "newscrawl/rejected/"),
            "skipped": _suffix_counts(stats, "newscrawl/skipped/"),
            "sites": _site_counts(stats),
            "sources": sources.report(),
            "stats": stats,
        }
        path: Path | None = self.path
        written = self.path.with_name(self.path.name + ".part")  # never a report cut short
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            written.write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str,
                                          sort_keys=True), encoding="utf-8")
            os.replace(written, self.path)
        except OSError as exc:
            written.unlink(missing_ok=True)
            self.health = Health([*self.health.problems, f"run report not written: {exc}"])
            report.update(exitStatus=self.health.exit_code, problems=self.health.problems)
            path = None
        self.crawler.signals.send_catch_log(report_written, report=report, path=path)
        # STATS_DUMP is off: Scrapy's dump would bury the summary under ~70 lines at INFO
        logger.debug("Scrapy stats (also in the run report):\n%s", pprint.pformat(stats))
        logger.log(logging.ERROR if self.health.problems else SUMMARY, "%s\nRun report: %s",
                   _summary(report), self.path)


def _enabled(settings: Any, component: type) -> bool:
    return any(load_object(c) is component
               for c in build_component_list(settings.getwithbase("EXTENSIONS")))


def _suffix_counts(stats: dict[str, Any], prefix: str) -> dict[str, int]:
    return {k.removeprefix(prefix): v for k, v in stats.items() if k.startswith(prefix)}


def _site_counts(stats: dict[str, Any]) -> dict[str, dict[str, int]]:
    sites: dict[str, dict[str, int]] = {}
    for key, value in _suffix_counts(stats, "newscrawl/site/").items():
        site, _, what = key.rpartition("/")
        sites.setdefault(site, {})[what] = value
    return sites


def _summary(report: dict[str, Any]) -> str:
    verdict = "healthy" if not report["problems"] else "UNHEALTHY: " + "; ".join(
        report["problems"])
    lines = [f"Run {report['finishReason']} in {report['durationSeconds'] or 0:.0f} s, "
             f"{report['emitted']} article(s) emitted, exit status {report['exitStatus']} "
             f"({verdict})"]
    lines += [f"  site {site:<20} " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
              for site, counts in sorted(report["sites"].items())]
    lines += [f"  {s['kind']:<8} {s['url']}: listed {s['found']}, taken {s['taken']}, "
              f"emitted {s['emitted']}" + (f", failed {s['failed']}" if s["failed"] else "")
              for s in report["sources"]]
    lines += [f"  rejected {reason:<24} {count}"
              for reason, count in sorted(report["rejected"].items())]
    lines += [f"  skipped  {reason:<24} {count}"
              for reason, count in sorted(report["skipped"].items())]
    return "\n".join(lines)


class IncrementalState:
    """Owns the run's state store: what earlier runs emitted, for skipping and de-duplication,
    and what they rejected, for not fetching it again (``newscrawl.state.rejects``).

    Records are staged as items pass the last pipeline, rejects as pages are rejected; both are
    committed only once the run's files are in place under their final names
    (``feed_exporter_closed`` after a completed close), so an interrupted run records nothing
    and its pages are fetched again next time. What is committed is what the files hold, read
    back (``newscrawl.journal``); a journal covers a crash between the renames and the commit.
    """

    def __init__(self, crawler: Crawler, store: StateStore, journal: Journal,
                 backoff: tuple[timedelta, ...]) -> None:
        self.crawler = crawler
        self.store = store
        self.journal = journal
        self.backoff = backoff
        self.rejects_staged = 0
        self.finish_reason: str | None = None
        # The run's feed files (written, final name): published with the commit, or not at all.
        self.pending: list[tuple[Path, Path]] = []
        # Files published with them that hold no articles (WARC archives), likewise.
        self.companions: list[tuple[Path, Path]] = []

    def publish_later(self, written: Path, final: Path, *, articles: bool = True) -> None:
        """Rename ``written`` to ``final`` with the commit; ``articles``: a feed file, whose
        articles the state records."""
        (self.pending if articles else self.companions).append((written, final))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        ttl = settings.get("NEWSCRAWL_STATE_TTL_DAYS")  # Redis only
        uri = state_uri(settings)
        store = open_state_store(
            uri,
            near_duplicate_threshold=settings.getfloat("NEWSCRAWL_NEAR_DUPLICATE_THRESHOLD"),
            ttl_days=float(ttl) if ttl else None,
            retry_seconds=settings.getfloat("NEWSCRAWL_REDIS_RETRY_SECONDS"),
        )
        journal = Journal(Path(settings.get("NEWSCRAWL_DATA_DIR")) / "journal", uri, RUN_TOKEN)
        _record_interrupted_publications(journal, store)
        extension = cls(crawler, store, journal, reject_backoff(settings))
        crawler.signals.connect(extension.page_rejected, signal=page_rejected)
        crawler.signals.connect(extension.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(extension.feed_exporter_closed,
                                signal=signals.feed_exporter_closed)
        return extension

    def page_rejected(self, url: str, reason: str, evidence: str, source: bool = False,
                      redirected_from: Sequence[str] = (), **_: Any) -> None:
        if not source:  # sources are fetched on every run
            self._remember([*redirected_from[:1], url], reason, evidence)

    def item_dropped(self, item: Any, exception: DropItem, response: Response | None = None,
                     **_: Any) -> None:
        """A page dropped by a pipeline; ``response`` is None for the articles dropped at the
        publication, their redirects unknown."""
        if (drop := read_drop(item, exception)) is not None:
            fields, reason, evidence = drop
            redirected_from = response.meta.get("redirect_urls", []) if response else []
            self._remember([*redirected_from[:1], fields.get("url")], reason, evidence)

    def _remember(self, urls: list[str | None], reason: str, evidence: str) -> None:
        """Stage the reject of each of ``urls`` for the commit, if its reason is remembered.
        A URL that redirected to the rejected page is remembered with it: it is the one the
        sources list, and the spider would request again."""
        if not is_remembered(reason):
            return
        for url in dict.fromkeys(url for url in urls if url):
            rejection = next_rejection(self.store.rejection(url), url, reason, evidence,
                                       datetime.now(UTC), self.backoff)
            if rejection is not None and self.store.stage_rejection(rejection):
                self.rejects_staged += 1

    def spider_closed(self, reason: str) -> None:
        self.finish_reason = reason
        if not self.crawler.settings.getdict("FEEDS"):  # no feed exporter to wait for
            self._settle()

    def feed_exporter_closed(self) -> None:
        self._settle()

    def _settle(self) -> None:
        stats = self.crawler.stats.get_stats()
        failed = count_prefixed(stats, "feedexport/failed_count/") + stats.get(STATE_UNREACHABLE, 0)
        if completed(self.finish_reason) and not failed:
            self._publish()
        else:
            self.store.rollback()
            if carried := carried_over_dir(self.crawler.settings):
                self._carry_over(carried)
            else:
                logger.warning("State: run not finished (%s); nothing recorded, its articles "
                               "will be fetched again; its output stays unpublished: %s",
                               self.finish_reason, ", ".join(
                                   str(w) for w, _ in (*self.pending, *self.companions)))
        self.store.close()
        self.crawler.signals.send_catch_log(run_settled)

    def _carry_over(self, directory: Path) -> None:
        """A paused JOBDIR run: its output (every article it held, those it carried over
        included) goes to JOBDIR, replacing what it carried over, for the resumed run."""
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        for written, _ in self.pending:
            shutil.move(written, directory / written.name)  # JOBDIR may be on another disk
        logger.warning("State: run paused (%s); nothing recorded; its unpublished articles "
                       "wait in %s for the run resumed with this JOBDIR", self.finish_reason,
                       directory)

    def _publish(self) -> None:
        """Rename the run's files and record what they hold; on a write error, leave them
        unpublished (before the journal) or leave the journal for the next run to finish."""
        try:
            published = self._published_urls()
            for written, _ in self.companions:
                fsync_file(written)
        except OSError as exc:  # a file that cannot be read back or synced
            self._write_failed("output", exc)
            self.store.rollback()
            return
        try:
            self.journal.write(final for _, final in self.pending)
            for written, final in (*self.companions, *self.pending):
                os.replace(written, final)
            for directory in {final.parent for _, final in (*self.companions, *self.pending)}:
                fsync_directory(directory)
            count = self.store.commit(published)
        except Exception as exc:  # OSError, and the stores' own (sqlite3, redis) errors
            self._write_failed("publication", exc)
            self.store.rollback()
            return
        self.journal.remove()
        if carried := carried_over_dir(self.crawler.settings):  # published with this run
            shutil.rmtree(carried, ignore_errors=True)
        logger.info("State: %d emitted article(s) and %d reject(s) recorded", count,
                    self.rejects_staged)
        emitted = self.crawler.stats.get_value("item_scraped_count", 0)
        if published is not None and count < emitted:
            self.crawler.stats.inc_value("newscrawl/write-failed/articles", emitted - count)
            logger.error("%d emitted article(s) are missing from the output (a write failed): "
                         "not recorded, they will be fetched again", emitted - count)
        self.crawler.signals.send_catch_log(state_committed)

    def _published_urls(self) -> set[str] | None:
        """The URLs the run's files hold, synced to disk; None when some feed is not a local
        file (``-o -``, a remote store) and cannot be read back: then every emitted article
        counts as published."""
        if any(not is_local_feed(str(uri)) for uri in self.crawler.settings.getdict("FEEDS")):
            return None
        for written, _ in self.pending:
            fsync_file(written)
        return published_urls(written for written, _ in self.pending)

    def _write_failed(self, what: str, exc: BaseException) -> None:
        self.crawler.stats.inc_value(f"newscrawl/write-failed/{what}")
        left = ("the next run records it" if self.journal.path.exists()
                else "nothing published or recorded")
        logger.error("State: publishing the run failed (%s: %s); %s", type(exc).__name__, exc,
                     left)


def reject_backoff(settings: BaseSettings) -> tuple[timedelta, ...]:
    """NEWSCRAWL_REJECT_BACKOFF_HOURS as waits; ValueError unless positive numbers."""
    given = settings.getlist("NEWSCRAWL_REJECT_BACKOFF_HOURS")
    try:
        hours = [float(value) for value in given]
    except (TypeError, ValueError):
        hours = []
    if not hours or not all(0 < value < math.inf for value in hours):
        raise ValueError(f"setting NEWSCRAWL_REJECT_BACKOFF_HOURS={','.join(map(str, given))!r}: "
                         "expected positive numbers of hours, e.g. 1,6,24,168")
    return tuple(timedelta(hours=value) for value in hours)


def _record_interrupted_publications(journal: Journal, store: StateStore) -> None:
    """Finish the publications of runs that stopped between renaming and recording."""
    for left_over in journal.left_over():
        store.begin_publication()
        count = replay(left_over, store)
        store.commit()
        left_over.unlink(missing_ok=True)
        logger.warning("State: %d article(s) published by an interrupted run recorded (%s)",
                       count, left_over)


class ProgressLog(LogStats):
    """Scrapy's periodic LogStats line, with what a cron log reader wants: drops and errors,
    what is left to do and how long that may take."""

    crawler: Crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = super().from_crawler(crawler)
        extension.crawler = crawler
        return extension

    def log(self, spider: Spider) -> None:
        self.calculate_stats()
        stats = self.stats.get_stats()
        queued = queue_size(self.crawler)
        pending = stats.get(PENDING_SOURCES, 0)
        logger.info(
            "Progress: %d pages (%d/min), %d articles held for publication at the end, "
            "%d rejected, %d download errors, %d skipped as already emitted; "
            "%s requests queued, %d sources (sitemaps, feeds, listings) pending, time left %s",
            self.pages, self.prate, stats.get("newscrawl/held", 0),
            count_prefixed(stats, "newscrawl/rejected/"),
            stats.get("downloader/exception_count", 0),
            stats.get("newscrawl/skipped/already-emitted", 0),
            "?" if queued is None else queued, pending,
            time_left(stats, queued, pending, datetime.now(UTC)),
            extra={"spider": spider},
        )
        if ARCHIVE_BYTES in stats:
            logger.info("Archives: %s", archive_progress(stats, datetime.now(UTC)),
                        extra={"spider": spider})


def archive_progress(stats: Mapping[str, Any], now: datetime) -> str:
    """Files and records of the archives read so far, and how fast."""
    started = stats.get("start_time")
    elapsed = (now - started).total_seconds() if started else 0.0
    read = stats.get(ARCHIVE_BYTES, 0)
    rate = f"{read / elapsed / 1e6:.2f} MB/s" if elapsed > 0 else "? MB/s"
    return (f"{stats.get('newscrawl/warc/files', 0)} file(s) done, "
            f"{stats.get('newscrawl/warc/records/response', 0)} response record(s) read, "
            f"{read / 1e6:.1f} MB at {rate}")


def queue_size(crawler: Crawler) -> int | None:
    """Requests waiting in the scheduler (in distributed mode: on the shared frontier), or
    None when the scheduler cannot tell."""
    scheduler = crawler.engine.scheduler if crawler.engine else None
    return len(scheduler) if isinstance(scheduler, Sized) else None


def time_left(stats: Mapping[str, Any], queued: int | None, pending_sources: int,
              now: datetime) -> str:
    """The time to empty the queue at the rate requests left it so far: "at least" while
    sources not yet parsed may queue more, "unknown" when there is no rate or queue to go by."""
    started = stats.get("start_time")
    elapsed = (now - started).total_seconds() if started else 0.0
    dequeued = count_prefixed(stats, "scheduler/dequeued/")  # memory + disk, or redis
    if queued is None or elapsed <= 0 or not dequeued or (pending_sources and not queued):
        return "unknown"
    estimate = _duration(queued * elapsed / dequeued)
    return f"at least {estimate}" if pending_sources else f"about {estimate}"


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{math.ceil(seconds)} s"  # never "at least 0 s" while requests are queued
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
