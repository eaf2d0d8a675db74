"""The header-space and domain-set algebras against brute-force enumeration."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tsunagu.engines.policy.domains import (
    DomainError,
    DomainSet,
    coverage,
    normalise_pattern,
    pattern_matches,
    too_broad,
)
from tsunagu.engines.policy.space import (
    ICMP,
    TCP,
    UDP,
    FlowSet,
    format_address_interval,
    intern_name,
    parse_address_interval,
    product,
)

# ---------------------------------------------------------------- FlowSet vs Python sets

SRC = range(8)
DST = range(8)
PORTS = range(5)  # 4 stands for every port above 3
PROTOS = (TCP, UDP, ICMP)
UNIVERSE = [
    (s, d, p, port)
    for s in SRC
    for d in DST
    for p in PROTOS
    for port in (PORTS if p != ICMP else (0,))
]


@st.composite
def boxes(draw):
    s0 = draw(st.integers(0, 7))
    s1 = draw(st.integers(s0, 7))
    d0 = draw(st.integers(0, 7))
    d1 = draw(st.integers(d0, 7))
    mask = draw(st.integers(1, 7))
    if draw(st.booleans()):
        ports = [(0, 65535)]
    else:
        p0 = draw(st.integers(0, 3))
        ports = [(p0, draw(st.integers(p0, 3)))]
    return product([(s0, s1)], [(d0, d1)], mask, ports)


flowsets = st.lists(boxes(), max_size=4).map(lambda bs: FlowSet(b for x in bs for b in x))


def members(fs: FlowSet) -> set[tuple[int, int, int, int]]:
    return {h for h in UNIVERSE if fs.contains(*h)}


@settings(max_examples=150, deadline=None)
@given(flowsets, flowsets)
def test_flowset_algebra_matches_sets(a, b):
    ma, mb = members(a), members(b)
    assert members(a | b) == ma | mb
    assert members(a & b) == ma & mb
    assert members(a - b) == ma - mb
    assert (a - b).is_empty() == (ma <= mb)
    assert a.issubset(b) == (ma <= mb)
    assert a.overlaps(b) == bool(ma & mb)
    # disjoint decomposition: sizes add up
    assert (a | b).size() == a.size() + (b - a).size()
    assert ((a | b) == (b | a)) and hash(a | b) == hash(b | a)


@settings(max_examples=100, deadline=None)
@given(flowsets)
def test_flowset_compact_forms_round_trip(a):
    assert FlowSet.from_list(a.to_list()) == a
    assert a.merged() == a
    assert FlowSet(b for t in a.terms() for b in t.boxes()) == a
    assert len(a.merged()) <= max(1, len(a))


def test_flowset_size_counts_headers():
    fs = FlowSet(product([(0, 3)], [(0, 0)], TCP | UDP, [(80, 80), (443, 443)]))
    assert fs.size() == 4 * 1 * 2 * 2
    icmp = FlowSet(product([(0, 0)], [(0, 0)], ICMP))
    assert icmp.size() == 65536  # ICMP spans the whole port dimension


def test_flowset_human_forms():
    lo, hi = parse_address_interval("203.0.113.0/26")
    fs = FlowSet(product([parse_address_interval("10.1.0.0/18")], [(lo, hi)], TCP, [(443, 443)]))
    collateral = fs - FlowSet(
        product(
            [parse_address_interval("10.1.0.0/18")],
            [parse_address_interval("203.0.113.32-203.0.113.63")],
            TCP,
            [(443, 443)],
        )
    )
    assert collateral.to_list() == [
        {
            "sources": ["10.1.0.0/18"],
            "destinations": ["203.0.113.0/27"],
            "protocols": ["tcp"],
            "ports": ["443"],
        }
    ]
    assert (
        format_address_interval(*parse_address_interval("10.0.0.3-10.0.0.9")) == "10.0.0.3-10.0.0.9"
    )
    name = intern_name("meet.example.com")
    named = FlowSet(product([(0, 0)], [(name, name)], TCP, [(443, 443)]))
    assert named.to_list()[0]["destinations"] == ["fqdn:meet.example.com"]
    assert FlowSet.from_list(named.to_list()) == named
    everything_but = FlowSet.everything() - named
    assert FlowSet.from_list(everything_but.to_list()) == everything_but


# ---------------------------------------------------------------- DomainSet vs enumeration

LABELS = ("a", "b")
NAMES = [
    ".".join(p) + ".x"
    for depth in range(1, 5)
    for p in itertools.product(("a", "b", "c"), repeat=depth)
] + ["x"]

patterns = st.builds(
    lambda wild, labels: ("*." if wild else "") + ".".join([*labels, "x"]),
    st.booleans(),
    st.lists(st.sampled_from(LABELS), min_size=0, max_size=3),
)


def expected(pats: list[str]) -> set[str]:
    return {n for n in NAMES if any(pattern_matches(normalise_pattern(p), n) for p in pats)}


@settings(max_examples=200, deadline=None)
@given(st.lists(patterns, max_size=4), st.lists(patterns, max_size=4))
def test_domainset_algebra_matches_enumeration(pa, pb):
    a, b = DomainSet(pa), DomainSet(pb)
    ea, eb = expected(pa), expected(pb)
    assert a.enumerate_within(NAMES) == ea
    assert (a | b).enumerate_within(NAMES) == ea | eb
    assert (a & b).enumerate_within(NAMES) == ea & eb
    assert (a - b).enumerate_within(NAMES) == ea - eb
    # the representation is canonical: equal enumerations are equal sets (names deeper than
    # four labels or with other labels behave like their representatives)
    assert ((a - b) == (b - a)) == ((ea - eb) == (eb - ea))
    diff = a - b
    assert DomainSet.from_list(diff.to_list()) == diff
    assert diff.issubset(a)


def test_domain_difference_reads_naturally():
    zoom = DomainSet(["*.zoom.us"]) - DomainSet(["*.cloud.zoom.us"])
    assert zoom.to_list() == ["*.zoom.us", "!*.cloud.zoom.us"]
    assert "us05web.zoom.us" in zoom
    assert "cloud.zoom.us" in zoom
    assert "x.cloud.zoom.us" not in zoom
    assert "zoom.us" not in zoom  # *.zoom.us is proper subdomains only


def test_normalisation():
    assert normalise_pattern("Meet.Example.COM.") == "meet.example.com"
    assert normalise_pattern("*.例え.jp") == "*.xn--r8jz45g.jp"
    with pytest.raises(DomainError):
        normalise_pattern("a.*.example.jp")
    with pytest.raises(DomainError):
        normalise_pattern("bad_label-.example.jp")


@pytest.mark.parametrize(
    ("pattern", "broad"),
    [
        ("*.co.jp", True),
        ("*.com", True),
        ("*.lg.jp", True),
        ("*.go.jp", True),
        ("*.jp", True),
        ("*", True),
        ("*.tokyo.jp", True),
        ("*.zoom.us", False),
        ("*.cybozu.com", False),
        ("*.city.musashino.lg.jp", False),
        ("*.eltax.lta.go.jp", False),
        ("co.jp", False),  # an exact host is never broader than itself
    ],
)
def test_psl_breadth(pattern, broad):
    assert too_broad(normalise_pattern(pattern)) is broad


def test_coverage():
    entries = [("d1", "*.zoom.us"), ("d2", "teams.microsoft.com"), ("d3", "*.cloud.zoom.us")]
    assert coverage(["us05web.zoom.us"], entries) == ("fully", ("d1",))
    assert coverage(["*.zoom.us"], entries) == ("fully", ("d1", "d3"))
    assert coverage(["teams.microsoft.com", "x.example.jp"], entries) == ("partly", ("d2",))
    assert coverage(["zoom.us"], entries) == ("no", ())
