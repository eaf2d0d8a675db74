"""Guideline rule data of the compliance engine: packaged, versioned YAML, one file per edition.

Everything that is guideline knowledge rather than graph algorithm lives in the rule files under
``rules/``: which zones may never reach each other, which controls make a crossing acceptable,
the mandatory measures of a model, what each network model enables and how a body migrates to
it. Items remembered rather than verified against the published text are marked
``basis: remembered`` so an operator can review and correct them without a code change.

A rule file is checked completely when it is loaded: an unknown rule type, a missing key, an
unknown control, zone kind, measure or source reference raises :class:`RuleSetError` naming the
rule and the key, so a broken edition never reaches an evaluation.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .findings import SEVERITIES
from .model import (
    AUTH_FACTORS,
    CONTROLS,
    ENDPOINT_MEASURES,
    EXTERNALS,
    FLOW_KINDS,
    MODEL_KINDS,
    ORG_MEASURES,
    SYSTEM_CATEGORIES,
    TERMINAL_ROLES,
    ZONE_KINDS,
    Zone,
)

DEFAULT_EDITION = "guideline-2024-10"

RULE_TYPES: tuple[str, ...] = (
    "no_path",
    "edge_requires",
    "lbo_allowlist",
    "terminal_auth",
    "required_measures",
    "model_shape",
)

CAPABILITIES: tuple[str, ...] = (
    "saas",
    "web_meetings",
    "telework",
    "wifi_meeting_rooms",
    "paperless_meetings",
    "internet_mail_on_desk",
    "isolation",
)

ALL_ZONE_KINDS: tuple[str, ...] = (*ZONE_KINDS, *EXTERNALS.values())
MEASURES: tuple[str, ...] = (*ENDPOINT_MEASURES, *ORG_MEASURES)
BASES: tuple[str, ...] = ("documented", "remembered")


class RuleSetError(ValueError):
    """A rule file that cannot be used: names the file, the rule (or section) and the key."""

    def __init__(self, message: str, *, rule: str = "", key: str = "", source: str = "") -> None:
        where = " ".join(
            part
            for part in (
                source and f"{source}:",
                rule and f"rule {rule!r}",
                key and f"key {key!r}",
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)
        self.rule = rule
        self.key = key
        self.source = source


# ------------------------------------------------------------------------------ data classes


@dataclass(frozen=True)
class ZoneSelector:
    """Zones by kind and/or id. A selector with neither ``kinds`` nor ``ids`` selects every zone
    (less the ``not_kinds`` / ``not_ids``). The order of ``kinds`` and ``ids`` is a preference
    when one zone must be chosen (:meth:`resolve`)."""

    kinds: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    not_kinds: frozenset[str] = frozenset()
    not_ids: frozenset[str] = frozenset()

    @property
    def is_any(self) -> bool:
        return not self.kinds and not self.ids

    def matches(self, zone: Zone) -> bool:
        if zone.kind in self.not_kinds or zone.id in self.not_ids:
            return False
        return self.is_any or zone.kind in self.kinds or zone.id in self.ids

    def resolve(self, zones: Iterable[Zone]) -> Zone | None:
        """The one zone this selector prefers among ``zones``: ids in their listed order first,
        then kinds in their listed order, each time the first such zone in ``zones``."""
        candidates = [z for z in zones if self.matches(z)]
        if not candidates:
            return None
        for zid in self.ids:
            for z in candidates:
                if z.id == zid:
                    return z
        for kind in self.kinds:
            for z in candidates:
                if z.kind == kind:
                    return z
        return candidates[0]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.kinds:
            out["kinds"] = list(self.kinds)
        if self.ids:
            out["ids"] = list(self.ids)
        if self.not_kinds:
            out["not_kinds"] = sorted(self.not_kinds)
        if self.not_ids:
            out["not_ids"] = sorted(self.not_ids)
        return out


ANY_ZONE = ZoneSelector()


@dataclass(frozen=True)
class Source:
    """A document a rule rests on."""

    id: str
    title: Mapping[str, str]
    url: str = ""
    note: str = ""
    basis: str = "documented"


@dataclass(frozen=True)
class Rule:
    """One rule of an edition. Common fields first; the rest is used by its ``type`` only.

    * ``no_path``: ``src`` / ``dst`` zones, ``both_directions``, ``flow_kinds`` (``None``: any)
      and ``barrier_controls`` (per flow kind, ``"*"`` for every kind): no chain of conducting
      edges may lead from a ``src`` zone to a ``dst`` zone.
    * ``edge_requires``: direct flows from ``src`` to ``dst`` (either way with
      ``both_directions``) of ``flow_kinds`` must carry ``require_all``, one of
      ``require_any`` and be of one of ``require_kinds``; with ``forbidden`` any such flow is a
      finding.
    * ``lbo_allowlist``: flows of ``flow_kinds`` (default ``lbo``) from ``src`` to ``dst`` need
      a non-empty, registrable-domain-bounded, tenant-restricted destination list and carry
      ``require_all`` (default ``lbo_allowlist``).
    * ``terminal_auth``: terminals in ``zones`` need ``min_categories`` factor categories.
    * ``required_measures``: the model needs all ``measures``.
    * ``model_shape``: terminals of ``roles`` sit in the declared model's main terminal zone.
    """

    id: str
    type: str
    severity: str
    title: Mapping[str, str]
    fix: Mapping[str, str]
    source: Mapping[str, str] = field(default_factory=dict, hash=False)
    applies_to: frozenset[str] = frozenset(MODEL_KINDS)
    effective_from: dt.date | None = None
    src: ZoneSelector = ANY_ZONE
    dst: ZoneSelector = ANY_ZONE
    both_directions: bool = False
    flow_kinds: frozenset[str] | None = None
    barrier_controls: Mapping[str, frozenset[str]] = field(default_factory=dict, hash=False)
    require_all: frozenset[str] = frozenset()
    require_any: frozenset[str] = frozenset()
    require_kinds: frozenset[str] | None = None
    forbidden: bool = False
    zones: ZoneSelector = ANY_ZONE
    min_categories: int = 2
    measures: tuple[str, ...] = ()
    roles: frozenset[str] = frozenset({"main"})

    def applies(self, model_kind: str, today: dt.date) -> bool:
        """Does this rule apply to a model of ``model_kind`` on ``today``?"""
        if model_kind not in self.applies_to:
            return False
        return self.effective_from is None or today >= self.effective_from

    def barriers(self, flow_kind: str) -> frozenset[str]:
        """Controls that stop a flow of ``flow_kind`` from conducting (``no_path``)."""
        got = self.barrier_controls.get(flow_kind)
        if got is None:
            got = self.barrier_controls.get("*", frozenset())
        return got

    def kind_matches(self, flow_kind: str) -> bool:
        return self.flow_kinds is None or flow_kind in self.flow_kinds


@dataclass(frozen=True)
class MoveSystems:
    """Migration step: systems of ``categories`` sit in the zone ``to`` selects."""

    categories: frozenset[str]
    to: ZoneSelector
    reason: Mapping[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class MoveTerminals:
    """Migration step: terminals of ``roles`` sit in the zone ``to`` selects."""

    roles: frozenset[str]
    to: ZoneSelector
    reason: Mapping[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class FlowTemplate:
    """Migration step: a flow the target model needs. ``src`` / ``dst`` resolve to one zone
    each (:meth:`ZoneSelector.resolve`); if either resolves to nothing the step is skipped.
    With ``destinations_from_services`` the destinations are the chosen services' domains
    (tenant-restricted), and the step is skipped when no service is chosen."""

    id: str
    src: ZoneSelector
    dst: ZoneSelector
    kind: str
    controls: frozenset[str] = frozenset()
    bidirectional: bool = False
    destinations_from_services: bool = False
    reason: Mapping[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class FlowMatch:
    """Migration step: flows from ``src`` to ``dst`` of ``kinds`` (``None``: any) the target
    model no longer needs."""

    src: ZoneSelector
    dst: ZoneSelector
    kinds: frozenset[str] | None = None
    reason: Mapping[str, str] = field(default_factory=dict, hash=False)

    def matches(self, src: Zone, dst: Zone, kind: str) -> bool:
        return (
            (self.kinds is None or kind in self.kinds)
            and self.src.matches(src)
            and self.dst.matches(dst)
        )


@dataclass(frozen=True)
class ModelProfile:
    """What a network model is (label, where main terminals sit, what it enables) and how a
    body's model is reshaped into it (the migration steps, applied in the order listed here)."""

    kind: str
    label: Mapping[str, str]
    main_terminal_zone: str | None = None
    enables: tuple[str, ...] = ()
    description: Mapping[str, str] = field(default_factory=dict, hash=False)
    move_systems: tuple[MoveSystems, ...] = ()
    move_terminals: tuple[MoveTerminals, ...] = ()
    remove_flows: tuple[FlowMatch, ...] = ()
    add_flows: tuple[FlowTemplate, ...] = ()


@dataclass(frozen=True, eq=False)
class RuleSet:
    """One guideline edition's rules, model profiles and labels."""

    edition: str
    title: Mapping[str, str]
    published: dt.date
    sources: tuple[Source, ...]
    rules: tuple[Rule, ...]
    models: Mapping[str, ModelProfile]
    capabilities: Mapping[str, Mapping[str, str]]
    measure_labels: Mapping[str, Mapping[str, str]]
    factor_categories: Mapping[str, str]
    source: str = ""

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def source_by_id(self, source_id: str) -> Source | None:
        for s in self.sources:
            if s.id == source_id:
                return s
        return None

    def profile(self, kind: str) -> ModelProfile | None:
        return self.models.get(kind)

    def capability_label(self, cap: str) -> Mapping[str, str]:
        return self.capabilities.get(cap, {"ja": cap, "en": cap})

    def measure_label(self, measure: str) -> Mapping[str, str]:
        return self.measure_labels.get(measure, {"ja": measure, "en": measure})


# ------------------------------------------------------------------------------ parsing


class _Reader:
    """Typed access to one mapping of the rule file, raising :class:`RuleSetError` with the
    rule id and the key on every problem."""

    def __init__(self, data: Any, *, rule: str, source: str, prefix: str = "") -> None:
        if not isinstance(data, Mapping):
            raise RuleSetError(
                f"expected a mapping, got {type(data).__name__}",
                rule=rule,
                key=prefix,
                source=source,
            )
        self.data: Mapping[str, Any] = data
        self.rule = rule
        self.source = source
        self.prefix = prefix

    def key(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix else key

    def error(self, key: str, message: str) -> RuleSetError:
        return RuleSetError(message, rule=self.rule, key=self.key(key), source=self.source)

    def has(self, key: str) -> bool:
        return key in self.data and self.data[key] is not None

    def raw(self, key: str) -> Any:
        if not self.has(key):
            raise self.error(key, "missing")
        return self.data[key]

    def sub(self, key: str, *, required: bool = True) -> _Reader:
        if not self.has(key):
            if required:
                raise self.error(key, "missing")
            return _Reader({}, rule=self.rule, source=self.source, prefix=self.key(key))
        return _Reader(self.data[key], rule=self.rule, source=self.source, prefix=self.key(key))

    def text(self, key: str, default: str | None = None) -> str:
        if not self.has(key):
            if default is None:
                raise self.error(key, "missing")
            return default
        value = self.data[key]
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise self.error(key, f"expected text, got {type(value).__name__}")
        text = str(value).strip()
        if not text and default is None:
            raise self.error(key, "empty")
        return text

    def flag(self, key: str, default: bool = False) -> bool:
        if not self.has(key):
            return default
        value = self.data[key]
        if not isinstance(value, bool):
            raise self.error(key, f"expected true or false, got {value!r}")
        return value

    def integer(self, key: str, default: int) -> int:
        if not self.has(key):
            return default
        value = self.data[key]
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise self.error(key, f"expected a non-negative integer, got {value!r}")
        return value

    def date(self, key: str, *, required: bool = False) -> dt.date | None:
        if not self.has(key):
            if required:
                raise self.error(key, "missing")
            return None
        value = self.data[key]
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError as exc:
            raise self.error(key, f"expected a date (YYYY-MM-DD), got {value!r}") from exc

    def words(
        self, key: str, allowed: Sequence[str] | None = None, *, required: bool = False
    ) -> tuple[str, ...]:
        if not self.has(key):
            if required:
                raise self.error(key, "missing")
            return ()
        value = self.data[key]
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(key, "expected a list of words")
        if allowed is not None:
            for v in value:
                if v not in allowed:
                    raise self.error(key, f"unknown value {v!r} (allowed: {', '.join(allowed)})")
        if required and not value:
            raise self.error(key, "empty")
        return tuple(dict.fromkeys(value))

    def texts(self, key: str, *, required: bool = True) -> Mapping[str, str]:
        """A ``{ja, en}`` text; both languages are required."""
        if not self.has(key):
            if required:
                raise self.error(key, "missing")
            return {}
        value = self.data[key]
        if not isinstance(value, Mapping):
            raise self.error(key, "expected {ja: …, en: …}")
        out = {}
        for lang in ("ja", "en"):
            text = value.get(lang)
            if not isinstance(text, str) or not text.strip():
                raise self.error(f"{key}.{lang}", "missing")
            out[lang] = text.strip()
        return out

    def flow_kinds(self, key: str, default: frozenset[str] | None) -> frozenset[str] | None:
        if not self.has(key):
            return default
        if self.data[key] == "any":
            return None
        return frozenset(self.words(key, FLOW_KINDS, required=True))

    def selector(self, key: str, *, required: bool = True) -> ZoneSelector:
        if not self.has(key):
            if required:
                raise self.error(key, "missing")
            return ANY_ZONE
        if self.data[key] == "any":
            return ANY_ZONE
        sub = self.sub(key)
        unknown = set(sub.data) - {"kinds", "ids", "not_kinds", "not_ids"}
        if unknown:
            raise sub.error(sorted(unknown)[0], "unknown key (use kinds, ids, not_kinds, not_ids)")
        return ZoneSelector(
            kinds=sub.words("kinds", ALL_ZONE_KINDS),
            ids=sub.words("ids"),
            not_kinds=frozenset(sub.words("not_kinds", ALL_ZONE_KINDS)),
            not_ids=frozenset(sub.words("not_ids")),
        )


def _source_of(
    r: _Reader, sources: Mapping[str, Source], edition: str, *, required: bool = True
) -> dict[str, str]:
    sub = r.sub("source", required=required)
    if not sub.data:
        return {"edition": edition}
    ref = sub.text("ref")
    src = sources.get(ref)
    if src is None:
        raise sub.error("ref", f"unknown source {ref!r} (declare it under 'sources')")
    basis = sub.text("basis", src.basis)
    if basis not in BASES:
        raise sub.error("basis", f"expected one of {', '.join(BASES)}")
    return {
        "edition": edition,
        "ref": ref,
        "section": sub.text("section", ""),
        "title": src.title["ja"],
        "title_en": src.title["en"],
        "url": src.url,
        "basis": basis,
    }


def _rule(r: _Reader, sources: Mapping[str, Source], edition: str) -> Rule:
    rtype = r.text("type")
    if rtype not in RULE_TYPES:
        raise r.error("type", f"unknown rule type {rtype!r} (known: {', '.join(RULE_TYPES)})")
    severity = r.text("severity")
    if severity not in SEVERITIES:
        raise r.error("severity", f"expected one of {', '.join(SEVERITIES)}")
    applies_raw = r.raw("applies_to")
    if applies_raw == "all":
        applies_to = frozenset(MODEL_KINDS)
    else:
        applies_to = frozenset(r.words("applies_to", MODEL_KINDS, required=True))
    common: dict[str, Any] = {
        "id": r.rule,
        "type": rtype,
        "severity": severity,
        "title": r.texts("title"),
        "fix": r.texts("fix"),
        "source": _source_of(r, sources, edition),
        "applies_to": applies_to,
        "effective_from": r.date("effective_from"),
    }
    if rtype == "no_path":
        return Rule(
            **common,
            src=r.selector("from"),
            dst=r.selector("to"),
            both_directions=r.flag("both_directions"),
            flow_kinds=r.flow_kinds("flow_kinds", None),
            barrier_controls=_barriers(r),
        )
    if rtype == "edge_requires":
        m = r.sub("match")
        require_kinds = r.words("require_kinds", FLOW_KINDS)
        rule = Rule(
            **common,
            src=m.selector("src", required=False),
            dst=m.selector("dst", required=False),
            both_directions=m.flag("both_directions"),
            flow_kinds=m.flow_kinds("kinds", None),
            require_all=frozenset(r.words("require_all", CONTROLS)),
            require_any=frozenset(r.words("require_any", CONTROLS)),
            require_kinds=frozenset(require_kinds) if require_kinds else None,
            forbidden=r.flag("forbidden"),
        )
        if not (rule.require_all or rule.require_any or rule.require_kinds or rule.forbidden):
            raise r.error(
                "require_all", "missing (give require_all, require_any, require_kinds or forbidden)"
            )
        return rule
    if rtype == "lbo_allowlist":
        m = r.sub("match", required=False)
        return Rule(
            **common,
            src=m.selector("src", required=False),
            dst=m.selector("dst", required=False),
            flow_kinds=m.flow_kinds("kinds", frozenset({"lbo"})),
            require_all=frozenset(r.words("require_controls", CONTROLS) or ("lbo_allowlist",)),
        )
    if rtype == "terminal_auth":
        return Rule(
            **common,
            zones=r.selector("zones"),
            min_categories=r.integer("min_categories", 2),
        )
    if rtype == "required_measures":
        return Rule(**common, measures=r.words("measures", MEASURES, required=True))
    # model_shape
    return Rule(**common, roles=frozenset(r.words("roles", TERMINAL_ROLES) or ("main",)))


def _barriers(r: _Reader) -> Mapping[str, frozenset[str]]:
    if not r.has("barrier_controls"):
        return {}
    raw = r.data["barrier_controls"]
    if isinstance(raw, list):
        return {"*": frozenset(r.words("barrier_controls", CONTROLS))}
    sub = r.sub("barrier_controls")
    out = {}
    for kind in sub.data:
        if kind != "*" and kind not in FLOW_KINDS:
            raise sub.error(str(kind), "unknown flow kind")
        out[str(kind)] = frozenset(sub.words(str(kind), CONTROLS))
    return out


def _profile(kind: str, r: _Reader) -> ModelProfile:
    main = r.data.get("main_terminal_zone")
    if main is not None and main not in ZONE_KINDS:
        raise r.error("main_terminal_zone", f"unknown zone kind {main!r}")
    mig = r.sub("migration", required=False)

    def steps(key: str) -> list[_Reader]:
        if not mig.has(key):
            return []
        raw = mig.data[key]
        if not isinstance(raw, list):
            raise mig.error(key, "expected a list")
        return [
            _Reader(item, rule=r.rule, source=r.source, prefix=mig.key(f"{key}[{i}]"))
            for i, item in enumerate(raw)
        ]

    move_systems = tuple(
        MoveSystems(
            categories=frozenset(s.words("categories", SYSTEM_CATEGORIES, required=True)),
            to=s.selector("to"),
            reason=s.texts("reason"),
        )
        for s in steps("move_systems")
    )
    move_terminals = tuple(
        MoveTerminals(
            roles=frozenset(s.words("roles", TERMINAL_ROLES, required=True)),
            to=s.selector("to"),
            reason=s.texts("reason"),
        )
        for s in steps("move_terminals")
    )
    remove_flows = tuple(
        FlowMatch(
            src=s.selector("src", required=False),
            dst=s.selector("dst", required=False),
            kinds=s.flow_kinds("kinds", None),
            reason=s.texts("reason"),
        )
        for s in steps("remove_flows")
    )
    add_flows = []
    for s in steps("add_flows"):
        fkind = s.text("kind")
        if fkind not in FLOW_KINDS:
            raise s.error("kind", f"unknown flow kind {fkind!r}")
        dest = s.data.get("destinations")
        if dest not in (None, "services"):
            raise s.error("destinations", "only 'services' is supported")
        add_flows.append(
            FlowTemplate(
                id=s.text("id"),
                src=s.selector("src"),
                dst=s.selector("dst"),
                kind=fkind,
                controls=frozenset(s.words("controls", CONTROLS)),
                bidirectional=s.flag("bidirectional"),
                destinations_from_services=dest == "services",
                reason=s.texts("reason"),
            )
        )
    return ModelProfile(
        kind=kind,
        label=r.texts("label"),
        main_terminal_zone=main,
        enables=r.words("enables", CAPABILITIES),
        description=r.texts("description", required=False),
        move_systems=move_systems,
        move_terminals=move_terminals,
        remove_flows=remove_flows,
        add_flows=tuple(add_flows),
    )


def ruleset_from_dict(data: Mapping[str, Any], source: str = "") -> RuleSet:
    """Build and check a :class:`RuleSet`; raises :class:`RuleSetError` on any problem."""
    top = _Reader(data, rule="", source=source)
    edition = top.text("edition")

    sources: dict[str, Source] = {}
    raw_sources = top.raw("sources")
    if not isinstance(raw_sources, list) or not raw_sources:
        raise top.error("sources", "expected a non-empty list")
    for i, item in enumerate(raw_sources):
        s = _Reader(item, rule="", source=source, prefix=f"sources[{i}]")
        sid = s.text("id")
        if sid in sources:
            raise s.error("id", f"duplicate source id {sid!r}")
        basis = s.text("basis", "documented")
        if basis not in BASES:
            raise s.error("basis", f"expected one of {', '.join(BASES)}")
        title_raw = s.raw("title")
        title = (
            {"ja": str(title_raw), "en": str(title_raw)}
            if isinstance(title_raw, str)
            else s.texts("title")
        )
        sources[sid] = Source(
            id=sid, title=title, url=s.text("url", ""), note=s.text("note", ""), basis=basis
        )

    factor_categories = dict(AUTH_FACTORS)
    if top.has("factor_categories"):
        fc = top.sub("factor_categories")
        for factor in fc.data:
            if factor not in AUTH_FACTORS:
                raise fc.error(str(factor), "unknown authentication factor")
            factor_categories[str(factor)] = fc.text(str(factor))

    capabilities: dict[str, Mapping[str, str]] = {}
    caps = top.sub("capabilities", required=False)
    for cap in caps.data:
        if cap not in CAPABILITIES:
            raise caps.error(str(cap), f"unknown capability (known: {', '.join(CAPABILITIES)})")
        capabilities[str(cap)] = caps.sub(str(cap)).texts("label")

    measure_labels: dict[str, Mapping[str, str]] = {}
    ms = top.sub("measures", required=False)
    for measure in ms.data:
        if measure not in MEASURES:
            raise ms.error(str(measure), "unknown measure")
        measure_labels[str(measure)] = ms.texts(str(measure))

    models: dict[str, ModelProfile] = {}
    mods = top.sub("models")
    for kind in mods.data:
        if kind not in MODEL_KINDS:
            raise mods.error(str(kind), f"unknown model kind (known: {', '.join(MODEL_KINDS)})")
        models[str(kind)] = _profile(
            str(kind), _Reader(mods.data[kind], rule=f"models.{kind}", source=source)
        )

    rules: list[Rule] = []
    seen: set[str] = set()
    raw_rules = top.raw("rules")
    if not isinstance(raw_rules, list):
        raise top.error("rules", "expected a list")
    for i, item in enumerate(raw_rules):
        rid = item.get("id") if isinstance(item, Mapping) else None
        if not isinstance(rid, str) or not rid.strip():
            raise RuleSetError("missing", rule=f"rules[{i}]", key="id", source=source)
        rid = rid.strip()
        if rid in seen:
            raise RuleSetError("duplicate rule id", rule=rid, key="id", source=source)
        seen.add(rid)
        rules.append(_rule(_Reader(item, rule=rid, source=source), sources, edition))

    return RuleSet(
        edition=edition,
        title=top.texts("title"),
        published=top.date("published", required=True) or dt.date.min,
        sources=tuple(sources.values()),
        rules=tuple(rules),
        models=models,
        capabilities=capabilities,
        measure_labels=measure_labels,
        factor_categories=factor_categories,
        source=source,
    )


# ------------------------------------------------------------------------------ loading


def _rules_dir() -> Any:
    return resources.files(__package__).joinpath("rules")


@functools.lru_cache(maxsize=8)
def _load_packaged(edition: str) -> RuleSet:
    ref = _rules_dir().joinpath(f"{edition}.yaml")
    if not ref.is_file():
        raise RuleSetError(
            f"no packaged edition {edition!r} (known: {', '.join(list_editions())})",
            key="edition",
        )
    return ruleset_from_dict(
        yaml.safe_load(ref.read_text(encoding="utf-8")), source=f"{edition}.yaml"
    )


def load_ruleset(path: str | Path | None = None, *, edition: str = DEFAULT_EDITION) -> RuleSet:
    """The rule set in ``path``, or the packaged file of ``edition`` (cached)."""
    if path is None:
        return _load_packaged(edition)
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RuleSetError(f"not valid YAML: {exc}", source=str(p)) from exc
    return ruleset_from_dict(data, source=str(p))


def list_editions() -> list[str]:
    """Packaged edition ids, newest (by ``published``) first."""
    names = sorted(
        entry.name.removesuffix(".yaml")
        for entry in _rules_dir().iterdir()
        if entry.name.endswith(".yaml")
    )
    return sorted(names, key=lambda e: (_load_packaged(e).published, e), reverse=True)
