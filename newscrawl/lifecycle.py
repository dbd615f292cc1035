"""The end of a run, in its one order: the run's files are written under temporary names; if
the run completed and every write succeeded they are **published** (journal written, renamed,
their directory synced), then what they hold is **recorded** in the state store (the commit),
then the run's leftovers are **released** (the journal, articles carried over from a paused
run); otherwise nothing is published or recorded and a paused ``JOBDIR`` run carries its
articles over to the resumed run. No Scrapy here: ``IncrementalState`` drives it at the close
and tells the rest of the crawl (``state_committed``, ``run_settled``) what came of it.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from newscrawl.accounting import write_failed
from newscrawl.health import completed
from newscrawl.journal import Journal, fsync_directory, fsync_file, published_urls, replay
from newscrawl.state import StateStore

logger = logging.getLogger(__name__)


class Outcome(Enum):
    COMMITTED = "published and recorded"
    UNPUBLISHED = "nothing published or recorded"
    CARRIED_OVER = "paused: unpublished articles carried over to the resumed run"
    FAILED = "publication failed"


@dataclass
class RunFiles:
    """The files a run publishes with its commit, or not at all."""

    # feed files (written, final name), whose articles the state records
    feeds: list[tuple[Path, Path]] = field(default_factory=list)
    # files published with them that hold no articles (WARC archives)
    companions: list[tuple[Path, Path]] = field(default_factory=list)

    def add(self, written: Path, final: Path, *, articles: bool) -> None:
        (self.feeds if articles else self.companions).append((written, final))

    def all(self) -> list[tuple[Path, Path]]:
        return [*self.companions, *self.feeds]


@dataclass
class RunEnd:
    """``settle`` publishes, records and releases a run's files, in that order, once.

    ``readable_feeds``: every feed is a local file, read back to record exactly what it holds
    (else every emitted article counts as published); ``carried_over``: JOBDIR's folder for a
    paused run's articles; ``count``: adds to a stat."""

    store: StateStore
    journal: Journal
    count: Callable[[str, int], None]
    readable_feeds: bool = True
    carried_over: Path | None = None
    files: RunFiles = field(default_factory=RunFiles)
    outcome: Outcome | None = None

    def settle(
        self, finish_reason: str | None, *, writes_failed: int, emitted: int, rejects_staged: int
    ) -> Outcome:
        if self.outcome is not None:
            return self.outcome  # settled once: a second signal changes nothing
        if completed(finish_reason) and not writes_failed:
            self.outcome = self._publish(emitted, rejects_staged)
        else:
            self.store.rollback()
            self.outcome = self._leave_unpublished(finish_reason)
        self.store.close()
        return self.outcome

    def _leave_unpublished(self, finish_reason: str | None) -> Outcome:
        if self.carried_over is not None:
            self._carry_over(self.carried_over, finish_reason)
            return Outcome.CARRIED_OVER
        logger.warning(
            "State: run not finished (%s); nothing recorded, its articles will be "
            "fetched again; its output stays unpublished: %s",
            finish_reason,
            ", ".join(str(written) for written, _ in self.files.all()),
        )
        return Outcome.UNPUBLISHED

    def _carry_over(self, directory: Path, finish_reason: str | None) -> None:
        """A paused JOBDIR run: its output (every article it held, those it carried over
        included) goes to JOBDIR, replacing what it carried over, for the resumed run."""
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        for written, _ in self.files.feeds:
            shutil.move(written, directory / written.name)  # JOBDIR may be on another disk
        logger.warning(
            "State: run paused (%s); nothing recorded; its unpublished articles "
            "wait in %s for the run resumed with this JOBDIR",
            finish_reason,
            directory,
        )

    def _publish(self, emitted: int, rejects_staged: int) -> Outcome:
        """Rename the run's files and record what they hold; on a write error, leave them
        unpublished (before the journal) or leave the journal for the next run to finish."""
        try:
            published = self._published_urls()
            for written, _ in self.files.companions:
                fsync_file(written)
        except OSError as exc:  # a file that cannot be read back or synced
            return self._failed("output", exc)
        try:
            self.journal.write(final for _, final in self.files.feeds)
            for written, final in self.files.all():
                os.replace(written, final)
            for directory in {final.parent for _, final in self.files.all()}:
                fsync_directory(directory)
            recorded = self.store.commit(published)
        except Exception as exc:  # OSError, and the stores' own (sqlite3, redis) errors
            return self._failed("publication", exc)
        self._release()
        logger.info(
            "State: %d emitted article(s) and %d reject(s) recorded", recorded, rejects_staged
        )
        if published is not None and recorded < emitted:
            self.count(write_failed("articles"), emitted - recorded)
            logger.error(
                "%d emitted article(s) are missing from the output (a write failed): "
                "not recorded, they will be fetched again",
                emitted - recorded,
            )
        return Outcome.COMMITTED

    def _release(self) -> None:
        """What the commit made unneeded: the journal, and a paused run's carried-over
        articles, now published with this run."""
        self.journal.remove()
        if self.carried_over is not None:
            shutil.rmtree(self.carried_over, ignore_errors=True)

    def _published_urls(self) -> set[str] | None:
        """The URLs the run's files hold, synced to disk; None when some feed is not a local
        file (``-o -``, a remote store) and cannot be read back."""
        if not self.readable_feeds:
            return None
        for written, _ in self.files.feeds:
            fsync_file(written)
        return published_urls(written for written, _ in self.files.feeds)

    def _failed(self, what: str, exc: BaseException) -> Outcome:
        self.store.rollback()
        self.count(write_failed(what), 1)
        left = (
            "the next run records it"
            if self.journal.path.exists()
            else "nothing published or recorded"
        )
        logger.error("State: publishing the run failed (%s: %s); %s", type(exc).__name__, exc, left)
        return Outcome.FAILED


def record_interrupted_publications(journal: Journal, store: StateStore) -> None:
    """Finish the publications of runs that stopped between renaming and recording."""
    for left_over in journal.left_over():
        store.begin_publication()
        count = replay(left_over, store)
        store.commit()
        left_over.unlink(missing_ok=True)
        logger.warning(
            "State: %d article(s) published by an interrupted run recorded (%s)", count, left_over
        )
