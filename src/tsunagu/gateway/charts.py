"""A small server-rendered line chart (weekly lead times); bars come from :mod:`core.charts`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Point:
    label: str
    value: float
    x: float
    y: float
    note: str = ""


@dataclass(frozen=True)
class Tick:
    label: str
    y: float


@dataclass(frozen=True)
class LineChart:
    title: str
    points: tuple[Point, ...]
    ticks: tuple[Tick, ...]
    polyline: str
    width: float
    height: float
    left: float
    top: float
    bottom: float
    unit: str
    value_label: str


def _nice_top(value: float) -> float:
    if value <= 0:
        return 1.0
    step = 1.0
    while step * 10 < value:
        step *= 10
    for mult in (1, 2, 2.5, 5, 10):
        if step * mult >= value:
            return step * mult
    return step * 10


def line_chart(
    title: str,
    series: list[tuple[str, float, str]],
    *,
    unit: str = "",
    value_label: str = "",
    width: float = 560,
    height: float = 220,
) -> LineChart:
    """``series`` is ``[(x label, value, note)]`` in order; values are scaled to a nice top."""
    left, top, bottom, right = 56.0, 12.0, 36.0, 16.0
    plot_w = width - left - right
    plot_h = height - top - bottom
    peak = _nice_top(max((v for _l, v, _n in series), default=0))
    n = len(series)
    points = tuple(
        Point(
            label=label,
            value=value,
            x=round(left + (plot_w * (i / (n - 1)) if n > 1 else plot_w / 2), 1),
            y=round(top + plot_h * (1 - value / peak), 1),
            note=note,
        )
        for i, (label, value, note) in enumerate(series)
    )
    ticks = tuple(
        Tick(label=f"{peak * k / 4:g}", y=round(top + plot_h * (1 - k / 4), 1)) for k in range(5)
    )
    return LineChart(
        title=title,
        points=points,
        ticks=ticks,
        polyline=" ".join(f"{p.x},{p.y}" for p in points),
        width=width,
        height=height,
        left=left,
        top=top,
        bottom=height - bottom,
        unit=unit,
        value_label=value_label,
    )
