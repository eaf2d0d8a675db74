"""Drawing primitives for the server-rendered SVG charts of the consortium pages.

The layout (dates to x coordinates) is computed by the pure engine
(:mod:`tsunagu.engines.harmonisation.timeline`); this module only turns it into numbers the
template prints as they are (no arithmetic in templates, no inline styles: CSP).
"""

from __future__ import annotations

from dataclasses import dataclass

from .adapters import Timeline

LABEL_CHARS = 15


def _f(value: float) -> str:
    return f"{value:.1f}"


@dataclass(frozen=True)
class GanttRow:
    key: str
    label: str
    full_label: str
    title: str
    label_x: str
    text_y: str
    band_y: str
    band_height: str
    alt: bool
    bar_x: str
    bar_y: str
    bar_width: str
    bar_height: str
    tone: str
    has_bar: bool
    count_x: str
    count: int
    markers: tuple[str, ...]  # polygon points of each blocking-item diamond


@dataclass(frozen=True)
class GanttTick:
    x: str
    label: str
    label_y: str
    y1: str
    y2: str


@dataclass(frozen=True)
class Gantt:
    width: str
    height: str
    plot_left: str
    plot_right: str
    top: str
    bottom: str
    rows: tuple[GanttRow, ...]
    ticks: tuple[GanttTick, ...]
    today_x: str
    cut_over_x: str
    cut_over_label_x: str
    today_label_x: str


def gantt(timeline: Timeline, titles: dict[str, str]) -> Gantt:
    """``titles`` maps a lane key to its tooltip text (what the bar means, in words)."""
    t = timeline
    rows = []
    bar_h = t.row_height - 8
    bottom = t.top + len(t.bars) * t.row_height
    for i, bar in enumerate(t.bars):
        label = bar.label if len(bar.label) <= LABEL_CHARS else bar.label[: LABEL_CHARS - 1] + "…"
        cy = bar.y + t.row_height / 2
        rows.append(
            GanttRow(
                key=bar.key,
                label=label,
                full_label=bar.label,
                title=titles.get(bar.key, bar.label),
                label_x=_f(t.label_width - 8),
                text_y=_f(cy + 4),
                band_y=_f(bar.y),
                band_height=_f(t.row_height),
                alt=i % 2 == 1,
                bar_x=_f(bar.x),
                bar_y=_f(bar.y + 4),
                bar_width=_f(bar.width),
                bar_height=_f(bar_h),
                tone=bar.tone,
                has_bar=bar.width > 0,
                count_x=_f(min(bar.x + bar.width + 6, t.plot_left + t.plot_width - 4)),
                count=bar.outstanding,
                markers=tuple(
                    " ".join(
                        f"{_f(x)},{_f(y)}"
                        for x, y in (
                            (m.x, cy - 6),
                            (m.x + 6, cy),
                            (m.x, cy + 6),
                            (m.x - 6, cy),
                        )
                    )
                    for m in bar.markers
                ),
            )
        )
    ticks = tuple(
        GanttTick(
            x=_f(tick.x), label=tick.label, label_y=_f(t.top - 8), y1=_f(t.top), y2=_f(bottom)
        )
        for tick in t.ticks
    )
    return Gantt(
        width=_f(t.width),
        height=_f(t.height + 22),
        plot_left=_f(t.plot_left),
        plot_right=_f(t.plot_left + t.plot_width),
        top=_f(t.top),
        bottom=_f(bottom),
        rows=tuple(rows),
        ticks=ticks,
        today_x=_f(t.today_x),
        cut_over_x=_f(t.cut_over_x),
        cut_over_label_x=_f(min(t.cut_over_x + 4, t.plot_left + t.plot_width - 60)),
        today_label_x=_f(t.today_x + 4),
    )
