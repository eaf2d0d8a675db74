"""The one doorway to the verifier engine: rule data, verdict documents, policy checks."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from django.conf import settings

from tsunagu.engines.policy import model as m
from tsunagu.engines.policy.invariants import verify_policy
from tsunagu.engines.policy.rules import RuleData, load_rules
from tsunagu.engines.policy.verifier import verify


@lru_cache(maxsize=1)
def rule_data() -> RuleData:
    """The rule data in force (risk weights, port lists …): a YAML file operators may replace."""
    path = getattr(settings, "GATEWAY_RULES_FILE", "") or None
    return load_rules(path)


def verdict_document(
    snapshot: m.PolicySnapshot, change: m.Change, *, today: dt.date
) -> dict[str, Any]:
    """Verify ``change`` and return the JSON document stored with the request."""
    verdict = verify(snapshot, change, rule_data(), today=today)
    doc = verdict.to_dict()
    doc["summary_ja"] = verdict.summary("ja")
    doc["summary_en"] = verdict.summary("en")
    doc["against_version"] = snapshot.version
    return doc


def verdict_class(doc: dict[str, Any]) -> str:
    return str(doc["risk_class"])


def verdict_score(doc: dict[str, Any]) -> int:
    return round(float(doc["score"]))


def policy_findings(snapshot: m.PolicySnapshot, *, today: dt.date) -> list[dict[str, Any]]:
    """Whole-policy invariant findings, as JSON documents."""
    return [f.to_dict() for f in verify_policy(snapshot, rule_data(), today=today)]
