"""What the compliance engine answers: findings and the assessment of one model."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .model import Issue

SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low", "info")
"""Most severe first. ``critical`` and ``high`` findings block a gateway change that causes
them (see the gateway integration)."""


@dataclass(frozen=True)
class Finding:
    """One rule not met by the model.

    ``key`` is a stable identity (rule id plus what it is about, e.g.
    ``"MN-1:mynumber->internet_external"``) so two assessments can be compared; ``title`` and
    ``fix`` come from the rule data (``{"ja": …, "en": …}``); ``detail`` is the evidence in words;
    ``source`` names the guideline edition, section and URL the rule rests on. ``zones``,
    ``flows``, ``systems`` and ``terminals`` are the ids of the model elements the evidence
    points at (the diagram draws them red); ``path`` is the chain of zones of a path finding.
    """

    key: str
    rule: str
    severity: str
    title: Mapping[str, str]
    fix: Mapping[str, str]
    detail: Mapping[str, str]
    source: Mapping[str, str] = field(default_factory=dict, hash=False)
    zones: tuple[str, ...] = ()
    flows: tuple[str, ...] = ()
    systems: tuple[str, ...] = ()
    terminals: tuple[str, ...] = ()
    path: tuple[str, ...] = ()
    measures: tuple[str, ...] = ()  # missing measures of a required-measures rule

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "rule": self.rule,
            "severity": self.severity,
            "title": dict(self.title),
            "fix": dict(self.fix),
            "detail": dict(self.detail),
            "source": dict(self.source),
            "zones": list(self.zones),
            "flows": list(self.flows),
            "systems": list(self.systems),
            "terminals": list(self.terminals),
            "path": list(self.path),
            "measures": list(self.measures),
        }


@dataclass(frozen=True)
class Assessment:
    """The evaluation of one model against one rule-set edition."""

    org: str
    model: str
    edition: str
    findings: tuple[Finding, ...]
    issues: tuple[Issue, ...] = ()
    rules_checked: int = 0
    rules_passed: int = 0

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(SEVERITIES, 0)
        for f in self.findings:
            out[f.severity] = out.get(f.severity, 0) + 1
        return out

    def keys(self) -> frozenset[str]:
        return frozenset(f.key for f in self.findings)

    def blocking(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity in ("critical", "high"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "org": self.org,
            "model": self.model,
            "edition": self.edition,
            "findings": [f.to_dict() for f in self.findings],
            "issues": [i.to_dict() for i in self.issues],
            "counts": self.counts(),
            "rules_checked": self.rules_checked,
            "rules_passed": self.rules_passed,
        }
