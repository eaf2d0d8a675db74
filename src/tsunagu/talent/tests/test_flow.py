"""The whole path of a request: filing, matching with explanations, ranking, the expert's
answer, visits within capacity and availability, the report, know-how reuse, the ledger and the
metrics — with the refusals along the way."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tsunagu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tsunagu.core.models import AuditEntry, Organization
from tsunagu.notifications.models import Notification
from tsunagu.talent import selectors, services
from tsunagu.talent.models import (
    ExpertBlackout,
    LedgerEntry,
    Proposal,
    SupportRequest,
    Visit,
)

from .conftest import KOGANEI, MUSASHINO

NEXT_MONTH = (timezone.localdate().replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def _file(actor, skills=(("bpr", 3),), **data):
    base = {
        "title": "窓口業務の改革",
        "problem": "窓口の手続きが紙ばかりで職員の負担が大きい。書かない窓口を進めたい。",
        "visits_per_month": 2,
        "months": 6,
        "start_month": NEXT_MONTH.strftime("%Y-%m"),
        "mode": "either",
        "urgency": 2,
    }
    base.update(data)
    org = Organization.objects.get(pk=actor.organization_id)
    return services.support_request_create(
        actor=actor, organization=org, data=base, skills=list(skills)
    )


def test_request_to_report_to_reuse(
    pool, coordinator, koganei_staff, koganei_leader, musashino_staff
):
    req = _file(koganei_staff)
    assert req.state == SupportRequest.State.SUBMITTED
    assert Notification.objects.filter(
        recipient=coordinator, kind="talent.request_submitted"
    ).exists()

    run = services.matching_run(actor=coordinator, month=NEXT_MONTH)
    assert run.status == "optimal"
    req.refresh_from_db()
    assert req.state == SupportRequest.State.PROPOSED
    props = selectors.proposals_of(actor=koganei_staff, request=req)
    best = next(p for p in props if p.best)
    # The best fit is the level-5 BPR expert; the breakdown says why.
    assert best.expert == pool["bpr"]
    assert any(k.startswith("skill:bpr") or k == "skill" or "skill" in k for k in best.breakdown)
    assert {p.expert for p in props} >= {pool["bpr"], pool["bpr2"]}
    assert pool["sec"] not in {p.expert for p in props}

    services.proposal_rank(actor=koganei_staff, request=req, order=[p.pk for p in props])
    best.refresh_from_db()
    assert best.state == Proposal.State.OFFERED and best.respond_by is not None
    with pytest.raises(NotFound):  # only the offered expert answers
        services.proposal_respond(actor=pool["bpr2"].user, proposal=best, accept=True)
    services.proposal_respond(actor=pool["bpr"].user, proposal=best, accept=True)
    req.refresh_from_db()
    assert req.state == SupportRequest.State.ACTIVE
    asg = selectors.assignment_current(actor=koganei_staff, request=req)
    assert asg is not None and asg.expert == pool["bpr"]

    day = NEXT_MONTH + dt.timedelta(days=9)
    ExpertBlackout.objects.create(expert=pool["bpr"], start=day, end=day, note="x")
    with pytest.raises(ValidationFailed) as exc:
        services.visit_schedule(actor=koganei_staff, assignment=asg, date=day, mode="onsite")
    assert "date" in exc.value.details
    with pytest.raises(ValidationFailed):  # outside the request's period
        services.visit_schedule(
            actor=koganei_staff,
            assignment=asg,
            date=NEXT_MONTH - dt.timedelta(days=1),
            mode="onsite",
        )
    v1 = services.visit_schedule(
        actor=koganei_staff, assignment=asg, date=day + dt.timedelta(days=1), mode="onsite"
    )
    services.visit_schedule(
        actor=koganei_staff, assignment=asg, date=day + dt.timedelta(days=8), mode="online"
    )
    with pytest.raises(ValidationFailed):  # two visits a month were asked for
        services.visit_schedule(
            actor=koganei_staff, assignment=asg, date=day + dt.timedelta(days=12), mode="online"
        )
    assert v1.report_due == v1.date + dt.timedelta(days=7)

    with pytest.raises(ValidationFailed):  # not before the visit happened
        services.visit_report(
            actor=pool["bpr"].user, visit=v1, report="x" * 30, today=v1.date - dt.timedelta(days=1)
        )
    services.visit_report(
        actor=pool["bpr"].user,
        visit=v1,
        report="業務フローを職員と一緒に書き出し、書かない窓口の対象手続きを三つに絞った。",
        artifacts=[{"title": "窓口業務フロー整理シート", "kind": "template", "skill": "bpr"}],
        competencies=[(koganei_leader.pk, "bpr", 2)],
        today=v1.date,
    )
    v1.refresh_from_db()
    assert v1.state == Visit.State.REPORTED
    usage = LedgerEntry.objects.get(visit=v1, kind=LedgerEntry.Kind.USAGE)
    assert usage.amount == pool["bpr"].rate_onsite and usage.organization.code == KOGANEI
    assert koganei_leader.competencies.filter(skill="bpr", level=2).exists()

    [art] = selectors.artifacts(actor=musashino_staff)
    reuse = services.artifact_reuse(actor=musashino_staff, artifact=art, note="自団体で利用")
    assert reuse.organization.code == MUSASHINO
    with pytest.raises(Conflict):
        services.artifact_reuse(actor=musashino_staff, artifact=art)
    with pytest.raises(ValidationFailed):  # one's own artifact is not a reuse
        services.artifact_reuse(actor=koganei_staff, artifact=art)
    g = selectors.spread_graph(actor=musashino_staff)
    assert (KOGANEI, MUSASHINO) in g.reuses

    assert services.ledger_close_month(month=v1.date) == 1
    assert services.ledger_close_month(month=v1.date) == 1  # idempotent
    base = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.BASE, month=v1.date.replace(day=1))
    assert base.count() == 1
    entries = selectors.statement(actor=koganei_staff, organization=req.organization, month=v1.date)
    assert sum(e.amount for e in entries) == usage.amount + base.get().amount

    m = selectors.service_metrics(actor=musashino_staff)
    assert m.visits == 2 and m.days_to_proposal is not None
    assert AuditEntry.objects.filter(action="talent.visit_reported").exists()


def test_decline_asks_the_next_candidate_and_expiry_too(pool, coordinator, koganei_staff):
    req = _file(koganei_staff)
    services.matching_run(actor=coordinator, month=NEXT_MONTH)
    props = selectors.proposals_of(actor=koganei_staff, request=req)
    services.proposal_rank(actor=koganei_staff, request=req, order=[p.pk for p in props])
    first, second = (Proposal.objects.get(pk=p.pk) for p in props[:2])
    first_user = first.expert.user
    assert first_user is not None
    with pytest.raises(ValidationFailed):  # a decline needs a reason
        services.proposal_respond(actor=first_user, proposal=first, accept=False)
    services.proposal_respond(actor=first_user, proposal=first, accept=False, reason="本業繁忙")
    second.refresh_from_db()
    assert second.state == Proposal.State.OFFERED
    later = timezone.now() + dt.timedelta(days=10)
    assert services.offers_expire(now=later) == 1
    second.refresh_from_db()
    req.refresh_from_db()
    assert second.state == Proposal.State.EXPIRED
    assert req.state in (SupportRequest.State.SUBMITTED, SupportRequest.State.OFFERED)


def test_infeasible_request_is_answered_with_what_is_missing(pool, coordinator, koganei_staff):
    req = _file(koganei_staff, skills=(("ai", 4),), title="生成AIの活用")
    run = services.matching_run(actor=coordinator, month=NEXT_MONTH)
    req.refresh_from_db()
    assert req.state == SupportRequest.State.SUBMITTED
    assert req.diagnosis["reasons"], req.diagnosis
    assert req.diagnosis["suggestions"], "never an empty answer"
    assert any(u["request"] == str(req.pk) for u in run.result["unassigned"])
    assert Notification.objects.filter(recipient=koganei_staff, kind="talent.unmatched").exists()


def test_bad_input_changes_nothing(pool, koganei_staff):
    before = SupportRequest.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        _file(koganei_staff, skills=(), title="", visits_per_month=20, start_month="2026-13")
    assert set(exc.value.details) >= {"title", "skills", "visits_per_month", "start_month"}
    with pytest.raises(ValidationFailed):
        _file(koganei_staff, skills=(("astrology", 3),))
    assert SupportRequest.objects.count() == before


def test_other_municipality_cannot_see_or_act(pool, coordinator, koganei_staff, musashino_staff):
    req = _file(koganei_staff)
    with pytest.raises(NotFound):
        selectors.request_get(actor=musashino_staff, pk=req.pk)
    services.matching_run(actor=coordinator, month=NEXT_MONTH)
    with pytest.raises(PermissionDenied):
        services.proposal_rank(actor=musashino_staff, request=req, order=[1])
    with pytest.raises(PermissionDenied):
        services.matching_run(actor=musashino_staff)
    with pytest.raises(NotFound):
        selectors.statement(actor=musashino_staff, organization=req.organization, month=NEXT_MONTH)
    assert list(selectors.request_list(actor=musashino_staff)) == []


def test_coordinator_lock_and_exclude_are_respected(pool, coordinator, koganei_staff):
    req = _file(koganei_staff)
    services.matching_adjust(actor=coordinator, request=req, exclude=pool["bpr"])
    services.matching_run(actor=coordinator, month=NEXT_MONTH)
    best = Proposal.objects.get(request=req, best=True, state=Proposal.State.PROPOSED)
    assert best.expert == pool["bpr2"]
    assert not Proposal.objects.filter(request=req, expert=pool["bpr"], state="proposed").exists()
    services.matching_adjust(actor=coordinator, request=req, clear=True)
    services.matching_adjust(actor=coordinator, request=req, lock=pool["bpr2"])
    services.matching_run(actor=coordinator, month=NEXT_MONTH)
    assert Proposal.objects.get(request=req, best=True, state="proposed").expert == pool["bpr2"]


def test_leaders_retention_and_reminders(pool, koganei_staff, koganei_leader):
    org = Organization.objects.get(code=KOGANEI)
    services.dx_leader_leave(
        actor=koganei_staff, leader=koganei_leader, left_on=dt.date(2026, 6, 1)
    )
    with pytest.raises(Conflict):
        services.dx_leader_leave(
            actor=koganei_staff, leader=koganei_leader, left_on=dt.date(2026, 7, 1)
        )
    stats = selectors.retention(
        selectors.leaders(actor=koganei_staff, organization=org), today=dt.date(2026, 11, 22)
    )
    assert stats["left"] == 1 and stats["one_year_retention"] == 1.0
