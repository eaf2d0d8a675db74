"""Evaluate one network model against one rule-set edition.

Path rules (``no_path``) are answered by a breadth-first search from each source zone over an
adjacency of the *conducting* edges of that rule, built once per rule: a flow conducts when its
kind is one the rule looks at and it carries none of the rule's barrier controls for that kind.
The search never enumerates paths; it finds, for every zone reachable from a source, one
shortest chain of flows (fewest hops, ties broken by zone and flow id so the answer is
deterministic). A model has at most a few hundred zones and flows, so every rule costs
O(sources × edges).

The other rule types look at single flows, terminals, measures or the declared model.
:mod:`.naive` answers the path rules by brute force and must agree with this module.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from tsunagu.engines.policy.domains import DomainError, normalise_pattern, too_broad

from .findings import SEVERITIES, Assessment, Finding
from .model import Flow, Issue, NetworkModel, Zone, parse_model
from .rules import Rule, RuleSet

Edge = tuple[str, str, Flow]
Adjacency = dict[str, list[tuple[str, str]]]


# ------------------------------------------------------------------------------ helpers


def _natural(text: str) -> tuple[Any, ...]:
    """Sort key that orders ``MN-2`` before ``MN-10`` and ``f2`` before ``f10``."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text))


def sort_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Deterministic order: severity (most severe first), rule id, key."""
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    return tuple(
        sorted(
            findings,
            key=lambda f: (rank.get(f.severity, len(rank)), _natural(f.rule), _natural(f.key)),
        )
    )


def _finding(rule: Rule, key: str, detail: Mapping[str, str], **evidence: Any) -> Finding:
    return Finding(
        key=key,
        rule=rule.id,
        severity=rule.severity,
        title=rule.title,
        fix=rule.fix,
        detail=detail,
        source=rule.source,
        **evidence,
    )


class Context:
    """What every check of one model needs, computed once: zones by id (externals included)
    and the directed edges in a deterministic order."""

    def __init__(self, model: NetworkModel) -> None:
        self.model = model
        self.zones: dict[str, Zone] = model.zone_map()
        self.edges: list[Edge] = sorted(model.edges(), key=lambda e: (e[0], e[1], e[2].id))


def conducts(rule: Rule, flow: Flow) -> bool:
    """Does ``flow`` carry traffic for the path question of ``rule``?"""
    return rule.kind_matches(flow.kind) and not (flow.controls & rule.barriers(flow.kind))


def path_endpoints(rule: Rule, zones: Mapping[str, Zone]) -> list[tuple[str, frozenset[str]]]:
    """The searches a path rule asks for: ``(start zone, target zone ids)``, forward (``from``
    to ``to``) and, with ``both_directions``, backward (``to`` to ``from``)."""
    ordered = sorted(zones)
    sources = [z for z in ordered if rule.src.matches(zones[z])]
    targets = [z for z in ordered if rule.dst.matches(zones[z])]
    out = [(s, frozenset(targets)) for s in sources]
    if rule.both_directions:
        out.extend((t, frozenset(sources)) for t in targets)
    return out


def path_finding(rule: Rule, path: tuple[str, ...], flows: tuple[str, ...]) -> Finding:
    """The finding of a ``no_path`` rule for one chain of zones ``path`` joined by ``flows``."""
    a, b = path[0], path[-1]
    chain = " → ".join(path)
    hops = ", ".join(flows)
    return _finding(
        rule,
        f"{rule.id}:{a}->{b}",
        {
            "ja": f"{a} から {b} へ到達する経路があります: {chain}（フロー: {hops}）",
            "en": f"{b} is reachable from {a}: {chain} (flows: {hops})",
        },
        zones=tuple(dict.fromkeys(path)),
        flows=flows,
        path=path,
    )


# ------------------------------------------------------------------------------ no_path


def _adjacency(rule: Rule, edges: Iterable[Edge]) -> Adjacency:
    """Conducting edges by source zone; parallel flows collapse to the first flow id."""
    adj: Adjacency = {}
    seen: set[tuple[str, str]] = set()
    for s, d, f in edges:
        if (s, d) in seen or not conducts(rule, f):
            continue
        seen.add((s, d))
        adj.setdefault(s, []).append((d, f.id))
    return adj


def _bfs(adj: Adjacency, start: str) -> dict[str, tuple[str, str]]:
    """Parent pointers ``zone -> (previous zone, flow id)`` of a breadth-first search."""
    parent: dict[str, tuple[str, str]] = {}
    queue = deque([start])
    seen = {start}
    while queue:
        node = queue.popleft()
        for nxt, fid in adj.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                parent[nxt] = (node, fid)
                queue.append(nxt)
    return parent


def _check_no_path(rule: Rule, ctx: Context, ruleset: RuleSet) -> list[Finding]:
    adj = _adjacency(rule, ctx.edges)
    out: dict[str, Finding] = {}
    for start, targets in path_endpoints(rule, ctx.zones):
        if start not in adj:
            continue
        parent = _bfs(adj, start)
        for end in sorted(targets & parent.keys()):
            if end == start:
                continue
            zones = [end]
            flows: list[str] = []
            node = end
            while node != start:
                node, fid = parent[node]
                zones.append(node)
                flows.append(fid)
            finding = path_finding(rule, tuple(reversed(zones)), tuple(reversed(flows)))
            out.setdefault(finding.key, finding)
    return list(out.values())


# ------------------------------------------------------------------------------ flow rules


def _orientations(flow: Flow) -> list[tuple[str, str]]:
    out = [(flow.src, flow.dst)]
    if flow.bidirectional:
        out.append((flow.dst, flow.src))
    return out


def flow_matches(rule: Rule, flow: Flow, zones: Mapping[str, Zone]) -> bool:
    """Does one of ``flow``'s directed edges match the rule's src/dst (either way with
    ``both_directions``) and is the flow of one of its kinds?"""
    if not rule.kind_matches(flow.kind):
        return False
    for s, d in _orientations(flow):
        zs, zd = zones.get(s), zones.get(d)
        if zs is None or zd is None:  # a hand-built model with a dangling reference
            return False
        if rule.src.matches(zs) and rule.dst.matches(zd):
            return True
        if rule.both_directions and rule.src.matches(zd) and rule.dst.matches(zs):
            return True
    return False


def _flow_label(flow: Flow) -> str:
    arrow = "↔" if flow.bidirectional else "→"
    return f"{flow.id} ({flow.src} {arrow} {flow.dst}, {flow.kind})"


def _check_edge_requires(rule: Rule, ctx: Context, ruleset: RuleSet) -> list[Finding]:
    out = []
    for flow in ctx.model.flows:
        if not flow_matches(rule, flow, ctx.zones):
            continue
        ja: list[str] = []
        en: list[str] = []
        if rule.forbidden:
            ja.append("この通信自体が認められていません")
            en.append("this flow is not allowed at all")
        if rule.require_kinds is not None and flow.kind not in rule.require_kinds:
            kinds = ", ".join(sorted(rule.require_kinds))
            ja.append(f"種別 {flow.kind} は認められていません（認められる種別: {kinds}）")
            en.append(f"kind {flow.kind} is not allowed (allowed: {kinds})")
        missing = sorted(rule.require_all - flow.controls)
        if missing:
            ja.append(f"必要な制御がありません: {', '.join(missing)}")
            en.append(f"missing controls: {', '.join(missing)}")
        if rule.require_any and not (rule.require_any & flow.controls):
            any_of = ", ".join(sorted(rule.require_any))
            ja.append(f"次のいずれかの制御が必要です: {any_of}")
            en.append(f"needs one of: {any_of}")
        if not ja:
            continue
        label = _flow_label(flow)
        out.append(
            _finding(
                rule,
                f"{rule.id}:{flow.id}",
                {
                    "ja": f"フロー {label}: " + "。".join(ja),
                    "en": f"Flow {label}: " + "; ".join(en),
                },
                zones=(flow.src, flow.dst),
                flows=(flow.id,),
            )
        )
    return out


def lbo_problems(flow: Flow, rule: Rule) -> tuple[list[str], list[str]]:
    """What is wrong with one local-breakout flow: (ja, en) sentences, empty when fine."""
    ja: list[str] = []
    en: list[str] = []
    if not flow.destinations:
        ja.append("宛先の許可リストが空です")
        en.append("the destination allow-list is empty")
    for d in flow.destinations:
        try:
            pattern = normalise_pattern(d.pattern)
        except DomainError:
            ja.append(f"{d.pattern}: ホスト名・パターンとして正しくありません")
            en.append(f"{d.pattern}: not a valid host or pattern")
            continue
        if too_broad(pattern):
            ja.append(f"{d.pattern}: 登録可能ドメインより広い宛先です")
            en.append(f"{d.pattern}: broader than one registrable domain")
        if not d.tenant_restriction:
            ja.append(f"{d.pattern}: テナント制限がありません")
            en.append(f"{d.pattern}: no tenant restriction")
    missing = sorted(rule.require_all - flow.controls)
    if missing:
        ja.append(f"必要な制御がありません: {', '.join(missing)}")
        en.append(f"missing controls: {', '.join(missing)}")
    return ja, en


def _check_lbo_allowlist(rule: Rule, ctx: Context, ruleset: RuleSet) -> list[Finding]:
    out = []
    for flow in ctx.model.flows:
        if not flow_matches(rule, flow, ctx.zones):
            continue
        ja, en = lbo_problems(flow, rule)
        if not ja:
            continue
        label = _flow_label(flow)
        out.append(
            _finding(
                rule,
                f"{rule.id}:{flow.id}",
                {
                    "ja": f"フロー {label}: " + "。".join(ja),
                    "en": f"Flow {label}: " + "; ".join(en),
                },
                zones=(flow.src, flow.dst),
                flows=(flow.id,),
            )
        )
    return out


# ------------------------------------------------------------------------------ other rules


def _check_terminal_auth(rule: Rule, ctx: Context, ruleset: RuleSet) -> list[Finding]:
    out = []
    for t in ctx.model.terminals:
        zone = ctx.zones.get(t.zone)
        if zone is None or not rule.zones.matches(zone):
            continue
        factors = t.auth or zone.auth
        categories = sorted(
            {ruleset.factor_categories[f] for f in factors if f in ruleset.factor_categories}
        )
        if len(categories) >= rule.min_categories:
            continue
        have = ", ".join(factors) or "-"
        cats = ", ".join(categories) or "-"
        out.append(
            _finding(
                rule,
                f"{rule.id}:{t.id}",
                {
                    "ja": (
                        f"端末 {t.id}（{t.zone}）の認証要素: {have}（種類: {cats}）。"
                        f"{rule.min_categories}種類以上の要素が必要です"
                    ),
                    "en": (
                        f"Terminal {t.id} ({t.zone}) logs in with {have} (categories: {cats}); "
                        f"{rule.min_categories} distinct categories are required"
                    ),
                },
                zones=(t.zone,),
                terminals=(t.id,),
            )
        )
    return out


def _check_required_measures(rule: Rule, ctx: Context, ruleset: RuleSet) -> list[Finding]:
    have = ctx.model.measures()
    missing = tuple(m for m in rule.measures if m not in have)
    if not missing:
        return []
    return [
        _finding(
            rule,
            rule.id,
            {
                "ja": "未実施の対策: " + "、".join(ruleset.measure_label(m)["ja"] for m in missing),
                "en": "Missing measures: "
                + ", ".join(ruleset.measure_label(m)["en"] for m in missing),
            },
            measures=missing,
        )
    ]


def _check_model_shape(rule: Rule, ctx: Context, ruleset: RuleSet) -> list[Finding]:
    model = ctx.model
    profile = ruleset.profile(model.model)
    if profile is None:
        return [
            _finding(
                rule,
                f"{rule.id}:model",
                {
                    "ja": (
                        f"宣言されたモデル {model.model} はこの版（{ruleset.edition}）にありません"
                    ),
                    "en": f"The declared model {model.model} is not defined by edition "
                    f"{ruleset.edition}",
                },
            )
        ]
    want = profile.main_terminal_zone
    if want is None:
        return []
    out = []
    for t in model.terminals:
        if t.role not in rule.roles:
            continue
        zone = ctx.zones.get(t.zone)
        if zone is None or zone.kind == want:
            continue
        label = profile.label
        out.append(
            _finding(
                rule,
                f"{rule.id}:{t.id}",
                {
                    "ja": (
                        f"端末 {t.id}（{t.role}）は {t.zone}（{zone.kind}）にありますが、"
                        f"{label['ja']}では {want} に置きます"
                    ),
                    "en": (
                        f"Terminal {t.id} ({t.role}) sits in {t.zone} ({zone.kind}); "
                        f"the {label['en']} puts it in {want}"
                    ),
                },
                zones=(t.zone,),
                terminals=(t.id,),
            )
        )
    return out


Checker = Callable[[Rule, Context, RuleSet], list[Finding]]

CHECKERS: dict[str, Checker] = {
    "no_path": _check_no_path,
    "edge_requires": _check_edge_requires,
    "lbo_allowlist": _check_lbo_allowlist,
    "terminal_auth": _check_terminal_auth,
    "required_measures": _check_required_measures,
    "model_shape": _check_model_shape,
}


# ------------------------------------------------------------------------------ entry points


def run_rules(
    model: NetworkModel,
    ruleset: RuleSet,
    *,
    today: dt.date,
    issues: Iterable[Issue] = (),
    checkers: Mapping[str, Checker] = CHECKERS,
) -> Assessment:
    """Evaluate with the given checker per rule type (the naive oracle swaps some)."""
    ctx = Context(model)
    findings: list[Finding] = []
    checked = passed = 0
    for rule in ruleset.rules:
        if not rule.applies(model.model, today):
            continue
        checked += 1
        got = checkers[rule.type](rule, ctx, ruleset)
        if not got:
            passed += 1
        findings.extend(got)
    return Assessment(
        org=model.org,
        model=model.model,
        edition=ruleset.edition,
        findings=sort_findings(findings),
        issues=tuple(issues),
        rules_checked=checked,
        rules_passed=passed,
    )


def evaluate(
    model: NetworkModel, ruleset: RuleSet, *, today: dt.date, issues: Iterable[Issue] = ()
) -> Assessment:
    """Every rule of ``ruleset`` that applies to the model's declared kind on ``today``."""
    return run_rules(model, ruleset, today=today, issues=issues)


def evaluate_document(
    doc: Mapping[str, Any], ruleset: RuleSet, *, org: str = "", today: dt.date
) -> Assessment:
    """Parse a stored or user-entered document (never raises) and evaluate it; the parser's
    issues are attached to the assessment."""
    parsed = parse_model(doc, org=org)
    return evaluate(parsed.model, ruleset, today=today, issues=parsed.issues)
