"""Synthetic run-history records (as ``newscrawl.history.build_record`` writes them) for the
health page's tests: daily runs of steady sites, and the ways a site breaks."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

START = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)


def steady_site(rng: random.Random, emitted: int = 40) -> dict[str, Any]:
    """A site's figures on an ordinary day: some noise, a few rejects."""
    return {
        "emitted": emitted + rng.randint(-6, 6),
        "rejected": {"duplicate": rng.randint(0, 3), "too-short": rng.randint(0, 2)},
        "fetchErrors": 0,
        "footerStripped": round(rng.uniform(0.05, 0.15), 3),
        "furnitureStripped": round(rng.uniform(0.0, 0.1), 3),
        "noCredit": round(rng.uniform(0.1, 0.2), 3),
    }


def run(
    day: int, sites: dict[str, dict[str, Any]], problems: tuple[str, ...] = ()
) -> dict[str, Any]:
    start = START + timedelta(days=day)
    return {
        "v": 1,
        "start": start.isoformat(timespec="seconds"),
        "end": (start + timedelta(minutes=12)).isoformat(timespec="seconds"),
        "spider": "news",
        "finishReason": "finished",
        "exitStatus": 3 if problems else 0,
        "problems": list(problems),
        "unhealthy": bool(problems),
        "emitted": sum(s["emitted"] for s in sites.values()),
        "sites": sites,
    }


def daily_runs(
    days: int,
    names: tuple[str, ...],
    seed: int = 7,
    last: dict[str, dict[str, Any]] | None = None,
    last_problems: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """``days`` daily runs of steady ``names``; ``last`` replaces sites' figures on the last
    day (how they broke)."""
    rng = random.Random(seed)
    runs = [run(day, {name: steady_site(rng) for name in names}) for day in range(days - 1)]
    final = {name: steady_site(rng) for name in names} | (last or {})
    return [*runs, run(days - 1, final, last_problems)]


def broken(
    emitted: int = 0, rejected: dict[str, int] | None = None, **residue: float
) -> dict[str, Any]:
    """A site's figures on a bad day."""
    rejected = rejected or {}
    return {
        "emitted": emitted,
        "rejected": rejected,
        "fetchErrors": rejected.get("fetch-failed", 0),
        "footerStripped": residue.get("footerStripped", 0.1),
        "furnitureStripped": residue.get("furnitureStripped", 0.05),
        "noCredit": residue.get("noCredit", 0.15),
    }
