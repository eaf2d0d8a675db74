"""What stands between a joining member and its cut-over date, and the Gantt-style layout of
that work per working group (coordinates for a server-rendered SVG)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

# --------------------------------------------------------------------------- blockers


@dataclass(frozen=True)
class Outstanding:
    """One item the joining member still has to settle (decide or accept)."""

    id: int
    blocking: bool  # must be settled before the cut-over
    due: dt.date | None
    decided: bool = False  # the members decided; the joining member still has to accept


def blocks_cut_over(item: Outstanding, *, cut_over: dt.date, today: dt.date) -> bool:
    """An undecided blocking item blocks the date when it has no due date, is due after the
    cut-over, or is overdue. A decided one only waits for the joining member's acceptance,
    which is due by the cut-over itself: it does not block the date."""
    if not item.blocking or item.decided:
        return False
    return item.due is None or item.due > cut_over or item.due < today


def blockers(items: Sequence[Outstanding], *, cut_over: dt.date, today: dt.date) -> tuple[int, ...]:
    """Ids of the items that block the cut-over, in the given order."""
    return tuple(i.id for i in items if blocks_cut_over(i, cut_over=cut_over, today=today))


# --------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class Lane:
    """One working group's outstanding work: from its first start to its last due date."""

    key: str
    label: str
    outstanding: int
    start: dt.date | None  # when the earliest outstanding item was raised
    end: dt.date | None  # the latest due date among outstanding items (None: none dated)
    undated: int = 0  # outstanding items without a due date (the rest wait for acceptance)
    markers: tuple[dt.date, ...] = ()  # due dates of blocking items
    blocked: bool = False  # an item of this lane blocks the cut-over


@dataclass(frozen=True)
class Marker:
    x: float
    date: dt.date


@dataclass(frozen=True)
class Bar:
    key: str
    label: str
    y: float
    x: float
    width: float
    tone: str  # done / ok / late / overdue / undated / accept / blocked
    outstanding: int
    undated: int
    start: dt.date | None
    end: dt.date | None
    markers: tuple[Marker, ...]


@dataclass(frozen=True)
class Tick:
    x: float
    date: dt.date
    label: str  # "" for unlabelled ticks


@dataclass(frozen=True)
class Timeline:
    start: dt.date
    end: dt.date
    width: float
    height: float
    label_width: float
    plot_left: float
    plot_width: float
    row_height: float
    top: float  # room for the tick labels
    today_x: float
    cut_over_x: float
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]


def _month_start(d: dt.date) -> dt.date:
    return d.replace(day=1)


def _next_month(d: dt.date) -> dt.date:
    return dt.date(d.year + d.month // 12, d.month % 12 + 1, 1)


def x_of(day: dt.date, *, start: dt.date, end: dt.date, left: float, width: float) -> float:
    """The x coordinate of ``day`` on a plot from ``start`` to ``end`` (clamped to the plot)."""
    span = max(1, (end - start).days)
    offset = min(max((day - start).days, 0), span)
    return left + width * offset / span


def window(lanes: Sequence[Lane], *, today: dt.date, cut_over: dt.date) -> tuple[dt.date, dt.date]:
    """The months shown: from this month to the month after the cut-over or the last due date
    (whichever is later)."""
    last = max([cut_over, today, *(lane.end for lane in lanes if lane.end is not None)])
    return _month_start(min(today, cut_over)), _next_month(last)


def _tone(lane: Lane, *, today: dt.date, cut_over: dt.date) -> str:
    if lane.outstanding == 0:
        return "done"
    if lane.blocked:
        return "blocked"
    if lane.end is None:
        return "undated" if lane.undated else "accept"
    if lane.end > cut_over:
        return "late"
    if lane.end < today:
        return "overdue"
    return "ok"


def layout(
    lanes: Sequence[Lane],
    *,
    today: dt.date,
    cut_over: dt.date,
    label_width: float = 230,
    plot_width: float = 640,
    row_height: float = 22,
) -> Timeline:
    """Place one bar per lane on a month grid running to the cut-over date.

    A bar runs from the later of its start and the window's start to its last due date (to the
    cut-over when nothing is dated). Lanes with nothing outstanding get no bar (width 0).
    """
    start, end = window(lanes, today=today, cut_over=cut_over)
    top = 24.0
    left = label_width

    def x(day: dt.date) -> float:
        return x_of(day, start=start, end=end, left=left, width=plot_width)

    bars = []
    for i, lane in enumerate(lanes):
        tone = _tone(lane, today=today, cut_over=cut_over)
        if lane.outstanding == 0:
            x0 = x1 = x(today)
        else:
            first = max(lane.start or today, start)
            last = lane.end if lane.end is not None else cut_over
            x0, x1 = x(min(first, last)), x(max(first, last))
            x1 = max(x1, x0 + 3)  # a one-day bar is still visible
        bars.append(
            Bar(
                key=lane.key,
                label=lane.label,
                y=top + i * row_height,
                x=x0,
                width=x1 - x0 if lane.outstanding else 0.0,
                tone=tone,
                outstanding=lane.outstanding,
                undated=lane.undated,
                start=lane.start,
                end=lane.end,
                markers=tuple(Marker(x=x(d), date=d) for d in sorted(set(lane.markers))),
            )
        )
    months = []
    m = start
    while m <= end:
        months.append(m)
        m = _next_month(m)
    step = 1 if len(months) <= 14 else 3 if len(months) <= 40 else 6
    ticks = tuple(
        Tick(x=x(d), date=d, label=f"{d:%Y-%m}" if i % step == 0 else "")
        for i, d in enumerate(months)
    )
    return Timeline(
        start=start,
        end=end,
        width=label_width + plot_width + 16,
        height=top + max(1, len(lanes)) * row_height + 8,
        label_width=label_width,
        plot_left=left,
        plot_width=plot_width,
        row_height=row_height,
        top=top,
        today_x=x(today),
        cut_over_x=x(cut_over),
        bars=tuple(bars),
        ticks=ticks,
    )
