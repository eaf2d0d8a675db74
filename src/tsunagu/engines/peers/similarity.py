"""Similarity of two projects on the same topic, and the peer ranking built on it.

The score is a weighted mean of three parts, each in [0, 1], so the page can show why a peer
ranks where it does:

* **size** — the ratio of the smaller to the larger scale (staff or terminals affected):
  1 when equal, 0.5 when twice as large. Neutral (0.5) when either side did not record it.
* **timing** — how close in time the two projects are: ``0.5 ** (months apart / half-life)``
  between their reference months (the end month when known, else the start month). For a
  project being planned now, this is how recent the peer's experience is. Neutral (0.5) when
  either side has no date.
* **model** — the network model: 1 when the peer ended on the model I am moving to (or, when I
  plan no move, on my model), 0.5 when it started from the model I start from, else 0.

Ranking is a total order: higher score first, then the lower project id. It is consistent
with the score (a peer never ranks above one with a strictly higher score), and a peer
identical to me in every dimension has the highest possible score.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

STAGES = ("planned", "procuring", "building", "live")
DONE_STAGES = frozenset({"building", "live"})
"""Stages that count as "did it" (or is doing it now) for the peer list."""
UNKNOWN_MODELS = frozenset({"", "unknown"})
NEUTRAL = 0.5
"""The part's value when one side did not record the fact (neither a bonus nor a penalty)."""


@dataclass(frozen=True)
class ProjectFacts:
    """What the engine needs to know about a project (no names, no contacts)."""

    id: int
    org_id: int
    topic: str
    stage: str
    start: dt.date | None = None
    end: dt.date | None = None
    scale: int | None = None  # staff or terminals affected
    model: str = ""  # network model at the time ("" or "unknown": not recorded)
    model_after: str = ""  # the model the project moves to ("": no move)
    welcomes_contact: bool = False

    @property
    def reference(self) -> dt.date | None:
        """The month that dates the project: its end when known, else its start."""
        return self.end or self.start

    @property
    def target_model(self) -> str:
        """The model the organisation is on once the project is done."""
        return self.model_after or self.model


@dataclass(frozen=True)
class Weights:
    size: float = 0.3
    timing: float = 0.3
    model: float = 0.4
    half_life_months: float = 24.0

    def __post_init__(self) -> None:
        if min(self.size, self.timing, self.model) < 0:
            raise ValueError("weights must not be negative")
        if self.size + self.timing + self.model <= 0:
            raise ValueError("at least one weight must be positive")
        if self.half_life_months <= 0:
            raise ValueError("the half-life must be positive")


@dataclass(frozen=True)
class PeerMatch:
    """One peer project with its score and the parts the score is made of."""

    project_id: int
    org_id: int
    stage: str
    score: float  # weighted mean of the parts, 0..1
    size: float
    timing: float
    model: float
    size_ratio: float | None  # smaller / larger scale; None when unknown
    months_apart: int | None  # between the reference months; None when unknown
    model_reason: str  # "target", "same_start", "none" or "unknown"
    welcomes_contact: bool


@dataclass(frozen=True)
class PeerResult:
    done: tuple[PeerMatch, ...]  # same topic, building or live, ranked
    same_stage: tuple[PeerMatch, ...]  # same topic, at my stage now, ranked


def months_between(a: dt.date, b: dt.date) -> int:
    """Whole months from ``a`` to ``b`` (negative when ``b`` is earlier); days are ignored."""
    return (b.year - a.year) * 12 + (b.month - a.month)


def _size(me: ProjectFacts, peer: ProjectFacts) -> tuple[float, float | None]:
    if not me.scale or not peer.scale or me.scale <= 0 or peer.scale <= 0:
        return NEUTRAL, None
    ratio = min(me.scale, peer.scale) / max(me.scale, peer.scale)
    return ratio, ratio


def _timing(me: ProjectFacts, peer: ProjectFacts, half_life: float) -> tuple[float, int | None]:
    mine, theirs = me.reference, peer.reference
    if mine is None or theirs is None:
        return NEUTRAL, None
    apart = abs(months_between(mine, theirs))
    return 0.5 ** (apart / half_life), apart


def _model(me: ProjectFacts, peer: ProjectFacts) -> tuple[float, str]:
    target = me.target_model
    if target not in UNKNOWN_MODELS and peer.target_model == target:
        return 1.0, "target"
    if me.model not in UNKNOWN_MODELS and me.model == peer.model:
        return 0.5, "same_start"
    if target in UNKNOWN_MODELS or peer.target_model in UNKNOWN_MODELS:
        return 0.0, "unknown"
    return 0.0, "none"


def score(me: ProjectFacts, peer: ProjectFacts, weights: Weights | None = None) -> PeerMatch:
    """How similar ``peer`` is to ``me``, with the parts of the score (topic and stage are not
    scored: the caller chooses which projects to compare)."""
    w = weights or Weights()
    size, ratio = _size(me, peer)
    timing, apart = _timing(me, peer, w.half_life_months)
    model, reason = _model(me, peer)
    total = (w.size * size + w.timing * timing + w.model * model) / (w.size + w.timing + w.model)
    return PeerMatch(
        project_id=peer.id,
        org_id=peer.org_id,
        stage=peer.stage,
        score=total,
        size=size,
        timing=timing,
        model=model,
        size_ratio=ratio,
        months_apart=apart,
        model_reason=reason,
        welcomes_contact=peer.welcomes_contact,
    )


def _order(match: PeerMatch) -> tuple[float, int]:
    return (-match.score, match.project_id)


def rank(
    me: ProjectFacts, peers: Iterable[ProjectFacts], weights: Weights | None = None
) -> tuple[PeerMatch, ...]:
    """Score every peer and order them: higher score first, then the lower project id."""
    return tuple(sorted((score(me, p, weights) for p in peers), key=_order))


def find_peers(
    me: ProjectFacts,
    candidates: Iterable[ProjectFacts],
    weights: Weights | None = None,
    *,
    limit: int | None = None,
) -> PeerResult:
    """Peers of ``me``: other organisations' projects on the same topic that are built or
    being built (ranked by similarity), and those at the same stage as mine now."""
    others = [
        p for p in candidates if p.topic == me.topic and p.org_id != me.org_id and p.id != me.id
    ]
    done = rank(me, (p for p in others if p.stage in DONE_STAGES), weights)
    same = rank(me, (p for p in others if p.stage == me.stage), weights)
    if limit is not None:
        done, same = done[:limit], same[:limit]
    return PeerResult(done=done, same_stage=same)
