"""Feed storage that never leaves a half-written file under the final name."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import IO, Any, Self

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.extensions.feedexport import FileFeedStorage

from newscrawl.extensions.state import IncrementalState
from newscrawl.health import completed

PARTIAL_SUFFIX = ".part"
logger = logging.getLogger(__name__)


class AtomicFileFeedStorage(FileFeedStorage):
    """Writes ``<name>.part`` and renames it to ``<name>`` only when the run completed
    (``finished``, or closed at a ``CLOSESPIDER_*`` limit: ``newscrawl.health.completed``).

    A crawl killed (SIGKILL) or stopped early (SIGTERM, a crash) leaves only the ``.part``
    file; nothing it held is recorded in the state store, so the next run fetches those
    articles again.
    """

    def __init__(
        self,
        uri: str,
        *,
        feed_options: dict[str, Any] | None = None,
        crawler: Crawler | None = None,
    ) -> None:
        super().__init__(uri, feed_options=feed_options)
        self.crawler = crawler
        self.partial = Path(f"{self.path}{PARTIAL_SUFFIX}")

    @classmethod
    def from_crawler(
        cls, crawler: Crawler, uri: str, *, feed_options: dict[str, Any] | None = None
    ) -> Self:
        return cls(uri, feed_options=feed_options, crawler=crawler)

    def open(self, spider: Spider) -> IO[bytes]:
        self.partial.parent.mkdir(parents=True, exist_ok=True)
        if self.write_mode == "ab" and Path(self.path).exists():  # -o appends to what is there
            self.partial.write_bytes(Path(self.path).read_bytes())
        return self.partial.open(self.write_mode)

    def store(self, file: IO[bytes]) -> None:
        """Hand the file to the run's state (``IncrementalState``), which renames every file of
        the run (batches of FEED_EXPORT_BATCH_ITEM_COUNT included) just before it records their
        articles, or leaves them all as ``.part``: never a published file the state does not
        record. Without that extension, the file is renamed if the run completed."""
        file.close()
        state = self.crawler.get_extension(IncrementalState) if self.crawler else None
        if state is not None:
            state.publish_later(self.partial, Path(self.path))
        elif self.crawler is None or completed(self.crawler.stats.get_value("finish_reason")):
            os.replace(self.partial, self.path)
        else:
            logger.warning("Run not completed: its output stays at %s, not published", self.partial)
