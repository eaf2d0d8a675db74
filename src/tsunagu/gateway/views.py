"""Gateway pages: overview, change requests (live verdict), review queue, catalog, policy viewer,
versions and artifacts, lead times, yearly recertification.

Every read goes through :mod:`.selectors`, every write through :mod:`.services` / :mod:`.train`;
what a municipality may not see answers 404, the same as what does not exist.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagu.accounts.models import User
from tsunagu.core import selectors as core_selectors
from tsunagu.core.charts import Bar, bar_chart
from tsunagu.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from tsunagu.core.models import Organization
from tsunagu.core.permissions import can
from tsunagu.core.roles import Cap
from tsunagu.core.web import int_or, is_htmx, refusal_page, signed_in_user, ui_lang

from . import selectors
from .charts import line_chart
from .forms import KIND_FIELDS, KIND_HELP, ChangeRequestForm
from .models import (
    SHARED_KEY,
    ChangeApproval,
    ChangeKind,
    ChangeRequest,
    ChangeState,
    PolicyVersion,
    RiskClass,
)

PAGE_SIZE = 25
SOON_DAYS = 30
CLASS_TONES = {
    RiskClass.STANDARD: "ok",
    RiskClass.NORMAL: "info",
    RiskClass.MAJOR: "warn",
    RiskClass.REJECTED: "error",
}
STATE_TONES = {
    ChangeState.APPLIED: "ok",
    ChangeState.CLOSED: "muted",
    ChangeState.REJECTED: "error",
    ChangeState.WITHDRAWN: "muted",
    ChangeState.ROLLED_BACK: "warn",
    ChangeState.DRAFT: "muted",
}
CATEGORY_LABELS: dict[str, Any] = {}


def _services() -> Any:
    # Imported lazily: the services pull in the verifier engine, which the read-only pages
    # (and the URL walk) do not need.
    from . import services

    return services


def _train() -> Any:
    from . import train

    return train


def _category_label(slug: str) -> str:
    labels = {
        "web_meeting": _("Web meetings"),
        "web-meeting": _("Web meetings"),
        "meeting": _("Web meetings"),
        "chat": _("Chat and groupware"),
        "groupware": _("Chat and groupware"),
        "saas": _("Business SaaS"),
        "egov": _("e-Government"),
        "e-gov": _("e-Government"),
        "government": _("e-Government"),
        "storage": _("File sharing and storage"),
        "learning": _("Learning"),
        "security": _("Security"),
        "other": _("Other"),
    }
    return str(labels.get(slug, slug.replace("_", " ").capitalize()))


def _can_view(user: User) -> bool:
    return can(user, Cap.GATEWAY_VIEW_OWN) or can(user, Cap.GATEWAY_VIEW_ANY)


def _can_request(user: User) -> bool:
    return can(user, Cap.GATEWAY_REQUEST_OWN) or can(user, Cap.GATEWAY_REQUEST_SHARED)


def _org_name(org: Organization | None) -> str:
    if org is None:
        return ""
    return org.name_en if ui_lang() == "en" and org.name_en else org.name


def _duration(minutes: float | None) -> str:
    """A lead time or SLA in words: minutes, hours or days."""
    if minutes is None:
        return "—"
    minutes = abs(minutes)
    if minutes < 90:
        return _("%(n)s min") % {"n": f"{minutes:.0f}"}
    if minutes < 48 * 60:
        return _("%(n)s h") % {"n": f"{minutes / 60:.1f}".rstrip("0").rstrip(".")}
    return _("%(n)s days") % {"n": f"{minutes / 1440:.1f}".rstrip("0").rstrip(".")}


def _sla(req: ChangeRequest, now: dt.datetime) -> dict[str, Any] | None:
    """Due time and what is left (or how late it is) for an open, submitted request."""
    if not req.is_open or req.state == ChangeState.DRAFT:
        return None
    due = selectors.sla_due(req)
    if due is None:
        return None
    left = (due - now).total_seconds() / 60
    return {
        "due": due,
        "overdue": left < 0,
        "text": (
            _("%(t)s overdue") % {"t": _duration(-left)}
            if left < 0
            else _("%(t)s left") % {"t": _duration(left)}
        ),
    }


# --------------------------------------------------------------------------- verdicts


def _pick(doc: Any, *keys: str, default: Any = None) -> Any:
    if not isinstance(doc, dict):
        return default
    for key in keys:
        if key in doc and doc[key] not in (None, ""):
            return doc[key]
    return default


def _localised(item: Any, lang: str, *keys: str) -> str:
    for key in keys:
        for k in (f"{key}_{lang}", key, f"{key}_ja", f"{key}_en"):
            value = _pick(item, k)
            if isinstance(value, dict):
                value = value.get(lang) or value.get("ja") or value.get("en")
            if value:
                return str(value)
    return ""


def _describe(item: Any, lang: str) -> str:
    """One line for a flow, host or section the verdict lists (dicts, strings or lists)."""
    if item is None:
        return ""
    if isinstance(item, str | int | float):
        return str(item)
    if isinstance(item, list | tuple):
        return ", ".join(_describe(i, lang) for i in item)
    if not isinstance(item, dict):
        return str(item)
    text = _localised(item, lang, "text", "label", "description", "summary")
    if text:
        return text
    parts: list[str] = []
    for key in ("org", "section", "organization"):
        if item.get(key):
            parts.append(f"[{item[key]}]")
    src = _pick(item, "sources", "source", "src")
    dst = _pick(item, "destinations", "destination", "dst", "hosts", "host", "pattern")
    if src:
        parts.append(_describe(src, lang))
    if dst:
        parts.append(("→ " if src else "") + _describe(dst, lang))
    proto = _pick(item, "protocol", "protocols")
    ports = _pick(item, "ports", "port")
    if proto or ports:
        parts.append(f"{_describe(proto or '', lang)}/{_describe(ports or 'any', lang)}".strip("/"))
    count = _pick(item, "addresses", "count", "size")
    if count not in (None, "") and parts:
        parts.append(f"({count})")
    if parts:
        return " ".join(parts)
    return ", ".join(f"{k}: {_describe(v, lang)}" for k, v in item.items())


def _listing(value: Any, lang: str) -> list[str]:
    if value in (None, "", [], {}):
        return []
    if isinstance(value, dict):
        for key in ("items", "flows", "hosts", "entries", "sections", "orgs"):
            if isinstance(value.get(key), list):
                return [_describe(v, lang) for v in value[key]]
        return [_describe(value, lang)]
    if isinstance(value, list | tuple):
        return [_describe(v, lang) for v in value if v not in (None, "")]
    if isinstance(value, bool):
        return []
    return [_describe(value, lang)]


def verdict_context(doc: dict[str, Any] | None) -> dict[str, Any] | None:
    """The verdict document (``Verdict.to_dict()`` plus summaries), shaped for the templates.

    Unknown or missing keys degrade to empty sections, so older stored verdicts still render.
    """
    if not doc:
        return None
    lang = ui_lang()
    risk = doc.get("risk") if isinstance(doc.get("risk"), dict) else {}
    cls = str(_pick(doc, "risk_class") or _pick(risk, "risk_class", "class") or "")
    score = _pick(doc, "score", default=_pick(risk, "score"))
    factors: list[tuple[str, float]] = []
    for f in _pick(doc, "factors", default=_pick(risk, "factors", default=[])) or []:
        if isinstance(f, dict) and _is_number(f.get("points")):
            label = _localised(f, lang, "label") or str(f.get("code", "?"))
            factors.append((label, float(f["points"])))
    top = max((abs(p) for _l, p in factors), default=0) or 1
    factor_rows = [
        {
            "label": label,
            "points": int(pts),
            "width": round(100 * abs(pts) / top, 1),
            "negative": pts < 0,
        }
        for label, pts in factors
    ]
    findings = []
    for f in _pick(doc, "findings", default=[]) or []:
        if not isinstance(f, dict):
            findings.append({"severity": "", "code": "", "message": str(f), "fix": ""})
            continue
        findings.append(
            {
                "severity": str(f.get("severity", "")),
                "code": str(f.get("code", "")),
                "message": _localised(f, lang, "message") or str(f.get("code", "")),
                "fix": _localised(f, lang, "fix"),
            }
        )
    already = _pick(doc, "already_allowed", default="no")
    already_by = [
        *(_pick(doc, "already_allowed_rules", default=[]) or []),
        *(_pick(doc, "already_allowed_domains", default=[]) or []),
    ]
    newly = _listing(_pick(doc, "newly_permitted"), lang)
    newly += [str(d) for d in _pick(doc, "newly_allowed_domains", default=[]) or []]
    newly += [
        _("TLS exemption: %(d)s") % {"d": d}
        for d in _pick(doc, "newly_tls_exempt", default=[]) or []
    ]
    denied = _listing(_pick(doc, "newly_denied"), lang)
    denied += [str(d) for d in _pick(doc, "newly_blocked_domains", default=[]) or []]
    denied += [
        _("End of TLS exemption: %(d)s") % {"d": d}
        for d in _pick(doc, "no_longer_tls_exempt", default=[]) or []
    ]
    collateral = _listing(_pick(doc, "collateral"), lang)
    collateral += [str(d) for d in _pick(doc, "collateral_domains", default=[]) or []]
    blast_codes = [str(c) for c in _pick(doc, "blast_radius", default=[]) or []]
    names = {
        o.code: _org_name(o)
        for o in Organization.objects.filter(code__in=blast_codes[:100]).only(
            "code", "name", "name_en"
        )
    }
    blast = [f"{names.get(c, c)} ({c})" if c else _("Shared policy") for c in blast_codes]
    summary = _pick(doc, f"summary_{lang}")
    if not summary and isinstance(doc.get("summary"), dict):
        summary = doc["summary"].get(lang) or doc["summary"].get("ja")
    summary = str(summary or "")
    return {
        "risk_class": cls,
        "class_label": dict(RiskClass.choices).get(cls, cls or _("Unknown")),
        "tone": CLASS_TONES.get(cls, "info"),  # type: ignore[call-overload]
        "score": score,
        "summary": summary,
        "headline": _verdict_headline(cls),
        "title": _verdict_title(cls, summary, findings),
        "already_all": already in ("fully", True),
        "already_part": already == "partly",
        "already": [str(a) for a in already_by] if already != "no" else [],
        "newly": newly,
        "denied": denied,
        "collateral": collateral,
        "blast": blast,
        "findings": findings,
        "fixes": [f for f in findings if f["fix"]],
        "factors": factor_rows,
        "against": _pick(doc, "against_version"),
        "edition": _pick(doc, "edition", default=""),
    }


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _verdict_title(cls: str, summary: str, findings: list[dict[str, str]]) -> str:
    if cls == RiskClass.REJECTED:
        reasons = [f["message"] for f in findings if f["severity"] == "reject" and f["message"]]
        return _("Rejected: %(reason)s") % {"reason": reasons[0] if reasons else summary}
    return _verdict_headline(cls)


def _verdict_headline(cls: str) -> str:
    minutes = selectors.sla_minutes(cls)
    if cls == RiskClass.STANDARD:
        return _("Standard change: applied automatically within %(t)s") % {"t": _duration(minutes)}
    if cls == RiskClass.NORMAL:
        return _("Normal change: one Tokyo reviewer, target %(t)s") % {"t": _duration(minutes)}
    if cls == RiskClass.MAJOR:
        return _("Major change: two Tokyo reviewers, target %(t)s") % {"t": _duration(minutes)}
    if cls == RiskClass.REJECTED:
        return _("Rejected")
    return ""


# --------------------------------------------------------------------------- overview


def _train_status() -> dict[str, Any]:
    # Not tenant data (one singleton row); there is no selector for it yet.
    from .models import GatewayState

    state = GatewayState.objects.filter(pk=1).first()
    return {
        "active": selectors.active_version(),
        "last_at": state.last_train_at if state else None,
        "last": (state.last_train_result or {}) if state else {},
        "running": bool(state and state.train_holder),
    }


@login_required
@require_GET
def overview_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not _can_view(user):
        return refusal_page(request, NotFound())
    mine = selectors.change_request_list(actor=user)
    if not selectors.sees_all(user):
        mine = mine.filter(organization_id=user.organization_id)
    open_requests = mine.filter(state__in=[s.value for s in _open_states()])[:10]
    applied = mine.filter(state__in=[ChangeState.APPLIED, ChangeState.CLOSED]).order_by(
        "-applied_at"
    )[:6]
    ctx: dict[str, Any] = {
        "org": user.organization,
        "open_requests": open_requests,
        "applied": applied,
        "can_request": _can_request(user),
        "kinds": _kind_cards(),
        "sees_all": selectors.sees_all(user),
        "train": _train_status(),
        "can_operate": can(user, Cap.GATEWAY_OPERATE),
        "pending_recerts": selectors.recertification_list(actor=user).count()
        if can(user, Cap.GATEWAY_REQUEST_OWN)
        else 0,
    }
    if can(user, Cap.GATEWAY_REVIEW):
        queue = selectors.review_queue(actor=user)
        now = timezone.now()
        ctx["queue_count"] = len(queue)
        ctx["queue_overdue"] = sum(
            1 for r in queue if (due := selectors.sla_due(r)) is not None and due < now
        )
    return render(request, "gateway/overview.html", ctx)


def _open_states() -> list[ChangeState]:
    return [
        ChangeState.DRAFT,
        ChangeState.SUBMITTED,
        ChangeState.VERIFIED,
        ChangeState.APPROVED,
        ChangeState.SCHEDULED,
    ]


def _kind_cards() -> list[dict[str, Any]]:
    return [
        {"value": value, "label": label, "help": KIND_HELP.get(value, "")}
        for value, label in ChangeKind.choices
        if value != ChangeKind.CATALOG_ADOPTION
    ]


# --------------------------------------------------------------------------- requests


@login_required
@require_GET
def request_list_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not _can_view(user):
        return refusal_page(request, NotFound())
    state = request.GET.get("state") or ""
    kind = request.GET.get("kind") or ""
    risk = request.GET.get("class") or ""
    query = (request.GET.get("q") or "").strip()[:80]
    qs = selectors.change_request_list(
        actor=user,
        state=state if state in ChangeState.values else None,
        kind=kind if kind in ChangeKind.values else None,
        risk_class=risk if risk in RiskClass.values else None,
        query=query or None,
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    params = QueryDict(mutable=True)
    for key, value in (("state", state), ("kind", kind), ("class", risk), ("q", query)):
        if value:
            params[key] = value
    ctx = {
        "page": page,
        "state": state,
        "kind": kind,
        "risk": risk,
        "q": query,
        "states": ChangeState.choices,
        "kinds": ChangeKind.choices,
        "classes": RiskClass.choices,
        "query_string": params.urlencode(),
        "can_request": _can_request(user),
        "state_tones": STATE_TONES,
        "class_tones": CLASS_TONES,
    }
    template = "gateway/_request_rows.html" if is_htmx(request) else "gateway/request_list.html"
    return render(request, template, ctx)


def _zones_for(org_key: str) -> list[str]:
    # Zones of the organisation's address plan (what "from zone" may be); the shared policy
    # uses the common zone names.
    default = ["internet", "lgwan", "mynumber"]
    if org_key == SHARED_KEY:
        return default
    try:
        snapshot = selectors.active_snapshot()
    except DomainError:
        return default
    section = snapshot.orgs.get(org_key)
    if section is None:
        return default
    zones = sorted({b.zone for b in section.address_plan})
    # The internet zone first: it is the usual answer.
    return sorted(zones, key=lambda z: (z != "internet", z)) or default


def _organization_choices(user: User) -> list[tuple[str, str]] | None:
    """For Tokyo operators: any organisation, or the shared policy. Others file for their own."""
    if not can(user, Cap.GATEWAY_REQUEST_SHARED):
        return None
    orgs = core_selectors.organization_list(actor=user)
    choices = [(SHARED_KEY, _("The shared policy (all bodies)"))]
    choices += [(o.code, f"{_org_name(o)} ({o.code})") for o in orgs]
    return choices


def _target(user: User, value: str | None) -> tuple[Organization, bool]:
    """The organisation a request is for, and whether it targets the shared policy."""
    if not can(user, Cap.GATEWAY_REQUEST_SHARED) or not value:
        return user.organization, False
    if value == SHARED_KEY:
        return user.organization, True
    org = core_selectors.organization_get(actor=user, code=value)
    return org, False


def _build_form(
    request: HttpRequest,
    user: User,
    kind: str,
    *,
    data: Any = None,
    initial: dict[str, Any] | None = None,
) -> ChangeRequestForm:
    org_choices = _organization_choices(user)
    target = (data or {}).get("organization") or (initial or {}).get("organization") or ""
    org_key = target or user.organization.code
    catalog = [
        (svc.slug, svc.name if ui_lang() == "ja" or not svc.name_en else svc.name_en)
        for svc in selectors.catalog_list(actor=user)
    ]
    return ChangeRequestForm(
        data,
        initial=initial,
        kind=kind,
        zones=_zones_for(org_key),
        catalog_choices=catalog,
        organization_choices=org_choices,
    )


def _apply_errors(form: ChangeRequestForm, exc: DomainError) -> None:
    for field, message in (exc.details or {}).items():
        if field in form.fields:
            form.add_error(field, str(message))
        elif field == "file":
            form.add_error(None, str(message))
        else:
            form.add_error(None, str(message))
    if not exc.details:
        form.add_error(None, str(exc.message))


def _form_page(
    request: HttpRequest,
    form: ChangeRequestForm,
    kind: str,
    *,
    preview: dict[str, Any] | None = None,
    draft: ChangeRequest | None = None,
    status: int = 200,
) -> HttpResponse:
    form.describe()
    return render(
        request,
        "gateway/request_form.html",
        {
            "form": form,
            "kind": kind,
            "kind_label": ChangeKind(kind).label,
            "kind_help": KIND_HELP.get(kind, ""),
            "kinds": _kind_cards(),
            "draft": draft,
            "preview": preview,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_new_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not _can_request(user):
        return refusal_page(request, NotFound())
    kind = request.POST.get("kind") or request.GET.get("kind") or ""
    if kind not in KIND_FIELDS:
        return render(request, "gateway/request_kind.html", {"kinds": _kind_cards()})
    if request.method == "GET":
        initial: dict[str, Any] = {"kind": kind}
        if request.GET.get("catalog"):
            initial["catalog"] = request.GET["catalog"][:60]
        form = _build_form(request, user, kind, initial=initial)
        return _form_page(request, form, kind)
    form = _build_form(request, user, kind, data=request.POST)
    submit = request.POST.get("action") != "draft"
    if form.is_valid():
        try:
            org, shared = _target(user, form.cleaned_data.get("organization"))
            req = _services().change_request_create(
                actor=user,
                organization=org,
                kind=kind,
                title=form.cleaned_data["title"],
                justification=form.cleaned_data.get("justification") or "",
                form=form.typed(),
                shared=shared,
                submit=submit,
            )
        except DomainError as exc:
            if isinstance(exc, PermissionDenied | NotFound):
                return refusal_page(request, exc)
            _apply_errors(form, exc)
        else:
            messages.success(request, _submitted_message(req))
            return redirect("gateway:request_detail", request_id=req.pk)
    return _form_page(request, form, kind, preview=_preview_for(user, form, kind), status=422)


def _submitted_message(req: ChangeRequest) -> str:
    if req.state == ChangeState.DRAFT:
        return _("The draft %(ref)s was saved.") % {"ref": req.reference}
    if req.state == ChangeState.REJECTED:
        return _("%(ref)s was rejected by the verifier. The reason is below.") % {
            "ref": req.reference
        }
    return _("%(ref)s was submitted.") % {"ref": req.reference}


def _preview_for(user: User, form: ChangeRequestForm, kind: str) -> dict[str, Any]:
    """Run the verifier on what the form holds (never saves anything)."""
    try:
        org, shared = _target(user, form.data.get("organization"))
        result = _services().change_request_preview(
            actor=user, organization=org, kind=kind, form=form.typed(), shared=shared
        )
    except DomainError as exc:
        return {"errors": [str(exc.message)], "notes": [], "verdict": None}
    labels = {name: str(form.fields[name].label) for name in form.fields}
    errors = [
        f"{labels.get(field, '')}: {message}" if field in labels else str(message)
        for field, message in result.errors.items()
    ]
    return {
        "errors": errors,
        "notes": [str(n) for n in result.notes],
        "verdict": verdict_context(result.verdict),
    }


@login_required
@require_POST
def request_preview_view(request: HttpRequest) -> HttpResponse:
    """The live verdict (htmx): what the verifier says about the form as typed so far."""
    user = signed_in_user(request)
    if not _can_request(user):
        return refusal_page(request, NotFound())
    kind = request.POST.get("kind") or ""
    if kind not in KIND_FIELDS:
        return render(request, "gateway/_verdict_panel.html", {"preview": None})
    form = _build_form(request, user, kind, data=request.POST)
    return render(
        request, "gateway/_verdict_panel.html", {"preview": _preview_for(user, form, kind)}
    )


def _get_request(request: HttpRequest, request_id: int) -> ChangeRequest:
    return selectors.change_request_get(actor=signed_in_user(request), pk=request_id)


@login_required
@require_http_methods(["GET", "POST"])
def request_edit_view(request: HttpRequest, request_id: int) -> HttpResponse:
    """Edit a draft, and submit it when ready (its requester only)."""
    user = signed_in_user(request)
    try:
        req = _get_request(request, request_id)
        if req.requester_id != user.pk or req.state != ChangeState.DRAFT:
            raise NotFound()
    except DomainError as exc:
        return refusal_page(request, exc)
    kind = req.kind
    if request.method == "GET":
        initial = {
            **(req.form or {}),
            "kind": kind,
            "title": req.title,
            "justification": req.justification,
            "organization": SHARED_KEY if req.shared else req.organization.code,
        }
        form = _build_form(request, user, kind, initial=initial)
        return _form_page(request, form, kind, draft=req)
    data = request.POST.copy()
    data["kind"] = kind
    data["organization"] = SHARED_KEY if req.shared else req.organization.code
    form = _build_form(request, user, kind, data=data)
    if form.is_valid():
        services = _services()
        try:
            req = services.change_request_update_draft(
                actor=user,
                request=req,
                title=form.cleaned_data["title"],
                justification=form.cleaned_data.get("justification") or "",
                form=form.typed(),
                expected_version=int_or(request.POST.get("lock_version"), None),
            )
            if request.POST.get("action") != "draft":
                req = services.change_request_submit(actor=user, request=req)
        except DomainError as exc:
            if isinstance(exc, PermissionDenied | NotFound):
                return refusal_page(request, exc)
            _apply_errors(form, exc)
        else:
            messages.success(request, _submitted_message(req))
            return redirect("gateway:request_detail", request_id=req.pk)
    return _form_page(
        request, form, kind, draft=req, preview=_preview_for(user, form, kind), status=422
    )


def _timeline(req: ChangeRequest) -> list[dict[str, Any]]:
    labels = dict(ChangeState.choices)
    verdict = req.verdict or {}
    lang = ui_lang()
    # The service stores the English verdict summary as the "verified" note; show the summary
    # in the reader's language instead.
    summaries = {verdict.get("summary_en"), verdict.get("summary_ja")} - {None, ""}
    localised = str(verdict.get(f"summary_{lang}") or "")

    def note(text: str) -> str:
        return localised if text in summaries and localised else text

    return [
        {
            "state": e.to_state,
            "label": labels.get(e.to_state, e.to_state),
            "at": e.at,
            "actor": (e.actor.display_name or e.actor.username) if e.actor else _("System"),
            "note": note(e.note),
            "tone": STATE_TONES.get(e.to_state, "info"),  # type: ignore[call-overload]
        }
        for e in req.events.select_related("actor")
    ]


def _detail_context(request: HttpRequest, req: ChangeRequest) -> dict[str, Any]:
    user = signed_in_user(request)
    approvals = list(req.approvals.select_related("reviewer"))
    human_ok = [
        a
        for a in approvals
        if a.reviewer_id is not None and a.decision == ChangeApproval.Decision.APPROVE
    ]
    already = any(a.reviewer_id == user.pk for a in approvals)
    is_requester = req.requester_id == user.pk
    can_review = (
        can(user, Cap.GATEWAY_REVIEW)
        and not is_requester
        and req.state == ChangeState.VERIFIED
        and not already
    )
    can_write = can(user, Cap.WRITE)
    return {
        "req": req,
        "timeline": _timeline(req),
        "verdict": verdict_context(req.verdict),
        "approvals": approvals,
        "approved_count": len(human_ok),
        "needed": req.approvals_needed,
        "comments": list(req.comments.select_related("author")),
        "attachments": list(req.attachments.select_related("uploaded_by").defer("data")),
        "sla": _sla(req, timezone.now()),
        "is_requester": is_requester,
        "can_review": can_review,
        "own_request_reviewer": can(user, Cap.GATEWAY_REVIEW)
        and is_requester
        and req.state == ChangeState.VERIFIED,
        "already_reviewed": already and req.state == ChangeState.VERIFIED,
        "can_reverify": can(user, Cap.GATEWAY_REVIEW) and req.state == ChangeState.VERIFIED,
        "can_withdraw": is_requester
        and req.state
        in (
            ChangeState.DRAFT,
            ChangeState.SUBMITTED,
            ChangeState.VERIFIED,
            ChangeState.APPROVED,
        ),
        "can_close": is_requester and req.state == ChangeState.APPLIED,
        "can_edit": is_requester and req.state == ChangeState.DRAFT,
        "can_comment": can_write,
        "can_attach": can_write and (is_requester or can(user, Cap.GATEWAY_REVIEW)),
        "waiting_for_train": req.state in (ChangeState.APPROVED, ChangeState.SCHEDULED),
        "form_rows": _form_rows(req),
        "class_tones": CLASS_TONES,
        "state_tone": STATE_TONES.get(req.state, "info"),  # type: ignore[call-overload]
    }


def _form_rows(req: ChangeRequest) -> list[tuple[str, str]]:
    """What the requester typed, with the form's labels."""
    dummy = ChangeRequestForm(kind=req.kind, zones=[], catalog_choices=[])
    rows = []
    for name in KIND_FIELDS.get(req.kind, ()):
        if name == "catalog" and req.catalog_service_id:
            continue  # shown by name below
        value = (req.form or {}).get(name)
        if value in (None, "", False):
            continue
        label = dummy.fields[name].label if name in dummy.fields else name
        rows.append((str(label), _("Yes") if value is True else str(value)))
    return rows


@login_required
@require_GET
def request_detail_view(request: HttpRequest, request_id: int) -> HttpResponse:
    try:
        req = _get_request(request, request_id)
    except DomainError as exc:
        return refusal_page(request, exc)
    ctx = _detail_context(request, req)
    if is_htmx(request) and request.GET.get("part") == "status":
        return render(request, "gateway/_request_status.html", ctx)
    return render(request, "gateway/request_detail.html", ctx)


def _request_action(
    request: HttpRequest,
    request_id: int,
    act: Callable[[User, ChangeRequest], Any],
    success: str,
) -> HttpResponse:
    """Run one write on a request the user can see; refusals come back as a message."""
    user = signed_in_user(request)
    try:
        req = _get_request(request, request_id)
    except DomainError as exc:
        return refusal_page(request, exc)
    try:
        act(user, req)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            return refusal_page(request, exc)
        details = "; ".join(str(v) for v in (exc.details or {}).values())
        messages.error(request, details or str(exc.message))
    else:
        messages.success(request, success)
    return redirect("gateway:request_detail", request_id=req.pk)


@login_required
@require_POST
def request_decide_view(request: HttpRequest, request_id: int) -> HttpResponse:
    approve = request.POST.get("decision") == "approve"
    reason = request.POST.get("reason", "")
    return _request_action(
        request,
        request_id,
        lambda user, req: _services().change_request_decide(
            actor=user,
            request=req,
            approve=approve,
            reason=reason,
            expected_version=int_or(request.POST.get("lock_version"), None),
        ),
        _("Your approval was recorded.") if approve else _("The request was rejected."),
    )


@login_required
@require_POST
def request_reverify_view(request: HttpRequest, request_id: int) -> HttpResponse:
    return _request_action(
        request,
        request_id,
        lambda user, req: _services().change_request_reverify(actor=user, request=req),
        _("The request was verified again against the active policy."),
    )


@login_required
@require_POST
def request_withdraw_view(request: HttpRequest, request_id: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _request_action(
        request,
        request_id,
        lambda user, req: _services().change_request_withdraw(
            actor=user, request=req, reason=reason
        ),
        _("The request was withdrawn."),
    )


@login_required
@require_POST
def request_close_view(request: HttpRequest, request_id: int) -> HttpResponse:
    return _request_action(
        request,
        request_id,
        lambda user, req: _services().change_request_close(actor=user, request=req),
        _("The request was closed. Thank you for confirming."),
    )


@login_required
@require_POST
def request_comment_view(request: HttpRequest, request_id: int) -> HttpResponse:
    body = request.POST.get("body", "")
    return _request_action(
        request,
        request_id,
        lambda user, req: _services().change_request_comment(actor=user, request=req, body=body),
        _("Your comment was posted."),
    )


@login_required
@require_POST
def request_attach_view(request: HttpRequest, request_id: int) -> HttpResponse:
    upload = request.FILES.get("file")

    def attach(user: User, req: ChangeRequest) -> Any:
        if upload is None:
            raise ValidationFailed(details={"file": _("Choose a file to attach.")})
        if upload.size is not None and upload.size > _services().MAX_ATTACHMENT_BYTES:
            raise ValidationFailed(details={"file": _("The file is larger than 5 MB.")})
        return _services().change_request_attach(
            actor=user,
            request=req,
            name=upload.name or "file",
            content_type=(upload.content_type or "").split(";")[0].strip(),
            data=upload.read(),
        )

    return _request_action(request, request_id, attach, _("The file was attached."))


@login_required
@require_GET
def attachment_download_view(
    request: HttpRequest, request_id: int, attachment_id: int
) -> HttpResponse:
    try:
        req = _get_request(request, request_id)
        # Scoped through the request: attachments of a request one may not see stay hidden.
        att = req.attachments.filter(pk=attachment_id).first()
        if att is None:
            raise NotFound()
    except DomainError as exc:
        return refusal_page(request, exc)
    response = HttpResponse(bytes(att.data), content_type=att.content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(att.name)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --------------------------------------------------------------------------- review queue


@login_required
@require_GET
def review_queue_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    try:
        queue = selectors.review_queue(actor=user)
    except DomainError as exc:
        return refusal_page(request, exc)
    now = timezone.now()
    rows = []
    for req in queue:
        approvals = [
            a
            for a in req.approvals.all()
            if a.reviewer_id is not None and a.decision == ChangeApproval.Decision.APPROVE
        ]
        rows.append(
            {
                "req": req,
                "sla": _sla(req, now),
                "age": _duration(
                    ((now - (req.submitted_at or req.created_at)).total_seconds()) / 60
                ),
                "approved": len(approvals),
                "needed": req.approvals_needed,
                "own": req.requester_id == user.pk,
            }
        )
    targets = [
        (RiskClass(c).label, _duration(selectors.sla_minutes(c)))
        for c in (RiskClass.STANDARD, RiskClass.NORMAL, RiskClass.MAJOR)
    ]
    return render(
        request,
        "gateway/review_queue.html",
        {"rows": rows, "targets": targets, "class_tones": CLASS_TONES},
    )


# --------------------------------------------------------------------------- catalog


@login_required
@require_GET
def catalog_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not _can_view(user):
        return refusal_page(request, NotFound())
    groups: dict[str, list[dict[str, Any]]] = {}
    can_adopt = can(user, Cap.GATEWAY_REQUEST_OWN) or can(user, Cap.GATEWAY_REQUEST_SHARED)
    adopted = selectors.catalog_adopted_slugs(actor=user)
    for svc in selectors.catalog_list(actor=user):
        groups.setdefault(svc.category, []).append(
            {
                "svc": svc,
                "name": svc.name_en if ui_lang() == "en" and svc.name_en else svc.name,
                "adopted": svc.slug in adopted,
                "ports": [_flow_text(f) for f in (svc.flows or [])],
            }
        )
    categories = [
        {"slug": slug, "label": _category_label(slug), "items": items}
        for slug, items in groups.items()
    ]
    return render(
        request,
        "gateway/catalog.html",
        {"categories": categories, "can_adopt": can_adopt, "class_tones": CLASS_TONES},
    )


def _flow_text(flow: dict[str, Any]) -> str:
    ports = ", ".join(str(p) for p in flow.get("ports", [])) or _("all ports")
    return f"{str(flow.get('protocol', 'tcp')).upper()} {ports}"


@login_required
@require_POST
def catalog_adopt_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    try:
        svc = selectors.catalog_get(actor=user, slug=request.POST.get("slug", "")[:60])
        if selectors.catalog_adopted_by(actor=user, service=svc):
            messages.info(
                request, _("Your organisation already has %(name)s.") % {"name": svc.name}
            )
            return redirect("gateway:catalog")
        req = _services().catalog_adopt(actor=user, organization=user.organization, service=svc)
    except (NotFound, PermissionDenied) as exc:
        return refusal_page(request, exc)
    except DomainError as exc:
        details = "; ".join(str(v) for v in (exc.details or {}).values())
        messages.error(request, details or str(exc.message))
        return redirect("gateway:catalog")
    messages.success(request, _submitted_message(req))
    return redirect("gateway:request_detail", request_id=req.pk)


# --------------------------------------------------------------------------- policy viewer


@login_required
@require_GET
def policy_home_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    code = request.GET.get("org") or user.organization.code
    return redirect("gateway:policy", org_code=code[:6])


def _expiry(date: dt.date | None, today: dt.date) -> str:
    if date is None:
        return ""
    if date < today:
        return "expired"
    if (date - today).days <= SOON_DAYS:
        return "soon"
    return "later"


@login_required
@require_GET
def policy_view(request: HttpRequest, org_code: str) -> HttpResponse:
    user = signed_in_user(request)
    try:
        org = core_selectors.organization_get(actor=user, code=org_code)
        reach = selectors.policy_reach(actor=user, organization=org)
    except DomainError as exc:
        return refusal_page(request, exc)
    today = timezone.localdate()
    zones = []
    for zone, entries in sorted(
        reach["zones"].items(), key=lambda kv: (kv[0] != "internet", kv[0])
    ):
        prefixes = [b.prefix for b in reach["address_plan"] if b.zone == zone]
        zones.append(
            {
                "zone": zone,
                "prefixes": prefixes,
                "rules": [
                    {
                        "section": key,
                        "shared": key == SHARED_KEY,
                        "rule": rule,
                        "ports": ", ".join(str(p) for p in rule.ports) or _("all ports"),
                        "expiry": _expiry(rule.expires, today),
                    }
                    for key, rule in entries
                ],
            }
        )
    domains = [
        {"section": key, "shared": key == "shared", "entry": d, "expiry": _expiry(d.expires, today)}
        for key, d in reach["domains"]
    ]
    orgs = (
        [(o.code, _org_name(o)) for o in core_selectors.organization_list(actor=user)]
        if selectors.sees_all(user)
        else None
    )
    return render(
        request,
        "gateway/policy.html",
        {
            "org": org,
            "org_name": _org_name(org),
            "zones": zones,
            "allow": [d for d in domains if d["entry"].kind == "allow"],
            "tls": [d for d in domains if d["entry"].kind == "tls_exempt"],
            "category_blocks": reach["category_blocks"],
            "mail": reach["mail"],
            "address_plan": reach["address_plan"],
            "orgs": orgs,
            "version": selectors.active_version(),
            "can_request": _can_request(user),
        },
    )


# --------------------------------------------------------------------------- versions


@login_required
@require_GET
def version_list_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not _can_view(user):
        return refusal_page(request, NotFound())
    page = Paginator(selectors.version_list(actor=user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [
        {"v": v, "sections": selectors.version_changed_sections(actor=user, version=v)}
        for v in page
    ]
    return render(
        request,
        "gateway/version_list.html",
        {
            "page": page,
            "rows": rows,
            "train": _train_status(),
            "can_operate": can(user, Cap.GATEWAY_OPERATE),
        },
    )


@login_required
@require_GET
def version_detail_view(request: HttpRequest, number: int) -> HttpResponse:
    user = signed_in_user(request)
    try:
        version = selectors.version_get(actor=user, number=number)
        against_n = int_or(request.GET.get("against"), None)
        against: PolicyVersion | None = None
        if against_n is not None:
            against = selectors.version_get(actor=user, number=against_n)
        elif version.parent_id:
            against = selectors.version_get(actor=user, number=version.parent.number)  # type: ignore[union-attr]
        diff = (
            selectors.version_diff(actor=user, old=against, new=version)
            if against is not None
            else []
        )
        artifacts = list(selectors.artifact_list(actor=user, version=version).defer("blob__text"))
        others = list(selectors.version_list(actor=user).values_list("number", flat=True)[:200])
        applied = selectors.change_request_list(actor=user).filter(applied_version=version)[:50]
    except DomainError as exc:
        return refusal_page(request, exc)
    active = selectors.active_version()
    return render(
        request,
        "gateway/version_detail.html",
        {
            "version": version,
            "against": against,
            "diff": diff,
            "artifacts": artifacts,
            "others": [n for n in others if n != version.number],
            "applied": applied,
            "sections": selectors.version_changed_sections(actor=user, version=version),
            "is_active": active is not None and active.pk == version.pk,
            "can_operate": can(user, Cap.GATEWAY_OPERATE),
            "findings": [verdict_finding(f) for f in (version.findings or [])],
        },
    )


def verdict_finding(f: Any) -> dict[str, str]:
    lang = ui_lang()
    return {
        "severity": str(_pick(f, "severity", default="")),
        "code": str(_pick(f, "code", default="")),
        "message": _localised(f, lang, "message", "text") or _describe(f, lang),
    }


@login_required
@require_GET
def artifact_download_view(request: HttpRequest, number: int, artifact_path: str) -> HttpResponse:
    user = signed_in_user(request)
    try:
        version = selectors.version_get(actor=user, number=number)
        art = selectors.artifact_get(actor=user, version=version, path=artifact_path)
    except DomainError as exc:
        return refusal_page(request, exc)
    response = HttpResponse(art.blob.text, content_type="text/plain; charset=utf-8")
    filename = f"v{version.number}-{art.path.replace('/', '_')}"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def version_rollback_view(request: HttpRequest, number: int) -> HttpResponse:
    user = signed_in_user(request)
    try:
        if not can(user, Cap.GATEWAY_OPERATE):
            raise NotFound()
        target = selectors.version_get(actor=user, number=number)
        version = _train().policy_rollback(
            actor=user, target=target, reason=request.POST.get("reason", "")
        )
    except (NotFound, PermissionDenied) as exc:
        return refusal_page(request, exc)
    except DomainError as exc:
        details = "; ".join(str(v) for v in (exc.details or {}).values())
        messages.error(request, details or str(exc.message))
        return redirect("gateway:version_detail", number=number)
    messages.success(
        request,
        _("Version %(n)s restores version %(to)s; the release train publishes it now.")
        % {"n": version.number, "to": number},
    )
    return redirect("gateway:version_detail", number=version.number)


@login_required
@require_POST
def train_run_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    try:
        if not can(user, Cap.GATEWAY_OPERATE):
            raise NotFound()
        _train().train_request_run(actor=user)
    except DomainError as exc:
        return refusal_page(request, exc)
    messages.success(request, _("The release train was asked to run now."))
    target = request.POST.get("next") or reverse("gateway:version_list")
    if not target.startswith("/gateway/"):
        target = reverse("gateway:version_list")
    return redirect(target)


# --------------------------------------------------------------------------- lead times


@login_required
@require_GET
def lead_times_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not _can_view(user):
        return refusal_page(request, NotFound())
    org: Organization | None = None
    code = request.GET.get("org") or ""
    try:
        if code and selectors.sees_all(user):
            org = core_selectors.organization_get(actor=user, code=code[:6])
        stats = selectors.lead_times(actor=user, organization=org)
    except DomainError as exc:
        return refusal_page(request, exc)
    classes = [
        {
            "label": RiskClass(c.risk_class).label,
            "tone": CLASS_TONES.get(c.risk_class, "info"),  # type: ignore[call-overload]
            "count": c.count,
            "p50": _duration(c.p50_minutes),
            "p90": _duration(c.p90_minutes),
            "target": _duration(c.target_minutes),
            "on_time": None if c.on_time_rate is None else round(100 * c.on_time_rate),
        }
        for c in stats.classes
    ]
    peak = max((median for _w, median, _n in stats.weekly), default=0)
    in_hours = peak >= 120
    weekly = line_chart(
        _("Median lead time per week (hours)")
        if in_hours
        else _("Median lead time per week (minutes)"),
        [
            (w.strftime("%m/%d"), round(median / 60 if in_hours else median, 1), str(count))
            for w, median, count in stats.weekly
        ],
        value_label=_("Median (hours)") if in_hours else _("Median (minutes)"),
    )

    def bar(label: str, value_days: float | None, tone: str) -> Bar:
        days = round(value_days or 0, 2)
        return Bar(label, days, tone, _duration(None if value_days is None else value_days * 1440))

    comparison = replace(
        bar_chart(
            _("Legacy quarterly batches vs the continuous train (days)"),
            [
                bar(_("Legacy, median"), stats.legacy_p50_days, "gray"),
                bar(_("Continuous, median"), stats.continuous_p50_days, "blue"),
                bar(_("Legacy, 90th percentile"), stats.legacy_p90_days, "gray"),
                bar(_("Continuous, 90th percentile"), stats.continuous_p90_days, "blue"),
            ],
            unit=" " + _("days"),
            plot_width=260,
        ),
        label_width=190,
    )
    headline = (
        {
            "legacy": _duration(stats.legacy_p50_days * 1440),
            "continuous": _duration(stats.continuous_p50_days * 1440),
        }
        if stats.legacy_p50_days is not None and stats.continuous_p50_days is not None
        else None
    )
    return render(
        request,
        "gateway/lead_times.html",
        {
            "stats": stats,
            "classes": classes,
            "weekly": weekly,
            "comparison": comparison,
            "headline": headline,
            "org": org,
            "org_name": _org_name(org) if org else _org_name(user.organization),
            "sees_all": selectors.sees_all(user),
            "orgs": [(o.code, _org_name(o)) for o in core_selectors.organization_list(actor=user)]
            if selectors.sees_all(user)
            else None,
            "code": code,
        },
    )


# --------------------------------------------------------------------------- recertification


@login_required
@require_GET
def recertification_list_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not _can_view(user):
        return refusal_page(request, NotFound())
    pending = selectors.recertification_list(actor=user)
    today = timezone.localdate()
    rows = [
        {"rec": r, "overdue": r.due < today, "org_name": _org_name(r.organization)}
        for r in pending.order_by("due", "rule_uid")[:500]
    ]
    answered = (
        selectors.recertification_list(actor=user, pending_only=False)
        .exclude(decision="pending")
        .order_by("-decided_at")[:20]
    )
    return render(
        request,
        "gateway/recertification.html",
        {
            "rows": rows,
            "answered": answered,
            "can_decide": can(user, Cap.GATEWAY_REQUEST_OWN),
        },
    )


@login_required
@require_POST
def recertification_decide_view(request: HttpRequest, recert_id: int) -> HttpResponse:
    user = signed_in_user(request)
    keep = request.POST.get("keep") == "1"
    try:
        rec = selectors.recertification_get(actor=user, pk=recert_id)
        rec = _services().recertification_decide(actor=user, recert=rec, keep=keep)
    except (NotFound, PermissionDenied) as exc:
        return refusal_page(request, exc)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("gateway:recertification")
    if keep:
        messages.success(request, _("%(rule)s is kept for another year.") % {"rule": rec.rule_uid})
        return redirect("gateway:recertification")
    messages.success(
        request,
        _("A removal request was filed for %(rule)s.") % {"rule": rec.rule_uid},
    )
    if rec.removal_request_id:
        return redirect("gateway:request_detail", request_id=rec.removal_request_id)
    return redirect("gateway:recertification")
