"""Where a run writes: its JSONL feed, rejects file and report (named by spider and UTC start
time), and where the state store lives."""

from __future__ import annotations

import re
import secrets
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy.settings import BaseSettings

from newscrawl.distributed.mode import frontier_url, is_distributed, worker_id

# Scrapy's own %(time)s shape, fixed once per run so that the feed and its companions match.
RUN_STAMP = datetime.now(UTC).replace(microsecond=0).isoformat().replace(":", "-")
# Two runs (other arguments, or other machines or containers writing one directory) can start in
# the same second, with the same pid in two containers: a random token keeps their files apart.
RUN_TOKEN = secrets.token_hex(3)
_FEED_SUFFIXES = frozenset({".gz", ".jsonl", ".jl", ".json", ".csv", ".xml", ".part"})
# "-%(batch_id)02d", "_%(batch_time)s": Scrapy's batch parameters and the separator before them
_BATCH_PARAMETER = re.compile(r"[-_.]?%\(batch_(?:id|time)\)[-#0 +]*\d*[a-z]")
_GZIP = {"postprocessing": ["scrapy.extensions.postprocessing.GzipPlugin"]}


def default_feed_uri(settings: BaseSettings, spider_name: str) -> str:
    """``<dir>/<spider>-<UTC start>-<token>.jsonl[.gz]``, sorted by start time; in distributed
    mode the worker's id (host and pid) replaces the random token."""
    directory = Path(settings.get("NEWSCRAWL_OUTPUT_DIR")).resolve()
    run = worker_id() if is_distributed(settings) else RUN_TOKEN
    suffix = ".jsonl.gz" if settings.getbool("NEWSCRAWL_GZIP") else ".jsonl"
    return str(directory / f"{spider_name}-{RUN_STAMP}-{run}{suffix}")


def feed_options(settings: BaseSettings) -> dict[str, object]:
    """UTF-8 JSON lines (Vietnamese unescaped), gzipped by Scrapy's post-processing if asked."""
    options: dict[str, object] = {"format": "jsonlines", "encoding": "utf-8"}
    return {**options, **_GZIP} if settings.getbool("NEWSCRAWL_GZIP") else options


def with_run_options(
    feeds: dict[str, dict[str, Any]], settings: BaseSettings
) -> dict[str, dict[str, Any]]:
    """Feeds given with ``-o``/``-O`` or ``FEEDS``, made to behave as the default one: gzipped
    when NEWSCRAWL_GZIP is set or the name ends in ``.gz`` (Scrapy would write plain text under
    that name), and an overwriting feed (``-O``) replaced even when the run emits nothing, so
    that it never shows the previous run's articles as this run's."""
    gzip_all = settings.getbool("NEWSCRAWL_GZIP")
    adjusted = {}
    for uri, options in feeds.items():
        options = dict(options)
        if (gzip_all or str(uri).endswith(".gz")) and not options.get("postprocessing"):
            options.update(_GZIP)
        if options.get("overwrite"):
            options.setdefault("store_empty", True)
        adjusted[uri] = options
    return adjusted


def unnamed_gzip_feeds(settings: BaseSettings) -> list[str]:
    """Local feeds that NEWSCRAWL_GZIP would gzip under a name not ending in ``.gz``."""
    if not settings.getbool("NEWSCRAWL_GZIP"):
        return []
    return [
        str(uri)
        for uri in settings.getdict("FEEDS")
        if is_local_feed(str(uri)) and not str(uri).endswith(".gz")
    ]


def overwrites_feed(settings: BaseSettings) -> bool:
    """Whether the run's feed is written with ``-O`` (its companions are then replaced too)."""
    return any(bool(options.get("overwrite")) for options in settings.getdict("FEEDS").values())


def is_local_feed(uri: str) -> bool:
    """Whether a FEEDS URI is a file on this machine (which the run can read back)."""
    return urlsplit(uri).scheme in ("", "file") and uri not in ("-", "stdout:")


def _local_feed_path(settings: BaseSettings) -> Path | None:
    for uri in settings.getdict("FEEDS"):
        if is_local_feed(str(uri)):
            parts = urlsplit(str(uri))
            return Path(parts.path if parts.scheme else str(uri))
    return None


def _feed_stem(name: str, spider: str) -> str:
    """The feed's file name without its format suffixes, with Scrapy's URI parameters filled in
    as Scrapy fills them (``%(name)s``, ``%(time)s``); batch parameters dropped, since one
    companion serves every batch."""
    name = _BATCH_PARAMETER.sub("", name)
    with suppress(KeyError, TypeError, ValueError):  # a parameter of its own: left as written
        name = name % {"name": spider, "time": RUN_STAMP}
    while (suffix := Path(name).suffix.lower()) in _FEED_SUFFIXES:
        name = name[: -len(suffix)]
    return name


def companion_path(settings: BaseSettings, suffix: str, spider: str = "news") -> Path:
    """``<feed stem>.<suffix>`` beside the run's JSONL (or in the output directory):
    ``run.2026-12-01.jsonl`` -> ``run.2026-12-01.report.json``."""
    feed = _local_feed_path(settings) or Path(default_feed_uri(settings, spider))
    return feed.with_name(f"{_feed_stem(feed.name, spider)}.{suffix}")


def rejects_path(settings: BaseSettings, spider: str = "news") -> Path:
    """NEWSCRAWL_REJECTS_URI, else ``<feed stem>.rejects.jsonl`` beside the run's JSONL."""
    if configured := settings.get("NEWSCRAWL_REJECTS_URI"):
        return Path(urlsplit(configured).path if configured.startswith("file:") else configured)
    return companion_path(settings, "rejects.jsonl", spider)


def state_uri(settings: BaseSettings) -> str:
    """NEWSCRAWL_STATE_URI, else REDIS_URL (distributed mode), else a SQLite file in
    NEWSCRAWL_DATA_DIR."""
    if configured := settings.get("NEWSCRAWL_STATE_URI") or frontier_url(settings):
        return str(configured)
    return f"sqlite:{Path(settings.get('NEWSCRAWL_DATA_DIR')).resolve() / 'state.sqlite'}"


def carried_over_dir(settings: BaseSettings) -> Path | None:
    """With JOBDIR, where a paused run leaves the articles it had not published, for the resumed
    run to publish (JOBDIR's duplicate filter would never fetch them again); None without."""
    jobdir = settings.get("JOBDIR")
    return Path(jobdir) / "newscrawl-unpublished" if jobdir else None
