"""Exact header-space algebra for the gateway firewall.

A packet header is ``(source, destination, protocol, destination port)``:

* the source is an IPv4 address, an integer in ``0 .. 2**32 - 1``;
* the destination is an IPv4 address or a *named destination* (``fqdn:host``). Names are
  interned as atoms above the IPv4 space: ``2**32 + id``. ``"any"`` and ``"internet"`` cover
  every name (public names resolve to the outside world), prefixes and zones cover none;
* the protocol is one of ``tcp``/``udp``/``icmp`` (a bit mask in a box);
* the port is ``0 .. 65535``; ICMP boxes always span the whole port range, so ICMP behaves as if
  it had no port dimension.

A :class:`Box` is a product of intervals (and a protocol set); a :class:`FlowSet` is a finite
union of *disjoint* boxes. Every operation is exact: no sampling, no approximation.
"""

from __future__ import annotations

import ipaddress
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

IP_MAX = (1 << 32) - 1
FQDN_BASE = 1 << 32
DST_MAX = (1 << 33) - 1
PORT_ALL = (0, 65535)

TCP, UDP, ICMP = 1, 2, 4
ALL_PROTOCOLS = TCP | UDP | ICMP
PROTOCOL_BITS: dict[str, int] = {"tcp": TCP, "udp": UDP, "icmp": ICMP, "any": ALL_PROTOCOLS}
BIT_NAMES: tuple[tuple[int, str], ...] = ((TCP, "tcp"), (UDP, "udp"), (ICMP, "icmp"))

Box = tuple[int, int, int, int, int, int, int]
"""``(src_lo, src_hi, dst_lo, dst_hi, protocol_mask, port_lo, port_hi)``, bounds inclusive."""

Interval = tuple[int, int]

# --------------------------------------------------------------------------- named destinations

_names: list[str] = []
_name_ids: dict[str, int] = {}
_names_lock = threading.Lock()


def intern_name(name: str) -> int:
    """The destination value of a (normalised) DNS name; stable for the life of the process."""
    found = _name_ids.get(name)
    if found is not None:
        return FQDN_BASE + found
    with _names_lock:
        found = _name_ids.get(name)
        if found is None:
            found = len(_names)
            _names.append(name)
            _name_ids[name] = found
    return FQDN_BASE + found


def name_of(value: int) -> str | None:
    """The DNS name of a destination value, or ``None`` for an address / unknown id."""
    i = value - FQDN_BASE
    if 0 <= i < len(_names):
        return _names[i]
    return None


def known_names() -> int:
    return len(_names)


# --------------------------------------------------------------------------- boxes


def box_intersect(a: Box, b: Box) -> Box | None:
    pm = a[4] & b[4]
    if not pm:
        return None
    s0 = a[0] if a[0] > b[0] else b[0]
    s1 = a[1] if a[1] < b[1] else b[1]
    if s0 > s1:
        return None
    d0 = a[2] if a[2] > b[2] else b[2]
    d1 = a[3] if a[3] < b[3] else b[3]
    if d0 > d1:
        return None
    p0 = a[5] if a[5] > b[5] else b[5]
    p1 = a[6] if a[6] < b[6] else b[6]
    if p0 > p1:
        return None
    return (s0, s1, d0, d1, pm, p0, p1)


def boxes_overlap(a: Box, b: Box) -> bool:
    return bool(
        a[4] & b[4]
        and a[0] <= b[1]
        and b[0] <= a[1]
        and a[2] <= b[3]
        and b[2] <= a[3]
        and a[5] <= b[6]
        and b[5] <= a[6]
    )


def box_subtract(a: Box, b: Box) -> list[Box]:
    """``a - b`` as disjoint boxes (``a`` is returned alone when they do not overlap)."""
    if not boxes_overlap(a, b):
        return [a]
    s0, s1, d0, d1, pm, p0, p1 = a
    t0, t1, e0, e1, qm, q0, q1 = b
    out: list[Box] = []
    rest = pm & ~qm
    if rest:
        out.append((s0, s1, d0, d1, rest, p0, p1))
        pm &= qm
    if s0 < t0:
        out.append((s0, t0 - 1, d0, d1, pm, p0, p1))
        s0 = t0
    if s1 > t1:
        out.append((t1 + 1, s1, d0, d1, pm, p0, p1))
        s1 = t1
    if d0 < e0:
        out.append((s0, s1, d0, e0 - 1, pm, p0, p1))
        d0 = e0
    if d1 > e1:
        out.append((s0, s1, e1 + 1, d1, pm, p0, p1))
        d1 = e1
    if p0 < q0:
        out.append((s0, s1, d0, d1, pm, p0, q0 - 1))
        p0 = q0
    if p1 > q1:
        out.append((s0, s1, d0, d1, pm, q1 + 1, p1))
    return out


def box_size(b: Box) -> int:
    return (b[1] - b[0] + 1) * (b[3] - b[2] + 1) * (b[4].bit_count()) * (b[6] - b[5] + 1)


def subtract_boxes(boxes: Sequence[Box], sub: Iterable[Box]) -> list[Box]:
    out = list(boxes)
    for b in sub:
        if not out:
            break
        nxt: list[Box] = []
        for a in out:
            if boxes_overlap(a, b):
                nxt.extend(box_subtract(a, b))
            else:
                nxt.append(a)
        out = nxt
    return out


def intersect_boxes(left: Sequence[Box], right: Sequence[Box]) -> list[Box]:
    out: list[Box] = []
    for a in left:
        for b in right:
            c = box_intersect(a, b)
            if c is not None:
                out.append(c)
    return out


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, disjoint, non-adjacent intervals covering the same integers."""
    out: list[Interval] = []
    for lo, hi in sorted(intervals):
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def complement_intervals(intervals: Iterable[Interval], lo: int, hi: int) -> list[Interval]:
    out: list[Interval] = []
    cur = lo
    for a, b in merge_intervals(intervals):
        if b < lo or a > hi:
            continue
        if a > cur:
            out.append((cur, a - 1))
        cur = max(cur, b + 1)
    if cur <= hi:
        out.append((cur, hi))
    return out


def _merged(ivs: Iterable[Interval]) -> Sequence[Interval]:
    if isinstance(ivs, list | tuple) and len(ivs) == 1:
        return ivs
    return merge_intervals(ivs)


def product(
    srcs: Iterable[Interval],
    dsts: Iterable[Interval],
    protocol_mask: int,
    ports: Iterable[Interval] = (PORT_ALL,),
) -> list[Box]:
    """Boxes of ``srcs × dsts × protocols × ports`` (ICMP always gets every port)."""
    srcs = _merged(srcs)
    dsts = _merged(dsts)
    ports = _merged(ports)
    out: list[Box] = []
    tu = protocol_mask & (TCP | UDP)
    for s0, s1 in srcs:
        for d0, d1 in dsts:
            if tu:
                for p0, p1 in ports:
                    out.append((s0, s1, d0, d1, tu, p0, p1))
            if protocol_mask & ICMP:
                out.append((s0, s1, d0, d1, ICMP, 0, 65535))
    return out


# --------------------------------------------------------------------------- FlowSet


class FlowSet:
    """A set of packet headers: a union of disjoint boxes. Immutable.

    Equality is *set* equality (two different decompositions of one set are equal); the hash is
    the number of headers, which equal sets share.
    """

    __slots__ = ("_boxes",)

    def __init__(self, boxes: Iterable[Box] = ()) -> None:
        """Build from arbitrary (possibly overlapping) boxes."""
        out: list[Box] = []
        for b in boxes:
            out.extend(subtract_boxes([b], out))
        self._boxes: tuple[Box, ...] = tuple(out)

    @classmethod
    def disjoint(cls, boxes: Iterable[Box]) -> FlowSet:
        """Build from boxes the caller guarantees to be pairwise disjoint (no check)."""
        fs = cls.__new__(cls)
        fs._boxes = tuple(boxes)
        return fs

    @classmethod
    def everything(cls) -> FlowSet:
        return cls.disjoint([(0, IP_MAX, 0, DST_MAX, ALL_PROTOCOLS, 0, 65535)])

    @property
    def boxes(self) -> tuple[Box, ...]:
        return self._boxes

    def is_empty(self) -> bool:
        return not self._boxes

    def __bool__(self) -> bool:
        return bool(self._boxes)

    def size(self) -> int:
        """The number of headers (each ICMP (src, dst) pair counts 65,536 times)."""
        return sum(box_size(b) for b in self._boxes)

    def __and__(self, other: FlowSet) -> FlowSet:
        return self.intersect(other)

    def __or__(self, other: FlowSet) -> FlowSet:
        return self.union(other)

    def __sub__(self, other: FlowSet) -> FlowSet:
        return self.subtract(other)

    def intersect(self, other: FlowSet | Iterable[Box]) -> FlowSet:
        right = other._boxes if isinstance(other, FlowSet) else tuple(other)
        return FlowSet.disjoint(intersect_boxes(self._boxes, right))

    def subtract(self, other: FlowSet | Iterable[Box]) -> FlowSet:
        right = other._boxes if isinstance(other, FlowSet) else tuple(other)
        return FlowSet.disjoint(subtract_boxes(self._boxes, right))

    def union(self, other: FlowSet | Iterable[Box]) -> FlowSet:
        right = other._boxes if isinstance(other, FlowSet) else tuple(other)
        extra = subtract_boxes(list(FlowSet(right)._boxes), self._boxes)
        return FlowSet.disjoint((*self._boxes, *extra))

    def overlaps(self, other: FlowSet | Iterable[Box]) -> bool:
        right = other._boxes if isinstance(other, FlowSet) else tuple(other)
        return any(boxes_overlap(a, b) for a in self._boxes for b in right)

    def issubset(self, other: FlowSet) -> bool:
        return not subtract_boxes(self._boxes, other._boxes)

    def contains(self, src: int, dst: int, protocol: str | int, port: int = 0) -> bool:
        bit = PROTOCOL_BITS[protocol] if isinstance(protocol, str) else protocol
        for b in self._boxes:
            if (
                b[4] & bit
                and b[0] <= src <= b[1]
                and b[2] <= dst <= b[3]
                and (bit == ICMP or b[5] <= port <= b[6])
            ):
                return True
        return False

    def src_intervals(self) -> list[Interval]:
        return merge_intervals((b[0], b[1]) for b in self._boxes)

    def dst_intervals(self) -> list[Interval]:
        return merge_intervals((b[2], b[3]) for b in self._boxes)

    def protocols(self) -> int:
        mask = 0
        for b in self._boxes:
            mask |= b[4]
        return mask

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FlowSet):
            return NotImplemented
        return not subtract_boxes(self._boxes, other._boxes) and not subtract_boxes(
            other._boxes, self._boxes
        )

    def __hash__(self) -> int:
        return hash(self.size())

    def __repr__(self) -> str:
        return f"FlowSet({'; '.join(describe_terms(self.terms())) or 'empty'})"

    def __iter__(self) -> Iterator[Box]:
        return iter(self._boxes)

    def __len__(self) -> int:
        return len(self._boxes)

    # ----------------------------------------------------------------- compact forms

    def merged(self) -> FlowSet:
        """The same set with adjacent boxes merged (fewer, larger boxes)."""
        return FlowSet.disjoint(_merge_boxes(list(self._boxes)))

    def terms(self) -> list[Term]:
        """Cross-product terms ``(srcs, dsts, protocol mask, ports)`` covering the set exactly."""
        boxes = _merge_boxes(list(self._boxes))
        # group by everything but the source, then everything but the destination, then ports
        g1: dict[tuple[int, int, int, int, int], list[Interval]] = defaultdict(list)
        for s0, s1, d0, d1, pm, p0, p1 in boxes:
            g1[(d0, d1, pm, p0, p1)].append((s0, s1))
        g2: dict[tuple[tuple[Interval, ...], int, int, int], list[Interval]] = defaultdict(list)
        for (d0, d1, pm, p0, p1), srcs in g1.items():
            g2[(tuple(merge_intervals(srcs)), pm, p0, p1)].append((d0, d1))
        g3: dict[tuple[tuple[Interval, ...], tuple[Interval, ...], int], list[Interval]]
        g3 = defaultdict(list)
        for (srcs_t, pm, p0, p1), dsts in g2.items():
            g3[(srcs_t, tuple(merge_intervals(dsts)), pm)].append((p0, p1))
        g4: dict[tuple[tuple[Interval, ...], tuple[Interval, ...], tuple[Interval, ...]], int]
        g4 = defaultdict(int)
        for (srcs_t, dsts_t, pm), ports in g3.items():
            g4[(srcs_t, dsts_t, tuple(merge_intervals(ports)))] |= pm
        terms = [Term(s, d, pm, p) for (s, d, p), pm in g4.items()]
        terms.sort(key=lambda t: (t.sources, t.destinations, t.protocols, t.ports))
        return terms

    def to_list(self) -> list[dict[str, Any]]:
        """JSON-safe compact form; :meth:`from_list` reads it back exactly."""
        return [t.to_dict() for t in self.terms()]

    @classmethod
    def from_list(cls, data: Iterable[dict[str, Any]]) -> FlowSet:
        boxes: list[Box] = []
        for item in data:
            boxes.extend(Term.from_dict(item).boxes())
        return cls(boxes)


def _merge_boxes(boxes: list[Box]) -> list[Box]:
    """Merge disjoint boxes that differ in one dimension only and are adjacent there."""
    changed = True
    while changed and len(boxes) > 1:
        changed = False
        for dim in (0, 1, 2, 3):
            if dim == 3:  # protocol mask
                groups: dict[tuple[int, ...], int] = defaultdict(int)
                for b in boxes:
                    groups[(b[0], b[1], b[2], b[3], b[5], b[6])] |= b[4]
                if len(groups) < len(boxes):
                    changed = True
                    boxes = [(k[0], k[1], k[2], k[3], pm, k[4], k[5]) for k, pm in groups.items()]
                continue
            lo_i = (0, 2, 5)[dim]
            hi_i = lo_i + 1
            others = [i for i in range(7) if i not in (lo_i, hi_i)]
            igroups: dict[tuple[int, ...], list[Interval]] = defaultdict(list)
            for b in boxes:
                igroups[tuple(b[i] for i in others)].append((b[lo_i], b[hi_i]))
            out: list[Box] = []
            for key, ivs in igroups.items():
                merged = merge_intervals(ivs)
                if len(merged) < len(ivs):
                    changed = True
                for lo, hi in merged:
                    vals = dict(zip(others, key, strict=True))
                    vals[lo_i] = lo
                    vals[hi_i] = hi
                    out.append((vals[0], vals[1], vals[2], vals[3], vals[4], vals[5], vals[6]))
            boxes = out
    return sorted(boxes)


# --------------------------------------------------------------------------- human forms


def format_address_interval(lo: int, hi: int) -> str:
    """``10.0.0.0/8``, ``10.0.0.5`` or ``10.0.0.3-10.0.0.9``."""
    a = ipaddress.IPv4Address(lo)
    if lo == hi:
        return str(a)
    size = hi - lo + 1
    if size & (size - 1) == 0 and lo % size == 0:
        return f"{a}/{32 - size.bit_length() + 1}"
    return f"{a}-{ipaddress.IPv4Address(hi)}"


def parse_address_interval(text: str) -> Interval:
    """Inverse of :func:`format_address_interval` (also accepts host bits: ``strict=False``)."""
    if "-" in text:
        lo_s, hi_s = text.split("-", 1)
        lo, hi = int(ipaddress.IPv4Address(lo_s.strip())), int(ipaddress.IPv4Address(hi_s.strip()))
        if lo > hi:
            raise ValueError(f"empty range {text}")
        return lo, hi
    net = ipaddress.IPv4Network(text)
    return int(net.network_address), int(net.broadcast_address)


def format_destinations(intervals: Iterable[Interval]) -> list[str]:
    """Address intervals as text, named destinations as ``fqdn:name`` / ``fqdn:*`` /
    ``!fqdn:name`` (an exception to ``fqdn:*``)."""
    out: list[str] = []
    names: set[int] = set()
    tail: int | None = None
    for lo, hi in merge_intervals(intervals):
        if hi <= IP_MAX:
            out.append(format_address_interval(lo, hi))
            continue
        if lo <= IP_MAX:
            out.append(format_address_interval(lo, IP_MAX))
            lo = FQDN_BASE
        if hi == DST_MAX:
            tail = lo - FQDN_BASE
        else:
            names.update(range(lo - FQDN_BASE, hi - FQDN_BASE + 1))
    if tail is not None:
        out.append("fqdn:*")
        missing = [i for i in range(min(tail, len(_names))) if i not in names]
        out.extend(f"!fqdn:{_names[i]}" for i in sorted(missing, key=lambda i: _names[i]))
    else:
        out.extend(
            f"fqdn:{_names[i]}" if i < len(_names) else f"fqdn:#{i}"
            for i in sorted(names, key=lambda i: _names[i] if i < len(_names) else "")
        )
    return out


def parse_destinations(items: Iterable[str]) -> list[Interval]:
    pos: list[Interval] = []
    neg: list[Interval] = []
    for item in items:
        if item == "fqdn:*":
            pos.append((FQDN_BASE, DST_MAX))
        elif item.startswith("!fqdn:"):
            v = intern_name(item[6:])
            neg.append((v, v))
        elif item.startswith("fqdn:"):
            v = intern_name(item[5:])
            pos.append((v, v))
        else:
            pos.append(parse_address_interval(item))
    if not neg:
        return merge_intervals(pos)
    keep = complement_intervals(neg, 0, DST_MAX)
    out: list[Interval] = []
    for a, b in merge_intervals(pos):
        for c, d in keep:
            lo, hi = max(a, c), min(b, d)
            if lo <= hi:
                out.append((lo, hi))
    return merge_intervals(out)


def protocol_names(mask: int) -> list[str]:
    return [name for bit, name in BIT_NAMES if mask & bit]


class Term:
    """One cross product ``sources × destinations × protocols × ports`` (exact)."""

    __slots__ = ("destinations", "ports", "protocols", "sources")

    def __init__(
        self,
        sources: tuple[Interval, ...],
        destinations: tuple[Interval, ...],
        protocols: int,
        ports: tuple[Interval, ...],
    ) -> None:
        self.sources = sources
        self.destinations = destinations
        self.protocols = protocols
        self.ports = ports

    def boxes(self) -> list[Box]:
        out: list[Box] = []
        for s0, s1 in self.sources:
            for d0, d1 in self.destinations:
                for p0, p1 in self.ports:
                    out.append((s0, s1, d0, d1, self.protocols, p0, p1))
        return out

    def port_text(self) -> list[str]:
        if self.protocols == ICMP or self.ports == (PORT_ALL,):
            return []
        return [str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in self.ports]

    def to_dict(self) -> dict[str, Any]:
        return {
            "sources": [format_address_interval(lo, hi) for lo, hi in self.sources],
            "destinations": format_destinations(self.destinations),
            "protocols": protocol_names(self.protocols),
            "ports": self.port_text(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Term:
        srcs = tuple(merge_intervals(parse_address_interval(s) for s in data["sources"]))
        dsts = tuple(parse_destinations(data["destinations"]))
        mask = 0
        for p in data["protocols"]:
            mask |= PROTOCOL_BITS[p]
        ports: list[Interval] = []
        for p in data.get("ports") or ():
            lo, _, hi = str(p).partition("-")
            ports.append((int(lo), int(hi or lo)))
        return cls(srcs, dsts, mask, tuple(merge_intervals(ports)) or (PORT_ALL,))

    def describe(self, limit: int = 4) -> str:
        def short(items: list[str]) -> str:
            if len(items) <= limit:
                return ", ".join(items)
            return ", ".join(items[:limit]) + f", … (+{len(items) - limit})"

        srcs = short([format_address_interval(lo, hi) for lo, hi in self.sources])
        dsts = short(format_destinations(self.destinations))
        ports = self.port_text()
        proto = "/".join(protocol_names(self.protocols))
        svc = f"{proto} {short(ports)}" if ports else proto
        return f"{srcs} → {dsts} {svc}"


def describe_terms(terms: Sequence[Term], limit: int = 3) -> list[str]:
    out = [t.describe() for t in terms[:limit]]
    if len(terms) > limit:
        out.append(f"… (+{len(terms) - limit})")
    return out
