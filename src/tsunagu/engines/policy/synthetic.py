"""A realistic, large synthetic gateway policy for benchmarks and tests (deterministic)."""

from __future__ import annotations

import datetime as dt
import random

from .model import (
    SHARED,
    AddressBlock,
    DomainEntry,
    DomainKind,
    FirewallRule,
    PolicySnapshot,
    PortRange,
    Section,
)

WEB = (PortRange(443, 443),)
WEB2 = (PortRange(80, 80), PortRange(443, 443))
ALT = (PortRange(8080, 8080), PortRange(8443, 8443))

LGWAN_ASP = "172.20.0.0/16"
SECURITY_CLOUD = "172.16.0.0/16"


def org_code(n: int) -> str:
    """Organisation codes: 130001 for the metropolitan government, then 13101 … style."""
    return "130001" if n == 0 else f"13{100 + n:03d}"


def org_plan(n: int) -> tuple[AddressBlock, ...]:
    """10.<n+1>.0.0/16 split into the three zones and a DMZ."""
    o = n + 1
    return (
        AddressBlock(f"10.{o}.0.0/18", "mynumber"),
        AddressBlock(f"10.{o}.64.0/18", "lgwan"),
        AddressBlock(f"10.{o}.128.0/18", "internet"),
        AddressBlock(f"10.{o}.192.0/24", "dmz"),
    )


def _internet_prefix(rng: random.Random) -> str:
    first = rng.choice(
        [*range(1, 10), *range(11, 100), *range(104, 127), *range(128, 170), 198, 203]
    )
    length = rng.choice((24, 24, 24, 23, 22, 26, 28, 32))
    addr = (first << 24) | (rng.getrandbits(24))
    addr &= ~((1 << (32 - length)) - 1) & 0xFFFFFFFF
    return f"{addr >> 24}.{(addr >> 16) & 255}.{(addr >> 8) & 255}.{addr & 255}/{length}"


def _rules_for(n: int, count: int, rng: random.Random) -> list[FirewallRule]:
    code = org_code(n)
    o = n + 1
    out: list[FirewallRule] = []
    for i in range(count):
        uid = f"{code}-r{i:05d}"
        roll = rng.random()
        if roll < 0.74:
            out.append(
                FirewallRule(
                    uid,
                    "allow",
                    ("zone:internet",),
                    (_internet_prefix(rng),),
                    "tcp",
                    rng.choice((WEB, WEB, WEB2, ALT)),
                    owner=code,
                    ticket=f"T{i}",
                )
            )
        elif roll < 0.82:
            out.append(
                FirewallRule(
                    uid,
                    "deny",
                    ("zone:internet",),
                    (_internet_prefix(rng),),
                    "any",
                    owner=code,
                    comment="blocked destination",
                )
            )
        elif roll < 0.90:
            out.append(
                FirewallRule(
                    uid,
                    "allow",
                    ("zone:lgwan",),
                    (f"172.20.{rng.randrange(256)}.0/24",),
                    "tcp",
                    WEB,
                    owner=code,
                    comment="LGWAN-ASP",
                )
            )
        elif roll < 0.95:
            out.append(
                FirewallRule(
                    uid,
                    "allow",
                    ("zone:internet",),
                    (f"fqdn:app{rng.randrange(50)}.saas{rng.randrange(40)}.example.jp",),
                    "tcp",
                    WEB,
                    owner=code,
                )
            )
        elif roll < 0.98:
            out.append(
                FirewallRule(
                    uid,
                    "allow",
                    ("internet",),
                    (f"10.{o}.192.{rng.randrange(1, 255)}/32",),
                    "tcp",
                    WEB,
                    direction="inbound",
                    controls=("waf",),
                    owner=code,
                    comment="public web site",
                )
            )
        else:
            out.append(
                FirewallRule(
                    uid,
                    "allow",
                    (f"10.{o}.128.{rng.randrange(0, 256, 16)}/28",),
                    (_internet_prefix(rng),),
                    "udp",
                    (PortRange(3478, 3481),),
                    owner=code,
                    expires=dt.date(2031, 3, 31),
                )
            )
    return out


def _domain(rng: random.Random, i: int) -> str:
    tld = rng.choice(("example.jp", "example.co.jp", "example.com", "example.net", "test.lg.jp"))
    if rng.random() < 0.4:
        return f"*.svc{i}.{tld}"
    return f"host{rng.randrange(20)}.svc{i}.{tld}"


def synthetic_snapshot(
    orgs: int = 63, rules_per_org: int = 2000, domains: int = 20000, seed: int = 0
) -> PolicySnapshot:
    """A policy of ``orgs`` organisations with ``rules_per_org`` firewall rules each and
    ``domains`` domain entries in all (a tenth of them shared), deterministic in ``seed``."""
    rng = random.Random(seed)  # noqa: S311 - deterministic test data, not security
    shared_domains = []
    per_org_domains: dict[int, list[DomainEntry]] = {n: [] for n in range(orgs)}
    for i in range(domains):
        pattern = _domain(rng, i)
        if i % 10 == 0 or orgs == 0:
            shared_domains.append(DomainEntry(f"d{i:06d}", pattern, service=f"svc{i}"))
        else:
            n = rng.randrange(orgs)
            kind: DomainKind = "tls_exempt" if rng.random() < 0.03 else "allow"
            per_org_domains[n].append(
                DomainEntry(f"d{i:06d}", pattern, kind, service=f"svc{i}", owner=org_code(n))
            )
    shared = Section(
        org=SHARED,
        rules=(
            FirewallRule(
                "s-eltax",
                "allow",
                ("zone:mynumber",),
                ("fqdn:www.eltax.lta.go.jp",),
                "tcp",
                WEB,
                controls=("specific_communication",),
                comment="特定通信 eLTAX",
            ),
            FirewallRule("s-mynumber-deny", "deny", ("zone:mynumber",), ("any",), "any"),
            FirewallRule("s-deny-any-mynumber", "deny", ("any",), ("zone:mynumber",), "any"),
            FirewallRule(
                "s-dns",
                "allow",
                ("zone:internet", "zone:lgwan"),
                ("172.16.0.53/32",),
                "udp",
                (PortRange(53, 53),),
            ),
            FirewallRule(
                "s-proxy",
                "allow",
                ("zone:internet",),
                ("172.16.0.80/32",),
                "tcp",
                (PortRange(8080, 8080),),
            ),
            FirewallRule(
                "s-deny-smb", "deny", ("any",), ("internet",), "tcp", (PortRange(445, 445),)
            ),
        ),
        post_rules=(FirewallRule("s-final-deny", "deny", ("any",), ("any",), "any"),),
        domains=tuple(shared_domains),
        address_plan=(
            AddressBlock(SECURITY_CLOUD, "security_cloud"),
            AddressBlock(LGWAN_ASP, "lgwan_asp"),
        ),
    )
    sections = {}
    for n in range(orgs):
        code = org_code(n)
        sections[code] = Section(
            org=code,
            rules=tuple(_rules_for(n, rules_per_org, rng)),
            domains=tuple(per_org_domains[n]),
            address_plan=org_plan(n),
        )
    return PolicySnapshot(shared=shared, orgs=sections, version=1)
