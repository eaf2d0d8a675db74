"""The evaluator against the brute-force oracle (every simple path) on random models."""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tsunagu.engines.compliance.evaluate import conducts, evaluate
from tsunagu.engines.compliance.model import (
    CONTROLS,
    EXTERNALS,
    FLOW_KINDS,
    MODEL_KINDS,
    ZONE_KINDS,
    parse_model,
)
from tsunagu.engines.compliance.naive import evaluate_naive
from tsunagu.engines.compliance.rules import load_ruleset

TODAY = dt.date(2026, 6, 1)
EDITIONS = [load_ruleset(), load_ruleset(edition="guideline-2022-03")]
# the controls that matter to the path rules, so barriers are drawn often
PATH_CONTROLS = [
    "screen_transfer",
    "specific_communication",
    "sanitise_file",
    "sanitise_mail",
    "file_exchange",
    "malware_check",
]
# every zone kind, the ones the path rules are about more often
WEIGHTED_KINDS = [*ZONE_KINDS, "mynumber", "lgwan", "internet", "mynumber", "internet"]
MN1_BARRIERS = {"screen_transfer", "specific_communication"}


@st.composite
def flow_docs(draw, zone_ids, fid):
    src = draw(st.sampled_from(zone_ids))
    dst = draw(st.sampled_from([z for z in zone_ids if z != src]))
    return {
        "id": fid,
        "src": src,
        "dst": dst,
        "kind": draw(st.sampled_from(FLOW_KINDS)),
        "controls": draw(st.lists(st.sampled_from(PATH_CONTROLS), max_size=2, unique=True)),
        "bidirectional": draw(st.booleans()),
    }


@st.composite
def model_docs(draw, max_zones=8, max_flows=20):
    n = draw(st.integers(1, max_zones))
    zones = [{"id": f"z{i}", "kind": draw(st.sampled_from(WEIGHTED_KINDS))} for i in range(n)]
    ids = [z["id"] for z in zones] + list(EXTERNALS)
    flows = [draw(flow_docs(ids, f"f{i}")) for i in range(draw(st.integers(0, max_flows)))]
    return {"model": draw(st.sampled_from(MODEL_KINDS)), "zones": zones, "flows": flows}


def keys_of(assessment):
    return {f.key for f in assessment.findings}


def path_lengths(assessment):
    return {f.key: len(f.path) for f in assessment.findings if f.path}


def assert_real_path(model, rules, finding):
    """The evidence of a path finding is a chain of conducting flows, in order."""
    rule = rules.rule(finding.rule)
    flows = {f.id: f for f in model.flows}
    assert len(finding.flows) == len(finding.path) - 1
    assert len(set(finding.path)) == len(finding.path)
    for i, fid in enumerate(finding.flows):
        f = flows[fid]
        a, b = finding.path[i], finding.path[i + 1]
        assert (f.src, f.dst) == (a, b) or (f.bidirectional and (f.dst, f.src) == (a, b))
        assert conducts(rule, f)
    zones = model.zone_map()
    start, end = zones[finding.path[0]], zones[finding.path[-1]]
    forward = rule.src.matches(start) and rule.dst.matches(end)
    backward = rule.both_directions and rule.dst.matches(start) and rule.src.matches(end)
    assert forward or backward


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model_docs(), st.sampled_from(EDITIONS))
def test_fast_and_naive_agree_on_random_models(doc, rules):
    model = parse_model(doc).model
    fast = evaluate(model, rules, today=TODAY)
    slow = evaluate_naive(model, rules, today=TODAY)
    assert fast.keys() == slow.keys()
    assert path_lengths(fast) == path_lengths(slow)
    assert [(f.key, f.severity) for f in fast.findings] == [
        (f.key, f.severity) for f in slow.findings
    ]
    assert (fast.rules_checked, fast.rules_passed) == (slow.rules_checked, slow.rules_passed)
    for f in fast.findings:
        if f.path:
            assert_real_path(model, rules, f)
    event(f"path findings: {min(len(path_lengths(fast)), 5)}")


@st.composite
def chained(draw):
    """A random model plus a chain of conducting flows from a mynumber zone through k zones
    (existing or new; with ``fresh`` all new) to internet_external."""
    doc = draw(model_docs(max_zones=6, max_flows=14))
    doc["zones"].append({"id": "mn", "kind": "mynumber"})
    fresh = draw(st.booleans())
    k = draw(st.integers(0, 5))
    existing = [z["id"] for z in doc["zones"]]
    chain = ["mn"]
    for i in range(k):
        if not fresh and draw(st.booleans()):
            options = [z for z in existing if z != chain[-1]]
            chain.append(draw(st.sampled_from(options)))
        else:
            zid = f"c{i}"
            doc["zones"].append({"id": zid, "kind": draw(st.sampled_from(ZONE_KINDS))})
            chain.append(zid)
    chain.append("internet_external")
    links = []
    for i, (a, b) in enumerate(itertools.pairwise(chain)):
        controls = draw(
            st.lists(st.sampled_from(sorted(set(CONTROLS) - MN1_BARRIERS)), max_size=3, unique=True)
        )
        links.append(
            {
                "id": f"chain{i}",
                "src": a,
                "dst": b,
                "kind": draw(st.sampled_from(FLOW_KINDS)),
                "controls": controls,
                "bidirectional": draw(st.booleans()),
            }
        )
    cut = draw(st.integers(0, len(links) - 1))
    return doc, links, cut, fresh


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chained())
def test_a_transitive_chain_is_always_found(case):
    doc, links, cut, fresh = case
    rules = EDITIONS[0]
    key = "MN-1:mn->internet_external"
    base = parse_model(doc).model
    had_path = key in keys_of(evaluate(base, rules, today=TODAY))

    with_chain = parse_model({**doc, "flows": doc["flows"] + links}).model
    fast = evaluate(with_chain, rules, today=TODAY)
    assert key in keys_of(fast)
    finding = next(f for f in fast.findings if f.key == key)
    assert len(finding.flows) <= len(links)
    assert_real_path(with_chain, rules, finding)

    broken = parse_model({**doc, "flows": doc["flows"] + links[:cut] + links[cut + 1 :]}).model
    fast_broken = evaluate(broken, rules, today=TODAY)
    naive_broken = evaluate_naive(broken, rules, today=TODAY)
    assert (key in keys_of(fast_broken)) == (key in keys_of(naive_broken))
    if fresh and not had_path:
        # the chain ran through new zones only: cutting one link leaves no other path
        event("cut leaves no path")
        assert key not in keys_of(fast_broken)
