"""The bridge between stored network models and the compliance engine.

* The address section of every model is the gateway's address plan (active policy version):
  :func:`engine_document` fills each zone's prefixes from it, and adds the plan's zones the
  document does not mention yet, so the two can never disagree.
* :func:`gateway_facts` and :func:`catalog_services` hand the what-if engine what the gateway
  already allows for an organisation.
* :func:`issue_text` words the parser's consistency issues in the user's language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from tsunagu.core.models import Organization
from tsunagu.engines.compliance import model as cm
from tsunagu.engines.compliance.evaluate import evaluate
from tsunagu.engines.compliance.findings import Assessment
from tsunagu.engines.compliance.rules import RuleSet, load_ruleset
from tsunagu.engines.compliance.whatif import (
    DomainEntryFacts,
    GatewayFacts,
    ServiceFacts,
)

PLAN_ZONE_KINDS = {k: k for k in cm.ZONE_KINDS}


@lru_cache(maxsize=4)
def _ruleset(path: str, edition: str) -> RuleSet:
    if path:
        return load_ruleset(path)
    return load_ruleset(edition=edition) if edition else load_ruleset()


def ruleset() -> RuleSet:
    """The rule set in force: ``NETWORK_RULES_FILE`` if set, else the packaged edition."""
    return _ruleset(
        getattr(settings, "NETWORK_RULES_FILE", "") or "",
        getattr(settings, "NETWORK_RULES_EDITION", "") or "",
    )


# --------------------------------------------------------------------------- address plan


def address_plan(code: str) -> dict[str, list[str]]:
    """Zone -> prefixes of an organisation in the active gateway policy ({} before the
    gateway is initialised)."""
    from tsunagu.gateway import adapters as gw_adapters
    from tsunagu.gateway.models import GatewayState

    state = GatewayState.objects.select_related("active_version").filter(pk=1).first()
    if state is None or state.active_version is None:
        return {}
    snapshot = gw_adapters.snapshot_of(state.active_version)
    section = snapshot.orgs.get(code)
    if section is None:
        return {}
    return plan_of(section.address_plan)


def plan_of(blocks: Sequence[Any]) -> dict[str, list[str]]:
    plan: dict[str, list[str]] = {}
    for block in blocks:
        plan.setdefault(str(block.zone), []).append(str(block.prefix))
    return plan


def engine_document(doc: Mapping[str, Any], plan: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """The document with the address plan as its address section.

    Prefixes typed into the document are ignored: the gateway plan is the one source. Zones of
    the plan the document lacks are added (kind from the zone name, or ``custom``).
    """
    out = dict(doc) if isinstance(doc, Mapping) else {}
    zones_in = out.get("zones")
    zones: list[Any] = list(zones_in) if isinstance(zones_in, list) else []
    seen: set[str] = set()
    merged: list[Any] = []
    for z in zones:
        if isinstance(z, Mapping):
            zid = str(z.get("id") or "").strip()
            seen.add(zid)
            z = dict(z)
            z["prefixes"] = list(plan.get(zid, ()))
        merged.append(z)
    for zid in sorted(plan):
        if zid not in seen and zid not in cm.EXTERNALS:
            merged.append(
                {
                    "id": zid,
                    "kind": PLAN_ZONE_KINDS.get(zid, "custom"),
                    "label": zid,
                    "prefixes": list(plan[zid]),
                }
            )
    out["zones"] = merged
    return out


def stored_document(model: cm.NetworkModel) -> dict[str, Any]:
    """What is stored: the canonical document without the (gateway-owned) prefixes."""
    doc = cm.model_to_dict(model)
    for z in doc["zones"]:
        z.pop("prefixes", None)
    return doc


def parse(doc: Mapping[str, Any], *, org: str, plan: Mapping[str, Sequence[str]]) -> cm.ParseResult:
    return cm.parse_model(engine_document(doc, plan), org=org)


def assess(
    doc: Mapping[str, Any],
    *,
    org: str,
    plan: Mapping[str, Sequence[str]],
    today: dt.date,
    rules: RuleSet | None = None,
) -> tuple[cm.NetworkModel, Assessment]:
    parsed = parse(doc, org=org, plan=plan)
    result = evaluate(parsed.model, rules or ruleset(), today=today, issues=parsed.issues)
    return parsed.model, result


def assess_network(
    network: Any, *, today: dt.date, draft: bool = False
) -> tuple[cm.NetworkModel, Assessment]:
    """A network model row (published document, or its draft) on its gateway address plan."""
    code = network.organization.code
    doc = network.draft if draft and network.draft is not None else network.document
    return assess(doc, org=code, plan=address_plan(code), today=today)


# --------------------------------------------------------------------------- gateway facts


def catalog_services(slugs: Sequence[str] | None = None) -> list[ServiceFacts]:
    from tsunagu.gateway.models import CatalogService

    qs = CatalogService.objects.order_by("category", "name")
    if slugs is not None:
        qs = qs.filter(slug__in=list(slugs))
    return [
        ServiceFacts(
            slug=s.slug,
            name=s.name,
            category=s.category,
            domains=tuple(str(d) for d in s.domains or ()),
            upload_capable=s.upload_capable,
        )
        for s in qs
    ]


def gateway_facts(organization: Organization) -> GatewayFacts:
    """What the gateway already allows this organisation (internal: callers are scoped)."""
    from tsunagu.gateway import adapters as gw_adapters
    from tsunagu.gateway.models import ChangeRequest, GatewayState
    from tsunagu.gateway.selectors import ADOPTED_STATES

    adopted = frozenset(
        ChangeRequest.objects.filter(
            organization=organization,
            catalog_service__isnull=False,
            state__in=ADOPTED_STATES,
        ).values_list("catalog_service__slug", flat=True)
    )
    state = GatewayState.objects.select_related("active_version").filter(pk=1).first()
    entries: tuple[DomainEntryFacts, ...] = ()
    inbound = False
    if state is not None and state.active_version is not None:
        section = gw_adapters.snapshot_of(state.active_version).orgs.get(organization.code)
        if section is not None:
            entries = tuple(
                DomainEntryFacts(uid=d.uid, pattern=d.pattern, service=d.service)
                for d in section.domains
                if d.kind == "allow"
            )
            inbound = any(r.direction == "inbound" for r in section.rules)
    return GatewayFacts(adopted=adopted, domain_entries=entries, has_inbound_publication=inbound)


# --------------------------------------------------------------------------- words


def issue_text(issue: Mapping[str, Any]) -> str:
    """A consistency issue (``Issue.to_dict()``) in the user's language."""
    code = str(issue.get("code", ""))
    p = dict(issue.get("params") or {})
    where = str(issue.get("path", ""))
    texts = {
        "unknown_zone": _("%(where)s refers to zone “%(value)s”, which does not exist."),
        "missing": _("%(where)s is empty: fill it in."),
        "duplicate_id": _("%(where)s repeats the id “%(value)s” (first used at %(first)s)."),
        "reserved_id": _("%(where)s: “%(value)s” is the name of an external network."),
        "bad_prefix": _("%(where)s: “%(value)s” is not an IPv4 prefix such as 10.1.0.0/16."),
        "prefix_in_two_zones": _(
            "Prefix %(prefix)s of zone %(zone)s overlaps %(other_prefix)s of zone %(other_zone)s."
        ),
        "self_loop": _("%(where)s goes from zone %(zone)s to itself."),
        "flow_cycle": _(
            "Flows connect these zones in a loop: %(zones)s (check that this is intended)."
        ),
        "unknown_value": _("%(where)s: “%(value)s” is not one of the allowed values."),
        "bad_number": _("%(where)s: “%(value)s” is not a whole number of 0 or more."),
        "not_a_list": _("%(where)s must be a list."),
        "not_an_object": _("%(where)s must be an object."),
    }
    template = texts.get(code, _("%(where)s: %(code)s"))
    values = {"where": where or _("The model"), "code": code, **p}
    if isinstance(values.get("zones"), list):
        values["zones"] = ", ".join(str(z) for z in values["zones"])
    try:
        return template % values
    except (KeyError, TypeError, ValueError):
        return f"{where}: {code}"


def sources_of(rules: RuleSet, lang: str) -> list[dict[str, str]]:
    """The rule set's sources, titles in ``lang``."""
    return [
        {
            "id": src.id,
            "title": src.title.get(lang) or src.title.get("ja", "") or src.id,
            "url": src.url,
            "note": src.note,
            "basis": src.basis,
        }
        for src in rules.sources
    ]


def ruleset_document(rules: RuleSet) -> dict[str, Any]:
    """The rule set as JSON (API)."""
    return {
        "edition": rules.edition,
        "title": dict(rules.title),
        "published": rules.published.isoformat(),
        "source_file": rules.source,
        "sources": [
            {"id": s.id, "title": dict(s.title), "url": s.url, "note": s.note, "basis": s.basis}
            for s in rules.sources
        ],
        "rules": [
            {
                "id": r.id,
                "type": r.type,
                "severity": r.severity,
                "title": dict(r.title),
                "fix": dict(r.fix),
                "source": dict(r.source),
                "applies_to": sorted(r.applies_to),
                "effective_from": r.effective_from.isoformat() if r.effective_from else None,
            }
            for r in rules.rules
        ],
    }
