"""Figures that compare matching answers: quality, fairness, continuity.

They answer the complaints the pool gets: fit (the right expert), fairness (first-come favours
bodies that already have capacity — :func:`worst_org_share` looks at the worst-served body, not
the average) and continuity (the same expert on a project — :func:`continuity`).
"""

from __future__ import annotations

from .model import Assignment, Problem, admissible


def total_fit(assignment: Assignment) -> float:
    """Sum of the scores of the proposals (skill fit, urgency, preference, continuity, minus
    travel), without the fairness penalty — the quantity both the optimiser and the first-come
    baseline are comparable on."""
    return sum(p.score for p in assignment.proposals)


def org_shares(
    problem: Problem, assignment: Assignment, *, servable_only: bool = False
) -> dict[str, float]:
    """Organisation → served visits / requested visits, for every organisation with requests.
    ``servable_only`` counts only requests that some expert may serve (a request nobody in the
    pool qualifies for says nothing about the allocation)."""
    served = assignment.expert_of()
    asked: dict[str, int] = {}
    got: dict[str, int] = {}
    for r in problem.requests:
        if (
            servable_only
            and r.id not in served
            and not any(admissible(problem, r, e) for e in problem.experts)
        ):
            continue
        asked[r.org] = asked.get(r.org, 0) + r.visits
        if r.id in served:
            got[r.org] = got.get(r.org, 0) + r.visits
    return {o: got.get(o, 0) / v for o, v in asked.items() if v > 0}


def worst_org_share(
    problem: Problem, assignment: Assignment, *, servable_only: bool = False
) -> float:
    """Min over organisations of served visits / requested visits (1.0 with no requests)."""
    return min(org_shares(problem, assignment, servable_only=servable_only).values(), default=1.0)


def continuity(problem: Problem, assignment: Assignment) -> float:
    """Share of ongoing requests (with a ``current`` expert) that keep that expert
    (1.0 when there are none)."""
    served = assignment.expert_of()
    ongoing = [r for r in problem.requests if r.current is not None]
    if not ongoing:
        return 1.0
    return sum(1 for r in ongoing if served.get(r.id) == r.current) / len(ongoing)
