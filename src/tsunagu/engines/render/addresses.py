"""Resolving the address references of rules (``zone:lgwan``, ``internet``, prefixes…).

* ``"a.b.c.d/nn"``: that prefix (host bits set is an error: the request form normalises).
* ``"zone:<name>"``: every prefix of that zone in the *owner's* address plan; for the shared
  section, in every organisation's plan (and the shared section's own plan, if it has one).
* ``"internet"``: every IPv4 address outside *all* address plans: the exact complement of their
  union, computed here (so an organisation's artifacts depend on every address plan).
* ``"any"``: every address (rendered as "no address match").
* ``"fqdn:<host>"``: a DNS name, destinations only; resolved by the device (SRX ``dns-name``).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from tsunagu.engines.policy.model import SHARED, PolicySnapshot

from .common import RenderError

Net = ipaddress.IPv4Network
ALL = Net("0.0.0.0/0")


@dataclass(frozen=True)
class Side:
    """One resolved side (sources or destinations) of a rule."""

    any: bool
    nets: tuple[Net, ...]  # collapsed
    fqdns: tuple[str, ...]
    tokens: tuple[str, ...]  # Aerleon network names of the non-empty address references
    empty_refs: tuple[str, ...]  # references that resolved to no address

    @property
    def matches_nothing(self) -> bool:
        return not self.any and not self.nets and not self.fqdns


class AddressResolver:
    """Resolves references for one owner (a section key) against a snapshot's address plans."""

    def __init__(self, snapshot: PolicySnapshot, owner: str) -> None:
        self.owner = owner
        plans = [snapshot.shared.address_plan, *(s.address_plan for s in snapshot.orgs.values())]
        self._all_prefixes = [b.network for plan in plans for b in plan]
        own = plans if owner == SHARED else [snapshot.orgs[owner].address_plan]
        zones: dict[str, list[Net]] = {}
        for plan in own:
            for block in plan:
                zones.setdefault(block.zone, []).append(block.network)
        self._zones = {z: tuple(ipaddress.collapse_addresses(n)) for z, n in zones.items()}
        self.networks: dict[str, tuple[Net, ...]] = {}  # Aerleon token -> prefixes
        self.fqdn_tokens: dict[str, str] = {}  # Aerleon token -> host
        self._token_of: dict[str, str] = {}

    @cached_property
    def internet(self) -> tuple[Net, ...]:
        """The complement of every address plan (the outside world), exact and collapsed."""
        return complement(self._all_prefixes)

    def zone(self, name: str) -> tuple[Net, ...]:
        return self._zones.get(name, ())

    def _token(self, ref: str, kind: str, label: str) -> str:
        token = self._token_of.get(ref)
        if token is None:
            base = f"{kind}_{re.sub(r'[^A-Za-z0-9]', '_', label).upper()}"[:48]
            token = base
            n = 1
            while token in self.networks or token in self.fqdn_tokens:
                n += 1
                token = f"{base}_{n}"
            self._token_of[ref] = token
        return token

    def resolve(self, refs: Iterable[str], *, destination: bool) -> Side:
        nets: list[Net] = []
        fqdns: list[str] = []
        tokens: list[str] = []
        empty: list[str] = []
        for ref in refs:
            if ref == "any":
                return Side(True, (ALL,), (), (), ())
            if ref == "internet":
                prefixes = self.internet
                token = self._token(ref, "NET", "INTERNET")
            elif ref.startswith("zone:"):
                prefixes = self.zone(ref[5:])
                token = self._token(ref, "ZONE", ref[5:])
            elif ref.startswith("fqdn:"):
                if not destination:
                    raise RenderError(f"an FQDN cannot be a source: {ref}")
                host = ref[5:].lower().rstrip(".")
                if not re.fullmatch(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?", host):
                    raise RenderError(f"bad FQDN reference {ref!r}")
                token = self._token(ref, "FQDN", host)
                self.fqdn_tokens[token] = host
                fqdns.append(host)
                tokens.append(token)
                continue
            else:
                try:
                    prefixes = (Net(ref),)
                except ValueError as exc:
                    raise RenderError(f"bad address reference {ref!r}: {exc}") from exc
                token = self._token(ref, "NET", ref)
            if not prefixes:
                empty.append(ref)
                continue
            self.networks[token] = prefixes
            nets.extend(prefixes)
            tokens.append(token)
        return Side(
            False,
            tuple(ipaddress.collapse_addresses(nets)),
            tuple(sorted(set(fqdns))),
            tuple(dict.fromkeys(tokens)),
            tuple(empty),
        )


def complement(prefixes: Iterable[Net]) -> tuple[Net, ...]:
    """Every IPv4 address not in ``prefixes``, as the fewest prefixes (sorted)."""
    out: list[Net] = []
    cursor = 0
    top = 1 << 32
    for net in ipaddress.collapse_addresses(prefixes):
        start = int(net.network_address)
        if start > cursor:
            out.extend(_range_to_nets(cursor, start - 1))
        cursor = int(net.broadcast_address) + 1
    if cursor < top:
        out.extend(_range_to_nets(cursor, top - 1))
    return tuple(out)


def _range_to_nets(lo: int, hi: int) -> list[Net]:
    return list(
        ipaddress.summarize_address_range(ipaddress.IPv4Address(lo), ipaddress.IPv4Address(hi))
    )
