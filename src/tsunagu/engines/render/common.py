"""Shared types of the artifact renderers: errors, warnings, result objects, path keys."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from tsunagu.engines.policy.model import SHARED, DomainEntry, FirewallRule, Section

SHARED_PATH_KEY = "shared"
"""The name of the shared section in artifact paths (``nftables/shared.nft``)."""

WarningCode = Literal[
    "shaded",  # a rule can never match: an earlier rule covers it
    "redundant",  # covered by an earlier rule with the same action
    "fqdn_skipped",  # an allow rule with an FQDN destination on a platform without FQDN objects
    "matches_nothing",  # every reference of one side resolved to no address at all
    "empty_reference",  # one reference resolved to no address (the others still apply)
    "aerleon",  # a warning Aerleon logged (it only logs; we surface it)
    "squid",  # a proxy entry that could not be rendered as written
]


class RenderError(Exception):
    """The renderer refused to produce an artifact (never an empty or partial one)."""


@dataclass(frozen=True)
class RenderWarning:
    code: WarningCode
    section: str
    message: str
    rule: str = ""
    platform: str = ""


@dataclass(frozen=True)
class ShadedRule:
    """``uid`` can never match because ``covered_by`` (an earlier rule) matches all it does.

    ``conflicting`` is true when the covering rule has the other action (the later rule's
    intent is silently overridden); false means the later rule is merely redundant.
    """

    section: str
    uid: str
    covered_by: str
    conflicting: bool


@dataclass
class FirewallRender:
    """The firewall artifacts of one section and what our checks found."""

    section: str
    files: dict[str, str] = field(default_factory=dict)
    rendered: tuple[str, ...] = ()  # rule uids passed to Aerleon, in order
    expired: tuple[str, ...] = ()  # dropped before rendering (the release train removes them)
    shaded: tuple[ShadedRule, ...] = ()
    warnings: list[RenderWarning] = field(default_factory=list)
    aerleon_log: list[str] = field(default_factory=list)


@dataclass
class SectionRender:
    """Everything rendered for one section key, with the firewall findings."""

    section: str
    files: dict[str, str]
    fingerprint: str
    firewall: FirewallRender

    @property
    def warnings(self) -> list[RenderWarning]:
        return self.firewall.warnings


def path_key(org_key: str) -> str:
    """The section key as used in artifact paths: ``"shared"`` for the shared section."""
    return SHARED_PATH_KEY if org_key == SHARED else org_key


def check_org_key(org_key: str) -> None:
    if org_key != SHARED and not re.fullmatch(r"[0-9A-Za-z_-]+", org_key):
        raise RenderError(f"organisation code {org_key!r} cannot be used in an artifact path")


def is_expired(expires: dt.date | None, today: dt.date) -> bool:
    """Same rule as :func:`tsunagu.engines.policy.model.expired_items`: gone when before today."""
    return expires is not None and expires < today


def live_rules(rules: Iterable[FirewallRule], today: dt.date) -> list[FirewallRule]:
    return [r for r in rules if not is_expired(r.expires, today)]


def live_domains(section: Section, today: dt.date) -> list[DomainEntry]:
    return [d for d in section.domains if not is_expired(d.expires, today)]


_HOST_RE = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$"
)


def parse_pattern(pattern: str) -> tuple[str, bool]:
    """``("meet.example.jp", False)`` for an exact host, ``("example.jp", True)`` for
    ``*.example.jp`` (every proper subdomain). Raises :class:`RenderError` for anything else:
    a renderer must never emit a pattern it does not understand."""
    text = pattern.strip().lower().rstrip(".")
    wildcard = text.startswith("*.")
    host = text[2:] if wildcard else text
    if not _HOST_RE.match(host):
        raise RenderError(f"not a host name or *.suffix pattern: {pattern!r}")
    return host, wildcard


def safe_comment(*parts: str) -> str:
    """Text safe inside every target's comment syntax (nft quotes, XML, Junos comments)."""
    text = " ".join(p for p in parts if p)
    return re.sub(r"[^A-Za-z0-9 _.:/#-]", "_", text)[:120]
