"""When an article already emitted is fetched again: the update policy, pure."""

from __future__ import annotations

from datetime import datetime, timedelta

from newscrawl.dates import to_moment
from newscrawl.state.api import Emitted


def should_refetch(
    emitted: Emitted, lastmod: str | None, now: datetime, window: timedelta, timezone: str | None
) -> bool:
    """Whether an emitted article changed since (its source's ``lastmod`` is later than what
    was emitted), within ``window`` of its emission. A ``lastmod`` in the future is a site's
    mistake, not a change."""
    changed = to_moment(lastmod, timezone)
    known = to_moment(emitted.modified or emitted.emitted_at, timezone)
    emitted_at = to_moment(emitted.emitted_at, timezone)
    return bool(
        changed and known and emitted_at and known < changed <= now and now - emitted_at <= window
    )
