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
  servable request. The floor comes first, lexicographically: the answer serves as many of
  those bodies as possible, and only then maximises the score. That is what a dominating
  penalty (more than all scores together, :func:`~.model.fairness_penalty_points`) per body
  left out would do in one objective, but solved in two steps so the big coefficient never
  enters the LP: when the starting answer already serves every such body, Σ f = |floor| is
  simply imposed; otherwise a first solve maximises Σ f and the second keeps Σ f at that value.
  The model stays feasible whatever the floor; bodies left out are reported in
  ``fairness_violations`` and the reported ``objective`` subtracts the penalty for each.
* objective — maximise Σ points(r,e)·x[r,e], integer points from :func:`~.model.pair_fit`
  (skill fit per skill + urgency + preference + continuity − travel, weights ×
  :data:`~.model.SCALE`).

Start and fallback: the better (floor first, then score) of a best-first greedy and an
LP-guided rounding (:func:`~.flow.lp_guided_choice`), both improved by local search, is given
to CP-SAT as a complete hint, and returned (status ``feasible``, ``time_limited``) if the search
finds nothing before the time limit. The answer is ``optimal`` only when CP-SAT proves it (and
the floor step, if it ran, was proven too); otherwise ``gap`` is certified by the solver's bound.

Why the time limit matters: with capacity in visits and requests of 1–4 visits this is a
generalised assignment problem. On a tight month (demand above capacity) the LP bound is within
a fraction of a percent of the optimum, yet closing that last gap can take CP-SAT (or a MIP
solver) tens of seconds; the first seconds give an answer with a certified gap of a few percent
at most, and it shrinks with the time limit.
"""

from __future__ import annotations

import math
import time

from ortools.sat.python import cp_model

from .diagnose import assemble, infeasible
from .flow import lp_guided_choice
from .greedy import best_first_choice
from .model import (
    SCALE,
    Alternative,
    Assignment,
    Fit,
    Problem,
    Proposal,
    Unassigned,
    candidates,
    fairness_penalty_points,
    fixed_pairs,
    floor_orgs,
    pair_fit,
)

__all__ = ["Alternative", "Assignment", "Proposal", "Unassigned", "solve"]

_STATUS = {
    cp_model.OPTIMAL: "optimal",
    cp_model.FEASIBLE: "feasible",
    cp_model.INFEASIBLE: "infeasible",
}


def _solver(seconds: float, workers: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(seconds, 0.001)
    solver.parameters.num_workers = max(1, workers)
    return solver


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

    def hint(choice: dict[str, str]) -> None:
        model.clear_hints()  # type: ignore[no-untyped-call]
        for (rid, eid), var in x.items():
            model.add_hint(var, choice.get(rid) == eid)
        held = {(eid, reqs[rid].org) for rid, eid in choice.items()}
        for key, var in y.items():
            model.add_hint(var, key in held)
        orgs = {reqs[rid].org for rid in choice}
        for o, var in served.items():
            model.add_hint(var, o in orgs)

    deadline = t0 + max(time_limit_s, 0.001)
    start = max(
        (
            best_first_choice(problem, cands, fixed, floor),
            lp_guided_choice(problem, cands, fixed, floor),
        ),
        key=lambda c: (
            len(floor & {reqs[rid].org for rid in c}),
            sum(pairs[k].points for k in c.items()),
        ),
    )
    hint(start)

    # Fairness first, lexicographically: how many small bodies can be served at all? When the
    # hint already serves them all, that is the answer; otherwise a first solve maximises it.
    floor_ok = len(floor & {reqs[rid].org for rid in start})
    floor_proven = floor_ok == len(floor)
    floor_bound = float(floor_ok)
    time_limited = False
    if not floor_proven:
        model.maximize(sum(served.values()))
        solver = _solver(deadline - time.perf_counter(), workers)
        code = solver.solve(model)
        if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            floor_ok = round(solver.objective_value)
            start = {rid: eid for (rid, eid), v in x.items() if solver.boolean_value(v)}
            hint(start)
        floor_proven = code == cp_model.OPTIMAL
        raw = solver.best_objective_bound
        floor_bound = min(float(len(floor)), raw) if math.isfinite(raw) else float(len(floor))
        time_limited = not floor_proven
        model.clear_objective()  # type: ignore[no-untyped-call]
    if served:
        model.add(sum(served.values()) >= floor_ok)

    # then the best total score among the answers that serve that many
    model.maximize(sum(f.points * x[k] for k, f in pairs.items()))
    solver = _solver(deadline - time.perf_counter(), workers)
    code = solver.solve(model)
    status = _STATUS.get(code, "unknown")
    if status in ("optimal", "feasible"):
        chosen = {rid: eid for (rid, eid), var in x.items() if solver.boolean_value(var)}
    elif status == "unknown":
        # nothing found in time: the hint satisfies every hard rule, return it
        chosen, status = start, "feasible"
    else:
        chosen = {}
    time_limited = time_limited or code not in (cp_model.OPTIMAL, cp_model.INFEASIBLE)
    if status == "optimal" and not floor_proven:
        status = "feasible"
    bound: float | None = None
    if math.isfinite(solver.best_objective_bound) and status != "infeasible":
        # any answer serving at least floor_ok small bodies scores at most the solver's bound
        # and leaves out at least |floor| − floor_bound of them (see the module docstring)
        left_out = len(floor) - math.floor(floor_bound + 1e-9)
        bound = (solver.best_objective_bound - penalty * left_out) / SCALE
    return assemble(
        problem,
        cands,
        fixed,
        chosen,
        status=status,
        bound=bound,
        solve_s=time.perf_counter() - t0,
        time_limited=time_limited,
        penalty=penalty,
        floor=floor,
        method="cp-sat",
    )
