"""Gateway verification and rollout at full size: 63 organisations × 2,000 rules + 20,000 domains.

Figures (all measured in this one run, on this machine):

* ``verify_median_ms`` — our verifier on one change (median over varied changes), with the
  snapshot's index already built (it is built once per policy version and cached);
* ``index_build_s`` — building that index once for a new version;
* ``aerleon_aclcheck_median_ms`` — Aerleon's own ``AclCheck`` of ONE packet flow against the same
  organisation's 2,000 rules (policy object prepared beforehand, median over flows);
* ``speedup_vs_aerleon`` — how many single-flow AclChecks one whole-header-space proof costs;
* ``full_reverify_s`` — all invariants over the whole policy after one organisation's change,
  as the release train runs it (the active version's index exists); ``full_reverify_cold_s`` —
  the same from nothing (index built from scratch);
* ``rollout_one_org_s`` — a release train that applies one organisation's approved change on a
  database holding the full policy: build + verify + store + render + validate + publish +
  activate (the parent version's artifacts exist, as in production).

Run: .venv/bin/python benchmarks/bench_gateway.py [--orgs 63 --rules 2000 --domains 20000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from _harness import best_of, report, setup_django

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

TODAY = dt.date(2026, 11, 22)


def _changes(snapshot, m, count: int = 30):
    """Varied realistic changes for different organisations."""
    codes = sorted(snapshot.orgs)
    out = []
    for i in range(count):
        code = codes[(i * 7) % len(codes)]
        third = 10 + i
        if i % 3 == 0:
            out.append(
                m.Change(
                    kind="catalog_adoption",
                    org=code,
                    add_rules=(
                        m.FirewallRule(
                            uid=f"bench-{i}-r1",
                            action="allow",
                            sources=("zone:internet",),
                            destinations=(f"170.{third}.0.0/16",),
                            protocol="udp",
                            ports=(m.PortRange(8801, 8810),),
                        ),
                    ),
                    add_domains=(m.DomainEntry(f"bench-{i}-d1", f"*.vendor{i}.example.com"),),
                )
            )
        elif i % 3 == 1:
            out.append(
                m.Change(
                    kind="allow_domain",
                    org=code,
                    add_domains=(m.DomainEntry(f"bench-{i}-d1", f"portal{i}.example.co.jp"),),
                )
            )
        else:
            out.append(
                m.Change(
                    kind="firewall_outbound",
                    org=code,
                    add_rules=(
                        m.FirewallRule(
                            uid=f"bench-{i}-r1",
                            action="allow",
                            sources=("zone:internet",),
                            destinations=(f"198.{third}.100.0/24",),
                            protocol="tcp",
                            ports=(m.PortRange(443, 443), m.PortRange(8443, 8443)),
                        ),
                    ),
                )
            )
    return out


def engine_figures(orgs: int, rules: int, domains: int) -> tuple[dict[str, float], object]:
    from tsunagu.engines.policy import model as m
    from tsunagu.engines.policy.index import index
    from tsunagu.engines.policy.invariants import verify_policy
    from tsunagu.engines.policy.rules import load_rules
    from tsunagu.engines.policy.synthetic import synthetic_snapshot
    from tsunagu.engines.policy.verifier import verify
    from tsunagu.engines.render import aclcheck_flow, prepare_aclcheck

    rule_data = load_rules()
    snapshot = synthetic_snapshot(orgs=orgs, rules_per_org=rules, domains=domains)
    t0 = time.perf_counter()
    idx = index(snapshot)
    index_build = time.perf_counter() - t0

    changes = _changes(snapshot, m)
    times = []
    for _round in range(3):
        for change in changes:
            t0 = time.perf_counter()
            verify(snapshot, change, rule_data, today=TODAY, idx=idx)
            times.append(time.perf_counter() - t0)
    verify_ms = statistics.median(times) * 1000

    code = sorted(snapshot.orgs)[0]
    prepared = prepare_aclcheck(snapshot, code, today=TODAY)
    section = snapshot.orgs[code]
    flows = []
    for rule in section.rules[:: max(1, len(section.rules) // 40)]:
        for dst in rule.destinations:
            if "/" in dst and dst[0].isdigit():
                host = dst.split("/")[0]
                port = rule.ports[0].lo if rule.ports else 443
                proto = rule.protocol if rule.protocol != "any" else "tcp"
                src = next(b.prefix for b in section.address_plan if b.zone == "internet")
                flows.append((src.split("/")[0], host, proto, port))
                break
    acl_times = []
    for src, dst, proto, port in flows:
        t0 = time.perf_counter()
        aclcheck_flow(prepared, src, dst, proto, port)
        acl_times.append(time.perf_counter() - t0)
    acl_ms = statistics.median(acl_times) * 1000

    # Cold: deserialised copies share no objects (so no cached index parts) with the original.
    copies = [m.snapshot_from_dict(m.snapshot_to_dict(snapshot)) for _ in range(3)]

    def reverify_cold() -> None:
        verify_policy(copies.pop(), rule_data, today=TODAY)

    def reverify_after_change() -> None:
        # What the release train does: the active policy (index built) plus one approved change.
        verify_policy(m.apply_change(snapshot, changes[0]), rule_data, today=TODAY)

    full_cold = best_of(reverify_cold, repeat=3)
    full = best_of(reverify_after_change, repeat=3)
    return (
        {
            "orgs": orgs,
            "rules_per_org": rules,
            "domain_patterns": domains,
            "verify_median_ms": verify_ms,
            "verify_changes_timed": len(times),
            "index_build_s": index_build,
            "aerleon_aclcheck_median_ms": acl_ms,
            "aerleon_flows_timed": len(acl_times),
            "speedup_vs_aerleon": acl_ms / verify_ms,
            "full_reverify_s": full,
            "full_reverify_cold_s": full_cold,
        },
        snapshot,
    )


def rollout_figure(snapshot) -> dict[str, float]:
    """One train on a database holding the full policy (the parent rendered, as in production)."""
    setup_django()
    from django.utils import timezone

    from tsunagu.core.models import Organization
    from tsunagu.core.roles import Role
    from tsunagu.core.tests.factories import make_user
    from tsunagu.engines.policy import model as m
    from tsunagu.gateway import artifacts, services, train
    from tsunagu.gateway.models import PolicyVersion
    from tsunagu.gateway.publish import DirectoryPublisher

    codes = list(Organization.objects.order_by("code").values_list("code", flat=True))
    synth = [snapshot.orgs[c] for c in sorted(snapshot.orgs)]
    sections = {}
    for code, sec in zip(codes, synth, strict=False):
        sections[code] = replace(sec, org=code)
    t0 = time.perf_counter()
    v1 = train.policy_bootstrap(shared=replace(snapshot.shared, org=m.SHARED), sections=sections)
    artifacts.render_version(v1, today=timezone.localdate())
    setup = time.perf_counter() - t0
    print(f"setup: full policy stored and rendered once in {setup:.1f} s", flush=True)

    musashino = Organization.objects.get(code="132039")
    staff = make_user(Role.MUNI_STAFF, "132039")
    services.change_request_create(
        actor=staff,
        organization=musashino,
        kind="firewall_outbound",
        title="bench",
        form={"source_zone": "internet", "destinations": "203.0.113.0/24", "ports": "443"},
        submit=True,
    )
    from tsunagu.gateway.models import ChangeRequest, ChangeState

    req = ChangeRequest.objects.get()
    assert req.state == ChangeState.APPROVED, req.verdict  # a standard change: no reviewer wait
    publisher = DirectoryPublisher(root=tempfile.mkdtemp(prefix="tsunagu-pub-"), webhook="")
    t0 = time.perf_counter()
    result = train.run_train(publisher=publisher)
    elapsed = time.perf_counter() - t0
    assert result.status == "published", result.as_dict()
    print(f"rollout stages (s): {result.as_dict()['timings']}", flush=True)
    v2 = PolicyVersion.objects.get(number=2)
    rendered = [a for a in v2.artifacts.all() if a.section == "132039"]
    return {
        "rollout_one_org_s": elapsed,
        "rollout_setup_s": setup,
        "rollout_sections_rendered": len(v2.changed_sections),
        "rollout_files_of_changed_org": len(rendered),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orgs", type=int, default=63)
    parser.add_argument("--rules", type=int, default=2000)
    parser.add_argument("--domains", type=int, default=20000)
    parser.add_argument("--skip-rollout", action="store_true")
    args = parser.parse_args()
    figures, snapshot = engine_figures(args.orgs, args.rules, args.domains)
    if not args.skip_rollout:
        figures.update(rollout_figure(snapshot))
    report("gateway", figures, ".venv/bin/python benchmarks/bench_gateway.py")


if __name__ == "__main__":
    main()
