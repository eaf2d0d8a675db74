"""The network model of one organisation, as frozen data, and its tolerant parser.

A *network model* describes how an organisation's network is split (三層の対策): its zones, the
systems placed in them, the terminals staff sit at, the flows between zones with the controls that
make each acceptable, authentication per zone, endpoint and organisational measures, and the
network model it declares (α, α′, β, β′ or custom).

The stored form is a JSON document (see :func:`model_to_dict`). :func:`parse_model` never raises:
every problem of an inconsistent document — a flow to a zone that does not exist, a prefix in two
zones, a duplicate id, a flow from a zone to itself, an unknown control — becomes an
:class:`Issue` naming the exact place (``flows[3].dst``) and the offending value, and the element
is dropped from the parsed model so the evaluation can still run on the rest. Cycles of flows are
legal (traffic often goes both ways) and are reported by :func:`flow_cycles` for the reader.

External networks are implicit zones every model has; their ids are fixed (:data:`EXTERNALS`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

ModelKind = Literal["alpha", "alpha_prime", "beta", "beta_prime", "custom"]
MODEL_KINDS: tuple[str, ...] = ("alpha", "alpha_prime", "beta", "beta_prime", "custom")

ZONE_KINDS: tuple[str, ...] = ("mynumber", "lgwan", "internet", "dmz", "sanitiser", "custom")
"""Kinds of an organisation's own zones. Several zones may share a kind (a fourth segment,
a second LGWAN-side segment for a branch office …); rules address zones by kind."""

EXTERNALS: Mapping[str, str] = {
    "internet_external": "internet_external",
    "security_cloud": "security_cloud",
    "lgwan_wan": "lgwan_wan",
    "lgwan_asp": "lgwan_asp",
}
"""Implicit external zones: id -> kind. The id and the kind are the same word."""

FLOW_KINDS: tuple[str, ...] = (
    "data",  # system-to-system data transfer (API, database link, file share)
    "file",  # file import / export
    "mail",  # mail delivery
    "browse",  # web browsing
    "screen",  # screen transfer / virtual browser / VDI: pixels only
    "lbo",  # local breakout to named SaaS (α′)
    "specific",  # nationally approved specific communication (特定通信)
    "telework",  # remote access from outside to a terminal
    "admin",  # administration / management access
)

CONTROLS: tuple[str, ...] = (
    "sanitise_file",  # 無害化 of files (CDR, conversion to text/image/PDF)
    "sanitise_mail",  # 無害化 of mail (attachments removed or imaged, HTML -> text)
    "screen_transfer",  # 画面転送 / 仮想ブラウザ
    "lbo_allowlist",  # local breakout restricted to an explicit destination allow-list
    "tenant_restriction",  # SaaS tenant restriction on the breakout
    "specific_communication",  # 特定通信 (named, nationally approved endpoint)
    "mfa",  # multi-factor authentication on the crossing
    "file_exchange",  # controlled file-exchange product with approval and logging
    "logging",  # the crossing is logged
    "malware_check",  # malware scanning on intake
    "no_redirection",  # clipboard / drive / printer redirection off (screen transfer)
    "waf",  # reverse proxy / WAF in front of a publication
)

AUTH_FACTORS: Mapping[str, str] = {
    "password": "knowledge",
    "pin": "knowledge",
    "ic_card": "possession",
    "token": "possession",
    "totp": "possession",
    "certificate": "possession",
    "biometrics": "inherence",
}
"""Authentication factor -> factor category (two factors means two *categories*)."""

ENDPOINT_MEASURES: tuple[str, ...] = (
    "edr",
    "antivirus",
    "logging",
    "log_monitoring",
    "patching",
    "asset_management",
    "device_certificate",
    "restricted_media",
)

ORG_MEASURES: tuple[str, ...] = (
    "ciso_policy_review",
    "csirt",
    "training",
    "phishing_drills",
    "audit_internal",
    "audit_external",
    "basic_policy_published",
    "incident_response_plan",
    "supplier_management",
)

TERMINAL_ROLES: tuple[str, ...] = ("main", "internet", "mynumber", "shared", "wifi", "telework")

SYSTEM_CATEGORIES: tuple[str, ...] = (
    "resident_register",
    "tax",
    "national_health_insurance",
    "pension",
    "welfare",
    "family_register",
    "finance",
    "hr_payroll",
    "document_management",
    "groupware",
    "internal_mail",
    "internet_mail",
    "web_meeting",
    "public_website",
    "wifi",
    "file_exchange",
    "sanitiser",
    "virtual_browser",
    "lgwan_asp_client",
    "data_linkage",
    "saas_office",
    "other",
)


@dataclass(frozen=True)
class Zone:
    id: str
    kind: str
    label: str = ""
    prefixes: tuple[str, ...] = ()
    auth: tuple[str, ...] = ()  # factors required to log in to terminals of this zone
    external: bool = False


@dataclass(frozen=True)
class System:
    id: str
    name: str
    category: str
    zone: str


@dataclass(frozen=True)
class Terminal:
    id: str
    zone: str
    role: str = "main"
    count: int = 0
    location: str = ""
    auth: tuple[str, ...] = ()  # empty: the zone's authentication applies


@dataclass(frozen=True)
class Destination:
    """One local-breakout destination: a host or ``*.suffix`` pattern, and whether the SaaS
    tenant is restricted to the organisation's own tenant."""

    pattern: str
    tenant_restriction: bool = False
    service: str = ""


@dataclass(frozen=True)
class Flow:
    """Traffic from ``src`` to ``dst`` of one kind, with the controls applied on the way.
    ``bidirectional`` flows are two edges for every path question."""

    id: str
    src: str
    dst: str
    kind: str = "data"
    controls: frozenset[str] = frozenset()
    destinations: tuple[Destination, ...] = ()
    bidirectional: bool = False
    note: str = ""


@dataclass(frozen=True)
class NetworkModel:
    org: str
    model: str = "alpha"
    zones: tuple[Zone, ...] = ()
    systems: tuple[System, ...] = ()
    terminals: tuple[Terminal, ...] = ()
    flows: tuple[Flow, ...] = ()
    endpoint_measures: frozenset[str] = frozenset()
    org_measures: frozenset[str] = frozenset()

    def zone_map(self) -> dict[str, Zone]:
        """Every zone by id, the implicit external ones included."""
        out = {z.id: z for z in self.zones}
        for zid, kind in EXTERNALS.items():
            out.setdefault(zid, Zone(id=zid, kind=kind, label=zid, external=True))
        return out

    def measures(self) -> frozenset[str]:
        return self.endpoint_measures | self.org_measures

    def edges(self) -> Iterable[tuple[str, str, Flow]]:
        """Directed edges: (src, dst, flow), both ways for a bidirectional flow."""
        for f in self.flows:
            yield f.src, f.dst, f
            if f.bidirectional:
                yield f.dst, f.src, f


@dataclass(frozen=True)
class Issue:
    """A consistency problem of the document: ``path`` locates it (``flows[3].dst``),
    ``code`` names it, ``params`` carry the offending values."""

    code: str
    path: str
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)
    severity: Literal["error", "warning", "info"] = "error"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "path": self.path,
            "params": dict(self.params),
            "severity": self.severity,
        }


@dataclass(frozen=True)
class ParseResult:
    model: NetworkModel
    issues: tuple[Issue, ...]

    @property
    def ok(self) -> bool:
        return not any(i.severity == "error" for i in self.issues)


# ---------------------------------------------------------------------------- parsing


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.replace("\n", ",").split(",") if v.strip()]
    if isinstance(value, Sequence):
        return [str(v).strip() for v in value if str(v).strip()]
    return []


def _items(doc: Mapping[str, Any], key: str, issues: list[Issue]) -> list[Mapping[str, Any]]:
    raw = doc.get(key, [])
    if raw is None:
        return []
    if not isinstance(raw, list):
        issues.append(Issue("not_a_list", key, {"type": type(raw).__name__}))
        return []
    out: list[Mapping[str, Any]] = []
    for i, item in enumerate(raw):
        if isinstance(item, Mapping):
            out.append(item)
        else:
            issues.append(Issue("not_an_object", f"{key}[{i}]", {"type": type(item).__name__}))
            out.append({})
    return out


def _known(values: list[str], allowed: Iterable[str], path: str, issues: list[Issue]) -> list[str]:
    allowed_set = set(allowed)
    keep = []
    for v in values:
        if v in allowed_set:
            keep.append(v)
        else:
            issues.append(Issue("unknown_value", path, {"value": v}))
    return keep


def parse_model(doc: Mapping[str, Any], *, org: str = "") -> ParseResult:
    """Parse a stored or user-entered document. Never raises; see the module docstring."""
    issues: list[Issue] = []
    if not isinstance(doc, Mapping):
        return ParseResult(NetworkModel(org=org), (Issue("not_an_object", "", {}),))

    kind = _text(doc.get("model")) or "custom"
    if kind not in MODEL_KINDS:
        issues.append(Issue("unknown_value", "model", {"value": kind}))
        kind = "custom"

    zones: list[Zone] = []
    seen: dict[str, str] = {}
    for i, z in enumerate(_items(doc, "zones", issues)):
        path = f"zones[{i}]"
        zid = _text(z.get("id"))
        if not zid:
            issues.append(Issue("missing", f"{path}.id", {}))
            continue
        if zid in EXTERNALS:
            issues.append(Issue("reserved_id", f"{path}.id", {"value": zid}))
            continue
        if zid in seen:
            issues.append(Issue("duplicate_id", f"{path}.id", {"value": zid, "first": seen[zid]}))
            continue
        seen[zid] = path
        zkind = _text(z.get("kind")) or "custom"
        if zkind not in ZONE_KINDS:
            issues.append(Issue("unknown_value", f"{path}.kind", {"value": zkind}))
            zkind = "custom"
        prefixes = []
        for j, p in enumerate(_strings(z.get("prefixes"))):
            try:
                prefixes.append(str(ipaddress.IPv4Network(p, strict=True)))
            except ValueError:
                issues.append(Issue("bad_prefix", f"{path}.prefixes[{j}]", {"value": p}))
        auth = _known(_strings(z.get("auth")), AUTH_FACTORS, f"{path}.auth", issues)
        zones.append(
            Zone(
                id=zid,
                kind=zkind,
                label=_text(z.get("label")) or zid,
                prefixes=tuple(prefixes),
                auth=tuple(auth),
            )
        )
    zone_ids = set(seen) | set(EXTERNALS)
    issues.extend(_prefix_overlaps(zones))

    def zone_ref(value: Any, path: str, *, externals: bool = True) -> str | None:
        ref = _text(value)
        if not ref:
            issues.append(Issue("missing", path, {}))
            return None
        if ref not in zone_ids or (not externals and ref in EXTERNALS):
            issues.append(Issue("unknown_zone", path, {"value": ref}))
            return None
        return ref

    systems: list[System] = []
    sys_seen: dict[str, str] = {}
    for i, s in enumerate(_items(doc, "systems", issues)):
        path = f"systems[{i}]"
        sid = _text(s.get("id")) or _text(s.get("name"))
        if not sid:
            issues.append(Issue("missing", f"{path}.id", {}))
            continue
        if sid in sys_seen:
            issues.append(
                Issue("duplicate_id", f"{path}.id", {"value": sid, "first": sys_seen[sid]})
            )
            continue
        sys_seen[sid] = path
        cat = _text(s.get("category")) or "other"
        if cat not in SYSTEM_CATEGORIES:
            issues.append(Issue("unknown_value", f"{path}.category", {"value": cat}))
            cat = "other"
        zref = zone_ref(s.get("zone"), f"{path}.zone")
        if zref is None:
            continue
        systems.append(System(id=sid, name=_text(s.get("name")) or sid, category=cat, zone=zref))

    terminals: list[Terminal] = []
    term_seen: dict[str, str] = {}
    for i, t in enumerate(_items(doc, "terminals", issues)):
        path = f"terminals[{i}]"
        tid = _text(t.get("id"))
        if not tid:
            issues.append(Issue("missing", f"{path}.id", {}))
            continue
        if tid in term_seen:
            issues.append(
                Issue("duplicate_id", f"{path}.id", {"value": tid, "first": term_seen[tid]})
            )
            continue
        term_seen[tid] = path
        role = _text(t.get("role")) or "main"
        if role not in TERMINAL_ROLES:
            issues.append(Issue("unknown_value", f"{path}.role", {"value": role}))
            role = "shared"
        count_raw = t.get("count", 0)
        try:
            count = int(count_raw or 0)
            if count < 0:
                raise ValueError
        except (TypeError, ValueError):
            issues.append(Issue("bad_number", f"{path}.count", {"value": str(count_raw)}))
            count = 0
        zref = zone_ref(t.get("zone"), f"{path}.zone", externals=False)
        if zref is None:
            continue
        auth = _known(_strings(t.get("auth")), AUTH_FACTORS, f"{path}.auth", issues)
        terminals.append(
            Terminal(
                id=tid,
                zone=zref,
                role=role,
                count=count,
                location=_text(t.get("location")),
                auth=tuple(auth),
            )
        )

    flows: list[Flow] = []
    flow_seen: dict[str, str] = {}
    for i, f in enumerate(_items(doc, "flows", issues)):
        path = f"flows[{i}]"
        fid = _text(f.get("id")) or f"f{i + 1}"
        if fid in flow_seen:
            issues.append(
                Issue("duplicate_id", f"{path}.id", {"value": fid, "first": flow_seen[fid]})
            )
            continue
        flow_seen[fid] = path
        fkind = _text(f.get("kind")) or "data"
        if fkind not in FLOW_KINDS:
            issues.append(Issue("unknown_value", f"{path}.kind", {"value": fkind}))
            fkind = "data"
        controls = _known(_strings(f.get("controls")), CONTROLS, f"{path}.controls", issues)
        src = zone_ref(f.get("src"), f"{path}.src")
        dst = zone_ref(f.get("dst"), f"{path}.dst")
        if src is None or dst is None:
            continue
        if src == dst:
            issues.append(Issue("self_loop", path, {"zone": src}))
            continue
        dests: list[Destination] = []
        raw_dests = f.get("destinations") or []
        if not isinstance(raw_dests, list):
            issues.append(Issue("not_a_list", f"{path}.destinations", {}))
            raw_dests = []
        for j, d in enumerate(raw_dests):
            if isinstance(d, str):
                d = {"pattern": d}
            if not isinstance(d, Mapping) or not _text(d.get("pattern")):
                issues.append(Issue("missing", f"{path}.destinations[{j}].pattern", {}))
                continue
            dests.append(
                Destination(
                    pattern=_text(d.get("pattern")).lower(),
                    tenant_restriction=bool(d.get("tenant_restriction", False)),
                    service=_text(d.get("service")),
                )
            )
        flows.append(
            Flow(
                id=fid,
                src=src,
                dst=dst,
                kind=fkind,
                controls=frozenset(controls),
                destinations=tuple(dests),
                bidirectional=bool(f.get("bidirectional", False)),
                note=_text(f.get("note")),
            )
        )

    endpoint = _known(
        _strings(doc.get("endpoint_measures")), ENDPOINT_MEASURES, "endpoint_measures", issues
    )
    orgm = _known(_strings(doc.get("org_measures")), ORG_MEASURES, "org_measures", issues)
    model = NetworkModel(
        org=org or _text(doc.get("org")),
        model=kind,
        zones=tuple(zones),
        systems=tuple(systems),
        terminals=tuple(terminals),
        flows=tuple(flows),
        endpoint_measures=frozenset(endpoint),
        org_measures=frozenset(orgm),
    )
    issues.extend(flow_cycles(model))
    return ParseResult(model=model, issues=tuple(issues))


def _prefix_overlaps(zones: Sequence[Zone]) -> list[Issue]:
    """A prefix (or an overlapping one) in two zones: sort by start address and sweep."""
    blocks: list[tuple[int, int, str, str]] = []
    where = {z.id: i for i, z in enumerate(zones)}
    for z in zones:
        for p in z.prefixes:
            net = ipaddress.IPv4Network(p)
            blocks.append((int(net.network_address), int(net.broadcast_address), z.id, p))
    blocks.sort()
    out: list[Issue] = []
    reach: tuple[int, str, str] | None = None  # (end, zone, prefix) of the widest block so far
    for lo, hi, zid, p in blocks:
        if reach is not None and lo <= reach[0] and reach[1] != zid:
            out.append(
                Issue(
                    "prefix_in_two_zones",
                    f"zones[{where[zid]}].prefixes",
                    {"prefix": p, "zone": zid, "other_prefix": reach[2], "other_zone": reach[1]},
                )
            )
        if reach is None or hi > reach[0]:
            reach = (hi, zid, p)
    return out


def flow_cycles(model: NetworkModel, *, limit: int = 20) -> list[Issue]:
    """Cycles of three or more zones formed by one-way flows (Tarjan's strongly connected
    components, iterative so a deep model cannot exhaust the stack). Two-way traffic between a
    pair of zones is ordinary and not reported. Each cycle is reported as one ``info`` issue
    listing the zones of its component."""
    adj: dict[str, list[str]] = {}
    for s, d, _f in model.edges():
        adj.setdefault(s, []).append(d)
        adj.setdefault(d, [])
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    comps: list[list[str]] = []
    counter = 0
    for root in sorted(adj):
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            succ = adj[node]
            if i < len(succ):
                work.append((node, i + 1))
                nxt = succ[i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                if len(comp) >= 3:
                    comps.append(sorted(comp))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return [
        Issue("flow_cycle", "flows", {"zones": comp}, severity="info")
        for comp in sorted(comps)[:limit]
    ]


# ---------------------------------------------------------------------------- JSON


def model_to_dict(model: NetworkModel) -> dict[str, Any]:
    """The canonical document of a parsed model (what :func:`parse_model` reads back)."""
    return {
        "model": model.model,
        "zones": [
            {
                "id": z.id,
                "kind": z.kind,
                "label": z.label,
                "prefixes": list(z.prefixes),
                "auth": list(z.auth),
            }
            for z in model.zones
        ],
        "systems": [
            {"id": s.id, "name": s.name, "category": s.category, "zone": s.zone}
            for s in model.systems
        ],
        "terminals": [
            {
                "id": t.id,
                "zone": t.zone,
                "role": t.role,
                "count": t.count,
                "location": t.location,
                "auth": list(t.auth),
            }
            for t in model.terminals
        ],
        "flows": [
            {
                "id": f.id,
                "src": f.src,
                "dst": f.dst,
                "kind": f.kind,
                "controls": sorted(f.controls),
                "destinations": [
                    {
                        "pattern": d.pattern,
                        "tenant_restriction": d.tenant_restriction,
                        "service": d.service,
                    }
                    for d in f.destinations
                ],
                "bidirectional": f.bidirectional,
                "note": f.note,
            }
            for f in model.flows
        ],
        "endpoint_measures": sorted(model.endpoint_measures),
        "org_measures": sorted(model.org_measures),
    }
