"""The health page: one static HTML file (inline CSS and SVG, no script, nothing fetched) with
what needs attention at the top and every site's runs charted below, troubled sites first.
Every text taken from the history is escaped: site names and problems come from crawled
sources."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from html import escape
from statistics import median
from typing import Any

from newscrawl.healthreport.anomalies import (
    BASELINE_RUNS,
    RESIDUE_SIGNALS,
    Anomaly,
    SitePoint,
    find_anomalies,
    latest_anomalies,
    site_series,
    sites_by_trouble,
)
from newscrawl.healthreport.svg import Slot, bars, colours, lines, stacked_bars
from newscrawl.history import History

STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { margin-bottom: .2em; } .meta { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: .5em 0 1em; }
td, th { border-bottom: 1px solid #ddd; padding: .25em .6em; text-align: left;
         vertical-align: top; }
.flag { color: #fff; background: #c00; font-weight: bold; border-radius: 3px;
        padding: 0 .4em; white-space: nowrap; }
.ok { color: #2a7a2a; } .all-clear { color: #2a7a2a; font-weight: bold; }
section.site { border-top: 2px solid #ddd; padding-top: .4em; margin-top: 1em; }
section.site.troubled { border-top-color: #c00; }
.charts { display: flex; flex-wrap: wrap; gap: .8em; }
.problems { color: #a00; }
"""


KEY = (
    "<p>One slot per run, oldest left; hover a bar or point for its run and figures. "
    '<span style="background:#fbd5d5">Pink</span>: the run was unhealthy (exit status 3; '
    'hover for its problems). <span style="color:#c00">&#9888;</span> above a run: the '
    "site's figures broke with its recent runs (hover for what). Residue signals: the share "
    "of articles kept by cleaning that lost footer or boilerplate lines, of emitted articles "
    "that lost lines of the site's furniture, of emitted articles without a source credit: "
    "a share that rises often means the site's layout moved under the rules.</p>"
)


def render(
    history: History,
    *,
    source: str,
    generated: datetime,
    since: str | None = None,
    baseline_runs: int = BASELINE_RUNS,
) -> str:
    """The page for the runs of ``history`` (read from ``source``)."""
    series = site_series(history.runs)
    anomalies = find_anomalies(series, baseline_runs)
    now = latest_anomalies(series, anomalies)
    order = sites_by_trouble(series, anomalies)
    reasons = sorted({r for points in series.values() for p in points for r in p.rejected})
    parts = [
        _header(history, source, generated, since),
        _attention(now),
        _sites_table(order, series, now, anomalies),
        _earlier(a for a in anomalies if a not in now),
        _unhealthy_runs(history.runs),
        "<h2>Sites, run by run</h2>",
        KEY,
        *(_site_section(site, series[site], anomalies, now, reasons) for site in order),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>newscrawl health</title>"
        f"<style>{STYLE}</style></head><body>{''.join(parts)}</body></html>\n"
    )


def _header(history: History, source: str, generated: datetime, since: str | None) -> str:
    runs = history.runs
    span = (
        f"{len(runs)} run(s) from {_e(runs[0]['start'])} to {_e(runs[-1]['start'])}"
        if runs
        else "no runs"
    )
    unhealthy = sum(bool(run.get("unhealthy")) for run in runs)
    broken = (
        f'; <span class="flag">{history.broken_lines} unreadable line(s) skipped</span>'
        if history.broken_lines
        else ""
    )
    return (
        f'<h1>newscrawl health</h1><p class="meta">{span}, {unhealthy} unhealthy, '
        f"read from <code>{_e(source)}</code>{f' since {_e(since)}' if since else ''}"
        f"{broken}. Generated {_e(generated.isoformat(timespec='seconds'))}.</p>"
    )


def _attention(now: Sequence[Anomaly]) -> str:
    if not now:
        return (
            '<section id="attention"><h2>Needs attention</h2><p class="all-clear">No '
            "site's latest run breaks with its recent runs.</p></section>"
        )
    rows = "".join(
        f'<tr class="anomaly" data-site="{_e(a.site)}"><td><span class="flag">&#9888; '
        f'{_e(a.kind)}</span></td><td><a href="#{_site_id(a.site)}">{_e(a.site)}</a></td>'
        f"<td>{_e(a.start)}</td><td>{_e(a.detail)}</td></tr>"
        for a in now
    )
    return (
        f'<section id="attention"><h2>Needs attention: {len({a.site for a in now})} '
        f"site(s)</h2><p>Anomalies in each site's latest run, compared with the median of "
        f"its previous runs.</p><table>{rows}</table></section>"
    )


def _sites_table(
    order: Sequence[str],
    series: Mapping[str, Sequence[SitePoint]],
    now: Sequence[Anomaly],
    anomalies: Sequence[Anomaly],
) -> str:
    flagged = {a.site for a in now}
    earlier = {a.site for a in anomalies}
    rows = []
    for site in order:
        points = series[site]
        last = points[-1]
        state = (
            '<span class="flag">&#9888; now</span>'
            if site in flagged
            else "earlier anomalies"
            if site in earlier
            else '<span class="ok">ok</span>'
        )
        rows.append(
            f'<tr class="site-row" data-site="{_e(site)}"><td>{state}</td>'
            f'<td><a href="#{_site_id(site)}">{_e(site)}</a></td><td>{len(points)}</td>'
            f"<td>{last.emitted}</td><td>{median(p.emitted for p in points):g}</td>"
            f"<td>{last.rejected_total}</td><td>{last.fetch_errors}</td></tr>"
        )
    return (
        '<section id="sites"><h2>Sites</h2><table><tr><th></th><th>site</th><th>runs</th>'
        "<th>emitted (latest)</th><th>emitted (median)</th><th>rejected (latest)</th>"
        f"<th>fetch errors (latest)</th></tr>{''.join(rows)}</table></section>"
    )


def _earlier(anomalies: Any) -> str:
    rows = "".join(
        f'<tr class="earlier-anomaly"><td>{_e(a.start)}</td><td>{_e(a.site)}</td>'
        f"<td>{_e(a.kind)}</td><td>{_e(a.detail)}</td></tr>"
        for a in anomalies
    )
    if not rows:
        return ""
    return f"<details><summary>Earlier anomalies</summary><table>{rows}</table></details>"


def _unhealthy_runs(runs: Sequence[Mapping[str, Any]]) -> str:
    rows = "".join(
        f'<tr class="unhealthy"><td>{_e(run["start"])}</td><td>{_e(run.get("spider"))}</td>'
        f'<td>exit {_e(run.get("exitStatus"))}</td><td class="problems">'
        f"{_e('; '.join(str(p) for p in run.get('problems') or ()))}</td></tr>"
        for run in reversed(runs)
        if run.get("unhealthy")
    )
    if not rows:
        return ""
    return f"<details><summary>Unhealthy runs</summary><table>{rows}</table></details>"


def _site_section(
    site: str,
    points: Sequence[SitePoint],
    anomalies: Sequence[Anomaly],
    now: Sequence[Anomaly],
    reasons: Sequence[str],
) -> str:
    marks: dict[str, list[str]] = {}
    for a in anomalies:
        if a.site == site:
            marks.setdefault(a.start, []).append(f"{a.kind}: {a.detail}")
    slots = [
        Slot(
            p.start,
            "; ".join(p.problems) or "unhealthy" if p.unhealthy else None,
            "; ".join(marks[p.start]) if p.start in marks else None,
        )
        for p in points
    ]
    palette = colours(reasons)
    own_reasons = [r for r in reasons if any(r in p.rejected for p in points)]
    charts = [
        bars("emitted", "articles emitted", slots, [p.emitted for p in points]),
        stacked_bars(
            "rejected",
            "rejects by reason",
            slots,
            [p.rejected for p in points],
            {r: palette[r] for r in own_reasons},
        ),
        bars(
            "fetch-errors", "fetch errors", slots, [p.fetch_errors for p in points], fill="#e15759"
        ),
        lines(
            "residue",
            "residue signals (share of articles)",
            slots,
            {
                RESIDUE_LABELS[name]: [p.residue.get(name) for p in points]
                for name in RESIDUE_SIGNALS
            },
            dict(zip(RESIDUE_LABELS.values(), ("#f28e2b", "#b07aa1", "#59a14f"), strict=True)),
        ),
    ]
    troubled = any(a.site == site for a in now)
    flag = '<span class="flag">&#9888;</span> ' if troubled else ""
    return (
        f'<section class="site{" troubled" if troubled else ""}" id="{_site_id(site)}"'
        f' data-site="{_e(site)}"><h3>{flag}{_e(site)}</h3>'
        f'<div class="charts">{"".join(charts)}</div></section>'
    )


# Short names for the chart's legend; RESIDUE_SIGNALS says what each share is of.
RESIDUE_LABELS = {
    "footerStripped": "footer lines cut",
    "furnitureStripped": "furniture cut",
    "noCredit": "no credit",
}


def _site_id(site: str) -> str:
    """An id safe in HTML whatever the site's name: the name's letters and digits, and a hash
    of it, so that two names alike once cleaned stay apart."""
    cleaned = "".join(c if c.isascii() and c.isalnum() else "-" for c in site)[:40]
    return f"site-{cleaned}-{hashlib.sha1(site.encode('utf-8')).hexdigest()[:8]}"


def _e(text: Any) -> str:
    return escape(str(text), quote=True)
