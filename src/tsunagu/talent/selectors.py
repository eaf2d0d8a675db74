"""Talent reads, scoped to the actor.

* A municipality sees its own requests, proposals, visits, ledger and DX leaders; the pool's
  public profiles, the shared artifacts and the service metrics are for everyone.
* An expert sees the offers made to them and their own assignments and visits.
* Tokyo (coordinators, administrators) and auditors see everything.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from tsunagu.core.errors import NotFound, PermissionDenied
from tsunagu.core.models import Organization
from tsunagu.core.permissions import Actor, can
from tsunagu.core.roles import Cap

from . import adapters
from .models import (
    ArtifactReuse,
    Assignment,
    DxLeader,
    Expert,
    KnowledgeArtifact,
    LedgerEntry,
    MatchingRun,
    Proposal,
    RequestSkill,
    SupportRequest,
    Visit,
)


def sees_all(actor: Actor) -> bool:
    return can(actor, Cap.TALENT_VIEW_ANY)


def is_coordinator(actor: Actor) -> bool:
    return can(actor, Cap.TALENT_COORDINATE)


def _require_any(actor: Actor) -> None:
    if not (sees_all(actor) or can(actor, Cap.TALENT_REQUEST_OWN) or can(actor, Cap.TALENT_EXPERT)):
        raise PermissionDenied()


def expert_of(actor: Actor) -> Expert | None:
    if not can(actor, Cap.TALENT_EXPERT):
        return None
    return Expert.objects.filter(user_id=actor.pk).first()


# --------------------------------------------------------------------------- pool


def expert_list(*, actor: Actor, skill: str | None = None) -> QuerySet[Expert]:
    """The pool's public profiles (everyone signed in may browse them)."""
    _require_any(actor)
    qs = Expert.objects.filter(active=True).prefetch_related("skills")
    if skill:
        qs = qs.filter(skills__skill=skill).distinct()
    return qs.order_by("name")


def expert_get(*, actor: Actor, pk: int) -> Expert:
    _require_any(actor)
    expert = Expert.objects.prefetch_related("skills", "blackouts").filter(pk=pk).first()
    if expert is None or (not expert.active and not sees_all(actor)):
        raise NotFound()
    return expert


# --------------------------------------------------------------------------- requests


def request_list(*, actor: Actor, state: str | None = None) -> QuerySet[SupportRequest]:
    _require_any(actor)
    qs = SupportRequest.objects.select_related("organization").prefetch_related("skills")
    if not sees_all(actor):
        qs = qs.filter(organization_id=actor.organization_id)
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-created_at")


def request_get(*, actor: Actor, pk: int) -> SupportRequest:
    """One request: its municipality, Tokyo, or the expert offered or assigned to it."""
    _require_any(actor)
    req = (
        SupportRequest.objects.select_related(
            "organization", "preferred_expert", "dx_leader", "locked_expert", "created_by"
        )
        .prefetch_related("skills", "excluded_experts")
        .filter(pk=pk)
        .first()
    )
    if req is None:
        raise NotFound()
    if sees_all(actor) or req.organization_id == actor.organization_id:
        return req
    expert = expert_of(actor)
    if expert is not None and (
        Proposal.objects.filter(
            request=req,
            expert=expert,
            state__in=[Proposal.State.OFFERED, Proposal.State.ACCEPTED],
        ).exists()
    ):
        return req
    raise NotFound()


def proposals_of(*, actor: Actor, request: SupportRequest) -> list[Proposal]:
    request_get(actor=actor, pk=request.pk)
    qs = Proposal.objects.select_related("expert").prefetch_related("expert__skills")
    qs = qs.filter(request=request).exclude(state=Proposal.State.WITHDRAWN)
    expert = expert_of(actor)
    if (
        expert is not None
        and not sees_all(actor)
        and request.organization_id != actor.organization_id
    ):
        qs = qs.filter(expert=expert)
    return list(qs.order_by("rank", "-best", "-score"))


def assignment_current(*, actor: Actor, request: SupportRequest) -> Assignment | None:
    request_get(actor=actor, pk=request.pk)
    return (
        Assignment.objects.select_related("expert")
        .filter(request=request, ended_on__isnull=True)
        .first()
    )


def visits_of(*, actor: Actor, request: SupportRequest) -> list[Visit]:
    request_get(actor=actor, pk=request.pk)
    return list(
        Visit.objects.select_related("assignment__expert")
        .prefetch_related("artifacts")
        .filter(assignment__request=request)
        .order_by("date")
    )


def visit_get(*, actor: Actor, pk: int) -> Visit:
    _require_any(actor)
    v = (
        Visit.objects.select_related("assignment__expert", "assignment__request__organization")
        .filter(pk=pk)
        .first()
    )
    if v is None:
        raise NotFound()
    if sees_all(actor) or v.assignment.request.organization_id == actor.organization_id:
        return v
    if v.assignment.expert.user_id == actor.pk:
        return v
    raise NotFound()


def offers_for(*, actor: Actor) -> list[Proposal]:
    """Offers waiting for this expert's answer, and their recent answers."""
    expert = expert_of(actor)
    if expert is None:
        raise PermissionDenied()
    return list(
        Proposal.objects.select_related("request__organization")
        .prefetch_related("request__skills")
        .filter(expert=expert)
        .exclude(state__in=[Proposal.State.PROPOSED, Proposal.State.WITHDRAWN])
        .order_by("-offered_at")[:50]
    )


def expert_assignments(*, actor: Actor) -> list[Assignment]:
    expert = expert_of(actor)
    if expert is None:
        raise PermissionDenied()
    return list(
        Assignment.objects.select_related("request__organization")
        .prefetch_related(Prefetch("visits", queryset=Visit.objects.order_by("date")))
        .filter(expert=expert, ended_on__isnull=True)
    )


def runs(*, actor: Actor) -> QuerySet[MatchingRun]:
    if not sees_all(actor):
        raise PermissionDenied()
    return MatchingRun.objects.defer("result").order_by("-created_at")


def run_get(*, actor: Actor, pk: int) -> MatchingRun:
    if not sees_all(actor):
        raise NotFound()
    run = MatchingRun.objects.filter(pk=pk).first()
    if run is None:
        raise NotFound()
    return run


# --------------------------------------------------------------------------- know-how


def artifacts(*, actor: Actor) -> QuerySet[KnowledgeArtifact]:
    """Shared artifacts of every municipality, plus the actor's own unshared ones."""
    _require_any(actor)
    qs = KnowledgeArtifact.objects.select_related("organization", "expert").prefetch_related(
        "reuses__organization"
    )
    if not sees_all(actor):
        qs = qs.filter(Q(shared=True) | Q(organization_id=actor.organization_id))
    return qs.order_by("-created_at")


def artifact_get(*, actor: Actor, pk: int) -> KnowledgeArtifact:
    art = artifacts(actor=actor).filter(pk=pk).first()
    if art is None:
        raise NotFound()
    return art


@dataclass
class SpreadGraph:
    """Organisations linked through experts (visits) and through reused artifacts."""

    orgs: dict[str, str] = field(default_factory=dict)  # code -> name
    experts: dict[int, str] = field(default_factory=dict)
    visits: Counter[tuple[int, str]] = field(default_factory=Counter)  # (expert, org) -> n
    reuses: Counter[tuple[str, str]] = field(default_factory=Counter)  # (origin, reuser) -> n


def spread_graph(*, actor: Actor) -> SpreadGraph:
    """The know-how spread graph (public: organisation names and expert names only)."""
    _require_any(actor)
    g = SpreadGraph()
    for exp_id, exp_name, code, name in Visit.objects.filter(
        state=Visit.State.REPORTED
    ).values_list(
        "assignment__expert_id",
        "assignment__expert__name",
        "assignment__request__organization__code",
        "assignment__request__organization__name",
    ):
        g.experts[exp_id] = exp_name
        g.orgs[code] = name
        g.visits[(exp_id, code)] += 1
    for origin, origin_name, reuser, reuser_name in ArtifactReuse.objects.filter(
        artifact__shared=True
    ).values_list(
        "artifact__organization__code",
        "artifact__organization__name",
        "organization__code",
        "organization__name",
    ):
        g.orgs[origin] = origin_name
        g.orgs[reuser] = reuser_name
        g.reuses[(origin, reuser)] += 1
    return g


# --------------------------------------------------------------------------- ledger


def statement(*, actor: Actor, organization: Organization, month: dt.date) -> list[LedgerEntry]:
    """One organisation's ledger entries of one month (own organisation, or Tokyo)."""
    _require_any(actor)
    if not sees_all(actor) and organization.pk != actor.organization_id:
        raise NotFound()
    month = month.replace(day=1)
    return list(
        LedgerEntry.objects.select_related("visit")
        .filter(organization=organization, month=month)
        .order_by("kind", "visit__date", "pk")
    )


def statement_months(*, actor: Actor, organization: Organization) -> list[dt.date]:
    _require_any(actor)
    if not sees_all(actor) and organization.pk != actor.organization_id:
        raise NotFound()
    return list(
        LedgerEntry.objects.filter(organization=organization)
        .values_list("month", flat=True)
        .distinct()
        .order_by("-month")
    )


def statement_totals(*, actor: Actor, month: dt.date) -> list[tuple[str, str, int]]:
    """Every organisation's total of one month (Tokyo only)."""
    if not sees_all(actor):
        raise PermissionDenied()
    rows = (
        LedgerEntry.objects.filter(month=month.replace(day=1))
        .values("organization__code", "organization__name")
        .annotate(total=Sum("amount"))
        .order_by("organization__code")
    )
    return [(r["organization__code"], r["organization__name"], int(r["total"])) for r in rows]


# --------------------------------------------------------------------------- DX leaders


def leaders(*, actor: Actor, organization: Organization) -> list[DxLeader]:
    _require_any(actor)
    if not sees_all(actor) and organization.pk != actor.organization_id:
        raise NotFound()
    return list(
        DxLeader.objects.filter(organization=organization).prefetch_related(
            "trainings", "competencies__expert"
        )
    )


def leader_get(*, actor: Actor, pk: int) -> DxLeader:
    _require_any(actor)
    leader = DxLeader.objects.select_related("organization").filter(pk=pk).first()
    if leader is None or (not sees_all(actor) and leader.organization_id != actor.organization_id):
        raise NotFound()
    return leader


def retention(leaders_: list[DxLeader], *, today: dt.date) -> dict[str, Any]:
    """How many appointed leaders are still in post, and the one-year retention."""
    total = len(leaders_)
    staying = sum(1 for lead in leaders_ if lead.left_on is None)
    year_ago = today - dt.timedelta(days=365)
    cohort = [lead for lead in leaders_ if lead.appointed_on <= year_ago]
    kept = [
        lead
        for lead in cohort
        if lead.left_on is None or lead.left_on >= lead.appointed_on + dt.timedelta(days=365)
    ]
    return {
        "total": total,
        "in_post": staying,
        "left": total - staying,
        "one_year_retention": (len(kept) / len(cohort)) if cohort else None,
        "trained": sum(1 for lead in leaders_ if lead.trainings.all()),
        "confirmed": sum(1 for lead in leaders_ if lead.competencies.all()),
    }


# --------------------------------------------------------------------------- metrics


@dataclass
class Metrics:
    days_to_proposal: float | None
    days_to_first_visit: float | None
    utilisation: list[tuple[str, float]]  # expert name -> share of capacity used (3 months)
    utilisation_median: float | None
    continuity: float | None  # share of visits by the project's previous expert
    backlog: list[tuple[str, int]]  # skill -> open requests
    satisfaction: float | None
    satisfaction_n: int
    requests: int
    visits: int
    by_month: list[tuple[str, int]] = field(default_factory=list)  # visits per month


def service_metrics(*, actor: Actor, today: dt.date | None = None) -> Metrics:
    """The service's own figures, published to every signed-in user."""
    _require_any(actor)
    today = today or timezone.localdate()
    reqs = list(
        SupportRequest.objects.exclude(state=SupportRequest.State.DRAFT).values(
            "submitted_at", "proposed_at", "first_visit_on", "satisfaction"
        )
    )
    to_prop = [
        (r["proposed_at"] - r["submitted_at"]).total_seconds() / 86400
        for r in reqs
        if r["proposed_at"] and r["submitted_at"]
    ]
    to_visit = [
        (r["first_visit_on"] - timezone.localdate(r["submitted_at"])).days
        for r in reqs
        if r["first_visit_on"] and r["submitted_at"]
    ]
    sats = [r["satisfaction"] for r in reqs if r["satisfaction"]]
    since = (today.replace(day=1) - dt.timedelta(days=62)).replace(day=1)
    used = Counter(
        Visit.objects.filter(date__gte=since, date__lte=today)
        .exclude(state=Visit.State.CANCELLED)
        .values_list("assignment__expert_id", flat=True)
    )
    months = 3
    util = []
    for e in Expert.objects.filter(active=True).only("pk", "name", "capacity"):
        if e.capacity:
            util.append((e.name, used.get(e.pk, 0) / (e.capacity * months)))
    util.sort(key=lambda x: -x[1])
    # Continuity: a visit continues when the project's previous visit had the same expert.
    last: dict[int, int] = {}
    same = total = 0
    for req_id, exp_id in (
        Visit.objects.exclude(state=Visit.State.CANCELLED)
        .order_by("assignment__request_id", "date")
        .values_list("assignment__request_id", "assignment__expert_id")
    ):
        if req_id in last:
            total += 1
            same += int(last[req_id] == exp_id)
        last[req_id] = exp_id
    backlog = Counter(
        RequestSkill.objects.filter(request__state__in=adapters.OPEN_STATES).values_list(
            "skill", flat=True
        )
    )
    by_month: dict[str, int] = defaultdict(int)
    for d in Visit.objects.exclude(state=Visit.State.CANCELLED).values_list("date", flat=True):
        by_month[f"{d:%Y-%m}"] += 1
    return Metrics(
        days_to_proposal=statistics.median(to_prop) if to_prop else None,
        days_to_first_visit=statistics.median(to_visit) if to_visit else None,
        utilisation=util,
        utilisation_median=statistics.median([u for _n, u in util]) if util else None,
        continuity=(same / total) if total else None,
        backlog=backlog.most_common(),
        satisfaction=statistics.mean(sats) if sats else None,
        satisfaction_n=len(sats),
        requests=len(reqs),
        visits=sum(by_month.values()),
        by_month=sorted(by_month.items())[-24:],
    )


def statement_export_get(*, actor: Actor, pk: int) -> Any:
    from .models import StatementExport

    _require_any(actor)
    export = StatementExport.objects.select_related("organization").filter(pk=pk).first()
    if export is None or (not sees_all(actor) and export.organization_id != actor.organization_id):
        raise NotFound()
    return export
