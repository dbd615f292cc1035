"""The output's JSON Schemas (beside this module) and what makes a line conform to them beyond
their patterns: real dates, UTC download times, no empty arrays. No Scrapy here.

``article.schema.json`` is one line of the JSONL output, ``rejects.schema.json`` one line of the
rejects file, ``report.schema.json`` the run report. A pattern cannot tell ``2021-02-30`` from a
date: the schemas say ``format: date`` / ``date-time`` (and ``local-date-time`` for a time
without an offset, a format of ours), which ``validator`` checks.

jsonschema is imported by ``validator`` only: a crawl uses the helpers below, not the validator
(jsonschema and the format checkers it imports when their packages are installed cost a crawl
~0.1 s of start-up).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jsonschema

SCHEMAS = {
    "article": "article.schema.json",
    "rejects": "rejects.schema.json",
    "report": "report.schema.json",
}
# the fields of an article holding dates, as (field, key in it or None)
DATE_FIELDS = (("datePublished", None), ("dateModified", None), ("metadata", "dateDownloaded"))

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME = r"T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?"
_DATE_TIME = re.compile(_DATE.pattern + _TIME + r"(?:[+-][0-9]{2}:[0-9]{2}|Z)")
_LOCAL_DATE_TIME = re.compile(_DATE.pattern + _TIME)


def _parses(text: str, parse: Any) -> bool:
    try:
        parse(text)
    except ValueError:
        return False
    return True


def is_date(text: str) -> bool:
    """``YYYY-MM-DD``, a real day."""
    return bool(_DATE.fullmatch(text)) and _parses(text, date.fromisoformat)


def is_date_time(text: str) -> bool:
    """RFC 3339: a real time with its offset (or ``Z``)."""
    return bool(_DATE_TIME.fullmatch(text)) and _parses(text, datetime.fromisoformat)


def is_local_date_time(text: str) -> bool:
    """A real time without an offset (a page's naive time, its site's timezone unknown)."""
    return bool(_LOCAL_DATE_TIME.fullmatch(text)) and _parses(text, datetime.fromisoformat)


def is_iso_date(text: str) -> bool:
    """Any of the date shapes the article schema allows."""
    return is_date(text) or is_date_time(text) or is_local_date_time(text)


@cache
def _format_checker() -> jsonschema.FormatChecker:
    # Our own: jsonschema checks "date-time" only with an optional package installed, and
    # silently passes anything without it.
    import jsonschema

    checker = jsonschema.FormatChecker(formats=())
    for name, check in (
        ("date", is_date),
        ("date-time", is_date_time),
        ("local-date-time", is_local_date_time),
    ):
        checker.checks(name)(lambda value, check=check: not isinstance(value, str) or check(value))
    return checker


@cache
def schema(name: str) -> dict[str, Any]:
    """The JSON Schema ``name`` ("article", "rejects" or "report")."""
    path = Path(__file__).with_name(SCHEMAS[name])
    loaded: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return loaded


def validator(name: str) -> jsonschema.protocols.Validator:
    """A validator of schema ``name`` that checks its formats (real dates)."""
    import jsonschema

    found = schema(name)
    cls = jsonschema.validators.validator_for(found)
    return cls(found, format_checker=_format_checker())


def utc_seconds(moment: str | None) -> str | None:
    """An ISO 8601 time with an offset as ``YYYY-MM-DDThh:mm:ssZ`` (UTC, whole seconds, as
    zyte-common-items' ``metadata.dateDownloaded``); a naive one is taken as UTC. None, and
    text that is no time, are returned as they are (the date check rejects the latter)."""
    if not moment:
        return moment
    try:
        parsed = datetime.fromisoformat(moment)
    except ValueError:
        return moment
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def impossible_dates(article: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """(field, value) of each date of ``article`` that is not a real date in a shape the
    schema allows (``2021-02-30``, ``2021-13-01T10:00:00``, ``yesterday``)."""
    for field, key in DATE_FIELDS:
        value = article.get(field)
        if key is not None:
            value = value.get(key) if isinstance(value, Mapping) else None
            field = f"{field}.{key}"
        if value is not None and not (isinstance(value, str) and is_iso_date(value)):
            yield field, value


def without_empty_arrays(fields: Mapping[str, Any]) -> dict[str, Any]:
    """``fields`` without those holding an empty list (``authors: []``): an array is left out
    rather than written empty, as zyte-common-items does."""
    return {name: value for name, value in fields.items() if value != []}
