"""Realistic small gateway snapshots for renderer tests (built from the model dataclasses)."""

from __future__ import annotations

import datetime as dt

from tsunagu.engines.policy.model import (
    SHARED,
    AddressBlock,
    DomainEntry,
    FirewallRule,
    MailRelay,
    PolicySnapshot,
    PortRange,
    Section,
)
from tsunagu.engines.render import RenderOptions, SquidOptions

TODAY = dt.date(2026, 4, 1)
MUSASHINO = "132039"
TACHIKAWA = "132021"
KOGANEI = "132101"

CATEGORIES = {
    "gambling": ["*.casino.example", "bet.example"],
    "malware": ["evil.example", "*.badhost.example"],
}

OPTIONS = RenderOptions(squid=SquidOptions(categories=CATEGORIES))


def _plan(n: int) -> tuple[AddressBlock, ...]:
    return (
        AddressBlock(f"10.{n}.0.0/16", "lgwan"),
        AddressBlock(f"172.{16 + n}.0.0/16", "internet"),
        AddressBlock(f"192.168.{n}.0/24", "mynumber"),
    )


def small_snapshot() -> PolicySnapshot:
    shared = Section(
        org=SHARED,
        rules=(
            FirewallRule(
                "s-deny-mynumber",
                "deny",
                ("zone:mynumber",),
                ("internet",),
                protocol="any",
                owner="tokyo",
                ticket="GW-1",
            ),
            FirewallRule(
                "s-dns",
                "allow",
                ("zone:internet",),
                ("203.0.113.53/32",),
                protocol="udp",
                ports=(PortRange(53, 53),),
                ticket="GW-2",
            ),
        ),
        post_rules=(
            FirewallRule(
                "s-icmp",
                "allow",
                ("zone:internet",),
                ("internet",),
                protocol="icmp",
                ticket="GW-3",
            ),
        ),
        domains=(
            DomainEntry("sd-1", "www.e-gov.go.jp", service="e-Gov"),
            DomainEntry("sd-2", "*.eltax.lta.go.jp", service="eLTAX"),
        ),
        category_blocks=frozenset({"malware"}),
        mail=MailRelay(
            sending_domains=("metro.tokyo.lg.jp",),
            relay_hosts=(
                "relay1.security-cloud.metro.tokyo.lg.jp",
                "relay2.security-cloud.metro.tokyo.lg.jp:587",
            ),
            attachment_policy="sanitise",
            max_message_mb=20,
        ),
    )
    musashino = Section(
        org=MUSASHINO,
        rules=(
            FirewallRule(
                "m-web",
                "allow",
                ("zone:internet",),
                ("internet",),
                protocol="tcp",
                ports=(PortRange(80, 80), PortRange(443, 443)),
                ticket="CR-101",
                comment='web via proxy "quoted" <xml>',
            ),
            FirewallRule(
                "m-meet-udp",
                "allow",
                ("zone:internet",),
                ("internet",),
                protocol="udp",
                ports=(PortRange(3478, 3481), PortRange(8801, 8810)),
                ticket="CR-102",
                comment="web meeting media",
            ),
            FirewallRule(
                "m-asp",
                "allow",
                ("zone:lgwan",),
                ("198.51.100.0/24",),
                protocol="tcp",
                ports=(PortRange(443, 443),),
                direction="outbound",
                ticket="CR-103",
            ),
            FirewallRule(
                "m-web-again",
                "allow",
                ("172.19.1.0/24",),
                ("internet",),
                protocol="tcp",
                ports=(PortRange(443, 443),),
                ticket="CR-104",
            ),
            FirewallRule(
                "m-old",
                "allow",
                ("zone:internet",),
                ("203.0.113.0/24",),
                protocol="tcp",
                ports=(PortRange(22, 22),),
                expires=dt.date(2026, 3, 1),
                ticket="CR-90",
            ),
            FirewallRule(
                "m-saas-fqdn",
                "allow",
                ("zone:internet",),
                ("fqdn:files.example-saas.jp",),
                protocol="tcp",
                ports=(PortRange(443, 443),),
                ticket="CR-105",
            ),
            FirewallRule(
                "m-publish",
                "allow",
                ("internet",),
                ("172.19.10.10/32",),
                protocol="tcp",
                ports=(PortRange(443, 443),),
                direction="inbound",
                controls=("waf",),
                ticket="CR-106",
            ),
        ),
        domains=(
            DomainEntry("md-1", "meet.example.jp", service="Meet", upload_capable=True),
            DomainEntry("md-2", "*.example-saas.jp", service="SaaS"),
            DomainEntry("md-3", "*.sub.example-saas.jp", service="SaaS (covered)"),
            DomainEntry("md-4", "example-saas.jp", service="SaaS apex"),
            DomainEntry("md-5", "*.bank.example.jp", kind="tls_exempt", service="Bank"),
            DomainEntry("md-6", "old.example.jp", expires=dt.date(2026, 1, 1)),
        ),
        category_blocks=frozenset({"gambling"}),
        mail=MailRelay(
            sending_domains=("city.musashino.lg.jp",),
            relay_hosts=("10.3.0.25",),
            attachment_policy="image",
            max_message_mb=10,
        ),
        address_plan=_plan(3),
    )
    tachikawa = Section(
        org=TACHIKAWA,
        rules=(
            FirewallRule(
                "t-web",
                "allow",
                ("zone:internet",),
                ("internet",),
                protocol="tcp",
                ports=(PortRange(443, 443),),
                ticket="CR-201",
            ),
        ),
        domains=(
            DomainEntry("td-1", "*.example-saas.jp"),
            DomainEntry("td-2", "portal.example.jp"),
        ),
        mail=MailRelay(sending_domains=("city.tachikawa.lg.jp",), attachment_policy="strip"),
        address_plan=_plan(2),
    )
    koganei = Section(org=KOGANEI, address_plan=_plan(10)[:1])  # no internet zone, no rules
    return PolicySnapshot(
        shared=shared,
        orgs={MUSASHINO: musashino, TACHIKAWA: tachikawa, KOGANEI: koganei},
        version=7,
    )


SERVICES = (
    (PortRange(443, 443),),
    (PortRange(80, 80), PortRange(443, 443)),
    (PortRange(8080, 8080),),
    (PortRange(22, 22),),
    (PortRange(3389, 3389),),
    (PortRange(53, 53),),
    (PortRange(123, 123),),
    (PortRange(3478, 3481),),
    (PortRange(8801, 8810),),
    (PortRange(5060, 5061),),
    (PortRange(993, 993), PortRange(995, 995)),
    (PortRange(25, 25), PortRange(587, 587)),
)


def big_section_snapshot(
    n_rules: int = 2000, org: str = MUSASHINO, *, distinct_ports: bool = False
) -> PolicySnapshot:
    """``small_snapshot`` with ``org`` holding ``n_rules`` varied rules (benchmarks).

    Ports come from a dozen common services; ``distinct_ports`` gives ~1,500 different port
    ranges instead (pessimistic: Aerleon's SRX application de-duplication is quadratic)."""
    base = small_snapshot()
    rules = []
    for i in range(n_rules):
        proto = ("tcp", "udp", "tcp", "icmp")[i % 4]
        dst = f"{100 + (i // 250)}.{(i * 7) % 256}.{i % 256}.0/24"
        if proto == "icmp":
            ports: tuple[PortRange, ...] = ()
        elif distinct_ports:
            ports = (PortRange(1000 + i % 500, 1000 + i % 500 + (i % 3)),)
        else:
            ports = SERVICES[i % len(SERVICES)]
        src = ("zone:internet", "zone:lgwan", f"172.{16 + 3}.{i % 256}.0/24")[i % 3]
        rules.append(
            FirewallRule(
                f"b-{i:05d}",
                "deny" if i % 17 == 0 else "allow",
                (src,),
                (dst,) if i % 50 else ("internet",),
                protocol=proto,  # type: ignore[arg-type]
                ports=ports,
                ticket=f"CR-{i}",
            )
        )
    section = base.orgs[org]
    from dataclasses import replace

    return base.with_section(replace(section, rules=tuple(rules)))
