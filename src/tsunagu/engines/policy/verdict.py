"""The verifier's answer: findings, risk factors and the verdict, with JSON forms and texts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from . import messages
from .domains import DomainSet
from .space import FlowSet, describe_terms

Severity = Literal["reject", "escalate"]
RiskClass = Literal["standard", "normal", "major", "rejected"]
Already = Literal["fully", "partly", "no"]


@dataclass(frozen=True)
class Finding:
    """An invariant violation or input problem. ``reject`` findings make the change
    impossible; ``escalate`` findings force at least a major review."""

    code: str
    severity: Severity
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)
    subject: str = ""  # the rule / entry label it is about, "" for the change as a whole

    def message(self, lang: str = "ja") -> str:
        return messages.finding_text(self.code, self.params, lang)[0]

    def fix(self, lang: str = "ja") -> str:
        return messages.finding_text(self.code, self.params, lang)[1]

    def describe(self, lang: str = "ja") -> str:
        title, fix = messages.finding_text(self.code, self.params, lang)
        sep = " 対処: " if lang == "ja" else " Fix: "
        return f"{title}{sep}{fix}" if fix else title

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "params": dict(self.params),
            "subject": self.subject,
            "message": {lang: self.message(lang) for lang in messages.LANGS},
            "fix": {lang: self.fix(lang) for lang in messages.LANGS},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        return cls(
            code=str(data["code"]),
            severity=data["severity"],
            params=dict(data.get("params", {})),
            subject=str(data.get("subject", "")),
        )


@dataclass(frozen=True)
class Factor:
    """One contribution to the risk score."""

    code: str
    points: int
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def label(self, lang: str = "ja") -> str:
        return messages.factor_text(self.code, self.params, lang)

    def describe(self, lang: str = "ja") -> str:
        return f"{self.label(lang)} ({self.points:+d})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "points": self.points,
            "params": dict(self.params),
            "label": {lang: self.label(lang) for lang in messages.LANGS},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Factor:
        return cls(
            code=str(data["code"]),
            points=int(data["points"]),
            params=dict(data.get("params", {})),
        )


@dataclass(frozen=True)
class Verdict:
    """What one change does to the gateway, exactly, and how risky it is.

    Flow sets are exact header sets (see :mod:`.space`); domain sets exact name sets (see
    :mod:`.domains`). ``newly_permitted`` / ``newly_denied`` are what the gateway's decision
    changes to; ``collateral`` is the part of ``newly_permitted`` the requester did not ask for;
    ``blast_radius`` the organisations other than ``org`` whose permitted traffic or domains
    change.
    """

    org: str
    kind: str
    risk_class: RiskClass
    score: int
    already_allowed: Already
    already_allowed_rules: tuple[str, ...] = ()
    already_allowed_domains: tuple[str, ...] = ()
    newly_permitted: FlowSet = field(default_factory=FlowSet)
    newly_denied: FlowSet = field(default_factory=FlowSet)
    newly_allowed_domains: DomainSet = field(default_factory=DomainSet)
    newly_blocked_domains: DomainSet = field(default_factory=DomainSet)
    newly_tls_exempt: DomainSet = field(default_factory=DomainSet)
    no_longer_tls_exempt: DomainSet = field(default_factory=DomainSet)
    collateral: FlowSet = field(default_factory=FlowSet)
    collateral_domains: DomainSet = field(default_factory=DomainSet)
    blast_radius: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
    factors: tuple[Factor, ...] = ()
    edition: str = ""

    @property
    def rejected(self) -> bool:
        return self.risk_class == "rejected"

    @property
    def reject_findings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "reject")

    def finding_codes(self) -> set[str]:
        return {f.code for f in self.findings}

    # ------------------------------------------------------------------ JSON

    def to_dict(self) -> dict[str, Any]:
        return {
            "org": self.org,
            "kind": self.kind,
            "risk_class": self.risk_class,
            "score": self.score,
            "already_allowed": self.already_allowed,
            "already_allowed_rules": list(self.already_allowed_rules),
            "already_allowed_domains": list(self.already_allowed_domains),
            "newly_permitted": self.newly_permitted.to_list(),
            "newly_permitted_headers": self.newly_permitted.size(),
            "newly_denied": self.newly_denied.to_list(),
            "newly_denied_headers": self.newly_denied.size(),
            "newly_allowed_domains": self.newly_allowed_domains.to_list(),
            "newly_blocked_domains": self.newly_blocked_domains.to_list(),
            "newly_tls_exempt": self.newly_tls_exempt.to_list(),
            "no_longer_tls_exempt": self.no_longer_tls_exempt.to_list(),
            "collateral": self.collateral.to_list(),
            "collateral_domains": self.collateral_domains.to_list(),
            "blast_radius": list(self.blast_radius),
            "findings": [f.to_dict() for f in self.findings],
            "factors": [f.to_dict() for f in self.factors],
            "edition": self.edition,
            "summary": {lang: self.summary(lang) for lang in messages.LANGS},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Verdict:
        return cls(
            org=str(data["org"]),
            kind=str(data["kind"]),
            risk_class=data["risk_class"],
            score=int(data["score"]),
            already_allowed=data["already_allowed"],
            already_allowed_rules=tuple(data.get("already_allowed_rules", ())),
            already_allowed_domains=tuple(data.get("already_allowed_domains", ())),
            newly_permitted=FlowSet.from_list(data.get("newly_permitted", ())),
            newly_denied=FlowSet.from_list(data.get("newly_denied", ())),
            newly_allowed_domains=DomainSet.from_list(data.get("newly_allowed_domains", ())),
            newly_blocked_domains=DomainSet.from_list(data.get("newly_blocked_domains", ())),
            newly_tls_exempt=DomainSet.from_list(data.get("newly_tls_exempt", ())),
            no_longer_tls_exempt=DomainSet.from_list(data.get("no_longer_tls_exempt", ())),
            collateral=FlowSet.from_list(data.get("collateral", ())),
            collateral_domains=DomainSet.from_list(data.get("collateral_domains", ())),
            blast_radius=tuple(data.get("blast_radius", ())),
            findings=tuple(Finding.from_dict(f) for f in data.get("findings", ())),
            factors=tuple(Factor.from_dict(f) for f in data.get("factors", ())),
            edition=str(data.get("edition", "")),
        )

    # ------------------------------------------------------------------ text

    def summary(self, lang: str = "ja") -> str:
        """One plain paragraph: what the change does and what happens to it."""
        ja = lang == "ja"
        kind_ja, kind_en = messages.KINDS.get(self.kind, (self.kind, self.kind))
        who = self.org or ("共通" if ja else "shared")
        parts: list[str] = []
        already = messages.ALREADY[self.already_allowed]["ja" if ja else "en"]
        by = [*self.already_allowed_rules, *self.already_allowed_domains]
        by_text = ""
        if by and self.already_allowed != "no":
            shown = ", ".join(by[:5]) + (" …" if len(by) > 5 else "")
            by_text = f"（{shown}）" if ja else f" (by {shown})"
        if ja:
            parts.append(f"{who} の「{kind_ja}」の申請は{already}{by_text}。")
        else:
            parts.append(f"The {kind_en} request of {who} {already}{by_text}.")

        def flows(fs: FlowSet) -> str:
            return "; ".join(describe_terms(fs.terms()))

        new_bits = []
        if self.newly_permitted:
            new_bits.append(flows(self.newly_permitted))
        if self.newly_allowed_domains:
            new_bits.append(self.newly_allowed_domains.describe())
        if self.newly_tls_exempt:
            new_bits.append(
                ("TLS 検査除外 " if ja else "TLS exemption of ") + self.newly_tls_exempt.describe()
            )
        none = "なし" if ja else "nothing"
        if ja:
            parts.append(f"新たに許可されるもの: {' / '.join(new_bits) or none}。")
        else:
            parts.append(f"Newly permitted: {' / '.join(new_bits) or none}.")
        gone = []
        if self.newly_denied:
            gone.append(flows(self.newly_denied))
        if self.newly_blocked_domains:
            gone.append(self.newly_blocked_domains.describe())
        if self.no_longer_tls_exempt:
            gone.append(
                ("TLS 検査除外の解除 " if ja else "end of TLS exemption for ")
                + self.no_longer_tls_exempt.describe()
            )
        if gone:
            parts.append(
                f"新たに拒否されるもの: {' / '.join(gone)}。"
                if ja
                else f"Newly denied: {' / '.join(gone)}."
            )
        coll = []
        if self.collateral:
            coll.append(flows(self.collateral))
        if self.collateral_domains:
            coll.append(self.collateral_domains.describe())
        if coll:
            parts.append(
                f"申請より広く許可される部分（巻き添え）: {' / '.join(coll)}。"
                if ja
                else f"Permitted beyond the request (collateral): {' / '.join(coll)}."
            )
        orgs = ", ".join(self.blast_radius) or none
        parts.append(
            f"他団体への影響: {orgs}。" if ja else f"Other organisations affected: {orgs}."
        )
        cls = messages.CLASSES[self.risk_class]["ja" if ja else "en"]
        if ja:
            parts.append(f"判定: {cls}（リスク点 {self.score}）。")
        else:
            parts.append(f"Outcome: {cls} (risk score {self.score}).")
        for f in self.findings[:5]:
            parts.append(f.describe("ja" if ja else "en"))
        return "".join(parts) if ja else " ".join(parts)
