"""Shading detection (Aerleon only logs it, and with ``shade_check`` it drops the whole policy).

A rule is *shaded* when a single earlier rule of the same section matches every packet it
matches: its sources and destinations lie inside the earlier rule's, its protocols are a subset,
and its ports lie inside the earlier rule's ports. This is a sound but incomplete check (a rule
covered only by the union of several earlier rules is not reported); the verifier does the
exact header-space analysis. FQDN destinations are compared by name (an FQDN is only covered by
the same FQDN or by ``any``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tsunagu.engines.policy.model import PORT_MAX, PORT_MIN, PROTOCOLS, FirewallRule

from .addresses import Side
from .common import ShadedRule

Intervals = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Match:
    """What a rule matches, as sorted disjoint integer intervals."""

    uid: str
    action: str
    src: Intervals
    dst: Intervals
    dst_fqdns: frozenset[str]
    dst_any: bool
    protos: frozenset[str]
    ports: Intervals  # empty: no ports (icmp only); full range otherwise when unrestricted

    @property
    def bounds(self) -> tuple[int, int, int, int]:
        s = (self.src[0][0], self.src[-1][1]) if self.src else (1, 0)
        d = (self.dst[0][0], self.dst[-1][1]) if self.dst else (1, 0)
        return (*s, *d)


def _intervals(side: Side) -> Intervals:
    pairs = sorted((int(n.network_address), int(n.broadcast_address)) for n in side.nets)
    merged: list[tuple[int, int]] = []
    for lo, hi in pairs:
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return tuple(merged)


def _merge(pairs: Sequence[tuple[int, int]]) -> Intervals:
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(pairs):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return tuple(merged)


def match_of(rule: FirewallRule, src: Side, dst: Side) -> Match:
    protos = frozenset(PROTOCOLS if rule.protocol == "any" else (rule.protocol,))
    ports = _merge([(p.lo, p.hi) for p in rule.ports]) if rule.ports else ((PORT_MIN, PORT_MAX),)
    return Match(
        uid=rule.uid,
        action=rule.action,
        src=_intervals(src),
        dst=_intervals(dst),
        dst_fqdns=frozenset(dst.fqdns),
        dst_any=dst.any,
        protos=protos,
        ports=ports,
    )


def _inside(inner: Intervals, outer: Intervals) -> bool:
    """Every interval of ``inner`` lies inside one interval of ``outer`` (both merged)."""
    j = 0
    for lo, hi in inner:
        while j < len(outer) and outer[j][1] < lo:
            j += 1
        if j == len(outer) or outer[j][0] > lo or outer[j][1] < hi:
            return False
    return True


def _covers(earlier: Match, later: Match) -> bool:
    if not later.protos <= earlier.protos:
        return False
    # Ports only matter for tcp/udp; an icmp-only rule has no ports to compare.
    if later.protos & {"tcp", "udp"} and not _inside(later.ports, earlier.ports):
        return False
    if not _inside(later.src, earlier.src):
        return False
    if earlier.dst_any:
        return True
    if later.dst_any or not later.dst_fqdns <= earlier.dst_fqdns:
        return False
    return _inside(later.dst, earlier.dst)


def find_shaded(section: str, matches: Sequence[Match]) -> list[ShadedRule]:
    """Rules covered by one earlier rule, each reported with the first rule that covers it.

    Earlier rules are bucketed by the /8 of their destination bounding box (rules spanning
    several /8s, or ``any``, go to ``wide``), so a later rule is only compared with rules that
    can contain its destinations: near-linear for typical sections instead of n²/2 checks.
    """
    out: list[ShadedRule] = []
    buckets: dict[int, list[int]] = {}
    wide: list[int] = []
    everything: list[int] = []
    for j, later in enumerate(matches):
        s_lo, s_hi, d_lo, d_hi = later.bounds
        if later.dst_any or later.dst:
            key = (
                d_lo >> 24
                if later.dst and (d_lo >> 24) == (d_hi >> 24) and not later.dst_any
                else None
            )
            if later.dst_fqdns:
                candidates: Sequence[int] = everything
            elif key is None:
                candidates = wide
            else:
                candidates = sorted(wide + buckets.get(key, [])) if wide else buckets.get(key, [])
        else:
            candidates = everything if later.dst_fqdns else ()
        for i in candidates:
            earlier = matches[i]
            e_slo, e_shi, e_dlo, e_dhi = earlier.bounds
            if s_lo < e_slo or s_hi > e_shi:
                continue
            if not earlier.dst_any and later.dst and (d_lo < e_dlo or d_hi > e_dhi):
                continue
            if _covers(earlier, later):
                out.append(
                    ShadedRule(section, later.uid, earlier.uid, earlier.action != later.action)
                )
                break
        everything.append(j)
        if later.dst_any or (later.dst and (d_lo >> 24) != (d_hi >> 24)):
            wide.append(j)
        elif later.dst:
            buckets.setdefault(d_lo >> 24, []).append(j)
    return out
