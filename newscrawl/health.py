"""Is a finished run healthy? Pure function over Scrapy's stats, so cron can trust exit codes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from newscrawl.accounting import (
    DECODED,
    REJECTED,
    STATE_UNREACHABLE,
    WRITE_FAILED,
    Reason,
    Skip,
    count_prefixed,
    rejected,
    skipped,
)

# Exit statuses of `scrapy crawl` (documented in the README).
EXIT_OK = 0
EXIT_CRASHED = 1  # Scrapy's own: the crawl could not start
EXIT_USAGE = 2
EXIT_UNHEALTHY = 3
EXIT_ALREADY_RUNNING = 75  # EX_TEMPFAIL: cron will simply try again next time


@dataclass(frozen=True)
class Thresholds:
    max_error_ratio: float = 0.5
    min_extraction_ratio: float = 0.5
    min_emitted: int = 0  # 0: any number of articles will do
    max_reject_ratio: float = 1.0  # 1.0: any share of rejects will do

    @classmethod
    def from_settings(cls, settings: Any) -> Thresholds:
        """The NEWSCRAWL_HEALTH_* settings (Scrapy's settings, or anything with getint and
        getfloat): one reading for the exit status and for the monitors."""
        default = cls()
        return cls(
            settings.getfloat("NEWSCRAWL_HEALTH_MAX_ERROR_RATIO", default.max_error_ratio),
            settings.getfloat(
                "NEWSCRAWL_HEALTH_MIN_EXTRACTION_RATIO", default.min_extraction_ratio
            ),
            settings.getint("NEWSCRAWL_HEALTH_MIN_EMITTED", default.min_emitted),
            settings.getfloat("NEWSCRAWL_HEALTH_MAX_REJECT_RATIO", default.max_reject_ratio),
        )


@dataclass(frozen=True)
class Health:
    problems: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return EXIT_UNHEALTHY if self.problems else EXIT_OK


def completed(finish_reason: str | None) -> bool:
    """Whether a run ended as planned: it ran out of work (``finished``), or Scrapy closed it on
    purpose at a limit the user set (``closespider_timeout``, ``closespider_itemcount``, ...):
    a time-boxed cron run publishes and records what it did. A signal or a crash is not."""
    return finish_reason is not None and (
        finish_reason == "finished" or finish_reason.startswith("closespider_")
    )


def assess(
    stats: Mapping[str, Any],
    finish_reason: str | None,
    limits: Thresholds,
    *,
    shared_frontier: bool = False,
    source_problems: Sequence[str] = (),
) -> Health:
    """``shared_frontier``: a distributed worker, which may find nothing left to fetch;
    ``source_problems``: the sources that failed or yielded nothing (``newscrawl.sources``)."""
    problems = list(source_problems)
    problems += filter(
        None,
        (
            finish_problem(finish_reason),
            error_problem(stats, limits, shared_frontier=shared_frontier),
        ),
    )
    pages = count_prefixed(stats, DECODED)  # article pages handed to extraction
    failed = stats.get(rejected(Reason.EMPTY_EXTRACTION), 0) + stats.get(
        rejected(Reason.EXTRACTION_CRASHED), 0
    )
    extracted = pages - failed
    if pages and extracted / pages < limits.min_extraction_ratio:
        problems.append(
            f"extraction succeeded on {extracted}/{pages} pages "
            f"(limit {limits.min_extraction_ratio:.0%})"
        )
    if written := {
        k.rsplit("/", 1)[1]: v for k, v in stats.items() if k.startswith(WRITE_FAILED) and v
    }:
        problems.append(
            "writes failed: "
            + ", ".join(f"{what} {count}" for what, count in sorted(written.items()))
        )
    if stats.get(STATE_UNREACHABLE):
        problems.append("the state store was unreachable: nothing published")
    emitted = stats.get("item_scraped_count", 0)
    skipped_known = stats.get(skipped(Skip.ALREADY_EMITTED), 0)
    # pages that were articles, rightly not emitted: copies, and older than -a since
    duplicates = stats.get(rejected(Reason.DUPLICATE), 0) + stats.get(
        rejected(Reason.OLDER_THAN_SINCE), 0
    )
    if pages and not emitted and not skipped_known and not duplicates:
        problems.append(f"{pages} article pages fetched but no item emitted")
    problems += filter(None, (emitted_problem(stats, limits), reject_problem(stats, limits)))
    return Health(problems)


# One function a check that monitoring reports on its own (newscrawl.monitors): the exit status
# and the monitors read the same function, so they cannot disagree.


def finish_problem(finish_reason: str | None) -> str | None:
    if completed(finish_reason):
        return None
    return f"finish reason is {finish_reason!r}, not 'finished' or a CLOSESPIDER_* limit"


def request_outcomes(stats: Mapping[str, Any]) -> tuple[int, int]:
    """(failed, fetched) requests. Every request has the spider's errback: final HTTP errors
    and download exceptions alike (after retries; robots.txt refusals not counted) end up as
    fetch-failed rejects, and the requests of a host that asked for a longer pause than allowed
    as retry-after-too-long."""
    errors: int = stats.get(rejected(Reason.FETCH_FAILED), 0) + stats.get(
        rejected(Reason.RETRY_AFTER_TOO_LONG), 0
    )
    fetched = sum(
        v
        for k, v in stats.items()
        if k.startswith("downloader/response_status_count/") and k[-3] in "23"
    )
    return errors, fetched


def error_problem(
    stats: Mapping[str, Any], limits: Thresholds, *, shared_frontier: bool = False
) -> str | None:
    errors, fetched = request_outcomes(stats)
    if errors + fetched == 0:
        return None if shared_frontier else "nothing was fetched"
    if (ratio := errors / (errors + fetched)) > limits.max_error_ratio:
        return f"{ratio:.0%} of requests failed (limit {limits.max_error_ratio:.0%})"
    return None


def emitted_problem(stats: Mapping[str, Any], limits: Thresholds) -> str | None:
    emitted: int = stats.get("item_scraped_count", 0)
    if emitted < limits.min_emitted:
        return f"{emitted} article(s) emitted (NEWSCRAWL_HEALTH_MIN_EMITTED {limits.min_emitted})"
    return None


def reject_ratio(stats: Mapping[str, Any]) -> float | None:
    """The share of the run's rejects (pages and items of every reason, as in the rejects file)
    among its rejects and emitted articles; None when it has neither."""
    rejects = count_prefixed(stats, REJECTED)
    total: int = rejects + stats.get("item_scraped_count", 0)
    return rejects / total if total else None


def reject_problem(stats: Mapping[str, Any], limits: Thresholds) -> str | None:
    ratio = reject_ratio(stats)
    if ratio is not None and ratio > limits.max_reject_ratio:
        return f"{ratio:.0%} of pages and items rejected (limit {limits.max_reject_ratio:.0%})"
    return None
