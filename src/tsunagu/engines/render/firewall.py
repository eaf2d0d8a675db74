"""Firewall artifacts of one section, rendered with Aerleon and checked by us.

Aerleon quirks we do not trust (see ``docs`` in the package ``__init__``):

1. An unknown target is logged and skipped: ``Generate`` returns no file for it. We raise
   :class:`RenderError` for an unknown platform name and for any platform that yields no file.
2. Shading is only logged, even with ``shade_check=True`` (1.18 logs "X is shaded by Y" and
   renders anyway). :mod:`.shading` finds shaded rules and reports them as warnings.
3. Expired terms are silently dropped, by Aerleon's own UTC clock and with an off-by-one against
   our model (Aerleon drops on the expiry day, the model keeps a rule *through* that day). We
   drop expired rules ourselves with the caller's ``today``, never pass ``expiration`` to
   Aerleon, and check that every term we passed appears in every platform's output.
4. FQDN destinations are rendered only for SRX; other generators raise. On those platforms an
   *allow* rule with an FQDN destination is skipped with a ``fqdn_skipped`` warning (fail
   closed: the traffic stays denied there) and a *deny* rule with one raises (skipping it
   would fail open). ``fqdn="raise"`` refuses any FQDN rule on those platforms.

Beyond that: a side whose references all resolve to no address (an empty zone) would be
rendered by Aerleon as "no address match", i.e. *any*. Such a rule matches nothing in our
model, so it is left out with a ``matches_nothing`` warning.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal, cast

from aerleon.lib import naming, plugin_supervisor, policy, policy_builder

from tsunagu.engines.policy.model import SHARED, Direction, FirewallRule, PolicySnapshot

from .addresses import AddressResolver, Side
from .common import (
    FirewallRender,
    RenderError,
    RenderWarning,
    check_org_key,
    is_expired,
    path_key,
    safe_comment,
)
from .shading import Match, find_shaded, match_of

DEFAULT_DENY_TERM = "tsunagu-default-deny"
EXPIRY_INFO_WEEKS = 2
AERLEON_LOCK = threading.RLock()
"""Aerleon keeps the definitions of the policy being built in a module global: serialise."""
DIRECTIONS: tuple[Direction, ...] = ("outbound", "inbound", "internal")
FqdnMode = Literal["skip", "raise"]

DEFAULT_ZONES: Mapping[Direction, tuple[str, str]] = {
    "outbound": ("inside", "outside"),
    "inbound": ("outside", "inside"),
    "internal": ("inside", "inside"),
}
"""Zone pairs of the zone-based platforms (Palo Alto, SRX) for each rule direction."""


@dataclass(frozen=True)
class Platform:
    """How one Aerleon target is driven and how its output is checked.

    ``zone_based`` platforms get one filter per direction (``from-zone … to-zone …``); the
    others one filter with every rule in order. ``term_pattern`` finds every rendered term in
    the output (group ``name``).
    """

    name: str
    target: str
    directory: str
    suffix: str  # the file suffix Aerleon uses
    extension: str  # the suffix of our artifact path
    zone_based: bool
    fqdn: bool
    term_pattern: str
    header: Callable[[str, str], str]  # (from_zone, to_zone) -> header options


PLATFORMS: dict[str, Platform] = {
    "nftables": Platform(
        name="nftables",
        target="nftables",
        directory="nftables",
        suffix=".nft",
        extension="nft",
        zone_based=False,
        fqdn=False,
        term_pattern=(
            r"^\s*chain (?P<name>\S+) \{\n(?:\s*comment .*\n)*\s*(?:\S.* )?(?:accept|drop)\n"
        ),
        header=lambda _f, _t: "inet forward",
    ),
    "paloalto": Platform(
        name="paloalto",
        target="paloalto",
        directory="paloalto",
        suffix=".xml",
        extension="xml",
        zone_based=True,
        fqdn=False,
        term_pattern=r'^\s*<entry name="(?P<name>[^"]+)">\n\s*<(?:description|to)>',
        header=lambda f, t: f"from-zone {f} to-zone {t}",
    ),
    "srx": Platform(
        name="srx",
        target="srx",
        directory="srx",
        suffix=".srx",
        extension="conf",
        zone_based=True,
        fqdn=True,
        term_pattern=r"^\s*policy (?P<name>\S+) \{\n\s*match \{",
        # Zone address books: with the global one Aerleon 1.18 compares every term with every
        # address-book entry (quadratic, ~10 s for 2,000 rules).
        header=lambda f, t: f"from-zone {f} to-zone {t} address-book-zone",
    ),
}
DEFAULT_PLATFORMS: tuple[str, ...] = ("nftables", "paloalto", "srx")


@dataclass(frozen=True)
class PreparedRule:
    rule: FirewallRule
    term: str
    src: Side
    dst: Side


@dataclass
class Prepared:
    """A section's rules, resolved: what we hand to Aerleon and what we check against."""

    section: str
    rules: list[PreparedRule]
    expired: list[str]
    warnings: list[RenderWarning]
    resolver: AddressResolver
    matches: list[Match]


def term_name(uid: str, taken: set[str]) -> str:
    """A term name valid on every platform (<= 60 chars of ``[A-Za-z0-9_-]``), unique."""
    import hashlib

    clean = re.sub(r"[^A-Za-z0-9_-]", "_", uid)
    name = f"r-{clean}"
    if clean != uid or len(name) > 60 or name in taken or name == DEFAULT_DENY_TERM:
        digest = hashlib.sha256(uid.encode()).hexdigest()[:8]
        name = f"r-{clean[:48]}-{digest}"
    n = 1
    base = name
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    taken.add(name)
    return name


def section_rules(snapshot: PolicySnapshot, org_key: str) -> tuple[FirewallRule, ...]:
    """The ordered rules of a section: for the shared one, pre rules then post rules (the
    organisations' sections sit between them on the gateway)."""
    section = snapshot.section(org_key)
    return (*section.rules, *section.post_rules)


def prepare(snapshot: PolicySnapshot, org_key: str, *, today: dt.date) -> Prepared:
    check_org_key(org_key)
    if org_key != SHARED and org_key not in snapshot.orgs:
        raise RenderError(f"no section {org_key!r} in the snapshot")
    resolver = AddressResolver(snapshot, org_key)
    warnings: list[RenderWarning] = []
    expired: list[str] = []
    prepared: list[PreparedRule] = []
    taken: set[str] = set()
    seen: set[str] = set()
    for rule in section_rules(snapshot, org_key):
        if rule.uid in seen:
            raise RenderError(f"duplicate rule uid {rule.uid} in section {path_key(org_key)}")
        seen.add(rule.uid)
        if is_expired(rule.expires, today):
            expired.append(rule.uid)
            continue
        if rule.protocol == "icmp" and rule.ports:
            raise RenderError(f"rule {rule.uid}: ports given for icmp")
        src = resolver.resolve(rule.sources, destination=False)
        dst = resolver.resolve(rule.destinations, destination=True)
        for side in (src, dst):
            for ref in side.empty_refs:
                warnings.append(
                    RenderWarning(
                        "empty_reference",
                        org_key,
                        f"{ref} resolves to no address in the owner's address plan",
                        rule=rule.uid,
                    )
                )
        if src.matches_nothing or dst.matches_nothing:
            warnings.append(
                RenderWarning(
                    "matches_nothing",
                    org_key,
                    "a side resolves to no address; the rule matches nothing and is left out",
                    rule=rule.uid,
                )
            )
            continue
        prepared.append(PreparedRule(rule, term_name(rule.uid, taken), src, dst))
    matches = [match_of(p.rule, p.src, p.dst) for p in prepared]
    return Prepared(org_key, prepared, expired, warnings, resolver, matches)


def _service_name(lo: int, hi: int) -> str:
    return f"PORT_{lo}" if lo == hi else f"PORT_{lo}_{hi}"


def build_definitions(prepared: Prepared) -> naming.Naming:
    """Aerleon networks (one per address reference) and services (one per port range)."""
    networks: dict[str, Any] = {
        token: {"values": [{"address": str(n)} for n in nets]}
        for token, nets in sorted(prepared.resolver.networks.items())
    }
    for token, host in sorted(prepared.resolver.fqdn_tokens.items()):
        networks[token] = {"values": [{"fqdn": host}]}
    services: dict[str, Any] = {}
    for p in prepared.rules:
        for pr in p.rule.ports:
            name = _service_name(pr.lo, pr.hi)
            port = str(pr)
            services[name] = [{"port": port, "protocol": "tcp"}, {"port": port, "protocol": "udp"}]
    defs = naming.Naming()
    data: dict[str, Any] = {"networks": networks}
    if services:
        data["services"] = dict(sorted(services.items()))
    defs.ParseDefinitionsObject(data, "tsunagu")
    return defs


def aerleon_term(p: PreparedRule, *, with_fqdn: bool) -> dict[str, Any]:
    rule = p.rule
    term: dict[str, Any] = {
        "name": p.term,
        "action": "accept" if rule.action == "allow" else "deny",
        "comment": safe_comment(rule.uid, rule.ticket),
    }
    if not p.src.any:
        term["source-address"] = " ".join(p.src.tokens)
    if not p.dst.any:
        addr = [t for t in p.dst.tokens if not t.startswith("FQDN_")]
        fqdn = [t for t in p.dst.tokens if t.startswith("FQDN_")]
        if addr:
            term["destination-address"] = " ".join(addr)
        if fqdn and with_fqdn:
            term["destination-fqdn"] = " ".join(fqdn)
    if rule.protocol != "any":
        term["protocol"] = rule.protocol
    elif rule.ports:
        # Ports only exist for tcp and udp: "any protocol, port 443" means tcp/443 and udp/443.
        term["protocol"] = "tcp udp"
    if rule.ports:
        term["destination-port"] = " ".join(_service_name(pr.lo, pr.hi) for pr in rule.ports)
    return term


def _deny_all() -> dict[str, Any]:
    return {"name": DEFAULT_DENY_TERM, "action": "deny", "comment": "implicit deny"}


def _select(
    prepared: Prepared, platform: Platform, fqdn: FqdnMode, warnings: list[RenderWarning]
) -> list[PreparedRule]:
    """The rules this platform gets (FQDN handling, quirk 4)."""
    out: list[PreparedRule] = []
    for p in prepared.rules:
        if p.dst.fqdns and not platform.fqdn:
            if fqdn == "raise" or p.rule.action == "deny":
                raise RenderError(
                    f"rule {p.rule.uid} has an FQDN destination ({', '.join(p.dst.fqdns)}), "
                    f"which {platform.name} cannot render"
                    + (
                        " (a deny rule cannot be skipped: that would fail open)"
                        if fqdn == "skip"
                        else ""
                    )
                )
            warnings.append(
                RenderWarning(
                    "fqdn_skipped",
                    prepared.section,
                    f"FQDN destination {', '.join(p.dst.fqdns)} cannot be rendered for "
                    f"{platform.name}; the allow rule is left out (traffic stays denied there)",
                    rule=p.rule.uid,
                    platform=platform.name,
                )
            )
            continue
        out.append(p)
    return out


def build_policy(
    prepared: Prepared,
    platform: Platform,
    *,
    zones: Mapping[Direction, tuple[str, str]] = DEFAULT_ZONES,
    fqdn: FqdnMode = "skip",
    warnings: list[RenderWarning] | None = None,
) -> tuple[dict[str, Any], list[PreparedRule]]:
    """The Aerleon policy document of one platform and the rules it must contain.

    One document per platform: Aerleon deep-copies the whole parsed policy for every target,
    so a shared document would cost (platforms x all filters) copies."""
    sink = warnings if warnings is not None else []
    filters: list[dict[str, Any]] = []
    comment = f"Tsunagu section {path_key(prepared.section)}"
    rules = _select(prepared, platform, fqdn, sink)
    if not platform.zone_based:
        terms = [aerleon_term(p, with_fqdn=platform.fqdn) for p in rules]
        header = {"targets": {platform.target: platform.header("", "")}, "comment": comment}
        filters.append({"header": header, "terms": [*terms, _deny_all()]})
    else:
        for direction in DIRECTIONS:
            terms = [
                aerleon_term(p, with_fqdn=platform.fqdn)
                for p in rules
                if p.rule.direction == direction
            ]
            if not terms and direction != "outbound":
                continue
            from_zone, to_zone = zones[direction]
            header = {
                "targets": {platform.target: platform.header(from_zone, to_zone)},
                "comment": f"{comment} ({direction})",
            }
            filters.append({"header": header, "terms": [*terms, _deny_all()]})
    name = f"section-{path_key(prepared.section)}-{platform.name}"
    return {"filename": name, "filters": filters}, rules


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.WARNING:
            self.lines.append(record.getMessage())


@contextmanager
def capture_aerleon_log() -> Iterator[list[str]]:
    """Aerleon reports through absl logging; collect its warnings instead of losing them."""
    logger = logging.getLogger("absl")
    handler = _Capture()
    old_level, old_propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        logger.propagate = old_propagate


def generate(
    policy_doc: dict[str, Any], definitions: naming.Naming, targets: Sequence[str]
) -> tuple[dict[str, str], list[str]]:
    """Aerleon's generation, in memory, with its log captured; errors become RenderError.

    This is what ``aerleon.api.Generate`` does (PolicyBuilder → Policy → each target's
    generator), minus its ``copy.deepcopy`` of the whole policy per target (~0.5 s per 2,000
    terms): we build a fresh policy per platform, so nothing is shared. Like ``api.Generate``
    an unknown target yields no file; :func:`check_output` turns that into an error.
    """
    out: dict[str, str] = {}
    with AERLEON_LOCK, capture_aerleon_log() as log:
        try:
            pol = policy.FromBuilder(
                policy_builder.PolicyBuilder(
                    cast(policy_builder.PolicyDict, policy_doc), definitions
                )
            )
            if not plugin_supervisor.PluginSupervisor.is_setup:
                plugin_supervisor.PluginSupervisor.Start()
            for target in targets:
                generator = plugin_supervisor.PluginSupervisor.generators.get(target)
                if generator is None:
                    logging.getLogger("absl").warning("no Aerleon generator for %r", target)
                    continue
                acl = generator(pol, EXPIRY_INFO_WEEKS)
                out[f"{policy_doc['filename']}{acl.SUFFIX}"] = str(acl)
        except Exception as exc:  # Aerleon raises a zoo of error classes
            raise RenderError(f"Aerleon failed: {exc}") from exc
    return out, list(log)


def check_output(platform: Platform, text: str | None, rules: Sequence[PreparedRule]) -> None:
    """Quirks 1 and 3: the platform produced a file, and every term we passed is in it (for
    nftables: as a chain that ends in a verdict, and jumped to from the base chain)."""
    if not text or not text.strip():
        raise RenderError(
            f"Aerleon produced no output for {platform.name} (target {platform.target})"
        )
    found = {m.group("name") for m in re.finditer(platform.term_pattern, text, re.M)}
    if platform.name == "nftables":
        found &= set(re.findall(r"^\s*jump (\S+)$", text, re.M))
    missing = [p.rule.uid for p in rules if p.term not in found]
    if DEFAULT_DENY_TERM not in found:
        missing.append(DEFAULT_DENY_TERM)
    if missing:
        shown = ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
        raise RenderError(
            f"{platform.name}: {len(missing)} term(s) missing from the output: {shown}"
        )


def _nft_self_contained(text: str, key: str) -> str:
    """Rename Aerleon's fixed table to one per section and make the file an atomic reload."""
    table = f"tsunagu_{key}"
    head = "table ip filtering_policies {"
    if text.count(head) != 1:
        raise RenderError("nftables output does not have the expected single 'table ip' block")
    body = text.replace(head, f"table ip {table} {{", 1).rstrip() + "\n"
    return (
        f"#!/usr/sbin/nft -f\n# Tsunagu section {key}: generated, do not edit.\n"
        f"table ip {table}\ndelete table ip {table}\n{body}"
    )


def resolve_platforms(names: Sequence[str]) -> list[Platform]:
    if not names:
        raise RenderError("no firewall platform requested")
    out = []
    for name in names:
        platform = PLATFORMS.get(name)
        if platform is None:
            raise RenderError(
                f"unsupported firewall platform {name!r} (known: {', '.join(sorted(PLATFORMS))})"
            )
        out.append(platform)
    return out


def render_firewall(
    snapshot: PolicySnapshot,
    org_key: str,
    *,
    today: dt.date,
    platforms: Sequence[str] = DEFAULT_PLATFORMS,
    zones: Mapping[Direction, tuple[str, str]] = DEFAULT_ZONES,
    fqdn: FqdnMode = "skip",
) -> FirewallRender:
    """Firewall artifacts of one section for each platform, checked (see module docstring)."""
    chosen = resolve_platforms(platforms)
    prepared = prepare(snapshot, org_key, today=today)
    warnings = list(prepared.warnings)
    definitions = build_definitions(prepared)
    key = path_key(org_key)
    files: dict[str, str] = {}
    log: list[str] = []
    for platform in chosen:
        doc, expected = build_policy(prepared, platform, zones=zones, fqdn=fqdn, warnings=warnings)
        out, platform_log = generate(doc, definitions, [platform.target])
        log += [f"{platform.name}: {line}" for line in platform_log]
        text = out.get(f"{doc['filename']}{platform.suffix}")
        check_output(platform, text, expected)
        assert text is not None
        if platform.name == "nftables":
            text = _nft_self_contained(text, key)
        files[f"{platform.directory}/{key}.{platform.extension}"] = text
    for line in log:
        warnings.append(RenderWarning("aerleon", org_key, line))
    shaded = find_shaded(org_key, prepared.matches)
    for s in shaded:
        warnings.append(
            RenderWarning(
                "shaded" if s.conflicting else "redundant",
                org_key,
                f"never matches: rule {s.covered_by} ({'other' if s.conflicting else 'same'} "
                "action) comes first and covers it",
                rule=s.uid,
            )
        )
    return FirewallRender(
        section=org_key,
        files=files,
        rendered=tuple(p.rule.uid for p in prepared.rules),
        expired=tuple(prepared.expired),
        shaded=tuple(shaded),
        warnings=warnings,
        aerleon_log=list(log),
    )
