"""``open_state_store``: pick the backend from a URI."""

from __future__ import annotations

from pathlib import Path

from .base import BaseStateStore
from .minhash import NUM_PERM, NearDuplicateHasher

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
DEFAULT_PREFIX = "newscrawl:"


def sqlite_path(uri: str) -> Path | None:
    """The database file of a SQLite URI or plain path; None for a Redis URI.

    ``sqlite:///abs/path.db`` or ``sqlite:relative/path.db``; another ``scheme://`` is an error
    rather than a file name.
    """
    if uri.startswith(REDIS_SCHEMES):
        return None
    path = uri.removeprefix("sqlite:").removeprefix("//") if uri.startswith("sqlite:") else uri
    if "://" in path or not path:
        raise ValueError(f"unsupported state store URI {uri!r}: use sqlite:PATH or redis://...")
    return Path(path)


def open_state_store(
    uri: str,
    *,
    near_duplicate_threshold: float = 0.8,
    num_perm: int = NUM_PERM,
    ttl_days: float | None = None,
    prefix: str = DEFAULT_PREFIX,
    retry_seconds: float | None = None,
) -> BaseStateStore:
    """Open (creating if needed) the store at ``uri``: a SQLite path/URI or ``redis://host:port/db``.

    ``ttl_days``, ``prefix`` (key prefix) and ``retry_seconds`` (how long an unreachable server
    is retried; redis-py's few retries without it) apply to Redis only.
    """
    hasher = NearDuplicateHasher(near_duplicate_threshold, num_perm)
    path = sqlite_path(uri)
    if path is None:
        try:
            from .redis_store import RedisStateStore
        except ModuleNotFoundError as error:  # redis is an optional dependency
            raise ModuleNotFoundError(f"{error}: pip install 'newscrawl[redis]'") from error

        return RedisStateStore(
            uri, hasher, prefix=prefix, ttl_days=ttl_days, retry_seconds=retry_seconds
        )
    if ttl_days is not None:
        raise ValueError("ttl_days is supported by the Redis backend only; use reset for SQLite")
    from .sqlite_store import SQLiteStateStore

    return SQLiteStateStore(path, hasher)
