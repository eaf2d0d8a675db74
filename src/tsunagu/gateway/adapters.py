"""The bridge between the ORM and the policy engine: snapshots in and out, forms to changes.

Nothing else in the app builds engine dataclasses from rows or request data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.utils.translation import gettext as _

from tsunagu.engines.policy import model as m

from .models import SHARED_KEY, CatalogService, PolicyBlob, PolicyVersion

MAX_LINES = 200


def section_key(org: str) -> str:
    """Manifest key of an engine section key (``""`` is the shared section)."""
    return SHARED_KEY if org == m.SHARED else org


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def blob_sha(data: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(data).encode()).hexdigest()


@lru_cache(maxsize=4096)
def _section_from_blob(sha: str) -> m.Section:
    blob = PolicyBlob.objects.get(sha256=sha)
    return m.section_from_dict(blob.data)


def snapshot_from_manifest(manifest: Mapping[str, str], *, number: int = 0) -> m.PolicySnapshot:
    """Load a snapshot; sections are cached by content hash (blobs are immutable)."""
    shared = _section_from_blob(manifest[SHARED_KEY])
    orgs = {k: _section_from_blob(sha) for k, sha in manifest.items() if k != SHARED_KEY}
    return m.PolicySnapshot(shared=shared, orgs=orgs, version=number)


_SNAPSHOTS: dict[tuple[int, str], m.PolicySnapshot] = {}


def snapshot_of(version: PolicyVersion) -> m.PolicySnapshot:
    """The version's snapshot. Versions are immutable, so the same object is returned while it
    is recent: the verifier's index is cached per snapshot object and is built once."""
    # Keyed by content, not by primary key: a rolled-back transaction may reuse a key.
    key = (version.number, canonical_json(version.manifest))
    snap = _SNAPSHOTS.get(key)
    if snap is None:
        snap = snapshot_from_manifest(version.manifest, number=version.number)
        if len(_SNAPSHOTS) >= 8:
            _SNAPSHOTS.pop(next(iter(_SNAPSHOTS)))
        _SNAPSHOTS[key] = snap
    return snap


def manifest_store(
    snapshot: m.PolicySnapshot,
    *,
    base: m.PolicySnapshot | None = None,
    base_manifest: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Write the snapshot's section documents (only new content is inserted).

    Sections that are the very same objects as in ``base`` keep their hash from
    ``base_manifest`` without being serialised again (a change replaces only its own section).
    """
    sections = {SHARED_KEY: snapshot.shared, **dict(snapshot.orgs)}
    known: dict[str, str] = {}
    if base is not None and base_manifest is not None:
        base_sections = {SHARED_KEY: base.shared, **dict(base.orgs)}
        known = {
            k: base_manifest[k]
            for k, sec in sections.items()
            if base_sections.get(k) is sec and k in base_manifest
        }
    docs = {k: m.section_to_dict(sec) for k, sec in sections.items() if k not in known}
    shas = {key: blob_sha(doc) for key, doc in docs.items()}
    existing = set(
        PolicyBlob.objects.filter(sha256__in=shas.values()).values_list("sha256", flat=True)
    )
    PolicyBlob.objects.bulk_create(
        [
            PolicyBlob(sha256=sha, data=docs[key])
            for key, sha in shas.items()
            if sha not in existing
        ],
        ignore_conflicts=True,
    )
    return dict(sorted({**known, **shas}.items()))


# --------------------------------------------------------------------------- forms


@dataclass
class FormResult:
    """A change built from what the user typed, or the field errors that stop it."""

    change: m.Change | None
    errors: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # normalisations the user should know about
    expires_on: dt.date | None = None


def _lines(value: Any) -> list[str]:
    if isinstance(value, list):
        items = [str(v) for v in value]
    else:
        items = str(value or "").replace(",", "\n").splitlines()
    return [i.strip() for i in items if i.strip()]


def _ports(value: Any, errors: dict[str, str]) -> tuple[m.PortRange, ...]:
    out: list[m.PortRange] = []
    for part in _lines(value):
        lo, sep, hi = part.partition("-")
        try:
            rng = m.PortRange(int(lo), int(hi) if sep else int(lo))
        except ValueError:
            errors["ports"] = _("Enter ports as numbers 1–65535, e.g. 443, 8801-8810.")
            return ()
        if rng.lo == 0:
            errors["ports"] = _("Enter ports as numbers 1–65535, e.g. 443, 8801-8810.")
            return ()
        out.append(rng)
    return tuple(out)


def _destination(text: str) -> tuple[str, str, str | None]:
    """(rule reference, intent reference, note) for one typed destination, or raise ValueError."""
    if "/" in text or text.replace(".", "").isdigit():
        net = ipaddress.IPv4Network(text, strict=False)
        ref = str(net)
        typed = ipaddress.IPv4Address(text.split("/")[0]) if "/" in text else net.network_address
        if typed != net.network_address:
            note = _(
                "%(typed)s has host bits set: the rule will cover %(net)s "
                "(%(count)d addresses), more than the range you typed."
            ) % {"typed": text, "net": ref, "count": net.num_addresses}
            return ref, f"{typed}-{net.broadcast_address}", note
        return ref, ref, None
    host = text.lower().rstrip(".")
    if not _valid_host(host):
        raise ValueError(text)
    return f"fqdn:{host}", f"fqdn:{host}", None


def _valid_host(host: str) -> bool:
    wildcard = host.startswith("*.")
    labels = host.removeprefix("*.").split(".")
    # "*.com" is a well-formed pattern (the verifier rejects it as too broad, with a reason).
    if len(labels) < (1 if wildcard else 2) or len(host) > 253:
        return False
    return all(
        0 < len(label) <= 63
        and all(c.isalnum() or c == "-" for c in label)
        and not label.startswith("-")
        and not label.endswith("-")
        for label in labels
    )


def _date(value: Any, errors: dict[str, str], *, required: bool) -> dt.date | None:
    text = str(value or "").strip()
    if not text:
        if required:
            errors["expires_on"] = _("A temporary rule needs an end date.")
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        errors["expires_on"] = _("Enter a date as YYYY-MM-DD.")
        return None


def change_from_form(
    *,
    kind: str,
    org: str,
    form: Mapping[str, Any],
    snapshot: m.PolicySnapshot,
    uid_prefix: str,
    owner: str,
    ticket: str,
    today: dt.date,
    catalog: CatalogService | None = None,
) -> FormResult:
    """Turn the request form into an engine change. Errors are per field, in the user's language.

    ``org`` is the engine section key (``""`` for the shared policy).
    """
    errors: dict[str, str] = {}
    notes: list[str] = []
    if kind not in m.CHANGE_KINDS:
        return FormResult(None, {"kind": _("Choose a request type.")})
    if org != m.SHARED and org not in snapshot.orgs:
        return FormResult(None, {"organization": _("This organisation has no gateway section.")})
    section = snapshot.section(org)
    zones = sorted({b.zone for b in section.address_plan}) or ["internet"]
    expires = _date(form.get("expires_on"), errors, required=kind == "temporary_rule")
    if expires is not None and expires <= today:
        errors["expires_on"] = _("The end date must be in the future.")
    common = {"owner": owner, "ticket": ticket, "expires": expires}

    def source_refs() -> tuple[str, ...]:
        zone = str(form.get("source_zone") or "internet")
        if org == m.SHARED:
            return (f"zone:{zone}",)
        if zone not in zones:
            errors["source_zone"] = _("Choose one of your organisation's zones.")
        return (f"zone:{zone}",)

    change: m.Change | None = None
    if kind in ("allow_domain", "tls_exemption"):
        hosts = _lines(form.get("hosts"))[:MAX_LINES]
        if not hosts:
            errors["hosts"] = _("Enter at least one host name, e.g. meet.example.jp.")
        bad = [h for h in hosts if not _valid_host(h.lower().rstrip("."))]
        if bad:
            errors["hosts"] = _("Not a host name or *.domain pattern: %(bad)s") % {
                "bad": ", ".join(bad[:5])
            }
        entries = tuple(
            m.DomainEntry(
                uid=f"{uid_prefix}-d{i + 1}",
                pattern=h.lower().rstrip("."),
                kind="tls_exempt" if kind == "tls_exemption" else "allow",
                service=str(form.get("service") or "")[:120],
                upload_capable=bool(form.get("upload_capable")),
                expires=expires,
                owner=owner,
                ticket=ticket,
            )
            for i, h in enumerate(hosts)
        )
        change = m.Change(
            kind=kind,  # type: ignore[arg-type]
            org=org,
            add_domains=entries,
            intent=m.Intent(hosts=tuple(e.pattern for e in entries)),
        )
    elif kind in ("firewall_outbound", "temporary_rule", "inbound_publication"):
        protocol = str(form.get("protocol") or "tcp")
        if protocol not in ("tcp", "udp", "icmp"):
            errors["protocol"] = _("Choose TCP, UDP or ICMP.")
        ports = _ports(form.get("ports"), errors)
        if protocol in ("tcp", "udp") and not ports and "ports" not in errors:
            errors["ports"] = _("Enter the ports to open, e.g. 443 or 8801-8810.")
        typed = _lines(
            form.get("destinations") if kind != "inbound_publication" else form.get("server")
        )[:MAX_LINES]
        field_name = "server" if kind == "inbound_publication" else "destinations"
        if not typed:
            errors[field_name] = _("Enter at least one address (CIDR) or host name.")
        rule_refs: list[str] = []
        intent_refs: list[str] = []
        for text in typed:
            try:
                ref, intended, note = _destination(text)
            except ValueError:
                errors[field_name] = _("Not an IPv4 address, CIDR prefix or host name: %(v)s") % {
                    "v": text
                }
                continue
            rule_refs.append(ref)
            intent_refs.append(intended)
            if note:
                notes.append(note)
        if kind == "inbound_publication":
            sources: tuple[str, ...] = ("internet",)
            controls: tuple[str, ...] = ("waf",) if form.get("waf") else ()
            direction: m.Direction = "inbound"
        else:
            sources = source_refs()
            controls = ()
            direction = "outbound"
        rule = m.FirewallRule(
            uid=f"{uid_prefix}-r1",
            action="allow",
            sources=sources,
            destinations=tuple(rule_refs),
            protocol=protocol,  # type: ignore[arg-type]
            ports=ports,
            direction=direction,
            controls=controls,
            comment=str(form.get("service") or "")[:200],
            **common,  # type: ignore[arg-type]
        )
        change = m.Change(
            kind=kind,  # type: ignore[arg-type]
            org=org,
            add_rules=(rule,),
            intent=m.Intent(flows=((sources, tuple(intent_refs), rule.protocol, ports),)),
        )
    elif kind == "mail_relay":
        domains = [d.lower() for d in _lines(form.get("sending_domains"))][:MAX_LINES]
        relays = _lines(form.get("relay_hosts"))[:MAX_LINES]
        bad = [d for d in domains if not _valid_host(d)]
        if bad:
            errors["sending_domains"] = _("Not a domain name: %(bad)s") % {
                "bad": ", ".join(bad[:5])
            }
        bad = [r for r in relays if not _valid_host(r.split(":")[0].lower())]
        if bad:
            errors["relay_hosts"] = _("Not a host name: %(bad)s") % {"bad": ", ".join(bad[:5])}
        policy = str(form.get("attachment_policy") or section.mail.attachment_policy)
        if policy not in ("sanitise", "image", "strip", "allow"):
            errors["attachment_policy"] = _("Choose one of the listed attachment policies.")
        try:
            max_mb = int(form.get("max_message_mb") or section.mail.max_message_mb)
        except ValueError:
            max_mb = 0
        if not 1 <= max_mb <= 100:
            errors["max_message_mb"] = _("Enter a size between 1 and 100 MB.")
        change = m.Change(
            kind="mail_relay",
            org=org,
            mail=m.MailRelay(
                sending_domains=tuple(domains),
                relay_hosts=tuple(relays),
                attachment_policy=policy,  # type: ignore[arg-type]
                max_message_mb=max_mb,
            ),
        )
    elif kind == "rule_removal":
        uids = _lines(form.get("rule_uids"))
        rule_uids = {r.uid for r in (*section.rules, *section.post_rules)}
        domain_uids = {d.uid for d in section.domains}
        unknown = [u for u in uids if u not in rule_uids and u not in domain_uids]
        if not uids:
            errors["rule_uids"] = _("Choose at least one rule to remove.")
        elif unknown:
            errors["rule_uids"] = _("These rules do not exist (any more): %(uids)s") % {
                "uids": ", ".join(unknown[:5])
            }
        change = m.Change(
            kind="rule_removal",
            org=org,
            remove_rules=tuple(u for u in uids if u in rule_uids),
            remove_domains=tuple(u for u in uids if u in domain_uids),
        )
    elif kind == "catalog_adoption":
        if catalog is None:
            errors["catalog"] = _("Choose a service from the catalog.")
        else:
            change = catalog_change(
                service=catalog,
                org=org,
                sources=source_refs(),
                uid_prefix=uid_prefix,
                owner=owner,
                ticket=ticket,
            )
    if errors:
        return FormResult(None, errors, notes, expires)
    return FormResult(change, {}, notes, expires)


def catalog_change(
    *,
    service: CatalogService,
    org: str,
    sources: tuple[str, ...],
    uid_prefix: str,
    owner: str,
    ticket: str,
) -> m.Change:
    """The change that adopts a catalog service: its domains and its firewall flows, exactly."""
    domains = tuple(
        m.DomainEntry(
            uid=f"{uid_prefix}-d{i + 1}",
            pattern=pattern,
            service=service.name,
            upload_capable=service.upload_capable,
            owner=owner,
            ticket=ticket,
        )
        for i, pattern in enumerate(service.domains)
    )
    rules = tuple(
        m.FirewallRule(
            uid=f"{uid_prefix}-r{i + 1}",
            action="allow",
            sources=sources,
            destinations=tuple(flow["destinations"]),
            protocol=flow.get("protocol", "tcp"),
            ports=m.parse_ports(flow.get("ports", ())),
            comment=service.name,
            owner=owner,
            ticket=ticket,
        )
        for i, flow in enumerate(service.flows)
    )
    return m.Change(
        kind="catalog_adoption",
        org=org,
        add_rules=rules,
        add_domains=domains,
        intent=m.Intent(
            flows=tuple((sources, r.destinations, r.protocol, r.ports) for r in rules),
            hosts=tuple(d.pattern for d in domains),
        ),
        catalog_service=service.slug,
    )
