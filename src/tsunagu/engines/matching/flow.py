"""The core matching at stress scale (tens of thousands of requests) with min-cost flow.

Core model: admissibility (skills, conflicts of interest, mode, availability, exclusions),
expert capacity in visits, one expert per request, the same scores as :func:`~.solve.solve`.
Locks and hard continuity are placed first, exactly as in :func:`~.solve.solve`. Not modelled:
the organisation cap and the fairness floor (both couple requests in ways a network cannot
express); the answer reports fairness violations and warns when an organisation cap is in force.

Why not a plain flow, and what is guaranteed
--------------------------------------------
With capacity counted in visits and a request's visits served by one expert, the problem is a
multiple-knapsack / generalised assignment problem (NP-hard), not a flow. Its LP relaxation,
though, *is* a flow: substitute fᵣₑ = visits(r)·xᵣₑ and the constraints become Σₑ fᵣₑ ≤ visits(r),
Σᵣ fᵣₑ ≤ capacity(e), with the profit of one unit of flow = points(r,e) / visits(r). So:

1. The network — source → request (supply = visits) → expert (arc capacity = visits, unit cost
   −points·L/visits with L the lcm of the visit counts, so costs are exact integers) → sink
   (capacity = remaining capacity), plus a zero-cost "unserved" arc from every request to the
   sink — is solved to optimality by OR-Tools' min-cost flow. Its value is an upper ``bound`` on
   the best unsplit answer (it is the LP optimum of the core model).
2. The flow may split a request over several experts or serve part of it. Requests the flow
   sends whole to one expert keep it. The others are repaired: split ones first, then every
   still-unserved request, in order of their best score, each takes its best admissible expert
   that still has room for all its visits. A pass of local search (:func:`~.greedy.improve`:
   move cheaper requests off a full expert when a better one fits) follows.
3. The answer is feasible for the core model, and ``gap`` = (bound − objective) / bound is a
   *certified* optimality gap with respect to the core model with the locks and hard
   continuity pairs fixed. When the answer reaches the bound it is optimal and ``status`` is
   ``optimal`` — always the case when every request has one visit (the relaxation is then an
   integral network flow); otherwise ``feasible`` with the gap.

Pairs whose score is not positive are left out of the network: serving them never raises the
objective (the core model has no fairness floor that could require it).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import min_cost_flow

from .diagnose import TOP, Usage, explain, infeasible
from .greedy import improve, reserve_floor
from .model import (
    AREAS,
    SCALE,
    Alternative,
    Assignment,
    Candidates,
    Fixed,
    Problem,
    Proposal,
    fixed_pairs,
    floor_orgs,
    pair_fit,
    scaled,
)

IntArray = NDArray[np.int64]


def _arcs(
    problem: Problem, free_requests: Sequence[int], chunk: int
) -> tuple[IntArray, IntArray, IntArray]:
    """Every admissible pair with a positive score, as (request index, expert index, points),
    sorted by request index. Vectorised over blocks of ``chunk`` requests."""
    w = problem.weights
    experts, requests = problem.experts, problem.requests
    skill_ids = sorted(
        {s for e in experts for s in e.skills} | {s for r in requests for s in r.skills}
    )
    s_idx = {s: i for i, s in enumerate(skill_ids)}
    areas = sorted(set(AREAS) | {e.area for e in experts} | {r.area for r in requests})
    a_idx = {a: i for i, a in enumerate(areas)}
    orgs = sorted({r.org for r in requests})
    o_idx = {o: i for i, o in enumerate(orgs)}
    e_idx = {e.id: i for i, e in enumerate(experts)}
    n_e, n_s = len(experts), len(skill_ids)

    # int32 inside the blocks (points stay far below 2**31): half the memory traffic of int64
    level = np.zeros((n_e, n_s), dtype=np.int32)
    for i, e in enumerate(experts):
        for s, lvl in e.skills.items():
            level[i, s_idx[s]] = lvl
    level_f = level.astype(np.float32)
    avail = np.array([e.available for e in experts], dtype=bool)
    e_on = np.array([e.onsite for e in experts], dtype=bool)
    e_onl = np.array([e.online for e in experts], dtype=bool)
    e_area = np.array([a_idx[e.area] for e in experts], dtype=np.intp)
    conflict = np.zeros((n_e, len(orgs)), dtype=bool)
    for i, e in enumerate(experts):
        for o in e.conflicts:
            if o in o_idx:
                conflict[i, o_idx[o]] = True
    travel = np.array(
        [[scaled(w.travel_cost(a, b)) for b in areas] for a in areas], dtype=np.int32
    )  # [expert area, request area]

    serve, skill, margin = scaled(w.serve), scaled(w.skill), scaled(w.skill_margin)
    urgency, pref, cont = scaled(w.urgency), scaled(w.preference), scaled(w.continuity)
    out_r: list[IntArray] = []
    out_e: list[IntArray] = []
    out_p: list[IntArray] = []
    for start in range(0, len(free_requests), chunk):
        rows = free_requests[start : start + chunk]
        rs = [requests[i] for i in rows]
        n = len(rs)
        need = np.zeros((n, n_s), dtype=np.int32)
        for j, r in enumerate(rs):
            for s, lvl in r.skills.items():
                need[j, s_idx[s]] = lvl
        mode = np.array([("onsite", "online", "either").index(r.mode) for r in rs])
        visits = np.array([r.visits for r in rs], dtype=np.int32)
        r_area = np.array([a_idx[r.area] for r in rs], dtype=np.intp)

        mask = np.broadcast_to(avail, (n, n_e)).copy()
        if problem.on("skills"):
            for k in np.flatnonzero(need.any(axis=0)):
                rows_k = np.flatnonzero(need[:, k])  # only the requests that need skill k
                mask[rows_k] &= level[:, k][None, :] >= need[rows_k, k][:, None]
        if problem.on("conflicts"):
            mask &= ~conflict[:, [o_idx[r.org] for r in rs]].T
        onsite_req = (mode == 0)[:, None]
        online_req = (mode == 1)[:, None]
        either_req = (mode == 2)[:, None]
        if problem.on("mode"):
            mask &= (
                (onsite_req & e_on[None, :])
                | (online_req & e_onl[None, :])
                | (either_req & (e_on | e_onl)[None, :])
            )
        for j, r in enumerate(rs):
            for x in r.excluded:
                if x in e_idx:
                    mask[j, e_idx[x]] = False

        has = need > 0
        base = (
            serve
            + urgency * np.array([r.urgency for r in rs], dtype=np.int32)
            + skill * has.sum(axis=1)
            - margin * need.sum(axis=1)
        )
        # Σ over required skills of the expert's level: a float product goes through BLAS and
        # is exact for these small integers
        held = np.rint(has.astype(np.float32) @ level_f.T).astype(np.int32)
        points = (base.astype(np.int32)[:, None] + np.int32(margin) * held).astype(np.int32)
        for j, r in enumerate(rs):
            if r.preferred in e_idx:
                points[j, e_idx[r.preferred]] += pref
            if r.current in e_idx:
                points[j, e_idx[r.current]] += cont
        if problem.weights.per_visit:  # as pair_fit: the fit counts once per visit
            points *= visits[:, None]
        if problem.on("travel"):
            served_online = online_req | (either_req & e_onl[None, :])
            cost = travel.T[r_area][:, e_area] * visits[:, None]
            cost[served_online] = 0
            points -= cost
        ri, ei = np.nonzero(mask & (points > 0))
        out_r.append(np.asarray(rows, dtype=np.int64)[ri])
        out_e.append(ei.astype(np.int64))
        out_p.append(points[ri, ei].astype(np.int64))
    if not out_r:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    return np.concatenate(out_r), np.concatenate(out_e), np.concatenate(out_p)


def lp_relaxation(
    n_r: int,
    n_e: int,
    arc_r: IntArray,
    arc_e: IntArray,
    arc_p: IntArray,
    visits: IntArray,
    room: IntArray,
) -> tuple[IntArray, float]:
    """Solve the LP relaxation of the core model as a min-cost flow (see the module docstring):
    the flow on each (request, expert) arc in visits, and the optimum in points."""
    if not len(arc_r):
        return np.zeros(0, dtype=np.int64), 0.0
    lcm = math.lcm(*{int(v) for v in visits[np.unique(arc_r)]})
    costs = -(arc_p * lcm // visits[arc_r])
    # a common factor (points are often multiples of SCALE) only adds cost-scaling phases
    unit = max(1, int(np.gcd.reduce(costs)))
    sink = n_r + n_e
    mcf = min_cost_flow.SimpleMinCostFlow()
    arcs = mcf.add_arcs_with_capacity_and_unit_cost(
        arc_r, n_r + arc_e, visits[arc_r], costs // unit
    )
    supplied = np.unique(arc_r)
    mcf.add_arcs_with_capacity_and_unit_cost(
        supplied,
        np.full(len(supplied), sink, dtype=np.int64),
        visits[supplied],
        np.zeros(len(supplied), dtype=np.int64),
    )
    mcf.add_arcs_with_capacity_and_unit_cost(
        n_r + np.arange(n_e, dtype=np.int64),
        np.full(n_e, sink, dtype=np.int64),
        np.maximum(room, 0),
        np.zeros(n_e, dtype=np.int64),
    )
    mcf.set_nodes_supplies(
        np.append(supplied, sink), np.append(visits[supplied], -visits[supplied].sum())
    )
    status = mcf.solve()
    if status != mcf.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed: {status}")
    return np.asarray(mcf.flows(arcs), dtype=np.int64), -mcf.optimal_cost() * unit / lcm


def lp_guided_choice(
    problem: Problem, cands: Candidates, fixed: Fixed, floor: frozenset[str]
) -> dict[str, str]:
    """A good feasible answer for the CP-SAT hint, with every rule: the hard pairs and one
    request per small body first, then the LP relaxation (ignoring organisation caps) says
    which requests go whole to which expert; those are taken best first where the caps allow,
    the rest filled best first, and the result improved by :func:`~.greedy.improve`."""
    experts = problem.expert_map()
    chosen = dict(fixed.hard())
    usage = Usage.of(problem, chosen)
    reserve_floor(problem, cands, floor, chosen, usage)
    r_list = [r for r in problem.requests if r.id not in chosen and cands.get(r.id)]
    e_list = list(problem.experts)
    r_pos = {r.id: i for i, r in enumerate(r_list)}
    e_pos = {e.id: i for i, e in enumerate(e_list)}
    triples = [
        (r_pos[r.id], e_pos[e.id], f.points) for r in r_list for e, f in cands[r.id] if f.points > 0
    ]
    if triples:
        arc_r, arc_e, arc_p = (np.array(c, dtype=np.int64) for c in zip(*triples, strict=True))
        visits = np.array([r.visits for r in r_list], dtype=np.int64)
        cap = np.array(
            [
                e.capacity - usage.visits.get(e.id, 0)
                if problem.on("capacity")
                else int(visits.sum()) + 1
                for e in e_list
            ],
            dtype=np.int64,
        )
        flows, _ = lp_relaxation(len(r_list), len(e_list), arc_r, arc_e, arc_p, visits, cap)
        whole = np.flatnonzero(flows == visits[arc_r])
        for k in sorted(whole, key=lambda k: -arc_p[k]):
            r, e = r_list[int(arc_r[k])], e_list[int(arc_e[k])]
            if r.id not in chosen and usage.fits(problem, r, e):
                chosen[r.id] = e.id
                usage.add(r, e.id)
    for r in sorted(r_list, key=lambda r: (-cands[r.id][0][1].points, r.seq)):
        if r.id in chosen:
            continue
        for e, f in cands[r.id]:
            if f.points > 0 and usage.fits(problem, r, experts[e.id]):
                chosen[r.id] = e.id
                usage.add(r, e.id)
                break
    lookup = {rid: [(e.id, f.points) for e, f in lst] for rid, lst in cands.items()}
    return improve(
        problem,
        chosen,
        lambda rid: lookup.get(rid, []),
        protected=fixed.hard().keys(),
        floor=floor,
    )


def solve_core(
    problem: Problem,
    *,
    alternatives: int = 3,
    chunk: int = 2048,
    improve_rounds: int = 1,
    improve_top: int = 8,
) -> Assignment:
    """The core model by min-cost flow plus repair (see the module docstring). ``chunk``
    requests are scored at a time (memory: chunk × experts); ``improve_rounds`` passes of the
    local search over each request's ``improve_top`` best experts follow the repair."""
    t0 = time.perf_counter()
    fixed = fixed_pairs(problem)
    if fixed.overloads:
        return infeasible(problem, fixed, time.perf_counter() - t0, "min-cost-flow")
    experts, requests = problem.experts, problem.requests
    n_e, n_r = len(experts), len(requests)
    e_idx = {e.id: i for i, e in enumerate(experts)}
    hard = fixed.hard()
    r_pos = {r.id: i for i, r in enumerate(requests)}
    visits = np.array([r.visits for r in requests], dtype=np.int64)
    capacity = np.array([e.capacity for e in experts], dtype=np.int64)
    big = int(visits.sum()) + 1
    if not problem.on("capacity"):
        capacity = np.full(n_e, big, dtype=np.int64)

    chosen = np.full(n_r, -1, dtype=np.int64)
    hard_points = 0
    for rid, eid in hard.items():
        i = r_pos[rid]
        chosen[i] = e_idx[eid]
        hard_points += pair_fit(problem, requests[i], experts[e_idx[eid]]).points
    used = np.bincount(chosen[chosen >= 0], weights=visits[chosen >= 0], minlength=n_e).astype(
        np.int64
    )
    free_requests = [i for i in range(n_r) if chosen[i] < 0]
    arc_r, arc_e, arc_p = _arcs(problem, free_requests, chunk)

    # ---- the flow (the LP relaxation of the core model)
    flows, lp_points = lp_relaxation(n_r, n_e, arc_r, arc_e, arc_p, visits, capacity - used)

    # ---- keep whole requests, repair the rest
    whole = flows == visits[arc_r]
    chosen[arc_r[whole]] = arc_e[whole]
    used += np.bincount(arc_e[whole], weights=visits[arc_r[whole]], minlength=n_e).astype(np.int64)
    order = np.lexsort((-arc_p, arc_r))  # by request, best first
    arc_r, arc_e, arc_p, flows = arc_r[order], arc_e[order], arc_p[order], flows[order]
    starts = np.searchsorted(arc_r, np.arange(n_r + 1))
    touched = np.zeros(n_r, dtype=bool)
    touched[arc_r[flows > 0]] = True
    repaired = 0
    best = np.full(n_r, -1, dtype=np.int64)
    has_arcs = starts[1:] > starts[:-1]
    best[has_arcs] = arc_p[starts[:-1][has_arcs]]
    pending = [i for i in np.argsort(-best, kind="stable") if chosen[i] < 0 and has_arcs[i]]
    # split requests first (the flow wanted them), then everything else
    pending.sort(key=lambda i: not touched[i])
    for i in pending:
        s, t = starts[i], starts[i + 1]
        room = capacity[arc_e[s:t]] - used[arc_e[s:t]] >= visits[i]
        if room.any():
            k = s + int(np.argmax(room))
            chosen[i] = arc_e[k]
            used[arc_e[k]] += visits[i]
            repaired += int(touched[i])

    # ---- local improvement (moves that raise the total, see greedy.improve)
    def options(rid: str) -> list[tuple[str, int]]:
        i = r_pos[rid]
        a, b = starts[i], min(starts[i + 1], starts[i] + improve_top)
        return [(experts[int(e)].id, int(p)) for e, p in zip(arc_e[a:b], arc_p[a:b], strict=True)]

    if improve_rounds and problem.on("capacity"):
        current = {requests[i].id: experts[int(chosen[i])].id for i in np.flatnonzero(chosen >= 0)}
        better = improve(
            problem,
            current,
            options,
            protected=hard.keys(),
            rounds=improve_rounds,
            top=improve_top,
            org_cap=False,
        )
        chosen[:] = -1
        for rid, eid in better.items():
            chosen[r_pos[rid]] = e_idx[eid]

    # ---- the answer
    points = 0
    proposals = []
    served = [int(i) for i in np.flatnonzero(chosen >= 0)]
    for i in served:
        r, e = requests[i], experts[int(chosen[i])]
        f = pair_fit(problem, r, e)
        points += f.points
        proposals.append(
            Proposal(
                request=r.id,
                expert=e.id,
                score=f.score,
                breakdown=f.breakdown(),
                mode=f.mode,
                locked=fixed.locks.get(r.id) == e.id,
                continuing=hard.get(r.id) == e.id and r.id not in fixed.locks,
            )
        )
    bound_points = hard_points + lp_points
    optimal = points >= bound_points - 1e-9
    objective = points / SCALE
    bound = bound_points / SCALE
    usage = Usage(visits={}, orgs={})
    for i in served:
        usage.add(requests[i], experts[int(chosen[i])].id)
    alts: dict[str, tuple[Alternative, ...]] = {}
    unassigned = []
    for i, r in enumerate(requests):
        s, t = starts[i], starts[i + 1]
        others = [int(e) for e in arc_e[s : min(t, s + alternatives + 1)] if e != chosen[i]]
        others = others[:alternatives]
        if others:
            alts[r.id] = tuple(
                Alternative(
                    expert=experts[e].id,
                    score=(f := pair_fit(problem, r, experts[e])).score,
                    breakdown=f.breakdown(),
                    free_visits=usage.free(experts[e]),
                )
                for e in others
            )
        if chosen[i] < 0:
            top = zip(arc_e[s : s + 2 * TOP], arc_p[s : s + 2 * TOP], strict=True)
            scored = [(experts[int(e)], int(p)) for e, p in top] if t > s else None
            unassigned.append(explain(problem, r, usage, fixed, scored))
    floor = floor_orgs(problem, lambda r: has_arcs[r_pos[r.id]] or r.id in hard)
    served_orgs = {requests[i].org for i in served}
    warnings = list(fixed.warnings)
    if problem.on("org_cap") and any(e.max_orgs > 0 for e in experts):
        warnings.append("organisation caps are not modelled by solve_core")
    if floor:
        warnings.append("the fairness floor is not modelled by solve_core")
    if repaired:
        warnings.append(f"{repaired} request(s) split by the flow were repaired")
    return Assignment(
        status="optimal" if optimal else "feasible",
        objective=objective,
        bound=bound,
        gap=0.0 if optimal else max(0.0, bound - objective) / max(1.0, abs(bound)),
        solve_s=time.perf_counter() - t0,
        time_limited=False,
        proposals=tuple(proposals),
        alternatives=alts,
        unassigned=tuple(unassigned),
        fairness_violations=tuple(sorted(floor - served_orgs)),
        warnings=tuple(warnings),
        method="min-cost-flow",
    )
