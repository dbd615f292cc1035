"""Date parsing to ISO 8601; naive times take the site's timezone when the registry gives one.

Without a timezone, a naive time stays naive: stamping a zone a site never declared (Vietnam's on
a US or Turkish paper) would move its articles by hours.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

# "17/6/2021, 08:15", "Thứ năm, 17/06/2021 - 08:15 (GMT+7)": the visible date line of VN papers.
_VN_VISIBLE = re.compile(
    r"\b(\d{1,2})/(\d{1,2})/(\d{4})\W{0,6}(?:(\d{1,2})[:h](\d{2}))?(?:\s*\(?GMT\s*([+-]\d{1,2})\)?)?"
)


def _localize(moment: datetime, timezone: str | None) -> datetime:
    """``moment`` in ``timezone`` if it has no offset; still naive when no timezone is known."""
    if moment.tzinfo or timezone is None:
        return moment
    return moment.replace(tzinfo=ZoneInfo(timezone))


def _parse_datetime(value: str) -> datetime | date | None:
    text = value.strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)  # RFC 822 dates of RSS feeds
    except (TypeError, ValueError, IndexError):
        return None


def to_moment(value: str | None, timezone: str | None) -> datetime | None:
    """An aware datetime for ``value`` (a bare date is its local midnight), for comparisons;
    without a timezone a naive time is read as UTC, at most a day's offsets off."""
    parsed = _parse_datetime(value) if value else None
    if parsed is None:
        return None
    if not isinstance(parsed, datetime):
        parsed = datetime(parsed.year, parsed.month, parsed.day)
    return _localize(parsed, timezone or "UTC")


def to_iso(value: str | None, timezone: str | None) -> str | None:
    """ISO 8601 (seconds) of ``value``: with its offset, or ``timezone``'s for a naive time (still
    naive without one); a bare date stays a date."""
    if not value:
        return None
    parsed = _parse_datetime(value)
    if parsed is None:
        return None
    if isinstance(parsed, datetime):
        if len(value.strip()) <= 10:  # fromisoformat reads "2021-06-17" as midnight
            return parsed.date().isoformat()
        return _localize(parsed, timezone).isoformat(timespec="seconds")
    return parsed.isoformat()


def visible_vietnamese_date(text: str, timezone: str | None) -> str | None:
    """The first ``dd/mm/yyyy[, HH:MM][ (GMT+7)]`` date in ``text``, as ISO 8601."""
    match = _VN_VISIBLE.search(text)
    if match is None:
        return None
    day, month, year, hour, minute, gmt = match.groups()
    try:
        if hour is None:
            return date(int(year), int(month), int(day)).isoformat()
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute))
    except ValueError:
        return None
    if gmt is not None:
        return f"{moment.isoformat(timespec='seconds')}{int(gmt):+03d}:00"
    return _localize(moment, timezone).isoformat(timespec="seconds")
