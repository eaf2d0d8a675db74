"""Network pages: the model with its diagram and findings, the editor, what-if, peers, the
assessment report (screen and PDF) and the rule set.

Reads go through :mod:`.selectors`, writes through :mod:`.services`; another municipality's
model answers 404, the same as a missing one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagu.accounts.models import User
from tsunagu.core.charts import Bar, bar_chart
from tsunagu.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from tsunagu.core.permissions import can
from tsunagu.core.roles import Cap
from tsunagu.core.web import int_or, refusal_page, signed_in_user, ui_lang
from tsunagu.engines.compliance import model as cm
from tsunagu.engines.compliance.diagram import render_svg
from tsunagu.engines.compliance.findings import SEVERITIES

from . import adapters, editor, labels, selectors, services
from .models import ModelKind, NetworkModel, ReportExport
from .report import report_context

MODEL_TONES = {
    "alpha": "blue",
    "alpha_prime": "lightblue",
    "beta": "orange",
    "beta_prime": "green",
    "custom": "gray",
}


def _org_name(network: NetworkModel) -> str:
    org = network.organization
    return org.name_en if ui_lang() == "en" and org.name_en else org.name


# --------------------------------------------------------------------------- pages


@login_required
@require_GET
def network_home_view(request: HttpRequest) -> HttpResponse:
    """A municipality goes to its own model; Tokyo and auditors get every organisation."""
    user = signed_in_user(request)
    try:
        if not selectors.sees_all(user):
            return redirect("network:detail", code=selectors.network_own_code(actor=user))
        networks = list(selectors.network_list(actor=user))
    except DomainError as exc:
        return refusal_page(request, exc)
    counts: dict[str, int] = {k: 0 for k in ModelKind.values}
    rows = []
    for n in networks:
        counts[n.model_kind] = counts.get(n.model_kind, 0) + 1
        c = selectors.assessment_counts(n)
        rows.append(
            {
                "network": n,
                "name": _org_name(n),
                "model_label": labels.label(labels.MODEL_LABELS, n.model_kind),
                "blocking": int(c.get("critical", 0)) + int(c.get("high", 0)),
                "other": int(c.get("medium", 0)) + int(c.get("low", 0)),
            }
        )
    chart = bar_chart(
        _("Organisations per network model"),
        [
            Bar(str(labels.MODEL_LABELS[k]), v, tone=MODEL_TONES.get(k, "blue"))
            for k, v in counts.items()
        ],
    )
    return render(request, "network/list.html", {"rows": rows, "chart": chart})


@login_required
@require_GET
def network_detail_view(request: HttpRequest, code: str) -> HttpResponse:
    user = signed_in_user(request)
    try:
        network = selectors.network_get(actor=user, code=code)
    except DomainError as exc:
        return refusal_page(request, exc)
    lang = ui_lang()
    today = timezone.localdate()
    model, result = adapters.assess_network(network, today=today)
    findings = labels.finding_rows([f.to_dict() for f in result.findings], lang)
    counts = result.counts()
    return render(
        request,
        "network/detail.html",
        {
            "network": network,
            "org_name": _org_name(network),
            "model": model,
            "model_label": labels.label(labels.MODEL_LABELS, network.model_kind),
            "svg": render_svg(model, result.findings, lang=lang, title=_org_name(network)),
            "findings": findings,
            "counts": [
                (s, labels.label(labels.SEVERITY_LABELS, s), counts.get(s, 0)) for s in SEVERITIES
            ],
            "issues": [adapters.issue_text(i.to_dict()) for i in result.issues],
            "assessment": result,
            "edition": adapters.ruleset().edition,
            "can_edit": selectors.can_edit(user, network),
            "zones": [
                {
                    "zone": z,
                    "kind_label": labels.label(labels.ZONE_KIND_LABELS, z.kind),
                    "auth": [labels.label(labels.AUTH_LABELS, a) for a in z.auth],
                    "systems": [s for s in model.systems if s.zone == z.id],
                    "terminals": [t for t in model.terminals if t.zone == z.id],
                }
                for z in model.zones
            ],
            "measures": [
                (m, labels.label(labels.MEASURE_LABELS, m), m in model.measures())
                for m in (*cm.ENDPOINT_MEASURES, *cm.ORG_MEASURES)
            ],
            "flows": [
                {
                    "flow": f,
                    "kind_label": labels.label(labels.FLOW_KIND_LABELS, f.kind),
                    "controls": [
                        labels.label(labels.CONTROL_LABELS, c) for c in sorted(f.controls)
                    ],
                }
                for f in model.flows
            ],
            "reports": list(selectors.report_list(actor=user, network=network)),
            "targets": [
                (k, labels.label(labels.MODEL_LABELS, k))
                for k in ModelKind.values
                if k not in (network.model_kind, "custom")
            ],
            "renewal_label": labels.label(labels.MODEL_LABELS, network.renewal_target)
            if network.renewal_target
            else "",
            "model_choices": labels.choices(labels.MODEL_LABELS, list(ModelKind.values)),
        },
    )


@login_required
@require_GET
def network_diagram_view(request: HttpRequest, code: str) -> HttpResponse:
    user = signed_in_user(request)
    try:
        network = selectors.network_get(actor=user, code=code)
    except DomainError as exc:
        return refusal_page(request, exc)
    model, result = adapters.assess_network(network, today=timezone.localdate())
    svg = render_svg(model, result.findings, lang=ui_lang(), title=_org_name(network))
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="network-{code}.svg"'
    return response


def _editor_context(
    network: NetworkModel, doc: dict[str, Any], *, blank: dict[str, int] | None = None
) -> dict[str, Any]:
    plan = adapters.address_plan(network.organization.code)
    rows = editor.rows_of(doc, blank=blank)
    zone_ids = [str(z.get("id", "")) for z in rows["zones"] if z.get("id")]
    return {
        "network": network,
        "org_name": _org_name(network),
        "rows": rows,
        "plan": sorted(plan.items()),
        "zone_choices": [*zone_ids, *cm.EXTERNALS],
        "model_choices": labels.choices(labels.MODEL_LABELS, list(cm.MODEL_KINDS)),
        "zone_kind_choices": labels.choices(labels.ZONE_KIND_LABELS, list(cm.ZONE_KINDS)),
        "flow_kind_choices": labels.choices(labels.FLOW_KIND_LABELS, list(cm.FLOW_KINDS)),
        "control_choices": labels.choices(labels.CONTROL_LABELS, list(cm.CONTROLS)),
        "auth_choices": labels.choices(labels.AUTH_LABELS, list(cm.AUTH_FACTORS)),
        "role_choices": labels.choices(labels.ROLE_LABELS, list(cm.TERMINAL_ROLES)),
        "category_choices": labels.choices(labels.CATEGORY_LABELS, list(cm.SYSTEM_CATEGORIES)),
        "endpoint_choices": labels.choices(labels.MEASURE_LABELS, list(cm.ENDPOINT_MEASURES)),
        "org_choices": labels.choices(labels.MEASURE_LABELS, list(cm.ORG_MEASURES)),
    }


@login_required
@require_http_methods(["GET", "POST"])
def network_edit_view(request: HttpRequest, code: str) -> HttpResponse:
    """Edit the model as rows. Save as draft keeps anything; publish checks consistency."""
    user = signed_in_user(request)
    try:
        network = selectors.network_get(actor=user, code=code)
        if not selectors.can_edit(user, network):
            raise NotFound()
    except DomainError as exc:
        return refusal_page(request, exc)
    errors: dict[str, Any] = {}
    if request.method == "GET":
        doc = network.draft if network.draft is not None else network.document
        ctx = _editor_context(network, doc, blank={"flows": 1})
        ctx.update({"errors": errors, "lock": network.lock_version})
        return render(request, "network/edit.html", ctx)

    doc = editor.document_from_post(request.POST)
    action = request.POST.get("action", "draft")
    add = request.POST.get("add", "")
    expected = int_or(request.POST.get("lock"), None)
    status = 200
    try:
        if action == "discard":
            services.network_discard_draft(actor=user, network=network, expected_version=expected)
            messages.success(request, _("The draft was discarded."))
            return redirect("network:detail", code=code)
        if action == "publish" and not add:
            services.network_publish(
                actor=user,
                network=network,
                document=doc,
                note=str(request.POST.get("note", ""))[:300],
                expected_version=expected,
            )
            messages.success(request, _("The network model was published."))
            return redirect("network:detail", code=code)
        network = services.network_save_draft(
            actor=user, network=network, draft=doc, expected_version=expected
        )
        if not add:
            messages.success(request, _("Draft saved. Nothing is published yet."))
            return redirect("network:edit", code=code)
    except ValidationFailed as exc:
        errors = {"message": str(exc.message), "details": exc.details}
        status = 422
        network.refresh_from_db()
    except DomainError as exc:
        if not isinstance(exc, PermissionDenied | NotFound):
            errors = {"message": str(exc.message), "details": exc.details}
            status = exc.status
        else:
            return refusal_page(request, exc)
    blank = {add: 1} if add in editor.SECTIONS else None
    ctx = _editor_context(network, doc, blank=blank)
    ctx.update({"errors": errors, "lock": network.lock_version, "focus": add})
    return render(request, "network/edit.html", ctx, status=status)


@login_required
@require_POST
def network_contact_view(request: HttpRequest, code: str) -> HttpResponse:
    user = signed_in_user(request)
    try:
        network = selectors.network_get(actor=user, code=code)
        due = request.POST.get("renewal_due") or ""
        services.network_set_contact(
            actor=user,
            network=network,
            consent=bool(request.POST.get("consent")),
            note=str(request.POST.get("contact_note", "")),
            renewal_target=str(request.POST.get("renewal_target", "")),
            renewal_due=dt.date.fromisoformat(due) if due else None,
            expected_version=int_or(request.POST.get("lock"), None),
        )
        messages.success(request, _("Your peer settings were saved."))
    except ValueError:
        messages.error(request, _("Enter the date as YYYY-MM-DD."))
    except (PermissionDenied, NotFound) as exc:
        return refusal_page(request, exc)
    except DomainError as exc:
        details = "; ".join(str(v) for v in exc.details.values())
        messages.error(request, f"{exc.message} {details}".strip())
    return redirect("network:detail", code=code)


def _what_if_context(
    user: User, network: NetworkModel, target: str, services_sel: list[str] | None
) -> dict[str, Any]:
    lang = ui_lang()
    result = services.network_what_if(
        actor=user, network=network, target=target, services=services_sel
    )
    doc = result.to_dict()
    all_services = adapters.catalog_services()
    if services_sel is not None:
        chosen = set(services_sel)
    else:
        chosen = set(
            services.default_services(adapters.gateway_facts(network.organization).adopted)
        )
    flow_rows = []
    for c in doc.get("flow_changes", []):
        f = c.get("after") or c.get("before") or {}
        flow_rows.append(
            {
                "action": c.get("action"),
                "src": f.get("src", ""),
                "dst": f.get("dst", ""),
                "kind": labels.label(labels.FLOW_KIND_LABELS, str(f.get("kind", ""))),
                "controls": [
                    labels.label(labels.CONTROL_LABELS, str(x)) for x in f.get("controls", [])
                ],
                "reason": (c.get("reason") or {}).get(lang, ""),
            }
        )
    needs = []
    for i, need in enumerate(result.gateway):
        needs.append(
            {
                "index": i,
                "kind": need.kind,
                "effect": need.effect,
                "reason": need.reason.get(lang) or need.reason.get("ja", ""),
                "form": dict(need.form),
            }
        )
    before = result.before.counts()
    after = result.after.counts()
    return {
        "network": network,
        "org_name": _org_name(network),
        "target": target,
        "target_label": labels.label(labels.MODEL_LABELS, target),
        "current_label": labels.label(labels.MODEL_LABELS, network.model_kind),
        "result": result,
        "doc": doc,
        "missing": [
            {
                **m,
                "label_text": (m.get("label") or {}).get(lang)
                or labels.label(labels.MEASURE_LABELS, m.get("measure", "")),
            }
            for m in doc.get("missing_measures", [])
        ],
        "needs": needs,
        "flow_rows": flow_rows,
        "services": all_services,
        "chosen": chosen,
        "counts": [
            (labels.label(labels.SEVERITY_LABELS, s), before.get(s, 0), after.get(s, 0))
            for s in SEVERITIES
        ],
        "after_findings": labels.finding_rows([f.to_dict() for f in result.after.findings], lang),
        "targets": [
            (k, labels.label(labels.MODEL_LABELS, k)) for k in ModelKind.values if k != "custom"
        ],
        "lang": lang,
        "can_draft": selectors.can_edit(user, network)
        and (can(user, Cap.GATEWAY_REQUEST_OWN) or can(user, Cap.GATEWAY_REQUEST_SHARED)),
        "svg": render_svg(
            result.projected, result.after.findings, lang=lang, title=_org_name(network)
        ),
    }


@login_required
@require_http_methods(["GET", "POST"])
def network_whatif_view(request: HttpRequest, code: str) -> HttpResponse:
    user = signed_in_user(request)
    try:
        network = selectors.network_get(actor=user, code=code)
    except DomainError as exc:
        return refusal_page(request, exc)
    target = str(request.GET.get("target") or request.POST.get("target") or "")
    if target not in cm.MODEL_KINDS or target == "custom":
        target = network.renewal_target or (
            "alpha_prime" if network.model_kind == "alpha" else "beta_prime"
        )
    picked = request.GET.getlist("services") or request.POST.getlist("services") or None
    if request.method == "POST":
        try:
            made = services.network_what_if_drafts(
                actor=user,
                network=network,
                target=target,
                services=picked,
                chosen=[int(i) for i in request.POST.getlist("needs") if i.isdigit()],
            )
            messages.success(
                request,
                _("%(n)d draft gateway requests were created. Review and submit them.")
                % {"n": len(made)},
            )
            return redirect(reverse("gateway:request_list") + "?state=draft")
        except (PermissionDenied, NotFound) as exc:
            return refusal_page(request, exc)
        except DomainError as exc:
            messages.error(request, "; ".join(str(v) for v in exc.details.values()) or str(exc))
    try:
        ctx = _what_if_context(user, network, target, picked)
    except DomainError as exc:
        return refusal_page(request, exc)
    return render(request, "network/whatif.html", ctx)


@login_required
@require_GET
def network_peers_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    lang = ui_lang()
    own: NetworkModel | None = None
    try:
        code = selectors.network_own_code(actor=user) if can(user, Cap.NETWORK_VIEW_OWN) else ""
        if code:
            own = NetworkModel.objects.filter(organization__code=code).first()
        from_kind = request.GET.get("from") or (own.model_kind if own else "")
        to_kind = request.GET.get("to") or (own.renewal_target if own else "")
        if from_kind not in ModelKind.values:
            from_kind = ""
        if to_kind not in ModelKind.values:
            to_kind = ""
        view = selectors.peer_view(actor=user, from_kind=from_kind or None, to_kind=to_kind or None)
    except DomainError as exc:
        return refusal_page(request, exc)
    chart = bar_chart(
        _("Municipalities per network model"),
        [
            Bar(str(labels.MODEL_LABELS[k]), v, tone=MODEL_TONES.get(k, "blue"))
            for k, v in view.counts.items()
        ],
        unit="",
    )
    moves = [
        {
            "name": m.org_name_en if lang == "en" and m.org_name_en else m.org_name,
            "from": labels.label(labels.MODEL_LABELS, m.from_kind),
            "to": labels.label(labels.MODEL_LABELS, m.to_kind),
            "on": m.moved_on,
            "contact": m.contact_note,
            "code": m.org_code,
        }
        for m in view.moves
    ]
    return render(
        request,
        "network/peers.html",
        {
            "view": view,
            "chart": chart,
            "moves": moves,
            "from_kind": from_kind,
            "to_kind": to_kind,
            "kinds": labels.choices(labels.MODEL_LABELS, list(ModelKind.values)),
            "considering": [
                (name, labels.label(labels.MODEL_LABELS, t)) for name, t in view.considering
            ],
        },
    )


@login_required
@require_GET
def network_rules_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not (can(user, Cap.NETWORK_VIEW_OWN) or can(user, Cap.NETWORK_VIEW_ANY)):
        return refusal_page(request, NotFound())
    rules = adapters.ruleset()
    lang = ui_lang()
    return render(
        request,
        "network/rules.html",
        {
            "rules": rules,
            "title": rules.title.get(lang) or rules.title.get("ja", ""),
            "sources": adapters.sources_of(rules, lang),
            "items": [
                {
                    "rule": r,
                    "title": r.title.get(lang) or r.title.get("ja", ""),
                    "fix": r.fix.get(lang) or r.fix.get("ja", ""),
                    "severity_label": labels.label(labels.SEVERITY_LABELS, r.severity),
                    "tone": labels.SEVERITY_TONES.get(r.severity, "info"),
                }
                for r in rules.rules
            ],
        },
    )


# --------------------------------------------------------------------------- report


@login_required
@require_GET
def network_report_view(request: HttpRequest, code: str) -> HttpResponse:
    user = signed_in_user(request)
    try:
        network = selectors.network_get(actor=user, code=code)
    except DomainError as exc:
        return refusal_page(request, exc)
    ctx = report_context(network, lang=ui_lang(), today=timezone.localdate())
    return render(request, "network/report.html", ctx)


@login_required
@require_POST
def network_report_request_view(request: HttpRequest, code: str) -> HttpResponse:
    user = signed_in_user(request)
    try:
        network = selectors.network_get(actor=user, code=code)
        report = services.report_request(actor=user, network=network, lang=ui_lang())
    except DomainError as exc:
        return refusal_page(request, exc)
    return redirect("network:report_status", report_id=report.pk)


@login_required
@require_GET
def network_report_status_view(request: HttpRequest, report_id: int) -> HttpResponse:
    user = signed_in_user(request)
    try:
        report = selectors.report_get(actor=user, pk=report_id)
    except DomainError as exc:
        return refusal_page(request, exc)
    template = (
        "network/_report_status.html"
        if request.headers.get("HX-Request")
        else "network/report_status.html"
    )
    return render(
        request,
        template,
        {
            "report": report,
            "network": report.network,
            "org_name": _org_name(report.network),
            "pending": report.status in (ReportExport.Status.QUEUED, ReportExport.Status.RUNNING),
        },
    )


@login_required
@require_GET
def network_report_download_view(request: HttpRequest, report_id: int) -> HttpResponse:
    user = signed_in_user(request)
    try:
        report = selectors.report_get(actor=user, pk=report_id)
    except DomainError as exc:
        return refusal_page(request, exc)
    if report.status != ReportExport.Status.DONE or not report.pdf:
        return refusal_page(request, NotFound())
    code = report.network.organization.code
    response = HttpResponse(bytes(report.pdf), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="network-assessment-{code}-{report.created_at:%Y%m%d}.pdf"'
    )
    return response
