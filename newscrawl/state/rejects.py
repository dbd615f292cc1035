"""Remembered rejects: which reasons are remembered, and when a rejected URL may be fetched again.

Every reason a page or item is rejected with (``newscrawl.accounting.Reason``) is in
``RETRY_POLICY``, one row a reason (a test checks that none is missing):

- ``PERMANENT``: the page is what it is (not HTML, not an article, spam, a copy of an emitted
  article); it is never fetched again, unless ``python -m newscrawl.state forget`` lets it.
- ``BACKOFF``: the page may change (a server error, a stub that grows, a crash of ours); it is
  fetched again once the back-off is over, each attempt waiting longer
  (``NEWSCRAWL_REJECT_BACKOFF_HOURS``). A 404 is here: news sitemaps list articles minutes
  before the site serves them, and at the longest back-off a page gone for good costs one
  request a week.
- ``NOT_REMEMBERED``: the verdict costs no fetch (URL shape, robots.txt), belongs to the run
  (``-a since``, an update of an emitted article) or to a source that is fetched on every run
  by design (sitemaps, feeds): it is made again each time.

A reason not in the table is not remembered: its page is fetched again, never lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from newscrawl.accounting import Reason

__all__ = ["RETRY_POLICY", "Rejection", "Retry", "is_remembered", "next_rejection"]

_EVIDENCE_CHARS = 300  # the record names the cause; the rejects file has the whole evidence


class Retry(Enum):
    PERMANENT = "never fetched again"
    BACKOFF = "fetched again after a growing back-off"
    NOT_REMEMBERED = "not remembered"


RETRY_POLICY: dict[str, Retry] = {
    # the spider, on a fetched page
    Reason.NOT_HTML: Retry.PERMANENT,
    Reason.UNDECODABLE: Retry.PERMANENT,
    Reason.EMPTY_PAGE: Retry.BACKOFF,
    Reason.FETCH_FAILED: Retry.BACKOFF,  # HTTP 4xx/5xx, DNS, timeouts, refused connections
    # extraction and cleaning
    Reason.NOT_ARTICLE: Retry.PERMANENT,
    Reason.SPAM_TITLE: Retry.PERMANENT,
    Reason.WRONG_LANGUAGE: Retry.PERMANENT,
    Reason.UNPARSABLE_HTML: Retry.BACKOFF,
    Reason.EMPTY_EXTRACTION: Retry.BACKOFF,
    Reason.NO_HEADLINE: Retry.BACKOFF,
    Reason.TOO_SHORT: Retry.BACKOFF,  # a stub may grow into the article
    Reason.EXTRACTION_CRASHED: Retry.BACKOFF,
    Reason.EXTRACTION_TIMEOUT: Retry.BACKOFF,  # NEWSCRAWL_EXTRACTION_TIMEOUT; the load may pass
    # publication
    Reason.DUPLICATE: Retry.PERMANENT,  # of an article already emitted
    Reason.UNCHANGED: Retry.NOT_REMEMBERED,  # an emitted URL: its record decides its re-fetch
    Reason.OLDER_THAN_SINCE: Retry.NOT_REMEMBERED,  # the run's -a since, not the page
    Reason.PIPELINE_ERROR: Retry.NOT_REMEMBERED,  # our fault, not the page's
    Reason.DROPPED: Retry.NOT_REMEMBERED,  # a pipeline's plain DropItem, without a reason
    Reason.INVALID_DATE: Retry.NOT_REMEMBERED,  # set by a pipeline of the project's, not the page
    # decided without fetching the page, from the URL and the site's registry
    Reason.URL_MALFORMED: Retry.NOT_REMEMBERED,
    Reason.URL_SCHEME: Retry.NOT_REMEMBERED,
    Reason.URL_OFFSITE: Retry.NOT_REMEMBERED,
    Reason.ROBOTS_DISALLOWED: Retry.NOT_REMEMBERED,
    Reason.IGNORED: Retry.NOT_REMEMBERED,
    Reason.ADDRESS_REFUSED: Retry.NOT_REMEMBERED,  # decided by the address, before any connection
    Reason.RETRY_AFTER_TOO_LONG: Retry.NOT_REMEMBERED,  # the server said when to come back
    # sources (sitemaps, feeds, listings): fetched on every run
    Reason.MALFORMED_SITEMAP: Retry.NOT_REMEMBERED,
    Reason.MALFORMED_FEED: Retry.NOT_REMEMBERED,
    Reason.SITEMAP_TOO_DEEP: Retry.NOT_REMEMBERED,
    # archive records (-a warc=, ccnews=): the archive's fault, the live page may be fine
    Reason.WARC_HTTP_STATUS: Retry.NOT_REMEMBERED,
    Reason.WARC_NOT_HTTP: Retry.NOT_REMEMBERED,
    Reason.WARC_TRUNCATED: Retry.NOT_REMEMBERED,
    Reason.WARC_MALFORMED: Retry.NOT_REMEMBERED,
    Reason.WARC_UNREADABLE: Retry.NOT_REMEMBERED,
}


@dataclass(frozen=True)
class Rejection:
    """A URL's last reject, as the state records it (times ISO 8601 UTC)."""

    url: str
    reason: str
    evidence: str
    first_rejected_at: str
    rejected_at: str
    attempts: int  # fetches rejected in a row
    retry_after: str | None  # None: never fetched again

    def row(self) -> tuple[str | int | None, ...]:
        """The fields in their order (``dataclasses.astuple`` deep-copies: 30 times slower)."""
        return tuple(vars(self).values())

    def in_force(self, now: datetime) -> bool:
        """Whether the URL is still not to be fetched at ``now``."""
        return self.retry_after is None or now < datetime.fromisoformat(self.retry_after)


def is_remembered(reason: str) -> bool:
    return RETRY_POLICY.get(reason, Retry.NOT_REMEMBERED) is not Retry.NOT_REMEMBERED


def next_rejection(
    previous: Rejection | None,
    url: str,
    reason: str,
    evidence: str,
    now: datetime,
    backoff: Sequence[timedelta],
) -> Rejection | None:
    """The record of ``url`` rejected at ``now`` for ``reason``, after ``previous``; None when
    the reason is not remembered. The n-th attempt in a row waits ``backoff[n - 1]`` (the
    last one once they run out)."""
    if not is_remembered(reason):
        return None
    retry = RETRY_POLICY[reason]
    attempts = previous.attempts + 1 if previous is not None else 1
    retry_after = None
    if retry is Retry.BACKOFF:
        wait = backoff[min(attempts, len(backoff)) - 1]
        retry_after = _timestamp(now + wait)
    return Rejection(
        url=url,
        reason=reason,
        evidence=evidence[:_EVIDENCE_CHARS],
        first_rejected_at=previous.first_rejected_at if previous else _timestamp(now),
        rejected_at=_timestamp(now),
        attempts=attempts,
        retry_after=retry_after,
    )


def _timestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
