"""What rendering one 2,000-rule organisation section costs, and Aerleon's AclCheck on it.

1. Render one section (nftables, Palo Alto, SRX via Aerleon + our checks; PAC; Postfix) and
   the whole-gateway squid.conf — with common services, and with ~1,500 distinct port ranges
   (pessimistic: Aerleon's SRX application de-duplication is quadratic).
2. AclCheck: build the Aerleon policy object once, then one flow (median of many flows), and
   the one-off cost (build + one flow).

Run: .venv/bin/python benchmarks/bench_render.py
"""

from __future__ import annotations

import ipaddress
import statistics
import sys
import time
from pathlib import Path

from _harness import best_of, report

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def main() -> None:
    from tsunagu.engines.render import (
        aclcheck_flow,
        prepare_aclcheck,
        render_firewall,
        render_proxy,
        render_section,
    )
    from tsunagu.engines.tests.snapshots import MUSASHINO, OPTIONS, TODAY, big_section_snapshot

    figures: dict[str, float] = {}
    for label, distinct in (("common_ports", False), ("distinct_ports", True)):
        snap = big_section_snapshot(2000, distinct_ports=distinct)

        def section(snap=snap) -> None:
            render_section(snap, MUSASHINO, today=TODAY, options=OPTIONS)
            render_proxy(snap, today=TODAY, options=OPTIONS)

        figures[f"{label}_section_all_s"] = best_of(section, repeat=3)
        for platform in ("nftables", "paloalto", "srx"):
            figures[f"{label}_{platform}_s"] = best_of(
                lambda p=platform, s=snap: render_firewall(
                    s, MUSASHINO, today=TODAY, platforms=[p]
                ),
                repeat=3,
            )

    snap = big_section_snapshot(2000)
    t0 = time.perf_counter()
    prepared = prepare_aclcheck(snap, MUSASHINO, today=TODAY)
    figures["aclcheck_build_s"] = time.perf_counter() - t0
    # One flow aimed at every 20th rule (its own source, destination, protocol and first port),
    # plus a flow no rule matches (AclCheck walks all 2,000 terms to the default deny).
    flows = []
    for rule in snap.orgs[MUSASHINO].rules[1::20]:
        if rule.protocol == "icmp" or rule.sources[0].startswith("zone:"):
            continue
        src = str(ipaddress.IPv4Network(rule.sources[0])[10])
        dst = rule.destinations[0]
        dst = "8.8.8.8" if dst == "internet" else str(ipaddress.IPv4Network(dst)[5])
        flows.append((src, dst, rule.protocol, rule.ports[0].lo))
    times = []
    for src, dst, proto, port in flows:
        t = time.perf_counter()
        aclcheck_flow(prepared, src, dst, proto, port)
        times.append(time.perf_counter() - t)
    figures["aclcheck_flows"] = len(flows)
    figures["aclcheck_flow_median_ms"] = statistics.median(times) * 1000
    miss = []
    for _ in range(5):
        t = time.perf_counter()
        verdict = aclcheck_flow(prepared, "172.19.0.10", "203.0.113.200", "udp", 9999)
        miss.append(time.perf_counter() - t)
    assert verdict.action == "deny" and verdict.rule == ""
    figures["aclcheck_no_match_median_ms"] = statistics.median(miss) * 1000
    figures["aclcheck_oneoff_s"] = figures["aclcheck_build_s"] + statistics.median(times)
    report("render", figures, ".venv/bin/python benchmarks/bench_render.py")


if __name__ == "__main__":
    main()
