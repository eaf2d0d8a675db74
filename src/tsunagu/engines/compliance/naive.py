"""The brute-force oracle of the evaluator: every simple path, no cleverness.

For each path rule it walks, from every source zone, ALL simple paths (no zone twice) over the
individual directed edges of the model — parallel flows are separate edges — with a plain
depth-first search and no memoisation, and keeps for every reached target zone the shortest
path seen. Exponential in the worst case: it exists to check :func:`.evaluate.evaluate` in
property tests and to give the benchmark its baseline. Rule types that look at single flows,
terminals or measures reuse the evaluator's checks.
"""

from __future__ import annotations

import datetime as dt

from .evaluate import CHECKERS, Checker, Context, path_finding, run_rules
from .findings import Assessment, Finding
from .model import Flow, NetworkModel
from .rules import Rule, RuleSet


def _conducting(rule: Rule, flow: Flow) -> bool:
    if rule.flow_kinds is not None and flow.kind not in rule.flow_kinds:
        return False
    barrier = rule.barrier_controls.get(flow.kind)
    if barrier is None:
        barrier = rule.barrier_controls.get("*", frozenset())
    return not any(c in barrier for c in flow.controls)


def _naive_no_path(rule: Rule, ctx: Context, ruleset: RuleSet) -> list[Finding]:
    model = ctx.model
    out_edges: dict[str, list[tuple[str, str]]] = {}
    for f in model.flows:
        if not _conducting(rule, f):
            continue
        out_edges.setdefault(f.src, []).append((f.dst, f.id))
        if f.bidirectional:
            out_edges.setdefault(f.dst, []).append((f.src, f.id))

    zones = ctx.zones
    sources = [z for z in zones if rule.src.matches(zones[z])]
    targets = {z for z in zones if rule.dst.matches(zones[z])}
    searches = [(s, targets) for s in sources]
    if rule.both_directions:
        searches += [(t, set(sources)) for t in targets]

    best: dict[tuple[str, str], tuple[int, tuple[str, ...], tuple[str, ...]]] = {}

    def walk(path: list[str], flows: list[str], on_path: set[str], wanted: set[str]) -> None:
        here = path[-1]
        if len(path) > 1 and here in wanted:
            pair = (path[0], here)
            candidate = (len(flows), tuple(path), tuple(flows))
            if pair not in best or candidate < best[pair]:
                best[pair] = candidate
        for nxt, fid in out_edges.get(here, ()):
            if nxt in on_path:
                continue
            path.append(nxt)
            flows.append(fid)
            on_path.add(nxt)
            walk(path, flows, on_path, wanted)
            on_path.discard(nxt)
            flows.pop()
            path.pop()

    for start, wanted in searches:
        walk([start], [], {start}, wanted)

    return [path_finding(rule, path, flows) for _n, path, flows in best.values()]


NAIVE_CHECKERS: dict[str, Checker] = {**CHECKERS, "no_path": _naive_no_path}


def evaluate_naive(model: NetworkModel, ruleset: RuleSet, *, today: dt.date) -> Assessment:
    """The same assessment as :func:`.evaluate.evaluate`, path rules by brute force."""
    return run_rules(model, ruleset, today=today, checkers=NAIVE_CHECKERS)
