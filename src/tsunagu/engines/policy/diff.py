"""Exact differences between two policy snapshots."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .domains import DomainSet
from .index import PolicyIndex, first_match, index
from .model import SHARED, DomainEntry, FirewallRule, PolicySnapshot, Section
from .space import IP_MAX, Box, FlowSet, product


@dataclass(frozen=True)
class SectionDiff:
    key: str
    rules_added: tuple[str, ...] = ()
    rules_removed: tuple[str, ...] = ()
    rules_changed: tuple[str, ...] = ()
    rules_moved: tuple[str, ...] = ()
    domains_added: tuple[str, ...] = ()
    domains_removed: tuple[str, ...] = ()
    domains_changed: tuple[str, ...] = ()
    mail_changed: bool = False
    address_plan_changed: bool = False
    category_blocks_changed: bool = False

    def __bool__(self) -> bool:
        return bool(
            self.rules_added
            or self.rules_removed
            or self.rules_changed
            or self.rules_moved
            or self.domains_added
            or self.domains_removed
            or self.domains_changed
            or self.mail_changed
            or self.address_plan_changed
            or self.category_blocks_changed
        )


@dataclass(frozen=True)
class SnapshotDiff:
    """``permitted_added`` / ``permitted_removed``: per organisation code, the traffic with a
    source or destination in its address plan that became permitted / denied (key ``""``:
    traffic touching no organisation's plan). ``domains_added`` / ``domains_removed``: per
    organisation, the change of the names its proxy allows."""

    sections: tuple[SectionDiff, ...]
    permitted_added: Mapping[str, FlowSet] = field(default_factory=dict, hash=False)
    permitted_removed: Mapping[str, FlowSet] = field(default_factory=dict, hash=False)
    domains_added: Mapping[str, DomainSet] = field(default_factory=dict, hash=False)
    domains_removed: Mapping[str, DomainSet] = field(default_factory=dict, hash=False)

    @property
    def changed_sections(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.sections)


def _section_diff(key: str, a: Section | None, b: Section | None) -> SectionDiff:
    a_rules = {r.uid: r for r in (*a.rules, *a.post_rules)} if a else {}
    b_rules = {r.uid: r for r in (*b.rules, *b.post_rules)} if b else {}
    a_dom = {d.uid: d for d in a.domains} if a else {}
    b_dom = {d.uid: d for d in b.domains} if b else {}
    common = [u for u in a_rules if u in b_rules and a_rules[u] == b_rules[u]]
    order_a = [r.uid for r in ((*a.rules, *a.post_rules) if a else ()) if r.uid in set(common)]
    order_b = [r.uid for r in ((*b.rules, *b.post_rules) if b else ()) if r.uid in set(common)]
    moved = _moved(order_a, order_b)
    return SectionDiff(
        key=key,
        rules_added=tuple(u for u in b_rules if u not in a_rules),
        rules_removed=tuple(u for u in a_rules if u not in b_rules),
        rules_changed=tuple(u for u in a_rules if u in b_rules and a_rules[u] != b_rules[u]),
        rules_moved=tuple(moved),
        domains_added=tuple(u for u in b_dom if u not in a_dom),
        domains_removed=tuple(u for u in a_dom if u not in b_dom),
        domains_changed=tuple(u for u in a_dom if u in b_dom and a_dom[u] != b_dom[u]),
        mail_changed=(a.mail if a else None) != (b.mail if b else None),
        address_plan_changed=(a.address_plan if a else ()) != (b.address_plan if b else ()),
        category_blocks_changed=(a.category_blocks if a else frozenset())
        != (b.category_blocks if b else frozenset()),
    )


def _moved(a: Sequence[str], b: Sequence[str]) -> list[str]:
    """Rules outside a longest common subsequence of the two orders."""
    if a == b:
        return []
    sm = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    keep: set[str] = set()
    for block in sm.get_matching_blocks():
        keep.update(a[block.a : block.a + block.size])
    return [u for u in a if u not in keep]


def _touched_boxes(idx: PolicyIndex, key: str, uids: set[str]) -> list[Box]:
    out: list[Box] = []
    for uid in uids:
        ref = idx.by_uid.get((key, uid))
        if ref is not None:
            out.extend(ref.boxes)
    return out


def _permitted(idx: PolicyIndex, region: list[Box]) -> FlowSet:
    refs = idx.candidates(region)
    allowed, _ = first_match(region, ((r, r.rule.action, r.boxes) for r in refs))
    return FlowSet.disjoint(allowed)


def _split_by_org(idx: PolicyIndex, fs: FlowSet) -> dict[str, FlowSet]:
    out: dict[str, FlowSet] = {}
    if not fs:
        return out
    rest = fs
    for org, ivs in idx.plan.org_all.items():
        if org == SHARED:
            continue
        region = product(ivs, [(0, (1 << 33) - 1)], 7) + product([(0, IP_MAX)], ivs, 7)
        part = fs.intersect(FlowSet(region))
        if part:
            out[org] = part
            rest = rest - part
    if rest:
        out[SHARED] = rest
    return out


def diff_snapshots(a: PolicySnapshot, b: PolicySnapshot) -> SnapshotDiff:
    """Which sections changed and how, and the exact permitted traffic added / removed."""
    keys = sorted({SHARED, *a.orgs, *b.orgs})
    sections = []
    for key in keys:
        sa = a.shared if key == SHARED else a.orgs.get(key)
        sb = b.shared if key == SHARED else b.orgs.get(key)
        d = _section_diff(key, sa, sb)
        if d:
            sections.append(d)
    ia, ib = index(a), index(b)
    plans_same = [(k, s.address_plan) for k, s in sorted(ia.sections.items())] == [
        (k, s.address_plan) for k, s in sorted(ib.sections.items())
    ]
    region: list[Box]
    if not plans_same or set(a.orgs) != set(b.orgs):
        region = list(FlowSet.everything().boxes)
    else:
        boxes: list[Box] = []
        for d in sections:
            touched_a = {*d.rules_removed, *d.rules_changed, *d.rules_moved}
            touched_b = {*d.rules_added, *d.rules_changed, *d.rules_moved}
            boxes.extend(_touched_boxes(ia, d.key, touched_a))
            boxes.extend(_touched_boxes(ib, d.key, touched_b))
        region = list(FlowSet(boxes).boxes)
    added: dict[str, FlowSet] = {}
    removed: dict[str, FlowSet] = {}
    if region:
        pa, pb = _permitted(ia, region), _permitted(ib, region)
        added = _split_by_org(ib, pb - pa)
        removed = _split_by_org(ia, pa - pb)
    dom_added: dict[str, DomainSet] = {}
    dom_removed: dict[str, DomainSet] = {}
    domain_keys = {
        d.key for d in sections if d.domains_added or d.domains_removed or d.domains_changed
    }
    orgs_to_check = (
        sorted(set(a.orgs) | set(b.orgs)) if SHARED in domain_keys else sorted(domain_keys)
    )
    for org in orgs_to_check:
        ea = ia.effective_domains(org, "allow") if org in a.orgs else DomainSet()
        eb = ib.effective_domains(org, "allow") if org in b.orgs else DomainSet()
        if ea == eb:
            continue
        plus, minus = eb - ea, ea - eb
        if plus:
            dom_added[org] = plus
        if minus:
            dom_removed[org] = minus
    return SnapshotDiff(tuple(sections), added, removed, dom_added, dom_removed)


__all__ = ["DomainEntry", "FirewallRule", "SectionDiff", "SnapshotDiff", "diff_snapshots"]
