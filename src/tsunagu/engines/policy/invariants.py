"""Invariants over a whole policy (checked on every rollout) and removal containment proofs.

Only allow rules whose match box meets a forbidden region are looked at; for each of them the
part it decides is its box minus the boxes of the earlier rules that meet it (found through the
index), which is exact under first-match semantics.

What depends on one section alone is remembered with that section's cached index part (or its
domain data), so re-verifying after ``apply_change`` recomputes only the changed section: the
per-rule findings (per rule data and day), the allow rules meeting each zone-check region, and
the domain / mail findings. The first-match step (``decided_part``) always runs over the whole
ordered list, since a section's effective decisions depend on every earlier section.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from .checks import (
    _Ivs,
    all_regions,
    endpoints_for,
    flows_text,
    relay_intervals,
    transitive_violations,
    upload_domains,
    violations,
)
from .domains import DomainError, DomainSet, normalise_pattern, too_broad
from .index import PolicyIndex, RuleRef, index, memo_get, memo_put
from .model import SHARED, Change, PolicySnapshot, Section
from .rules import RuleData, load_rules
from .space import (
    FlowSet,
    Interval,
    format_address_interval,
    intersect_boxes,
    product,
    subtract_boxes,
)
from .verdict import Finding, Severity
from .verifier import outside_own_plan, verify


def decided_part(idx: PolicyIndex, ref: RuleRef, within: FlowSet | None = None) -> FlowSet:
    """The packets (within ``within``, else the rule's whole box) whose first matching rule
    is ``ref``."""
    part = FlowSet.disjoint(ref.boxes) if within is None else within
    if not part:
        return part
    boxes = list(part.boxes)
    for r in idx.candidates(boxes):
        if r.pos >= ref.pos:
            break
        boxes = subtract_boxes(boxes, r.boxes)
        if not boxes:
            break
    return FlowSet.disjoint(boxes)


def permitted(
    idx: PolicyIndex, srcs: list[Interval], dsts: list[Interval], mask: int = 7
) -> list[tuple[RuleRef, FlowSet]]:
    """The permitted part of ``srcs × dsts × protocols`` (every port), per deciding rule."""
    region = product(srcs, dsts, mask)
    out = []
    for ref in idx.meeting(srcs, dsts, mask, [(0, 65535)], action="allow"):
        within = FlowSet.disjoint(intersect_boxes(ref.boxes, region))
        part = decided_part(idx, ref, within)
        if part:
            out.append((ref, part))
    return out


def verify_policy(
    snapshot: PolicySnapshot,
    rules: RuleData | None = None,
    *,
    today: dt.date,
    idx: PolicyIndex | None = None,
) -> tuple[Finding, ...]:
    """Every invariant over the whole policy."""
    rules = rules or load_rules()
    idx = idx or index(snapshot)
    plan = idx.plan
    out: list[Finding] = []

    for key, (code, params) in plan.problems:
        out.append(Finding(code, "reject", dict(params), key or "shared"))
    # ---- per rule: input problems, own address plan, expiry (remembered per section part:
    # they depend on the part's rules, the plan, the rule data and the day only)
    for rule_list in idx.parts:
        found = memo_get(rule_list.memo, "policy_rules", rules)
        if found is None or found[0] != today:
            found = (today, _rule_findings(idx, rule_list.refs, rules, today))
            memo_put(rule_list.memo, "policy_rules", rules, found)
        out.extend(found[1])
    # ---- zone checks, exact under first match
    endpoints = endpoints_for(idx, rules)
    regions = all_regions(idx, rules)
    for region in regions:
        cands = idx.meeting(
            region.srcs.ivs,
            region.dsts.ivs,
            region.mask,
            region.ports.ivs,
            action="allow",
            memo=region,
        )
        check = region.check
        for ref in cands:
            if (
                check.exempt_controls
                and not check.exempt_endpoints_only
                and set(ref.rule.controls) & set(check.exempt_controls)
            ):
                continue
            rough = region.meet(ref.boxes)
            if not violations(rough, ref.rule.controls, [region], endpoints):
                continue
            part = decided_part(idx, ref, rough)
            for chk, v in violations(part, ref.rule.controls, [region], endpoints):
                out.append(
                    Finding(
                        chk.code,
                        "escalate" if chk.severity == "escalate" else "reject",
                        {"rule": ref.label, "flows": flows_text(v)},
                        ref.label,
                    )
                )
    for check in rules.zone_checks:
        if check.transitive:
            relays = relay_intervals(rules, plan)

            def legs(srcs: list[Interval], dsts: list[Interval]) -> FlowSet:
                fs = FlowSet()
                for _, part in permitted(idx, srcs, dsts):
                    fs = FlowSet.disjoint((*fs.boxes, *part.boxes))
                return fs

            for path, hosts in transitive_violations(check, plan, relays, legs, None):
                shown = [format_address_interval(a, b) for a, b in hosts[:3]]
                out.append(
                    Finding(
                        check.code,
                        "escalate" if check.severity == "escalate" else "reject",
                        {"rule": path, "via": f" via {', '.join(shown)}", "flows": path},
                    )
                )
    # ---- domains and mail (remembered per Section object)
    for key, section in idx.sections.items():
        data = idx.section_data(key)
        found = memo_get(data.memo, "policy_domains", rules)
        if found is None or found[:2] != (today, key):
            found = (today, key, _section_findings(key, section, rules, today))
            memo_put(data.memo, "policy_domains", rules, found)
        out.extend(found[2])
    return tuple(out)


def _rule_findings(
    idx: PolicyIndex, refs: Sequence[RuleRef], rules: RuleData, today: dt.date
) -> list[Finding]:
    out: list[Finding] = []
    own_sets: dict[str, _Ivs] = {}
    inside: dict[tuple[str, int, int], bool] = {}

    def within_own(key: str, lo: int, hi: int) -> bool:
        k = (key, lo, hi)
        hit = inside.get(k)
        if hit is None:
            own = own_sets.get(key)
            if own is None and key in idx.plan.org_all:
                own = own_sets[key] = _Ivs(idx.plan.org_all[key])
            hit = own is not None and own.within(lo, hi) == [(lo, hi)]
            inside[k] = hit
        return hit

    for ref in refs:
        for code, params in ref.problems:
            out.append(Finding(code, "reject", dict(params), ref.label))
        if ref.key != SHARED:
            d = ref.rule.direction
            rule = ref.rule
            # zone references resolve inside the owner's plan by definition
            src_ok = d == "inbound" or all(x.startswith("zone:") for x in rule.sources)
            dst_ok = d == "outbound" or all(x.startswith("zone:") for x in rule.destinations)
            suspicious = not (src_ok and dst_ok) and any(
                (d != "inbound" and not within_own(ref.key, b[0], b[1]))
                or (d != "outbound" and not within_own(ref.key, b[2], b[3]))
                for b in ref.boxes
            )
            if suspicious:
                for side, bad in outside_own_plan(idx, ref.key, ref.rule, ref.boxes):
                    out.append(
                        Finding(
                            "outside_own_plan",
                            "reject",
                            {"rule": ref.rule.uid, "side": side, "outside": bad[:5]},
                            ref.label,
                        )
                    )
        if ref.rule.expires is not None and ref.rule.expires < today:
            out.append(
                Finding(
                    "expired_in_policy",
                    _sev(rules, "expired_in_policy"),
                    {"rule": ref.label, "expires": ref.rule.expires.isoformat()},
                    ref.label,
                )
            )
    return out


def _sev(rules: RuleData, code: str) -> Severity:
    return "escalate" if rules.severity(code) == "escalate" else "reject"


def _section_findings(key: str, section: Section, rules: RuleData, today: dt.date) -> list[Finding]:
    out: list[Finding] = []
    upload = upload_domains(rules)
    for entry in section.domains:
        label = f"{key or 'shared'}:{entry.uid}"
        try:
            pattern = normalise_pattern(entry.pattern)
        except DomainError:
            out.append(Finding("invalid_domain", "reject", {"ref": entry.pattern}, label))
            continue
        if pattern.startswith("*") and too_broad(pattern):
            out.append(
                Finding(
                    "domain_too_broad",
                    _sev(rules, "domain_too_broad"),
                    {"pattern": pattern, "suffix": pattern[2:] or "*"},
                    label,
                )
            )
        if entry.kind == "tls_exempt" and (
            entry.upload_capable or DomainSet([pattern]).overlaps(upload)
        ):
            out.append(
                Finding(
                    "tls_exempt_upload",
                    _sev(rules, "tls_exempt_upload"),
                    {"pattern": pattern},
                    label,
                )
            )
        if entry.expires is not None and entry.expires < today:
            out.append(
                Finding(
                    "expired_in_policy",
                    _sev(rules, "expired_in_policy"),
                    {"rule": label, "expires": entry.expires.isoformat()},
                    label,
                )
            )
    if section.mail.attachment_policy == "allow":
        out.append(
            Finding("attachment_bypass", _sev(rules, "attachment_bypass"), {}, key or "shared")
        )
    return out


@dataclass(frozen=True)
class RemovalEffect:
    newly_permitted: FlowSet
    newly_denied: FlowSet
    other_orgs: tuple[str, ...]
    within_rule: bool

    @property
    def contained(self) -> bool:
        """Only takes permissions away, only inside the rule's own box, and (for an
        organisation's rule) only from that organisation."""
        return self.within_rule and not self.newly_permitted and not self.other_orgs


def removal_effect(
    snapshot: PolicySnapshot,
    section_key: str,
    rule_uid: str,
    *,
    rules: RuleData | None = None,
    idx: PolicyIndex | None = None,
) -> RemovalEffect:
    """Exactly what removing one rule changes."""
    idx = idx or index(snapshot)
    ref = idx.by_uid.get((section_key, rule_uid))
    if ref is None:
        raise KeyError(f"no rule {rule_uid} in section {section_key or 'shared'}")
    change = Change(kind="rule_removal", org=section_key, remove_rules=(rule_uid,))
    verdict = verify(snapshot, change, rules, today=dt.date.min, idx=idx)
    changed = verdict.newly_permitted | verdict.newly_denied
    own = FlowSet.disjoint(ref.boxes)
    others = verdict.blast_radius
    if section_key == SHARED:
        others = ()
    return RemovalEffect(
        verdict.newly_permitted, verdict.newly_denied, others, changed.issubset(own)
    )


def rule_removal_is_contained(
    snapshot: PolicySnapshot,
    section_key: str,
    rule_uid: str,
    *,
    rules: RuleData | None = None,
    idx: PolicyIndex | None = None,
) -> bool:
    """Proof used before removing an expired rule: the removal changes only traffic inside the
    rule's own match box, only takes permissions away, and touches no other organisation."""
    return removal_effect(snapshot, section_key, rule_uid, rules=rules, idx=idx).contained
