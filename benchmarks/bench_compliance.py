"""Network-model compliance of all 63 organisations: the evaluator against brute force.

Generates 63 plausible network models deterministically (fixed seed): zones grouped by segment
(mynumber / lgwan / internet sub-zones, DMZ, sanitisers, the data-linkage intermediate server
and a few custom zones), each segment a shallow tree of sub-zones joined by several parallel
flows, the usual crossings with their controls (screen transfer, sanitisation, specific
communication, file exchange, WAF, local breakout for α′ bodies), and violations sprinkled in
(an open intermediate server, unsanitised mail, direct browsing, a broad breakout destination,
missing measures). Most bodies are small; a few reach 50 zones and 500 flows.

Figures:

* ``all_orgs_s`` — evaluating all 63 models with the October 2024 rule set (median of runs);
* ``naive_s`` — the brute-force oracle (every simple path) on the same 63 models;
* ``speedup`` — ``naive_s / all_orgs_s``; both must give identical finding keys;
* sizes: ``orgs``, ``max_zones``, ``max_flows``, ``total_flows``, ``findings``.

Run: .venv/bin/python benchmarks/bench_compliance.py [--seed 20261122]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

from _harness import best_of, report

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from tsunagu.engines.compliance.evaluate import evaluate
from tsunagu.engines.compliance.model import NetworkModel, parse_model
from tsunagu.engines.compliance.naive import evaluate_naive
from tsunagu.engines.compliance.rules import load_ruleset

TODAY = dt.date(2026, 11, 22)
ORGS = 63

# (zones, flows) per organisation: a few large bodies, a band of middle-sized, most small.
LARGE = [(50, 500)] * 3
MIDDLE = [(36, 300), (32, 260), (30, 220), (28, 200), (26, 180), (24, 160), (22, 150)]


def _sizes(rng: random.Random) -> list[tuple[int, int]]:
    small = []
    while len(LARGE) + len(MIDDLE) + len(small) < ORGS:
        zones = rng.randint(8, 20)
        small.append((zones, rng.randint(zones * 3, zones * 7)))
    sizes = LARGE + MIDDLE + small
    rng.shuffle(sizes)
    return sizes


def _model_kind(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.80:
        return "alpha"
    if roll < 0.87:
        return "alpha_prime"
    if roll < 0.93:
        return "beta"
    return "beta_prime"


def generate(index: int, zones_n: int, flows_n: int, rng: random.Random) -> NetworkModel:
    kind = _model_kind(rng)
    fixed = 4  # dmz, sanitiser, linkage, one custom
    rest = zones_n - fixed
    mn_n = max(1, rest // 8)
    inet_n = max(1, rest // 3)
    lg_n = max(1, rest - mn_n - inet_n)
    base = f"10.{index + 2}"
    zones: list[dict] = []
    segments: dict[str, list[str]] = {}

    def add_zone(zid: str, zkind: str, auth: list[str] | None = None) -> None:
        n = len(zones)
        zones.append(
            {
                "id": zid,
                "kind": zkind,
                "prefixes": [f"{base}.{n * 4}.0/22"],
                "auth": auth or ["password", "totp"],
            }
        )
        segments.setdefault(zkind, []).append(zid)

    for i in range(mn_n):
        auth = ["password"] if rng.random() < 0.05 else ["ic_card", "password"]
        add_zone(f"mn{i}", "mynumber", auth)
    for i in range(lg_n):
        add_zone(f"lg{i}", "lgwan")
    for i in range(inet_n):
        add_zone(f"in{i}", "internet")
    add_zone("dmz", "dmz")
    add_zone("sanitiser", "sanitiser")
    add_zone("linkage", "custom")
    add_zone("branch", "custom")

    flows: list[dict] = []

    def add_flow(src, dst, fkind="data", controls=(), bidirectional=False, **extra):
        flows.append(
            {
                "id": f"f{len(flows) + 1}",
                "src": src,
                "dst": dst,
                "kind": fkind,
                "controls": list(controls),
                "bidirectional": bidirectional,
                **extra,
            }
        )

    # --- crossings (compliant unless a violation is drawn)
    def chance(p: float) -> bool:
        return rng.random() < p

    open_linkage = chance(0.04)
    add_flow(
        "linkage",
        "mn0",
        "data",
        ["logging"] if open_linkage else ["specific_communication", "logging"],
        True,
    )
    add_flow("lg0", "linkage", "data", ["logging"], True)
    add_flow("mn0", "lgwan_wan", "specific", ["specific_communication"])
    add_flow("lg0", "lgwan_wan", "data", (), True)
    add_flow(segments["lgwan"][-1], "lgwan_asp", "data")
    add_flow("in0", "security_cloud", "browse")
    add_flow("security_cloud", "internet_external", "browse")
    add_flow("internet_external", "security_cloud", "mail")
    add_flow("security_cloud", "in0", "mail")
    add_flow("security_cloud", "dmz", "browse", [] if chance(0.05) else ["waf"])
    add_flow("in0", "sanitiser", "file", ["malware_check"])
    add_flow("sanitiser", "lg0", "file", ["sanitise_file", "malware_check"])
    add_flow("in0", "lg0", "mail", [] if chance(0.06) else ["sanitise_mail"])
    add_flow("lg0", "in0", "file", ["file_exchange", "logging"])
    add_flow("branch", "lg0", "data", ["logging"], True)
    if kind in ("alpha", "alpha_prime"):
        if chance(0.05):
            add_flow("lg0", "in0", "browse")  # direct browsing from LGWAN (ST-1)
        else:
            add_flow("lg0", "in0", "screen", ["screen_transfer", "no_redirection"])
    else:
        add_flow("in0", "lg0", "screen", ["screen_transfer", "mfa", "no_redirection"])
        add_flow(
            "internet_external",
            "dmz",
            "telework",
            ["screen_transfer", "mfa", "no_redirection", "waf"],
        )
        add_flow("dmz", "in0", "telework", ["screen_transfer", "mfa", "no_redirection"])
    if kind == "alpha_prime":
        pattern = "*.co.jp" if chance(0.2) else "*.zoom.us"
        add_flow(
            "lg0",
            "internet_external",
            "lbo",
            ["lbo_allowlist", "tenant_restriction", "malware_check"],
            destinations=[
                {"pattern": pattern, "tenant_restriction": True},
                {"pattern": "teams.microsoft.com", "tenant_restriction": True},
            ],
        )

    # --- each segment a shallow tree of sub-zones (parent among the first few)
    tree_edges: list[tuple[str, str, str]] = []
    for seg, members in segments.items():
        for j in range(1, len(members)):
            parent = members[rng.randrange(0, min(j, 5))]
            tree_edges.append((seg, parent, members[j]))

    kinds_by_segment = {
        "mynumber": ["data", "data", "file", "admin"],
        "lgwan": ["data", "data", "file", "mail", "admin", "browse"],
        "internet": ["data", "browse", "mail", "file", "admin"],
    }
    while len(flows) < flows_n and tree_edges:
        seg, parent, child = rng.choice(tree_edges)
        fkind = rng.choice(kinds_by_segment.get(seg, ["data"]))
        controls = ["mfa", "logging"] if fkind == "admin" else rng.sample(["logging", "mfa"], 1)
        if rng.random() < 0.5:
            add_flow(parent, child, fkind, controls)
        else:
            add_flow(child, parent, fkind, controls, bidirectional=rng.random() < 0.4)

    main_zone = "lg0" if kind in ("alpha", "alpha_prime") else "in0"
    terminals = [
        {"id": "desk", "zone": main_zone, "role": "main", "count": 300 + 40 * zones_n},
        {"id": "mn-desk", "zone": "mn0", "role": "mynumber", "count": 20 + 5 * zones_n},
    ]
    systems = [
        {"id": "juki", "category": "resident_register", "zone": "mn0"},
        {"id": "tax", "category": "tax", "zone": segments["mynumber"][-1]},
        {"id": "finance", "category": "finance", "zone": segments["lgwan"][-1]},
        {"id": "groupware", "category": "groupware", "zone": main_zone},
        {"id": "link", "category": "data_linkage", "zone": "linkage"},
        {"id": "web", "category": "public_website", "zone": "dmz"},
    ]
    endpoint = ["antivirus", "logging", "patching", "edr", "log_monitoring", "restricted_media"]
    org = [
        "training",
        "csirt",
        "ciso_policy_review",
        "phishing_drills",
        "audit_internal",
        "audit_external",
    ]
    if chance(0.7):
        org.append("basic_policy_published")
    if kind.startswith("beta") and chance(0.3):
        endpoint.remove("edr")
    doc = {
        "model": kind,
        "zones": zones,
        "systems": systems,
        "terminals": terminals,
        "flows": flows,
        "endpoint_measures": endpoint,
        "org_measures": org,
    }
    parsed = parse_model(doc, org=f"13{index + 101:03d}")
    assert parsed.ok, [i for i in parsed.issues if i.severity == "error"][:3]
    return parsed.model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    models = [generate(i, z, f, rng) for i, (z, f) in enumerate(_sizes(rng))]
    rules = load_ruleset()

    def fast() -> None:
        for m in models:
            evaluate(m, rules, today=TODAY)

    fast_results = [evaluate(m, rules, today=TODAY) for m in models]
    naive_times = []
    for _ in range(3):
        t = time.perf_counter()
        naive_results = [evaluate_naive(m, rules, today=TODAY) for m in models]
        naive_times.append(time.perf_counter() - t)
    for m, a, b in zip(models, fast_results, naive_results, strict=True):
        assert a.keys() == b.keys(), (m.org, sorted(a.keys() ^ b.keys()))
        assert {f.key: len(f.path) for f in a.findings} == {
            f.key: len(f.path) for f in b.findings
        }, m.org

    all_orgs_s = best_of(fast, repeat=args.repeat)
    naive_s = statistics.median(naive_times)
    per_org = []
    for m in models:
        t = time.perf_counter()
        evaluate(m, rules, today=TODAY)
        per_org.append(time.perf_counter() - t)

    figures: dict[str, float] = {
        "orgs": len(models),
        "max_zones": max(len(m.zones) for m in models),
        "max_flows": max(len(m.flows) for m in models),
        "total_zones": sum(len(m.zones) for m in models),
        "total_flows": sum(len(m.flows) for m in models),
        "findings": sum(len(a.findings) for a in fast_results),
        "orgs_with_critical": sum(1 for a in fast_results if a.counts()["critical"]),
        "all_orgs_s": all_orgs_s,
        "largest_org_ms": max(per_org) * 1000,
        "median_org_ms": statistics.median(per_org) * 1000,
        "naive_s": naive_s,
        "speedup": naive_s / all_orgs_s,
    }
    report("compliance", figures, ".venv/bin/python benchmarks/bench_compliance.py")


if __name__ == "__main__":
    main()
