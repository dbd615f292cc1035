"""The ``NEWSCRAWL_*`` settings checked before a crawl starts: a bad ``-s`` value ends the
command with one line and status 2, instead of a traceback in the middle of the crawl (or,
worse, a component silently switched off)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from scrapy.settings import BaseSettings

from newscrawl.addresses import address_overrides
from newscrawl.extensions.state import reject_backoff
from newscrawl.monitoring import monitoring_problem
from newscrawl.output import companion_path, rejects_path, state_uri, unnamed_gzip_feeds
from newscrawl.pipelines.extract import cleaning_options
from newscrawl.state.factory import sqlite_path

_BOOLS = (
    "NEWSCRAWL_GZIP",
    "NEWSCRAWL_UNIFY_TONE_MARKS",
    "NEWSCRAWL_CHECK_LANGUAGE",
    "NEWSCRAWL_ALLOW_LOOPBACK",
    "NEWSCRAWL_SPIDERMON",
    "NEWSCRAWL_QUEUE_ON_DISK",
)
_INTS = (
    "NEWSCRAWL_MIN_BODY_CHARS",
    "NEWSCRAWL_LISTING_DEPTH",
    "NEWSCRAWL_EXTRACT_WORKERS",
    "NEWSCRAWL_EXTRACT_QUEUE",
    "NEWSCRAWL_FURNITURE_MIN_PAGES",
    "NEWSCRAWL_SITEMAP_MAXSIZE",
    "NEWSCRAWL_HEALTH_MIN_EMITTED",
)
_FLOATS = (
    "NEWSCRAWL_REFETCH_WINDOW_DAYS",
    "NEWSCRAWL_NEAR_DUPLICATE_THRESHOLD",
    "NEWSCRAWL_HEALTH_MAX_ERROR_RATIO",
    "NEWSCRAWL_HEALTH_MIN_EXTRACTION_RATIO",
    "NEWSCRAWL_FURNITURE_MIN_SHARE",
    "NEWSCRAWL_REDIS_IDLE_SECONDS",
    "NEWSCRAWL_REDIS_HEARTBEAT_SECONDS",
    "NEWSCRAWL_REDIS_SEEN_HOURS",
    "NEWSCRAWL_RETRY_AFTER_MAX_SECONDS",
    "NEWSCRAWL_BACKOFF_SECONDS",
    "NEWSCRAWL_EXTRACTION_TIMEOUT",
    "NEWSCRAWL_WARC_MAX_MB",
    "NEWSCRAWL_REDIS_RETRY_SECONDS",
    "NEWSCRAWL_WATCHDOG_SECONDS",
    "NEWSCRAWL_HEALTH_MAX_REJECT_RATIO",
)


_SQLITE_HEADER = b"SQLite format 3\x00"


class SettingsError(ValueError):
    """A setting that cannot be used; the message is one line for the user."""


def check_settings(settings: BaseSettings) -> None:
    """Raise ``SettingsError`` naming the first unusable ``NEWSCRAWL_*`` setting."""
    for names, read in (
        (_BOOLS, settings.getbool),
        (_INTS, settings.getint),
        (_FLOATS, settings.getfloat),
    ):
        for name in names:
            try:
                read(name)
            except (TypeError, ValueError) as exc:
                raise SettingsError(f"setting {name}={settings.get(name)!r}: {exc}") from exc
    if problem := monitoring_problem(settings):
        raise SettingsError(problem)
    if unnamed := unnamed_gzip_feeds(settings):
        raise SettingsError(
            f"NEWSCRAWL_GZIP=1 writes gzip: name the output file *.gz, not {unnamed[0]}"
        )
    try:
        cleaning_options(settings)
        database = sqlite_path(state_uri(settings))
        address_overrides(settings.getdict("NEWSCRAWL_RESOLVE_OVERRIDES"))
        reject_backoff(settings)
    except ValueError as exc:
        raise SettingsError(str(exc)) from exc
    _check_locations(settings, database)


def _check_locations(settings: BaseSettings, database: Path | None) -> None:
    """Where the run writes must be writable now, not found unwritable at the end of the run
    (its articles fetched, extracted and then lost); and an existing state must be one."""
    places = {
        "output": companion_path(settings, "report.json").parent,
        "rejects": rejects_path(settings).parent,
        "data": Path(settings.get("NEWSCRAWL_DATA_DIR")),
    }
    if warc := settings.get("NEWSCRAWL_WARC_DIR"):
        places["WARC"] = Path(warc)
    if textfile := settings.get("NEWSCRAWL_PROMETHEUS_TEXTFILE"):
        places["Prometheus textfile"] = Path(textfile).parent
    if database is not None:
        places["state"] = database.parent
    for what, directory in places.items():
        try:
            directory.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=directory):
                pass
        except OSError as exc:
            raise SettingsError(
                f"{what} directory {directory} is not writable: {exc.strerror or exc}"
            ) from exc
    if database is not None and database.exists():
        _check_database(database)


def _check_database(database: Path) -> None:
    """A state file emptied or overwritten (a truncation, a full disk, a wrong path) would be
    taken for a new state, and every article emitted again: stop instead."""
    with database.open("rb") as file:
        header = file.read(len(_SQLITE_HEADER))
    if header != _SQLITE_HEADER:
        found = "is empty" if not header else "is not a SQLite database"
        raise SettingsError(
            f"state file {database} {found}: restore it from a backup, or "
            f"delete it to start afresh (every article is then emitted again)"
        )
