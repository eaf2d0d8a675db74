"""Why a request gets no expert, and what would change that — never an empty answer.

A request is left out for one of two kinds of cause:

* *structural* — no expert may serve it at all. The pool is filtered step by step (available →
  skills → the municipality's exclusions → conflicts of interest → mode) and every step that
  removes candidates is a reason: ``no_expert_with_skill`` {skill, level}, ``level_too_high``
  {skill, wanted, best_available}, ``skills_not_combined`` (each skill exists, never in one
  person), ``all_excluded``, ``conflict_of_interest``, ``mode_mismatch``, ``expert_unavailable``;
* *competition* — admissible experts exist but this month's answer used them:
  ``capacity_exhausted`` {experts with capacity, used, free}, ``org_cap_reached``, or
  ``score_not_positive`` (serving would cost more travel than it is worth).

Suggestions are computed, not canned: ``lower_level`` {skill, to, experts} counts the experts
the request would then have; ``switch_online`` counts those that an online request would reach;
``fewer_visits`` {to} uses the largest free capacity among admissible experts;
``wait_for_capacity`` names them (capacity is monthly); ``lift_exclusion``,
``wait_for_availability``, ``split_request``; ``recruit`` {skills} is the last resort, so the
list is never empty.

This module also assembles an :class:`~.model.Assignment` from a chosen set of pairs
(:func:`assemble`), because that is where every unserved request is explained; the three
solvers share it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .model import (
    SCALE,
    Alternative,
    Assignment,
    Candidates,
    Expert,
    Fixed,
    Problem,
    Proposal,
    Reason,
    Request,
    Suggestion,
    Unassigned,
    admissible,
    mode_compatible,
    pair_fit,
    skills_met,
)

TOP = 5
"""How many experts a reason or suggestion names at most (the best-scoring ones)."""


@dataclass
class Usage:
    """Visits and organisations (with their number of requests) each expert holds."""

    visits: dict[str, int]
    orgs: dict[str, dict[str, int]]

    @classmethod
    def of(cls, problem: Problem, chosen: Mapping[str, str]) -> Usage:
        reqs = problem.request_map()
        usage = cls(visits={}, orgs={})
        for rid, eid in chosen.items():
            usage.add(reqs[rid], eid)
        return usage

    def add(self, request: Request, expert_id: str) -> None:
        self.visits[expert_id] = self.visits.get(expert_id, 0) + request.visits
        held = self.orgs.setdefault(expert_id, {})
        held[request.org] = held.get(request.org, 0) + 1

    def remove(self, request: Request, expert_id: str) -> None:
        self.visits[expert_id] -= request.visits
        held = self.orgs[expert_id]
        held[request.org] -= 1
        if not held[request.org]:
            del held[request.org]

    def free(self, expert: Expert) -> int:
        return expert.capacity - self.visits.get(expert.id, 0)

    def org_room(self, problem: Problem, expert: Expert, org: str) -> bool:
        if not problem.on("org_cap") or expert.max_orgs <= 0:
            return True
        held = self.orgs.get(expert.id, {})
        return org in held or len(held) < expert.max_orgs

    def fits(self, problem: Problem, request: Request, expert: Expert) -> bool:
        cap_ok = not problem.on("capacity") or self.free(expert) >= request.visits
        return cap_ok and self.org_room(problem, expert, request.org)


# --------------------------------------------------------------------------- structural


def _ids(experts: Iterable[Expert]) -> list[str]:
    return sorted(e.id for e in experts)


def _passes(problem: Problem, r: Request, e: Expert, *, skip: str = "") -> bool:
    """Admissible, except for one check (``skip``) — to count what relaxing it would give."""
    if skip != "available" and not e.available:
        return False
    if skip != "excluded" and e.id in r.excluded:
        return False
    if skip != "skills" and problem.on("skills") and not skills_met(r, e):
        return False
    if skip != "conflicts" and problem.on("conflicts") and r.org in e.conflicts:
        return False
    return not (skip != "mode" and problem.on("mode") and not mode_compatible(r, e))


def _structural(problem: Problem, r: Request) -> tuple[list[Reason], list[Suggestion]]:
    reasons: list[Reason] = []
    suggestions: list[Suggestion] = []
    pool = [e for e in problem.experts if e.available]

    # skills, one by one and together
    stage = pool
    if problem.on("skills"):
        for s, lvl in sorted(r.skills.items()):
            holders = [e for e in pool if e.skills.get(s, 0) >= 1]
            if not holders:
                reasons.append(
                    Reason(
                        "no_expert_with_skill",
                        {"skill": s, "level": lvl},
                        f"no available expert has the skill {s}",
                    )
                )
                continue
            best = max(e.skills.get(s, 0) for e in holders)
            if best < lvl:
                reasons.append(
                    Reason(
                        "level_too_high",
                        {"skill": s, "wanted": lvl, "best_available": best},
                        f"{s}: level {lvl} wanted, the best available expert has {best}",
                    )
                )
        stage = [e for e in pool if skills_met(r, e)]
        if not stage and not reasons:
            reasons.append(
                Reason(
                    "skills_not_combined",
                    {"skills": dict(r.skills)},
                    "every skill exists in the pool, but no single expert has them all",
                )
            )
            if len(r.skills) > 1:
                suggestions.append(
                    Suggestion(
                        "split_request",
                        {"skills": sorted(r.skills)},
                        "file one request per skill",
                    )
                )
    steps: list[tuple[str, Any]] = [
        ("excluded", lambda e: e.id not in r.excluded),
        ("conflicts", lambda e: not problem.on("conflicts") or r.org not in e.conflicts),
        ("mode", lambda e: not problem.on("mode") or mode_compatible(r, e)),
    ]
    for name, keep in steps:
        if not stage:
            break
        kept = [e for e in stage if keep(e)]
        removed = [e for e in stage if not keep(e)]
        if removed:
            if name == "excluded":
                code = "all_excluded" if not kept else "some_excluded"
                reasons.append(
                    Reason(
                        code,
                        {"experts": _ids(removed)},
                        "the municipality excluded the experts who could serve it"
                        if not kept
                        else "the municipality excluded some of the experts who could serve it",
                    )
                )
            elif name == "conflicts":
                reasons.append(
                    Reason(
                        "conflict_of_interest",
                        {"experts": _ids(removed), "org": r.org},
                        f"{len(removed)} qualified expert(s) have vendor ties with {r.org}",
                    )
                )
            else:
                reasons.append(
                    Reason(
                        "mode_mismatch",
                        {"mode": r.mode, "experts": _ids(removed)},
                        f"{len(removed)} qualified expert(s) do not work {r.mode}",
                    )
                )
        stage = kept

    unavailable = [
        e for e in problem.experts if not e.available and _passes(problem, r, e, skip="available")
    ]
    if unavailable:
        reasons.append(
            Reason(
                "expert_unavailable",
                {"experts": _ids(unavailable)},
                "qualified experts are not available this month",
            )
        )
        suggestions.append(
            Suggestion(
                "wait_for_availability",
                {"experts": _ids(unavailable)},
                "these experts could serve it when they are available again",
            )
        )

    # what relaxing one thing would give
    if problem.on("skills"):
        for s, lvl in sorted(r.skills.items()):
            for k in range(lvl - 1, 0, -1):
                relaxed = dataclasses.replace(r, skills={**r.skills, s: k})
                n = sum(1 for e in problem.experts if _passes(problem, relaxed, e))
                if n:
                    suggestions.append(
                        Suggestion(
                            "lower_level",
                            {"skill": s, "to": k, "experts": n},
                            f"with {s} at level {k}, {n} expert(s) could serve it",
                        )
                    )
                    break
    if problem.on("mode") and r.mode != "online":
        relaxed = dataclasses.replace(r, mode="online")
        n = sum(1 for e in problem.experts if _passes(problem, relaxed, e))
        if n:
            suggestions.append(
                Suggestion(
                    "switch_online",
                    {"experts": n},
                    f"held online, {n} expert(s) could serve it",
                )
            )
    if problem.on("mode") and r.mode == "online":
        relaxed = dataclasses.replace(r, mode="either")
        n = sum(1 for e in problem.experts if _passes(problem, relaxed, e))
        if n:
            suggestions.append(
                Suggestion(
                    "allow_onsite",
                    {"experts": n},
                    f"accepting on-site visits, {n} expert(s) could serve it",
                )
            )
    lift = [
        e for e in problem.experts if e.id in r.excluded and _passes(problem, r, e, skip="excluded")
    ]
    if lift:
        suggestions.append(
            Suggestion(
                "lift_exclusion",
                {"experts": _ids(lift)},
                "these experts were excluded by the municipality but qualify",
            )
        )
    suggestions.append(
        Suggestion(
            "recruit",
            {"skills": dict(r.skills), "mode": r.mode, "area": r.area},
            "recruit an expert with these skills into the pool",
        )
    )
    if not reasons:  # e.g. skills switched off and the only candidates are excluded upstream
        reasons.append(Reason("no_admissible_expert", {}, "no expert may serve this request"))
    return reasons, suggestions


# --------------------------------------------------------------------------- competition


def _competition(
    problem: Problem,
    r: Request,
    scored: Sequence[tuple[Expert, int]],
    usage: Usage,
) -> tuple[list[Reason], list[Suggestion]]:
    """``scored``: admissible experts with their points, best first (all of them, or the best
    few when the caller has thousands)."""
    reasons: list[Reason] = []
    suggestions: list[Suggestion] = []
    full = [e for e, _ in scored if problem.on("capacity") and usage.free(e) < r.visits]
    full_ids = {e.id for e in full}
    capped = [
        e for e, _ in scored if e.id not in full_ids and not usage.org_room(problem, e, r.org)
    ]
    out_ids = full_ids | {e.id for e in capped}
    open_ = [(e, pts) for e, pts in scored if e.id not in out_ids]
    if full:
        reasons.append(
            Reason(
                "capacity_exhausted",
                {
                    "experts": [
                        {
                            "expert": e.id,
                            "capacity": e.capacity,
                            "used": usage.visits.get(e.id, 0),
                            "free": max(usage.free(e), 0),
                        }
                        for e in full[:TOP]
                    ],
                    "count": len(full),
                },
                f"{len(full)} qualified expert(s) have no room for {r.visits} visit(s) this month",
            )
        )
    if capped:
        reasons.append(
            Reason(
                "org_cap_reached",
                {
                    "experts": [
                        {
                            "expert": e.id,
                            "max_orgs": e.max_orgs,
                            "orgs": len(usage.orgs.get(e.id, ())),
                        }
                        for e in capped[:TOP]
                    ],
                    "count": len(capped),
                },
                f"{len(capped)} qualified expert(s) already serve their maximum of organisations",
            )
        )
    if open_:
        reasons.append(
            Reason(
                "score_not_positive",
                {"experts": [{"expert": e.id, "score": pts / SCALE} for e, pts in open_[:TOP]]},
                "experts with room exist, but serving would cost more (travel) than it is worth, "
                "or the search stopped before reaching it",
            )
        )
        if r.mode != "online":
            suggestions.append(
                Suggestion(
                    "switch_online",
                    {"experts": sum(1 for e, _ in open_ if e.online)},
                    "held online, no travel is counted",
                )
            )
    room = [
        (e, usage.free(e))
        for e in full
        if 0 < usage.free(e) < r.visits and usage.org_room(problem, e, r.org)
    ]
    if room:
        k = max(free for _, free in room)
        suggestions.append(
            Suggestion(
                "fewer_visits",
                {"to": k, "experts": _ids(e for e, free in room if free >= k)},
                f"with {k} visit(s) a month the request could be served now",
            )
        )
    suggestions.append(
        Suggestion(
            "wait_for_capacity",
            {"experts": [e.id for e, _ in scored[:TOP]], "when": "next_month"},
            "these experts qualify; capacity is monthly, so the request can be served next month",
        )
    )
    return reasons, suggestions


def explain(
    problem: Problem,
    request: Request,
    usage: Usage,
    fixed: Fixed | None = None,
    scored: Sequence[tuple[Expert, int]] | None = None,
) -> Unassigned:
    """The reasons and suggestions for one unserved request, given what the answer used.
    ``scored`` (admissible experts with points, best first) saves the scan of the pool."""
    reasons: list[Reason] = []
    if (
        request.locked is not None
        and problem.on("locks")
        and (fixed is None or request.id not in fixed.locks)
    ):
        reasons.append(
            Reason(
                "lock_ignored",
                {"expert": request.locked},
                "the coordinator's lock names an expert who is unknown, unavailable or conflicted",
            )
        )
    if scored is None:
        pool = [e for e in problem.experts if admissible(problem, request, e)]
        scored = sorted(
            ((e, pair_fit(problem, request, e).points) for e in pool),
            key=lambda p: (-p[1], p[0].id),
        )
    if scored:
        more_r, more_s = _competition(problem, request, scored, usage)
    else:
        more_r, more_s = _structural(problem, request)
    return Unassigned(request.id, tuple(reasons + more_r), tuple(more_s))


def explain_infeasible(problem: Problem, request: Request, fixed: Fixed) -> Unassigned:
    """Every request of a month whose locks cannot all hold: the locks are the reason."""
    detail = {"overloads": [o.to_dict() for o in fixed.overloads]}
    locked = sorted({rid for o in fixed.overloads for rid in o.requests})
    return Unassigned(
        request.id,
        (
            Reason(
                "locks_infeasible",
                detail,
                "the coordinator's locks exceed an expert's capacity or organisation cap",
            ),
        ),
        (
            Suggestion("remove_lock", {"requests": locked}, "unlock one of these requests"),
            *(
                Suggestion(
                    "raise_capacity",
                    {"expert": o.expert, "to": o.visits},
                    f"or raise {o.expert}'s capacity to {o.visits} visits",
                )
                for o in fixed.overloads
                if o.visits > o.capacity
            ),
        ),
    )


def diagnose(problem: Problem, request_id: str, assignment: Assignment | None = None) -> Unassigned:
    """Explain one request on its own. Structural reasons need no answer; for competition the
    ``assignment`` tells who used the capacity (solved here, with :func:`~.solve.solve`, when not
    given). A request that is served gets the reason ``assigned``."""
    from .solve import solve  # solve imports this module

    request = problem.request_map().get(request_id)
    if request is None:
        raise KeyError(request_id)
    if assignment is None:
        if not any(admissible(problem, request, e) for e in problem.experts):
            return explain(problem, request, Usage(visits={}, orgs={}))
        assignment = solve(problem, time_limit_s=5.0)
    for u in assignment.unassigned:
        if u.request == request_id:
            return u
    chosen = assignment.expert_of()
    if request_id in chosen:
        return Unassigned(
            request_id,
            (Reason("assigned", {"expert": chosen[request_id]}, "the request is served"),),
            (),
        )
    return explain(problem, request, Usage.of(problem, chosen))


# --------------------------------------------------------------------------- assembly


def alternatives_for(
    problem: Problem,
    cands: Candidates,
    chosen: Mapping[str, str],
    usage: Usage,
    n: int = 3,
) -> dict[str, tuple[Alternative, ...]]:
    out: dict[str, tuple[Alternative, ...]] = {}
    for rid, pairs in cands.items():
        alts = tuple(
            Alternative(
                expert=e.id,
                score=f.score,
                breakdown=f.breakdown(),
                free_visits=usage.free(e),
            )
            for e, f in pairs
            if e.id != chosen.get(rid)
        )[:n]
        if alts:
            out[rid] = alts
    return out


def assemble(
    problem: Problem,
    cands: Candidates,
    fixed: Fixed,
    chosen: Mapping[str, str],
    *,
    status: str,
    bound: float | None,
    solve_s: float,
    time_limited: bool,
    penalty: int,
    floor: frozenset[str],
    method: str,
    warnings: Iterable[str] = (),
    alternatives: int = 3,
) -> Assignment:
    """Turn chosen pairs (request → expert) into an :class:`Assignment`: proposals with their
    breakdown, alternatives, every unserved request explained, fairness violations, objective and
    gap. ``penalty`` is the fairness penalty in points, ``floor`` the organisations it covers."""
    experts = problem.expert_map()
    reqs = problem.request_map()
    usage = Usage.of(problem, chosen)
    hard = fixed.hard()
    proposals = []
    points = 0
    for r in problem.requests:
        eid = chosen.get(r.id)
        if eid is None:
            continue
        f = pair_fit(problem, r, experts[eid])
        points += f.points
        proposals.append(
            Proposal(
                request=r.id,
                expert=eid,
                score=f.score,
                breakdown=f.breakdown(),
                mode=f.mode,
                locked=fixed.locks.get(r.id) == eid,
                continuing=hard.get(r.id) == eid and r.id not in fixed.locks,
            )
        )
    served_orgs = {reqs[rid].org for rid in chosen}
    violations = tuple(sorted(floor - served_orgs))
    objective = (points - penalty * len(violations)) / SCALE
    gap: float | None = None
    if status == "optimal":
        gap = 0.0
        bound = objective if bound is None else bound
    elif bound is not None:
        gap = max(0.0, bound - objective) / max(1.0, abs(bound))
    unassigned = tuple(
        explain(problem, r, usage, fixed, [(e, f.points) for e, f in cands.get(r.id, [])])
        for r in problem.requests
        if r.id not in chosen
    )
    return Assignment(
        status=status,
        objective=objective,
        bound=bound,
        gap=gap,
        solve_s=solve_s,
        time_limited=time_limited,
        proposals=tuple(proposals),
        alternatives=alternatives_for(problem, cands, chosen, usage, alternatives),
        unassigned=unassigned,
        fairness_violations=violations,
        warnings=(*fixed.warnings, *warnings),
        method=method,
    )


def infeasible(problem: Problem, fixed: Fixed, solve_s: float, method: str) -> Assignment:
    """The answer when the locks alone cannot hold: nothing proposed, every request explained."""
    return Assignment(
        status="infeasible",
        objective=None,
        bound=None,
        gap=None,
        solve_s=solve_s,
        time_limited=False,
        proposals=(),
        alternatives={},
        unassigned=tuple(explain_infeasible(problem, r, fixed) for r in problem.requests),
        fairness_violations=(),
        warnings=fixed.warnings,
        method=method,
    )
