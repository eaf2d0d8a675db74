"""First-come allocation: the baseline the optimiser is measured against.

This is how pools are run by hand today: requests are taken in arrival order (``seq``) and each
gets the best-scoring admissible expert who still has the visits and room under his
organisation cap. Coordinator locks are placed first (any process honours them). Continuity is
*not* reserved — an ongoing project keeps its expert only if nobody who arrived earlier took his
capacity — which is exactly the complaint ("no continuity", "first-come favours the bodies that
already have capacity") the optimiser answers.

``reserve_hard=True`` also places the hard continuing pairs before the queue; the result then
satisfies every hard rule of :func:`~.solve.solve` and serves as its hint and its fallback when
the search finds nothing in time.
"""

from __future__ import annotations

import time

from .diagnose import Usage, assemble, infeasible
from .model import (
    Assignment,
    Candidates,
    Fixed,
    Problem,
    candidates,
    fixed_pairs,
    floor_orgs,
)


def greedy_choice(
    problem: Problem, cands: Candidates, fixed: Fixed, *, reserve_hard: bool
) -> dict[str, str]:
    """Request → expert, first come first served (see the module docstring)."""
    experts = problem.expert_map()
    reqs = problem.request_map()
    usage = Usage(visits={}, orgs={})
    chosen: dict[str, str] = {}
    first = dict(fixed.hard()) if reserve_hard else dict(fixed.locks)
    for rid, eid in sorted(first.items(), key=lambda p: (reqs[p[0]].seq, p[0])):
        chosen[rid] = eid
        usage.add(reqs[rid], eid)
    for r in sorted(problem.requests, key=lambda r: (r.seq, r.id)):
        if r.id in chosen:
            continue
        for e, _ in cands.get(r.id, []):
            if usage.fits(problem, r, experts[e.id]):
                chosen[r.id] = e.id
                usage.add(r, e.id)
                break
    return chosen


def greedy(problem: Problem, *, reserve_hard: bool = False) -> Assignment:
    """The first-come baseline, as an :class:`Assignment` (status ``feasible``, no bound)."""
    t0 = time.perf_counter()
    cands = candidates(problem)
    fixed = fixed_pairs(problem)
    if fixed.overloads:
        return infeasible(problem, fixed, time.perf_counter() - t0, "greedy")
    chosen = greedy_choice(problem, cands, fixed, reserve_hard=reserve_hard)
    floor = floor_orgs(problem, lambda r: bool(cands.get(r.id)) or r.id in fixed.locks)
    from .model import fairness_penalty_points

    penalty = fairness_penalty_points(problem, cands, fixed) if floor else 0
    return assemble(
        problem,
        cands,
        fixed,
        chosen,
        status="feasible",
        bound=None,
        solve_s=time.perf_counter() - t0,
        time_limited=False,
        penalty=penalty,
        floor=floor,
        method="greedy",
    )
