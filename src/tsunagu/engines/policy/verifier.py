"""The change verifier: what exactly one change does to the gateway, and how risky it is.

Only the region the change touches is evaluated: the union ``D`` of the match boxes of the
added and removed rules. Outside ``D`` every packet meets the same first matching rule before
and after the change (the other rules keep their relative order), so the decision there cannot
change. Inside ``D`` the old and the new ordered lists are evaluated exactly, restricted to the
rules the index says can meet ``D``.
"""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .checks import (
    all_regions,
    endpoints_for,
    flows_text,
    relay_intervals,
    transitive_violations,
    upload_domains,
    violations,
)
from .domains import (
    DomainError,
    DomainSet,
    coverage_in,
    normalise_host,
    normalise_pattern,
    registrable_domain,
    too_broad,
)
from .index import (
    PolicyIndex,
    Problem,
    RuleRef,
    domain_set_of,
    first_match,
    flow_boxes,
    index,
    rule_boxes,
)
from .messages import KINDS
from .model import (
    CHANGE_KINDS,
    SHARED,
    Change,
    DomainEntry,
    FirewallRule,
    PolicySnapshot,
    change_from_dict,
)
from .rules import RuleData, load_rules
from .space import (
    PORT_ALL,
    PROTOCOL_BITS,
    UDP,
    Box,
    FlowSet,
    Interval,
    complement_intervals,
    format_address_interval,
    format_destinations,
    merge_intervals,
    product,
)
from .verdict import Already, Factor, Finding, RiskClass, Verdict

# --------------------------------------------------------------------------- helpers


def _finding(rules: RuleData, code: str, params: Mapping[str, Any], subject: str = "") -> Finding:
    sev = rules.severity(code, "reject")
    return Finding(code, "escalate" if sev == "escalate" else "reject", dict(params), subject)


def _problem_findings(problems: Iterable[Problem], subject: str = "") -> list[Finding]:
    return [Finding(code, "reject", dict(params), subject) for code, params in problems]


def _label(key: str, uid: str) -> str:
    return f"{key or 'shared'}:{uid}"


def _outside(ivs: Sequence[Interval], own: Sequence[Interval], dst: bool) -> list[str]:
    """The parts of ``ivs`` outside ``own``, as text."""
    out: list[Interval] = []
    comp = complement_intervals(own, 0, (1 << 33) - 1)
    for a, b in ivs:
        for c, d in comp:
            lo, hi = max(a, c), min(b, d)
            if lo <= hi:
                out.append((lo, hi))
    if not out:
        return []
    if dst:
        return format_destinations(out)
    return [format_address_interval(a, b) for a, b in merge_intervals(out)]


def outside_own_plan(
    idx: PolicyIndex, key: str, rule: FirewallRule, boxes: Sequence[Box]
) -> list[tuple[str, list[str]]]:
    """Sides of an organisation's rule lying outside its own address plan."""
    if key == SHARED:
        return []
    own = idx.plan.org_all.get(key, [])
    out = []
    if rule.direction in ("outbound", "internal"):
        bad = _outside(merge_intervals((b[0], b[1]) for b in boxes), own, False)
        if bad:
            out.append(("source", bad))
    if rule.direction in ("inbound", "internal"):
        bad = _outside(merge_intervals((b[2], b[3]) for b in boxes), own, True)
        if bad:
            out.append(("destination", bad))
    return out


@dataclass
class _Entry:
    order: tuple[int, int]
    tag: str  # rule label
    rule: FirewallRule
    boxes: Sequence[Box]


@dataclass
class _Plan:
    """The ordered rule list before and after the change, restricted on demand."""

    idx: PolicyIndex
    key: str
    removed: set[str]
    added: list[tuple[FirewallRule, list[Box]]]
    removed_at: list[int]  # ascending indices (in the section's rules) of the removed rules
    added_at: int
    _cache: dict[int, Any] = field(default_factory=dict)

    def new_index(self, i: int) -> int:
        """Where the kept rule at index ``i`` of the section's rules ends up."""
        rank = i - bisect.bisect_left(self.removed_at, i)
        return rank if rank < self.added_at else rank + len(self.added)

    def _ref_entry(self, ref: RuleRef, new: bool) -> _Entry | None:
        if ref.key == self.key and ref.part != "post":
            if new:
                if ref.rule.uid in self.removed:
                    return None
                return _Entry(
                    (ref.order[0], self.new_index(ref.index)), ref.label, ref.rule, ref.boxes
                )
        elif ref.key == self.key and new and ref.rule.uid in self.removed:
            return None
        return _Entry(ref.order, ref.label, ref.rule, ref.boxes)

    def entries(self, region: Sequence[Box], new: bool) -> Iterator[_Entry]:
        """The rules meeting ``region`` in the old or new order (lazily)."""
        olds = (
            e
            for e in (self._ref_entry(ref, new) for ref in self.idx.iter_candidates(region))
            if e is not None
        )
        if not new or not self.added:
            return olds
        block = self.idx.section_block[self.key]
        added = [
            _Entry((block, self.added_at + j), _label(self.key, rule.uid), rule, boxes)
            for j, (rule, boxes) in enumerate(self.added)
        ]
        return heapq.merge(olds, added, key=lambda e: e.order)

    def evaluate(
        self, region: Sequence[Box], new: bool
    ) -> tuple[list[Box], list[tuple[_Entry, str, list[Box]]]]:
        ents = self.entries(region, new)
        allowed, hits = first_match(region, ((e, e.rule.action, e.boxes) for e in ents))
        return allowed, hits


# --------------------------------------------------------------------------- verify


def verify(
    snapshot: PolicySnapshot,
    change: Change | Mapping[str, Any],
    rules: RuleData | None = None,
    *,
    today: dt.date,
    idx: PolicyIndex | None = None,
) -> Verdict:
    """Verify one change against a snapshot. Never raises for bad input: problems become
    reject findings. ``change`` may also be a change document (``change_to_dict`` form)."""
    rules = rules or load_rules()
    if not isinstance(change, Change):
        try:
            change = change_from_dict(change)
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            data = change if isinstance(change, Mapping) else {}
            return _rejected(
                str(data.get("org", "")),
                str(data.get("kind", "")),
                [Finding("invalid_input", "reject", {"error": str(exc)})],
                rules,
            )
    if change.org != SHARED and change.org not in snapshot.orgs:
        return _rejected(
            change.org, change.kind, [Finding("unknown_org", "reject", {"org": change.org})], rules
        )
    idx = idx or index(snapshot)
    return _Verifier(idx, change, rules, today).run()


def _rejected(org: str, kind: str, findings: list[Finding], rules: RuleData) -> Verdict:
    return Verdict(
        org=org,
        kind=kind,
        risk_class="rejected",
        score=0,
        already_allowed="no",
        findings=tuple(findings),
        edition=rules.edition,
    )


class _Verifier:
    def __init__(self, idx: PolicyIndex, change: Change, rules: RuleData, today: dt.date):
        self.idx = idx
        self.change = change
        self.rules = rules
        self.today = today
        self.key = change.org
        self.section = idx.sections[self.key]
        self.findings: list[Finding] = []

    def add(self, code: str, params: Mapping[str, Any], subject: str = "") -> None:
        self.findings.append(_finding(self.rules, code, params, subject))

    # ------------------------------------------------------------------ structure

    def _structure(self) -> _Plan:
        ch, sec = self.change, self.section
        if ch.kind not in CHANGE_KINDS:
            self.add("invalid_kind", {"kind": str(ch.kind)})
        by_uid = self.idx.by_uid  # every uid of the section's rules (and post rules)
        removed: set[str] = set()
        for uid in ch.remove_rules:
            if (self.key, uid) in by_uid:
                removed.add(uid)
            else:
                self.add("unknown_rule", {"rule": uid}, uid)
        seen: set[str] = set()
        added: list[tuple[FirewallRule, list[Box]]] = []
        for rule in ch.add_rules:
            if ((self.key, rule.uid) in by_uid and rule.uid not in removed) or rule.uid in seen:
                self.add("duplicate_uid", {"uid": rule.uid}, rule.uid)
            seen.add(rule.uid)
            boxes, problems = rule_boxes(self.idx.plan, self.key, rule)
            self.findings.extend(_problem_findings(problems, _label(self.key, rule.uid)))
            added.append((rule, boxes))
            for side, bad in outside_own_plan(self.idx, self.key, rule, boxes):
                self.add(
                    "outside_own_plan",
                    {"rule": rule.uid, "side": side, "outside": bad[:5]},
                    _label(self.key, rule.uid),
                )
        part = self.idx.parts[self.idx.section_block[self.key]]  # the section's (pre) rules
        if not removed:
            removed_at: list[int] = []
        elif len(part.by_uid) == len(part.refs):  # unique uids: look the removed ones up
            removed_at = sorted(part.by_uid[u].index for u in removed if u in part.by_uid)
        else:
            removed_at = [i for i, r in enumerate(sec.rules) if r.uid in removed]
        remaining = len(sec.rules) - len(removed_at)
        at = remaining if ch.insert_at is None else max(0, min(ch.insert_at, remaining))
        return _Plan(self.idx, self.key, removed, added, removed_at, at)

    def _expiry_checks(self) -> None:
        ch = self.change
        items: list[tuple[str, dt.date | None]] = [(r.uid, r.expires) for r in ch.add_rules]
        items.extend((d.uid, d.expires) for d in ch.add_domains)
        limit = self.today + dt.timedelta(days=self.rules.max_temporary_days)
        for uid, expires in items:
            if expires is not None and expires < self.today:
                self.add("expired_item", {"rule": uid, "expires": expires.isoformat()}, uid)
            elif ch.kind == "temporary_rule" and (expires is None or expires > limit):
                self.add(
                    "temporary_without_expiry",
                    {"rule": uid, "max_days": self.rules.max_temporary_days},
                    uid,
                )

    # ------------------------------------------------------------------ domains

    def _domains(self) -> tuple[dict[str, tuple[DomainSet, DomainSet]], set[str], list[str]]:
        """Per kind: (newly in, newly out) for the proxy; affected orgs; added wildcards."""
        ch, idx, key = self.change, self.idx, self.key
        upload = upload_domains(self.rules)
        existing = idx.section_data(key).domain_uids()
        removed = set()
        for uid in ch.remove_domains:
            if uid in existing:
                removed.add(uid)
            else:
                self.add("unknown_domain_entry", {"uid": uid}, uid)
        valid_added: list[DomainEntry] = []
        wildcards: list[str] = []
        seen: set[str] = set()
        for entry in ch.add_domains:
            if (entry.uid in existing and entry.uid not in removed) or entry.uid in seen:
                self.add("duplicate_uid", {"uid": entry.uid}, entry.uid)
            seen.add(entry.uid)
            try:
                pattern = normalise_pattern(entry.pattern)
            except DomainError:
                self.add("invalid_domain", {"ref": entry.pattern}, entry.uid)
                continue
            if entry.kind not in ("allow", "tls_exempt"):
                self.add("invalid_domain", {"ref": f"{entry.pattern} ({entry.kind})"}, entry.uid)
                continue
            if too_broad(pattern):
                base = pattern[2:] if pattern.startswith("*.") else pattern
                self.add(
                    "domain_too_broad",
                    {"pattern": pattern, "suffix": base or "*"},
                    entry.uid,
                )
            if pattern.startswith("*") and not too_broad(pattern):
                wildcards.append(pattern)
            if entry.kind == "tls_exempt" and (
                entry.upload_capable or DomainSet([pattern]).overlaps(upload)
            ):
                self.add("tls_exempt_upload", {"pattern": pattern}, entry.uid)
            valid_added.append(entry)
        # Without rebuilding the section's set: with R the removed entries' patterns, K the kept
        # entries' and A the added ones, old = K ∪ R and new = K ∪ A, so
        #   new − old = A − old                (A is small, old is cached)
        #   old − new = (R − A) − K            (only entries of K sharing a name with R matter)
        # and for an organisation (effective = shared ∪ old ⊇ K):
        #   new − effective = A − effective,   (old − shared) − new = (old − new) − shared.
        result: dict[str, tuple[DomainSet, DomainSet]] = {}
        affected: set[str] = set()
        for kind in ("allow", "tls_exempt"):
            added = domain_set_of([e for e in valid_added if e.kind == kind], kind)
            kind_removed = (
                [d for d in self.section.domains if d.uid in removed and d.kind == kind]
                if removed
                else []
            )
            if not kind_removed and not added:
                result[kind] = (DomainSet(), DomainSet())
                continue
            lost = DomainSet()
            if kind_removed:
                gone = domain_set_of(kind_removed, kind)
                if gone:
                    lookup = idx.domain_lookup(key, kind)
                    gone_patterns = []
                    for d in kind_removed:
                        try:
                            gone_patterns.append(normalise_pattern(d.pattern))
                        except DomainError:
                            continue
                    kept = [
                        p
                        for uid, p in (lookup.items[i] for i in lookup.overlapping(gone_patterns))
                        if uid not in removed
                    ]
                    lost = (gone - added) - DomainSet(kept)
            if key != SHARED:
                plus = added - idx.effective_domains(key, kind)
                minus = lost - idx.domain_set(SHARED, kind)
                result[kind] = (plus, minus)
                continue
            d_plus, d_minus = added - idx.domain_set(SHARED, kind), lost
            plus_all, minus_all = DomainSet(), DomainSet()
            if d_plus or d_minus:
                for org in self.idx.plan.orgs:
                    own = idx.domain_set(org, kind)
                    p, m = d_plus - own, d_minus - own
                    if p or m:
                        affected.add(org)
                        plus_all, minus_all = plus_all | p, minus_all | m
            if not self.idx.plan.orgs:
                plus_all, minus_all = d_plus, d_minus
            result[kind] = (plus_all, minus_all)
        return result, affected, wildcards

    def _mail(self) -> None:
        mail = self.change.mail
        if mail is None:
            return
        if mail.attachment_policy == "allow":
            self.add("attachment_bypass", {})
        for host in mail.relay_hosts:
            name, _, port = host.rpartition(":") if ":" in host else (host, "", "")
            try:
                normalise_host(name)
            except DomainError:
                self.add("invalid_relay_host", {"host": host})
                continue
            if port and (not port.isdigit() or not 0 < int(port) <= 65535):
                self.add("invalid_port", {"ports": port})
        for d in mail.sending_domains:
            try:
                normalise_host(d)
            except DomainError:
                self.add("invalid_domain", {"ref": d})

    # ------------------------------------------------------------------ main

    def run(self) -> Verdict:
        ch, rules, idx = self.change, self.rules, self.idx
        plan = self._structure()
        self._expiry_checks()
        self._mail()
        # ---- flows: the touched region, before and after
        region: list[Box] = [b for _, boxes in plan.added for b in boxes]
        removed_refs = [
            r for r in (idx.by_uid.get((self.key, uid)) for uid in plan.removed) if r is not None
        ]
        for ref in removed_refs:
            region.extend(ref.boxes)
        region = list(FlowSet(region).boxes)
        old_allowed, _ = plan.evaluate(region, new=False)
        new_allowed, new_hits = plan.evaluate(region, new=True)
        old_fs = FlowSet.disjoint(old_allowed)
        new_fs = FlowSet.disjoint(new_allowed)
        newly = new_fs - old_fs
        denied = old_fs - new_fs

        # ---- zone checks on what is newly permitted, attributed to the deciding rule
        endpoints = endpoints_for(idx, rules)
        regions = all_regions(idx, rules)
        reported: set[tuple[str, str]] = set()
        # latent violations: an added allow rule that would open a forbidden flow if nothing
        # shadowed it is refused too (a later removal of the shadowing rule would open it)
        for rule, boxes in plan.added:
            if rule.action != "allow" or not boxes:
                continue
            tag = _label(self.key, rule.uid)
            own = FlowSet.disjoint(boxes)  # one rule's boxes are disjoint by construction
            for check, v in violations(own, rule.controls, regions, endpoints):
                if (check.code, tag) in reported:
                    continue
                reported.add((check.code, tag))
                self.findings.append(
                    Finding(
                        check.code,
                        "escalate" if check.severity == "escalate" else "reject",
                        {"rule": tag, "flows": flows_text(v)},
                        tag,
                    )
                )
        if newly:
            for entry, action, hit in new_hits:
                if action != "allow":
                    continue
                part = FlowSet.disjoint(hit) - old_fs
                if not part:
                    continue
                for check, v in violations(part, entry.rule.controls, regions, endpoints):
                    if (check.code, entry.tag) in reported:
                        continue
                    reported.add((check.code, entry.tag))
                    self.findings.append(
                        Finding(
                            check.code,
                            "escalate" if check.severity == "escalate" else "reject",
                            {"rule": entry.tag, "flows": flows_text(v)},
                            entry.tag,
                        )
                    )
            relays = relay_intervals(rules, idx.plan)
            for check in rules.zone_checks:
                if not check.transitive:
                    continue

                def legs(srcs: list[Interval], dsts: list[Interval]) -> FlowSet:
                    region = product(srcs, dsts, 7)
                    return FlowSet.disjoint(plan.evaluate(region, new=True)[0])

                for path, hosts in transitive_violations(check, idx.plan, relays, legs, newly):
                    shown = [format_address_interval(a, b) for a, b in hosts[:3]]
                    self.findings.append(
                        Finding(
                            check.code,
                            "escalate" if check.severity == "escalate" else "reject",
                            {"rule": path, "via": f" via {', '.join(shown)}", "flows": path},
                        )
                    )
            removed_deny = [r for r in removed_refs if r.rule.action == "deny"]
            if removed_deny and not ch.add_rules:
                self.add("removes_deny", {"flows": flows_text(newly)})

        # ---- blast radius
        changed = newly | denied
        touched = idx.plan.orgs_touching(changed.src_intervals())
        touched |= idx.plan.orgs_touching(changed.dst_intervals())
        domain_deltas, domain_orgs, wildcards = self._domains()
        touched |= domain_orgs
        touched.discard(self.key)
        blast = tuple(sorted(touched))
        if self.key != SHARED and blast:
            self.add("blast_radius", {"orgs": list(blast)})
        if self.key == SHARED and (changed or any(a or b for a, b in domain_deltas.values())):
            self.add("shared_change", {"count": len(blast)})

        # ---- intent, collateral, already allowed
        intent_boxes: list[Box] = []
        for srcs, dsts, proto, ports in ch.intent.flows:
            boxes, problems = flow_boxes(
                idx.plan, self.key, srcs, dsts, proto, ports, allow_range=True
            )
            self.findings.extend(_problem_findings(problems, "intent"))
            intent_boxes.extend(boxes)
        intent_fs = FlowSet(intent_boxes)
        intent_hosts: list[str] = []
        for h in ch.intent.hosts:
            try:
                intent_hosts.append(normalise_pattern(h))
            except DomainError:
                self.add("invalid_domain", {"ref": h}, "intent")
        intent_ds = DomainSet(intent_hosts)
        allow_plus, allow_minus = domain_deltas["allow"]
        tls_plus, tls_minus = domain_deltas["tls_exempt"]
        collateral = newly - intent_fs if ch.intent.flows else FlowSet()
        collateral_domains = (allow_plus | tls_plus) - intent_ds if ch.intent.hosts else DomainSet()
        already, by_rules, by_domains = self._already(plan, intent_fs)

        # ---- risk
        findings = _dedupe(self.findings)
        factors = self._factors(
            newly,
            denied,
            collateral,
            collateral_domains,
            domain_deltas,
            wildcards,
            blast,
            findings,
            already,
        )
        score = max(0, sum(f.points for f in factors))
        risk: RiskClass
        if any(f.severity == "reject" for f in findings):
            risk = "rejected"
        elif any(f.severity == "escalate" for f in findings) or score > rules.normal_max:
            risk = "major"
        elif score > rules.standard_max:
            risk = "normal"
        else:
            risk = "standard"
        return Verdict(
            org=self.key,
            kind=ch.kind,
            risk_class=risk,
            score=score,
            already_allowed=already,
            already_allowed_rules=by_rules,
            already_allowed_domains=by_domains,
            newly_permitted=newly,
            newly_denied=denied,
            newly_allowed_domains=allow_plus,
            newly_blocked_domains=allow_minus,
            newly_tls_exempt=tls_plus,
            no_longer_tls_exempt=tls_minus,
            collateral=collateral,
            collateral_domains=collateral_domains,
            blast_radius=blast,
            findings=findings,
            factors=tuple(factors),
            edition=rules.edition,
        )

    def _already(
        self, plan: _Plan, intent_fs: FlowSet
    ) -> tuple[Already, tuple[str, ...], tuple[str, ...]]:
        ch = self.change
        statuses: list[str] = []
        by_rules: list[str] = []
        if ch.intent.flows:
            request = intent_fs
        else:
            request = FlowSet(
                b for rule, boxes in plan.added if rule.action == "allow" for b in boxes
            )
        if request:
            allowed, hits = plan.evaluate(list(request.boxes), new=False)
            got = FlowSet.disjoint(allowed)
            for entry, action, hit in hits:
                if action == "allow" and hit:
                    by_rules.append(entry.tag)
            statuses.append("fully" if request.issubset(got) else ("partly" if got else "no"))
        by_domains: list[str] = []
        kind_of_request = "tls_exempt" if ch.kind == "tls_exemption" else "allow"
        requests: dict[str, list[str]] = {}
        if ch.intent.hosts:
            requests[kind_of_request] = list(ch.intent.hosts)
        else:
            for e in ch.add_domains:
                requests.setdefault(e.kind, []).append(e.pattern)
        for kind, patterns in requests.items():
            lookups = [self.idx.domain_lookup(self.key, kind)]
            if self.key != SHARED:
                lookups.insert(0, self.idx.domain_lookup(SHARED, kind))
            try:
                status, uids = coverage_in(patterns, lookups)
            except DomainError:
                continue
            statuses.append(status)
            by_domains.extend(uids)
        if not statuses:
            return "no", (), ()
        result: Already
        if all(s == "fully" for s in statuses):
            result = "fully"
        elif all(s == "no" for s in statuses):
            result = "no"
        else:
            result = "partly"
        return result, tuple(dict.fromkeys(by_rules)), tuple(dict.fromkeys(by_domains))

    def _factors(
        self,
        newly: FlowSet,
        denied: FlowSet,
        collateral: FlowSet,
        collateral_domains: DomainSet,
        deltas: dict[str, tuple[DomainSet, DomainSet]],
        wildcards: list[str],
        blast: tuple[str, ...],
        findings: tuple[Finding, ...],
        already: str,
    ) -> list[Factor]:
        rules, ch = self.rules, self.change
        kind_ja, kind_en = KINDS.get(ch.kind, (ch.kind, ch.kind))
        out = [
            Factor(
                "base",
                rules.base_points.get(ch.kind, 20),
                {"kind": ch.kind, "kind_ja": kind_ja, "kind_en": kind_en},
            )
        ]
        size = newly.size()
        if size:
            bits = math.log2(size)
            pts = min(
                rules.point("space_cap"),
                rules.point("space_per_bit") * max(0.0, bits - rules.point("space_free_bits")),
            )
            if round(pts):
                out.append(Factor("new_space", round(pts), {"bits": round(bits, 1)}))
            nonweb = self._non_web(newly)
            if nonweb:
                ports = sorted({p for t in nonweb.terms() for p in t.port_text()})
                out.append(
                    Factor(
                        "non_web_ports", round(rules.point("non_web_ports")), {"ports": ports[:5]}
                    )
                )
            if newly.protocols() & UDP:
                out.append(Factor("udp", round(rules.point("udp")), {}))
        allow_plus, allow_minus = deltas["allow"]
        tls_plus, tls_minus = deltas["tls_exempt"]
        if collateral or collateral_domains:
            out.append(Factor("collateral", round(rules.point("collateral")), {}))
        upload = upload_domains(rules)
        up = [
            e.pattern
            for e in ch.add_domains
            if e.kind == "allow" and (e.upload_capable or _safe_overlap(e.pattern, upload))
        ]
        if up and allow_plus:
            out.append(
                Factor("upload_capable", round(rules.point("upload_capable")), {"patterns": up[:3]})
            )
        if tls_plus:
            out.append(
                Factor(
                    "tls_exemption",
                    round(rules.point("tls_exemption")),
                    {"patterns": tls_plus.to_list()[:3]},
                )
            )
        if wildcards and (allow_plus or tls_plus):
            pts = min(rules.point("wildcard_cap"), rules.point("wildcard_domain") * len(wildcards))
            out.append(Factor("wildcard_domain", round(pts), {"count": len(wildcards)}))
        if self.key == SHARED:
            out.append(Factor("shared_section", round(rules.point("shared_section")), {}))
            if blast:
                pts = min(
                    rules.point("other_orgs_cap"), rules.point("other_orgs_per_org") * len(blast)
                )
                out.append(Factor("other_orgs", round(pts), {"count": len(blast)}))
        esc = [f for f in findings if f.severity == "escalate"]
        if esc:
            out.append(
                Factor(
                    "escalation", round(rules.point("escalation") * len(esc)), {"count": len(esc)}
                )
            )
        expiries = [r.expires for r in ch.add_rules] + [d.expires for d in ch.add_domains]
        if ch.kind == "temporary_rule" or (expiries and all(expiries)):
            out.append(Factor("temporary", round(rules.point("temporary")), {}))
        if ch.kind == "catalog_adoption" and ch.catalog_service:
            out.append(
                Factor("catalog", round(rules.point("catalog")), {"service": ch.catalog_service})
            )
        any_new = bool(newly or allow_plus or tls_plus)
        any_gone = bool(denied or allow_minus or tls_minus)
        if not any_new and any_gone:
            out.append(Factor("newly_denied_only", round(rules.point("newly_denied_only")), {}))
        if already == "fully" and not any_new and not any_gone:
            total = sum(f.points for f in out)
            out.append(Factor("already_allowed", -total, {}))
        return out

    def _non_web(self, newly: FlowSet) -> FlowSet:
        boxes: list[Box] = []
        for proto in ("tcp", "udp"):
            web = [(p.lo, p.hi) for p in self.rules.web_ports.get(proto, ())]
            other = complement_intervals(web, PORT_ALL[0], PORT_ALL[1])
            if other:
                boxes.extend(
                    product([(0, (1 << 32) - 1)], [(0, (1 << 33) - 1)], PROTOCOL_BITS[proto], other)
                )
        return newly.intersect(boxes)


def _safe_overlap(pattern: str, ds: DomainSet) -> bool:
    try:
        return DomainSet([pattern]).overlaps(ds)
    except DomainError:
        return False


def _dedupe(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    seen: set[tuple[str, str, str]] = set()
    out = []
    for f in findings:
        key = (f.code, f.subject, repr(sorted(f.params.items())))
        if key in seen:
            continue
        seen.add(key)
        out.append(f)
    return tuple(out)


__all__ = ["outside_own_plan", "registrable_domain", "verify"]
