"""Talent pages: service metrics, the expert pool, requests (with skill suggestions), matching
runs with explanations, offers, visits and reports, know-how and its spread, statements and DX
leaders. Reads go through :mod:`.selectors`, writes through :mod:`.services`."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagu.accounts.models import User
from tsunagu.core.charts import Bar, bar_chart
from tsunagu.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from tsunagu.core.models import Organization
from tsunagu.core.permissions import can
from tsunagu.core.roles import Cap
from tsunagu.core.web import int_or, refusal_page, signed_in_user, ui_lang

from . import adapters, graph, selectors, services
from .models import DxLeader, Expert, KnowledgeArtifact, Mode, Proposal, SupportRequest, Visit


def _flash_error(request: HttpRequest, exc: DomainError) -> None:
    details = "; ".join(str(v) for v in exc.details.values())
    messages.error(request, f"{exc.message} {details}".strip())


def _skill_label(skill: str) -> str:
    return adapters.taxonomy().label(skill, ui_lang())


def _skill_choices() -> list[tuple[str, str]]:
    tax = adapters.taxonomy()
    return [(s, tax.label(s, ui_lang())) for s in tax.ids()]


# --------------------------------------------------------------------------- overview


@login_required
@require_GET
def talent_home_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    try:
        m = selectors.service_metrics(actor=user)
    except DomainError as exc:
        return refusal_page(request, exc)
    util = bar_chart(
        _("Expert utilisation, last 3 months (share of capacity)"),
        [Bar(n, round(u * 100, 1), tone="blue") for n, u in m.utilisation[:15]],
        unit="%",
    )
    backlog = bar_chart(
        _("Open requests per skill"),
        [Bar(_skill_label(s), n, tone="orange") for s, n in m.backlog],
    )
    per_month = bar_chart(
        _("Visits per month"),
        [Bar(month, n, tone="green") for month, n in m.by_month[-12:]],
    )
    return render(
        request,
        "talent/home.html",
        {
            "m": m,
            "util": util,
            "backlog": backlog,
            "per_month": per_month,
            "is_coordinator": selectors.is_coordinator(user),
            "is_expert": selectors.expert_of(user) is not None,
        },
    )


# --------------------------------------------------------------------------- pool


@login_required
@require_GET
def expert_list_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    skill = request.GET.get("skill") or None
    try:
        experts = list(selectors.expert_list(actor=user, skill=skill))
    except DomainError as exc:
        return refusal_page(request, exc)
    rows = [
        {
            "expert": e,
            "skills": [(_skill_label(s.skill), s.level, s.confirmed_at) for s in e.skills.all()],
        }
        for e in experts
    ]
    return render(
        request,
        "talent/experts.html",
        {"rows": rows, "skill": skill, "skills": _skill_choices()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def expert_detail_view(request: HttpRequest, expert_id: int) -> HttpResponse:
    user = signed_in_user(request)
    try:
        expert = selectors.expert_get(actor=user, pk=expert_id)
        if request.method == "POST":
            try:
                services.expert_skill_confirm(
                    actor=user,
                    expert=expert,
                    skill=request.POST.get("skill", ""),
                    level=int_or(request.POST.get("level"), 0),
                    evidence=request.POST.get("evidence", ""),
                )
                messages.success(request, _("The competency was confirmed."))
                return redirect("talent:expert_detail", expert_id=expert_id)
            except ValidationFailed as exc:
                _flash_error(request, exc)
    except DomainError as exc:
        return refusal_page(request, exc)
    return render(
        request,
        "talent/expert_detail.html",
        {
            "expert": expert,
            "skills": [(s, _skill_label(s.skill)) for s in expert.skills.all()],
            "is_coordinator": selectors.is_coordinator(user),
            "sees_rates": selectors.sees_all(user),
            "skill_choices": _skill_choices(),
        },
    )


# --------------------------------------------------------------------------- requests


@login_required
@require_GET
def request_list_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    try:
        reqs = list(
            selectors.request_list(actor=user, state=request.GET.get("state") or None)[:200]
        )
    except DomainError as exc:
        return refusal_page(request, exc)
    return render(
        request,
        "talent/requests.html",
        {
            "reqs": reqs,
            "can_request": can(user, Cap.TALENT_REQUEST_OWN),
            "states": SupportRequest.State.choices,
            "state": request.GET.get("state", ""),
        },
    )


def _form_skills(post: Any) -> list[tuple[str, int]]:
    out = []
    for skill in post.getlist("skills"):
        out.append((skill, int_or(post.get(f"level_{skill}"), 2)))
    return out


@login_required
@require_http_methods(["GET", "POST"])
def request_new_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not can(user, Cap.TALENT_REQUEST_OWN):
        return refusal_page(request, NotFound())
    org = Organization.objects.get(pk=user.organization_id)
    leaders_ = [
        lead for lead in selectors.leaders(actor=user, organization=org) if lead.left_on is None
    ]
    errors: dict[str, Any] = {}
    values: dict[str, Any] = {
        "mode": "either",
        "visits_per_month": 2,
        "months": 6,
        "urgency": 2,
        "start_month": (timezone.localdate().replace(day=1) + dt.timedelta(days=32)).strftime(
            "%Y-%m"
        ),
    }
    chosen: dict[str, int] = {}
    status = 200
    if request.method == "POST":
        values = {
            k: request.POST.get(k, "")
            for k in (
                "title",
                "problem",
                "mode",
                "visits_per_month",
                "months",
                "urgency",
                "start_month",
                "preferred_expert",
                "dx_leader",
            )
        }
        chosen = dict(_form_skills(request.POST))
        try:
            leader = next((lead for lead in leaders_ if str(lead.pk) == values["dx_leader"]), None)
            preferred = Expert.objects.filter(
                pk=int_or(values["preferred_expert"], 0), active=True
            ).first()
            req = services.support_request_create(
                actor=user,
                organization=org,
                data=values,
                skills=list(chosen.items()),
                submit=request.POST.get("action") != "draft",
                preferred_expert=preferred,
                dx_leader=leader,
            )
            messages.success(
                request, _("Your request was filed. The coordinator will propose experts.")
            )
            return redirect("talent:request_detail", support_id=req.pk)
        except ValidationFailed as exc:
            errors = exc.details
            status = 422
    return render(
        request,
        "talent/request_form.html",
        {
            "values": values,
            "chosen": chosen,
            "errors": errors,
            "skills": _skill_choices(),
            "leaders": leaders_,
            "experts": Expert.objects.filter(active=True).order_by("name"),
            "modes": Mode.choices,
        },
        status=status,
    )


@login_required
@require_POST
def request_suggest_view(request: HttpRequest) -> HttpResponse:
    """htmx: skills suggested from the problem text, and similar past requests."""
    user = signed_in_user(request)
    if not can(user, Cap.TALENT_REQUEST_OWN) and not selectors.sees_all(user):
        return HttpResponse(status=404)
    text = str(request.POST.get("problem", ""))[:20000]
    from .suggest import suggestions_for

    result = suggestions_for(actor=user, text=text, lang=ui_lang())
    return render(request, "talent/_suggestions.html", result)


@login_required
@require_http_methods(["GET", "POST"])
def request_detail_view(request: HttpRequest, support_id: int) -> HttpResponse:
    user = signed_in_user(request)
    try:
        req = selectors.request_get(actor=user, pk=support_id)
    except DomainError as exc:
        return refusal_page(request, exc)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "rank":
                order = [int(x) for x in request.POST.getlist("order") if x.isdigit()]
                ranks = sorted((int_or(request.POST.get(f"rank_{p}"), 99), p) for p in order)
                services.proposal_rank(actor=user, request=req, order=[p for _r, p in ranks])
                messages.success(request, _("Thank you. The first candidate has been asked."))
            elif action in ("lock", "exclude", "clear"):
                expert = Expert.objects.filter(pk=int_or(request.POST.get("expert"), 0)).first()
                services.matching_adjust(
                    actor=user,
                    request=req,
                    lock=expert if action == "lock" else None,
                    exclude=expert if action == "exclude" else None,
                    clear=action == "clear",
                )
                messages.success(request, _("Saved. The next matching run respects it."))
            elif action == "schedule":
                asg = selectors.assignment_current(actor=user, request=req)
                if asg is None:
                    raise NotFound()
                services.visit_schedule(
                    actor=user,
                    assignment=asg,
                    date=dt.date.fromisoformat(request.POST.get("date", "")),
                    mode=request.POST.get("mode", ""),
                )
                messages.success(request, _("The visit is on the calendar."))
            elif action == "close":
                services.support_request_close(
                    actor=user,
                    request=req,
                    satisfaction=int_or(request.POST.get("satisfaction"), 0),
                )
                messages.success(request, _("The request is closed. Thank you for the rating."))
            elif action == "cancel":
                services.support_request_cancel(actor=user, request=req)
                messages.success(request, _("The request was cancelled."))
            elif action == "follow_up":
                from .models import FollowUp

                fu = FollowUp.objects.filter(request=req).first()
                if fu is None:
                    raise NotFound()
                services.follow_up_answer(
                    actor=user,
                    follow_up=fu,
                    outcome=request.POST.get("outcome", ""),
                    rating=int_or(request.POST.get("rating"), 0),
                )
                messages.success(request, _("Thank you for telling us the outcome."))
            return redirect("talent:request_detail", support_id=support_id)
        except ValueError:
            messages.error(request, _("Enter the date as YYYY-MM-DD."))
        except (PermissionDenied, NotFound) as exc:
            return refusal_page(request, exc)
        except DomainError as exc:
            _flash_error(request, exc)
    lang = ui_lang()
    proposals = selectors.proposals_of(actor=user, request=req)
    prop_rows = []
    for p in proposals:
        parts = adapters.breakdown_words(p.breakdown, lang)
        top = max((abs(v) for _l, v in parts), default=1) or 1
        prop_rows.append(
            {
                "p": p,
                "parts": [
                    {"label": label, "value": v, "width": round(100 * abs(v) / top), "neg": v < 0}
                    for label, v in parts
                ],
                "skills": [(_skill_label(s.skill), s.level) for s in p.expert.skills.all()],
            }
        )
    own = req.organization_id == user.organization_id and can(user, Cap.TALENT_REQUEST_OWN)
    asg = selectors.assignment_current(actor=user, request=req)
    calendar = None
    if asg is not None:
        shown = req.start_month
        try:
            if request.GET.get("month"):
                shown = dt.date.fromisoformat(request.GET["month"] + "-01")
        except ValueError:
            shown = req.start_month
        calendar = _calendar(asg, req, shown)
    from .models import FollowUp

    return render(
        request,
        "talent/request_detail.html",
        {
            "req": req,
            "skills": [(_skill_label(s.skill), s.min_level) for s in req.skills.all()],
            "proposals": prop_rows,
            "can_rank": own and req.state == SupportRequest.State.PROPOSED,
            "is_coordinator": selectors.is_coordinator(user),
            "own": own,
            "assignment": asg,
            "visits": selectors.visits_of(actor=user, request=req),
            "modes": [(Mode.ONSITE, Mode.ONSITE.label), (Mode.ONLINE, Mode.ONLINE.label)],
            "diagnosis": _diagnosis_words(req.diagnosis, lang),
            "follow_up": FollowUp.objects.filter(request=req).first(),
            "today": timezone.localdate(),
            "calendar": calendar,
        },
    )


def _calendar(asg: Any, req: SupportRequest, month: dt.date) -> dict[str, Any]:
    """A month of the assigned expert's calendar: this request's visits, days taken by the
    expert's other visits, blackout days, and the days a visit can be booked."""
    import calendar as cal

    first, last = adapters.month_bounds(month)
    visits = list(
        Visit.objects.filter(assignment__expert=asg.expert, date__gte=first, date__lte=last)
        .exclude(state=Visit.State.CANCELLED)
        .values_list("date", "assignment__request_id")
    )
    blackouts = list(asg.expert.blackouts.filter(start__lte=last, end__gte=first))
    start, end = req.start_month, req.end_month
    full = len(visits) >= asg.expert.capacity
    own_count = sum(1 for _d, r in visits if r == req.pk)
    weeks: list[list[dict[str, Any] | None]] = []
    for week in cal.Calendar(firstweekday=6).monthdatescalendar(first.year, first.month):
        row: list[dict[str, Any] | None] = []
        for day in week:
            if day.month != first.month:
                row.append(None)
                continue
            mine = [d for d, r in visits if d == day and r == req.pk]
            other = [d for d, r in visits if d == day and r != req.pk]
            off = any(b.start <= day <= b.end for b in blackouts)
            bookable = (
                start <= day < end
                and not off
                and not full
                and own_count < req.visits_per_month
                and not mine
            )
            row.append(
                {
                    "day": day,
                    "mine": bool(mine),
                    "other": bool(other),
                    "off": off,
                    "bookable": bookable,
                }
            )
        weeks.append(row)
    prev_month = (first - dt.timedelta(days=1)).replace(day=1)
    next_month = last + dt.timedelta(days=1)
    return {
        "month": first,
        "weeks": weeks,
        "prev": prev_month.strftime("%Y-%m"),
        "next": next_month.strftime("%Y-%m"),
        "full": full,
        "own_count": own_count,
    }


def _diagnosis_words(diag: Any, lang: str) -> dict[str, list[str]] | None:
    if not diag or not isinstance(diag, dict):
        return None
    from .suggest import reason_text, suggestion_text

    return {
        "reasons": [reason_text(r, lang) for r in diag.get("reasons", [])],
        "suggestions": [suggestion_text(s, lang) for s in diag.get("suggestions", [])],
    }


# --------------------------------------------------------------------------- matching


@login_required
@require_http_methods(["GET", "POST"])
def matching_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not selectors.sees_all(user):
        return refusal_page(request, NotFound())
    if request.method == "POST":
        try:
            month_text = request.POST.get("month") or timezone.localdate().strftime("%Y-%m")
            run = services.matching_run(
                actor=user,
                month=dt.date.fromisoformat(month_text + "-01"),
                time_limit_s=float(request.POST.get("time_limit") or 10),
            )
            return redirect("talent:run_detail", run_id=run.pk)
        except ValueError:
            messages.error(request, _("Enter the month as YYYY-MM and the time limit in seconds."))
        except DomainError as exc:
            _flash_error(request, exc)
    open_reqs = (
        selectors.request_list(actor=user)
        .filter(state__in=[SupportRequest.State.SUBMITTED, SupportRequest.State.PROPOSED])
        .count()
    )
    return render(
        request,
        "talent/matching.html",
        {
            "runs": list(selectors.runs(actor=user)[:20]),
            "open_requests": open_reqs,
            "month": timezone.localdate().strftime("%Y-%m"),
            "is_coordinator": selectors.is_coordinator(user),
        },
    )


@login_required
@require_GET
def run_detail_view(request: HttpRequest, run_id: int) -> HttpResponse:
    user = signed_in_user(request)
    try:
        run = selectors.run_get(actor=user, pk=run_id)
    except DomainError as exc:
        return refusal_page(request, exc)
    proposals = list(
        Proposal.objects.filter(run=run, best=True)
        .select_related("request__organization", "expert")
        .order_by("request__organization__code")
    )
    lang = ui_lang()
    unassigned = []
    rows = run.result.get("unassigned", [])
    reqs = SupportRequest.objects.select_related("organization").in_bulk(
        [int_or(un.get("request"), 0) for un in rows]
    )
    for un in rows:
        req = reqs.get(int_or(un.get("request"), 0))
        if req is None:
            continue
        unassigned.append({"req": req, "words": _diagnosis_words(un, lang)})
    return render(
        request,
        "talent/run_detail.html",
        {
            "run": run,
            "proposals": [
                {"p": p, "parts": adapters.breakdown_words(p.breakdown, lang)} for p in proposals
            ],
            "unassigned": unassigned,
        },
    )


# --------------------------------------------------------------------------- experts' side


@login_required
@require_http_methods(["GET", "POST"])
def offers_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    try:
        if request.method == "POST":
            prop = Proposal.objects.filter(pk=int_or(request.POST.get("proposal"), 0)).first()
            if prop is None:
                raise NotFound()
            try:
                services.proposal_respond(
                    actor=user,
                    proposal=prop,
                    accept=request.POST.get("answer") == "accept",
                    reason=request.POST.get("reason", ""),
                )
                messages.success(request, _("Your answer was sent."))
                return redirect("talent:offers")
            except ValidationFailed as exc:
                _flash_error(request, exc)
        offers = selectors.offers_for(actor=user)
        assignments = selectors.expert_assignments(actor=user)
    except DomainError as exc:
        return refusal_page(request, exc)
    return render(
        request,
        "talent/offers.html",
        {
            "offers": offers,
            "assignments": assignments,
            "now": timezone.now(),
            "skill_label": _skill_label,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_detail_view(request: HttpRequest, visit_id: int) -> HttpResponse:
    user = signed_in_user(request)
    try:
        visit = selectors.visit_get(actor=user, pk=visit_id)
    except DomainError as exc:
        return refusal_page(request, exc)
    req = visit.assignment.request
    leaders_ = list(DxLeader.objects.filter(organization=req.organization, left_on__isnull=True))
    values = {"report": ""}
    status = 200
    errors: dict[str, Any] = {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in request.POST}
        arts = [
            {
                "title": request.POST.get(f"art_title_{i}", ""),
                "kind": request.POST.get(f"art_kind_{i}", ""),
                "skill": request.POST.get(f"art_skill_{i}", ""),
                "summary": request.POST.get(f"art_summary_{i}", ""),
            }
            for i in range(3)
        ]
        comps = [
            (
                int_or(request.POST.get(f"comp_leader_{i}"), 0),
                request.POST.get(f"comp_skill_{i}", ""),
                int_or(request.POST.get(f"comp_level_{i}"), 0),
            )
            for i in range(2)
            if request.POST.get(f"comp_leader_{i}")
        ]
        try:
            services.visit_report(
                actor=user,
                visit=visit,
                report=request.POST.get("report", ""),
                artifacts=arts,
                competencies=comps,
            )
            messages.success(request, _("Thank you. The report was sent to the municipality."))
            return redirect("talent:visit_detail", visit_id=visit_id)
        except (PermissionDenied, NotFound) as exc:
            return refusal_page(request, exc)
        except DomainError as exc:
            errors = {"message": str(exc.message), **exc.details}
            status = 422 if isinstance(exc, ValidationFailed) else exc.status
    return render(
        request,
        "talent/visit_detail.html",
        {
            "visit": visit,
            "req": req,
            "values": values,
            "errors": errors,
            "can_report": visit.assignment.expert.user_id == user.pk
            and visit.state in (Visit.State.SCHEDULED, Visit.State.DONE),
            "leaders": leaders_,
            "skills": _skill_choices(),
            "kinds": KnowledgeArtifact.Kind.choices,
            "artifacts": list(visit.artifacts.all()),
        },
        status=status,
    )


# --------------------------------------------------------------------------- know-how


@login_required
@require_http_methods(["GET", "POST"])
def knowledge_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    try:
        if request.method == "POST":
            art = selectors.artifact_get(actor=user, pk=int_or(request.POST.get("artifact"), 0))
            try:
                services.artifact_reuse(actor=user, artifact=art, note=request.POST.get("note", ""))
                messages.success(request, _("Recorded: your organisation reused this artifact."))
            except DomainError as exc:
                _flash_error(request, exc)
            return redirect("talent:knowledge")
        arts = list(selectors.artifacts(actor=user)[:60])
        g = selectors.spread_graph(actor=user)
    except DomainError as exc:
        return refusal_page(request, exc)
    return render(
        request,
        "talent/knowledge.html",
        {
            "artifacts": arts,
            "svg": graph.render(g, lang=ui_lang()),
            "skill_label": _skill_label,
            "own_org": user.organization_id,
            "can_reuse": can(user, Cap.TALENT_REQUEST_OWN),
            "edges": sum(g.reuses.values()),
            "links": len(g.visits),
        },
    )


# --------------------------------------------------------------------------- statements


def _statement_org(user: User, code: str) -> Organization:
    org = Organization.objects.filter(code=code).first()
    if org is None or (not selectors.sees_all(user) and org.pk != user.organization_id):
        raise NotFound()
    return org


@login_required
@require_GET
def statements_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    code = request.GET.get("org") or Organization.objects.get(pk=user.organization_id).code
    try:
        org = _statement_org(user, code)
        months = selectors.statement_months(actor=user, organization=org)
        month_text = request.GET.get("month") or (months[0].strftime("%Y-%m") if months else "")
        month = (
            dt.date.fromisoformat(month_text + "-01")
            if month_text
            else timezone.localdate().replace(day=1)
        )
        entries = selectors.statement(actor=user, organization=org, month=month)
        totals = (
            selectors.statement_totals(actor=user, month=month) if selectors.sees_all(user) else []
        )
    except ValueError:
        return refusal_page(request, ValidationFailed(_("Enter the month as YYYY-MM.")))
    except DomainError as exc:
        return refusal_page(request, exc)
    return render(
        request,
        "talent/statements.html",
        {
            "org": org,
            "months": months,
            "month": month,
            "entries": entries,
            "total": sum(e.amount for e in entries),
            "totals": totals,
        },
    )


def _statement_rows(
    user: User, code: str, month_text: str
) -> tuple[Organization, dt.date, list[Any]]:
    org = _statement_org(user, code)
    month = dt.date.fromisoformat(month_text + "-01")
    return org, month, selectors.statement(actor=user, organization=org, month=month)


@login_required
@require_GET
def statement_csv_view(request: HttpRequest, code: str, month: str) -> HttpResponse:
    user = signed_in_user(request)
    try:
        org, m, entries = _statement_rows(user, code, month)
    except ValueError:
        return refusal_page(request, NotFound())
    except DomainError as exc:
        return refusal_page(request, exc)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["organization", "month", "kind", "date", "description", "tag", "amount_yen"])
    for e in entries:
        w.writerow(
            [
                org.code,
                f"{m:%Y-%m}",
                e.kind,
                e.visit.date.isoformat() if e.visit else "",
                e.description,
                e.tag,
                e.amount,
            ]
        )
    w.writerow([org.code, f"{m:%Y-%m}", "total", "", "", "", sum(e.amount for e in entries)])
    resp = HttpResponse("\ufeff" + buf.getvalue(), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="statement-{code}-{month}.csv"'
    return resp


@login_required
@require_POST
def statement_pdf_view(request: HttpRequest, code: str, month: str) -> HttpResponse:
    """Queue the PDF and show its progress (a background job prints it)."""
    user = signed_in_user(request)
    try:
        org = _statement_org(user, code)
        m = dt.date.fromisoformat(month + "-01")
        export = services.statement_export_request(
            actor=user, organization=org, month=m, lang=ui_lang()
        )
    except ValueError:
        return refusal_page(request, NotFound())
    except DomainError as exc:
        return refusal_page(request, exc)
    return redirect("talent:statement_export", export_id=export.pk)


@login_required
@require_GET
def statement_export_view(request: HttpRequest, export_id: int) -> HttpResponse:
    user = signed_in_user(request)
    try:
        export = selectors.statement_export_get(actor=user, pk=export_id)
    except DomainError as exc:
        return refusal_page(request, exc)
    if request.GET.get("download"):
        if export.status != "done" or not export.pdf:
            return refusal_page(request, NotFound())
        resp = HttpResponse(bytes(export.pdf), content_type="application/pdf")
        resp["Content-Disposition"] = (
            f'attachment; filename="statement-{export.organization.code}-{export.month:%Y-%m}.pdf"'
        )
        return resp
    template = (
        "talent/_statement_export.html"
        if request.headers.get("HX-Request")
        else "talent/statement_export.html"
    )
    return render(
        request,
        template,
        {"export": export, "pending": export.status in ("queued", "running")},
    )


# --------------------------------------------------------------------------- DX leaders


@login_required
@require_http_methods(["GET", "POST"])
def leaders_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    code = request.GET.get("org") or Organization.objects.get(pk=user.organization_id).code
    try:
        org = _statement_org(user, code)
        if request.method == "POST":
            action = request.POST.get("action")
            try:
                if action == "add":
                    services.dx_leader_add(
                        actor=user,
                        organization=org,
                        name=request.POST.get("name", ""),
                        department=request.POST.get("department", ""),
                        appointed_on=dt.date.fromisoformat(request.POST.get("appointed_on", "")),
                    )
                elif action == "leave":
                    services.dx_leader_leave(
                        actor=user,
                        leader=selectors.leader_get(
                            actor=user, pk=int_or(request.POST.get("leader"), 0)
                        ),
                        left_on=dt.date.fromisoformat(request.POST.get("left_on", "")),
                    )
                elif action == "training":
                    services.training_record_add(
                        actor=user,
                        leader=selectors.leader_get(
                            actor=user, pk=int_or(request.POST.get("leader"), 0)
                        ),
                        course=request.POST.get("course", ""),
                        completed_on=dt.date.fromisoformat(request.POST.get("completed_on", "")),
                        hours=int_or(request.POST.get("hours"), 0),
                    )
                messages.success(request, _("Saved."))
                return redirect(f"{request.path}?org={org.code}")
            except ValueError:
                messages.error(request, _("Enter the date as YYYY-MM-DD."))
            except (PermissionDenied, NotFound) as exc:
                return refusal_page(request, exc)
            except DomainError as exc:
                _flash_error(request, exc)
        leaders_ = selectors.leaders(actor=user, organization=org)
    except DomainError as exc:
        return refusal_page(request, exc)
    stats = selectors.retention(leaders_, today=timezone.localdate())
    return render(
        request,
        "talent/leaders.html",
        {
            "org": org,
            "leaders": leaders_,
            "stats": stats,
            "skill_label": _skill_label,
            "can_edit": can(user, Cap.TALENT_REQUEST_OWN) and org.pk == user.organization_id,
            "today": timezone.localdate(),
        },
    )
