"""Expert matching for Tokyo's shared pool: CP-SAT against first-come, and the stress scale.

Generates a deterministic synthetic month (fixed seed). Tokyo: the metropolitan government, 23
wards, 26 cities, 5 towns and 8 villages (63 bodies); nine of them — the seven island villages,
Hinohara and Okutama — are marked small (fairness floor). 300 open requests, 80 experts in ten
fields (CIO, BPR, web/UX, security, network, cloud, data, procurement, AI, PR) with levels,
monthly capacity in visits (demand exceeds it by about a third), on-site/online, home area,
organisation caps for a third of them, vendor ties, a few unavailable; 20 % of the requests are
ongoing projects with a current expert, some name a preferred expert or exclude one, two are
locked by the coordinator. Large bodies file early, small towns late — so first-come crowds
them out. Stress: 20,000 requests × 2,000 experts drawn the same way, core constraints only
(min-cost flow).

Figures:

* ``tokyo_solve_s`` — :func:`solve` on the Tokyo month with every rule (median of runs; the
  time limit when optimality is not proven), ``tokyo_optimal`` 1/0, ``tokyo_gap`` (certified);
  ``tokyo_gap_at_1s`` — the gap with a one-second limit;
* ``tokyo_unit_visits_*`` — the same month with one visit per request (capacity then counts
  requests), for comparison with the capacity-in-visits model;
* ``fit_ratio_vs_greedy`` — optimised total fit / first-come total fit;
* ``worst_org_share_*`` — min over bodies of served / requested visits (0 whenever a body's only
  requests need a skill nobody in the pool has); ``worst_servable_share_*`` counts only requests
  some expert may serve; ``*_floor_all`` — the optimiser with the floor extended to every body;
* ``continuity_*`` — share of ongoing requests that keep their expert;
* ``fairness_violations_*`` — small bodies left with nothing;
* ``stress_solve_s`` — :func:`solve_core` on 20,000 × 2,000 (median), with its certified
  ``stress_gap`` to the LP bound;
* sizes and counts.

Run: .venv/bin/python benchmarks/bench_matching.py [--seed 20261122]
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import statistics
import sys
import time
from pathlib import Path

from _harness import report

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from tsunagu.engines.matching.flow import solve_core
from tsunagu.engines.matching.greedy import greedy
from tsunagu.engines.matching.metrics import continuity, total_fit, worst_org_share
from tsunagu.engines.matching.model import Expert, Problem, Request, Weights, admissible
from tsunagu.engines.matching.solve import solve

WARDS = [
    "chiyoda",
    "chuo",
    "minato",
    "shinjuku",
    "bunkyo",
    "taito",
    "sumida",
    "koto",
    "shinagawa",
    "meguro",
    "ota",
    "setagaya",
    "shibuya",
    "nakano",
    "suginami",
    "toshima",
    "kita",
    "arakawa",
    "itabashi",
    "nerima",
    "adachi",
    "katsushika",
    "edogawa",
]
CITIES_EAST = [
    "musashino",
    "mitaka",
    "fuchu",
    "chofu",
    "koganei",
    "kodaira",
    "kokubunji",
    "kunitachi",
    "nishitokyo",
    "higashimurayama",
    "higashikurume",
    "kiyose",
    "komae",
    "inagi",
    "tama",
    "machida",
    "hino",
    "tachikawa",
    "akishima",
    "higashiyamato",
    "musashimurayama",
]
CITIES_WEST = ["hachioji", "ome", "fussa", "hamura", "akiruno"]
TOWNS_WEST = ["mizuho", "hinode", "okutama", "hinohara"]  # 3 towns and a village
ISLANDS = "oshima hachijo toshima_is niijima kozushima miyake mikurajima aogashima ogasawara"
ISLANDS_L = ISLANDS.split()
SMALL = frozenset(
    {"toshima_is", "niijima", "kozushima", "miyake", "mikurajima", "aogashima", "ogasawara"}
    | {"hinohara", "okutama"}
)
SKILLS = ("cio", "bpr", "web_ux", "security", "network", "cloud", "data", "procurement", "ai", "pr")
SUPPLY = (8, 12, 8, 10, 7, 8, 8, 6, 7, 6)  # experts per field, out of 80
DEMAND = (6, 14, 9, 12, 7, 10, 11, 6, 8, 5)  # relative request frequency per field


def organisations() -> list[tuple[str, str, str]]:
    """(code, area, kind) for the 63 bodies."""
    orgs = [("tokyo", "23ku", "prefecture")]
    orgs += [(w, "23ku", "ward") for w in WARDS]
    orgs += [(c, "tama_east", "city") for c in CITIES_EAST]
    orgs += [(c, "tama_west", "city") for c in CITIES_WEST]
    orgs += [(t, "tama_west", "town") for t in TOWNS_WEST]
    orgs += [(i, "islands", "town") for i in ISLANDS_L]
    assert len(orgs) == 63
    return orgs


def make_experts(rng: random.Random, n: int, org_codes: list[str]) -> list[Expert]:
    fields = [s for s, k in zip(SKILLS, SUPPLY, strict=True) for _ in range(k)]
    experts = []
    for i in range(n):
        primary = fields[i % len(fields)] if n == len(fields) else rng.choices(SKILLS, SUPPLY)[0]
        skills = {primary: rng.choices((3, 4, 5), (3, 4, 2))[0]}
        for s in rng.sample([s for s in SKILLS if s != primary], rng.choice((0, 1, 1, 2))):
            skills[s] = rng.choice((2, 3, 3, 4))
        roll = rng.random()
        onsite, online = (
            (True, True) if roll < 0.6 else (False, True) if roll < 0.85 else (True, False)
        )
        area = rng.choices(("23ku", "tama_east", "tama_west", "islands"), (60, 25, 10, 5))[0]
        max_orgs = rng.choice((2, 3)) if primary == "cio" else rng.choice((0, 0, 3, 4))
        conflicts = (
            frozenset(rng.sample(org_codes, rng.choice((1, 2))))
            if rng.random() < 0.15
            else frozenset()
        )
        experts.append(
            Expert(
                id=f"x{i:04d}",
                name=f"Expert {i}",
                skills=skills,
                capacity=rng.randint(4, 8),
                onsite=onsite,
                online=online,
                area=area,
                max_orgs=max_orgs,
                conflicts=conflicts,
                available=rng.random() > 0.04,
            )
        )
    return experts


def _request_counts(rng: random.Random, n: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    weights: dict[str, float] = {}
    for code, _, kind in organisations():
        if code in SMALL or kind == "town":
            counts[code] = rng.randint(1, 2)
        else:
            counts[code] = 1
            weights[code] = {"prefecture": 10.0, "ward": 6.0, "city": 2.5}[kind]
    rest = n - sum(counts.values())
    codes = sorted(weights)
    for code in rng.choices(codes, [weights[c] for c in codes], k=rest):
        counts[code] += 1
    return counts


def make_requests(rng: random.Random, n: int, experts: list[Expert]) -> list[Request]:
    area_of = {code: area for code, area, _ in organisations()}
    kind_of = {code: kind for code, _, kind in organisations()}
    by_skill: dict[str, list[Expert]] = {s: [] for s in SKILLS}
    for e in experts:
        for s in e.skills:
            by_skill[s].append(e)
    stub = Problem(experts=(), requests=())
    drafts = []
    for code, k in _request_counts(rng, n).items():
        for _ in range(k):
            primary = rng.choices(SKILLS, DEMAND)[0]
            skills = {primary: rng.choices((2, 3, 4), (3, 5, 2))[0]}
            if rng.random() < 0.3:
                second = rng.choice([s for s in SKILLS if s != primary])
                skills[second] = rng.choice((2, 2, 3))
            area = area_of[code]
            modes = (10, 30, 60) if area == "islands" else (30, 20, 50)
            # arrival: big bodies have staff watching the call; small towns file late
            late = (
                0.7
                if code in SMALL or kind_of[code] == "town"
                else 0.25
                if kind_of[code] == "city"
                else 0.0
            )
            drafts.append(
                (
                    rng.random() + late,
                    Request(
                        id="",
                        org=code,
                        area=area,
                        small=code in SMALL,
                        skills=skills,
                        visits=rng.choices((1, 2, 3, 4), (30, 40, 20, 10))[0],
                        mode=rng.choices(("onsite", "online", "either"), modes)[0],
                        urgency=rng.choices((1, 2, 3), (4, 4, 2))[0],
                        seq=0,
                    ),
                )
            )
    drafts.sort(key=lambda d: d[0])
    requests = []
    locks = 0
    for seq, (_, r) in enumerate(drafts):
        primary = next(iter(r.skills))
        pool = by_skill[primary]
        picks = [e for e in rng.sample(pool, min(len(pool), 12)) if admissible(stub, r, e)]
        current = preferred = locked = None
        excluded: frozenset[str] = frozenset()
        roll = rng.random()
        if picks and roll < 0.20:
            current = picks[0].id
        elif picks and roll < 0.35:
            preferred = picks[0].id
        if len(picks) > 1 and rng.random() < 0.05:
            excluded = frozenset({picks[-1].id})
        if picks and locks < 2 and current is None and rng.random() < 0.02:
            locked = picks[0].id
            locks += 1
        requests.append(
            Request(
                id=f"q{seq:05d}",
                org=r.org,
                area=r.area,
                small=r.small,
                skills=r.skills,
                visits=r.visits,
                mode=r.mode,
                urgency=r.urgency,
                seq=seq,
                preferred=preferred,
                current=current,
                excluded=excluded,
                locked=locked,
            )
        )
    return requests


def instance(seed: int, n_requests: int, n_experts: int) -> Problem:
    rng = random.Random(seed)
    codes = [c for c, _, _ in organisations()]
    experts = make_experts(rng, n_experts, codes)
    requests = make_requests(rng, n_requests, experts)
    return Problem(experts=tuple(experts), requests=tuple(requests))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--stress-repeat", type=int, default=3)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()

    tokyo = instance(args.seed, 300, 80)
    runs = [
        solve(tokyo, time_limit_s=args.time_limit, workers=args.workers) for _ in range(args.repeat)
    ]
    opt = runs[-1]
    quick = solve(tokyo, time_limit_s=1.0, workers=args.workers)
    unit = dataclasses.replace(
        tokyo, requests=tuple(dataclasses.replace(r, visits=1) for r in tokyo.requests)
    )
    unit_run = solve(unit, time_limit_s=args.time_limit, workers=args.workers)
    base = greedy(tokyo)
    every_org = dataclasses.replace(tokyo, weights=Weights(floor_all=True))
    floor_all = solve(every_org, time_limit_s=args.time_limit, workers=args.workers)
    pairs = sum(1 for r in tokyo.requests for e in tokyo.experts if admissible(tokyo, r, e))

    t = time.perf_counter()
    stress = instance(args.seed + 1, 20_000, 2_000)
    gen_s = time.perf_counter() - t
    cores = [solve_core(stress) for _ in range(args.stress_repeat)]
    core = cores[-1]

    print(f"tokyo: status={opt.status} objective={opt.objective} bound={opt.bound}")
    print(f"tokyo at 1 s: status={quick.status} objective={quick.objective} bound={quick.bound}")
    print(f"tokyo: warnings={list(opt.warnings)}")
    print(f"tokyo, one visit per request: status={unit_run.status} in {unit_run.solve_s:.2f} s")
    print(f"stress: status={core.status} gap={core.gap} warnings={list(core.warnings)}")
    print(f"stress: generated in {gen_s:.1f} s")
    print(f"tokyo_optimal = {opt.status == 'optimal'} (stored as 1.0/0.0)")
    figures: dict[str, float] = {
        "tokyo_requests": len(tokyo.requests),
        "tokyo_experts": len(tokyo.experts),
        "tokyo_orgs": len({r.org for r in tokyo.requests}),
        "tokyo_small_orgs": len({r.org for r in tokyo.requests if r.small}),
        "tokyo_admissible_pairs": pairs,
        "tokyo_ongoing": sum(1 for r in tokyo.requests if r.current),
        "tokyo_demand_visits": sum(r.visits for r in tokyo.requests),
        "tokyo_capacity_visits": sum(e.capacity for e in tokyo.experts if e.available),
        "tokyo_time_limit_s": args.time_limit,
        "tokyo_solve_s": statistics.median(r.solve_s for r in runs),
        "tokyo_optimal": 1.0 if opt.status == "optimal" else 0.0,
        "tokyo_gap": opt.gap or 0.0,
        "tokyo_gap_at_1s": quick.gap if quick.gap is not None else 1.0,
        "tokyo_unit_visits_solve_s": unit_run.solve_s,
        "tokyo_unit_visits_optimal": 1.0 if unit_run.status == "optimal" else 0.0,
        "tokyo_served_optimised": len(opt.proposals),
        "tokyo_served_greedy": len(base.proposals),
        "fit_ratio_vs_greedy": total_fit(opt) / total_fit(base),
        "fit_ratio_vs_greedy_at_1s": total_fit(quick) / total_fit(base),
        "worst_org_share_optimised": worst_org_share(tokyo, opt),
        "worst_org_share_greedy": worst_org_share(tokyo, base),
        "worst_servable_share_optimised": worst_org_share(tokyo, opt, servable_only=True),
        "worst_servable_share_greedy": worst_org_share(tokyo, base, servable_only=True),
        "worst_servable_share_floor_all": worst_org_share(tokyo, floor_all, servable_only=True),
        "fit_ratio_floor_all_vs_greedy": total_fit(floor_all) / total_fit(base),
        "continuity_optimised": continuity(tokyo, opt),
        "continuity_greedy": continuity(tokyo, base),
        "fairness_violations_optimised": len(opt.fairness_violations),
        "fairness_violations_greedy": len(base.fairness_violations),
        "stress_requests": len(stress.requests),
        "stress_experts": len(stress.experts),
        "stress_demand_visits": sum(r.visits for r in stress.requests),
        "stress_capacity_visits": sum(e.capacity for e in stress.experts if e.available),
        "stress_solve_s": statistics.median(c.solve_s for c in cores),
        "stress_optimal": 1.0 if core.status == "optimal" else 0.0,
        "stress_gap": core.gap or 0.0,
        "stress_served": len(core.proposals),
    }
    report("matching", figures, ".venv/bin/python benchmarks/bench_matching.py")


if __name__ == "__main__":
    main()
