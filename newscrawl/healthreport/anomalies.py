"""Per-site time series of the run history, and the runs where a site's output broke with its
recent past: no articles, everything rejected, a collapse against the recent median, a reject
reason or a residue signal that jumps. Pure: history records in, findings out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from statistics import median
from typing import Any

# Compared with the median of the site's previous runs, at most this many.
BASELINE_RUNS = 5
# Collapse and jumps need a baseline of at least this many runs (one run is not a habit).
MIN_BASELINE_RUNS = 2
# Emitted below this share of the recent median is a collapse, when the median is at least
# COLLAPSE_MIN_MEDIAN (a site that gives 2 articles a run dips to 0 without news).
COLLAPSE_SHARE = 0.25
COLLAPSE_MIN_MEDIAN = 4
# No article at all is an anomaly when the site's recent median is at least this.
NO_ARTICLES_MIN_MEDIAN = 2
# A reject reason jumps when its count is at least this many times its recent median (1 when
# the median is 0) and at least JUMP_MIN_COUNT.
JUMP_FACTOR = 3.0
JUMP_MIN_COUNT = 5
# A residue share jumps when it rises this much (absolute) over its recent median.
RESIDUE_JUMP = 0.3

# The kinds of anomaly.
ALL_REJECTED = "all-rejected"
NO_ARTICLES = "no-articles"
COLLAPSE = "collapse"
REJECT_JUMP = "reject-jump"
RESIDUE_JUMP_KIND = "residue-jump"

RESIDUE_SIGNALS = {
    "footerStripped": "articles losing footer/boilerplate lines",
    "furnitureStripped": "articles losing site-furniture lines",
    "noCredit": "articles without a source credit",
}


@dataclass(frozen=True)
class SitePoint:
    """A site's figures in one run."""

    start: str
    unhealthy: bool
    problems: tuple[str, ...]
    emitted: int
    rejected: Mapping[str, int]
    fetch_errors: int
    residue: Mapping[str, float | None]

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())


@dataclass(frozen=True)
class Anomaly:
    site: str
    start: str  # the run's start time
    kind: str  # no-articles, all-rejected, collapse, reject-jump, residue-jump
    detail: str


def site_series(runs: Iterable[Mapping[str, Any]]) -> dict[str, list[SitePoint]]:
    """Each site's points, in the order of ``runs`` (oldest first); a run that did not crawl
    a site adds no point to it."""
    series: dict[str, list[SitePoint]] = {}
    for run in runs:
        for site, figures in run["sites"].items():
            series.setdefault(str(site), []).append(_point(run, figures))
    return series


def _point(run: Mapping[str, Any], figures: Mapping[str, Any]) -> SitePoint:
    rejected = figures.get("rejected") or {}
    return SitePoint(
        start=str(run["start"]),
        unhealthy=bool(run.get("unhealthy")),
        problems=tuple(str(p) for p in run.get("problems") or ()),
        emitted=_count(figures.get("emitted")),
        rejected={str(reason): _count(n) for reason, n in rejected.items()}
        if isinstance(rejected, Mapping)
        else {},
        fetch_errors=_count(figures.get("fetchErrors")),
        residue={name: _fraction(figures.get(name)) for name in RESIDUE_SIGNALS},
    )


def _count(value: Any) -> int:
    """A count from a hand-editable file: anything but a non-negative number counts as 0."""
    return int(value) if isinstance(value, int | float) and value >= 0 else 0


def _fraction(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and 0 <= value <= 1 else None


def find_anomalies(
    series: Mapping[str, Sequence[SitePoint]], baseline_runs: int = BASELINE_RUNS
) -> list[Anomaly]:
    """Every point that breaks with the median of the site's previous ``baseline_runs`` points,
    newest first."""
    found = [
        anomaly
        for site, points in series.items()
        for index, point in enumerate(points)
        for anomaly in point_anomalies(site, point, points[max(0, index - baseline_runs) : index])
    ]
    return sorted(found, key=lambda a: (a.start, a.site), reverse=True)


def point_anomalies(site: str, point: SitePoint, baseline: Sequence[SitePoint]) -> list[Anomaly]:
    """What is wrong with ``point`` against the site's recent ``baseline`` (oldest first)."""
    found = [_output_anomaly(point, baseline)]
    if len(baseline) >= MIN_BASELINE_RUNS:
        found += [_reject_jump(point, baseline, reason) for reason in sorted(point.rejected)]
        found += [_residue_jump(point, baseline, name) for name in RESIDUE_SIGNALS]
    return [
        Anomaly(site, point.start, kind, detail)
        for kind, detail in (f for f in found if f is not None)
    ]


def _output_anomaly(point: SitePoint, baseline: Sequence[SitePoint]) -> tuple[str, str] | None:
    recent = median(p.emitted for p in baseline) if baseline else None
    versus = f", recent median {recent:g}" if recent is not None else ""
    if point.emitted == 0 and point.rejected_total:
        return ALL_REJECTED, (
            f"0 articles emitted, all {point.rejected_total} page(s) "
            f"rejected ({_top_reasons(point.rejected)}){versus}"
        )
    if point.emitted == 0 and recent is not None and recent >= NO_ARTICLES_MIN_MEDIAN:
        return NO_ARTICLES, f"0 articles emitted{versus}"
    if (
        len(baseline) >= MIN_BASELINE_RUNS
        and recent is not None
        and recent >= COLLAPSE_MIN_MEDIAN
        and point.emitted < COLLAPSE_SHARE * recent
    ):
        return COLLAPSE, f"{point.emitted} article(s) emitted{versus}"
    return None


def _reject_jump(
    point: SitePoint, baseline: Sequence[SitePoint], reason: str
) -> tuple[str, str] | None:
    count = point.rejected[reason]
    recent = median(p.rejected.get(reason, 0) for p in baseline)
    if count >= JUMP_MIN_COUNT and count >= JUMP_FACTOR * max(recent, 1):
        return REJECT_JUMP, f"{count} rejected as {reason}, recent median {recent:g}"
    return None


def _residue_jump(
    point: SitePoint, baseline: Sequence[SitePoint], name: str
) -> tuple[str, str] | None:
    share = point.residue.get(name)
    earlier = [s for p in baseline if (s := p.residue.get(name)) is not None]
    if share is None or len(earlier) < MIN_BASELINE_RUNS:
        return None
    recent = median(earlier)
    if share - recent >= RESIDUE_JUMP:
        return RESIDUE_JUMP_KIND, (
            f"{RESIDUE_SIGNALS[name]}: {share:.0%}, recent median {recent:.0%}"
        )
    return None


def _top_reasons(rejected: Mapping[str, int], shown: int = 3) -> str:
    ranked = sorted(rejected.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{reason} {count}" for reason, count in ranked[:shown]) + (
        ", ..." if len(ranked) > shown else ""
    )


def latest_anomalies(
    series: Mapping[str, Sequence[SitePoint]], anomalies: Iterable[Anomaly]
) -> list[Anomaly]:
    """The anomalies of each site's latest run: what needs looking at now."""
    latest = {site: points[-1].start for site, points in series.items() if points}
    return [a for a in anomalies if latest.get(a.site) == a.start]


def sites_by_trouble(
    series: Mapping[str, Sequence[SitePoint]], anomalies: Iterable[Anomaly]
) -> list[str]:
    """Sites with an anomaly in their latest run first, then those with an earlier one, then
    the others; by name within each group."""
    anomalies = list(anomalies)
    now = {a.site for a in latest_anomalies(series, anomalies)}
    ever = {a.site for a in anomalies}
    return sorted(series, key=lambda site: (site not in now, site not in ever, site))
