"""Small inline SVG charts, one slot per run (oldest left): bars, stacked bars, lines. The page
must open offline, so no chart library; every text is escaped here, since site names and
reasons come from crawled sources and hand-edited files."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 300, 130
LEFT, RIGHT, TOP, BOTTOM = 34, 8, 18, 22
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

# Reject reasons get their colour by their place among the page's reasons: the same on every
# site's chart, and no two alike up to a dozen reasons.
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
    "#1f77b4",
    "#8c564b",
)


@dataclass(frozen=True)
class Slot:
    """A run on the x axis: its label (start time), whether the run was unhealthy (why), and
    whether this site's figures were anomalous in it (what)."""

    label: str
    unhealthy: str | None = None
    anomaly: str | None = None


def colours(names: Sequence[str]) -> dict[str, str]:
    return {name: PALETTE[index % len(PALETTE)] for index, name in enumerate(names)}


def bars(
    kind: str, title: str, slots: Sequence[Slot], values: Sequence[float], fill: str = "#4e79a7"
) -> str:
    """One bar a run."""
    stacks = [{title: value} for value in values]
    return stacked_bars(kind, title, slots, stacks, {title: fill})


def stacked_bars(
    kind: str,
    title: str,
    slots: Sequence[Slot],
    stacks: Sequence[Mapping[str, float]],
    colours: Mapping[str, str],
) -> str:
    """A bar a run, its parts stacked in the order of ``colours``."""
    top = _nice_max(max((sum(s.values()) for s in stacks), default=0))
    width = PLOT_W / max(len(slots), 1)
    shapes = []
    for index, (slot, stack) in enumerate(zip(slots, stacks, strict=True)):
        base = 0.0
        for name, value in ((n, stack.get(n, 0)) for n in colours):
            if value <= 0:
                continue
            y0, y1 = _y(base, top), _y(base + value, top)
            shapes.append(
                f'<rect class="bar" x="{LEFT + index * width + width * 0.15:.1f}" y="{y1:.1f}" '
                f'width="{width * 0.7:.1f}" height="{y0 - y1:.1f}" fill="{colours[name]}">'
                f"<title>{_e(slot.label)}: {_e(name)} {value:g}</title></rect>"
            )
            base += value
    return _frame(kind, title, slots, top, "".join(shapes), legend=colours)


def lines(
    kind: str,
    title: str,
    slots: Sequence[Slot],
    series: Mapping[str, Sequence[float | None]],
    colours: Mapping[str, str],
) -> str:
    """Shares from 0 to 100 %, a line a series (broken where a run has no value)."""
    width = PLOT_W / max(len(slots), 1)
    shapes = []
    for name, values in series.items():
        points = [
            (LEFT + (i + 0.5) * width, _y(v, 1.0), slots[i].label, v)
            for i, v in enumerate(values)
            if v is not None
        ]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in points)
            shapes.append(
                f'<polyline class="line" points="{path}" fill="none" '
                f'stroke="{colours[name]}" stroke-width="1.5"/>'
            )
        shapes += [
            f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="2.2" '
            f'fill="{colours[name]}"><title>{_e(label)}: {_e(name)} {v:.0%}</title>'
            f"</circle>"
            for x, y, label, v in points
        ]
    return _frame(kind, title, slots, 1.0, "".join(shapes), legend=colours, percent=True)


def _frame(
    kind: str,
    title: str,
    slots: Sequence[Slot],
    top: float,
    body: str,
    *,
    legend: Mapping[str, str],
    percent: bool = False,
) -> str:
    width = PLOT_W / max(len(slots), 1)
    marks = []
    for index, slot in enumerate(slots):
        x = LEFT + index * width
        if slot.unhealthy is not None:  # behind the data: the run as a whole went wrong
            marks.append(
                f'<rect class="unhealthy-run" x="{x:.1f}" y="{TOP}" '
                f'width="{width:.1f}" height="{PLOT_H}" fill="#fbd5d5">'
                f"<title>{_e(slot.label)}: run unhealthy: {_e(slot.unhealthy)}</title>"
                f"</rect>"
            )
        if slot.anomaly is not None:  # above the plot: this site's figures broke here
            marks.append(
                f'<text class="anomaly-mark" x="{x + width / 2:.1f}" y="{TOP - 4}" '
                f'text-anchor="middle" fill="#c00" font-size="11">&#9888;'
                f"<title>{_e(slot.label)}: {_e(slot.anomaly)}</title></text>"
            )
    axis = (
        f'<line x1="{LEFT}" y1="{TOP + PLOT_H}" x2="{LEFT + PLOT_W}" y2="{TOP + PLOT_H}" '
        f'stroke="#888"/>'
        f'<text x="{LEFT - 3}" y="{TOP + 4}" text-anchor="end" font-size="9">'
        f"{_e(f'{top:.0%}' if percent else f'{top:g}')}</text>"
        f'<text x="{LEFT - 3}" y="{TOP + PLOT_H}" text-anchor="end" font-size="9">0</text>'
    )
    ticks = _x_ticks(slots, width)
    keys = "".join(
        f'<tspan fill="{c}">&#9632;</tspan>&#160;{_e(n)}&#160;&#160;' for n, c in legend.items()
    )
    return (
        f'<svg class="chart" data-chart="{_e(kind)}" xmlns="http://www.w3.org/2000/svg" '
        f'role="img" width="{WIDTH}" height="{HEIGHT + 14}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT + 14}"><title>{_e(title)}</title>'
        f'<text x="{LEFT}" y="11" font-size="11" font-weight="bold">{_e(title)}</text>'
        f"{''.join(marks)}{axis}{body}{ticks}"
        f'<text x="{LEFT}" y="{HEIGHT + 10}" font-size="9">{keys}</text></svg>'
    )


def _x_ticks(slots: Sequence[Slot], width: float) -> str:
    """The first and last run's dates (and the middle one's, when there are many)."""
    count = len(slots)
    shown = sorted({0, count // 2, count - 1} if count > 4 else {0, count - 1}) if count else []
    return "".join(
        f'<text x="{x:.1f}" y="{TOP + PLOT_H + 12}" font-size="9" text-anchor="{anchor}">'
        f"{_e(slots[i].label[:10])}</text>"
        for i in shown
        for x, anchor in [_tick(i, count, width)]
    )


def _tick(index: int, count: int, width: float) -> tuple[float, str]:
    if index == 0:
        return LEFT, "start"
    if index == count - 1:
        return LEFT + count * width, "end"
    return LEFT + (index + 0.5) * width, "middle"


def _y(value: float, top: float) -> float:
    return TOP + PLOT_H - (value / top * PLOT_H if top else 0)


def _nice_max(value: float) -> float:
    """The axis top: 1, 2 or 5 times a power of ten, at least ``value``."""
    if value <= 0:
        return 1.0
    step = 1.0
    while step * 10 <= value:
        step *= 10
    return next(m * step for m in (1, 2, 5, 10) if m * step >= value)


def _e(text: str) -> str:
    return escape(str(text), quote=True)
