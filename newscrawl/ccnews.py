"""Common Crawl's CC-NEWS: the month's list of WARC files, and each file streamed over HTTP(S).

``<base>/crawl-data/CC-NEWS/<YYYY>/<MM>/warc.paths.gz`` lists the month's files, one path a
line, relative to ``<base>`` (NEWSCRAWL_CCNEWS_BASE_URL, https://data.commoncrawl.org/ by
default). Each file (about 1 GB) is read as a stream, its records parsed as they arrive: nothing
is written to disk, and memory holds one record at a time. Blocking reads (urllib): the spider
runs them in a thread.

No Scrapy here.
"""

from __future__ import annotations

import gzip
import re
import urllib.request
from collections.abc import Iterator
from datetime import date
from typing import IO

from newscrawl.accounting import Reason
from newscrawl.warc import Capture, Unusable, scan_stream

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_TIMEOUT = 60.0  # seconds without a byte before a read fails


def ccnews_months(spec: str) -> list[str]:
    """``2024-06`` or ``2024-04..2024-06`` as the months' paths (``2024/04``, ...);
    ``ValueError`` for anything else."""
    first, separator, last = spec.strip().partition("..")
    start = _month(first)
    end = _month(last) if separator else start
    if end < start:
        raise ValueError(f"ccnews: {spec!r} ends before it starts")
    months = []
    while start <= end:
        months.append(f"{start.year:04d}/{start.month:02d}")
        start = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return months


def _month(text: str) -> date:
    if (match := _MONTH.match(text.strip())) and 1 <= int(match[2]) <= 12:
        return date(int(match[1]), int(match[2]), 1)
    raise ValueError(f"ccnews: expected a month YYYY-MM or a range YYYY-MM..YYYY-MM, got {text!r}")


def archive_urls(base_url: str, month: str) -> list[str]:
    """The URLs of a month's WARC files, from its published path listing."""
    base = base_url.rstrip("/")
    with urllib.request.urlopen(
        f"{base}/crawl-data/CC-NEWS/{month}/warc.paths.gz", timeout=_TIMEOUT
    ) as listing:
        lines = gzip.decompress(listing.read()).decode("utf-8").splitlines()
    return [f"{base}/{line.strip().lstrip('/')}" for line in lines if line.strip()]


class CountingStream:
    """A stream that tells how many bytes were read from it (warcio asks its position)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.count += len(data)
        return data

    def tell(self) -> int:
        return self.count


class RemoteArchive:
    """A WARC file read over HTTP(S), once, as a stream."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._stream: CountingStream | None = None

    def bytes_read(self) -> int:
        return self._stream.count if self._stream else 0

    def records(self) -> Iterator[Capture | Unusable | str]:
        """``newscrawl.warc.scan_stream`` of the archive, its captures carrying their
        responses; the file unreachable, one ``Unusable``."""
        try:
            response = urllib.request.urlopen(self.url, timeout=_TIMEOUT)
        except OSError as exc:  # URLError, HTTPError, a timeout
            yield Unusable(self.url, Reason.WARC_UNREADABLE, f"{type(exc).__name__}: {exc}")
            return
        with response:
            self._stream = CountingStream(response)
            length = response.headers.get("Content-Length")
            size = int(length) if length else None
            yield from scan_stream(self._stream, self.url, size, keep=True)  # type: ignore[arg-type]
