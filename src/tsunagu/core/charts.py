"""Small server-rendered SVG charts (no JavaScript, CSP-friendly, printable).

Each chart comes with its data, so templates can offer the numbers as a table for screen
readers next to the picture.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    tone: str = "blue"
    note: str = ""


@dataclass(frozen=True)
class BarRow:
    label: str
    value: float
    y: float
    width: float
    tone: str
    note: str


@dataclass(frozen=True)
class BarChart:
    title: str
    rows: tuple[BarRow, ...]
    height: float
    label_width: float
    plot_width: float
    unit: str


def bar_chart(title: str, bars: list[Bar], *, unit: str = "", plot_width: float = 320) -> BarChart:
    """Horizontal bars scaled to the largest value."""
    top = max((b.value for b in bars), default=0) or 1
    row_h = 28
    rows = tuple(
        BarRow(
            label=b.label,
            value=b.value,
            y=i * row_h,
            width=max(2.0, plot_width * b.value / top) if b.value else 0.0,
            tone=b.tone,
            note=b.note,
        )
        for i, b in enumerate(bars)
    )
    return BarChart(
        title=title,
        rows=rows,
        height=len(bars) * row_h,
        label_width=150,
        plot_width=plot_width,
        unit=unit,
    )
