"""Gateway policy engine: the policy model, the change verifier, invariants and risk rules.

Pure Python (no Django, no I/O except the packaged rule data):

* :mod:`.model` — the frozen policy dataclasses (the contract) and their JSON forms;
* :mod:`.space` — exact header-space algebra (:class:`FlowSet`);
* :mod:`.domains` — exact domain-name set algebra (:class:`DomainSet`) and the PSL check;
* :mod:`.verifier` — :func:`verify` one change -> :class:`Verdict`;
* :mod:`.invariants` — :func:`verify_policy` and removal containment proofs;
* :mod:`.diff` — :func:`diff_snapshots`;
* :mod:`.rules` — :func:`load_rules` (versioned YAML rule data);
* :mod:`.synthetic` — :func:`synthetic_snapshot` for benchmarks.
"""

from .diff import SectionDiff, SnapshotDiff, diff_snapshots
from .domains import DomainError, DomainSet, coverage, normalise_pattern, too_broad
from .index import PolicyIndex, index
from .invariants import RemovalEffect, removal_effect, rule_removal_is_contained, verify_policy
from .rules import RuleData, ZoneCheck, load_rules
from .space import FlowSet
from .synthetic import synthetic_snapshot
from .verdict import Factor, Finding, Verdict
from .verifier import verify

__all__ = [
    "DomainError",
    "DomainSet",
    "Factor",
    "Finding",
    "FlowSet",
    "PolicyIndex",
    "RemovalEffect",
    "RuleData",
    "SectionDiff",
    "SnapshotDiff",
    "Verdict",
    "ZoneCheck",
    "coverage",
    "diff_snapshots",
    "index",
    "load_rules",
    "normalise_pattern",
    "removal_effect",
    "rule_removal_is_contained",
    "synthetic_snapshot",
    "too_broad",
    "verify",
    "verify_policy",
]
