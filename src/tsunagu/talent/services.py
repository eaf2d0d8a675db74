"""Talent writes: requests, matching runs, proposals and offers, assignments, visits and reports,
know-how reuse, the cost ledger, DX leaders and follow-ups.

Every write checks the actor, runs in a transaction (rows locked where two people may act at
once) and records an audit entry; notifications go out at each step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.accounts.models import User
from tsunagu.core.audit import audit_record
from tsunagu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tsunagu.core.models import Organization
from tsunagu.core.permissions import Actor, can, require_write
from tsunagu.core.roles import MUNICIPAL_ROLES, Cap, Role
from tsunagu.engines.matching.solve import solve
from tsunagu.notifications.selectors import recipient_list
from tsunagu.notifications.services import notification_send

from . import adapters
from .models import (
    ArtifactReuse,
    Assignment,
    DxLeader,
    Expert,
    FollowUp,
    KnowledgeArtifact,
    LeaderCompetency,
    LedgerEntry,
    MatchingRun,
    Mode,
    Proposal,
    RequestSkill,
    SupportRequest,
    TrainingRecord,
    Visit,
)

MAX_SKILLS = 6


def _coordinators() -> list[User]:
    return recipient_list(roles=[Role.TOKYO_COORDINATOR, Role.TOKYO_ADMIN])


def _org_staff(org_id: int) -> list[User]:
    return recipient_list(organization_ids=[org_id], roles=MUNICIPAL_ROLES)


def _require_own_request(actor: Actor, organization_id: int) -> None:
    require_write(actor)
    if can(actor, Cap.TALENT_COORDINATE):
        return
    if not can(actor, Cap.TALENT_REQUEST_OWN) or actor.organization_id != organization_id:
        raise PermissionDenied()


def _require_coordinator(actor: Actor) -> None:
    require_write(actor)
    if not can(actor, Cap.TALENT_COORDINATE):
        raise PermissionDenied()


def _first_of_month(value: dt.date) -> dt.date:
    return value.replace(day=1)


# --------------------------------------------------------------------------- requests


def _validate_request(data: Mapping[str, Any], skills: Sequence[tuple[str, int]]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    title = str(data.get("title") or "").strip()
    if not title:
        errors["title"] = _("Give the request a short title.")
    elif len(title) > 200:
        errors["title"] = _("Enter at most %(max)d characters.") % {"max": 200}
    out["title"] = title
    problem = str(data.get("problem") or "").strip()
    if len(problem) < 10:
        errors["problem"] = _("Describe the problem in a few sentences (at least 10 characters).")
    elif len(problem) > 8000:
        errors["problem"] = _("Enter at most %(max)d characters.") % {"max": 8000}
    out["problem"] = problem
    mode = str(data.get("mode") or Mode.EITHER)
    if mode not in Mode.values:
        errors["mode"] = _("Choose on site, online or either.")
    out["mode"] = mode
    for key, lo, hi, msg in (
        ("visits_per_month", 1, 8, _("Between 1 and 8 visits a month.")),
        ("months", 1, 24, _("Between 1 and 24 months.")),
        ("urgency", 1, 3, _("Choose an urgency.")),
    ):
        try:
            value = int(data.get(key) or 0)
        except (TypeError, ValueError):
            value = 0
        if not lo <= value <= hi:
            errors[key] = str(msg)
        out[key] = value
    start = data.get("start_month")
    try:
        start_date = (
            start
            if isinstance(start, dt.date)
            else dt.date.fromisoformat(str(start) + ("-01" if len(str(start)) == 7 else ""))
        )
        out["start_month"] = _first_of_month(start_date)
    except ValueError:
        errors["start_month"] = _("Enter the first month as YYYY-MM.")
    tax = adapters.taxonomy()
    known = set(tax.ids())
    clean: dict[str, int] = {}
    for skill, level in skills:
        if skill not in known:
            errors["skills"] = _("Choose skills from the list.")
            continue
        if not 1 <= int(level) <= 5:
            errors["skills"] = _("Levels go from 1 to 5.")
            continue
        clean[skill] = int(level)
    if not clean:
        errors.setdefault("skills", _("Choose at least one skill (the suggestions can help)."))
    if len(clean) > MAX_SKILLS:
        errors["skills"] = _("Choose at most %(n)d skills.") % {"n": MAX_SKILLS}
    out["skills"] = clean
    if errors:
        raise ValidationFailed(details=errors)
    return out


def support_request_create(
    *,
    actor: Actor,
    organization: Organization,
    data: Mapping[str, Any],
    skills: Sequence[tuple[str, int]],
    submit: bool = True,
    preferred_expert: Expert | None = None,
    dx_leader: DxLeader | None = None,
    now: dt.datetime | None = None,
) -> SupportRequest:
    """File a request for an expert (or keep it as a draft). Bad input changes nothing."""
    _require_own_request(actor, organization.pk)
    clean = _validate_request(data, skills)
    if dx_leader is not None and dx_leader.organization_id != organization.pk:
        raise ValidationFailed(details={"dx_leader": _("Choose one of your DX leaders.")})
    now = now or timezone.now()
    with transaction.atomic():
        req = SupportRequest.objects.create(
            organization=organization,
            created_by_id=actor.pk,
            title=clean["title"],
            problem=clean["problem"],
            mode=clean["mode"],
            visits_per_month=clean["visits_per_month"],
            start_month=clean["start_month"],
            months=clean["months"],
            urgency=clean["urgency"],
            preferred_expert=preferred_expert,
            dx_leader=dx_leader,
            state=SupportRequest.State.SUBMITTED if submit else SupportRequest.State.DRAFT,
            created_at=now,
            submitted_at=now if submit else None,
        )
        RequestSkill.objects.bulk_create(
            RequestSkill(request=req, skill=s, min_level=lv) for s, lv in clean["skills"].items()
        )
        audit_record(
            actor=actor,
            action="talent.request_created",
            organization=organization,
            obj=req,
            after={"title": req.title, "skills": clean["skills"], "submitted": submit},
        )
        if submit:
            notification_send(
                recipients=_coordinators(),
                kind="talent.request_submitted",
                params={"title": req.title, "org": organization.name},
                url=f"/talent/requests/{req.pk}/",
            )
    return req


def support_request_cancel(*, actor: Actor, request: SupportRequest) -> SupportRequest:
    _require_own_request(actor, request.organization_id)
    with transaction.atomic():
        req = SupportRequest.objects.select_for_update().get(pk=request.pk)
        if req.state in (SupportRequest.State.CLOSED, SupportRequest.State.CANCELLED):
            raise Conflict(message=_("This request is already finished."))
        req.state = SupportRequest.State.CANCELLED
        req.closed_at = timezone.now()
        req.save(update_fields=["state", "closed_at"])
        Proposal.objects.filter(
            request=req, state__in=[Proposal.State.PROPOSED, Proposal.State.OFFERED]
        ).update(state=Proposal.State.WITHDRAWN)
        audit_record(
            actor=actor,
            action="talent.request_cancelled",
            organization=req.organization_id,
            obj=req,
        )
    return req


def support_request_close(
    *, actor: Actor, request: SupportRequest, satisfaction: int
) -> SupportRequest:
    """End an active request with a satisfaction rating (1–5)."""
    _require_own_request(actor, request.organization_id)
    if not 1 <= satisfaction <= 5:
        raise ValidationFailed(details={"satisfaction": _("Rate from 1 to 5.")})
    with transaction.atomic():
        req = SupportRequest.objects.select_for_update().get(pk=request.pk)
        if req.state != SupportRequest.State.ACTIVE:
            raise Conflict(message=_("Only an active request can be closed."))
        req.state = SupportRequest.State.CLOSED
        req.satisfaction = satisfaction
        req.closed_at = timezone.now()
        req.save(update_fields=["state", "satisfaction", "closed_at"])
        Assignment.objects.filter(request=req, ended_on__isnull=True).update(
            ended_on=timezone.localdate()
        )
        audit_record(
            actor=actor,
            action="talent.request_closed",
            organization=req.organization_id,
            obj=req,
            after={"satisfaction": satisfaction},
        )
    return req


# --------------------------------------------------------------------------- matching


def matching_run(
    *,
    actor: Actor,
    month: dt.date | None = None,
    time_limit_s: float | None = None,
    now: dt.datetime | None = None,
) -> MatchingRun:
    """Solve the month's matching and propose candidates to every open request.

    Requests the solver could not serve keep their state and get the diagnosis (what is
    missing, what would make it feasible); their municipality is told.
    """
    _require_coordinator(actor)
    now = now or timezone.now()
    month = _first_of_month(month or timezone.localdate(now))
    problem = adapters.problem_for(month)
    result = solve(
        problem,
        time_limit_s=time_limit_s or settings.TALENT_SOLVER_TIME_LIMIT_S,
    )
    doc = result.to_dict()
    open_ids = {int(r.id) for r in problem.requests if r.current is None}
    with transaction.atomic():
        run = MatchingRun.objects.create(
            started_by_id=actor.pk,
            created_at=now,
            requests=len(problem.requests),
            experts=len(problem.experts),
            status=result.status,
            objective=float(result.objective or 0),
            bound=float(result.bound or 0),
            gap=float(result.gap or 0),
            time_limited=result.time_limited,
            solve_s=float(result.solve_s),
            result=doc,
        )
        reqs = {
            r.pk: r
            for r in SupportRequest.objects.select_for_update()
            .select_related("organization")
            .filter(pk__in=open_ids)
        }
        # Earlier, unanswered proposals of these requests are replaced by this run's.
        Proposal.objects.filter(request_id__in=open_ids, state=Proposal.State.PROPOSED).update(
            state=Proposal.State.WITHDRAWN
        )
        chosen: dict[int, Any] = {}
        for p in result.proposals:
            rid = int(p.request)
            if rid in reqs:
                chosen[rid] = p
        alternatives = getattr(result, "alternatives", {}) or {}
        for rid, req in reqs.items():
            rows = []
            best = chosen.get(rid)
            if best is not None:
                rows.append((best.expert, best.score, dict(best.breakdown), True))
            for alt in alternatives.get(str(rid), ()) if isinstance(alternatives, Mapping) else ():
                if best is not None and alt.expert == best.expert:
                    continue
                rows.append((alt.expert, alt.score, dict(alt.breakdown), False))
            if rows:
                Proposal.objects.bulk_create(
                    Proposal(
                        run=run,
                        request=req,
                        expert_id=int(expert),
                        score=float(score),
                        breakdown=breakdown,
                        best=is_best,
                    )
                    for expert, score, breakdown, is_best in rows[:4]
                )
                req.state = SupportRequest.State.PROPOSED
                req.proposed_at = req.proposed_at or now
                req.diagnosis = []
                req.save(update_fields=["state", "proposed_at", "diagnosis"])
                notification_send(
                    recipients=_org_staff(req.organization_id),
                    kind="talent.proposed",
                    params={"title": req.title, "count": min(len(rows), 4)},
                    url=f"/talent/requests/{req.pk}/",
                )
        for un in result.unassigned:
            rid = int(un.request)
            if rid not in reqs:
                continue
            req = reqs[rid]
            req.diagnosis = un.to_dict()
            req.save(update_fields=["diagnosis"])
            notification_send(
                recipients=_org_staff(req.organization_id),
                kind="talent.unmatched",
                params={"title": req.title, "reason": _first_reason(un.to_dict())},
                url=f"/talent/requests/{req.pk}/",
            )
        audit_record(
            actor=actor,
            action="talent.matching_run",
            organization=actor.organization_id,
            obj=run,
            after={
                "status": run.status,
                "requests": run.requests,
                "proposed": len(chosen),
                "unassigned": len(result.unassigned),
                "gap": run.gap,
            },
        )
    return run


def _first_reason(diag: Mapping[str, Any]) -> str:
    reasons = diag.get("reasons") or []
    if reasons and isinstance(reasons[0], Mapping):
        return str(reasons[0].get("code", ""))
    return ""


def matching_adjust(
    *,
    actor: Actor,
    request: SupportRequest,
    lock: Expert | None = None,
    exclude: Expert | None = None,
    clear: bool = False,
) -> SupportRequest:
    """The coordinator locks an expert onto a request, excludes one, or clears both; the next
    run (re-solve) respects it."""
    _require_coordinator(actor)
    with transaction.atomic():
        req = SupportRequest.objects.select_for_update().get(pk=request.pk)
        if clear:
            req.locked_expert = None
            req.excluded_experts.clear()
        if lock is not None:
            req.locked_expert = lock
            req.excluded_experts.remove(lock)
        if exclude is not None:
            req.excluded_experts.add(exclude)
            if req.locked_expert_id == exclude.pk:
                req.locked_expert = None
        req.save(update_fields=["locked_expert"])
        audit_record(
            actor=actor,
            action="talent.matching_adjusted",
            organization=req.organization_id,
            obj=req,
            after={
                "lock": lock.pk if lock else None,
                "exclude": exclude.pk if exclude else None,
                "clear": clear,
            },
        )
    return req


def proposal_rank(*, actor: Actor, request: SupportRequest, order: Sequence[int]) -> SupportRequest:
    """The municipality ranks the proposed candidates; the first is asked at once."""
    _require_own_request(actor, request.organization_id)
    with transaction.atomic():
        req = SupportRequest.objects.select_for_update().get(pk=request.pk)
        if req.state != SupportRequest.State.PROPOSED:
            raise Conflict(message=_("There are no candidates to rank right now."))
        props = {
            p.pk: p
            for p in Proposal.objects.select_for_update().filter(
                request=req, state=Proposal.State.PROPOSED
            )
        }
        ranked = [pk for pk in order if pk in props]
        if not ranked or len(set(ranked)) != len(ranked):
            raise ValidationFailed(details={"ranking": _("Rank the proposed candidates.")})
        for i, pk in enumerate(ranked, start=1):
            props[pk].rank = i
            props[pk].save(update_fields=["rank"])
        req.state = SupportRequest.State.RANKED
        req.save(update_fields=["state"])
        audit_record(
            actor=actor,
            action="talent.candidates_ranked",
            organization=req.organization_id,
            obj=req,
            after={"ranking": ranked},
        )
        _offer_next(req)
    return req


def _offer_next(req: SupportRequest) -> Proposal | None:
    """Ask the best-ranked candidate not asked yet; none left: back to the matching pool."""
    nxt = (
        Proposal.objects.select_related("expert__user")
        .filter(request=req, state=Proposal.State.PROPOSED, rank__isnull=False)
        .order_by("rank")
        .first()
    )
    now = timezone.now()
    if nxt is None:
        req.state = SupportRequest.State.SUBMITTED
        req.save(update_fields=["state"])
        return None
    nxt.state = Proposal.State.OFFERED
    nxt.offered_at = now
    nxt.respond_by = now + dt.timedelta(hours=settings.TALENT_OFFER_HOURS)
    nxt.save(update_fields=["state", "offered_at", "respond_by"])
    req.state = SupportRequest.State.OFFERED
    req.save(update_fields=["state"])
    if nxt.expert.user is not None:
        notification_send(
            recipients=[nxt.expert.user],
            kind="talent.offer",
            params={
                "org": req.organization.name,
                "title": req.title,
                "deadline": timezone.localtime(nxt.respond_by).strftime("%Y-%m-%d %H:%M"),
            },
            url="/talent/offers/",
        )
    return nxt


def proposal_respond(
    *, actor: Actor, proposal: Proposal, accept: bool, reason: str = ""
) -> Proposal:
    """The expert accepts (an assignment starts) or declines (the next candidate is asked)."""
    require_write(actor)
    with transaction.atomic():
        prop = (
            Proposal.objects.select_for_update()
            .select_related("expert", "request__organization")
            .get(pk=proposal.pk)
        )
        if prop.expert.user_id != actor.pk:
            raise NotFound()
        if prop.state != Proposal.State.OFFERED:
            raise Conflict(message=_("This offer is no longer open."))
        if not accept and not reason.strip():
            raise ValidationFailed(details={"reason": _("Say briefly why you decline.")})
        now = timezone.now()
        req = SupportRequest.objects.select_for_update().get(pk=prop.request_id)
        prop.state = Proposal.State.ACCEPTED if accept else Proposal.State.DECLINED
        prop.responded_at = now
        prop.decline_reason = reason.strip()[:300]
        prop.save(update_fields=["state", "responded_at", "decline_reason"])
        if accept:
            Assignment.objects.filter(request=req, ended_on__isnull=True).update(
                ended_on=timezone.localdate(now)
            )
            Assignment.objects.create(
                request=req, expert=prop.expert, started_on=timezone.localdate(now)
            )
            req.state = SupportRequest.State.ACTIVE
            req.matched_at = now
            req.save(update_fields=["state", "matched_at"])
            Proposal.objects.filter(request=req, state=Proposal.State.PROPOSED).update(
                state=Proposal.State.WITHDRAWN
            )
            FollowUp.objects.get_or_create(
                request=req,
                defaults={"due_on": timezone.localdate(now) + dt.timedelta(days=365)},
            )
        else:
            _offer_next(req)
        audit_record(
            actor=actor,
            action="talent.offer_accepted" if accept else "talent.offer_declined",
            organization=req.organization_id,
            obj=prop,
            after={"request": req.pk, "reason": prop.decline_reason},
        )
        notification_send(
            recipients=_org_staff(req.organization_id),
            kind="talent.offer_answered",
            params={
                "expert": prop.expert.name,
                "answer": _("accepted") if accept else _("declined"),
                "title": req.title,
            },
            url=f"/talent/requests/{req.pk}/",
        )
    return prop


def offers_expire(*, now: dt.datetime | None = None) -> int:
    """Offers without an answer by their deadline lapse; the next candidate is asked."""
    now = now or timezone.now()
    done = 0
    for pk in Proposal.objects.filter(state=Proposal.State.OFFERED, respond_by__lt=now).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            prop = Proposal.objects.select_for_update().get(pk=pk)
            if prop.state != Proposal.State.OFFERED:
                continue
            prop.state = Proposal.State.EXPIRED
            prop.save(update_fields=["state"])
            req = (
                SupportRequest.objects.select_for_update()
                .select_related("organization")
                .get(pk=prop.request_id)
            )
            _offer_next(req)
            audit_record(
                actor=None,
                action="talent.offer_expired",
                organization=req.organization_id,
                obj=prop,
            )
            done += 1
    return done


# --------------------------------------------------------------------------- visits


def _may_touch_assignment(actor: Actor, assignment: Assignment) -> bool:
    if can(actor, Cap.TALENT_COORDINATE):
        return True
    if can(actor, Cap.TALENT_EXPERT) and assignment.expert.user_id == actor.pk:
        return True
    return (
        can(actor, Cap.TALENT_REQUEST_OWN)
        and assignment.request.organization_id == actor.organization_id
    )


def visit_schedule(*, actor: Actor, assignment: Assignment, date: dt.date, mode: str) -> Visit:
    """Put a visit on the calendar: within the request's period, outside the expert's blackout
    dates, within the expert's monthly capacity and the request's visits per month."""
    require_write(actor)
    asg = Assignment.objects.select_related("expert", "request__organization").get(pk=assignment.pk)
    if not _may_touch_assignment(actor, asg):
        raise NotFound()
    req = asg.request
    errors: dict[str, str] = {}
    if mode not in (Mode.ONSITE, Mode.ONLINE):
        errors["mode"] = _("Choose on site or online.")
    elif mode == Mode.ONSITE and not asg.expert.onsite:
        errors["mode"] = _("This expert works online only.")
    elif mode == Mode.ONLINE and not asg.expert.online:
        errors["mode"] = _("This expert works on site only.")
    start, end = req.start_month, req.end_month
    if asg.ended_on is not None:
        errors["date"] = _("This assignment has ended.")
    elif not start <= date < end:
        errors["date"] = _("Choose a date within the request's period (%(a)s – %(b)s).") % {
            "a": start.isoformat(),
            "b": (end - dt.timedelta(days=1)).isoformat(),
        }
    elif asg.expert.blackouts.filter(start__lte=date, end__gte=date).exists():
        errors["date"] = _("The expert is not available on that day.")
    if errors:
        raise ValidationFailed(details=errors)
    month = _first_of_month(date)
    nxt = (month + dt.timedelta(days=32)).replace(day=1)
    with transaction.atomic():
        Expert.objects.select_for_update().get(pk=asg.expert_id)  # serialise per expert
        in_month = Visit.objects.filter(
            assignment__expert=asg.expert, date__gte=month, date__lt=nxt
        ).exclude(state=Visit.State.CANCELLED)
        if in_month.count() >= asg.expert.capacity:
            raise ValidationFailed(
                details={"date": _("The expert's visits for that month are fully booked.")}
            )
        if in_month.filter(assignment=asg).count() >= req.visits_per_month:
            raise ValidationFailed(
                details={
                    "date": _("This request already has its %(n)d visit(s) that month.")
                    % {"n": req.visits_per_month}
                }
            )
        visit = Visit.objects.create(
            assignment=asg,
            date=date,
            mode=mode,
            report_due=date + dt.timedelta(days=settings.TALENT_REPORT_DAYS),
            leader_present=req.dx_leader_id is not None,
        )
        audit_record(
            actor=actor,
            action="talent.visit_scheduled",
            organization=req.organization_id,
            obj=visit,
            after={"date": date, "mode": mode, "expert": asg.expert_id},
        )
        recipients = _org_staff(req.organization_id)
        if asg.expert.user is not None:
            recipients.append(asg.expert.user)
        notification_send(
            recipients=recipients,
            kind="talent.visit_scheduled",
            params={
                "date": date.isoformat(),
                "title": req.title,
                "expert": asg.expert.name,
                "org": req.organization.name,
                "mode": Mode(mode).label,
            },
            url=f"/talent/requests/{req.pk}/",
        )
    return visit


def visit_report(
    *,
    actor: Actor,
    visit: Visit,
    report: str,
    artifacts: Sequence[Mapping[str, str]] = (),
    competencies: Sequence[tuple[int, str, int]] = (),
    today: dt.date | None = None,
) -> Visit:
    """The expert reports a visit (due within 7 days): the report, the artifacts produced, and
    the DX leader competencies confirmed. The usage is posted to the ledger."""
    require_write(actor)
    today = today or timezone.localdate()
    with transaction.atomic():
        v = (
            Visit.objects.select_for_update()
            .select_related("assignment__expert", "assignment__request__organization")
            .get(pk=visit.pk)
        )
        asg = v.assignment
        if not (asg.expert.user_id == actor.pk or can(actor, Cap.TALENT_COORDINATE)):
            raise NotFound()
        if v.state in (Visit.State.REPORTED, Visit.State.CANCELLED):
            raise Conflict(message=_("This visit is already reported or cancelled."))
        if v.date > today:
            raise ValidationFailed(details={"report": _("Report a visit after it took place.")})
        text = report.strip()
        if len(text) < 20:
            raise ValidationFailed(
                details={"report": _("Write what was done and agreed (at least 20 characters).")}
            )
        req = asg.request
        valid_skills = set(adapters.taxonomy().ids())
        leaders = {lead.pk: lead for lead in DxLeader.objects.filter(organization=req.organization)}
        for leader_id, skill, level in competencies:
            if leader_id not in leaders or skill not in valid_skills or not 1 <= level <= 5:
                raise ValidationFailed(
                    details={"competencies": _("Choose a DX leader, a skill and a level 1–5.")}
                )
        v.report = text[:8000]
        v.state = Visit.State.REPORTED
        v.reported_at = timezone.now()
        v.save(update_fields=["report", "state", "reported_at"])
        for a in artifacts:
            title = str(a.get("title") or "").strip()
            if not title:
                continue
            KnowledgeArtifact.objects.create(
                visit=v,
                organization=req.organization,
                expert=asg.expert,
                title=title[:200],
                kind=str(a.get("kind"))
                if a.get("kind") in KnowledgeArtifact.Kind.values
                else "document",
                skill=str(a.get("skill") or "")[:40],
                summary=str(a.get("summary") or "")[:4000],
                created_at=timezone.now(),
            )
        for leader_id, skill, level in competencies:
            LeaderCompetency.objects.create(
                leader=leaders[leader_id],
                skill=skill,
                level=level,
                expert=asg.expert,
                visit=v,
                confirmed_on=v.date,
            )
        if req.first_visit_on is None or v.date < req.first_visit_on:
            req.first_visit_on = v.date
            req.save(update_fields=["first_visit_on"])
        ledger_post_visit(visit=v)
        audit_record(
            actor=actor,
            action="talent.visit_reported",
            organization=req.organization_id,
            obj=v,
            after={"artifacts": len(artifacts), "competencies": len(competencies)},
        )
        notification_send(
            recipients=_org_staff(req.organization_id),
            kind="talent.report_submitted",
            params={"date": v.date.isoformat(), "expert": asg.expert.name, "title": req.title},
            url=f"/talent/requests/{req.pk}/",
        )
    return v


def report_reminders(*, today: dt.date | None = None) -> int:
    """Remind experts of visit reports due within two days or overdue (once per visit)."""
    today = today or timezone.localdate()
    sent = 0
    due = Visit.objects.select_related(
        "assignment__expert__user", "assignment__request__organization"
    ).filter(
        state=Visit.State.SCHEDULED,
        date__lte=today,
        report_due__lte=today + dt.timedelta(days=2),
        reminder_sent_at__isnull=True,
    )
    for v in due:
        user = v.assignment.expert.user
        with transaction.atomic():
            Visit.objects.filter(pk=v.pk).update(reminder_sent_at=timezone.now())
            if user is not None:
                notification_send(
                    recipients=[user],
                    kind="talent.report_due",
                    params={
                        "date": v.date.isoformat(),
                        "org": v.assignment.request.organization.name,
                        "due": (v.report_due or today).isoformat(),
                    },
                    url=f"/talent/visits/{v.pk}/",
                )
        sent += 1
    return sent


def follow_ups_send(*, today: dt.date | None = None) -> int:
    """Ask the requester about outcomes 12 months after the start (once)."""
    today = today or timezone.localdate()
    sent = 0
    for fu in FollowUp.objects.select_related("request").filter(
        due_on__lte=today, sent_at__isnull=True
    ):
        with transaction.atomic():
            FollowUp.objects.filter(pk=fu.pk).update(sent_at=timezone.now())
            notification_send(
                recipients=_org_staff(fu.request.organization_id),
                kind="talent.follow_up",
                params={"title": fu.request.title},
                url=f"/talent/requests/{fu.request_id}/",
            )
        sent += 1
    return sent


def follow_up_answer(*, actor: Actor, follow_up: FollowUp, outcome: str, rating: int) -> FollowUp:
    _require_own_request(actor, follow_up.request.organization_id)
    if not outcome.strip() or not 1 <= rating <= 5:
        raise ValidationFailed(
            details={"outcome": _("Describe the outcome and rate it from 1 to 5.")}
        )
    with transaction.atomic():
        fu = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
        fu.outcome = outcome.strip()[:4000]
        fu.rating = rating
        fu.answered_at = timezone.now()
        fu.save(update_fields=["outcome", "rating", "answered_at"])
        audit_record(
            actor=actor,
            action="talent.follow_up_answered",
            organization=fu.request.organization_id,
            obj=fu,
            after={"rating": rating},
        )
    return fu


# --------------------------------------------------------------------------- know-how


def artifact_reuse(*, actor: Actor, artifact: KnowledgeArtifact, note: str = "") -> ArtifactReuse:
    """A municipality records that it reused another's artifact (once per organisation)."""
    require_write(actor)
    if not can(actor, Cap.TALENT_REQUEST_OWN):
        raise PermissionDenied()
    if not artifact.shared or artifact.organization_id == actor.organization_id:
        raise ValidationFailed(
            details={"artifact": _("Only another municipality's shared artifact can be reused.")}
        )
    with transaction.atomic():
        reuse, created = ArtifactReuse.objects.get_or_create(
            artifact=artifact,
            organization_id=actor.organization_id,
            defaults={"reused_by_id": actor.pk, "note": note[:300], "created_at": timezone.now()},
        )
        if not created:
            raise Conflict(message=_("Your organisation has already recorded this reuse."))
        audit_record(
            actor=actor,
            action="talent.artifact_reused",
            organization=actor.organization_id,
            obj=reuse,
            after={"artifact": artifact.pk},
        )
        org = Organization.objects.get(pk=actor.organization_id)
        notification_send(
            recipients=_org_staff(artifact.organization_id),
            kind="talent.artifact_reused",
            params={"org": org.name, "title": artifact.title},
            url="/talent/knowledge/",
        )
    return reuse


# --------------------------------------------------------------------------- ledger


def ledger_post_visit(*, visit: Visit) -> list[LedgerEntry]:
    """Usage of one visit at the expert's rate, paid by the user; small and island bodies get
    the configured subsidy share back (tagged). Idempotent per visit."""
    rule: dict[str, Any] = settings.TALENT_COST_RULE
    asg = visit.assignment
    org = asg.request.organization
    rate = asg.expert.rate_onsite if visit.mode == Mode.ONSITE else asg.expert.rate_online
    month = _first_of_month(visit.date)
    now = timezone.now()
    out = []
    usage, _created = LedgerEntry.objects.get_or_create(
        visit=visit,
        kind=LedgerEntry.Kind.USAGE,
        defaults={
            "organization": org,
            "month": month,
            "amount": rate,
            "description": f"{asg.expert.name} {visit.date:%Y-%m-%d} ({Mode(visit.mode).label})",
            "created_at": now,
        },
    )
    out.append(usage)
    if adapters.is_small(org) and rule.get("subsidy_share"):
        sub, _c = LedgerEntry.objects.get_or_create(
            visit=visit,
            kind=LedgerEntry.Kind.SUBSIDY,
            defaults={
                "organization": org,
                "month": month,
                "amount": -round(rate * float(rule["subsidy_share"])),
                "description": f"{rule.get('subsidy_tag', '')} {visit.date:%Y-%m-%d}",
                "tag": str(rule.get("subsidy_tag", ""))[:60],
                "created_at": now,
            },
        )
        out.append(sub)
    return out


def ledger_close_month(*, month: dt.date) -> int:
    """Share the pool's base cost of ``month`` equally among the organisations with a visit
    that month (recomputed: running it twice gives the same entries)."""
    rule: dict[str, Any] = settings.TALENT_COST_RULE
    month = _first_of_month(month)
    nxt = (month + dt.timedelta(days=32)).replace(day=1)
    orgs = sorted(
        set(
            Visit.objects.filter(date__gte=month, date__lt=nxt)
            .exclude(state=Visit.State.CANCELLED)
            .values_list("assignment__request__organization_id", flat=True)
        )
    )
    base = int(rule.get("base_monthly_yen", 0))
    with transaction.atomic():
        LedgerEntry.objects.filter(month=month, kind=LedgerEntry.Kind.BASE).delete()
        if not orgs or not base:
            return 0
        share, rest = divmod(base, len(orgs))
        now = timezone.now()
        LedgerEntry.objects.bulk_create(
            LedgerEntry(
                organization_id=org_id,
                month=month,
                kind=LedgerEntry.Kind.BASE,
                amount=share + (1 if i < rest else 0),
                description=f"基本負担金 {month:%Y-%m} ({len(orgs)}団体で按分)",
                created_at=now,
            )
            for i, org_id in enumerate(orgs)
        )
        audit_record(
            actor=None,
            action="talent.month_closed",
            organization=None,
            object_type="talent.ledger",
            object_id=f"{month:%Y-%m}",
            after={"organisations": len(orgs), "base": base},
        )
    return len(orgs)


# --------------------------------------------------------------------------- DX leaders


def dx_leader_add(
    *,
    actor: Actor,
    organization: Organization,
    name: str,
    department: str,
    appointed_on: dt.date,
) -> DxLeader:
    _require_own_request(actor, organization.pk)
    errors = {}
    if not name.strip():
        errors["name"] = _("Enter the name.")
    if not department.strip():
        errors["department"] = _("Enter the department.")
    if errors:
        raise ValidationFailed(details=errors)
    with transaction.atomic():
        leader = DxLeader.objects.create(
            organization=organization,
            name=name.strip()[:80],
            department=department.strip()[:120],
            appointed_on=appointed_on,
        )
        audit_record(
            actor=actor,
            action="talent.leader_added",
            organization=organization,
            obj=leader,
            after={"name": leader.name, "department": leader.department},
        )
    return leader


def dx_leader_leave(*, actor: Actor, leader: DxLeader, left_on: dt.date) -> DxLeader:
    _require_own_request(actor, leader.organization_id)
    with transaction.atomic():
        row = DxLeader.objects.select_for_update().get(pk=leader.pk)
        if row.left_on is not None:
            raise Conflict(message=_("This DX leader has already left."))
        if left_on < row.appointed_on:
            raise ValidationFailed(details={"left_on": _("The date is before the appointment.")})
        row.left_on = left_on
        row.save(update_fields=["left_on"])
        audit_record(
            actor=actor,
            action="talent.leader_left",
            organization=row.organization_id,
            obj=row,
            after={"left_on": left_on},
        )
    return row


def training_record_add(
    *, actor: Actor, leader: DxLeader, course: str, completed_on: dt.date, hours: int
) -> TrainingRecord:
    _require_own_request(actor, leader.organization_id)
    if not course.strip() or not 0 <= hours <= 500:
        raise ValidationFailed(details={"course": _("Enter the course and its hours (0–500).")})
    with transaction.atomic():
        rec = TrainingRecord.objects.create(
            leader=leader, course=course.strip()[:200], completed_on=completed_on, hours=hours
        )
        audit_record(
            actor=actor,
            action="talent.training_added",
            organization=leader.organization_id,
            obj=rec,
            after={"course": rec.course, "hours": hours},
        )
    return rec


def expert_skill_confirm(
    *, actor: Actor, expert: Expert, skill: str, level: int, evidence: str
) -> None:
    """A coordinator confirms an expert's competency with evidence."""
    _require_coordinator(actor)
    if skill not in set(adapters.taxonomy().ids()) or not 1 <= level <= 5 or not evidence.strip():
        raise ValidationFailed(
            details={"evidence": _("Choose a skill, a level 1–5 and describe the evidence.")}
        )
    with transaction.atomic():
        from .models import ExpertSkill

        row, _created = ExpertSkill.objects.update_or_create(
            expert=expert,
            skill=skill,
            defaults={
                "level": level,
                "confirmed_by_id": actor.pk,
                "confirmed_at": timezone.now(),
                "evidence": evidence.strip()[:2000],
            },
        )
        audit_record(
            actor=actor,
            action="talent.skill_confirmed",
            organization=actor.organization_id,
            obj=row,
            after={"expert": expert.pk, "skill": skill, "level": level},
        )
        from .search_docs import expert_index

        expert_index([expert])


def statement_export_request(
    *, actor: Actor, organization: Organization, month: dt.date, lang: str
) -> Any:
    """Queue the PDF of a monthly statement (own organisation, or Tokyo); a job prints it."""
    from .models import StatementExport
    from .tasks import print_statement

    if not (can(actor, Cap.TALENT_VIEW_ANY) or organization.pk == actor.organization_id):
        raise NotFound()
    if not (can(actor, Cap.TALENT_VIEW_ANY) or can(actor, Cap.TALENT_REQUEST_OWN)):
        raise NotFound()
    with transaction.atomic():
        export = StatementExport.objects.create(
            organization=organization,
            month=_first_of_month(month),
            lang="en" if lang.startswith("en") else "ja",
            requested_by_id=actor.pk,
            created_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="talent.statement_requested",
            organization=organization,
            obj=export,
            after={"month": f"{export.month:%Y-%m}"},
        )
        transaction.on_commit(lambda: print_statement.enqueue(export_id=export.pk))
    return export
