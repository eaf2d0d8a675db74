"""Expert matching against a brute-force oracle on random small months.

The oracle enumerates every assignment (each request: nobody or one of the experts) of instances
with at most 6 requests and 4 experts, keeps those that satisfy every rule — written here again,
independently of the engine — and takes the best one lexicographically: fewest small bodies left
out of the fairness floor first, then the highest total score. The CP-SAT answer must be optimal
with the same value and satisfy every rule; the min-cost-flow core must match the oracle when the
LP relaxation is integral (one visit per request) and stay between the oracle and its bound
otherwise.
"""

from __future__ import annotations

import itertools
import json

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tsunagu.engines.matching.flow import lp_guided_choice, solve_core
from tsunagu.engines.matching.greedy import best_first_choice, greedy, improve
from tsunagu.engines.matching.model import (
    AREAS,
    CONSTRAINTS,
    Expert,
    Problem,
    Request,
    Weights,
    candidates,
    fixed_pairs,
    floor_orgs,
    pair_fit,
)
from tsunagu.engines.matching.solve import solve

SKILLS = ("bpr", "security", "data")
ORGS = ("o1", "o2", "o3")
SMALL_ORGS = frozenset({"o3"})


# --------------------------------------------------------------------------- the rules, again


def fits_skills(r, e):
    return all(e.skills.get(s, 0) >= lvl for s, lvl in r.skills.items())


def fits_mode(r, e):
    return {"onsite": e.onsite, "online": e.online, "either": e.onsite or e.online}[r.mode]


def may_serve(problem, r, e):
    on = problem.on
    return (
        e.available
        and e.id not in r.excluded
        and (not on("skills") or fits_skills(r, e))
        and (not on("conflicts") or r.org not in e.conflicts)
        and (not on("mode") or fits_mode(r, e))
    )


def valid_locks(problem):
    experts = {e.id: e for e in problem.experts}
    if not problem.on("locks"):
        return {}
    out = {}
    for r in problem.requests:
        e = experts.get(r.locked) if r.locked else None
        if e and e.available and not (problem.on("conflicts") and r.org in e.conflicts):
            out[r.id] = e.id
    return out


def within_limits(problem, pairs, expert):
    """Do these (request, expert) pairs fit the expert's capacity and organisation cap?"""
    mine = [r for r, e in pairs if e == expert.id]
    if problem.on("capacity") and sum(r.visits for r in mine) > expert.capacity:
        return False
    orgs = {r.org for r in mine}
    return not (problem.on("org_cap") and expert.max_orgs and len(orgs) > expert.max_orgs)


def hard_continuity(problem, locks):
    """Ongoing requests keep their expert when he can hold all of them (with his locks)."""
    if not problem.on("continuity"):
        return {}
    experts = {e.id: e for e in problem.experts}
    reqs = {r.id: r for r in problem.requests}
    groups: dict[str, list[Request]] = {}
    for r in problem.requests:
        e = experts.get(r.current) if r.current else None
        if e and r.id not in locks and may_serve(problem, r, e):
            groups.setdefault(e.id, []).append(r)
    out = {}
    for eid, rs in groups.items():
        pairs = [(r, eid) for r in rs] + [(reqs[q], x) for q, x in locks.items() if x == eid]
        if within_limits(problem, pairs, experts[eid]):
            out.update({r.id: eid for r in rs})
    return out


def floor_of(problem, locks):
    if not (problem.weights.fairness_floor and problem.on("fairness")):
        return set()
    small = {r.org for r in problem.requests if r.small}
    return {
        r.org
        for r in problem.requests
        if r.org in small
        and (r.id in locks or any(may_serve(problem, r, e) for e in problem.experts))
    }


def oracle(problem):
    """(left out of the floor, best total points, an optimal choice) or None if infeasible."""
    experts = {e.id: e for e in problem.experts}
    locks = valid_locks(problem)
    reqs = {r.id: r for r in problem.requests}
    by_lock: dict[str, list[tuple[Request, str]]] = {}
    for q, x in locks.items():
        by_lock.setdefault(x, []).append((reqs[q], x))
    if any(not within_limits(problem, ps, experts[x]) for x, ps in by_lock.items()):
        return None
    hard = {**hard_continuity(problem, locks), **locks}
    floor = floor_of(problem, locks)
    options = []
    for r in problem.requests:
        if r.id in hard:
            options.append([hard[r.id]])
        else:
            options.append([None] + [e.id for e in problem.experts if may_serve(problem, r, e)])
    best: tuple[tuple[int, int], dict[str, str]] | None = None
    for combo in itertools.product(*options):
        pairs = [(r, e) for r, e in zip(problem.requests, combo, strict=True) if e is not None]
        if not all(within_limits(problem, pairs, e) for e in problem.experts):
            continue
        left_out = len(floor - {r.org for r, _ in pairs})
        points = sum(pair_fit(problem, r, experts[e]).points for r, e in pairs)
        key = (-left_out, points)
        if best is None or key > best[0]:
            best = (key, {r.id: e for r, e in pairs})
    assert best is not None  # "nobody" is always an option
    (neg_left, points), choice = best
    return -neg_left, points, choice


def check_assignment(problem, a, *, core=False):
    """Every rule holds in the answer (``core``: only the rules of the min-cost-flow model)."""
    experts = {e.id: e for e in problem.experts}
    reqs = {r.id: r for r in problem.requests}
    chosen = a.expert_of()
    assert len(chosen) == len(a.proposals), "a request proposed twice"
    locks = valid_locks(problem)
    for rid, eid in chosen.items():
        assert may_serve(problem, reqs[rid], experts[eid]) or locks.get(rid) == eid
    pairs = [(reqs[q], x) for q, x in chosen.items()]
    for e in problem.experts:
        if core:
            mine = [r for r, x in pairs if x == e.id]
            assert not problem.on("capacity") or sum(r.visits for r in mine) <= e.capacity
        else:
            assert within_limits(problem, pairs, e), e.id
    for rid, eid in locks.items():
        assert chosen.get(rid) == eid, "lock not honoured"
    for rid, eid in hard_continuity(problem, locks).items():
        assert chosen.get(rid) == eid, "continuity not kept"
    served = {reqs[q].org for q in chosen}
    assert set(a.fairness_violations) == floor_of(problem, locks) - served
    assert {u.request for u in a.unassigned} == set(reqs) - set(chosen)
    for u in a.unassigned:
        assert u.reasons and u.suggestions, u
    for p in a.proposals:
        f = pair_fit(problem, reqs[p.request], experts[p.expert])
        assert p.score == f.score
        assert abs(sum(p.breakdown.values()) - p.score) < 1e-9
    json.dumps(a.to_dict())


def points_of(problem, a):
    experts = {e.id: e for e in problem.experts}
    reqs = {r.id: r for r in problem.requests}
    return sum(pair_fit(problem, reqs[p.request], experts[p.expert]).points for p in a.proposals)


# --------------------------------------------------------------------------- random months


@st.composite
def experts_st(draw, n):
    out = []
    for i in range(n):
        skills = draw(
            st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 5), min_size=1, max_size=3)
        )
        onsite = draw(st.booleans())
        out.append(
            Expert(
                id=f"e{i}",
                name=f"E{i}",
                skills=skills,
                capacity=draw(st.integers(1, 5)),
                onsite=onsite,
                online=draw(st.booleans()) or not onsite,
                area=draw(st.sampled_from(AREAS)),
                max_orgs=draw(st.sampled_from((0, 0, 1, 2))),
                conflicts=frozenset(draw(st.lists(st.sampled_from(ORGS), max_size=1))),
                available=draw(st.integers(0, 9)) > 0,
            )
        )
    return out


@st.composite
def problems(draw, max_requests=6, max_experts=4, visits=(1, 3), allow_disabled=True):
    experts = draw(experts_st(draw(st.integers(1, max_experts))))
    ids = [e.id for e in experts]
    maybe = st.one_of(st.none(), st.sampled_from(ids))
    requests = []
    for i in range(draw(st.integers(1, max_requests))):
        org = draw(st.sampled_from(ORGS))
        requests.append(
            Request(
                id=f"r{i}",
                org=org,
                area=draw(st.sampled_from(AREAS)),
                small=org in SMALL_ORGS,
                skills=draw(
                    st.dictionaries(
                        st.sampled_from(SKILLS), st.integers(1, 4), min_size=1, max_size=2
                    )
                ),
                visits=draw(st.integers(*visits)),
                mode=draw(st.sampled_from(("onsite", "online", "either"))),
                urgency=draw(st.integers(1, 3)),
                seq=i,
                preferred=draw(maybe),
                current=draw(maybe),
                excluded=frozenset(draw(st.lists(st.sampled_from(ids), max_size=1))),
                locked=draw(st.one_of(st.none(), st.none(), st.none(), st.sampled_from(ids))),
            )
        )
    disabled: frozenset[str] = frozenset()
    if allow_disabled and draw(st.booleans()):
        disabled = frozenset(draw(st.lists(st.sampled_from(CONSTRAINTS), max_size=3)))
    weights = Weights(fairness_floor=draw(st.sampled_from((True, True, False))))
    return Problem(tuple(experts), tuple(requests), weights, disabled)


# --------------------------------------------------------------------------- the properties


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_cp_sat_is_optimal_against_brute_force(problem):
    expected = oracle(problem)
    a = solve(problem, time_limit_s=20, workers=2)
    if expected is None:
        assert a.status == "infeasible"
        assert not a.proposals
        assert all(u.reasons[0].code == "locks_infeasible" for u in a.unassigned)
        return
    left_out, points, _ = expected
    event(f"unassigned: {bool(a.unassigned)}, floor violated: {left_out > 0}")
    event(f"hard pairs: {any(p.locked or p.continuing for p in a.proposals)}")
    assert a.status == "optimal"
    assert a.gap == 0.0
    check_assignment(problem, a)
    assert len(a.fairness_violations) == left_out
    assert points_of(problem, a) == points


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(visits=(1, 1), allow_disabled=False))
def test_flow_is_exact_when_every_request_is_one_visit(problem):
    # the core model: no organisation cap, no floor; one visit each -> the LP is integral
    core = Problem(
        problem.experts,
        problem.requests,
        Weights(fairness_floor=False),
        frozenset({"org_cap", "fairness"}),
    )
    expected = oracle(core)
    a = solve_core(core)
    if expected is None:
        assert a.status == "infeasible"
        return
    _, points, _ = expected
    check_assignment(core, a, core=True)
    # pairs with a score <= 0 are left out of the network; the oracle may take them at no gain
    assert points_of(core, a) >= points
    assert a.status == "optimal"
    assert a.bound is not None and abs(a.bound * 100 - points) < 1e-6


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(visits=(1, 4), allow_disabled=False))
def test_flow_is_feasible_and_bounded_with_mixed_visits(problem):
    core = Problem(
        problem.experts,
        problem.requests,
        Weights(fairness_floor=False),
        frozenset({"org_cap", "fairness"}),
    )
    expected = oracle(core)
    a = solve_core(core)
    if expected is None:
        assert a.status == "infeasible"
        return
    _, points, _ = expected
    check_assignment(core, a, core=True)
    got = points_of(core, a)
    assert got <= points
    assert a.bound is not None and points <= a.bound * 100 + 1e-6  # the LP bound is valid
    assert a.gap is not None and a.gap >= 0
    if a.status == "optimal":
        assert got == points


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_greedy_is_feasible_and_never_beats_the_optimum(problem):
    # greedy honours every rule but continuity (first-come does not reserve it)
    relaxed = Problem(
        problem.experts, problem.requests, problem.weights, problem.disabled | {"continuity"}
    )
    expected = oracle(relaxed)
    g = greedy(problem)
    if expected is None:
        assert g.status == "infeasible"
        return
    left_out, points, _ = expected
    assert g.status == "feasible"
    check_assignment(relaxed, g)
    assert (-len(g.fairness_violations), points_of(problem, g)) <= (-left_out, points)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_requests=8, max_experts=4))
def test_the_starting_answers_keep_every_hard_rule(problem):
    # the CP-SAT hint and fallback: every rule holds, the floor is as good as the local
    # search can keep it, and the local search never lowers the score
    cands = candidates(problem)
    fixed = fixed_pairs(problem)
    if fixed.overloads:
        return
    floor = floor_orgs(problem, lambda r: bool(cands[r.id]) or r.id in fixed.locks)
    experts = {e.id: e for e in problem.experts}
    reqs = {r.id: r for r in problem.requests}
    locks = valid_locks(problem)
    lookup = {rid: [(e.id, f.points) for e, f in lst] for rid, lst in cands.items()}
    for choice in (
        best_first_choice(problem, cands, fixed, floor),
        lp_guided_choice(problem, cands, fixed, floor),
    ):
        for rid, eid in choice.items():
            assert may_serve(problem, reqs[rid], experts[eid]) or locks.get(rid) == eid
        pairs = [(reqs[q], x) for q, x in choice.items()]
        assert all(within_limits(problem, pairs, e) for e in problem.experts)
        for rid, eid in {**hard_continuity(problem, locks), **locks}.items():
            assert choice.get(rid) == eid
        better = improve(
            problem, choice, lambda rid: lookup[rid], protected=fixed.hard().keys(), floor=floor
        )
        total = sum(pair_fit(problem, reqs[q], experts[x]).points for q, x in choice.items())
        after = sum(pair_fit(problem, reqs[q], experts[x]).points for q, x in better.items())
        assert after >= total
        assert floor & {reqs[q].org for q in choice} <= {reqs[q].org for q in better}
        pairs = [(reqs[q], x) for q, x in better.items()]
        assert all(within_limits(problem, pairs, e) for e in problem.experts)
