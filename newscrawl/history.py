"""The run history: one compact JSON line per run, appended to a JSONL file that cron runs share
(``NEWSCRAWL_HISTORY``, by default ``newscrawl-history.jsonl`` beside the output), read back
by ``python -m newscrawl.healthreport``.

Pure: building a run's record from its report, appending it, reading the file back. A line is
written with one ``write`` on a file opened ``O_APPEND`` and synced, so runs appending at once
never interleave and a crash leaves at worst one cut line at the end; the reader skips and
counts a line it cannot read instead of failing on it.
"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from newscrawl.accounting import RESIDUE, Reason

logger = logging.getLogger(__name__)

HISTORY_FILE_NAME = "newscrawl-history.jsonl"
RECORD_VERSION = 1

# Stats counted by the extraction pipeline, per site (``newscrawl/residue/<site>/<what>``):
# articles cleaning kept, and those of them that lost lines to the footer/boilerplate rules.
KEPT = "kept"
FOOTER_STRIPPED = "footer-stripped"

# Lines stripped that are not layout residue: the credit and byline lines the source credit is
# read from, which most articles of a crediting site have.
NOT_RESIDUE = frozenset({"credit", "byline"})

# Rejects that mean the site did not answer (HTTP errors, DNS, timeouts, refused connections).
FETCH_ERROR_REASONS = frozenset({Reason.FETCH_FAILED})


def residue_key(site: str | None, what: str) -> str:
    return f"{RESIDUE}{site}/{what}"


def lost_layout_lines(stripped_kinds: Iterable[str]) -> bool:
    """Whether cleaning cut lines of the page's layout (footer, share and tag lines, related
    boxes, teasers, player residue...) from an article, by the kinds of the lines it stripped
    (``newscrawl.cleaning.footer``; body repairs are not stripped lines)."""
    return any(kind not in NOT_RESIDUE for kind in stripped_kinds)


@dataclass
class SiteTally:
    """Per-site counts the run report does not hold, collected while the run goes: rejects by
    reason, emitted articles that lost lines to the site's furniture, and emitted articles
    without a ``sourceCredit``."""

    rejected: dict[str, Counter[str]] = field(default_factory=dict)
    furniture_stripped: Counter[str] = field(default_factory=Counter)
    no_credit: Counter[str] = field(default_factory=Counter)

    def reject(self, site: str | None, reason: str) -> None:
        self.rejected.setdefault(str(site), Counter())[reason] += 1

    def emitted(self, site: str | None, *, furniture_lines: int, source_credit: str | None) -> None:
        if furniture_lines:
            self.furniture_stripped[str(site)] += 1
        if not source_credit:
            self.no_credit[str(site)] += 1


def build_record(
    report: Mapping[str, Any], *, spider: str, sites: Iterable[str], tally: SiteTally
) -> dict[str, Any]:
    """The history line of a run: its times, spider, exit status, problems, and per site what
    the health page charts. ``sites``: the sites the run was given (a site that yielded nothing
    at all is in the record with zeros: that is the collapse to see)."""
    stats = report.get("stats") or {}
    reported = report.get("sites") or {}
    names = sorted({*sites, *reported, *tally.rejected} - {"None"})
    return {
        "v": RECORD_VERSION,
        "start": _iso(stats.get("start_time")),
        "end": _iso(stats.get("finish_time")),
        "spider": spider,
        "finishReason": report.get("finishReason"),
        "exitStatus": report.get("exitStatus"),
        "problems": list(report.get("problems") or []),
        "unhealthy": bool(report.get("problems")) or report.get("exitStatus") not in (0, None),
        "emitted": report.get("emitted", 0),
        "sites": {
            name: _site_record(name, reported.get(name) or {}, stats, tally) for name in names
        },
    }


def _site_record(
    site: str, reported: Mapping[str, Any], stats: Mapping[str, Any], tally: SiteTally
) -> dict[str, Any]:
    emitted = int(reported.get("emitted", 0))
    rejected = dict(sorted(tally.rejected.get(site, Counter()).items()))
    kept = int(stats.get(residue_key(site, KEPT), 0))
    footer = int(stats.get(residue_key(site, FOOTER_STRIPPED), 0))
    return {
        "emitted": emitted,
        "rejected": rejected,
        "fetchErrors": sum(n for reason, n in rejected.items() if reason in FETCH_ERROR_REASONS),
        # residue signals: a share that rises means the site's layout moved under the rules
        "footerStripped": _share(footer, kept),
        "furnitureStripped": _share(tally.furniture_stripped[site], emitted),
        "noCredit": _share(tally.no_credit[site], emitted),
    }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def _iso(moment: Any) -> str | None:
    if isinstance(moment, datetime):
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat(
            timespec="seconds"
        )
    return str(moment) if moment else None


def append_record(path: Path, record: Mapping[str, Any]) -> None:
    """Append ``record`` as one line: a single ``write`` to a file opened ``O_APPEND`` (the
    kernel places it at the end even with other runs appending), then ``fsync``. OSError is
    the caller's to report."""
    line = (
        json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str) + "\n"
    ).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        _repair_cut_end(descriptor, path)
        written = os.write(descriptor, line)
        if written != len(line):  # a full disk: the cut line is skipped by the reader
            raise OSError(f"history line cut short ({written} of {len(line)} bytes)")
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _repair_cut_end(descriptor: int, path: Path) -> None:
    """A crash mid-write leaves a last line without its newline: end it, so that the new record
    starts a line of its own (the cut line stays, skipped and counted by the reader)."""
    size = os.fstat(descriptor).st_size
    if size:
        with path.open("rb") as file:
            file.seek(size - 1)
            if file.read(1) != b"\n":
                os.write(descriptor, b"\n")


@dataclass
class History:
    """The runs read from a history file, oldest first, and how many lines could not be read."""

    runs: list[dict[str, Any]]
    broken_lines: int = 0


def read_history(path: Path, since: date | None = None) -> History:
    """The runs of ``path`` (those started on or after ``since``), oldest first. A line that is
    not a JSON object with a start time and sites (cut by a crash, edited by hand) is skipped,
    logged and counted."""
    runs: list[dict[str, Any]] = []
    broken = 0
    with path.open("rb") as file:
        for number, raw in enumerate(file, 1):
            if not raw.strip():
                continue
            record = _parse(raw)
            if record is None:
                broken += 1
                logger.warning("%s line %d: not a run record, skipped", path, number)
            elif since is None or _start_date(record) >= since:
                runs.append(record)
    runs.sort(key=lambda run: run["start"])
    return History(runs, broken)


def _parse(raw: bytes) -> dict[str, Any] | None:
    try:
        record = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        return None
    if (
        not isinstance(record, dict)
        or not isinstance(record.get("sites"), dict)
        or not isinstance(record.get("start"), str)
        or not all(isinstance(site, dict) for site in record["sites"].values())
    ):
        return None
    try:
        datetime.fromisoformat(record["start"])
    except ValueError:
        return None
    return record


def _start_date(record: Mapping[str, Any]) -> date:
    return datetime.fromisoformat(record["start"]).date()
