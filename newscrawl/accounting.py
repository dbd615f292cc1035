"""The run's accounting vocabulary: every reject reason, skip reason and stats key newscrawl
writes, in one place, for the code that counts (spider, pipelines, middlewares) and the code
that reads the counts back (health, run report, progress log, remembered rejects).

Reasons are ``StrEnum`` members: they are the strings of the rejects file, the run report and
the stats keys, so a reason is spelled once and a misspelt one does not import.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any


class Reason(StrEnum):
    """Why a page, URL or item was rejected (the ``reason`` of the rejects file)."""

    # the spider, on a fetched page
    NOT_HTML = "not-html"
    UNDECODABLE = "undecodable"
    EMPTY_PAGE = "empty-page"
    FETCH_FAILED = "fetch-failed"  # HTTP 4xx/5xx, DNS, timeouts, refused connections
    # extraction and cleaning
    NOT_ARTICLE = "not-article"
    SPAM_TITLE = "spam-title"
    WRONG_LANGUAGE = "wrong-language"
    UNPARSABLE_HTML = "unparsable-html"
    EMPTY_EXTRACTION = "empty-extraction"
    NO_HEADLINE = "no-headline"
    TOO_SHORT = "too-short"
    EXTRACTION_CRASHED = "extraction-crashed"
    EXTRACTION_TIMEOUT = "extraction-timeout"
    # publication
    DUPLICATE = "duplicate"
    UNCHANGED = "unchanged"
    OLDER_THAN_SINCE = "older-than-since"
    PIPELINE_ERROR = "pipeline-error"
    DROPPED = "dropped"  # a pipeline's plain DropItem, without a reason
    INVALID_DATE = "invalid-date"  # a date that is no real date (newscrawl.conformance)
    # decided without fetching the page, from the URL and the site's registry
    URL_MALFORMED = "url-malformed"
    URL_SCHEME = "url-scheme"
    URL_OFFSITE = "url-offsite"
    ROBOTS_DISALLOWED = "robots-disallowed"
    IGNORED = "ignored"
    ADDRESS_REFUSED = "address-refused"
    RETRY_AFTER_TOO_LONG = "retry-after-too-long"
    # sources (sitemaps, feeds, listings)
    MALFORMED_SITEMAP = "malformed-sitemap"
    MALFORMED_FEED = "malformed-feed"
    SITEMAP_TOO_DEEP = "sitemap-too-deep"
    # archive records (-a warc=, ccnews=)
    WARC_HTTP_STATUS = "warc-http-status"
    WARC_NOT_HTTP = "warc-not-http"
    WARC_TRUNCATED = "warc-truncated"
    WARC_MALFORMED = "warc-malformed"
    WARC_UNREADABLE = "warc-unreadable"


class Skip(StrEnum):
    """Why a URL was not requested, though no fault of its page (counted, not in the rejects
    file)."""

    ALREADY_EMITTED = "already-emitted"
    REJECTED_BEFORE = "rejected-before"
    SOURCE_SEEN = "source-seen"
    OLDER_THAN_SINCE = "older-than-since"
    WARC_OTHER_SITE = "warc-other-site"
    # the site's article rules (``Site.article_verdict``): a link, not an article
    URL_DENIED = "url-denied"
    URL_NOT_ALLOWED = "url-not-allowed"
    URL_NON_ARTICLE_SECTION = "url-non-article-section"
    URL_NOT_ARTICLE_SHAPED = "url-not-article-shaped"


# -- stats keys --------------------------------------------------------------------------------

REJECTED = "newscrawl/rejected/"  # + reason
SKIPPED = "newscrawl/skipped/"  # + skip reason or URL verdict
SITE = "newscrawl/site/"  # + site key + "/" + emitted | rejected
DECODED = "newscrawl/decoded/"  # + where the encoding came from: article pages to extraction
WRITE_FAILED = "newscrawl/write-failed/"  # + output | publication | articles | rejects
STATE_UNREACHABLE = "newscrawl/state-unreachable"  # the state store failed at publication
HELD = "newscrawl/held"  # articles held for publication at the end of the run
FOUND_AGAIN = "newscrawl/found-again"  # a URL listed by a second source while pending
PENDING_SOURCES = "newscrawl/sources/pending"  # sitemaps, feeds, listings not yet parsed
ARCHIVE_BYTES = "newscrawl/warc/bytes"  # bytes of -a warc=/ccnews= archives read so far
ARCHIVE_FILES = "newscrawl/warc/files"
ARCHIVE_RECORDS = "newscrawl/warc/records/"  # + record type
# distributed mode: archive files of the shared frontier taken, failed, given back unfinished
ARCHIVE_FILES_TAKEN = "newscrawl/warc/files-taken"
ARCHIVE_FILES_FAILED = "newscrawl/warc/files-failed"
ARCHIVE_FILES_GIVEN_BACK = "newscrawl/warc/files-given-back"
ADDRESS_REFUSED = "newscrawl/address_refused"
STALLED = "newscrawl/watchdog"  # the watchdog ended the run
BACKOFF = "newscrawl/backoff/"  # + count | the status that paused a host
STRIPPED = "newscrawl/stripped/"  # + kind of lines the cleaning removed (furniture, footer...)
REPAIRED_BODY = "newscrawl/repaired/body"
REPAIRED_TITLE = "newscrawl/repaired/spam-title"
JSON_DROPPED = "newscrawl/extract/json-dropped"  # JSON-LD blocks over the size/depth bounds
# + the extraction pool's events: pool-killed (a timed-out extraction's workers ended),
# pool-broken, retried (a page sent again, alone, after a broken pool), downloads-paused (too
# many pages waiting for the pool)
EXTRACT_EVENT = "newscrawl/extract/"
REDIS_UNAVAILABLE = "newscrawl/redis/unavailable"
REDIS_RECOVERED = "newscrawl/redis/recovered"  # requests of dead workers queued again
RESIDUE = "newscrawl/residue/"  # + site + "/" + kept | footer-stripped (the run history's)
# article URLs claimed by a dead worker's reading of an archive file, taken by the next reading
REDIS_CLAIMS_TAKEN_OVER = "newscrawl/redis/claims-taken-over"
FEED_RECOVERED = "newscrawl/malformed/feed-recovered"
# the textfile could not be written (counted after the run report: no health problem)
PROMETHEUS_WRITE_FAILED = "newscrawl/prometheus/write-failed"


def rejected(reason: str) -> str:
    return f"{REJECTED}{reason}"


def skipped(reason: str) -> str:
    return f"{SKIPPED}{reason}"


def site_count(site: str | None, what: str) -> str:
    return f"{SITE}{site}/{what}"


def write_failed(what: str) -> str:
    return f"{WRITE_FAILED}{what}"


# -- reading the stats back --------------------------------------------------------------------


def count_prefixed(stats: Mapping[str, Any], prefix: str) -> int:
    """Sum of the integer stats whose key starts with ``prefix``."""
    return sum(v for k, v in stats.items() if k.startswith(prefix) and isinstance(v, int))


def suffix_counts(stats: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """The stats under ``prefix``, by the rest of their key."""
    return {k.removeprefix(prefix): v for k, v in stats.items() if k.startswith(prefix)}


def site_counts(stats: Mapping[str, Any]) -> dict[str, dict[str, int]]:
    """``{site: {"emitted": n, "rejected": n}}`` of the ``SITE`` stats."""
    sites: dict[str, dict[str, int]] = {}
    for key, value in suffix_counts(stats, SITE).items():
        site, _, what = key.rpartition("/")
        sites.setdefault(site, {})[what] = value
    return sites
