"""Gateway reads, scoped to the actor.

Municipal users see their own organisation's requests, section and artifacts, plus the shared
policy; Tokyo operators and auditors see everything.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from tsunagu.core.errors import Conflict, NotFound, PermissionDenied
from tsunagu.core.models import Organization
from tsunagu.core.permissions import Actor, can
from tsunagu.core.roles import Cap
from tsunagu.engines.policy import model as m

from . import adapters
from .models import (
    SHARED_KEY,
    Artifact,
    CatalogService,
    ChangeRequest,
    ChangeState,
    GatewayState,
    PolicyVersion,
    Recertification,
    RiskClass,
)

TOKYO_CODE = "130001"


def tokyo_org() -> Organization:
    return Organization.objects.get(code=TOKYO_CODE)


def _require_view(actor: Actor) -> None:
    if not (can(actor, Cap.GATEWAY_VIEW_OWN) or can(actor, Cap.GATEWAY_VIEW_ANY)):
        raise PermissionDenied()


def sees_all(actor: Actor) -> bool:
    return can(actor, Cap.GATEWAY_VIEW_ANY)


def visible_sections(actor: Actor) -> set[str] | None:
    """Manifest keys the actor may read (None: all of them)."""
    _require_view(actor)
    if sees_all(actor):
        return None
    org = Organization.objects.filter(pk=actor.organization_id).values_list("code", flat=True)
    return {SHARED_KEY, *org}


def active_version() -> PolicyVersion | None:
    state = GatewayState.objects.select_related("active_version").filter(pk=1).first()
    return state.active_version if state else None


def active_snapshot() -> m.PolicySnapshot:
    """The policy the gateway runs now (internal: callers are services and scoped selectors)."""
    version = active_version()
    if version is None:
        raise Conflict(message="The gateway policy has not been initialised yet.")
    return adapters.snapshot_of(version)


def change_request_list(
    *,
    actor: Actor,
    state: str | None = None,
    kind: str | None = None,
    risk_class: str | None = None,
    organization: Organization | None = None,
    query: str | None = None,
) -> QuerySet[ChangeRequest]:
    _require_view(actor)
    qs = ChangeRequest.objects.select_related("organization", "requester", "catalog_service")
    if not sees_all(actor):
        qs = qs.filter(Q(organization_id=actor.organization_id) | Q(shared=True))
    if organization is not None:
        qs = qs.filter(organization=organization)
    if state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    if risk_class:
        qs = qs.filter(risk_class=risk_class)
    if query:
        q = query.strip()
        if q.upper().startswith("GW-") and q[3:].isdigit():
            qs = qs.filter(pk=int(q[3:]))
        else:
            qs = qs.filter(Q(title__icontains=q) | Q(justification__icontains=q))
    return qs.order_by("-created_at", "-id")


def change_request_get(*, actor: Actor, pk: int) -> ChangeRequest:
    """One request; another municipality's request is as missing as a missing one."""
    req = change_request_list(actor=actor).filter(pk=pk).first()
    if req is None:
        raise NotFound()
    return req


def review_queue(*, actor: Actor) -> list[ChangeRequest]:
    """Requests awaiting a 都 reviewer, most urgent (closest to their SLA) first."""
    if not can(actor, Cap.GATEWAY_REVIEW):
        raise PermissionDenied()
    qs = (
        ChangeRequest.objects.filter(state=ChangeState.VERIFIED)
        .select_related("organization", "requester")
        .prefetch_related("approvals")
    )
    items = list(qs)
    items.sort(key=lambda r: sla_due(r) or timezone.now())
    return items


def sla_minutes(risk_class: str) -> int | None:
    value = settings.GATEWAY_SLA_MINUTES.get(risk_class)
    return int(value) if value is not None else None


def sla_due(req: ChangeRequest) -> dt.datetime | None:
    minutes = sla_minutes(req.risk_class)
    if minutes is None or req.submitted_at is None:
        return None
    return req.submitted_at + dt.timedelta(minutes=minutes)


def catalog_list(*, actor: Actor, category: str | None = None) -> QuerySet[CatalogService]:
    _require_view(actor)
    qs = CatalogService.objects.all()
    if category:
        qs = qs.filter(category=category)
    return qs.order_by("category", "name")


def catalog_get(*, actor: Actor, slug: str) -> CatalogService:
    _require_view(actor)
    svc = CatalogService.objects.filter(slug=slug).first()
    if svc is None:
        raise NotFound()
    return svc


ADOPTED_STATES = (
    ChangeState.SUBMITTED,
    ChangeState.VERIFIED,
    ChangeState.APPROVED,
    ChangeState.SCHEDULED,
    ChangeState.APPLIED,
    ChangeState.CLOSED,
)
"""A catalog service counts as adopted (or asked for) by an organisation in these states."""


def catalog_adopted_slugs(*, actor: Actor) -> set[str]:
    """Slugs of the catalog services the actor's organisation has (or has asked for)."""
    return set(
        ChangeRequest.objects.filter(
            organization_id=actor.organization_id,
            catalog_service__isnull=False,
            state__in=ADOPTED_STATES,
        ).values_list("catalog_service__slug", flat=True)
    )


def catalog_adopted_by(*, actor: Actor, service: CatalogService) -> bool:
    """Whether the actor's organisation already has (or asked for) this service."""
    return service.slug in catalog_adopted_slugs(actor=actor)


def version_list(*, actor: Actor) -> QuerySet[PolicyVersion]:
    _require_view(actor)
    return PolicyVersion.objects.select_related("created_by").order_by("-number")


def version_get(*, actor: Actor, number: int) -> PolicyVersion:
    _require_view(actor)
    version = PolicyVersion.objects.filter(number=number).first()
    if version is None:
        raise NotFound()
    return version


def version_changed_sections(*, actor: Actor, version: PolicyVersion) -> list[str]:
    allowed = visible_sections(actor)
    return [s for s in version.changed_sections if allowed is None or s in allowed]


@dataclass(frozen=True)
class SectionDiff:
    key: str
    rules_added: list[m.FirewallRule]
    rules_removed: list[m.FirewallRule]
    domains_added: list[m.DomainEntry]
    domains_removed: list[m.DomainEntry]
    mail_before: m.MailRelay | None
    mail_after: m.MailRelay | None


def version_diff(*, actor: Actor, old: PolicyVersion, new: PolicyVersion) -> list[SectionDiff]:
    """Per visible section: rules and domain entries added and removed between two versions."""
    allowed = visible_sections(actor)
    keys = sorted(set(old.manifest) | set(new.manifest))
    out: list[SectionDiff] = []
    for key in keys:
        if allowed is not None and key not in allowed:
            continue
        if old.manifest.get(key) == new.manifest.get(key):
            continue
        a = adapters._section_from_blob(old.manifest[key]) if key in old.manifest else None
        b = adapters._section_from_blob(new.manifest[key]) if key in new.manifest else None
        a_rules = {r.uid: r for r in ((*a.rules, *a.post_rules) if a else ())}
        b_rules = {r.uid: r for r in ((*b.rules, *b.post_rules) if b else ())}
        a_dom = {d.uid: d for d in (a.domains if a else ())}
        b_dom = {d.uid: d for d in (b.domains if b else ())}
        out.append(
            SectionDiff(
                key=key,
                rules_added=[r for u, r in b_rules.items() if a_rules.get(u) != r],
                rules_removed=[r for u, r in a_rules.items() if b_rules.get(u) != r],
                domains_added=[d for u, d in b_dom.items() if a_dom.get(u) != d],
                domains_removed=[d for u, d in a_dom.items() if b_dom.get(u) != d],
                mail_before=a.mail if a and b and a.mail != b.mail else None,
                mail_after=b.mail if a and b and a.mail != b.mail else None,
            )
        )
    return out


def artifact_list(*, actor: Actor, version: PolicyVersion) -> QuerySet[Artifact]:
    allowed = visible_sections(actor)
    qs = version.artifacts.select_related("blob").order_by("path")
    if allowed is not None:
        qs = qs.filter(section__in=allowed)
    return qs


def artifact_get(*, actor: Actor, version: PolicyVersion, path: str) -> Artifact:
    art = artifact_list(actor=actor, version=version).filter(path=path).first()
    if art is None:
        raise NotFound()
    return art


def section_get(*, actor: Actor, organization: Organization) -> m.Section:
    """An organisation's active section (own organisation, or any for Tokyo roles)."""
    allowed = visible_sections(actor)
    if allowed is not None and organization.code not in allowed:
        raise NotFound()
    snapshot = active_snapshot()
    if organization.code not in snapshot.orgs:
        raise NotFound()
    return snapshot.orgs[organization.code]


def recertification_list(*, actor: Actor, pending_only: bool = True) -> QuerySet[Recertification]:
    _require_view(actor)
    qs = Recertification.objects.select_related("organization")
    if not sees_all(actor):
        qs = qs.filter(organization_id=actor.organization_id)
    if pending_only:
        qs = qs.filter(decision=Recertification.Decision.PENDING)
    return qs


def recertification_get(*, actor: Actor, pk: int) -> Recertification:
    rec = recertification_list(actor=actor, pending_only=False).filter(pk=pk).first()
    if rec is None:
        raise NotFound()
    return rec


# --------------------------------------------------------------------------- lead times


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def legacy_applied_at(submitted: dt.datetime) -> dt.datetime:
    """When the quarterly-batch practice would have applied a request submitted at ``submitted``.

    Batches go out on ``GATEWAY_LEGACY_BATCH_DAY`` of the months in
    ``GATEWAY_LEGACY_BATCH_MONTHS``; a request must be in ``GATEWAY_LEGACY_CUTOFF_DAYS`` before.
    """
    months = sorted(settings.GATEWAY_LEGACY_BATCH_MONTHS)
    day = settings.GATEWAY_LEGACY_BATCH_DAY
    cutoff = dt.timedelta(days=settings.GATEWAY_LEGACY_CUTOFF_DAYS)
    local = timezone.localtime(submitted)
    for year in (local.year, local.year + 1, local.year + 2):
        for month in months:
            batch = local.replace(year=year, month=month, day=day, hour=9, minute=0, second=0)
            if batch - cutoff >= local:
                return batch
    raise AssertionError("no batch found within two years")


@dataclass(frozen=True)
class ClassStats:
    risk_class: str
    count: int
    p50_minutes: float | None
    p90_minutes: float | None
    on_time_rate: float | None
    target_minutes: int | None


@dataclass(frozen=True)
class LeadTimes:
    classes: list[ClassStats]
    weekly: list[tuple[dt.date, float, int]]  # week start, median minutes, count
    continuous_p50_days: float | None
    continuous_p90_days: float | None
    legacy_p50_days: float | None
    legacy_p90_days: float | None
    total: int


def lead_times(*, actor: Actor, organization: Organization | None = None) -> LeadTimes:
    """Submitted → applied, per class, with on-time rates, a weekly series and the same history
    replayed under the legacy quarterly-batch practice."""
    _require_view(actor)
    qs = ChangeRequest.objects.filter(applied_at__isnull=False, submitted_at__isnull=False)
    if not sees_all(actor):
        organization = Organization.objects.get(pk=actor.organization_id)
    if organization is not None:
        qs = qs.filter(organization=organization)
    rows: list[tuple[str, dt.datetime, dt.datetime]] = [
        (c, s, a)
        for c, s, a in qs.values_list("risk_class", "submitted_at", "applied_at")
        if s is not None and a is not None
    ]
    classes: list[ClassStats] = []
    for rc in (RiskClass.STANDARD, RiskClass.NORMAL, RiskClass.MAJOR):
        mins = sorted((a - s).total_seconds() / 60 for c, s, a in rows if c == rc)
        target = sla_minutes(rc)
        on_time = (
            sum(1 for x in mins if target is not None and x <= target) / len(mins)
            if mins and target is not None
            else None
        )
        classes.append(ClassStats(rc, len(mins), _pct(mins, 50), _pct(mins, 90), on_time, target))
    weeks: dict[dt.date, list[float]] = {}
    for _c, s, a in rows:
        local = timezone.localdate(s)
        week = local - dt.timedelta(days=local.weekday())
        weeks.setdefault(week, []).append((a - s).total_seconds() / 60)
    weekly = [(w, statistics.median(v), len(v)) for w, v in sorted(weeks.items())]
    cont = sorted((a - s).total_seconds() / 86400 for _c, s, a in rows)
    legacy = sorted((legacy_applied_at(s) - s).total_seconds() / 86400 for _c, s, _a in rows)
    return LeadTimes(
        classes=classes,
        weekly=weekly,
        continuous_p50_days=_pct(cont, 50),
        continuous_p90_days=_pct(cont, 90),
        legacy_p50_days=_pct(legacy, 50),
        legacy_p90_days=_pct(legacy, 90),
        total=len(rows),
    )


def policy_reach(*, actor: Actor, organization: Organization) -> dict[str, Any]:
    """What each zone of an organisation may reach, and by which rule: the policy viewer."""
    section = section_get(actor=actor, organization=organization)
    snapshot = active_snapshot()
    zones = sorted({b.zone for b in section.address_plan})
    # "internet" as a source is the outside world (inbound rules), not the internet segment.
    by_zone: dict[str, list[tuple[str, m.FirewallRule]]] = {z: [] for z in zones}
    by_zone["internet_external"] = []
    for key, rule in snapshot.ordered_rules():
        if key not in (m.SHARED, organization.code):
            continue
        for zone in by_zone:
            wanted = "internet" if zone == "internet_external" else f"zone:{zone}"
            if wanted in rule.sources or "any" in rule.sources:
                by_zone[zone].append((adapters.section_key(key), rule))
    domains = [("shared", d) for d in snapshot.shared.domains] + [
        (organization.code, d) for d in section.domains
    ]
    return {
        "section": section,
        "zones": by_zone,
        "domains": domains,
        "category_blocks": sorted(snapshot.shared.category_blocks | section.category_blocks),
        "mail": section.mail,
        "address_plan": section.address_plan,
    }
