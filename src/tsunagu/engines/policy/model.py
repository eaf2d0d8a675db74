"""The gateway policy model: what the shared security cloud enforces, as frozen data.

A *policy snapshot* is the whole gateway: the shared (都-wide) section plus one section per
organisation, and every organisation's address plan. The gateway evaluates one ordered firewall
list per packet — shared ``pre`` rules, then every organisation's rules (organisation sections in
code order), then shared ``post`` rules, then an implicit deny — and one domain allow-list per
proxy request. An organisation's rules are meant to touch only its own addresses; the verifier
proves that they do (the "blast radius").

Address references inside rules are strings:

* ``"10.1.0.0/16"`` — an IPv4 prefix (host bits are not allowed here; the request form
  normalises them and reports the difference as collateral);
* ``"zone:lgwan"`` — every prefix of that zone in the *owner's* address plan (for a shared rule:
  in every organisation's plan);
* ``"internet"`` — every address outside all address plans (the outside world);
* ``"any"`` — every address.

Destinations may also be ``"fqdn:host.example.jp"`` (an exact DNS name; Aerleon can render
these only for SRX, so renderers of other platforms must refuse or resolve them).

Everything here is JSON-serialisable through :func:`snapshot_to_dict` / :func:`snapshot_from_dict`
and :func:`change_to_dict` / :func:`change_from_dict`; the database stores those documents.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

Action = Literal["allow", "deny"]
Protocol = Literal["tcp", "udp", "icmp", "any"]
Direction = Literal["outbound", "inbound", "internal"]
DomainKind = Literal["allow", "tls_exempt"]
AttachmentPolicy = Literal["sanitise", "image", "strip", "allow"]

PROTOCOLS: tuple[str, ...] = ("tcp", "udp", "icmp")
"""The protocol universe. ``any`` in a rule means all of these."""

PORT_MIN, PORT_MAX = 0, 65535

ChangeKind = Literal[
    "allow_domain",
    "tls_exemption",
    "firewall_outbound",
    "inbound_publication",
    "mail_relay",
    "rule_removal",
    "temporary_rule",
    "catalog_adoption",
]
CHANGE_KINDS: tuple[str, ...] = (
    "allow_domain",
    "tls_exemption",
    "firewall_outbound",
    "inbound_publication",
    "mail_relay",
    "rule_removal",
    "temporary_rule",
    "catalog_adoption",
)

SHARED = ""
"""The section key of the shared (都-wide) policy."""


@dataclass(frozen=True, order=True)
class PortRange:
    lo: int
    hi: int

    def __post_init__(self) -> None:
        if not (PORT_MIN <= self.lo <= self.hi <= PORT_MAX):
            raise ValueError(f"bad port range {self.lo}-{self.hi}")

    def __str__(self) -> str:
        return str(self.lo) if self.lo == self.hi else f"{self.lo}-{self.hi}"


@dataclass(frozen=True)
class AddressBlock:
    """One prefix of an organisation's address plan and the zone it belongs to."""

    prefix: str
    zone: str

    @property
    def network(self) -> ipaddress.IPv4Network:
        return ipaddress.IPv4Network(self.prefix)


@dataclass(frozen=True)
class FirewallRule:
    """One ordered firewall rule (first match wins).

    ``controls`` names what makes an otherwise-forbidden flow acceptable: ``sanitisation``
    (無害化), ``waf`` (reverse proxy / WAF in front of a publication), ``screen_transfer``,
    ``specific_communication`` (特定通信). ``expires`` is a date after which the rule must go.
    """

    uid: str
    action: Action
    sources: tuple[str, ...]
    destinations: tuple[str, ...]
    protocol: Protocol = "tcp"
    ports: tuple[PortRange, ...] = ()  # empty: every port
    direction: Direction = "outbound"
    controls: tuple[str, ...] = ()
    expires: dt.date | None = None
    owner: str = ""
    ticket: str = ""
    comment: str = ""


@dataclass(frozen=True)
class DomainEntry:
    """A web-proxy entry: an exact host (``meet.example.jp``) or a suffix pattern
    (``*.example.jp``: every proper subdomain, not the apex itself)."""

    uid: str
    pattern: str
    kind: DomainKind = "allow"
    service: str = ""
    upload_capable: bool = False
    expires: dt.date | None = None
    owner: str = ""
    ticket: str = ""


@dataclass(frozen=True)
class MailRelay:
    """Mail relay settings of one organisation (or the shared defaults)."""

    sending_domains: tuple[str, ...] = ()
    relay_hosts: tuple[str, ...] = ()  # "host[:port]"
    attachment_policy: AttachmentPolicy = "sanitise"
    max_message_mb: int = 25


@dataclass(frozen=True)
class Section:
    """One organisation's policy, or the shared one (``org == SHARED``).

    For the shared section ``rules`` are the *pre* rules and ``post_rules`` the rules after every
    organisation's section; organisation sections leave ``post_rules`` empty.
    """

    org: str
    rules: tuple[FirewallRule, ...] = ()
    post_rules: tuple[FirewallRule, ...] = ()
    domains: tuple[DomainEntry, ...] = ()
    category_blocks: frozenset[str] = frozenset()
    mail: MailRelay = field(default_factory=MailRelay)
    address_plan: tuple[AddressBlock, ...] = ()

    def rule(self, uid: str) -> FirewallRule | None:
        for rule in (*self.rules, *self.post_rules):
            if rule.uid == uid:
                return rule
        return None


@dataclass(frozen=True)
class PolicySnapshot:
    """The whole gateway at one version: the shared section and every organisation's."""

    shared: Section
    orgs: Mapping[str, Section]  # org code -> section; iterate in sorted order
    version: int = 0

    def section(self, org: str) -> Section:
        return self.shared if org == SHARED else self.orgs[org]

    def with_section(self, section: Section) -> PolicySnapshot:
        if section.org == SHARED:
            return replace(self, shared=section)
        orgs = dict(self.orgs)
        orgs[section.org] = section
        return replace(self, orgs=orgs)

    def ordered_rules(self) -> list[tuple[str, FirewallRule]]:
        """The gateway's evaluation order: (section key, rule)."""
        out: list[tuple[str, FirewallRule]] = [(SHARED, r) for r in self.shared.rules]
        for code in sorted(self.orgs):
            out.extend((code, r) for r in self.orgs[code].rules)
        out.extend((SHARED, r) for r in self.shared.post_rules)
        return out


@dataclass(frozen=True)
class Intent:
    """What the requester asked for, before it became rules: the yardstick for collateral.

    ``flows`` are (sources, destinations, protocol, ports) in the same reference syntax as rules,
    except that a destination may be an address *range* ``"a.b.c.d-e.f.g.h"`` (what the user
    meant when typing a prefix with host bits set). ``hosts`` are exact DNS names or patterns.
    """

    flows: tuple[tuple[tuple[str, ...], tuple[str, ...], Protocol, tuple[PortRange, ...]], ...] = ()
    hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Change:
    """A proposed change to one section (``org == SHARED`` for the shared policy).

    New rules are appended to the end of the section's ``rules`` (before the implicit deny);
    ``insert_at`` puts them at that index instead. Removals name rule / domain entry uids.
    ``mail`` replaces the section's mail relay settings when given.
    """

    kind: ChangeKind
    org: str
    add_rules: tuple[FirewallRule, ...] = ()
    remove_rules: tuple[str, ...] = ()
    add_domains: tuple[DomainEntry, ...] = ()
    remove_domains: tuple[str, ...] = ()
    mail: MailRelay | None = None
    intent: Intent = field(default_factory=Intent)
    insert_at: int | None = None
    catalog_service: str = ""


def apply_change(snapshot: PolicySnapshot, change: Change) -> PolicySnapshot:
    """The snapshot with ``change`` applied (pure; the input is not modified).

    Raises ``KeyError`` for an unknown organisation and ``ValueError`` when a removal names a
    rule that does not exist or an added uid already exists.
    """
    section = snapshot.section(change.org)
    existing = {r.uid for r in (*section.rules, *section.post_rules)}
    for uid in change.remove_rules:
        if uid not in existing:
            raise ValueError(f"no rule {uid} in section {change.org or 'shared'}")
    for rule in change.add_rules:
        if rule.uid in existing and rule.uid not in change.remove_rules:
            raise ValueError(f"rule {rule.uid} already exists")
    rules = [r for r in section.rules if r.uid not in change.remove_rules]
    post = tuple(r for r in section.post_rules if r.uid not in change.remove_rules)
    at = len(rules) if change.insert_at is None else max(0, min(change.insert_at, len(rules)))
    rules[at:at] = list(change.add_rules)

    domain_uids = {d.uid for d in section.domains}
    for uid in change.remove_domains:
        if uid not in domain_uids:
            raise ValueError(f"no domain entry {uid} in section {change.org or 'shared'}")
    domains = [d for d in section.domains if d.uid not in change.remove_domains]
    for entry in change.add_domains:
        if entry.uid in domain_uids and entry.uid not in change.remove_domains:
            raise ValueError(f"domain entry {entry.uid} already exists")
        domains.append(entry)
    new = replace(
        section,
        rules=tuple(rules),
        post_rules=post,
        domains=tuple(domains),
        mail=change.mail if change.mail is not None else section.mail,
    )
    return snapshot.with_section(new)


def expired_items(
    snapshot: PolicySnapshot, today: dt.date
) -> dict[str, tuple[list[str], list[str]]]:
    """Per section key: (rule uids, domain uids) whose expiry date is before ``today``."""
    out: dict[str, tuple[list[str], list[str]]] = {}
    for key, section in [(SHARED, snapshot.shared), *sorted(snapshot.orgs.items())]:
        rules = [
            r.uid for r in (*section.rules, *section.post_rules) if r.expires and r.expires < today
        ]
        domains = [d.uid for d in section.domains if d.expires and d.expires < today]
        if rules or domains:
            out[key] = (rules, domains)
    return out


# --------------------------------------------------------------------------- serialisation


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _ports(values: Iterable[Any]) -> tuple[PortRange, ...]:
    out = []
    for v in values:
        if isinstance(v, int):
            out.append(PortRange(v, v))
        else:
            lo, _, hi = str(v).partition("-")
            out.append(PortRange(int(lo), int(hi or lo)))
    return tuple(out)


def rule_to_dict(rule: FirewallRule) -> dict[str, Any]:
    return {
        "uid": rule.uid,
        "action": rule.action,
        "sources": list(rule.sources),
        "destinations": list(rule.destinations),
        "protocol": rule.protocol,
        "ports": [str(p) for p in rule.ports],
        "direction": rule.direction,
        "controls": list(rule.controls),
        "expires": rule.expires.isoformat() if rule.expires else None,
        "owner": rule.owner,
        "ticket": rule.ticket,
        "comment": rule.comment,
    }


def rule_from_dict(data: Mapping[str, Any]) -> FirewallRule:
    return FirewallRule(
        uid=str(data["uid"]),
        action=data["action"],
        sources=tuple(data["sources"]),
        destinations=tuple(data["destinations"]),
        protocol=data.get("protocol", "tcp"),
        ports=_ports(data.get("ports", ())),
        direction=data.get("direction", "outbound"),
        controls=tuple(data.get("controls", ())),
        expires=_date(data.get("expires")),
        owner=data.get("owner", ""),
        ticket=data.get("ticket", ""),
        comment=data.get("comment", ""),
    )


def domain_to_dict(entry: DomainEntry) -> dict[str, Any]:
    return {
        "uid": entry.uid,
        "pattern": entry.pattern,
        "kind": entry.kind,
        "service": entry.service,
        "upload_capable": entry.upload_capable,
        "expires": entry.expires.isoformat() if entry.expires else None,
        "owner": entry.owner,
        "ticket": entry.ticket,
    }


def domain_from_dict(data: Mapping[str, Any]) -> DomainEntry:
    return DomainEntry(
        uid=str(data["uid"]),
        pattern=str(data["pattern"]),
        kind=data.get("kind", "allow"),
        service=data.get("service", ""),
        upload_capable=bool(data.get("upload_capable", False)),
        expires=_date(data.get("expires")),
        owner=data.get("owner", ""),
        ticket=data.get("ticket", ""),
    )


def mail_to_dict(mail: MailRelay) -> dict[str, Any]:
    return {
        "sending_domains": list(mail.sending_domains),
        "relay_hosts": list(mail.relay_hosts),
        "attachment_policy": mail.attachment_policy,
        "max_message_mb": mail.max_message_mb,
    }


def mail_from_dict(data: Mapping[str, Any]) -> MailRelay:
    return MailRelay(
        sending_domains=tuple(data.get("sending_domains", ())),
        relay_hosts=tuple(data.get("relay_hosts", ())),
        attachment_policy=data.get("attachment_policy", "sanitise"),
        max_message_mb=int(data.get("max_message_mb", 25)),
    )


def section_to_dict(section: Section) -> dict[str, Any]:
    return {
        "org": section.org,
        "rules": [rule_to_dict(r) for r in section.rules],
        "post_rules": [rule_to_dict(r) for r in section.post_rules],
        "domains": [domain_to_dict(d) for d in section.domains],
        "category_blocks": sorted(section.category_blocks),
        "mail": mail_to_dict(section.mail),
        "address_plan": [{"prefix": b.prefix, "zone": b.zone} for b in section.address_plan],
    }


def section_from_dict(data: Mapping[str, Any]) -> Section:
    return Section(
        org=str(data.get("org", SHARED)),
        rules=tuple(rule_from_dict(r) for r in data.get("rules", ())),
        post_rules=tuple(rule_from_dict(r) for r in data.get("post_rules", ())),
        domains=tuple(domain_from_dict(d) for d in data.get("domains", ())),
        category_blocks=frozenset(data.get("category_blocks", ())),
        mail=mail_from_dict(data.get("mail", {})),
        address_plan=tuple(
            AddressBlock(prefix=b["prefix"], zone=b["zone"]) for b in data.get("address_plan", ())
        ),
    )


def snapshot_to_dict(snapshot: PolicySnapshot) -> dict[str, Any]:
    return {
        "version": snapshot.version,
        "shared": section_to_dict(snapshot.shared),
        "orgs": {code: section_to_dict(s) for code, s in sorted(snapshot.orgs.items())},
    }


def snapshot_from_dict(data: Mapping[str, Any]) -> PolicySnapshot:
    return PolicySnapshot(
        shared=section_from_dict(data["shared"]),
        orgs={code: section_from_dict(s) for code, s in data.get("orgs", {}).items()},
        version=int(data.get("version", 0)),
    )


def change_to_dict(change: Change) -> dict[str, Any]:
    return {
        "kind": change.kind,
        "org": change.org,
        "add_rules": [rule_to_dict(r) for r in change.add_rules],
        "remove_rules": list(change.remove_rules),
        "add_domains": [domain_to_dict(d) for d in change.add_domains],
        "remove_domains": list(change.remove_domains),
        "mail": mail_to_dict(change.mail) if change.mail else None,
        "intent": {
            "flows": [
                {
                    "sources": list(s),
                    "destinations": list(d),
                    "protocol": p,
                    "ports": [str(x) for x in ports],
                }
                for s, d, p, ports in change.intent.flows
            ],
            "hosts": list(change.intent.hosts),
        },
        "insert_at": change.insert_at,
        "catalog_service": change.catalog_service,
    }


def change_from_dict(data: Mapping[str, Any]) -> Change:
    intent = data.get("intent") or {}
    return Change(
        kind=data["kind"],
        org=str(data.get("org", SHARED)),
        add_rules=tuple(rule_from_dict(r) for r in data.get("add_rules", ())),
        remove_rules=tuple(data.get("remove_rules", ())),
        add_domains=tuple(domain_from_dict(d) for d in data.get("add_domains", ())),
        remove_domains=tuple(data.get("remove_domains", ())),
        mail=mail_from_dict(data["mail"]) if data.get("mail") else None,
        intent=Intent(
            flows=tuple(
                (
                    tuple(f["sources"]),
                    tuple(f["destinations"]),
                    f.get("protocol", "tcp"),
                    _ports(f.get("ports", ())),
                )
                for f in intent.get("flows", ())
            ),
            hosts=tuple(intent.get("hosts", ())),
        ),
        insert_at=data.get("insert_at"),
        catalog_service=data.get("catalog_service", ""),
    )


parse_ports = _ports
"""Public name of the port-list parser (ints or "lo-hi" strings)."""
