"""Publishing a run's files so that the state records exactly what they hold, even across a crash.

A run publishes by renaming its ``.part`` files and then committing its records to the state.
Two things can break that pairing, and each has its guard here:

- **A write that failed** (a full disk, a read-only directory): a line the feed exporter could
  not write is missing from the file while the run still holds its record. ``published_urls``
  reads the files back, so that only the articles they really hold are recorded.
- **A crash between the rename and the commit** (``kill -9``, a power cut): the files are
  published and the state knows nothing of them, so the next run would emit them all again. A
  journal naming the files is written (and fsynced) before the first rename and removed after
  the commit; a run that finds one left over records what the named files hold (``replay``)
  before it starts.

No Scrapy here.
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import json
import logging
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from newscrawl.state import Emitted, StateStore

logger = logging.getLogger(__name__)


class UnreadableOutputError(OSError):
    """A published file whose lines cannot all be read back: a write was cut short."""


def _open_lines(path: Path) -> IO[str]:
    if path.suffix == ".gz" or path.name.endswith(".gz.part"):
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def articles_in(path: Path) -> Iterator[dict[str, Any]]:
    """The JSON lines of a written feed file; ``UnreadableOutputError`` at a broken one."""
    try:
        with _open_lines(path) as lines:
            for number, line in enumerate(lines, 1):
                try:
                    yield json.loads(line)
                except ValueError as exc:
                    raise UnreadableOutputError(
                        f"{path}: line {number} is not JSON ({exc}): a write was cut short"
                    ) from exc
    except (EOFError, gzip.BadGzipFile) as exc:
        raise UnreadableOutputError(f"{path}: {exc}") from exc


def published_urls(paths: Iterable[Path]) -> set[str]:
    return {article["url"] for path in paths for article in articles_in(path)}


def fsync_file(path: Path) -> None:
    with path.open("rb") as file:
        os.fsync(file.fileno())


def fsync_directory(path: Path) -> None:
    """Makes a rename in ``path`` durable (POSIX: the directory entry is data of its own)."""
    descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def emitted_record(article: Mapping[str, Any], emitted_at: str | None = None) -> Emitted:
    """The state's record of an article (a published JSONL line or a pipeline's item)."""
    return Emitted(
        url=article["url"],
        canonical_url=article.get("canonicalUrl"),
        fingerprint=article["fingerprint"],
        modified=article.get("dateModified"),
        emitted_at=emitted_at or datetime.now(UTC).isoformat(timespec="seconds"),
    )


class Journal:
    """``<directory>/<state id>-<run>.json``: the files a run is publishing to one state."""

    def __init__(self, directory: Path, state_uri: str, run: str) -> None:
        self.directory = directory
        self._prefix = hashlib.sha1(state_uri.encode("utf-8")).hexdigest()[:12]
        self.path = directory / f"{self._prefix}-{run}.json"
        self._held: IO[str] | None = None  # the journal's file, locked while this run publishes

    def write(self, finals: Iterable[Path]) -> None:
        """Name the files about to be published. The journal is locked (``flock``) from before
        it appears until it is removed, so that a run starting meanwhile (distributed workers
        share a data directory) does not take it for the journal of a run that died."""
        self.directory.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"files": [str(p) for p in finals]}), "utf-8")
        fsync_file(temporary)
        self._held = temporary.open(encoding="utf-8")
        fcntl.flock(self._held, fcntl.LOCK_EX)
        os.replace(temporary, self.path)
        fsync_directory(self.directory)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
        if self._held is not None:
            self._held.close()  # releases the lock
            self._held = None

    def left_over(self) -> Iterator[Path]:
        """Journals of runs on this state that stopped between their rename and their commit:
        those no live run holds. Each is locked by this run until the next one is asked for."""
        for path in sorted(self.directory.glob(f"{self._prefix}-*.json")):
            with suppress(FileNotFoundError), path.open(encoding="utf-8") as journal:
                try:
                    fcntl.flock(journal, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # its run is publishing now
                if path.exists():  # not removed by its run just before the lock was taken
                    yield path


def replay(journal: Path, store: StateStore) -> int:
    """Record what the files named in a left-over journal hold; returns how many articles.
    A file not renamed yet (still ``.part``) was not published: nothing of it is recorded. The
    caller commits (records replace theirs by URL, so a replay done twice records the same)."""
    files = [Path(name) for name in json.loads(journal.read_text("utf-8"))["files"]]
    count = 0
    for path in files:
        if not path.exists():
            continue
        emitted_at = datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat(timespec="seconds")
        try:
            for article in articles_in(path):
                store.stage(
                    emitted_record(article, emitted_at),
                    store.sketch(article.get("articleBody") or ""),
                )
                count += 1
        except UnreadableOutputError as exc:  # damaged since: what is readable is published
            logger.error("Published file damaged, its readable lines recorded: %s", exc)
    return count
