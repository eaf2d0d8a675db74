"""API: the expert pool, requests and suggestions, matching runs, ranking, offers, visits and
reports, artifacts and reuse, statements, DX leaders, service metrics."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from tsunagu.core.api_support import ERRORS, api_actor, api_writer
from tsunagu.core.errors import NotFound
from tsunagu.core.models import Organization

from . import selectors, services
from .models import Expert, Proposal, SupportRequest

router = Router(tags=["talent"])


class TalentSkillOut(Schema):
    skill: str
    level: int
    confirmed: bool

    @staticmethod
    def resolve_confirmed(obj: Any) -> bool:
        return obj.confirmed_at is not None


class TalentExpertOut(Schema):
    id: int
    name: str
    headline: str
    area: str
    engagement: str
    onsite: bool
    online: bool
    capacity: int
    skills: list[TalentSkillOut]

    @staticmethod
    def resolve_skills(obj: Expert) -> list[Any]:
        return list(obj.skills.all())


class TalentRequestSkillIO(Schema):
    skill: str
    min_level: int = 2


class TalentRequestIn(Schema):
    title: str
    problem: str
    skills: list[TalentRequestSkillIO]
    visits_per_month: int = 1
    months: int = 6
    start_month: str  # YYYY-MM
    mode: str = "either"
    urgency: int = 2
    preferred_expert: int | None = None
    dx_leader: int | None = None
    submit: bool = True


class TalentRequestOut(Schema):
    id: int
    organization: str
    title: str
    problem: str
    state: str
    mode: str
    visits_per_month: int
    months: int
    start_month: dt.date
    urgency: int
    skills: list[TalentRequestSkillIO]
    diagnosis: Any
    created_at: dt.datetime
    proposed_at: dt.datetime | None
    matched_at: dt.datetime | None
    first_visit_on: dt.date | None

    @staticmethod
    def resolve_organization(obj: SupportRequest) -> str:
        return obj.organization.code

    @staticmethod
    def resolve_skills(obj: SupportRequest) -> list[Any]:
        return list(obj.skills.all())


class TalentSuggestIn(Schema):
    text: str


class TalentProposalOut(Schema):
    id: int
    request: int
    expert: int
    expert_name: str
    score: float
    breakdown: dict[str, float]
    best: bool
    rank: int | None
    state: str
    respond_by: dt.datetime | None

    @staticmethod
    def resolve_request(obj: Proposal) -> int:
        return obj.request_id

    @staticmethod
    def resolve_expert(obj: Proposal) -> int:
        return obj.expert_id

    @staticmethod
    def resolve_expert_name(obj: Proposal) -> str:
        return obj.expert.name


class TalentRankIn(Schema):
    order: list[int]


class TalentAnswerIn(Schema):
    accept: bool
    reason: str = ""


class TalentRunIn(Schema):
    month: str  # YYYY-MM
    time_limit_s: float = 10.0


class TalentRunOut(Schema):
    id: int
    status: str
    objective: float
    bound: float
    gap: float
    time_limited: bool
    solve_s: float
    requests: int
    experts: int
    result: dict[str, Any]


class TalentVisitIn(Schema):
    date: dt.date
    mode: str


class TalentVisitOut(Schema):
    id: int
    date: dt.date
    mode: str
    state: str
    report: str
    report_due: dt.date | None


class TalentArtifactIn(Schema):
    title: str
    kind: str = "document"
    skill: str = ""
    summary: str = ""


class TalentCompetencyIn(Schema):
    leader: int
    skill: str
    level: int


class TalentReportIn(Schema):
    report: str
    artifacts: list[TalentArtifactIn] = []
    competencies: list[TalentCompetencyIn] = []


class TalentArtifactOut(Schema):
    id: int
    title: str
    kind: str
    skill: str
    summary: str
    organization: str
    expert: str
    reused_by: list[str]

    @staticmethod
    def resolve_organization(obj: Any) -> str:
        return str(obj.organization.code)

    @staticmethod
    def resolve_expert(obj: Any) -> str:
        return str(obj.expert.name)

    @staticmethod
    def resolve_reused_by(obj: Any) -> list[str]:
        return [r.organization.code for r in obj.reuses.all()]


class TalentReuseIn(Schema):
    note: str = ""


class TalentLedgerOut(Schema):
    kind: str
    amount: int
    description: str
    tag: str
    visit: int | None

    @staticmethod
    def resolve_visit(obj: Any) -> int | None:
        return int(obj.visit_id) if obj.visit_id else None


class TalentStatementOut(Schema):
    organization: str
    month: str
    entries: list[TalentLedgerOut]
    total: int


class TalentLeaderIn(Schema):
    name: str
    department: str
    appointed_on: dt.date


class TalentLeaderOut(Schema):
    id: int
    name: str
    department: str
    appointed_on: dt.date
    left_on: dt.date | None


def _org(code: str) -> Organization:
    org = Organization.objects.filter(code=code).first()
    if org is None:
        raise NotFound()
    return org


@router.get("/experts", response={200: list[TalentExpertOut], **ERRORS}, summary="The expert pool")
def expert_list_api(request: HttpRequest, skill: str | None = None) -> Any:
    return list(selectors.expert_list(actor=api_actor(request), skill=skill))


@router.get("/experts/{expert_id}", response={200: TalentExpertOut, **ERRORS}, summary="One expert")
def expert_get_api(request: HttpRequest, expert_id: int) -> Any:
    return selectors.expert_get(actor=api_actor(request), pk=expert_id)


@router.get("/requests", response={200: list[TalentRequestOut], **ERRORS}, summary="Requests")
def request_list_api(request: HttpRequest, state: str | None = None) -> Any:
    return list(selectors.request_list(actor=api_actor(request), state=state)[:500])


@router.post("/requests", response={201: TalentRequestOut, **ERRORS}, summary="File a request")
def request_create_api(request: HttpRequest, payload: TalentRequestIn) -> Any:
    actor = api_writer(request)
    org = Organization.objects.get(pk=actor.organization_id)
    from .models import DxLeader

    req = services.support_request_create(
        actor=actor,
        organization=org,
        data=payload.dict(),
        skills=[(s.skill, s.min_level) for s in payload.skills],
        submit=payload.submit,
        preferred_expert=Expert.objects.filter(pk=payload.preferred_expert).first()
        if payload.preferred_expert
        else None,
        dx_leader=DxLeader.objects.filter(pk=payload.dx_leader).first()
        if payload.dx_leader
        else None,
    )
    return 201, req


@router.post(
    "/requests/suggest",
    response={200: dict[str, Any], **ERRORS},
    summary="Skills suggested from a problem text, and similar past requests",
)
def request_suggest_api(request: HttpRequest, payload: TalentSuggestIn) -> Any:
    from .suggest import suggestions_for

    actor = api_actor(request)
    selectors.request_list(actor=actor)  # permission
    return suggestions_for(actor=actor, text=payload.text[:20000], lang="ja")


@router.get(
    "/requests/{support_id}", response={200: TalentRequestOut, **ERRORS}, summary="One request"
)
def request_get_api(request: HttpRequest, support_id: int) -> Any:
    return selectors.request_get(actor=api_actor(request), pk=support_id)


@router.get(
    "/requests/{support_id}/proposals",
    response={200: list[TalentProposalOut], **ERRORS},
    summary="Candidates with the score breakdown",
)
def proposal_list_api(request: HttpRequest, support_id: int) -> Any:
    actor = api_actor(request)
    return selectors.proposals_of(
        actor=actor, request=selectors.request_get(actor=actor, pk=support_id)
    )


@router.post(
    "/requests/{support_id}/ranking",
    response={200: TalentRequestOut, **ERRORS},
    summary="Rank candidates",
)
def proposal_rank_api(request: HttpRequest, support_id: int, payload: TalentRankIn) -> Any:
    actor = api_writer(request)
    req = selectors.request_get(actor=actor, pk=support_id)
    return services.proposal_rank(actor=actor, request=req, order=payload.order)


@router.post(
    "/requests/{support_id}/visits",
    response={201: TalentVisitOut, **ERRORS},
    summary="Schedule a visit",
)
def visit_schedule_api(request: HttpRequest, support_id: int, payload: TalentVisitIn) -> Any:
    actor = api_writer(request)
    req = selectors.request_get(actor=actor, pk=support_id)
    asg = selectors.assignment_current(actor=actor, request=req)
    if asg is None:
        raise NotFound()
    return 201, services.visit_schedule(
        actor=actor, assignment=asg, date=payload.date, mode=payload.mode
    )


@router.post(
    "/visits/{visit_id}/report", response={200: TalentVisitOut, **ERRORS}, summary="Report a visit"
)
def visit_report_api(request: HttpRequest, visit_id: int, payload: TalentReportIn) -> Any:
    actor = api_writer(request)
    visit = selectors.visit_get(actor=actor, pk=visit_id)
    return services.visit_report(
        actor=actor,
        visit=visit,
        report=payload.report,
        artifacts=[a.dict() for a in payload.artifacts],
        competencies=[(c.leader, c.skill, c.level) for c in payload.competencies],
    )


@router.get("/offers", response={200: list[TalentProposalOut], **ERRORS}, summary="My offers")
def offers_api(request: HttpRequest) -> Any:
    return selectors.offers_for(actor=api_actor(request))


@router.post(
    "/offers/{proposal_id}/answer",
    response={200: TalentProposalOut, **ERRORS},
    summary="Accept or decline",
)
def offer_answer_api(request: HttpRequest, proposal_id: int, payload: TalentAnswerIn) -> Any:
    actor = api_writer(request)
    prop = Proposal.objects.filter(pk=proposal_id).first()
    if prop is None:
        raise NotFound()
    return services.proposal_respond(
        actor=actor, proposal=prop, accept=payload.accept, reason=payload.reason
    )


@router.post(
    "/matching/runs", response={201: TalentRunOut, **ERRORS}, summary="Run matching (coordinators)"
)
def matching_run_api(request: HttpRequest, payload: TalentRunIn) -> Any:
    actor = api_writer(request)
    try:
        month = dt.date.fromisoformat(payload.month + "-01")
    except ValueError:
        from tsunagu.core.errors import ValidationFailed

        raise ValidationFailed(details={"month": "YYYY-MM"}) from None
    return 201, services.matching_run(actor=actor, month=month, time_limit_s=payload.time_limit_s)


@router.get("/matching/runs/{run_id}", response={200: TalentRunOut, **ERRORS}, summary="One run")
def matching_get_api(request: HttpRequest, run_id: int) -> Any:
    return selectors.run_get(actor=api_actor(request), pk=run_id)


@router.get("/artifacts", response={200: list[TalentArtifactOut], **ERRORS}, summary="Artifacts")
def artifact_list_api(request: HttpRequest) -> Any:
    return list(selectors.artifacts(actor=api_actor(request))[:500])


@router.post(
    "/artifacts/{artifact_id}/reuse",
    response={201: dict[str, int], **ERRORS},
    summary="Record reuse",
)
def artifact_reuse_api(request: HttpRequest, artifact_id: int, payload: TalentReuseIn) -> Any:
    actor = api_writer(request)
    art = selectors.artifact_get(actor=actor, pk=artifact_id)
    reuse = services.artifact_reuse(actor=actor, artifact=art, note=payload.note)
    return 201, {"id": reuse.pk}


@router.get(
    "/statements/{code}/{month}",
    response={200: TalentStatementOut, **ERRORS},
    summary="One organisation's statement of a month (YYYY-MM)",
)
def statement_api(request: HttpRequest, code: str, month: str) -> Any:
    actor = api_actor(request)
    try:
        m = dt.date.fromisoformat(month + "-01")
    except ValueError:
        raise NotFound() from None
    entries = selectors.statement(actor=actor, organization=_org(code), month=m)
    return {
        "organization": code,
        "month": month,
        "entries": entries,
        "total": sum(e.amount for e in entries),
    }


@router.get(
    "/leaders/{code}", response={200: list[TalentLeaderOut], **ERRORS}, summary="DX leaders"
)
def leader_list_api(request: HttpRequest, code: str) -> Any:
    return selectors.leaders(actor=api_actor(request), organization=_org(code))


@router.post(
    "/leaders/{code}", response={201: TalentLeaderOut, **ERRORS}, summary="Appoint a DX leader"
)
def leader_add_api(request: HttpRequest, code: str, payload: TalentLeaderIn) -> Any:
    actor = api_writer(request)
    org = _org(code)
    selectors.leaders(actor=actor, organization=org)  # scope
    return 201, services.dx_leader_add(
        actor=actor,
        organization=org,
        name=payload.name,
        department=payload.department,
        appointed_on=payload.appointed_on,
    )


@router.get("/metrics", response={200: dict[str, Any], **ERRORS}, summary="Service metrics")
def metrics_api(request: HttpRequest) -> Any:
    m = selectors.service_metrics(actor=api_actor(request))
    return {
        "days_to_proposal": m.days_to_proposal,
        "days_to_first_visit": m.days_to_first_visit,
        "utilisation_median": m.utilisation_median,
        "continuity": m.continuity,
        "backlog": dict(m.backlog),
        "satisfaction": m.satisfaction,
        "satisfaction_n": m.satisfaction_n,
        "requests": m.requests,
        "visits": m.visits,
        "visits_by_month": dict(m.by_month),
    }
