"""What moving to another network model (α, α′, β, β′) would take, for one body.

The rule set's ``models`` section describes each model and the migration steps that reshape a
body's model into it: systems of some categories moved to a zone kind, main terminals moved,
flows no longer needed removed, flows the target needs added (for α′: the local breakout whose
destinations are the chosen services' domains). :func:`what_if` applies those steps to the
body's own model, evaluates the projection with the same rules, and derives what the
shared gateway would need: catalog adoptions, an inbound publication for telework, or domain
entries that become unnecessary. The gateway facts are plain data the caller reads from its own
store, so this module stays free of any application.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from tsunagu.engines.policy.domains import DomainError, normalise_pattern, pattern_matches

from .evaluate import evaluate
from .findings import Assessment
from .model import (
    EXTERNALS,
    Destination,
    Flow,
    NetworkModel,
    System,
    Terminal,
    Zone,
    model_to_dict,
)
from .rules import CAPABILITIES, FlowTemplate, ModelProfile, RuleSet, ZoneSelector

# ------------------------------------------------------------------------------ input facts


@dataclass(frozen=True)
class ServiceFacts:
    """A catalog service the body wants to use."""

    slug: str
    name: str
    category: str = ""
    domains: tuple[str, ...] = ()
    upload_capable: bool = False


@dataclass(frozen=True)
class DomainEntryFacts:
    """One domain entry of the body's security-cloud section."""

    uid: str
    pattern: str
    service: str = ""


@dataclass(frozen=True)
class GatewayFacts:
    """What the shared gateway already holds for the body."""

    adopted: frozenset[str] = frozenset()  # catalog slugs adopted
    domain_entries: tuple[DomainEntryFacts, ...] = ()
    has_inbound_publication: bool = False


# ------------------------------------------------------------------------------ results


def flow_to_dict(flow: Flow) -> dict[str, Any]:
    return {
        "id": flow.id,
        "src": flow.src,
        "dst": flow.dst,
        "kind": flow.kind,
        "controls": sorted(flow.controls),
        "destinations": [
            {"pattern": d.pattern, "tenant_restriction": d.tenant_restriction, "service": d.service}
            for d in flow.destinations
        ],
        "bidirectional": flow.bidirectional,
        "note": flow.note,
    }


@dataclass(frozen=True)
class Capability:
    id: str
    label: Mapping[str, str]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": dict(self.label)}


@dataclass(frozen=True)
class MissingMeasure:
    """A measure a rule of the target model requires and the body has not recorded."""

    measure: str
    label: Mapping[str, str]
    rule: str
    source: Mapping[str, str] = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "measure": self.measure,
            "label": dict(self.label),
            "rule": self.rule,
            "source": dict(self.source),
        }


@dataclass(frozen=True)
class FlowChange:
    action: Literal["add", "remove", "modify"]
    before: Flow | None
    after: Flow | None
    reason: Mapping[str, str]

    @property
    def flow_id(self) -> str:
        flow = self.after or self.before
        return flow.id if flow is not None else ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "flow": self.flow_id,
            "before": flow_to_dict(self.before) if self.before else None,
            "after": flow_to_dict(self.after) if self.after else None,
            "reason": dict(self.reason),
        }


@dataclass(frozen=True)
class SystemMove:
    system: str
    name: str
    category: str
    from_zone: str
    to_zone: str
    reason: Mapping[str, str] = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "name": self.name,
            "category": self.category,
            "from_zone": self.from_zone,
            "to_zone": self.to_zone,
            "reason": dict(self.reason),
        }


@dataclass(frozen=True)
class TerminalMove:
    terminal: str
    role: str
    count: int
    from_zone: str
    to_zone: str
    reason: Mapping[str, str] = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "terminal": self.terminal,
            "role": self.role,
            "count": self.count,
            "from_zone": self.from_zone,
            "to_zone": self.to_zone,
            "reason": dict(self.reason),
        }


@dataclass(frozen=True)
class GatewayNeed:
    """A gateway change the migration needs (``required``) or makes ``unnecessary``.
    ``form`` holds exactly the fields of the gateway request form of ``kind``."""

    kind: str
    effect: Literal["required", "unnecessary"]
    reason: Mapping[str, str]
    form: Mapping[str, Any] = field(default_factory=dict, hash=False)
    service: str = ""  # catalog slug the need is about, if any

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "effect": self.effect,
            "reason": dict(self.reason),
            "form": dict(self.form),
            "service": self.service,
        }


@dataclass(frozen=True)
class WhatIf:
    current: str
    target: str
    edition: str
    current_label: Mapping[str, str]
    target_label: Mapping[str, str]
    projected: NetworkModel
    missing_measures: tuple[MissingMeasure, ...]
    flow_changes: tuple[FlowChange, ...]
    system_moves: tuple[SystemMove, ...]
    terminal_moves: tuple[TerminalMove, ...]
    gained: tuple[Capability, ...]
    lost: tuple[Capability, ...]
    before: Assessment
    after: Assessment
    gateway: tuple[GatewayNeed, ...]
    created_zones: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (
            self.flow_changes
            or self.system_moves
            or self.terminal_moves
            or self.gained
            or self.lost
            or self.gateway
            or self.missing_measures
            or self.created_zones
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "current": self.current,
            "target": self.target,
            "edition": self.edition,
            "current_label": dict(self.current_label),
            "target_label": dict(self.target_label),
            "projected": model_to_dict(self.projected),
            "missing_measures": [m.to_dict() for m in self.missing_measures],
            "flow_changes": [c.to_dict() for c in self.flow_changes],
            "system_moves": [m.to_dict() for m in self.system_moves],
            "terminal_moves": [m.to_dict() for m in self.terminal_moves],
            "gained": [c.to_dict() for c in self.gained],
            "lost": [c.to_dict() for c in self.lost],
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
            "gateway": [g.to_dict() for g in self.gateway],
            "created_zones": list(self.created_zones),
        }


# ------------------------------------------------------------------------------ helpers


def _label(profile: ModelProfile | None, kind: str) -> Mapping[str, str]:
    return profile.label if profile is not None else {"ja": kind, "en": kind}


def _norm(pattern: str) -> str | None:
    try:
        return normalise_pattern(pattern)
    except DomainError:
        return None


def pattern_covers(outer: str, inner: str) -> bool:
    """Is every name of the (normalised) pattern ``inner`` also a name of ``outer``?"""
    if outer == "*":
        return True
    if inner == "*":
        return False
    if not inner.startswith("*."):
        return pattern_matches(outer, inner)
    if not outer.startswith("*."):
        return False
    return inner == outer or inner.endswith(outer[1:])


def _service_allowed(service: ServiceFacts, entries: Sequence[DomainEntryFacts]) -> bool:
    """Do the body's domain entries already cover every domain of the service?"""
    if not service.domains:
        return False
    patterns = [p for p in (_norm(e.pattern) for e in entries) if p is not None]
    for d in service.domains:
        nd = _norm(d)
        if nd is None or not any(pattern_covers(p, nd) for p in patterns):
            return False
    return True


def _service_entries(
    service: ServiceFacts, entries: Sequence[DomainEntryFacts]
) -> list[DomainEntryFacts]:
    """The body's domain entries that exist for this service: named after it, or lying wholly
    inside one of its domains."""
    own = [p for p in (_norm(d) for d in service.domains) if p is not None]
    out = []
    for e in entries:
        if e.service and e.service in (service.slug, service.name):
            out.append(e)
            continue
        pe = _norm(e.pattern)
        if pe is not None and any(pattern_covers(p, pe) for p in own):
            out.append(e)
    return out


def _publication_host(zones: Iterable[Zone]) -> tuple[str, str]:
    """(host address, zone id) inside the first dmz zone's first prefix, or ("", "")."""
    for z in zones:
        if z.kind != "dmz" or not z.prefixes:
            continue
        net = ipaddress.IPv4Network(z.prefixes[0])
        if net.num_addresses > 21:
            host = net.network_address + 20
        elif net.num_addresses > 2:
            host = net.network_address + 1
        else:
            host = net.network_address
        return str(host), z.id
    return "", ""


def _unique_id(base: str, taken: set[str]) -> str:
    candidate = base
    n = 2
    while candidate in taken:
        candidate = f"{base}-{n}"
        n += 1
    taken.add(candidate)
    return candidate


class _Projection:
    """The body's model being reshaped, step by step."""

    def __init__(self, model: NetworkModel) -> None:
        self.model = model
        self.zones: list[Zone] = list(model.zones)
        self.systems: list[System] = list(model.systems)
        self.terminals: list[Terminal] = list(model.terminals)
        self.flows: list[Flow] = list(model.flows)
        self.created: list[str] = []

    def all_zones(self) -> list[Zone]:
        own = {z.id for z in self.zones}
        externals = [
            Zone(id=zid, kind=kind, label=zid, external=True)
            for zid, kind in EXTERNALS.items()
            if zid not in own
        ]
        return [*self.zones, *externals]

    def zone(self, zid: str) -> Zone | None:
        for z in self.all_zones():
            if z.id == zid:
                return z
        return None

    def own_zone(self, selector: ZoneSelector) -> Zone | None:
        """The own zone ``selector`` prefers; created (named after the kind) if the selector
        names a kind and no own zone matches."""
        got = selector.resolve(self.zones)
        if got is not None or not selector.kinds:
            return got
        kind = selector.kinds[0]
        if kind in EXTERNALS.values():
            return None
        zid = _unique_id(kind, {z.id for z in self.zones} | set(EXTERNALS))
        zone = Zone(id=zid, kind=kind, label=zid)
        self.zones.append(zone)
        self.created.append(zid)
        return zone

    def placed(self, zid: str, selector: ZoneSelector) -> bool:
        zone = self.zone(zid)
        return zone is not None and selector.matches(zone)


# ------------------------------------------------------------------------------ steps


def _move_systems(p: _Projection, profile: ModelProfile) -> list[SystemMove]:
    moves: list[SystemMove] = []
    for step in profile.move_systems:
        for i, s in enumerate(p.systems):
            if s.category not in step.categories or p.placed(s.zone, step.to):
                continue
            dest = p.own_zone(step.to)
            if dest is None:
                break
            p.systems[i] = replace(s, zone=dest.id)
            moves.append(SystemMove(s.id, s.name, s.category, s.zone, dest.id, step.reason))
    return moves


def _move_terminals(p: _Projection, profile: ModelProfile) -> list[TerminalMove]:
    moves: list[TerminalMove] = []
    for step in profile.move_terminals:
        for i, t in enumerate(p.terminals):
            if t.role not in step.roles or p.placed(t.zone, step.to):
                continue
            dest = p.own_zone(step.to)
            if dest is None:
                break
            p.terminals[i] = replace(t, zone=dest.id)
            moves.append(TerminalMove(t.id, t.role, t.count, t.zone, dest.id, step.reason))
    return moves


def _remove_flows(p: _Projection, profile: ModelProfile) -> list[FlowChange]:
    changes: list[FlowChange] = []
    keep: list[Flow] = []
    for f in p.flows:
        src, dst = p.zone(f.src), p.zone(f.dst)
        reason: Mapping[str, str] | None = None
        if src is not None and dst is not None:
            for step in profile.remove_flows:
                if step.matches(src, dst, f.kind) or (
                    f.bidirectional and step.matches(dst, src, f.kind)
                ):
                    reason = step.reason
                    break
        if reason is None:
            keep.append(f)
        else:
            changes.append(FlowChange("remove", f, None, reason))
    p.flows = keep
    return changes


def _destinations(services: Sequence[ServiceFacts]) -> tuple[Destination, ...]:
    out: dict[str, Destination] = {}
    for svc in services:
        for d in svc.domains:
            pattern = d.strip().lower()
            if pattern and pattern not in out:
                out[pattern] = Destination(
                    pattern=pattern, tenant_restriction=True, service=svc.slug
                )
    return tuple(out.values())


def _with_service_note(
    template: FlowTemplate, reason: Mapping[str, str], services: Sequence[ServiceFacts]
) -> Mapping[str, str]:
    if not template.destinations_from_services:
        return reason
    names = ", ".join(s.name for s in services)
    upload = [s.name for s in services if s.upload_capable]
    ja = f"{reason.get('ja', '')} 対象: {names}。"
    en = f"{reason.get('en', '')} Services: {names}."
    if upload:
        ja += (
            f" ファイルをアップロードできるサービス（{', '.join(upload)}）を含むため、"
            "取込時の検査を必ず有効にする。"
        )
        en += f" Includes upload-capable services ({', '.join(upload)}): keep the intake check on."
    return {"ja": ja.strip(), "en": en.strip()}


def _add_flows(
    p: _Projection, profile: ModelProfile, services: Sequence[ServiceFacts]
) -> list[FlowChange]:
    changes: list[FlowChange] = []
    taken = {f.id for f in p.flows} | {f.id for f in p.model.flows}
    for template in profile.add_flows:
        zones = p.all_zones()
        src = template.src.resolve(zones)
        dst = template.dst.resolve(zones)
        if src is None or dst is None or src.id == dst.id:
            continue
        dests: tuple[Destination, ...] = ()
        if template.destinations_from_services:
            dests = _destinations(services)
            if not dests:
                continue
        reason = _with_service_note(template, template.reason, services)
        existing = next(
            (
                (i, f)
                for i, f in enumerate(p.flows)
                if f.src == src.id and f.dst == dst.id and f.kind == template.kind
            ),
            None,
        )
        if existing is not None:
            i, old = existing
            merged = {d.pattern: d for d in old.destinations}
            for d in dests:
                known = merged.get(d.pattern)
                if known is None or not known.tenant_restriction:
                    merged[d.pattern] = replace(
                        d, service=known.service if known and known.service else d.service
                    )
            new = replace(
                old,
                controls=old.controls | template.controls,
                destinations=tuple(merged.values()),
                bidirectional=old.bidirectional or template.bidirectional,
            )
            if new != old:
                p.flows[i] = new
                changes.append(FlowChange("modify", old, new, reason))
            continue
        flow = Flow(
            id=_unique_id(template.id, taken),
            src=src.id,
            dst=dst.id,
            kind=template.kind,
            controls=template.controls,
            destinations=dests,
            bidirectional=template.bidirectional,
            note=reason.get("ja", ""),
        )
        p.flows.append(flow)
        changes.append(FlowChange("add", None, flow, reason))
    return changes


def _missing_measures(
    model: NetworkModel, ruleset: RuleSet, target: str, today: dt.date
) -> list[MissingMeasure]:
    have = model.measures()
    out: dict[str, MissingMeasure] = {}
    for rule in ruleset.rules:
        if rule.type != "required_measures" or not rule.applies(target, today):
            continue
        for m in rule.measures:
            if m not in have and m not in out:
                out[m] = MissingMeasure(m, ruleset.measure_label(m), rule.id, rule.source)
    return list(out.values())


def _gateway_needs(
    p: _Projection,
    profile: ModelProfile,
    services: Sequence[ServiceFacts],
    gateway: GatewayFacts,
    lbo_changed: bool,
) -> list[GatewayNeed]:
    needs: list[GatewayNeed] = []
    if profile.main_terminal_zone == "internet":
        for svc in services:
            if svc.slug in gateway.adopted or _service_allowed(svc, gateway.domain_entries):
                continue
            needs.append(
                GatewayNeed(
                    kind="catalog_adoption",
                    effect="required",
                    reason={
                        "ja": (
                            f"主たる端末がインターネット接続系に移るため、{svc.name} を"
                            "インターネット接続系からセキュリティクラウド経由で利用できるよう"
                            "カタログから採用する。"
                        ),
                        "en": (
                            f"Main terminals move to the internet segment: adopt {svc.name} "
                            "from the catalog so it is reachable from there through the "
                            "security cloud."
                        ),
                    },
                    form={"catalog": svc.slug, "source_zone": "internet"},
                    service=svc.slug,
                )
            )
    if "telework" in profile.enables and not gateway.has_inbound_publication:
        server, zone = _publication_host(p.zones)
        if server:
            reason = {
                "ja": (
                    f"テレワーク用の画面転送ゲートウェイを {zone} の {server} に置き、"
                    "WAF経由でHTTPS（443/tcp）を公開する。"
                ),
                "en": (
                    f"Publish the telework screen-transfer gateway at {server} in {zone} "
                    "over HTTPS (443/tcp) behind the WAF."
                ),
            }
        else:
            reason = {
                "ja": (
                    "テレワーク用の画面転送ゲートウェイの公開が必要だが、DMZのアドレス"
                    "（プレフィックス）が登録されていないため公開先サーバを決められない。"
                    "DMZを登録してからサーバを記入して申請する。"
                ),
                "en": (
                    "The telework screen-transfer gateway must be published, but no DMZ "
                    "prefix is recorded, so no server address can be proposed: record the "
                    "DMZ, then fill in the server."
                ),
            }
        needs.append(
            GatewayNeed(
                kind="inbound_publication",
                effect="required",
                reason=reason,
                form={
                    "server": server,
                    "protocol": "tcp",
                    "ports": "443",
                    "waf": True,
                    "service": "テレワーク画面転送ゲートウェイ",
                },
            )
        )
    if lbo_changed:
        for svc in services:
            entries = _service_entries(svc, gateway.domain_entries)
            if not entries:
                continue
            uids = [e.uid for e in entries]
            needs.append(
                GatewayNeed(
                    kind="rule_removal",
                    effect="unnecessary",
                    reason={
                        "ja": (
                            f"{svc.name} はLGWAN接続系からの自団体のローカルブレイクアウトで"
                            "利用するため、セキュリティクラウドのドメイン許可"
                            f"（{', '.join(uids)}）は不要になる。インターネット接続系から"
                            "の利用が残る場合は削除しない。"
                        ),
                        "en": (
                            f"{svc.name} goes out through the body's own local breakout from "
                            f"the LGWAN segment, so the security-cloud domain entries "
                            f"({', '.join(uids)}) are no longer needed — unless the internet "
                            "segment still uses the service."
                        ),
                    },
                    form={"rule_uids": "\n".join(uids)},
                    service=svc.slug,
                )
            )
    return needs


# ------------------------------------------------------------------------------ entry point


def what_if(
    model: NetworkModel,
    ruleset: RuleSet,
    *,
    target: str,
    today: dt.date,
    services: Sequence[ServiceFacts] = (),
    gateway: GatewayFacts = GatewayFacts(),
) -> WhatIf:
    """Project ``model`` onto the ``target`` network model of ``ruleset``.

    Raises :class:`ValueError` for a target the edition does not define. A target equal to the
    current model gives an empty migration (``WhatIf.empty``) with ``after == before``.
    """
    profile = ruleset.profile(target)
    if profile is None:
        known = ", ".join(ruleset.models)
        raise ValueError(
            f"unknown target model {target!r} for edition {ruleset.edition} (known: {known})"
        )
    current = ruleset.profile(model.model)
    before = evaluate(model, ruleset, today=today)
    if target == model.model:
        return WhatIf(
            current=model.model,
            target=target,
            edition=ruleset.edition,
            current_label=_label(current, model.model),
            target_label=profile.label,
            projected=model,
            missing_measures=(),
            flow_changes=(),
            system_moves=(),
            terminal_moves=(),
            gained=(),
            lost=(),
            before=before,
            after=before,
            gateway=(),
        )

    p = _Projection(model)
    system_moves = _move_systems(p, profile)
    terminal_moves = _move_terminals(p, profile)
    flow_changes = _remove_flows(p, profile)
    added = _add_flows(p, profile, services)
    flow_changes.extend(added)
    lbo_changed = any(
        c.after is not None and c.after.kind == "lbo" and c.after.destinations for c in added
    )

    projected = replace(
        model,
        model=target,
        zones=tuple(p.zones),
        systems=tuple(p.systems),
        terminals=tuple(p.terminals),
        flows=tuple(p.flows),
    )
    after = evaluate(projected, ruleset, today=today)

    have = set(current.enables) if current is not None else set()
    want = set(profile.enables)
    gained = tuple(
        Capability(c, ruleset.capability_label(c)) for c in CAPABILITIES if c in want - have
    )
    lost = tuple(
        Capability(c, ruleset.capability_label(c)) for c in CAPABILITIES if c in have - want
    )

    return WhatIf(
        current=model.model,
        target=target,
        edition=ruleset.edition,
        current_label=_label(current, model.model),
        target_label=profile.label,
        projected=projected,
        missing_measures=tuple(_missing_measures(model, ruleset, target, today)),
        flow_changes=tuple(flow_changes),
        system_moves=tuple(system_moves),
        terminal_moves=tuple(terminal_moves),
        gained=gained,
        lost=lost,
        before=before,
        after=after,
        gateway=tuple(_gateway_needs(p, profile, services, gateway, lbo_changed)),
        created_zones=tuple(p.created),
    )
