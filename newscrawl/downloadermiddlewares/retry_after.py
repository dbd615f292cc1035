"""``RetryAfterMiddleware``: a host that answers 429 or 503 is paused before it is asked again.

Scrapy's RetryMiddleware retries such answers at once (3 requests in a few milliseconds), and
AutoThrottle only adapts the delay to latency. This middleware pauses the host's downloader slot:
for as long as its ``Retry-After`` says (seconds or an HTTP date), else for a pause that doubles
with each such answer in a row. A host that asks for more than
``NEWSCRAWL_RETRY_AFTER_MAX_SECONDS`` is not waited for: the request, and those for the same
host until its pause ends, are given up as rejects (``retry-after-too-long``).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from time import monotonic
from typing import TYPE_CHECKING, Self

from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.asyncio import CallLaterResult, call_later

from newscrawl.accounting import BACKOFF, Reason

if TYPE_CHECKING:
    from scrapy.core.downloader import Downloader
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

PAUSING_STATUSES = frozenset({429, 503})  # the statuses RFC 9110/6585 give a Retry-After


class GivenUp(IgnoreRequest):
    """A request not sent (or not retried), with the reject's reason and evidence."""

    def __init__(self, reason: str, evidence: str) -> None:
        super().__init__(f"{reason}: {evidence}")
        self.reason = reason
        self.evidence = evidence


def retry_after_seconds(value: str, now: datetime) -> float | None:
    """The wait a ``Retry-After`` value asks for (0 for a past date); None if unreadable."""
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:  # RFC 9110: an HTTP date is in GMT
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - now).total_seconds())


def doubling_pause(first: float, answers_in_a_row: int, longest: float) -> float:
    """The pause after the n-th 429/503 in a row without Retry-After: first, 2 x first, ..."""
    return min(first * 2 ** min(answers_in_a_row - 1, 64), longest)


class RetryAfterMiddleware:
    def __init__(self, crawler: Crawler, longest: float, first: float) -> None:
        self.crawler = crawler
        self.longest = longest
        self.first = first
        self._resume_at: dict[str, float] = {}  # slot key -> monotonic time its pause ends
        self._in_a_row: dict[str, int] = {}  # slot key -> 429/503 answers without Retry-After
        # slot key -> (end, handle) of the pause last put on the slot, to know it is still there
        self._holds: dict[str, tuple[float, CallLaterResult]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        middleware = cls(
            crawler,
            settings.getfloat("NEWSCRAWL_RETRY_AFTER_MAX_SECONDS"),
            settings.getfloat("NEWSCRAWL_BACKOFF_SECONDS"),
        )
        crawler.signals.connect(
            middleware.request_reached_downloader, signal=signals.request_reached_downloader
        )
        return middleware

    @property
    def _downloader(self) -> Downloader:
        # not in from_crawler: the downloader builds its middlewares before the engine has it
        assert self.crawler.engine is not None
        return self.crawler.engine.downloader

    def process_request(self, request: Request) -> None:
        key = self._downloader.get_slot_key(request)
        left = self._resume_at.get(key, 0.0) - monotonic()
        if left > self.longest:
            raise self._give_up(request, f"host {key} asked for a pause of {left:.0f} s more")

    def process_response(self, request: Request, response: Response) -> Response:
        key = self._downloader.get_slot_key(request)
        if response.status not in PAUSING_STATUSES:
            self._in_a_row.pop(key, None)
            return response
        header = response.headers.get(b"Retry-After")
        asked = (
            retry_after_seconds(header.decode("latin-1"), _server_now(response)) if header else None
        )
        if asked is None:
            self._in_a_row[key] = answers = self._in_a_row.get(key, 0) + 1
            pause = doubling_pause(self.first, answers, self.longest)
        else:
            pause = asked
        self._pause(key, pause, response.status, "Retry-After" if asked is not None else "backoff")
        if pause > self.longest:
            raise self._give_up(request, f"HTTP {response.status}, Retry-After {pause:.0f} s")
        return response

    def request_reached_downloader(self, request: Request) -> None:
        """A slot made again for a paused host (Scrapy drops idle slots) is paused too."""
        self._hold(request.meta[self._downloader.DOWNLOAD_SLOT])

    def _pause(self, key: str, seconds: float, status: int, why: str) -> None:
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(f"{BACKOFF}count")
        stats.inc_value(f"{BACKOFF}{why}")
        logger.info("Host %s answered %d: paused %.1f s (%s)", key, status, seconds, why)
        self._resume_at[key] = max(self._resume_at.get(key, 0.0), monotonic() + seconds)
        self._hold(key)

    def _hold(self, key: str) -> None:
        """Keep the downloader slot of ``key`` from sending until its pause ends (at most
        ``longest`` from now: requests queued in the slot then go, later ones are given up).

        Scrapy's slot delays cannot do it: AutoThrottle rewrites ``slot.delay`` on every
        response, and a delay is randomized. The slot's ``latercall`` is what the downloader
        itself waits on between two requests; when it fires, the downloader sends the queued
        requests, still spaced by the slot's delay."""
        end = min(self._resume_at.get(key, 0.0), monotonic() + self.longest)
        slot = self._downloader.slots.get(key)
        if slot is None or end <= monotonic():
            return
        held = self._holds.get(key)
        if held is not None and held[0] >= end and slot.latercall is held[1]:
            return
        if slot.latercall is not None:
            slot.latercall.cancel()
        slot.latercall = call_later(end - monotonic(), self._downloader._latercall, slot)
        self._holds[key] = (end, slot.latercall)

    def _give_up(self, request: Request, evidence: str) -> GivenUp:
        return GivenUp(
            Reason.RETRY_AFTER_TOO_LONG,
            f"{evidence} > NEWSCRAWL_RETRY_AFTER_MAX_SECONDS ({self.longest:g})",
        )


def _server_now(response: Response) -> datetime:
    """The server's time of the answer (its ``Date``), to read a Retry-After date against: the
    two clocks may differ by minutes. The crawler's clock when the server sent no date."""
    date = response.headers.get(b"Date")
    try:
        moment = parsedate_to_datetime(date.decode("latin-1")) if date else None
    except (TypeError, ValueError, IndexError):
        moment = None
    if moment is None:
        return datetime.now(UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
