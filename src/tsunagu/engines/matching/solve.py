"""The monthly matching with every rule, as a CP-SAT model.

Variables and constraints (each rule can be switched off through ``Problem.disabled``):

* ``x[r,e]`` — boolean, created only for admissible pairs (:func:`~.model.admissible`: skills at
  the minimum levels, no conflict of interest, compatible mode, expert available, not excluded)
  and for the coordinator's locked pairs. At most one expert per request: a request is never
  split, and may stay unserved (the model is always feasible once the locks are).
* capacity — Σ visits(r)·x[r,e] ≤ capacity(e) per expert (visits, not requests).
* organisation cap — ``y[e,o]`` ≥ x[r,e] for every request r of o, Σₒ y[e,o] ≤ max_orgs(e); only
  for experts whose candidate organisations exceed the cap.
* locks — x[r,lock] = 1 (see :func:`~.model.fixed_pairs` for when a lock is ignored; locks that
  alone overflow an expert make the month ``infeasible`` before any search).
* continuity — x[r,current] = 1 when the pair is admissible and the expert can hold all his
  continuing requests (and locks) within capacity and organisation cap; otherwise those requests
  fall back to the continuity bonus in the score, so the solver keeps as many as pay off.
* fairness floor — ``f[o]`` ≤ Σ x[r,·] over the requests of each small body with at least one
  servable request; the objective pays a dominating penalty for every f[o] = 0 (more than all
  scores together), so the floor comes first whenever it can be met and the model never becomes
  infeasible because of it; bodies left out are reported in ``fairness_violations``.
* objective — maximise Σ points(r,e)·x[r,e] − penalty·(bodies left out), with integer points
  from :func:`~.model.pair_fit` (skill fit per skill + urgency + preference + continuity −
  travel, weights × :data:`~.model.SCALE`).

The first-come answer with the hard pairs reserved (:func:`~.greedy.greedy_choice`) is given as
a complete hint, and returned as the answer (status ``feasible``, ``time_limited``) if the search
finds nothing better before the time limit.
"""

from __future__ import annotations

import math
import time

from ortools.sat.python import cp_model

from .diagnose import assemble, infeasible
from .greedy import greedy_choice
from .model import (
    SCALE,
    Assignment,
    Fit,
    Problem,
    candidates,
    fairness_penalty_points,
    fixed_pairs,
    floor_orgs,
    pair_fit,
)

_STATUS = {
    cp_model.OPTIMAL: "optimal",
    cp_model.FEASIBLE: "feasible",
    cp_model.INFEASIBLE: "infeasible",
}


def _patterns(sizes: dict[int, int], capacity: int, limit: int) -> list[dict[int, int]] | None:
    """Maximal count vectors (visits → number of requests) that fit ``capacity``, at most
    ``sizes[v]`` of each; ``None`` when there are more than ``limit``."""
    classes = sorted(sizes, reverse=True)
    out: list[dict[int, int]] = []

    def walk(i: int, room: int, acc: dict[int, int]) -> bool:
        if i == len(classes):
            # maximal: no class can take one more
            if all(acc[v] >= sizes[v] or v > room for v in classes):
                out.append(dict(acc))
            return len(out) <= limit
        v = classes[i]
        for n in range(min(sizes[v], room // v), -1, -1):
            acc[v] = n
            if not walk(i + 1, room - n * v, acc):
                return False
        return True

    return out if walk(0, capacity, {}) else None


def _add_patterns(
    model: cp_model.CpModel,
    x: dict[tuple[str, str], cp_model.IntVar],
    keys: list[tuple[str, str]],
    visits: dict[tuple[str, str], int],
    capacity: int,
    limit: int = 64,
) -> None:
    """Tighten one expert's capacity (a knapsack) with its pattern formulation: choose one
    maximal mix of request sizes; the requests of each size are at most that mix's count. The
    LP relaxation of this is the convex hull of the knapsack aggregated by size, which the plain
    Σ visits·x ≤ capacity is far from (many 2- and 3-visit requests into 5 visits)."""
    sizes: dict[int, int] = {}
    for k in keys:
        sizes[visits[k]] = sizes.get(visits[k], 0) + 1
    patterns = _patterns(sizes, capacity, limit)
    if not patterns or len(patterns) < 2:
        return
    z = [model.new_bool_var("") for _ in patterns]
    model.add_exactly_one(z)
    for v in sizes:
        model.add(
            sum(x[k] for k in keys if visits[k] == v)
            <= sum(p[v] * zi for p, zi in zip(patterns, z, strict=True))
        )


def solve(problem: Problem, *, time_limit_s: float = 10.0, workers: int = 8) -> Assignment:
    """Match the month's requests to experts (see the module docstring for the model)."""
    t0 = time.perf_counter()
    cands = candidates(problem)
    fixed = fixed_pairs(problem)
    if fixed.overloads:
        return infeasible(problem, fixed, time.perf_counter() - t0, "cp-sat")
    experts = problem.expert_map()
    reqs = problem.request_map()
    hard = fixed.hard()

    # the pairs the model may choose; a request with a hard pair has only that one
    pairs: dict[tuple[str, str], Fit] = {}
    for r in problem.requests:
        if r.id in hard:
            eid = hard[r.id]
            pairs[(r.id, eid)] = pair_fit(problem, r, experts[eid])
        else:
            for e, f in cands[r.id]:
                pairs[(r.id, e.id)] = f

    floor = floor_orgs(problem, lambda r: bool(cands[r.id]) or r.id in fixed.locks)
    penalty = fairness_penalty_points(problem, cands, fixed) if floor else 0

    model = cp_model.CpModel()
    x = {key: model.new_bool_var(f"x[{key[0]},{key[1]}]") for key in pairs}
    by_request: dict[str, list[tuple[str, str]]] = {}
    by_expert: dict[str, list[tuple[str, str]]] = {}
    for key in pairs:
        by_request.setdefault(key[0], []).append(key)
        by_expert.setdefault(key[1], []).append(key)
    for keys in by_request.values():
        if len(keys) > 1:
            model.add_at_most_one(x[k] for k in keys)
    for rid, eid in hard.items():
        model.add(x[(rid, eid)] == 1)

    if problem.on("capacity"):
        for eid, keys in by_expert.items():
            demand = sum(reqs[rid].visits for rid, _ in keys)
            if demand > experts[eid].capacity:
                model.add(
                    sum(reqs[rid].visits * x[(rid, e)] for rid, e in keys) <= experts[eid].capacity
                )
                _add_patterns(
                    model, x, keys, {k: reqs[k[0]].visits for k in keys}, experts[eid].capacity
                )

    y: dict[tuple[str, str], cp_model.IntVar] = {}
    if problem.on("org_cap"):
        for eid, keys in by_expert.items():
            cap = experts[eid].max_orgs
            orgs = sorted({reqs[rid].org for rid, _ in keys})
            if cap <= 0 or len(orgs) <= cap:
                continue
            for o in orgs:
                y[(eid, o)] = model.new_bool_var(f"y[{eid},{o}]")
            for key in keys:
                model.add_implication(x[key], y[(eid, reqs[key[0]].org)])
            model.add(sum(y[(eid, o)] for o in orgs) <= cap)

    served: dict[str, cp_model.IntVar] = {}
    by_org: dict[str, list[tuple[str, str]]] = {}
    for key in pairs:
        by_org.setdefault(reqs[key[0]].org, []).append(key)
    for o in sorted(floor):
        served[o] = model.new_bool_var(f"f[{o}]")
        model.add(sum(x[k] for k in by_org.get(o, [])) >= served[o])

    model.maximize(
        sum(f.points * x[k] for k, f in pairs.items()) + sum(penalty * v for v in served.values())
    )

    hint = greedy_choice(problem, cands, fixed, reserve_hard=True)
    for (rid, eid), var in x.items():
        model.add_hint(var, hint.get(rid) == eid)
    hinted_pairs = {(eid, reqs[rid].org) for rid, eid in hint.items()}
    for key, var in y.items():
        model.add_hint(var, key in hinted_pairs)
    hinted_orgs = {reqs[rid].org for rid in hint}
    for o, var in served.items():
        model.add_hint(var, o in hinted_orgs)

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(time_limit_s, 0.001)
    solver.parameters.num_workers = max(1, workers)
    code = solver.solve(model)
    status = _STATUS.get(code, "unknown")
    raw_bound = solver.best_objective_bound
    offset = penalty * len(floor)
    bound = (raw_bound - offset) / SCALE if math.isfinite(raw_bound) else None
    if status in ("optimal", "feasible"):
        chosen = {rid: eid for (rid, eid), var in x.items() if solver.boolean_value(var)}
    elif status == "unknown":
        # nothing found in time: the hint satisfies every hard rule, return it
        chosen, status = hint, "feasible"
    else:
        chosen = {}
    return assemble(
        problem,
        cands,
        fixed,
        chosen,
        status=status,
        bound=bound if status != "infeasible" else None,
        solve_s=time.perf_counter() - t0,
        time_limited=code not in (cp_model.OPTIMAL, cp_model.INFEASIBLE),
        penalty=penalty,
        floor=floor,
        method="cp-sat",
    )
