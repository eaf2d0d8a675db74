"""Why a request gets no expert, and what would change that: never an empty answer."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from tsunagu.engines.matching.diagnose import diagnose
from tsunagu.engines.matching.model import Expert, Problem, Request
from tsunagu.engines.matching.solve import solve
from tsunagu.engines.tests.test_matching_oracle import problems


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


def request(rid, org="hinohara", seq=0, **kw):
    base = {
        "area": "tama_west",
        "small": False,
        "skills": {"bpr": 2},
        "visits": 1,
        "mode": "either",
        "urgency": 1,
    }
    return Request(id=rid, org=org, seq=seq, **{**base, **kw})


def codes(items):
    return [i.code for i in items]


def detail(items, code):
    return next(i.detail for i in items if i.code == code)


def test_no_expert_with_the_skill():
    p = Problem((expert("a"), expert("b", skills={"data": 4})), (request("r1", skills={"ai": 3}),))
    d = diagnose(p, "r1")
    assert codes(d.reasons) == ["no_expert_with_skill"]
    assert detail(d.reasons, "no_expert_with_skill") == {"skill": "ai", "level": 3}
    assert codes(d.suggestions) == ["recruit"]
    assert detail(d.suggestions, "recruit")["skills"] == {"ai": 3}


def test_level_too_high_suggests_the_level_that_finds_experts():
    p = Problem(
        (expert("a", skills={"bpr": 3}), expert("b", skills={"bpr": 3}), expert("c")),
        (request("r1", skills={"bpr": 5}),),
    )
    d = diagnose(p, "r1")
    assert detail(d.reasons, "level_too_high") == {"skill": "bpr", "wanted": 5, "best_available": 3}
    assert detail(d.suggestions, "lower_level") == {"skill": "bpr", "to": 3, "experts": 3}


def test_skills_that_no_single_expert_combines():
    p = Problem(
        (expert("a", skills={"bpr": 4}), expert("b", skills={"security": 4})),
        (request("r1", skills={"bpr": 3, "security": 3}),),
    )
    d = diagnose(p, "r1")
    assert codes(d.reasons) == ["skills_not_combined"]
    assert "split_request" in codes(d.suggestions)


def test_capacity_exhausted_suggests_fewer_visits_and_next_month():
    p = Problem(
        (expert("a", capacity=3),),
        (
            request("r1", org="chiyoda", visits=2, urgency=3),
            request("r2", org="chuo", visits=2, seq=1),
        ),
    )
    a = solve(p, workers=2)
    assert a.expert_of() == {"r1": "a"}
    d = a.unassigned[0]
    assert d.request == "r2"
    assert codes(d.reasons) == ["capacity_exhausted"]
    assert detail(d.reasons, "capacity_exhausted")["experts"] == [
        {"expert": "a", "capacity": 3, "used": 2, "free": 1}
    ]
    assert detail(d.suggestions, "fewer_visits") == {"to": 1, "experts": ["a"]}
    assert detail(d.suggestions, "wait_for_capacity")["experts"] == ["a"]
    assert diagnose(p, "r2", a) == d  # the same answer when called alone
    assert diagnose(p, "r2") == d  # and when it solves the month itself
    assert codes(diagnose(p, "r1").reasons) == ["assigned"]


def test_conflict_of_interest():
    p = Problem(
        (expert("a", conflicts=frozenset({"hinohara"})), expert("b", skills={"bpr": 1})),
        (request("r1", skills={"bpr": 2}),),
    )
    d = diagnose(p, "r1")
    assert codes(d.reasons) == ["conflict_of_interest"]
    assert detail(d.reasons, "conflict_of_interest") == {"experts": ["a"], "org": "hinohara"}
    # b would do at level 1
    assert detail(d.suggestions, "lower_level") == {"skill": "bpr", "to": 1, "experts": 1}


def test_mode_mismatch_suggests_online():
    p = Problem(
        (expert("a", onsite=False, online=True),),
        (request("r1", mode="onsite"),),
    )
    d = diagnose(p, "r1")
    assert codes(d.reasons) == ["mode_mismatch"]
    assert detail(d.reasons, "mode_mismatch") == {"mode": "onsite", "experts": ["a"]}
    assert detail(d.suggestions, "switch_online") == {"experts": 1}


def test_all_excluded():
    p = Problem((expert("a"), expert("b")), (request("r1", excluded=frozenset({"a", "b"})),))
    d = diagnose(p, "r1")
    assert codes(d.reasons) == ["all_excluded"]
    assert detail(d.suggestions, "lift_exclusion") == {"experts": ["a", "b"]}


def test_unavailable_expert():
    p = Problem((expert("a", available=False),), (request("r1"),))
    d = diagnose(p, "r1")
    assert "expert_unavailable" in codes(d.reasons)
    assert detail(d.suggestions, "wait_for_availability") == {"experts": ["a"]}


def test_org_cap_reached():
    p = Problem(
        (expert("a", max_orgs=1),),
        (request("r1", org="chiyoda", urgency=3), request("r2", org="chuo", seq=1)),
    )
    d = solve(p, workers=2).unassigned[0]
    assert codes(d.reasons) == ["org_cap_reached"]
    assert codes(d.suggestions) == ["wait_for_capacity"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_every_unassigned_request_has_reasons_and_suggestions(problem):
    a = solve(problem, workers=2)
    for u in a.unassigned:
        assert u.reasons, u
        assert u.suggestions, u
        for item in (*u.reasons, *u.suggestions):
            assert item.code and item.message
        assert diagnose(problem, u.request, a) == u
