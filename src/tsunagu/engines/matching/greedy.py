"""First-come allocation: the baseline the optimiser is measured against.

This is how pools are run by hand today: requests are taken in arrival order (``seq``) and each
gets the best-scoring admissible expert who still has the visits and room under his
organisation cap. Coordinator locks are placed first (any process honours them). Continuity is
*not* reserved — an ongoing project keeps its expert only if nobody who arrived earlier took his
capacity — which is exactly the complaint ("no continuity", "first-come favours the bodies that
already have capacity") the optimiser answers.

``reserve_hard=True`` also places the hard continuing pairs before the queue (the result then
satisfies every hard rule of :func:`~.solve.solve`).

The module also holds the heuristics the optimiser starts from: :func:`best_first_choice`
(floor first, then the best pairs) and :func:`improve`, a local search that moves cheap requests
out of a full expert to make room for a better one.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Collection, Mapping, Sequence

from .diagnose import Usage, assemble, infeasible
from .model import (
    Assignment,
    Candidates,
    Fixed,
    Problem,
    candidates,
    fairness_penalty_points,
    fixed_pairs,
    floor_orgs,
    pair_fit,
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


def reserve_floor(
    problem: Problem,
    cands: Candidates,
    floor: frozenset[str],
    chosen: dict[str, str],
    usage: Usage,
) -> None:
    """Serve one request of every small body under the floor not yet served: its best-scoring
    pair that still fits (in place)."""
    experts = problem.expert_map()
    reqs = problem.request_map()
    served = {reqs[rid].org for rid in chosen}
    for org in sorted(floor - served):
        options = [
            (f.points, r.seq, r.id, e.id)
            for r in problem.requests
            if r.org == org and r.id not in chosen
            for e, f in cands.get(r.id, [])
        ]
        for _, _, rid, eid in sorted(options, key=lambda o: (-o[0], o[1], o[2], o[3])):
            if usage.fits(problem, reqs[rid], experts[eid]):
                chosen[rid] = eid
                usage.add(reqs[rid], eid)
                break


def best_first_choice(
    problem: Problem, cands: Candidates, fixed: Fixed, floor: frozenset[str]
) -> dict[str, str]:
    """A good feasible answer quickly, for the optimiser's hint: the hard pairs, then one
    request of every small body under the floor (its best-scoring one that fits), then all
    remaining pairs best first — by score and by score per visit, whichever totals more."""
    experts = problem.expert_map()
    reqs = problem.request_map()
    best_total, best_choice = -1, dict(fixed.hard())
    for key in ("score", "density"):
        usage = Usage(visits={}, orgs={})
        chosen: dict[str, str] = {}
        for rid, eid in fixed.hard().items():
            chosen[rid] = eid
            usage.add(reqs[rid], eid)
        reserve_floor(problem, cands, floor, chosen, usage)
        pairs = [
            (f.points / (reqs[rid].visits if key == "density" else 1), f.points, rid, e.id)
            for rid, lst in cands.items()
            if rid not in chosen
            for e, f in lst
            if f.points > 0
        ]
        pairs.sort(key=lambda p: (-p[0], -p[1], reqs[p[2]].seq, p[3]))
        for _, _, rid, eid in pairs:
            if rid not in chosen and usage.fits(problem, reqs[rid], experts[eid]):
                chosen[rid] = eid
                usage.add(reqs[rid], eid)
        total = sum(f.points for rid, eid in chosen.items() for e, f in cands[rid] if e.id == eid)
        n_floor = len(floor & {reqs[rid].org for rid in chosen})
        if (n_floor, total) > (len(floor & {reqs[r].org for r in best_choice}), best_total):
            best_total, best_choice = total, chosen
    lookup = {rid: [(e.id, f.points) for e, f in lst] for rid, lst in cands.items()}
    return improve(
        problem,
        best_choice,
        lambda rid: lookup.get(rid, []),
        protected=fixed.hard().keys(),
        floor=floor,
    )


Options = Callable[[str], Sequence[tuple[str, int]]]
"""Request id → admissible (expert id, points), best first."""


def improve(
    problem: Problem,
    chosen: Mapping[str, str],
    options: Options,
    *,
    protected: Collection[str],
    floor: frozenset[str] = frozenset(),
    rounds: int = 3,
    top: int = 10,
    org_cap: bool = True,
) -> dict[str, str]:
    """Local search on a feasible answer: each unserved request (best first) tries its ``top``
    experts; where one is full, the cheapest requests on him (least score per visit) are moved
    out until it fits, if they are worth less than it, and re-placed elsewhere where they still
    fit. Every move raises the total score; moves never touch ``protected`` requests (locks,
    hard continuity) nor the only served request of a small body under the floor — so
    feasibility and the floor are kept."""
    experts = problem.expert_map()
    reqs = problem.request_map()
    if not org_cap:
        problem = dataclasses.replace(problem, disabled=problem.disabled | {"org_cap"})
    out = dict(chosen)
    usage = Usage.of(problem, out)
    on_expert: dict[str, list[str]] = {}
    for rid, eid in out.items():
        on_expert.setdefault(eid, []).append(rid)
    cache: dict[str, Sequence[tuple[str, int]]] = {}

    def opts(rid: str) -> Sequence[tuple[str, int]]:
        if rid not in cache:
            cache[rid] = options(rid)[:top]
        return cache[rid]

    points = {rid: pair_fit(problem, reqs[rid], experts[eid]).points for rid, eid in out.items()}
    served: dict[str, int] = {}
    for rid in out:
        served[reqs[rid].org] = served.get(reqs[rid].org, 0) + 1

    def place(rid: str, eid: str, pts: int) -> None:
        out[rid] = eid
        usage.add(reqs[rid], eid)
        on_expert.setdefault(eid, []).append(rid)
        points[rid] = pts
        served[reqs[rid].org] = served.get(reqs[rid].org, 0) + 1

    def unplace(rid: str) -> None:
        eid = out.pop(rid)
        usage.remove(reqs[rid], eid)
        on_expert[eid].remove(rid)
        served[reqs[rid].org] -= 1

    def movable(rid: str, taken: dict[str, int]) -> bool:
        org = reqs[rid].org
        left = served.get(org, 0) - taken.get(org, 0)
        return rid not in protected and not (org in floor and left <= 1)

    for _ in range(rounds):
        improved = False
        pending = [r for r in problem.requests if r.id not in out and opts(r.id)]
        pending.sort(key=lambda r: (-opts(r.id)[0][1], r.seq))
        for r in pending:
            for eid, pts in opts(r.id):
                e = experts[eid]
                if usage.fits(problem, r, e):
                    place(r.id, eid, pts)
                    improved = True
                    break
                if not problem.on("capacity") or not usage.org_room(problem, e, r.org):
                    continue
                need = r.visits - usage.free(e)
                victims: list[str] = []
                taken: dict[str, int] = {}
                freed = 0
                for v in sorted(
                    on_expert.get(eid, []), key=lambda v: (points[v] / reqs[v].visits, v)
                ):
                    if freed >= need:
                        break
                    if not movable(v, taken):
                        continue
                    victims.append(v)
                    taken[reqs[v].org] = taken.get(reqs[v].org, 0) + 1
                    freed += reqs[v].visits
                loss = sum(points[v] for v in victims)
                if freed < need or loss >= pts:
                    continue
                # a gain already; the moved-out requests are re-placed where they still fit
                for v in victims:
                    unplace(v)
                place(r.id, eid, pts)
                for v in victims:
                    for other, p in opts(v):
                        if other != eid and usage.fits(problem, reqs[v], experts[other]):
                            place(v, other, p)
                            break
                improved = True
                break
        if not improved:
            break
    return out


def greedy(problem: Problem, *, reserve_hard: bool = False) -> Assignment:
    """The first-come baseline, as an :class:`Assignment` (status ``feasible``, no bound)."""
    t0 = time.perf_counter()
    cands = candidates(problem)
    fixed = fixed_pairs(problem)
    if fixed.overloads:
        return infeasible(problem, fixed, time.perf_counter() - t0, "greedy")
    chosen = greedy_choice(problem, cands, fixed, reserve_hard=reserve_hard)
    floor = floor_orgs(problem, lambda r: bool(cands.get(r.id)) or r.id in fixed.locks)
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
