"""The ``NEWSCRAWL_*`` settings checked before a crawl starts: a bad ``-s`` value ends the
command with one line and status 2, instead of a traceback in the middle of the crawl (or,
worse, a component silently switched off)."""

from __future__ import annotations

from scrapy.settings import BaseSettings

from newscrawl.output import state_uri
from newscrawl.pipelines.extract import cleaning_options
from newscrawl.state.factory import sqlite_path

_BOOLS = ("NEWSCRAWL_GZIP", "NEWSCRAWL_UNIFY_TONE_MARKS", "NEWSCRAWL_CHECK_LANGUAGE")
_INTS = ("NEWSCRAWL_MIN_BODY_CHARS", "NEWSCRAWL_LISTING_DEPTH", "NEWSCRAWL_EXTRACT_WORKERS",
         "NEWSCRAWL_FURNITURE_MIN_PAGES")
_FLOATS = ("NEWSCRAWL_REFETCH_WINDOW_DAYS", "NEWSCRAWL_NEAR_DUPLICATE_THRESHOLD",
           "NEWSCRAWL_HEALTH_MAX_ERROR_RATIO", "NEWSCRAWL_HEALTH_MIN_EXTRACTION_RATIO",
           "NEWSCRAWL_FURNITURE_MIN_SHARE", "NEWSCRAWL_REDIS_IDLE_SECONDS",
           "NEWSCRAWL_REDIS_HEARTBEAT_SECONDS", "NEWSCRAWL_REDIS_SEEN_HOURS",
           "NEWSCRAWL_EXTRACTION_TIMEOUT")


class SettingsError(ValueError):
    """A setting that cannot be used; the message is one line for the user."""


def check_settings(settings: BaseSettings) -> None:
    """Raise ``SettingsError`` naming the first unusable ``NEWSCRAWL_*`` setting."""
    for names, read in ((_BOOLS, settings.getbool), (_INTS, settings.getint),
                        (_FLOATS, settings.getfloat)):
        for name in names:
            try:
                read(name)
            except (TypeError, ValueError) as exc:
                raise SettingsError(f"setting {name}={settings.get(name)!r}: {exc}") from exc
    try:
        cleaning_options(settings)
        sqlite_path(state_uri(settings))
    except ValueError as exc:
        raise SettingsError(str(exc)) from exc
