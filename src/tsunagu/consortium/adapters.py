"""The bridge to the pure harmonisation engine: quorum and agreement of positions, what blocks a
cut-over, and the timeline layout. Selectors, services and charts call the engine through here."""

from __future__ import annotations

from tsunagu.engines.harmonisation.consensus import (
    STANCES,
    QuorumCheck,
    agreement,
    disagrees,
    quorum,
    quorum_required,
)
from tsunagu.engines.harmonisation.timeline import (
    Lane,
    Outstanding,
    Timeline,
    blockers,
    layout,
)

__all__ = [
    "STANCES",
    "Lane",
    "Outstanding",
    "QuorumCheck",
    "Timeline",
    "agreement",
    "blockers",
    "disagrees",
    "layout",
    "quorum",
    "quorum_required",
]
