"""Address resolution, rule match boxes, and the per-snapshot index the verifier works from.

:func:`index` builds a :class:`PolicyIndex` once per snapshot object (cached by identity, freed
with the snapshot): every rule's match boxes, a spatial bucket index over source/destination
address blocks (so the verifier only looks at rules that can intersect the region a change
touches), and lazily built domain sets per section.
"""

from __future__ import annotations

import bisect
import ipaddress
import socket
import threading
import weakref
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .domains import DomainError, DomainSet, normalise_host, normalise_pattern
from .model import (
    SHARED,
    FirewallRule,
    PolicySnapshot,
    PortRange,
    Section,
)
from .space import (
    DST_MAX,
    FQDN_BASE,
    IP_MAX,
    PORT_ALL,
    PROTOCOL_BITS,
    Box,
    Interval,
    box_intersect,
    boxes_overlap,
    complement_intervals,
    intern_name,
    merge_intervals,
    parse_address_interval,
    product,
    subtract_boxes,
)

Problem = tuple[str, dict[str, Any]]
"""An input problem: (finding code, params)."""

EXTERNAL = "external"
EVERY_ZONE = "*"


class AddressPlan:
    """Every organisation's address plan (and the shared section's), resolved to intervals."""

    def __init__(self, snapshot: PolicySnapshot) -> None:
        self.problems: list[tuple[str, Problem]] = []
        blocks: list[tuple[int, int, str, str]] = []
        sections: list[tuple[str, Section]] = [(SHARED, snapshot.shared)]
        sections.extend(sorted(snapshot.orgs.items()))
        for key, section in sections:
            for block in section.address_plan:
                try:
                    net = ipaddress.IPv4Network(block.prefix)
                except ValueError as exc:
                    self.problems.append(
                        (key, ("invalid_address", {"ref": block.prefix, "error": str(exc)}))
                    )
                    continue
                blocks.append(
                    (int(net.network_address), int(net.broadcast_address), key, block.zone)
                )
        blocks.sort()
        self.blocks = blocks
        self._starts = [b[0] for b in blocks]
        org_zone: dict[tuple[str, str], list[Interval]] = {}
        zone_all: dict[str, list[Interval]] = {}
        org_all: dict[str, list[Interval]] = {}
        for lo, hi, key, zone in blocks:
            org_zone.setdefault((key, zone), []).append((lo, hi))
            zone_all.setdefault(zone, []).append((lo, hi))
            org_all.setdefault(key, []).append((lo, hi))
        self.org_zone = {k: merge_intervals(v) for k, v in org_zone.items()}
        self.zone_all = {k: merge_intervals(v) for k, v in zone_all.items()}
        self.org_all = {k: merge_intervals(v) for k, v in org_all.items()}
        self.planned = merge_intervals((b[0], b[1]) for b in blocks)
        self.external_ip = complement_intervals(self.planned, 0, IP_MAX)
        self.external_dst = [*self.external_ip, (FQDN_BASE, DST_MAX)]
        self.orgs = tuple(sorted(snapshot.orgs))
        self._cache: dict[tuple[str, str, str, bool], tuple[list[Interval], Problem | None]] = {}

    # ------------------------------------------------------------------ lookups

    def locate(self, address: int) -> list[tuple[str, str]]:
        """(section key, zone) of the plan blocks holding ``address``."""
        out = []
        i = bisect.bisect_right(self._starts, address)
        for lo, hi, key, zone in self.blocks[:i]:
            if lo <= address <= hi:
                out.append((key, zone))
        return out

    def orgs_touching(self, intervals: Iterable[Interval]) -> set[str]:
        """Organisations (not the shared section) with a plan block meeting ``intervals``."""
        out: set[str] = set()
        for a, b in intervals:
            if a > IP_MAX:
                continue
            i = bisect.bisect_right(self._starts, b)
            for lo, hi, key, _zone in self.blocks[:i]:
                if key != SHARED and lo <= b and a <= hi:
                    out.add(key)
        return out

    def zone_intervals(self, zone: str, role: str) -> list[Interval]:
        """Intervals of a zone-check zone: a zone id (every plan), ``external`` or ``*``."""
        if zone == EXTERNAL:
            return self.external_dst if role == "dst" else self.external_ip
        if zone == EVERY_ZONE:
            return self.planned
        return self.zone_all.get(zone, [])

    # ------------------------------------------------------------------ references

    def resolve(
        self, ref: str, owner: str, role: str, *, allow_range: bool = False
    ) -> tuple[list[Interval], Problem | None]:
        """Intervals of one address reference (see ``model``), or a problem."""
        key = (ref, owner, role, allow_range)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._resolve(ref, owner, role, allow_range)
            self._cache[key] = hit
        return hit

    def _resolve(
        self, ref: str, owner: str, role: str, allow_range: bool
    ) -> tuple[list[Interval], Problem | None]:
        text = ref.strip()
        if text == "any":
            return [(0, DST_MAX if role == "dst" else IP_MAX)], None
        if text == "internet":
            return (self.external_dst if role == "dst" else self.external_ip), None
        if text.startswith("zone:"):
            zone = text[5:]
            plan_zone = self.zone_all.get(zone) if owner == SHARED else None
            found = plan_zone if owner == SHARED else self.org_zone.get((owner, zone))
            if found is None:
                return [], ("unknown_zone", {"ref": ref, "zone": zone, "org": owner})
            return found, None
        if text.startswith("fqdn:"):
            if role != "dst":
                return [], ("fqdn_source", {"ref": ref})
            try:
                name = normalise_host(text[5:])
            except DomainError:
                return [], ("invalid_domain", {"ref": ref})
            v = intern_name(name)
            return [(v, v)], None
        fast = _fast_prefix(text)
        if fast is not None:
            return [fast], None
        if "-" in text and allow_range:
            try:
                return [parse_address_interval(text)], None
            except ValueError as exc:
                return [], ("invalid_address", {"ref": ref, "error": str(exc)})
        try:
            net = ipaddress.IPv4Network(text)
        except ValueError as exc:
            try:
                loose = ipaddress.IPv4Network(text, strict=False)
            except ValueError:
                return [], ("invalid_address", {"ref": ref, "error": str(exc)})
            return [], ("host_bits_set", {"ref": ref, "network": str(loose)})
        return [(int(net.network_address), int(net.broadcast_address))], None


def _fast_prefix(text: str) -> Interval | None:
    """``a.b.c.d[/n]`` in canonical form (no host bits) without ``ipaddress``; else None."""
    addr, slash, plen = text.partition("/")
    try:
        packed = socket.inet_aton(addr)
    except OSError:
        return None
    if socket.inet_ntoa(packed) != addr:
        return None  # not dotted-quad canonical: let ipaddress judge
    value = int.from_bytes(packed, "big")
    if slash:
        if not plen.isdigit() or len(plen) > 2:
            return None
        length = int(plen)
        if length > 32:
            return None
    else:
        length = 32
    size = 1 << (32 - length)
    if value & (size - 1):
        return None
    return value, value + size - 1


def port_intervals(ports: Sequence[PortRange]) -> tuple[list[Interval], list[Problem]]:
    if not ports:
        return [PORT_ALL], []
    out: list[Interval] = []
    problems: list[Problem] = []
    for p in ports:
        lo, hi = getattr(p, "lo", None), getattr(p, "hi", None)
        if not isinstance(lo, int) or not isinstance(hi, int) or not (0 <= lo <= hi <= 65535):
            problems.append(("invalid_port", {"ports": str(p)}))
            continue
        out.append((lo, hi))
    return merge_intervals(out), problems


def flow_boxes(
    plan: AddressPlan,
    owner: str,
    sources: Sequence[str],
    destinations: Sequence[str],
    protocol: str,
    ports: Sequence[PortRange],
    *,
    allow_range: bool = False,
) -> tuple[list[Box], list[Problem]]:
    """Match boxes of (sources, destinations, protocol, ports) resolved for ``owner``."""
    problems: list[Problem] = []
    srcs: list[Interval] = []
    dsts: list[Interval] = []
    for ref in sources:
        ivs, prob = plan.resolve(ref, owner, "src", allow_range=allow_range)
        if prob:
            problems.append(prob)
        srcs.extend(ivs)
    for ref in destinations:
        ivs, prob = plan.resolve(ref, owner, "dst", allow_range=allow_range)
        if prob:
            problems.append(prob)
        dsts.extend(ivs)
    mask = PROTOCOL_BITS.get(protocol)
    if mask is None:
        problems.append(("invalid_protocol", {"protocol": str(protocol)}))
        mask = 0
    port_ivs, port_problems = port_intervals(ports)
    problems.extend(port_problems)
    if not mask:
        return [], problems
    return product(srcs, dsts, mask, port_ivs), problems


def rule_boxes(
    plan: AddressPlan, owner: str, rule: FirewallRule
) -> tuple[list[Box], list[Problem]]:
    boxes, problems = flow_boxes(
        plan, owner, rule.sources, rule.destinations, rule.protocol, rule.ports
    )
    if rule.action not in ("allow", "deny"):
        problems.append(("invalid_action", {"action": str(rule.action)}))
    if rule.direction not in ("outbound", "inbound", "internal"):
        problems.append(("invalid_direction", {"direction": str(rule.direction)}))
    if not rule.sources or not rule.destinations:
        problems.append(("empty_reference", {}))
    return boxes, [(code, {"rule": rule.uid, **params}) for code, params in problems]


# --------------------------------------------------------------------------- rules in order


class RuleRef:
    """One rule at its place in the gateway's ordered list."""

    __slots__ = ("_shape", "boxes", "index", "key", "order", "part", "pos", "problems", "rule")

    def __init__(
        self,
        pos: int,
        key: str,
        part: str,
        index: int,
        order: tuple[int, int],
        rule: FirewallRule,
        boxes: tuple[Box, ...],
        problems: tuple[Problem, ...],
    ) -> None:
        self.pos = pos
        self.key = key
        self.part = part  # "pre" / "post" for the shared section, "" for an organisation's
        self.index = index
        self.order = order
        self.rule = rule
        self.boxes = boxes
        self.problems = problems
        self._shape: RuleShape | None = None

    @property
    def shape(self) -> RuleShape:
        if self._shape is None:
            self._shape = RuleShape(self.boxes)
        return self._shape

    @property
    def label(self) -> str:
        return f"{self.key or 'shared'}:{self.rule.uid}"


SHIFT = 16
NARROW = 16
SCAN = 64


class _IvSet:
    """Sorted disjoint intervals with a fast "meets" test."""

    __slots__ = ("ivs", "los")

    def __init__(self, ivs: Iterable[Interval]) -> None:
        self.ivs = merge_intervals(ivs)
        self.los = [a for a, _ in self.ivs]

    def meets(self, lo: int, hi: int) -> bool:
        i = bisect.bisect_right(self.los, hi) - 1
        return i >= 0 and self.ivs[i][1] >= lo

    def meets_set(self, other: _IvSet) -> bool:
        small, large = (self, other) if len(self.ivs) <= len(other.ivs) else (other, self)
        return any(large.meets(a, b) for a, b in small.ivs)


class RuleShape:
    """A rule's match as the product it is: sources × destinations × protocols × ports
    (ICMP ignoring ports). Overlap tests against boxes are exact and logarithmic."""

    __slots__ = ("dsts", "ic", "ports", "srcs", "tu")

    def __init__(self, boxes: Sequence[Box]) -> None:
        self.srcs = _IvSet((b[0], b[1]) for b in boxes)
        self.dsts = _IvSet((b[2], b[3]) for b in boxes)
        self.ports = _IvSet((b[5], b[6]) for b in boxes if b[4] & 3)
        mask = 0
        for b in boxes:
            mask |= b[4]
        self.tu = mask & 3
        self.ic = mask & 4

    def meets_box(self, q: Box) -> bool:
        return (
            self.srcs.meets(q[0], q[1])
            and self.dsts.meets(q[2], q[3])
            and bool((q[4] & self.tu and self.ports.meets(q[5], q[6])) or q[4] & self.ic)
        )


class _Projection:
    """Per-dimension projections of a region: a cheap necessary test before the exact one."""

    def __init__(self, region: Sequence[Box]) -> None:
        self.src = merge_intervals((b[0], b[1]) for b in region)
        self.dst = merge_intervals((b[2], b[3]) for b in region)
        self.ports = merge_intervals((b[5], b[6]) for b in region)
        self.mask = 0
        for b in region:
            self.mask |= b[4]
        self._src_lo = [a for a, _ in self.src]
        self._dst_lo = [a for a, _ in self.dst]
        self._port_lo = [a for a, _ in self.ports]

    @staticmethod
    def _meets(los: list[int], ivs: list[Interval], lo: int, hi: int) -> bool:
        i = bisect.bisect_right(los, hi) - 1
        return i >= 0 and ivs[i][1] >= lo

    def may_meet(self, b: Box) -> bool:
        return bool(
            b[4] & self.mask
            and self._meets(self._src_lo, self.src, b[0], b[1])
            and self._meets(self._dst_lo, self.dst, b[2], b[3])
            and self._meets(self._port_lo, self.ports, b[5], b[6])
        )


@dataclass
class _Bucket:
    by_dst: dict[int, list[int]]
    wide: list[int]


@dataclass
class _Group:
    by_dst: dict[int, list[tuple[int, int, int]]]
    wide: list[tuple[int, int, int]]


class PolicyIndex:
    """Everything derived from one snapshot that the verifier reuses."""

    def __init__(self, snapshot: PolicySnapshot) -> None:
        # no reference to the snapshot itself: the cache entry must not keep it alive
        self.sections: dict[str, Section] = {SHARED: snapshot.shared, **snapshot.orgs}
        self.plan = AddressPlan(snapshot)
        self.refs: list[RuleRef] = []
        self.by_uid: dict[tuple[str, str], RuleRef] = {}
        codes = sorted(snapshot.orgs)
        self.section_block: dict[str, int] = {SHARED: 0}
        parts: list[tuple[str, str, int, Sequence[FirewallRule]]] = [
            (SHARED, "pre", 0, snapshot.shared.rules)
        ]
        for n, code in enumerate(codes, start=1):
            self.section_block[code] = n
            parts.append((code, "", n, snapshot.orgs[code].rules))
        self.post_block = len(codes) + 1
        parts.append((SHARED, "post", self.post_block, snapshot.shared.post_rules))
        for key, part, block, rules in parts:
            for i, rule in enumerate(rules):
                boxes, problems = rule_boxes(self.plan, key, rule)
                ref = RuleRef(
                    len(self.refs), key, part, i, (block, i), rule, tuple(boxes), tuple(problems)
                )
                self.refs.append(ref)
                self.by_uid.setdefault((key, rule.uid), ref)
        self._src: dict[int, _Bucket] = {}
        self._dst: dict[int, list[int]] = {}
        self._global: list[int] = []
        for ref in self.refs:
            self._register(ref.pos, ref.boxes)
        self._domain_cache: dict[tuple[str, str], DomainSet] = {}
        self._lock = threading.Lock()
        self._groups: dict[tuple[bool, int, int, int, int, int], _Group] | None = None
        self.cache: dict[Any, Any] = {}
        """Free-form cache for derived data (zone-check regions per rule data …)."""

    def _build_groups(self) -> dict[tuple[bool, int, int, int, int, int], _Group]:
        groups: dict[tuple[bool, int, int, int, int, int], _Group] = {}
        for ref in self.refs:
            allow = ref.rule.action == "allow"
            for b in ref.boxes:
                key = (allow, b[0], b[1], b[4], b[5], b[6])
                g = groups.get(key)
                if g is None:
                    g = groups[key] = _Group({}, [])
                item = (ref.pos, b[2], b[3])
                dk0, dk1 = b[2] >> SHIFT, b[3] >> SHIFT
                if dk1 - dk0 < NARROW:
                    for dk in range(dk0, dk1 + 1):
                        g.by_dst.setdefault(dk, []).append(item)
                else:
                    g.wide.append(item)
        return groups

    def meeting(
        self,
        srcs: Sequence[Interval],
        dsts: Sequence[Interval],
        mask: int,
        ports: Sequence[Interval],
        action: str | None = None,
    ) -> list[RuleRef]:
        """Rules (in order) with a box meeting the product ``srcs × dsts × mask × ports``."""
        if self._groups is None:
            with self._lock:
                if self._groups is None:
                    self._groups = self._build_groups()
        s_set, d_set, p_set = _IvSet(srcs), _IvSet(dsts), _IvSet(ports)
        want = None if action is None else action == "allow"
        d_keys = [(d0 >> SHIFT, d1 >> SHIFT) for d0, d1 in d_set.ivs]
        few_keys = sum(k1 - k0 + 1 for k0, k1 in d_keys) <= SCAN
        found: set[int] = set()
        for (allow, s0, s1, m, p0, p1), g in self._groups.items():
            if want is not None and allow != want:
                continue
            if not (m & mask and s_set.meets(s0, s1) and p_set.meets(p0, p1)):
                continue
            for pos, d0, d1 in g.wide:
                if pos not in found and d_set.meets(d0, d1):
                    found.add(pos)
            by_dst = g.by_dst
            if few_keys:
                lists = [by_dst.get(dk) for k0, k1 in d_keys for dk in range(k0, k1 + 1)]
            else:
                lists = [
                    lst
                    for dk, lst in by_dst.items()
                    if d_set.meets(dk << SHIFT, ((dk + 1) << SHIFT) - 1)
                ]
            for lst in lists:
                if lst:
                    for pos, d0, d1 in lst:
                        if pos not in found and d_set.meets(d0, d1):
                            found.add(pos)
        return [self.refs[pos] for pos in sorted(found)]

    # ------------------------------------------------------------------ spatial index

    def _register(self, pos: int, boxes: Iterable[Box]) -> None:
        for b in boxes:
            sk0, sk1 = b[0] >> SHIFT, b[1] >> SHIFT
            dk0, dk1 = b[2] >> SHIFT, b[3] >> SHIFT
            if sk1 - sk0 < NARROW:
                for sk in range(sk0, sk1 + 1):
                    bucket = self._src.get(sk)
                    if bucket is None:
                        bucket = self._src[sk] = _Bucket({}, [])
                    if dk1 - dk0 < NARROW:
                        for dk in range(dk0, dk1 + 1):
                            bucket.by_dst.setdefault(dk, []).append(pos)
                    else:
                        bucket.wide.append(pos)
            elif dk1 - dk0 < NARROW:
                for dk in range(dk0, dk1 + 1):
                    self._dst.setdefault(dk, []).append(pos)
            else:
                self._global.append(pos)

    @staticmethod
    def _keys(mapping: dict[int, Any], lo: int, hi: int) -> Iterable[int]:
        if hi - lo <= SCAN:
            return range(lo, hi + 1)
        return [k for k in mapping if lo <= k <= hi]

    @staticmethod
    def _key_hits(mapping: dict[int, Any], keys: _IvSet) -> list[Any]:
        """Values of ``mapping`` whose integer key lies in ``keys``."""
        if sum(b - a + 1 for a, b in keys.ivs) <= SCAN:
            out = []
            for a, b in keys.ivs:
                for k in range(a, b + 1):
                    v = mapping.get(k)
                    if v is not None:
                        out.append(v)
            return out
        return [v for k, v in mapping.items() if keys.meets(k, k)]

    def candidates(self, region: Sequence[Box], action: str | None = None) -> list[RuleRef]:
        """Rules (in gateway order) with a match box meeting ``region`` (exact); only rules
        with ``action`` when given."""
        return list(self.iter_candidates(region, action))

    def iter_candidates(
        self, region: Sequence[Box], action: str | None = None
    ) -> Iterator[RuleRef]:
        """:meth:`candidates`, lazily: a first-match walk that ends early checks fewer rules."""
        if not region:
            return
        found: set[int] = set(self._global)
        src_keys = _IvSet((q[0] >> SHIFT, q[1] >> SHIFT) for q in region)
        dst_keys = _IvSet((q[2] >> SHIFT, q[3] >> SHIFT) for q in region)
        for bucket in self._key_hits(self._src, src_keys):
            found.update(bucket.wide)
            for lst in self._key_hits(bucket.by_dst, dst_keys):
                found.update(lst)
        for lst in self._key_hits(self._dst, dst_keys):
            found.update(lst)
        reg_src = _IvSet((q[0], q[1]) for q in region)
        reg_dst = _IvSet((q[2], q[3]) for q in region)
        reg_mask = 0
        for q in region:
            reg_mask |= q[4]
        refs = self.refs
        for pos in sorted(found):
            ref = refs[pos]
            if action is not None and ref.rule.action != action:
                continue
            shape = ref.shape
            if not (
                (shape.tu | shape.ic) & reg_mask
                and shape.srcs.meets_set(reg_src)
                and shape.dsts.meets_set(reg_dst)
            ):
                continue
            if any(shape.meets_box(q) for q in region):
                yield ref

    # ------------------------------------------------------------------ domains

    def domain_set(self, key: str, kind: str) -> DomainSet:
        """The patterns of one section's entries of ``kind`` (``allow`` / ``tls_exempt``)."""
        ck = (key, kind)
        found = self._domain_cache.get(ck)
        if found is None:
            found = domain_set_of(self.sections[key].domains, kind)
            with self._lock:
                self._domain_cache[ck] = found
        return found

    def effective_domains(self, org: str, kind: str) -> DomainSet:
        """What the proxy applies to requests of ``org``: shared entries plus its own."""
        if org == SHARED:
            return self.domain_set(SHARED, kind)
        ck = (f"eff:{org}", kind)
        found = self._domain_cache.get(ck)
        if found is None:
            found = self.domain_set(SHARED, kind) | self.domain_set(org, kind)
            with self._lock:
                self._domain_cache[ck] = found
        return found


def domain_set_of(entries: Iterable[Any], kind: str) -> DomainSet:
    patterns = []
    for e in entries:
        if e.kind != kind:
            continue
        try:
            patterns.append(normalise_pattern(e.pattern))
        except DomainError:
            continue
    return DomainSet(patterns)


# --------------------------------------------------------------------------- first match


def first_match(
    region: Sequence[Box], rules: Iterable[tuple[Any, str, Sequence[Box]]]
) -> tuple[list[Box], list[tuple[Any, str, list[Box]]]]:
    """Evaluate ordered ``(tag, action, boxes)`` over ``region`` (first match wins, then the
    implicit deny). Returns the permitted part of the region and, per rule that decides some of
    it, ``(tag, action, decided boxes)``."""
    remaining = list(region)
    allowed: list[Box] = []
    hits: list[tuple[Any, str, list[Box]]] = []
    if not remaining:
        return allowed, hits
    for tag, action, boxes in rules:
        relevant = [b for b in boxes if any(boxes_overlap(b, r) for r in remaining)]
        if not relevant:
            continue
        hit: list[Box] = []
        for r in remaining:
            for b in relevant:
                c = box_intersect(r, b)
                if c is not None:
                    hit.append(c)
        # boxes of one rule are disjoint by construction, so ``hit`` is disjoint
        if action == "allow":
            allowed.extend(hit)
        hits.append((tag, action, hit))
        remaining = subtract_boxes(remaining, relevant)
        if not remaining:
            break  # before asking a lazy rule source for the next candidate
    return allowed, hits


# --------------------------------------------------------------------------- cache

_indexes: dict[int, tuple[weakref.ref[PolicySnapshot], PolicyIndex]] = {}
_index_lock = threading.Lock()


def index(snapshot: PolicySnapshot) -> PolicyIndex:
    """The (cached) index of ``snapshot``; built on first use, dropped with the snapshot."""
    key = id(snapshot)
    hit = _indexes.get(key)
    if hit is not None and hit[0]() is snapshot:
        return hit[1]
    built = PolicyIndex(snapshot)
    with _index_lock:
        _indexes[key] = (weakref.ref(snapshot), built)
        weakref.finalize(snapshot, _indexes.pop, key, None)
    return built
