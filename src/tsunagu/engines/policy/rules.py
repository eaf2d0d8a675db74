"""Rule data of the verifier: packaged, versioned YAML (one file per guideline edition)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .model import PortRange, _ports

DEFAULT_EDITION = "gateway-2024"


@dataclass(frozen=True)
class ZoneCheck:
    """Permitted traffic from ``sources`` zones to ``destinations`` zones is a finding."""

    code: str
    severity: str
    sources: tuple[str, ...]
    destinations: tuple[str, ...]
    both_directions: bool = False
    protocols: tuple[str, ...] = ("tcp", "udp", "icmp")
    ports: tuple[PortRange, ...] = ()
    exempt_controls: tuple[str, ...] = ()
    exempt_endpoints_only: bool = False
    transitive: bool = False


@dataclass(frozen=True, eq=False)
class RuleData:
    edition: str
    title: Mapping[str, str]
    relay_zones: tuple[str, ...]
    web_ports: Mapping[str, tuple[PortRange, ...]]
    upload_capable_domains: tuple[str, ...]
    specific_control: str
    specific_domains: tuple[str, ...]
    specific_prefixes: tuple[str, ...]
    zone_checks: tuple[ZoneCheck, ...]
    severities: Mapping[str, str]
    max_temporary_days: int
    base_points: Mapping[str, int]
    points: Mapping[str, float]
    standard_max: int
    normal_max: int
    source: str = field(default="")

    def severity(self, code: str, default: str = "reject") -> str:
        return self.severities.get(code, default)

    def point(self, code: str) -> float:
        return float(self.points.get(code, 0))


def rules_from_dict(data: Mapping[str, Any], source: str = "") -> RuleData:
    checks = []
    for c in data.get("zone_checks", ()):
        checks.append(
            ZoneCheck(
                code=str(c["code"]),
                severity=str(c.get("severity", "reject")),
                sources=tuple(c["from"]),
                destinations=tuple(c["to"]),
                both_directions=bool(c.get("both_directions", False)),
                protocols=tuple(c.get("protocols", ("tcp", "udp", "icmp"))),
                ports=_ports(c.get("ports", ())),
                exempt_controls=tuple(c.get("exempt_controls", ())),
                exempt_endpoints_only=bool(c.get("exempt_endpoints_only", False)),
                transitive=bool(c.get("transitive", False)),
            )
        )
    spec = data.get("specific_communication", {})
    risk = data.get("risk", {})
    thresholds = risk.get("thresholds", {})
    return RuleData(
        edition=str(data.get("edition", "")),
        title=dict(data.get("title", {})),
        relay_zones=tuple(data.get("relay_zones", ())),
        web_ports={k: _ports(v) for k, v in (data.get("web_ports") or {}).items()},
        upload_capable_domains=tuple(data.get("upload_capable_domains", ())),
        specific_control=str(spec.get("control", "specific_communication")),
        specific_domains=tuple(spec.get("domains", ())),
        specific_prefixes=tuple(spec.get("prefixes", ())),
        zone_checks=tuple(checks),
        severities=dict(data.get("severities", {})),
        max_temporary_days=int(data.get("max_temporary_days", 90)),
        base_points={k: int(v) for k, v in (risk.get("base") or {}).items()},
        points={k: float(v) for k, v in (risk.get("points") or {}).items()},
        standard_max=int(thresholds.get("standard", 29)),
        normal_max=int(thresholds.get("normal", 59)),
        source=source,
    )


@functools.lru_cache(maxsize=8)
def _load_packaged(edition: str) -> RuleData:
    ref = resources.files(__package__).joinpath("rules", f"{edition}.yaml")
    text = ref.read_text(encoding="utf-8")
    return rules_from_dict(yaml.safe_load(text), source=f"{edition}.yaml")


def load_rules(path: str | Path | None = None, *, edition: str = DEFAULT_EDITION) -> RuleData:
    """Rule data from ``path``, or the packaged file of ``edition`` (cached)."""
    if path is None:
        return _load_packaged(edition)
    p = Path(path)
    return rules_from_dict(yaml.safe_load(p.read_text(encoding="utf-8")), source=str(p))
