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
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .domains import DomainError, DomainSet, PatternIndex, normalise_host, normalise_pattern
from .model import (
    SHARED,
    AddressBlock,
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
    srcs = _resolved(plan, sources, owner, "src", allow_range, problems)
    dsts = _resolved(plan, destinations, owner, "dst", allow_range, problems)
    mask = PROTOCOL_BITS.get(protocol)
    if mask is None:
        problems.append(("invalid_protocol", {"protocol": str(protocol)}))
        mask = 0
    port_ivs, port_problems = _port_intervals_cached(ports)
    problems.extend(port_problems)
    if not mask:
        return [], problems
    # ``product`` of already merged lists, without merging them again
    out: list[Box] = []
    tu = mask & 3
    icmp = mask & 4
    for s0, s1 in srcs:
        for d0, d1 in dsts:
            if tu:
                for p0, p1 in port_ivs:
                    out.append((s0, s1, d0, d1, tu, p0, p1))
            if icmp:
                out.append((s0, s1, d0, d1, icmp, 0, 65535))
    return out, problems


def _resolved(
    plan: AddressPlan,
    refs: Sequence[str],
    owner: str,
    role: str,
    allow_range: bool,
    problems: list[Problem],
) -> Sequence[Interval]:
    """The merged intervals of ``refs`` (each resolution is merged already)."""
    if len(refs) == 1:
        ivs, prob = plan.resolve(refs[0], owner, role, allow_range=allow_range)
        if prob:
            problems.append(prob)
        return ivs
    out: list[Interval] = []
    for ref in refs:
        ivs, prob = plan.resolve(ref, owner, role, allow_range=allow_range)
        if prob:
            problems.append(prob)
        out.extend(ivs)
    return merge_intervals(out)


_port_cache: dict[Any, tuple[list[Interval], list[Problem]]] = {}


def _port_intervals_cached(ports: Sequence[PortRange]) -> tuple[list[Interval], list[Problem]]:
    """:func:`port_intervals`, remembered per (hashable) port list; the result is shared and
    must not be modified."""
    try:
        hit = _port_cache.get(ports)
    except TypeError:  # an unhashable port list from bad input
        return port_intervals(ports)
    if hit is None:
        hit = port_intervals(ports)
        if len(_port_cache) < 4096:
            _port_cache[ports] = hit
    return hit


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


@dataclass
class _Bucket:
    by_dst: dict[int, list[int]]
    wide: list[int]


@dataclass
class _Group:
    by_dst: dict[int, list[tuple[int, int, int]]]
    wide: list[tuple[int, int, int]]


POS_BITS = 24
"""``RuleRef.pos`` is ``block << POS_BITS | index``: ascending in gateway order, and stable for
every section that did not change (so a section's refs can be shared between indexes)."""


class _Keys:
    """Bucket keys of a query: listed when few, else as intervals."""

    __slots__ = ("listed", "set")

    def __init__(self, ivs: Iterable[Interval]) -> None:
        self.set = _IvSet(ivs)
        if sum(b - a + 1 for a, b in self.set.ivs) <= SCAN:
            self.listed: list[int] | None = [k for a, b in self.set.ivs for k in range(a, b + 1)]
        else:
            self.listed = None

    def hits(self, mapping: dict[int, Any]) -> list[Any]:
        """Values of ``mapping`` whose key is one of these."""
        if self.listed is not None:
            return [v for v in map(mapping.get, self.listed) if v is not None]
        meets = self.set.meets
        return [v for k, v in mapping.items() if meets(k, k)]


class _Summary:
    __slots__ = ("dsts", "mask", "ports", "srcs")

    def __init__(self, boxes: Sequence[Box]) -> None:
        self.srcs = _IvSet((b[0], b[1]) for b in boxes)
        self.dsts = _IvSet((b[2], b[3]) for b in boxes)
        self.ports = _IvSet((b[5], b[6]) for b in boxes)
        mask = 0
        for b in boxes:
            mask |= b[4]
        self.mask = mask


class _Part:
    """One ordered rule list (the shared pre or post rules, or one organisation's rules) with
    everything derived from it: match boxes, a spatial bucket index over local positions, and
    lazily the meeting groups. Depends only on the rules, the section key, its block number and
    the address plan, so it is cached per (plan, section object) and shared between indexes."""

    def __init__(
        self, plan: AddressPlan, key: str, part: str, block: int, rules: Sequence[FirewallRule]
    ) -> None:
        self.key = key
        self.part = part
        self.block = block
        self.refs: list[RuleRef] = []
        self.by_uid: dict[str, RuleRef] = {}
        base = block << POS_BITS
        for i, rule in enumerate(rules):
            boxes, problems = rule_boxes(plan, key, rule)
            ref = RuleRef(base | i, key, part, i, (block, i), rule, tuple(boxes), tuple(problems))
            self.refs.append(ref)
            self.by_uid.setdefault(rule.uid, ref)
        self._src: dict[int, _Bucket] = {}
        self._dst: dict[int, list[int]] = {}
        self._global: list[int] = []
        self._registered = False  # the bucket index is built on first use
        self._summaries: dict[bool | None, _Summary] = {}
        self._groups: dict[tuple[bool, int, int, int, int, int], _Group] | None = None
        self.memo: dict[tuple[str, int], tuple[object, Any]] = {}
        """Results keyed by (purpose, identity of an object the answer depends on), with that
        object kept alive here so its id cannot be reused; see :func:`memo_get`."""

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

    def found(self, src_keys: _Keys, dst_keys: _Keys) -> set[int] | None:
        """Local positions of the rules with a box in the buckets of the given keys (None
        for none)."""
        if not self._registered:
            with _cache_lock:
                if not self._registered:
                    for i, ref in enumerate(self.refs):
                        self._register(i, ref.boxes)
                    self._registered = True
        found: set[int] | None = set(self._global) if self._global else None
        if self._src:
            for bucket in src_keys.hits(self._src):
                if bucket.wide:
                    if found is None:
                        found = set()
                    found.update(bucket.wide)
                for lst in dst_keys.hits(bucket.by_dst):
                    if found is None:
                        found = set()
                    found.update(lst)
        if self._dst:
            for lst in dst_keys.hits(self._dst):
                if found is None:
                    found = set()
                found.update(lst)
        return found

    def summary(self, want: bool | None) -> _Summary:
        """Per-dimension unions of the boxes of the part's rules (of one action when
        ``want`` is given): a necessary test before :meth:`meeting` looks closer."""
        found = self._summaries.get(want)
        if found is None:
            boxes = [
                b
                for ref in self.refs
                if want is None or (ref.rule.action == "allow") == want
                for b in ref.boxes
            ]
            found = self._summaries[want] = _Summary(boxes)
        return found

    def groups(self) -> dict[tuple[bool, int, int, int, int, int], _Group]:
        groups = self._groups
        if groups is not None:
            return groups
        groups = {}
        for i, ref in enumerate(self.refs):
            allow = ref.rule.action == "allow"
            for b in ref.boxes:
                key = (allow, b[0], b[1], b[4], b[5], b[6])
                g = groups.get(key)
                if g is None:
                    g = groups[key] = _Group({}, [])
                item = (i, b[2], b[3])
                dk0, dk1 = b[2] >> SHIFT, b[3] >> SHIFT
                if dk1 - dk0 < NARROW:
                    for dk in range(dk0, dk1 + 1):
                        g.by_dst.setdefault(dk, []).append(item)
                else:
                    g.wide.append(item)
        self._groups = groups
        return groups

    def meeting(
        self,
        s_set: _IvSet,
        d_set: _IvSet,
        p_set: _IvSet,
        mask: int,
        want: bool | None,
        d_keys: list[tuple[int, int]],
        few_keys: bool,
    ) -> list[RuleRef]:
        summary = self.summary(want)
        if not (
            summary.mask & mask
            and summary.srcs.meets_set(s_set)
            and summary.dsts.meets_set(d_set)
            and summary.ports.meets_set(p_set)
        ):
            return []  # no box of the part can meet the query: no need for the groups
        found: set[int] = set()
        for (allow, s0, s1, m, p0, p1), g in self.groups().items():
            if want is not None and allow != want:
                continue
            if not (m & mask and s_set.meets(s0, s1) and p_set.meets(p0, p1)):
                continue
            for i, d0, d1 in g.wide:
                if i not in found and d_set.meets(d0, d1):
                    found.add(i)
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
                    for i, d0, d1 in lst:
                        if i not in found and d_set.meets(d0, d1):
                            found.add(i)
        refs = self.refs
        return [refs[i] for i in sorted(found)]


class _ByUid(Mapping[tuple[str, str], RuleRef]):
    """``(section key, uid) -> RuleRef`` over the parts (the first occurrence wins)."""

    def __init__(self, parts: Sequence[_Part]) -> None:
        self._parts: dict[str, list[_Part]] = {}
        for part in parts:
            self._parts.setdefault(part.key, []).append(part)

    def _find(self, k: tuple[str, str]) -> RuleRef | None:
        for part in self._parts.get(k[0], ()):
            ref = part.by_uid.get(k[1])
            if ref is not None:
                return ref
        return None

    def __getitem__(self, k: tuple[str, str]) -> RuleRef:
        ref = self._find(k)
        if ref is None:
            raise KeyError(k)
        return ref

    def get(self, k: tuple[str, str], default: Any = None) -> Any:
        ref = self._find(k)
        return default if ref is None else ref

    def __contains__(self, k: object) -> bool:
        return isinstance(k, tuple) and len(k) == 2 and self._find(k) is not None

    def __iter__(self) -> Iterator[tuple[str, str]]:
        seen: set[tuple[str, str]] = set()
        for key, parts in self._parts.items():
            for part in parts:
                for uid in part.by_uid:
                    if (key, uid) not in seen:
                        seen.add((key, uid))
                        yield key, uid

    def __len__(self) -> int:
        return sum(1 for _ in self)


class SectionData:
    """What is derived from one section's domain entries alone (cached per Section object)."""

    def __init__(self, section: Section) -> None:
        self.section = weakref.ref(section)
        self.domains = section.domains
        self.sets: dict[str, DomainSet] = {}
        self.lookups: dict[str, PatternIndex] = {}
        self.effective: dict[str, tuple[weakref.ref[Section], DomainSet]] = {}
        self.memo: dict[tuple[str, int], tuple[object, Any]] = {}
        self._uids: frozenset[str] | None = None

    def domain_uids(self) -> frozenset[str]:
        if self._uids is None:
            self._uids = frozenset(d.uid for d in self.domains)
        return self._uids

    def domain_set(self, kind: str) -> DomainSet:
        found = self.sets.get(kind)
        if found is None:
            found = self.sets[kind] = domain_set_of(self.domains, kind)
        return found

    def lookup(self, kind: str) -> PatternIndex:
        """The entries of ``kind`` by pattern overlap."""
        found = self.lookups.get(kind)
        if found is None:
            found = self.lookups[kind] = PatternIndex(
                (d.uid, d.pattern) for d in self.domains if d.kind == kind
            )
        return found


class _PlanState:
    """One address plan and the rule parts derived under it (shared by every index whose
    snapshot has equal address plans and the same organisations)."""

    def __init__(self, snapshot: PolicySnapshot) -> None:
        self.plan = AddressPlan(snapshot)
        self.parts: dict[tuple[int, str, int], tuple[weakref.ref[Section], _Part]] = {}
        self.cache: dict[Any, Any] = {}
        self.lock = threading.Lock()

    def part(self, section: Section, key: str, part: str, block: int) -> _Part:
        ck = (id(section), part, block)
        hit = self.parts.get(ck)
        if hit is not None and hit[0]() is section:
            return hit[1]
        rules = section.post_rules if part == "post" else section.rules
        built = _Part(self.plan, key, part, block, rules)
        _remember(self.parts, ck, section, built)
        return built


def memo_get(store: dict[tuple[str, int], tuple[object, Any]], tag: str, obj: object) -> Any:
    """The value remembered for (``tag``, ``obj``), or None."""
    hit = store.get((tag, id(obj)))
    if hit is not None and hit[0] is obj:
        return hit[1]
    return None


def memo_put(
    store: dict[tuple[str, int], tuple[object, Any]], tag: str, obj: object, value: Any
) -> None:
    store[(tag, id(obj))] = (obj, value)


def _remember(
    store: dict[Any, tuple[weakref.ref[Any], Any]], key: Any, obj: Any, value: Any
) -> None:
    """``store[key] = (weakref to obj, value)``, dropped when ``obj`` goes."""

    def drop(r: weakref.ref[Any]) -> None:
        hit = store.get(key)
        if hit is not None and hit[0] is r:
            store.pop(key, None)

    store[key] = (weakref.ref(obj, drop), value)


_MAX_PLANS = 4
_plan_states: OrderedDict[tuple[tuple[str, tuple[AddressBlock, ...]], ...], _PlanState] = (
    OrderedDict()
)
_section_data: dict[int, tuple[weakref.ref[Section], SectionData]] = {}
_cache_lock = threading.Lock()


def _plan_state(snapshot: PolicySnapshot) -> _PlanState:
    fingerprint = tuple(
        (key, section.address_plan)
        for key, section in [(SHARED, snapshot.shared), *sorted(snapshot.orgs.items())]
    )
    with _cache_lock:
        state = _plan_states.get(fingerprint)
        if state is not None:
            _plan_states.move_to_end(fingerprint)
            return state
    state = _PlanState(snapshot)
    with _cache_lock:
        _plan_states[fingerprint] = state
        while len(_plan_states) > _MAX_PLANS:
            _plan_states.popitem(last=False)
    return state


def section_data(section: Section) -> SectionData:
    """The (cached) domain-derived data of one Section object."""
    hit = _section_data.get(id(section))
    if hit is not None and hit[0]() is section:
        return hit[1]
    built = SectionData(section)
    with _cache_lock:
        _remember(_section_data, id(section), section, built)
    return built


class PolicyIndex:
    """Everything derived from one snapshot that the verifier reuses.

    Built from per-section parts cached by Section identity (see :func:`index`): after
    ``apply_change`` only the changed section's part is derived again.
    """

    def __init__(self, snapshot: PolicySnapshot, *, reuse: bool = True) -> None:
        """``reuse=False`` derives everything afresh and shares nothing (for tests and
        audits of the caches)."""
        # no reference to the snapshot itself: the cache entry must not keep it alive
        self.sections: dict[str, Section] = {SHARED: snapshot.shared, **snapshot.orgs}
        state = _plan_state(snapshot) if reuse else _PlanState(snapshot)
        self.plan = state.plan
        self.derived: dict[Any, Any] = state.cache
        """Cache for data derived from the address plan alone (zone-check regions …)."""
        codes = sorted(snapshot.orgs)
        self.section_block: dict[str, int] = {SHARED: 0}
        parts = [state.part(snapshot.shared, SHARED, "pre", 0)]
        for n, code in enumerate(codes, start=1):
            self.section_block[code] = n
            parts.append(state.part(snapshot.orgs[code], code, "", n))
        self.post_block = len(codes) + 1
        parts.append(state.part(snapshot.shared, SHARED, "post", self.post_block))
        self.parts: tuple[_Part, ...] = tuple(parts)
        self.by_uid: Mapping[tuple[str, str], RuleRef] = _ByUid(self.parts)
        self._refs: list[RuleRef] | None = None
        self._data = {
            key: section_data(section) if reuse else SectionData(section)
            for key, section in self.sections.items()
        }
        self.cache: dict[Any, Any] = {}
        """Free-form per-index cache."""

    @property
    def refs(self) -> list[RuleRef]:
        """Every rule in gateway order."""
        if self._refs is None:
            self._refs = [ref for part in self.parts for ref in part.refs]
        return self._refs

    def ref_at(self, pos: int) -> RuleRef:
        block, i = pos >> POS_BITS, pos & ((1 << POS_BITS) - 1)
        return self.parts[block].refs[i]

    def meeting(
        self,
        srcs: Sequence[Interval],
        dsts: Sequence[Interval],
        mask: int,
        ports: Sequence[Interval],
        action: str | None = None,
        *,
        memo: object | None = None,
    ) -> list[RuleRef]:
        """Rules (in order) with a box meeting the product ``srcs × dsts × mask × ports``.

        With ``memo`` (an object the caller keeps for exactly this query, e.g. a zone-check
        region) each part's answer is remembered, so an index sharing parts answers again
        only for the parts that changed."""
        s_set, d_set, p_set = _IvSet(srcs), _IvSet(dsts), _IvSet(ports)
        want = None if action is None else action == "allow"
        d_keys = [(d0 >> SHIFT, d1 >> SHIFT) for d0, d1 in d_set.ivs]
        few_keys = sum(k1 - k0 + 1 for k0, k1 in d_keys) <= SCAN
        out: list[RuleRef] = []
        for part in self.parts:
            if memo is None:
                out.extend(part.meeting(s_set, d_set, p_set, mask, want, d_keys, few_keys))
                continue
            tag = f"meeting:{action}"
            found = memo_get(part.memo, tag, memo)
            if found is None:
                found = part.meeting(s_set, d_set, p_set, mask, want, d_keys, few_keys)
                memo_put(part.memo, tag, memo, found)
            out.extend(found)
        return out

    # ------------------------------------------------------------------ spatial index

    def candidates(self, region: Sequence[Box], action: str | None = None) -> list[RuleRef]:
        """Rules (in gateway order) with a match box meeting ``region`` (exact); only rules
        with ``action`` when given."""
        return list(self.iter_candidates(region, action))

    def iter_candidates(
        self, region: Sequence[Box], action: str | None = None
    ) -> Iterator[RuleRef]:
        """:meth:`candidates`, lazily: a first-match walk that ends early checks fewer rules
        (and looks into fewer sections)."""
        if not region:
            return
        src_keys = _Keys((q[0] >> SHIFT, q[1] >> SHIFT) for q in region)
        dst_keys = _Keys((q[2] >> SHIFT, q[3] >> SHIFT) for q in region)
        reg_src = _IvSet((q[0], q[1]) for q in region)
        reg_dst = _IvSet((q[2], q[3]) for q in region)
        reg_mask = 0
        for q in region:
            reg_mask |= q[4]
        for part in self.parts:
            found = part.found(src_keys, dst_keys)
            if not found:
                continue
            refs = part.refs
            for i in sorted(found):
                ref = refs[i]
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

    def section_data(self, key: str) -> SectionData:
        return self._data[key]

    def domain_set(self, key: str, kind: str) -> DomainSet:
        """The patterns of one section's entries of ``kind`` (``allow`` / ``tls_exempt``)."""
        return self._data[key].domain_set(kind)

    def domain_lookup(self, key: str, kind: str) -> PatternIndex:
        """One section's entries of ``kind``, looked up by pattern overlap."""
        return self._data[key].lookup(kind)

    def effective_domains(self, org: str, kind: str) -> DomainSet:
        """What the proxy applies to requests of ``org``: shared entries plus its own."""
        if org == SHARED:
            return self.domain_set(SHARED, kind)
        data = self._data[org]
        shared = self.sections[SHARED]
        hit = data.effective.get(kind)
        if hit is not None and hit[0]() is shared:
            return hit[1]
        found = self.domain_set(SHARED, kind) | self.domain_set(org, kind)
        data.effective[kind] = (weakref.ref(shared), found)
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
