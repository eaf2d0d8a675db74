"""The caches behind the index must never go stale, and the fast domain paths must stay exact.

* An index assembled from cached per-section parts (after ``apply_change`` only the changed
  section is derived again) must answer exactly like an index derived from scratch
  (``PolicyIndex(snapshot, reuse=False)``): same rules in the same places, same ``verify`` and
  ``verify_policy`` results, for random chains of changes.
* :class:`PatternIndex` must find exactly the entries :func:`patterns_overlap` accepts.
* The verifier's domain deltas (computed from the added / removed entries only) must match a
  brute-force enumeration, removals included.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tsunagu.engines.policy import load_rules, synthetic_snapshot, verify, verify_policy
from tsunagu.engines.policy.domains import (
    DomainError,
    DomainSet,
    PatternIndex,
    coverage,
    normalise_pattern,
    pattern_matches,
    patterns_overlap,
)
from tsunagu.engines.policy.index import PolicyIndex, index
from tsunagu.engines.policy.model import (
    SHARED,
    AddressBlock,
    Change,
    DomainEntry,
    FirewallRule,
    Intent,
    MailRelay,
    PolicySnapshot,
    PortRange,
    Section,
    apply_change,
)

RULES = load_rules()
TODAY = dt.date(2026, 11, 22)
counter = itertools.count()


@pytest.fixture(scope="module")
def base():
    return synthetic_snapshot(orgs=4, rules_per_org=60, domains=300, seed=5)


# ---------------------------------------------------------------- random changes

SRCS = [
    "zone:internet",
    "zone:mynumber",
    "zone:lgwan",
    "internet",
    "any",
    "10.1.128.0/20",
    "10.2.0.0/18",
    "bad/prefix",
]
DSTS = [
    "8.8.8.0/24",
    "172.20.1.0/24",
    "fqdn:app1.saas1.example.jp",
    "zone:dmz",
    "any",
    "internet",
    "10.2.192.5/32",
    "10.1.64.0/18",
]
PATTERNS = [
    "*.svc1.example.jp",
    "host1.svc1.example.jp",
    "*.example.jp",
    "*.dropbox.com",
    "a.b.example.com",
    "*.b.example.com",
    "*.com",
    "bad..name",
]


@st.composite
def a_rule(draw):
    return FirewallRule(
        uid=f"t{next(counter)}",
        action=draw(st.sampled_from(["allow", "allow", "deny"])),
        sources=tuple(draw(st.lists(st.sampled_from(SRCS), min_size=1, max_size=2))),
        destinations=tuple(draw(st.lists(st.sampled_from(DSTS), min_size=1, max_size=2))),
        protocol=draw(st.sampled_from(["tcp", "udp", "any"])),
        ports=draw(st.sampled_from([(), (PortRange(443, 443),), (PortRange(22, 23),)])),
        direction=draw(st.sampled_from(["outbound", "outbound", "inbound"])),
        controls=tuple(draw(st.lists(st.sampled_from(["waf", "sanitisation"]), max_size=1))),
        expires=draw(st.sampled_from([None, None, dt.date(2020, 1, 1)])),
    )


def draw_change(data, snap: PolicySnapshot) -> Change:
    org = data.draw(st.sampled_from([*sorted(snap.orgs), SHARED]))
    section = snap.section(org)
    uids = [r.uid for r in section.rules]
    duids = [d.uid for d in section.domains]
    existing = [d.pattern for d in (*snap.shared.domains, *section.domains)][:50]
    patterns = data.draw(
        st.lists(st.sampled_from(PATTERNS + existing) if existing else st.sampled_from(PATTERNS))
        .map(tuple)
        .filter(lambda t: len(t) <= 2)
    )
    return Change(
        kind=data.draw(st.sampled_from(["firewall_outbound", "allow_domain", "rule_removal"])),
        org=org,
        add_rules=tuple(data.draw(st.lists(a_rule(), max_size=2))),
        remove_rules=tuple(data.draw(st.lists(st.sampled_from(uids), max_size=1))) if uids else (),
        add_domains=tuple(
            DomainEntry(
                f"td{next(counter)}",
                p,
                data.draw(st.sampled_from(["allow", "allow", "tls_exempt"])),
                expires=data.draw(st.sampled_from([None, dt.date(2020, 1, 1)])),
            )
            for p in patterns
        ),
        remove_domains=tuple(data.draw(st.lists(st.sampled_from(duids), max_size=1)))
        if duids
        else (),
        insert_at=data.draw(st.one_of(st.none(), st.integers(0, 70))),
        mail=data.draw(st.sampled_from([None, None, MailRelay(attachment_policy="allow")])),
    )


def _refs(idx: PolicyIndex) -> list[tuple[object, ...]]:
    return [(r.pos, r.key, r.part, r.index, r.order, r.rule, r.boxes, r.problems) for r in idx.refs]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.data())
def test_incremental_index_equals_a_fresh_one(base, data):
    cur = base
    verify_policy(cur, RULES, today=TODAY)  # fill the per-part caches of the parent
    for _step in range(3):
        change = draw_change(data, cur)
        new = apply_change(cur, change)
        inc = index(new)
        fresh = PolicyIndex(new, reuse=False)
        assert inc.parts is not fresh.parts
        assert _refs(inc) == _refs(fresh)
        assert _by_uid_positions(inc) == _by_uid_positions(fresh)
        for org in sorted(new.orgs):
            for kind in ("allow", "tls_exempt"):
                assert inc.effective_domains(org, kind) == fresh.effective_domains(org, kind)
        assert verify_policy(new, RULES, today=TODAY, idx=inc) == verify_policy(
            new, RULES, today=TODAY, idx=fresh
        )
        probes = [draw_change(data, new) for _ in range(2)]
        for probe in probes:
            a = verify(new, probe, RULES, today=TODAY, idx=inc)
            b = verify(new, probe, RULES, today=TODAY, idx=fresh)
            assert a == b
        cur = new


def _by_uid_positions(idx: PolicyIndex) -> dict[tuple[str, str], int]:
    return {k: v.pos for k, v in idx.by_uid.items()}


def test_unchanged_sections_are_not_derived_again(base):
    old = index(base)
    code = sorted(base.orgs)[1]
    change = Change(
        kind="allow_domain", org=code, add_domains=(DomainEntry("inc-1", "x.example.jp"),)
    )
    new_idx = index(apply_change(base, change))
    changed = {p.key for p, q in zip(old.parts, new_idx.parts, strict=True) if p is not q}
    assert changed == {code}
    assert new_idx.plan is old.plan
    # a new snapshot object over the very same sections shares every part
    same = index(dataclasses.replace(base, orgs=dict(base.orgs)))
    assert all(p is q for p, q in zip(old.parts, same.parts, strict=True))


def test_an_address_plan_change_derives_everything_again(base):
    old = index(base)
    code = sorted(base.orgs)[0]
    sec = base.orgs[code]
    moved = dataclasses.replace(
        sec, address_plan=(*sec.address_plan[:3], AddressBlock("10.99.0.0/24", "dmz"))
    )
    new = base.with_section(moved)
    idx = index(new)
    assert idx.plan is not old.plan
    assert not any(p is q for p, q in zip(old.parts, idx.parts, strict=True))
    assert _refs(idx) == _refs(PolicyIndex(new, reuse=False))


# ---------------------------------------------------------------- pattern lookup

NAME_PATTERNS = [
    "*",
    "x.jp",
    "*.x.jp",
    "a.x.jp",
    "*.a.x.jp",
    "b.a.x.jp",
    "*.b.a.x.jp",
    "b.x.jp",
    "*.b.x.jp",
    "ab.x.jp",
    "*.ab.x.jp",
    "a.y.jp",
    "*.jp",
    "*.xa.x.jp",
    "bad..x.jp",
]


def _brute_coverage(request, entries):
    """The original linear :func:`coverage` (the reference)."""
    req = [normalise_pattern(p) for p in request]
    want = DomainSet(req)
    if want.is_empty():
        return "no", ()
    uids, have = [], []
    for uid, pattern in entries:
        try:
            p = normalise_pattern(pattern)
        except DomainError:
            continue
        if any(patterns_overlap(p, r) for r in req):
            uids.append(uid)
            have.append(p)
    have_set = DomainSet(have)
    if want.issubset(have_set):
        return "fully", tuple(uids)
    if want.overlaps(have_set):
        return "partly", tuple(uids)
    return "no", ()


valid_patterns = st.sampled_from([p for p in NAME_PATTERNS if ".." not in p])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(NAME_PATTERNS), max_size=12),
    st.lists(valid_patterns, min_size=1, max_size=3),
)
def test_pattern_index_finds_exactly_the_overlapping_entries(entries, request):
    listed = [(f"u{i}", p) for i, p in enumerate(entries)]
    ix = PatternIndex(listed)
    req = [normalise_pattern(r) for r in request]
    expected = [
        i for i, (_uid, p) in enumerate(ix.items) if any(patterns_overlap(p, r) for r in req)
    ]
    assert ix.overlapping(req) == expected
    assert coverage(request, listed) == _brute_coverage(request, listed)


# ---------------------------------------------------------------- domain deltas, exactly

A, B = "13101", "13102"
_BASES = {p.removeprefix("*.") for p in NAME_PATTERNS if p != "*" and ".." not in p}
# every name a pattern of the pool mentions, one and two labels below it, and a bystander:
# one representative of every class the pool's patterns can tell apart
DOMAIN_NAMES = sorted({"q.jp"} | _BASES | {f"c.{b}" for b in _BASES} | {f"c.c.{b}" for b in _BASES})
KINDS = ("allow", "tls_exempt")
POOL = [p for p in NAME_PATTERNS if p not in ("*", "*.jp")]


@st.composite
def entries(draw, n: int):
    return tuple(
        DomainEntry(
            f"d{next(counter)}",
            draw(st.sampled_from(POOL)),
            draw(st.sampled_from(["allow", "allow", "tls_exempt"])),
        )
        for _ in range(draw(st.integers(0, n)))
    )


def effective(snap: PolicySnapshot, org: str, kind: str) -> set[str]:
    out: set[str] = set()
    for e in (*snap.shared.domains, *snap.orgs[org].domains):
        if e.kind != kind:
            continue
        try:
            p = normalise_pattern(e.pattern)
        except DomainError:
            continue
        out.update(n for n in DOMAIN_NAMES if pattern_matches(p, n))
    return out


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_domain_deltas_match_enumeration(data):
    snap = PolicySnapshot(
        shared=Section(SHARED, domains=data.draw(entries(3))),
        orgs={
            A: Section(A, domains=data.draw(entries(4))),
            B: Section(B, domains=data.draw(entries(3))),
        },
    )
    org = data.draw(st.sampled_from([A, A, SHARED]))
    section = snap.section(org)
    duids = [d.uid for d in section.domains]
    change = Change(
        kind="allow_domain",
        org=org,
        add_domains=data.draw(entries(2)),
        remove_domains=tuple(
            data.draw(st.lists(st.sampled_from(duids), max_size=2, unique=True)) if duids else ()
        ),
        intent=Intent(hosts=tuple(data.draw(st.lists(valid_patterns, max_size=2)))),
    )
    new = apply_change(snap, change)
    verdict = verify(snap, change, RULES, today=TODAY)
    fields = {
        "allow": ("newly_allowed_domains", "newly_blocked_domains"),
        "tls_exempt": ("newly_tls_exempt", "no_longer_tls_exempt"),
    }
    affected = set()
    for kind in KINDS:
        orgs = [org] if org != SHARED else [A, B]
        plus, minus = set(), set()
        for o in orgs:
            before, after = effective(snap, o, kind), effective(new, o, kind)
            plus |= after - before
            minus |= before - after
            if before != after:
                affected.add(o)
        got_plus = getattr(verdict, fields[kind][0]).enumerate_within(DOMAIN_NAMES)
        got_minus = getattr(verdict, fields[kind][1]).enumerate_within(DOMAIN_NAMES)
        assert got_plus == plus, kind
        assert got_minus == minus, kind
    if org == SHARED:
        assert set(verdict.blast_radius) == affected

    # already allowed domains: the linear reference over the visible entries
    kind_of_request = "allow"
    requests: dict[str, list[str]] = {}
    if change.intent.hosts:
        requests[kind_of_request] = list(change.intent.hosts)
    else:
        for e in change.add_domains:
            requests.setdefault(e.kind, []).append(e.pattern)
    expected: list[str] = []
    for kind, patterns in requests.items():
        visible = (*snap.shared.domains, *section.domains) if org != SHARED else section.domains
        listed = [(d.uid, d.pattern) for d in visible if d.kind == kind]
        try:
            _status, uids = _brute_coverage(patterns, listed)
        except DomainError:
            continue
        expected.extend(uids)
    assert verdict.already_allowed_domains == tuple(dict.fromkeys(expected))
