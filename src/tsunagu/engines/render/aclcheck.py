"""Aerleon's own AclCheck on one section, for comparison with our verifier.

Build once (:func:`prepare_aclcheck`: resolve references, build the Aerleon policy object), then
ask about single flows (:func:`aclcheck_flow`). The policy is the nftables rendering of the
section (one filter, every live rule in order, explicit default deny); expired rules are dropped
with our ``today`` exactly as for rendering, and FQDN rules are left out as on nftables.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from aerleon.lib import aclcheck, policy, policy_builder

from tsunagu.engines.policy.model import PolicySnapshot

from .common import RenderError, RenderWarning
from .firewall import (
    AERLEON_LOCK,
    DEFAULT_DENY_TERM,
    PLATFORMS,
    build_definitions,
    build_policy,
    capture_aerleon_log,
    prepare,
)


@dataclass(frozen=True)
class AclCheckPolicy:
    section: str
    policy: Any  # aerleon.lib.policy.Policy
    term_uids: dict[str, str]  # term name -> rule uid
    warnings: tuple[RenderWarning, ...]


@dataclass(frozen=True)
class FlowVerdict:
    action: str  # "allow" or "deny"
    rule: str  # uid of the first exact match; "" for the default deny
    possible: tuple[str, ...]  # uids of earlier partial ("possible") matches AclCheck reported


def prepare_aclcheck(snapshot: PolicySnapshot, org_key: str, *, today: dt.date) -> AclCheckPolicy:
    prepared = prepare(snapshot, org_key, today=today)
    warnings = list(prepared.warnings)
    doc, expected = build_policy(prepared, PLATFORMS["nftables"], warnings=warnings)
    definitions = build_definitions(prepared)
    with AERLEON_LOCK, capture_aerleon_log():
        try:
            pol = policy.FromBuilder(
                policy_builder.PolicyBuilder(cast(policy_builder.PolicyDict, doc), definitions)
            )
        except Exception as exc:
            raise RenderError(f"Aerleon could not build the policy: {exc}") from exc
    names = {p.term: p.rule.uid for p in expected}
    return AclCheckPolicy(org_key, pol, names, tuple(warnings))


def aclcheck_flow(
    prepared: AclCheckPolicy, src: str, dst: str, proto: str = "tcp", port: int | None = None
) -> FlowVerdict:
    """What the section does with one flow, according to Aerleon's AclCheck."""
    with capture_aerleon_log():
        check = aclcheck.AclCheck(
            prepared.policy, src, dst, "any", port if port is not None else "any", proto
        )
    exact = check.ExactMatches()
    possible = tuple(prepared.term_uids.get(m.term, m.term) for m in check.Matches() if m.possibles)
    if not exact:
        return FlowVerdict("deny", "", possible)
    first = exact[0]
    action = "allow" if "accept" in first.action else "deny"
    uid = "" if first.term == DEFAULT_DENY_TERM else prepared.term_uids.get(first.term, first.term)
    return FlowVerdict(action, uid, possible)


def aclcheck_once(
    snapshot: PolicySnapshot,
    org_key: str,
    src: str,
    dst: str,
    proto: str = "tcp",
    port: int | None = None,
    *,
    today: dt.date,
) -> FlowVerdict:
    """Build the policy and check one flow (what a one-off AclCheck call costs)."""
    return aclcheck_flow(prepare_aclcheck(snapshot, org_key, today=today), src, dst, proto, port)
