"""The state store's owner: what earlier runs emitted and rejected, and the run's publication."""

from __future__ import annotations

import logging
import math
import os
import shutil
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.http import Response
from scrapy.settings import BaseSettings

from newscrawl.accounting import (
    STATE_UNREACHABLE,
    count_prefixed,
    write_failed,
)
from newscrawl.extensions.rejects import read_drop
from newscrawl.health import completed
from newscrawl.journal import Journal, fsync_directory, fsync_file, published_urls, replay
from newscrawl.output import (
    RUN_TOKEN,
    carried_over_dir,
    is_local_feed,
    state_uri,
)
from newscrawl.signals import page_rejected, run_settled, state_committed
from newscrawl.state import StateStore, open_state_store
from newscrawl.state.rejects import is_remembered, next_rejection

logger = logging.getLogger(__name__)


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
            self.crawler.stats.inc_value(write_failed("articles"), emitted - count)
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
        self.crawler.stats.inc_value(write_failed(what))
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
