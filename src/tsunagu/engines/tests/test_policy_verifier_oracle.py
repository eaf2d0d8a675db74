"""The change verifier against a brute-force oracle on a small universe.

Universe: the addresses of 10.0.0.0/28 (two organisations' address plans plus unplanned
addresses), one representative each of 8.8.8.0/24, of 10.0.0.0/8 outside the /28 and of the
rest of the world; ports 0..3 and one representative (4) of 4..65535; tcp/udp/icmp; the names
a.x.jp and b.x.jp plus one never-referenced name. Rules only use prefixes from a pool aligned to
these classes, so every equivalence class of the engine's header space has a representative:
checking the representatives checks the whole (infinite-looking) space exactly.

The oracle evaluates every representative packet through ``apply_change``'s ordered rule list
(first match, default deny) with its own reference resolution, and the engine's newly permitted
/ denied sets, collateral, blast radius and already-allowed answer must match exactly. Any change
whose newly permitted traffic the oracle sees crossing mynumber <-> internet (without an approved
specific communication) or internet -> lgwan without sanitisation must be rejected.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import ipaddress
import itertools

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tsunagu.engines.policy import DomainSet, load_rules, verify
from tsunagu.engines.policy.domains import normalise_pattern, pattern_matches
from tsunagu.engines.policy.model import (
    SHARED,
    AddressBlock,
    Change,
    DomainEntry,
    FirewallRule,
    Intent,
    PolicySnapshot,
    PortRange,
    Section,
    apply_change,
)
from tsunagu.engines.policy.space import intern_name

A, B = "13101", "13102"
PLANS = {
    A: (
        AddressBlock("10.0.0.0/31", "mynumber"),
        AddressBlock("10.0.0.2/31", "lgwan"),
        AddressBlock("10.0.0.4/31", "internet"),
        AddressBlock("10.0.0.6/32", "dmz"),
    ),
    B: (
        AddressBlock("10.0.0.8/31", "mynumber"),
        AddressBlock("10.0.0.10/31", "lgwan"),
        AddressBlock("10.0.0.12/31", "internet"),
    ),
}
# 10.0.0.14/31 is in no plan: part of "internet"
ADDRESSES = [int(ipaddress.IPv4Address("10.0.0.0")) + i for i in range(16)] + [
    int(ipaddress.IPv4Address(a)) for a in ("8.8.8.8", "10.9.9.9", "1.1.1.1")
]
NAMES = ["a.x.jp", "b.x.jp", "c.x.jp"]
NAME_VALUES = {n: intern_name(n) for n in NAMES}
DESTS = ADDRESSES + list(NAME_VALUES.values())
PORTS = range(5)
PACKETS = [
    (s, d, proto, port)
    for s in ADDRESSES
    for d in DESTS
    for proto in ("tcp", "udp", "icmp")
    for port in (PORTS if proto != "icmp" else (0,))
]

PREFIXES = [
    "10.0.0.0/8",
    "10.0.0.0/28",
    "10.0.0.0/29",
    "10.0.0.4/30",
    "10.0.0.12/31",
    "10.0.0.5/32",
    "10.0.0.14/31",
    "8.8.8.0/24",
]
SRC_REFS = [
    "any",
    "internet",
    "zone:mynumber",
    "zone:lgwan",
    "zone:internet",
    "zone:dmz",
    *PREFIXES,
]
DST_REFS = [*SRC_REFS, "fqdn:a.x.jp", "fqdn:b.x.jp"]
CONTROLS = ["sanitisation", "waf", "specific_communication"]

RULES = dataclasses.replace(load_rules(), specific_domains=("a.x.jp",), relay_zones=())
TODAY = dt.date(2026, 1, 15)

# ---------------------------------------------------------------- oracle


def plan_of(addr: int) -> list[tuple[str, str]]:
    out = []
    for org, blocks in PLANS.items():
        for b in blocks:
            if ipaddress.IPv4Address(addr) in ipaddress.IPv4Network(b.prefix):
                out.append((org, b.zone))
    return out


PLAN = {a: plan_of(a) for a in ADDRESSES}
NAME_OF = {v: n for n, v in NAME_VALUES.items()}


@functools.cache
def ref_matches(ref: str, owner: str, value: int) -> bool:
    name = NAME_OF.get(value)
    if ref == "any":
        return True
    if ref == "internet":
        return name is not None or not PLAN[value]
    if name is not None:
        return ref == f"fqdn:{name}"
    if ref.startswith("fqdn:"):
        return False
    if ref.startswith("zone:"):
        zone = ref[5:]
        return any(z == zone and (owner == SHARED or o == owner) for o, z in PLAN[value])
    if "-" in ref:
        lo, hi = (int(ipaddress.IPv4Address(x)) for x in ref.split("-"))
        return lo <= value <= hi
    return ipaddress.IPv4Address(value) in ipaddress.IPv4Network(ref)


def flow_matches(srcs, dsts, protocol, ports, owner, pkt) -> bool:
    s, d, proto, port = pkt
    if protocol != "any" and protocol != proto:
        return False
    if proto != "icmp" and ports and not any(p.lo <= port <= p.hi for p in ports):
        return False
    return any(ref_matches(r, owner, s) for r in srcs) and any(
        ref_matches(r, owner, d) for r in dsts
    )


_ordered: dict[int, tuple[PolicySnapshot, list]] = {}


def ordered(snapshot: PolicySnapshot):
    hit = _ordered.get(id(snapshot))
    if hit is None or hit[0] is not snapshot:
        hit = (snapshot, snapshot.ordered_rules())
        _ordered[id(snapshot)] = hit
    return hit[1]


def decide(snapshot: PolicySnapshot, pkt) -> tuple[bool, str | None, FirewallRule | None]:
    for key, rule in ordered(snapshot):
        if flow_matches(rule.sources, rule.destinations, rule.protocol, rule.ports, key, pkt):
            return rule.action == "allow", f"{key or 'shared'}:{rule.uid}", rule
    return False, None, None


def zone_classes(value: int) -> set[str]:
    if value in NAME_OF:
        return {"external"}
    zones = {z for _, z in PLAN[value]}
    return zones or {"external"}


def forbidden(pkt, rule: FirewallRule) -> bool:
    s, d, _, _ = pkt
    zs, zd = zone_classes(s), zone_classes(d)
    internetish = {"internet", "external"}
    special = "specific_communication" in rule.controls
    if "mynumber" in zs and zd & internetish:
        endpoint = NAME_OF.get(d) == "a.x.jp"
        if not (special and endpoint):
            return True
    if "mynumber" in zd and zs & internetish:
        return True  # no approved endpoint addresses in this universe
    return bool("lgwan" in zd and zs & internetish and "sanitisation" not in rule.controls)


# ---------------------------------------------------------------- strategies

counter = itertools.count()


@st.composite
def ports(draw):
    if draw(st.booleans()):
        return ()
    lo = draw(st.integers(0, 3))
    return (PortRange(lo, draw(st.integers(lo, 3))),)


@st.composite
def rules(draw, owner: str):
    return FirewallRule(
        uid=f"r{next(counter)}",
        action=draw(st.sampled_from(["allow", "allow", "deny"])),
        sources=tuple(draw(st.lists(st.sampled_from(SRC_REFS), min_size=1, max_size=2))),
        destinations=tuple(draw(st.lists(st.sampled_from(DST_REFS), min_size=1, max_size=2))),
        protocol=draw(st.sampled_from(["tcp", "udp", "icmp", "any"])),
        ports=draw(ports()),
        direction=draw(st.sampled_from(["outbound", "outbound", "inbound"])),
        controls=tuple(draw(st.lists(st.sampled_from(CONTROLS), max_size=2, unique=True))),
        owner=owner,
    )


DOMAIN_POOL = ["a.x.jp", "*.x.jp", "*.a.x.jp", "b.a.x.jp", "*.b.x.jp", "b.x.jp"]
DOMAIN_NAMES = ["x.jp"] + [
    ".".join(p) + ".x.jp" for depth in range(1, 4) for p in itertools.product("abc", repeat=depth)
]


@st.composite
def domains(draw, n: int):
    return tuple(
        DomainEntry(f"d{next(counter)}", draw(st.sampled_from(DOMAIN_POOL)))
        for _ in range(draw(st.integers(0, n)))
    )


@st.composite
def scenarios(draw):
    shared = Section(
        org=SHARED,
        rules=tuple(draw(st.lists(rules(SHARED), max_size=2))),
        post_rules=tuple(draw(st.lists(rules(SHARED), max_size=1))),
        domains=draw(domains(1)),
    )
    orgs = {
        A: Section(
            A,
            rules=tuple(draw(st.lists(rules(A), max_size=4))),
            domains=draw(domains(2)),
            address_plan=PLANS[A],
        ),
        B: Section(
            B,
            rules=tuple(draw(st.lists(rules(B), max_size=3))),
            domains=draw(domains(2)),
            address_plan=PLANS[B],
        ),
    }
    snap = PolicySnapshot(shared=shared, orgs=orgs)
    org = draw(st.sampled_from([A, A, A, SHARED]))
    section = snap.section(org)
    uids = [r.uid for r in (*section.rules, *section.post_rules)]
    remove = tuple(draw(st.lists(st.sampled_from(uids), max_size=1, unique=True))) if uids else ()
    add = tuple(draw(st.lists(rules(org), max_size=2)))
    flows = tuple(
        (
            tuple(draw(st.lists(st.sampled_from(SRC_REFS), min_size=1, max_size=2))),
            tuple(
                draw(
                    st.lists(
                        st.sampled_from([*DST_REFS, "10.0.0.2-10.0.0.9", "10.0.0.13-10.0.0.15"]),
                        min_size=1,
                        max_size=2,
                    )
                )
            ),
            draw(st.sampled_from(["tcp", "udp", "icmp", "any"])),
            draw(ports()),
        )
        for _ in range(draw(st.integers(0, 2)))
    )
    hosts = tuple(draw(st.lists(st.sampled_from(DOMAIN_POOL), max_size=2)))
    change = Change(
        kind=draw(st.sampled_from(["firewall_outbound", "rule_removal", "allow_domain"])),
        org=org,
        add_rules=add,
        remove_rules=remove,
        add_domains=draw(domains(2)),
        insert_at=draw(st.one_of(st.none(), st.integers(0, 5))),
        intent=Intent(flows=flows, hosts=hosts),
    )
    return snap, change


# ---------------------------------------------------------------- the property


def effective(snapshot: PolicySnapshot, org: str) -> set[str]:
    entries = [*snapshot.shared.domains, *snapshot.orgs[org].domains]
    return {
        n
        for n in DOMAIN_NAMES
        if any(
            e.kind == "allow" and pattern_matches(normalise_pattern(e.pattern), n) for e in entries
        )
    }


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenarios())
def test_verifier_matches_oracle(scenario):
    snap, change = scenario
    new = apply_change(snap, change)
    verdict = verify(snap, change, RULES, today=TODAY)

    newly, denied, violations = set(), set(), []
    changed_orgs: set[str] = set()
    for pkt in PACKETS:
        old_ok, _, _ = decide(snap, pkt)
        new_ok, _, rule = decide(new, pkt)
        if new_ok and not old_ok:
            newly.add(pkt)
            assert rule is not None
            if forbidden(pkt, rule):
                violations.append((pkt, rule.uid))
        if old_ok and not new_ok:
            denied.add(pkt)
        if old_ok != new_ok:
            for value in pkt[:2]:
                changed_orgs.update(o for o, _ in PLAN.get(value, []))
    engine_newly = {p for p in PACKETS if verdict.newly_permitted.contains(*p)}
    engine_denied = {p for p in PACKETS if verdict.newly_denied.contains(*p)}
    assert engine_newly == newly
    assert engine_denied == denied

    # blast radius
    domain_orgs = set()
    for org in (A, B):
        if effective(snap, org) != effective(new, org):
            domain_orgs.add(org)
    assert set(verdict.blast_radius) == (changed_orgs | domain_orgs) - {change.org}
    if change.org != SHARED and verdict.blast_radius:
        assert verdict.risk_class == "rejected"

    # collateral
    if change.intent.flows:
        intent = {
            p
            for p in PACKETS
            if any(
                flow_matches(s, d, pr, po, change.org, p) for s, d, pr, po in change.intent.flows
            )
        }
        expected = newly - intent
    else:
        expected = set()
    assert {p for p in PACKETS if verdict.collateral.contains(*p)} == expected

    # newly allowed domains
    if change.org != SHARED:
        plus = effective(new, change.org) - effective(snap, change.org)
        minus = effective(snap, change.org) - effective(new, change.org)
    else:
        plus = set().union(*(effective(new, o) - effective(snap, o) for o in (A, B)))
        minus = set().union(*(effective(snap, o) - effective(new, o) for o in (A, B)))
    assert verdict.newly_allowed_domains.enumerate_within(DOMAIN_NAMES) == plus
    assert verdict.newly_blocked_domains.enumerate_within(DOMAIN_NAMES) == minus
    if change.intent.hosts:
        coll = plus - DomainSet(change.intent.hosts).enumerate_within(DOMAIN_NAMES)
        assert verdict.collateral_domains.enumerate_within(DOMAIN_NAMES) == coll

    # already allowed (flows part)
    if change.intent.flows:
        request = {
            p
            for p in PACKETS
            if any(
                flow_matches(s, d, pr, po, change.org, p) for s, d, pr, po in change.intent.flows
            )
        }
    else:
        request = {
            p
            for p in PACKETS
            for r in change.add_rules
            if r.action == "allow"
            and flow_matches(r.sources, r.destinations, r.protocol, r.ports, change.org, p)
        }
    by = set()
    allowed = set()
    for p in request:
        ok, label, _ = decide(snap, p)
        if ok:
            allowed.add(p)
            by.add(label)
    assert set(verdict.already_allowed_rules) == by
    if request and not change.add_domains and not change.intent.hosts:
        status = "fully" if allowed == request else ("partly" if allowed else "no")
        assert verdict.already_allowed == status

    # safety: never pass a change whose newly permitted traffic breaks a zone invariant
    event(f"class={verdict.risk_class}")
    event(f"oracle violation={bool(violations)}, newly permitted={bool(newly)}")
    if violations:
        assert verdict.risk_class == "rejected", (violations[:3], verdict.findings)
    # JSON round trip of the verdict
    assert type(verdict).from_dict(verdict.to_dict()) == verdict
