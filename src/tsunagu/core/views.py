"""Dashboard, organisation directory and profiles, audit trail, background jobs, errors."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import selectors, services
from .charts import Bar, bar_chart
from .errors import DomainError, NotFound, PermissionDenied
from .forms import OrganizationProfileForm
from .models import Job, OrgKind, Region
from .permissions import can
from .roles import MUNICIPAL_ROLES, Cap, Role
from .web import signed_in_user

MODEL_TONES = {
    "unknown": "gray",
    "alpha": "blue",
    "alpha_prime": "lightblue",
    "beta": "green",
    "beta_prime": "orange",
    "custom": "purple",
}


def _domain_error_page(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return render(
        request,
        "core/error.html",
        {
            "title": _("Not found") if exc.status == 404 else _("Not allowed"),
            "message": str(exc.message),
        },
        status=exc.status,
    )


@login_required
@require_GET
def dashboard_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    from tsunagu.notifications.selectors import notification_list

    ctx: dict[str, Any] = {
        "org": user.organization,
        "recent_notifications": notification_list(actor=user)[:5],
        "role": user.role,
    }
    models = selectors.network_model_counts(actor=user)
    ctx["model_chart"] = bar_chart(
        _("Network models of the 62 municipalities"),
        [Bar(label, n, MODEL_TONES[value]) for value, label, n in models],
        unit=" " + _("bodies"),
    )
    if user.role in MUNICIPAL_ROLES:
        members = selectors.member_list(actor=user, organization=user.organization)
        ctx["members"] = members
        ctx["member_count"] = members.count()
        ctx["members_with_mfa"] = sum(bool(getattr(m, "mfa_on", False)) for m in members)
    if can(user, Cap.AUDIT_VIEW_OWN) or can(user, Cap.AUDIT_VIEW_ANY):
        ctx["recent_audit"] = selectors.audit_entry_list(actor=user)[:8]
    if can(user, Cap.MEMBERS_VIEW_ANY):
        adoption = selectors.mfa_adoption_by_region(actor=user)
        ctx["mfa_chart"] = bar_chart(
            _("Members using two-step sign-in, by region (%)"),
            [
                Bar(
                    region,
                    round(100 * with_mfa / total) if total else 0,
                    "green",
                    f"{with_mfa}/{total}",
                )
                for region, with_mfa, total in adoption
            ],
            unit="%",
        )
    if can(user, Cap.AUDIT_VERIFY):
        ctx["last_verify"] = selectors.job_list(actor=user).filter(kind="audit.verify").first()
    from tsunagu.voices.selectors import voice_dashboard

    ctx["voices"] = voice_dashboard(actor=user)
    return render(request, "core/dashboard.html", ctx)


@login_required
@require_GET
def organization_list_view(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind") or None
    region = request.GET.get("region") or None
    query = (request.GET.get("q") or "").strip()[:50] or None
    orgs = selectors.organization_list(
        actor=signed_in_user(request), kind=kind, region=region, query=query
    )
    ctx = {
        "orgs": orgs,
        "kinds": OrgKind.choices,
        "regions": Region.choices,
        "kind": kind or "",
        "region": region or "",
        "q": query or "",
        "total": orgs.count(),
    }
    template = (
        "core/_organization_rows.html"
        if request.headers.get("HX-Request")
        else "core/organization_list.html"
    )
    return render(request, template, ctx)


@login_required
@require_GET
def organization_detail_view(request: HttpRequest, code: str) -> HttpResponse:
    try:
        org = selectors.organization_get(actor=signed_in_user(request), code=code)
    except DomainError as exc:
        return _domain_error_page(request, exc)
    members = selectors.member_list(actor=signed_in_user(request), organization=org)
    return render(
        request,
        "core/organization_detail.html",
        {
            "org": org,
            "members": members,
            "can_edit": selectors.organization_can_edit(
                actor=signed_in_user(request), organization=org
            ),
            "can_set_mfa": can(signed_in_user(request), Cap.ORG_EDIT_ANY)
            or (
                signed_in_user(request).role == Role.MUNI_CIO
                and signed_in_user(request).organization_id == org.pk
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def organization_edit_view(request: HttpRequest, code: str) -> HttpResponse:
    try:
        org = selectors.organization_get(actor=signed_in_user(request), code=code)
        if not selectors.organization_can_edit(actor=signed_in_user(request), organization=org):
            raise NotFound()
    except DomainError as exc:
        return _domain_error_page(request, exc)
    fields = list(services.PROFILE_FIELDS)
    initial = {f: getattr(org, f) for f in fields} | {"version": org.version}
    form = OrganizationProfileForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = {f: form.cleaned_data[f] or "" for f in fields}
            try:
                services.organization_update_profile(
                    actor=signed_in_user(request),
                    organization=org,
                    data=data,
                    expected_version=form.cleaned_data["version"],
                )
            except DomainError as exc:
                for field, msg in exc.details.items():
                    form.add_error(field if field in form.fields else None, msg)
                if not exc.details:
                    form.add_error(None, str(exc.message))
                status = exc.status
            else:
                messages.success(request, _("The profile was saved."))
                return redirect("core:organization_detail", code=org.code)
        else:
            status = 422
    return render(request, "core/organization_edit.html", {"org": org, "form": form}, status=status)


@login_required
@require_POST
def organization_mfa_policy_view(request: HttpRequest, code: str) -> HttpResponse:
    try:
        org = selectors.organization_get(actor=signed_in_user(request), code=code)
        required = request.POST.get("required") == "1"
        services.organization_set_mfa_policy(
            actor=signed_in_user(request), organization=org, required=required
        )
    except (NotFound, PermissionDenied) as exc:
        return _domain_error_page(request, NotFound() if isinstance(exc, PermissionDenied) else exc)
    messages.success(request, _("The sign-in policy was updated."))
    return redirect("core:organization_detail", code=org.code)


@login_required
@require_GET
def audit_list_view(request: HttpRequest) -> HttpResponse:
    try:
        entries = selectors.audit_entry_list(
            actor=signed_in_user(request),
            organization_code=request.GET.get("org") or None,
            action_prefix=request.GET.get("action") or None,
        )
    except DomainError as exc:
        return _domain_error_page(request, exc)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "core/audit_list.html",
        {
            "page": page,
            "org_filter": request.GET.get("org", ""),
            "action_filter": request.GET.get("action", ""),
            "can_verify": can(signed_in_user(request), Cap.AUDIT_VERIFY),
            "scope_all": can(signed_in_user(request), Cap.AUDIT_VIEW_ANY),
        },
    )


@login_required
@require_POST
def audit_verify_view(request: HttpRequest) -> HttpResponse:
    if not can(signed_in_user(request), Cap.AUDIT_VERIFY):
        return _domain_error_page(request, NotFound())
    job = services.job_start(
        actor=signed_in_user(request),
        kind="audit.verify",
        label=_("Audit trail verification"),
        task_path="tsunagu.core.tasks.audit_chain_verify_job",
        queue_name="reports",
    )
    return redirect("core:job_detail", job_id=job.pk)


@login_required
@require_GET
def job_list_view(request: HttpRequest) -> HttpResponse:
    jobs = selectors.job_list(actor=signed_in_user(request)).select_related("owner")[:100]
    return render(request, "core/job_list.html", {"jobs": jobs})


@login_required
@require_GET
def job_detail_view(request: HttpRequest, job_id: int) -> HttpResponse:
    try:
        job = selectors.job_get(actor=signed_in_user(request), job_id=job_id)
    except DomainError as exc:
        return _domain_error_page(request, exc)
    done = job.status in (Job.Status.SUCCEEDED, Job.Status.FAILED)
    template = (
        "core/_job_progress.html" if request.headers.get("HX-Request") else "core/job_detail.html"
    )
    return render(request, template, {"job": job, "done": done})


def csrf_failure_view(request: HttpRequest, reason: str = "") -> HttpResponse:
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse(
            {
                "code": "csrf_failed",
                "message": _(
                    "The security token is missing or invalid. Reload the page and try again."
                ),
                "details": {},
            },
            status=403,
        )
    return render(
        request,
        "core/error.html",
        {
            "title": _("The form expired"),
            "message": _(
                "The security token is missing or invalid. Reload the page and try again."
            ),
        },
        status=403,
    )


def not_found_view(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(
        request,
        "core/error.html",
        {
            "title": _("Not found"),
            "message": _("The page you asked for does not exist, or you cannot see it."),
        },
        status=404,
    )


def permission_denied_view(
    request: HttpRequest, exception: Exception | None = None
) -> HttpResponse:
    return render(
        request,
        "core/error.html",
        {"title": _("Not allowed"), "message": _("You do not have permission to do this.")},
        status=403,
    )


def bad_request_view(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(
        request,
        "core/error.html",
        {"title": _("Bad request"), "message": _("The request could not be understood.")},
        status=400,
    )


def server_error_view(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/error.html",
        {
            "title": _("Something went wrong"),
            "message": _(
                "An unexpected error occurred. It has been logged; please try again later."
            ),
        },
        status=500,
    )


@require_GET
def healthz_view(request: HttpRequest) -> HttpResponse:
    """Load-balancer health check: the database answers."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
