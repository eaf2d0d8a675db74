"""Every rule of the matching binds: on a hand-made month the answer respects it, and with the
rule switched off (``Problem.disabled``) the answer changes and breaks it. Each test would fail
if the rule were dropped from the model."""

from __future__ import annotations

import dataclasses

import pytest

from tsunagu.engines.matching.model import CONSTRAINTS, Expert, Problem, Request, Weights
from tsunagu.engines.matching.solve import solve


def expert(eid, skills=None, **kw):
    base = {
        "name": eid.upper(),
        "skills": skills or {"bpr": 3},
        "capacity": 4,
        "onsite": True,
        "online": True,
        "area": "23ku",
        "max_orgs": 0,
        "conflicts": frozenset(),
    }
    return Expert(id=eid, **{**base, **kw})


def request(rid, org="chiyoda", seq=0, **kw):
    base = {
        "area": "23ku",
        "small": False,
        "skills": {"bpr": 2},
        "visits": 1,
        "mode": "either",
        "urgency": 1,
    }
    return Request(id=rid, org=org, seq=seq, **{**base, **kw})


def both(experts, requests, name, weights=None):
    """The answer with the rule and without it."""
    p = Problem(tuple(experts), tuple(requests), weights or Weights())
    with_rule = solve(p, time_limit_s=10, workers=2)
    without = solve(dataclasses.replace(p, disabled=frozenset({name})), time_limit_s=10, workers=2)
    assert with_rule.status == without.status == "optimal"
    return with_rule.expert_of(), without.expert_of(), with_rule, without


def test_every_constraint_name_is_known_and_checked():
    with pytest.raises(ValueError, match="unknown"):
        Problem((), (), disabled=frozenset({"budget"}))
    assert set(CONSTRAINTS) == {
        "capacity",
        "skills",
        "conflicts",
        "continuity",
        "fairness",
        "org_cap",
        "travel",
        "mode",
        "locks",
    }


def test_capacity_binds():
    experts = [expert("a", capacity=3)]
    requests = [request("r1", visits=2), request("r2", org="chuo", visits=2, seq=1)]
    on, off, a, _ = both(experts, requests, "capacity")
    assert len(on) == 1  # 2 + 2 visits do not fit 3
    assert off == {"r1": "a", "r2": "a"}  # 4 visits on a capacity of 3
    assert {u.reasons[0].code for u in a.unassigned} == {"capacity_exhausted"}


def test_skills_bind():
    experts = [expert("a", skills={"bpr": 2, "security": 1})]
    requests = [request("r1", skills={"bpr": 4})]
    on, off, a, _ = both(experts, requests, "skills")
    assert on == {}
    assert a.unassigned[0].reasons[0].code == "level_too_high"
    assert off == {"r1": "a"}


def test_conflicts_bind():
    experts = [expert("a", conflicts=frozenset({"chiyoda"}))]
    requests = [request("r1")]
    on, off, a, _ = both(experts, requests, "conflicts")
    assert on == {}
    assert [r.code for r in a.unassigned[0].reasons] == ["conflict_of_interest"]
    assert off == {"r1": "a"}


def test_continuity_binds():
    # a has one visit left; r2 (urgent, prefers a) would score more than the ongoing r1 even
    # with r1's continuity bonus, so only the hard rule keeps r1 with a
    experts = [expert("a", capacity=1)]
    requests = [
        request("r1", current="a", urgency=1),
        request("r2", org="chuo", urgency=3, preferred="a", skills={"bpr": 3}, seq=1),
    ]
    on, off, a, _ = both(experts, requests, "continuity")
    assert on == {"r1": "a"}
    assert a.proposals[0].continuing
    assert off == {"r2": "a"}


def test_continuity_falls_back_when_the_expert_cannot_hold_all_his_projects():
    experts = [expert("a", capacity=2), expert("b", capacity=2)]
    requests = [
        request("r1", current="a", visits=2, urgency=3),
        request("r2", current="a", visits=2, seq=1),
    ]
    a = solve(Problem(tuple(experts), tuple(requests)), workers=2)
    assert a.status == "optimal"
    assert a.expert_of() == {"r1": "a", "r2": "b"}  # the bonus keeps the more valuable one
    assert any("continuity relaxed" in w for w in a.warnings)


def test_fairness_floor_binds():
    # one visit to give: the ward's urgent request scores more, the island village gets it
    experts = [expert("a", capacity=1, area="23ku")]
    requests = [
        request("ward", org="setagaya", urgency=3),
        request("island", org="aogashima", area="islands", small=True, mode="online", seq=1),
    ]
    on, off, a, b = both(experts, requests, "fairness")
    assert on == {"island": "a"}
    assert a.fairness_violations == ()
    assert off == {"ward": "a"}
    assert b.fairness_violations == ()  # the floor is off, nothing to report
    # the same month with the floor on but the island request not servable is no violation
    only_ward = solve(Problem(tuple(experts), (requests[0],)), workers=2)
    assert only_ward.fairness_violations == ()


def test_fairness_violation_is_reported_when_the_floor_cannot_be_met():
    # the only expert is locked to the ward for his one visit: the island cannot be served
    experts = [expert("a", capacity=1)]
    requests = [
        request("ward", org="setagaya", locked="a"),
        request("island", org="aogashima", area="islands", small=True, mode="online", seq=1),
    ]
    a = solve(Problem(tuple(experts), tuple(requests)), workers=2)
    assert a.status == "optimal"
    assert a.fairness_violations == ("aogashima",)
    assert a.objective is not None and a.bound is not None and a.objective <= a.bound


def test_org_cap_binds():
    experts = [expert("a", capacity=4, max_orgs=1)]
    requests = [request("r1", org="chiyoda"), request("r2", org="chuo", urgency=2, seq=1)]
    on, off, a, _ = both(experts, requests, "org_cap")
    assert on == {"r2": "a"}
    assert a.unassigned[0].reasons[0].code == "org_cap_reached"
    assert off == {"r1": "a", "r2": "a"}


def test_org_cap_counts_organisations_not_requests():
    experts = [expert("a", capacity=4, max_orgs=1)]
    requests = [request("r1", org="chiyoda"), request("r2", org="chiyoda", seq=1)]
    a = solve(Problem(tuple(experts), tuple(requests)), workers=2)
    assert a.expert_of() == {"r1": "a", "r2": "a"}


def test_travel_binds():
    # "far" is better qualified but based on the islands; three on-site visits to western Tama
    # (fit and travel both count per visit, so the comparison is per visit: +2 for the extra
    # level against 7 − 1 more travel)
    experts = [
        expert("near", skills={"bpr": 3}, area="tama_west"),
        expert("far", skills={"bpr": 4}, area="islands"),
    ]
    requests = [request("r1", area="tama_west", mode="onsite", visits=3)]
    on, off, a, _ = both(experts, requests, "travel")
    assert on == {"r1": "near"}
    assert off == {"r1": "far"}
    far = next(alt for alt in a.alternatives["r1"] if alt.expert == "far")
    assert far.breakdown["travel"] == -21.0  # 7 per visit from the islands to western Tama
    assert a.proposals[0].breakdown["travel"] == -3.0


def test_travel_is_not_counted_online():
    experts = [
        expert("near", skills={"bpr": 3}, area="islands"),
        expert("far", skills={"bpr": 5}, area="23ku"),
    ]
    requests = [request("r1", area="islands", mode="either", visits=2)]
    a = solve(Problem(tuple(experts), tuple(requests)), workers=2)
    assert a.expert_of() == {"r1": "far"}
    assert a.proposals[0].mode == "online"
    assert "travel" not in a.proposals[0].breakdown


def test_mode_binds():
    experts = [expert("a", onsite=True, online=False)]
    requests = [request("r1", mode="online")]
    on, off, a, _ = both(experts, requests, "mode")
    assert on == {}
    assert a.unassigned[0].reasons[0].code == "mode_mismatch"
    assert off == {"r1": "a"}


def test_locks_bind():
    experts = [expert("good", skills={"bpr": 5}), expert("weak", skills={"bpr": 2})]
    requests = [request("r1", locked="weak")]
    on, off, a, _ = both(experts, requests, "locks")
    assert on == {"r1": "weak"}
    assert a.proposals[0].locked
    assert off == {"r1": "good"}


def test_a_lock_overrides_skills_and_exclusion_but_not_a_conflict():
    experts = [
        expert("a", skills={"data": 3}),
        expert("b", conflicts=frozenset({"chiyoda"})),
        expert("c"),
    ]
    requests = [
        request("r1", locked="a", excluded=frozenset({"a"})),
        request("r2", org="chiyoda", locked="b", seq=1),
    ]
    a = solve(Problem(tuple(experts), tuple(requests)), workers=2)
    assert a.expert_of() == {"r1": "a", "r2": "c"}
    assert any("lock of r2 ignored" in w for w in a.warnings)


def test_locks_that_overflow_an_expert_make_the_month_infeasible():
    experts = [expert("a", capacity=1), expert("b")]
    requests = [request("r1", locked="a"), request("r2", org="chuo", locked="a", seq=1)]
    a = solve(Problem(tuple(experts), tuple(requests)), workers=2)
    assert a.status == "infeasible"
    assert a.proposals == ()
    for u in a.unassigned:
        assert u.reasons[0].code == "locks_infeasible"
        assert {s.code for s in u.suggestions} >= {"remove_lock", "raise_capacity"}
    relaxed = solve(Problem(tuple(experts), tuple(requests), disabled=frozenset({"locks"})))
    assert relaxed.status == "optimal" and len(relaxed.proposals) == 2


def test_exclusions_and_availability_always_apply():
    experts = [expert("a"), expert("b", available=False)]
    requests = [request("r1", excluded=frozenset({"a"}))]
    for disabled in CONSTRAINTS:
        p = Problem(tuple(experts), tuple(requests), disabled=frozenset({disabled}))
        assert solve(p, workers=2).expert_of() == {}, disabled


def test_preference_breaks_a_tie():
    experts = [expert("a"), expert("b")]
    requests = [request("r1", preferred="b")]
    a = solve(Problem(tuple(experts), tuple(requests)), workers=2)
    assert a.expert_of() == {"r1": "b"}
    assert a.proposals[0].breakdown["preference"] == 6.0
    assert [alt.expert for alt in a.alternatives["r1"]] == ["a"]
