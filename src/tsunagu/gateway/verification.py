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
    _network_check(doc, snapshot, change, today=today)
    return doc


def _network_check(
    doc: dict[str, Any], snapshot: m.PolicySnapshot, change: m.Change, *, today: dt.date
) -> None:
    """Reject a change that would break the organisation's network model.

    The network app evaluates the organisation's published model with the change's flows added;
    each new critical or high finding becomes a ``network_model`` finding here, worded with the
    model rule that breaks, and the verdict becomes ``rejected``.
    """
    from tsunagu.network.gate import change_findings

    found = change_findings(snapshot, change, today=today)
    if not found:
        return
    findings = list(doc.get("findings") or [])
    for f in found:
        rule = f["rule"]
        findings.append(
            {
                "code": "network_model",
                "severity": "reject",
                "params": {"rule": rule, "key": f["key"], "org": f["org"], "path": f["path"]},
                "subject": rule,
                "message": {
                    "ja": f"ネットワークモデル違反 [{rule}] {f['title']['ja']}: "
                    f"{f['detail']['ja']}",
                    "en": f"Breaks the network model [{rule}] {f['title']['en']}: "
                    f"{f['detail']['en']}",
                },
                "fix": dict(f["fix"]),
            }
        )
    doc["findings"] = findings
    doc["network_findings"] = found
    doc["risk_class"] = "rejected"
    first = found[0]
    doc["summary_ja"] = (
        f"{doc.get('summary_ja', '')} この変更は団体のネットワークモデルに反するため却下されます"
        f"（{first['rule']}: {first['title']['ja']}）。"
    ).strip()
    doc["summary_en"] = (
        f"{doc.get('summary_en', '')} The change is rejected because it breaks the "
        f"organisation's network model ({first['rule']}: {first['title']['en']})."
    ).strip()


def verdict_class(doc: dict[str, Any]) -> str:
    return str(doc["risk_class"])


def verdict_score(doc: dict[str, Any]) -> int:
    return round(float(doc["score"]))


def policy_findings(snapshot: m.PolicySnapshot, *, today: dt.date) -> list[dict[str, Any]]:
    """Whole-policy invariant findings, as JSON documents."""
    return [f.to_dict() for f in verify_policy(snapshot, rule_data(), today=today)]
