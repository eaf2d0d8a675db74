"""The gateway's use of the network model: would a change break the organisation's model?

A gateway change adds firewall rules in terms of addresses and zones. Seen from the network
model, each allowed rule is a flow between zones (``zone:lgwan`` is the zone, a prefix is every
zone whose address plan it touches, ``internet`` is ``internet_external``); the rule's controls
carry over (sanitisation, screen transfer, specific communication, WAF). The organisation's
published model plus those flows is evaluated; a critical or high finding the model did not
have before is a reason to reject the change, stated with the model rule that breaks.

A change to the shared policy is checked against every organisation's model.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import replace
from typing import Any

from tsunagu.engines.compliance import model as cm
from tsunagu.engines.compliance.evaluate import evaluate
from tsunagu.engines.policy import model as pm

from . import adapters

CONTROL_MAP: dict[str, tuple[str, ...]] = {
    "sanitisation": ("sanitise_file", "sanitise_mail"),
    "screen_transfer": ("screen_transfer",),
    "specific_communication": ("specific_communication",),
    "waf": ("waf",),
    "mfa": ("mfa",),
}


def _zones_of(ref: str, plan: dict[str, list[str]], all_zones: list[str]) -> list[str]:
    if ref.startswith("zone:"):
        return [ref[5:]]
    if ref == "internet" or ref.startswith("fqdn:"):
        return ["internet_external"]
    if ref == "any":
        return [*all_zones, "internet_external"]
    try:
        if "-" in ref:
            lo, hi = (ipaddress.IPv4Address(x) for x in ref.split("-", 1))
            nets = list(ipaddress.summarize_address_range(lo, hi))
        else:
            nets = [ipaddress.IPv4Network(ref, strict=False)]
    except ValueError:
        return []
    hits = []
    for zone, prefixes in plan.items():
        for p in prefixes:
            pn = ipaddress.IPv4Network(p)
            if any(n.overlaps(pn) for n in nets):
                hits.append(zone)
                break
    return hits or ["internet_external"]


def rule_flows(
    rules: tuple[pm.FirewallRule, ...], plan: dict[str, list[str]], known: set[str]
) -> list[cm.Flow]:
    """The zone-to-zone flows that allow rules create."""
    all_zones = sorted(known)
    flows: list[cm.Flow] = []
    for rule in rules:
        if rule.action != "allow":
            continue
        controls: set[str] = set()
        for c in rule.controls:
            controls.update(CONTROL_MAP.get(c, ()))
        srcs = {z for ref in rule.sources for z in _zones_of(ref, plan, all_zones)}
        dsts = {z for ref in rule.destinations for z in _zones_of(ref, plan, all_zones)}
        for s in sorted(srcs):
            for d in sorted(dsts):
                if s == d or (s not in known and s not in cm.EXTERNALS):
                    continue
                if d not in known and d not in cm.EXTERNALS:
                    continue
                flows.append(
                    cm.Flow(
                        id=f"gw:{rule.uid}:{s}>{d}",
                        src=s,
                        dst=d,
                        kind="data",
                        controls=frozenset(controls),
                        note=rule.uid,
                    )
                )
    return flows


def _org_findings(
    code: str,
    document: dict[str, Any] | None,
    rules: tuple[pm.FirewallRule, ...],
    snapshot: pm.PolicySnapshot,
    *,
    today: dt.date,
) -> list[dict[str, Any]]:
    section = snapshot.orgs.get(code)
    if section is None or not document:
        return []
    plan = adapters.plan_of(section.address_plan)
    parsed = adapters.parse(document, org=code, plan=plan)
    model = parsed.model
    known = {z.id for z in model.zones}
    added = rule_flows(rules, plan, known)
    if not added:
        return []
    rs = adapters.ruleset()
    before = evaluate(model, rs, today=today).keys()
    after = evaluate(replace(model, flows=(*model.flows, *added)), rs, today=today)
    out = []
    for f in after.blocking():
        if f.key in before:
            continue
        doc = f.to_dict()
        doc["org"] = code
        doc["edition"] = rs.edition
        out.append(doc)
    return out


def change_findings(
    snapshot: pm.PolicySnapshot, change: pm.Change, *, today: dt.date
) -> list[dict[str, Any]]:
    """New critical/high network-model findings the change would cause (JSON documents)."""
    from .models import NetworkModel

    if not change.add_rules:
        return []
    codes = sorted(snapshot.orgs) if change.org == pm.SHARED else [change.org]
    documents = dict(
        NetworkModel.objects.filter(organization__code__in=codes).values_list(
            "organization__code", "document"
        )
    )
    out: list[dict[str, Any]] = []
    for code in codes:
        out.extend(
            _org_findings(code, documents.get(code), change.add_rules, snapshot, today=today)
        )
    return out
