"""The state store's owner: what earlier runs emitted and rejected, and the run's publication."""

from __future__ import annotations

import logging
import math
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
)
from newscrawl.extensions.rejects import read_drop
from newscrawl.journal import Journal
from newscrawl.lifecycle import Outcome, RunEnd, record_interrupted_publications
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

    def __init__(
        self, crawler: Crawler, store: StateStore, journal: Journal, backoff: tuple[timedelta, ...]
    ) -> None:
        self.crawler = crawler
        self.store = store
        self.backoff = backoff
        self.rejects_staged = 0
        self.finish_reason: str | None = None
        settings = crawler.settings
        self.run_end = RunEnd(
            store,
            journal,
            count=crawler.stats.inc_value,
            readable_feeds=all(is_local_feed(str(uri)) for uri in settings.getdict("FEEDS")),
            carried_over=carried_over_dir(settings),
        )

    def publish_later(self, written: Path, final: Path, *, articles: bool = True) -> None:
        """Rename ``written`` to ``final`` with the commit; ``articles``: a feed file, whose
        articles the state records."""
        self.run_end.files.add(written, final, articles=articles)

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
        record_interrupted_publications(journal, store)
        extension = cls(crawler, store, journal, reject_backoff(settings))
        crawler.signals.connect(extension.page_rejected, signal=page_rejected)
        crawler.signals.connect(extension.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(extension.feed_exporter_closed, signal=signals.feed_exporter_closed)
        return extension

    def page_rejected(
        self,
        url: str,
        reason: str,
        evidence: str,
        source: bool = False,
        redirected_from: Sequence[str] = (),
        **_: Any,
    ) -> None:
        if not source:  # sources are fetched on every run
            self._remember([*redirected_from[:1], url], reason, evidence)

    def item_dropped(
        self, item: Any, exception: DropItem, response: Response | None = None, **_: Any
    ) -> None:
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
            rejection = next_rejection(
                self.store.rejection(url), url, reason, evidence, datetime.now(UTC), self.backoff
            )
            if rejection is not None and self.store.stage_rejection(rejection):
                self.rejects_staged += 1

    def spider_closed(self, reason: str) -> None:
        self.finish_reason = reason
        if not self.crawler.settings.getdict("FEEDS"):  # no feed exporter to wait for
            self._settle()

    def feed_exporter_closed(self) -> None:
        self._settle()

    def _settle(self) -> None:
        """Publish, record and release (``RunEnd``), then tell the crawl: the distributed
        scheduler releases its in-flight requests on ``state_committed``, the report judges
        the run on ``run_settled``."""
        if self.run_end.outcome is not None:
            return
        stats = self.crawler.stats.get_stats()
        outcome = self.run_end.settle(
            self.finish_reason,
            writes_failed=count_prefixed(stats, "feedexport/failed_count/")
            + stats.get(STATE_UNREACHABLE, 0),
            emitted=stats.get("item_scraped_count", 0),
            rejects_staged=self.rejects_staged,
        )
        if outcome is Outcome.COMMITTED:
            self.crawler.signals.send_catch_log(state_committed)
        self.crawler.signals.send_catch_log(run_settled)


def reject_backoff(settings: BaseSettings) -> tuple[timedelta, ...]:
    """NEWSCRAWL_REJECT_BACKOFF_HOURS as waits; ValueError unless positive numbers."""
    given = settings.getlist("NEWSCRAWL_REJECT_BACKOFF_HOURS")
    try:
        hours = [float(value) for value in given]
    except (TypeError, ValueError):
        hours = []
    if not hours or not all(0 < value < math.inf for value in hours):
        raise ValueError(
            f"setting NEWSCRAWL_REJECT_BACKOFF_HOURS={','.join(map(str, given))!r}: "
            "expected positive numbers of hours, e.g. 1,6,24,168"
        )
    return tuple(timedelta(hours=value) for value in hours)
