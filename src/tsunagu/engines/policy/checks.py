"""Zone checks over permitted traffic, shared by the change verifier and the policy check."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence

from .domains import DomainSet
from .index import AddressPlan, PolicyIndex
from .rules import RuleData, ZoneCheck
from .space import (
    DST_MAX,
    FQDN_BASE,
    IP_MAX,
    PORT_ALL,
    PROTOCOL_BITS,
    Box,
    FlowSet,
    Interval,
    describe_terms,
    known_names,
    merge_intervals,
    name_of,
    parse_address_interval,
    product,
)


class Region:
    """One direction of a zone check: the product ``srcs × dsts × protocols × ports``."""

    __slots__ = ("check", "dsts", "endpoint_side", "mask", "ports", "srcs")

    def __init__(
        self,
        check: ZoneCheck,
        srcs: list[Interval],
        dsts: list[Interval],
        mask: int,
        ports: list[Interval],
        endpoint_side: str,
    ) -> None:
        self.check = check
        self.srcs = _Ivs(srcs)
        self.dsts = _Ivs(dsts)
        self.mask = mask
        self.ports = _Ivs(ports)
        self.endpoint_side = endpoint_side  # "dst": the "to" side is the destination

    def __bool__(self) -> bool:
        return bool(self.mask and self.srcs.ivs and self.dsts.ivs and self.ports.ivs)

    def meet(self, fs: FlowSet | Sequence[Box]) -> FlowSet:
        """``fs ∩ region`` (exact)."""
        out: list[Box] = []
        for b in fs:
            m = b[4] & self.mask
            if not m:
                continue
            tu, ic = m & 3, m & 4
            for s0, s1 in self.srcs.within(b[0], b[1]):
                for d0, d1 in self.dsts.within(b[2], b[3]):
                    if ic:  # ICMP has no ports: a port restriction does not apply to it
                        out.append((s0, s1, d0, d1, ic, b[5], b[6]))
                    if tu:
                        for p0, p1 in self.ports.within(b[5], b[6]):
                            out.append((s0, s1, d0, d1, tu, p0, p1))
        return FlowSet.disjoint(out)

    def product(self) -> list[Box]:
        return product(self.srcs.ivs, self.dsts.ivs, self.mask, self.ports.ivs)


def meet_product(fs: FlowSet, srcs: list[Interval], dsts: list[Interval], mask: int = 7) -> FlowSet:
    """``fs ∩ (srcs × dsts × mask × every port)`` without materialising the product."""
    dummy = ZoneCheck("", "reject", (), ())
    return Region(dummy, srcs, dsts, mask, [PORT_ALL], "dst").meet(fs)


class _Ivs:
    __slots__ = ("ivs", "los")

    def __init__(self, ivs: list[Interval]) -> None:
        self.ivs = merge_intervals(ivs)
        self.los = [a for a, _ in self.ivs]

    def within(self, lo: int, hi: int) -> list[Interval]:
        ivs = self.ivs
        i = bisect.bisect_right(self.los, lo) - 1
        if i < 0:
            i = 0
        out = []
        n = len(ivs)
        while i < n:
            a, b = ivs[i]
            if a > hi:
                break
            if b >= lo:
                out.append((a if a > lo else lo, b if b < hi else hi))
            i += 1
        return out


def check_regions(check: ZoneCheck, plan: AddressPlan) -> list[Region]:
    mask = 0
    for p in check.protocols:
        mask |= PROTOCOL_BITS.get(p, 0)
    ports = [(p.lo, p.hi) for p in check.ports] or [PORT_ALL]
    frm_src = [iv for z in check.sources for iv in plan.zone_intervals(z, "src")]
    to_dst = [iv for z in check.destinations for iv in plan.zone_intervals(z, "dst")]
    out = [Region(check, frm_src, to_dst, mask, ports, "dst")]
    if check.both_directions:
        to_src = [iv for z in check.destinations for iv in plan.zone_intervals(z, "src")]
        frm_dst = [iv for z in check.sources for iv in plan.zone_intervals(z, "dst")]
        out.append(Region(check, to_src, frm_dst, mask, ports, "src"))
    return [r for r in out if r]


def all_regions(idx: PolicyIndex, rules: RuleData) -> list[Region]:
    """Zone-check regions of ``rules`` over the index's address plan (cached with the plan, so
    every index of that plan gets the same Region objects)."""
    key = ("regions", id(rules))
    hit = idx.derived.get(key)
    if hit is None or hit[0] is not rules:
        hit = (rules, [r for c in rules.zone_checks for r in check_regions(c, idx.plan)])
        idx.derived[key] = hit
    regions: list[Region] = hit[1]
    return regions


def endpoints_for(idx: PolicyIndex, rules: RuleData) -> Endpoints:
    key = ("endpoints", id(rules))
    hit = idx.derived.get(key)
    if hit is None or hit[0] is not rules:
        hit = (rules, Endpoints(rules))
        idx.derived[key] = hit
    endpoints: Endpoints = hit[1]
    return endpoints


class Endpoints:
    """Approved specific-communication endpoints as address intervals (names included)."""

    def __init__(self, rules: RuleData) -> None:
        self.rules = rules
        self.domains = DomainSet(rules.specific_domains)
        self.prefixes = merge_intervals(parse_address_interval(p) for p in rules.specific_prefixes)
        self._names_seen = -1
        self._dst: list[Interval] = []

    def dst_intervals(self) -> list[Interval]:
        n = known_names()
        if n != self._names_seen:
            names = []
            for i in range(n):
                name = name_of(FQDN_BASE + i)
                if name is not None and self.domains.contains(name):
                    names.append((FQDN_BASE + i, FQDN_BASE + i))
            self._dst = merge_intervals([*self.prefixes, *names])
            self._names_seen = n
        return self._dst

    def region(self, side: str) -> list[Box]:
        if side == "dst":
            return product([(0, IP_MAX)], self.dst_intervals(), 7)
        return product(self.prefixes, [(0, DST_MAX)], 7)


def violations(
    part: FlowSet,
    controls: Sequence[str],
    regions: Sequence[Region],
    endpoints: Endpoints,
) -> list[tuple[ZoneCheck, FlowSet]]:
    """The zone-check violations inside ``part``, permitted by a rule with ``controls``."""
    out: list[tuple[ZoneCheck, FlowSet]] = []
    for region in regions:
        v = region.meet(part)
        if not v:
            continue
        check = region.check
        if check.exempt_controls and set(controls) & set(check.exempt_controls):
            if not check.exempt_endpoints_only:
                continue
            v = v.subtract(endpoints.region(region.endpoint_side))
            if not v:
                continue
        out.append((check, v))
    return out


def upload_domains(rules: RuleData) -> DomainSet:
    """The upload-capable services of ``rules`` as a DomainSet (cached per rule data)."""
    hit = _uploads.get(id(rules))
    if hit is None or hit[0] is not rules:
        hit = (rules, DomainSet(rules.upload_capable_domains))
        if len(_uploads) > 16:
            _uploads.clear()
        _uploads[id(rules)] = hit
    return hit[1]


_uploads: dict[int, tuple[RuleData, DomainSet]] = {}


def flows_text(fs: FlowSet, limit: int = 2) -> str:
    return "; ".join(describe_terms(fs.terms(), limit))


def relay_intervals(rules: RuleData, plan: AddressPlan) -> list[Interval]:
    return merge_intervals(iv for z in rules.relay_zones for iv in plan.zone_all.get(z, []))


def transitive_violations(
    check: ZoneCheck,
    plan: AddressPlan,
    relays: list[Interval],
    legs: Callable[[list[Interval], list[Interval]], FlowSet],
    newly: FlowSet | None,
) -> list[tuple[str, list[Interval]]]:
    """Relay hosts through which ``check.sources`` reach ``check.destinations`` (and back, for
    both-direction checks). ``legs(srcs, dsts)`` is the permitted part of ``srcs × dsts``; with
    ``newly`` only paths with at least one newly permitted leg are looked for. The leg touching
    ``check.sources`` (the protected zone) is evaluated first, the other only for its hosts."""
    if not relays:
        return []
    out: list[tuple[str, list[Interval]]] = []
    pairs = [(check.sources, check.destinations, True)]
    if check.both_directions:
        pairs.append((check.destinations, check.sources, False))
    for frm, to, protected_first in pairs:
        a_src = [iv for z in frm for iv in plan.zone_intervals(z, "src")]
        b_dst = [iv for z in to for iv in plan.zone_intervals(z, "dst")]
        hosts: list[Interval] = []
        if newly is None:
            if protected_first:
                h = legs(a_src, relays).dst_intervals()
                hosts = legs(h, b_dst).src_intervals() if h else []
            else:
                h = legs(relays, b_dst).src_intervals()
                hosts = legs(a_src, h).dst_intervals() if h else []
        else:
            n1 = meet_product(newly, a_src, relays)
            if n1:
                hosts.extend(legs(n1.dst_intervals(), b_dst).src_intervals())
            n2 = meet_product(newly, relays, b_dst)
            if n2:
                hosts.extend(legs(a_src, n2.src_intervals()).dst_intervals())
            hosts = merge_intervals(hosts)
        if hosts:
            out.append((f"{'/'.join(frm)}→{'/'.join(to)}", hosts))
    return out


def _meet(a: list[Interval], b: list[Interval]) -> list[Interval]:
    out = []
    for x0, x1 in a:
        for y0, y1 in b:
            lo, hi = max(x0, y0), min(x1, y1)
            if lo <= hi:
                out.append((lo, hi))
    return merge_intervals(out)
