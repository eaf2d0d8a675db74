"""Server-side SVG geometry for the topic map (a tile per municipality, grouped by region,
coloured by stage) and the topic × stage chart (stacked bars). The templates only print these
numbers; colours come from classes in ``static/css/knowledge.css`` (no inline styles, CSP), and
every tile also carries the stage in words, so colour is never the only cue.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from tsunagu.core.models import Region

from .models import STAGE_ORDER, Stage, Topic
from .selectors import OrgStage

COLS = 8
TILE_W = 100
TILE_H = 56
GAP = 6
PAD = 8
HEADER_H = 30


@dataclass(frozen=True)
class Tile:
    code: str
    name: str
    stage: str  # "" when none
    stage_label: str
    x: int
    y: int
    count: int  # visible projects on the topic

    @property
    def cx(self) -> int:
        return self.x + TILE_W // 2


@dataclass(frozen=True)
class RegionBand:
    label: str
    y: int


@dataclass(frozen=True)
class TileMap:
    title: str
    width: int
    height: int
    regions: tuple[RegionBand, ...]
    tiles: tuple[Tile, ...]
    tile_w: int = TILE_W
    tile_h: int = TILE_H


REGIONS = (Region.SPECIAL_WARDS, Region.TAMA, Region.ISLANDS)


def stage_label(stage: str) -> str:
    return str(Stage(stage).label) if stage else _("No project recorded")


def tile_map(title: str, rows: Sequence[OrgStage]) -> TileMap:
    """Tiles of the 62 municipalities, 8 to a row, one band per region."""
    tiles: list[Tile] = []
    bands: list[RegionBand] = []
    y = PAD
    for region in REGIONS:
        members = [r for r in rows if r.organization.region == region]
        if not members:
            continue
        bands.append(RegionBand(str(region.label), y + 20))
        y += HEADER_H
        for i, row in enumerate(members):
            col, line = i % COLS, i // COLS
            tiles.append(
                Tile(
                    code=row.organization.code,
                    name=row.organization.name,
                    stage=row.stage,
                    stage_label=stage_label(row.stage),
                    x=PAD + col * (TILE_W + GAP),
                    y=y + line * (TILE_H + GAP),
                    count=len(row.projects),
                )
            )
        lines = (len(members) + COLS - 1) // COLS
        y += lines * (TILE_H + GAP) + GAP
    width = PAD * 2 + COLS * TILE_W + (COLS - 1) * GAP
    return TileMap(
        title=title, width=width, height=y + PAD, regions=tuple(bands), tiles=tuple(tiles)
    )


@dataclass(frozen=True)
class Segment:
    stage: str
    label: str
    count: int
    x: float
    width: float

    @property
    def text_x(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True)
class StackRow:
    topic: str
    label: str
    y: int
    total: int
    segments: tuple[Segment, ...]
    end_x: float


@dataclass(frozen=True)
class StackChart:
    title: str
    width: int
    height: int
    label_width: int
    rows: tuple[StackRow, ...]
    stages: tuple[tuple[str, str], ...]  # (key, label) for the legend and the table


def stage_chart(
    title: str, counts: Mapping[str, Mapping[str, int]], *, plot_width: int = 380
) -> StackChart:
    """One stacked bar per topic: how many municipalities are at each stage."""
    label_w, row_h = 200, 30
    top = max((sum(c.values()) for c in counts.values()), default=0) or 1
    rows = []
    for i, topic in enumerate(Topic.values):
        by_stage = counts.get(topic, {})
        x = float(label_w)
        segs = []
        for stage in STAGE_ORDER:
            n = by_stage.get(stage, 0)
            w = plot_width * n / top
            if n:
                segs.append(Segment(stage, str(Stage(stage).label), n, x, w))
            x += w
        rows.append(
            StackRow(
                topic=topic,
                label=str(Topic(topic).label),
                y=i * row_h,
                total=sum(by_stage.values()),
                segments=tuple(segs),
                end_x=x,
            )
        )
    height = len(rows) * row_h
    return StackChart(
        title=title,
        width=label_w + plot_width + 50,
        height=height + 4,
        label_width=label_w,
        rows=tuple(rows),
        stages=tuple((s, str(Stage(s).label)) for s in STAGE_ORDER),
    )
