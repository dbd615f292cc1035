"""The keys of a distributed run beside the state: who seeds it, whether it was seeded, and
the frontier itself (scrapy-redis's queue and dupefilter, the workers' in-flight lists).

``<spider>:seeding`` is held (SET NX, with an expiry should the seeder die) while ``scrapy seed``
fills the frontier, so that two seeds racing, on one host or on two, do not both queue the
sources. ``<spider>:seeded`` says when the last seed finished; a worker refuses to start when
there is neither a seed nor anything on the frontier, rather than wait and exit "healthy" with
nothing done. ``clear_run`` removes them all, for a reset of the state.
"""

from __future__ import annotations

import time
from typing import Any

from scrapy.settings import BaseSettings
from scrapy_redis import defaults

SEEDING_SECONDS = 600  # a seed only queues its sources: far less than this


def seeding_key(spider: str) -> str:
    return f"{spider}:seeding"


def seeded_key(spider: str) -> str:
    return f"{spider}:seeded"


def frontier_keys(settings: BaseSettings, spider: str) -> tuple[str, str]:
    """scrapy-redis's queue key and dupefilter key (prefix of its fingerprint keys)."""
    names = {"spider": spider}
    return (
        settings.get("SCHEDULER_QUEUE_KEY", defaults.SCHEDULER_QUEUE_KEY) % names,
        settings.get("SCHEDULER_DUPEFILTER_KEY", defaults.SCHEDULER_DUPEFILTER_KEY) % names,
    )


def claim_seeding(server: Any, spider: str, seeder: str) -> str | None:
    """None when ``seeder`` may seed now; else the seeder already at it."""
    if server.set(seeding_key(spider), seeder, nx=True, ex=SEEDING_SECONDS):
        return None
    holder = server.get(seeding_key(spider))
    return holder.decode() if holder is not None else "?"


def end_seeding(server: Any, spider: str, seeder: str, *, seeded: bool, keep_seconds: int) -> None:
    """Record a seed that queued something (for ``keep_seconds``), and let the next seed run."""
    if seeded:
        server.set(seeded_key(spider), int(time.time()), ex=keep_seconds)
    if server.get(seeding_key(spider)) == seeder.encode():
        server.delete(seeding_key(spider))


def was_seeded(server: Any, settings: BaseSettings, spider: str) -> bool:
    """Whether a worker of ``spider`` has a run to join: seeded, being seeded, or requests
    left on the frontier."""
    queue_key, _ = frontier_keys(settings, spider)
    return bool(server.exists(seeded_key(spider), seeding_key(spider), queue_key))


def clear_run(server: Any, settings: BaseSettings, spider: str) -> dict[str, int]:
    """Delete every key of ``spider``'s distributed run; how many of each kind were there."""
    queue_key, dupefilter_key = frontier_keys(settings, spider)
    patterns = {
        "queued requests": queue_key,
        "fingerprints": f"{dupefilter_key}:*",
        "in-flight lists": f"{spider}:inflight:*",
        "last takes": f"{spider}:taken:*",
        "live workers": f"{spider}:worker:*",
        "seed markers": f"{spider}:seed*",
    }
    cleared = {"queued requests": _queued(server, queue_key)}
    for kind, pattern in patterns.items():
        count = 0
        for key in server.scan_iter(match=pattern, count=10_000):
            count += server.unlink(key)
        cleared.setdefault(kind, count)
    return cleared


def _queued(server: Any, key: str) -> int:
    kind = server.type(key)
    return int(server.zcard(key) if kind == b"zset" else server.llen(key) if kind == b"list" else 0)
