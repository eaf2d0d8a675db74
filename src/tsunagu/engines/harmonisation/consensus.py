"""Members' positions on one harmonisation item: quorum and agreement.

A position is one of ``adopt`` (adopt the package's standard), ``keep`` (keep local practice)
or ``customise`` (request a customisation); an empty string means "not filed yet".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

STANCES = ("adopt", "keep", "customise")


@dataclass(frozen=True)
class QuorumCheck:
    """How many of the eligible members have filed a position, against how many must."""

    eligible: int
    required: int
    filed: int
    missing: tuple[str, ...]  # eligible members without a position, in the given order

    @property
    def ok(self) -> bool:
        return self.eligible > 0 and self.filed >= self.required


def quorum_required(eligible: int, percent: int) -> int:
    """The smallest count ``k`` with ``k / eligible >= percent / 100`` (at least one).

    ``percent`` is clamped to 1..100; with no eligible member nothing can be decided (0).
    """
    if eligible <= 0:
        return 0
    pct = min(100, max(1, percent))
    return max(1, -(-pct * eligible // 100))


def quorum(eligible: Sequence[str], positions: Mapping[str, str], percent: int) -> QuorumCheck:
    """Check the quorum of positions among ``eligible`` members (positions of others ignored)."""
    filed = [m for m in eligible if positions.get(m, "") in STANCES]
    missing = tuple(m for m in eligible if positions.get(m, "") not in STANCES)
    return QuorumCheck(
        eligible=len(eligible),
        required=quorum_required(len(eligible), percent),
        filed=len(filed),
        missing=missing,
    )


def agreement(stances: Iterable[str]) -> str:
    """``"none"`` (nobody filed), ``"unanimous"`` (one position) or ``"split"``."""
    distinct = {s for s in stances if s in STANCES}
    if not distinct:
        return "none"
    return "unanimous" if len(distinct) == 1 else "split"


def disagrees(stances: Iterable[str]) -> bool:
    """Members disagree when their filed positions are not all the same."""
    return agreement(stances) == "split"
