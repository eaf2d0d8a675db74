"""Pages of the consortium app: groups and their dashboards, working groups, harmonisation
items with every member's position, meetings (agenda, decisions, minutes, actions), the
onboarding view of a joining member, standardisation progress, imports and "waiting on me".

Reads go through :mod:`.selectors`, writes through :mod:`.services`; a group of other
municipalities is a 404 everywhere.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagu.core.charts import Bar, bar_chart
from tsunagu.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from tsunagu.core.web import int_or, refusal_page, signed_in_user, ui_lang

from . import charts, importer, selectors, services
from .adapters import quorum_required
from .models import (
    HarmonisationItem,
    JointUseGroup,
    Membership,
    Position,
    RequirementClass,
    Stance,
    StepProgress,
    WorkingGroup,
)
from .reference import STEPS, phase_label, step_label

ITEMS_PER_PAGE = 50
AGE_LABELS = {
    "0-30": gettext_noop("up to 30 days"),
    "31-90": gettext_noop("31–90 days"),
    "91-180": gettext_noop("91–180 days"),
    "181-365": gettext_noop("181–365 days"),
    "365+": gettext_noop("over a year"),
}
CATEGORY_LABELS = {
    "decide": gettext_noop("Open: you must still decide"),
    "accept": gettext_noop("Decided: accept or object"),
    "differs": gettext_noop("Decided differently from your position"),
    "customise": gettext_noop("Your open customisation requests"),
}
STANCE_TONES = {"adopt": "ok", "keep": "warn", "customise": "error"}


def _guard(fn: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Turn a domain refusal while loading a page into the refusal page (404 for scope)."""

    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return fn(request, *args, **kwargs)
        except DomainError as exc:
            return refusal_page(request, exc)

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def _flash_error(request: HttpRequest, exc: DomainError) -> None:
    details = "; ".join(
        str(v) for k, v in exc.details.items() if isinstance(v, str) and k != "cut_over"
    )
    text = str(exc.message)
    if details and details not in text:
        text = f"{text} {details}"
    messages.error(request, text)


def _group_ctx(request: HttpRequest, group: JointUseGroup) -> dict[str, Any]:
    user = signed_in_user(request)
    me = selectors.my_membership(actor=user, group=group)
    return {
        "group": group,
        "group_name": group.display_name(ui_lang()),
        "me": me,
        "is_secretariat": me is not None and group.secretariat_id == user.organization_id,
        "sees_all": selectors.sees_all(user),
    }


def _wg_label(wg: WorkingGroup) -> str:
    return f"{wg.code} {wg.name}"


def _short(label: str, limit: int = 10) -> str:
    """Chart labels have 150 px: about ten Japanese characters."""
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _stance_labels() -> dict[str, str]:
    return {k: str(v) for k, v in Stance.choices}


# --------------------------------------------------------------------------- home, overview


@login_required
@require_GET
@_guard
def home_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    groups = selectors.group_list(actor=user)
    rows = []
    for group in groups:
        members = selectors.memberships(actor=user, group=group)
        rows.append(
            {
                "group": group,
                "name": group.display_name(ui_lang()),
                "members": [m for m in members if m.status == Membership.Status.MEMBER],
                "joining": [m for m in members if m.status == Membership.Status.JOINING],
                "mine": next(
                    (m for m in members if m.organization_id == user.organization_id), None
                ),
            }
        )
    wait = selectors.waiting(actor=user, limit=5)
    return render(
        request,
        "consortium/home.html",
        {"rows": rows, "wait": wait, "sees_all": selectors.sees_all(user)},
    )


def _dashboard_charts(d: selectors.Dashboard, prefix: str) -> dict[str, Any]:
    top = sorted(d.by_wg, key=lambda f: (-f.open, f.wg.number))[:15]
    return {
        f"{prefix}open_chart": bar_chart(
            _("Open items per working group (top 15)"),
            [
                Bar(_short(_wg_label(f.wg)), f.open, tone="blue", note=f"{f.open}")
                for f in top
                if f.open
            ],
        ),
        f"{prefix}age_chart": bar_chart(
            _("Age of open items"),
            [Bar(_(AGE_LABELS[k]), n, tone="orange") for k, n in d.age_buckets],
        ),
        f"{prefix}decisions_chart": bar_chart(
            _("Decisions per month"),
            [Bar(m, n, tone="green") for m, n in d.decisions_by_month],
        ),
        f"{prefix}stance_chart": bar_chart(
            _("Positions filed on open items"),
            [
                Bar(str(label), d.stances.get(key, 0), tone=tone)
                for key, label, tone in (
                    ("adopt", Stance.ADOPT.label, "green"),
                    ("keep", Stance.KEEP.label, "orange"),
                    ("customise", Stance.CUSTOMISE.label, "purple"),
                )
            ],
        ),
    }


@login_required
@require_GET
@_guard
def overview_view(request: HttpRequest) -> HttpResponse:
    """The cross-group view for Tokyo (and auditors)."""
    user = signed_in_user(request)
    summaries = selectors.overview(actor=user)
    lang = ui_lang()
    return render(
        request,
        "consortium/overview.html",
        {
            "summaries": [
                {"s": s, "name": s.group.display_name(lang), "d": s.dashboard} for s in summaries
            ],
            "open_chart": bar_chart(
                _("Open items per group"),
                [Bar(_short(s.group.name), s.dashboard.open, tone="blue") for s in summaries],
            ),
            "split_chart": bar_chart(
                _("Items where members disagree"),
                [
                    Bar(_short(s.group.name), s.dashboard.disagreements, tone="orange")
                    for s in summaries
                ],
            ),
            "progress_chart": bar_chart(
                _("Standardisation procedure done"),
                [Bar(s.group.name, s.progress_percent or 0, tone="green") for s in summaries],
                unit="%",
            ),
        },
    )


@login_required
@require_GET
@_guard
def waiting_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    wait = selectors.waiting(actor=user)
    ready = [(i, wait.meetings.get(i.pk)) for i in wait.ready]
    return render(request, "consortium/waiting.html", {"wait": wait, "ready": ready})


# --------------------------------------------------------------------------- group, wg


@login_required
@require_GET
@_guard
def group_view(request: HttpRequest, group_slug: str) -> HttpResponse:
    user = signed_in_user(request)
    group = selectors.group_get(actor=user, slug=group_slug)
    d = selectors.dashboard(actor=user, group=group)
    members = selectors.memberships(actor=user, group=group)
    ctx = _group_ctx(request, group)
    rows = {r.wg.pk: r for r in selectors.working_groups(actor=user, group=group)}
    ctx.update(
        {
            "d": d,
            "members": members,
            "bodies": selectors.governance(actor=user, group=group),
            "wg_rows": [
                {"f": f, "row": rows.get(f.wg.pk), "mine": f.wg.lead_id == user.organization_id}
                for f in d.by_wg
            ],
            "meetings": sorted(
                (
                    m
                    for m in selectors.meetings(actor=user, group=group)
                    if m.held_on >= timezone.localdate()
                ),
                key=lambda m: (m.held_on, m.pk),
            )[:8],
            "joining": [m for m in members if m.status == Membership.Status.JOINING],
            **_dashboard_charts(d, ""),
        }
    )
    return render(request, "consortium/group.html", ctx)


@login_required
@require_POST
@_guard
def cut_over_view(request: HttpRequest, group_slug: str, code: str) -> HttpResponse:
    user = signed_in_user(request)
    group = selectors.group_get(actor=user, slug=group_slug)
    membership = selectors.membership_get(actor=user, group=group, code=code)
    try:
        services.membership_set_cut_over(
            actor=user,
            membership=membership,
            cut_over_on=request.POST.get("cut_over_on", ""),
            expected_version=int_or(request.POST.get("version"), None),
        )
        messages.success(request, _("The cut-over date was changed."))
    except (ValidationFailed, Conflict) as exc:
        _flash_error(request, exc)
    return redirect("consortium:group", group_slug=group.slug)


@login_required
@require_GET
@_guard
def wg_view(request: HttpRequest, group_slug: str, wg_no: int) -> HttpResponse:
    user = signed_in_user(request)
    group = selectors.group_get(actor=user, slug=group_slug)
    wg = selectors.working_group_get(actor=user, group=group, number=wg_no)
    d = selectors.dashboard(actor=user, group=group, working_group=wg)
    status = request.GET.get("status", "open")
    items = list(
        selectors.item_list(
            actor=user, group=group, working_group=wg, status=status or None
        ).prefetch_related(
            Prefetch("positions", queryset=Position.objects.select_related("organization"))
        )[:300]
    )
    ctx = _group_ctx(request, group)
    area_progress = None
    if wg.area.national:
        prog = selectors.progress(actor=user, group=group)
        area_progress = [(m, prog.cell(m.organization_id, wg.area_id)) for m in prog.members]
    ctx.update(
        {
            "wg": wg,
            "d": d,
            "items": _item_rows(items),
            "status": status,
            "statuses": [("open", _("Open or in discussion")), *HarmonisationItem.Status.choices],
            "meetings": selectors.meetings(actor=user, group=group, working_group=wg),
            "is_coordinator": selectors.is_coordinator(user, wg),
            "area_name": wg.area.display_name(ui_lang()),
            "area_progress": area_progress,
            **_dashboard_charts(d, ""),
        }
    )
    return render(request, "consortium/wg.html", ctx)


def _item_rows(items: list[HarmonisationItem]) -> list[dict[str, Any]]:
    labels = _stance_labels()
    out = []
    for item in items:
        positions = [p for p in item.positions.all()]
        stances = [p.stance for p in positions if p.stance]
        out.append(
            {
                "item": item,
                "ref": services.item_ref(item),
                "positions": [
                    {
                        "org": p.organization.name,
                        "stance": p.stance,
                        "label": labels.get(p.stance, ""),
                        "tone": STANCE_TONES.get(p.stance, "muted"),
                    }
                    for p in positions
                ],
                "split": len(set(stances)) > 1,
            }
        )
    return out


# --------------------------------------------------------------------------- items


@login_required
@require_GET
@_guard
def item_list_view(request: HttpRequest, group_slug: str) -> HttpResponse:
    user = signed_in_user(request)
    group = selectors.group_get(actor=user, slug=group_slug)
    wgs = [r.wg for r in selectors.working_groups(actor=user, group=group)]
    wg_no = int_or(request.GET.get("wg"), 0)
    wg = next((w for w in wgs if w.number == wg_no), None)
    f: dict[str, str] = {
        "wg": str(wg_no) if wg else "",
        "status": request.GET.get("status", ""),
        "q": request.GET.get("q", "").strip()[:100],
        "blocking": request.GET.get("blocking", ""),
        "disagree": request.GET.get("disagree", ""),
        "waiting": request.GET.get("waiting", ""),
    }
    qs = selectors.item_list(
        actor=user,
        group=group,
        working_group=wg,
        status=f["status"] or None,
        q=f["q"] or None,
        blocking=True if f["blocking"] == "1" else None,
        disagree=f["disagree"] == "1",
        waiting_for=user.organization_id if f["waiting"] == "1" else None,
    ).prefetch_related(
        Prefetch("positions", queryset=Position.objects.select_related("organization"))
    )
    page = Paginator(qs, ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in f.items() if v})
    ctx = _group_ctx(request, group)
    ctx.update(
        {
            "page": page,
            "rows": _item_rows(list(page.object_list)),
            "f": f,
            "query": query,
            "wgs": wgs,
            "statuses": [("open", _("Open or in discussion")), *HarmonisationItem.Status.choices],
            "can_import": ctx["me"] is not None,
        }
    )
    return render(request, "consortium/items.html", ctx)


ITEM_FORM_FIELDS = (
    "title",
    "requirement_id",
    "requirement_class",
    "package_behaviour",
    "note",
    "due_on",
    "blocking",
    "cost_impact_yen",
    "ordinance_change",
    "impact_note",
)


def _item_form_values(post: Any) -> dict[str, Any]:
    values = {k: post.get(k, "") for k in ITEM_FORM_FIELDS}
    values["blocking"] = "1" if post.get("blocking") else ""
    values["ordinance_change"] = "1" if post.get("ordinance_change") else ""
    return values


@login_required
@require_http_methods(["GET", "POST"])
@_guard
def item_new_view(request: HttpRequest, group_slug: str) -> HttpResponse:
    user = signed_in_user(request)
    group = selectors.group_get(actor=user, slug=group_slug)
    ctx = _group_ctx(request, group)
    if ctx["me"] is None:
        raise NotFound()
    wgs = [r.wg for r in selectors.working_groups(actor=user, group=group)]
    values: dict[str, Any] = {"wg": request.GET.get("wg", ""), "practice": ""}
    errors: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        values = {
            **_item_form_values(request.POST),
            "wg": request.POST.get("wg", ""),
            "practice": request.POST.get("practice", ""),
        }
        wg = next((w for w in wgs if str(w.number) == values["wg"]), None)
        try:
            if wg is None:
                raise ValidationFailed(details={"wg": _("Choose a working group.")})
            item = services.item_create(
                actor=user,
                working_group=wg,
                data=values,
                practices={user.organization_id: values["practice"]},
            )
            messages.success(
                request,
                _("%(ref)s was raised. The other members are asked for their position.")
                % {"ref": services.item_ref(item)},
            )
            return redirect("consortium:item", group_slug=group.slug, item_no=item.number)
        except ValidationFailed as exc:
            errors = dict(exc.details) or {"title": str(exc.message)}
            if exc.code != "validation_failed":
                errors["due_on"] = str(exc.message)
                errors.pop("cut_over", None)
            status = 422
    ctx.update(
        {
            "values": values,
            "errors": errors,
            "wgs": wgs,
            "classes": RequirementClass.choices,
            "editing": False,
            "cut_over": services.cut_over_limit(group),
        }
    )
    return render(request, "consortium/item_form.html", ctx, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@_guard
def item_edit_view(request: HttpRequest, group_slug: str, item_no: int) -> HttpResponse:
    user = signed_in_user(request)
    group = selectors.group_get(actor=user, slug=group_slug)
    item = selectors.item_get(actor=user, group=group, number=item_no)
    ctx = _group_ctx(request, group)
    if not selectors.may_edit_item(user, item):
        raise NotFound()
    values: dict[str, Any] = {k: getattr(item, k) for k in ITEM_FORM_FIELDS}
    values["due_on"] = item.due_on.isoformat() if item.due_on else ""
    values["cost_impact_yen"] = "" if item.cost_impact_yen is None else item.cost_impact_yen
    values["version"] = item.version
    errors: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        values = {**_item_form_values(request.POST), "version": request.POST.get("version", "")}
        try:
            services.item_update(
                actor=user,
                item=item,
                data=values,
                expected_version=int_or(values["version"], None),
            )
            messages.success(request, _("The item was saved."))
            return redirect("consortium:item", group_slug=group.slug, item_no=item.number)
        except ValidationFailed as exc:
            errors = dict(exc.details)
            if exc.code != "validation_failed":
                errors["due_on"] = str(exc.message)
                errors.pop("cut_over", None)
            status = 422
        except Conflict as exc:
            errors = {"version": str(exc.message)}
            status = 409
    ctx.update(
        {
            "item": item,
            "ref": services.item_ref(item),
            "values": values,
            "errors": errors,
            "classes": RequirementClass.choices,
            "editing": True,
            "cut_over": services.cut_over_limit(group),
        }
    )
    return render(request, "consortium/item_form.html", ctx, status=status)


def _safe_next(request: HttpRequest, group: JointUseGroup) -> str | None:
    target = str(request.POST.get("next") or request.GET.get("next") or "")
    prefix = f"/consortium/{group.slug}/"
    if "//" in target or "\\" in target:
        return None
    if target.startswith(prefix) or target == "/consortium/waiting/":
        return target
    return None


@login_required
@require_http_methods(["GET", "POST"])
@_guard
def item_detail_view(request: HttpRequest, group_slug: str, item_no: int) -> HttpResponse:
    user = signed_in_user(request)
    group = selectors.group_get(actor=user, slug=group_slug)
    item = selectors.item_get(actor=user, group=group, number=item_no)
    ctx = _group_ctx(request, group)
    me = ctx["me"]
    errors: dict[str, Any] = {}
    form: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        form = {k: request.POST.get(k, "") for k in ("stance", "reason", "current_practice")}
        form.update({k: request.POST.get(k, "") for k in ("decision", "text", "withdraw_reason")})
        try:
            if action == "position":
                services.position_file(
                    actor=user,
                    item=item,
                    stance=form["stance"],
                    reason=form["reason"],
                    current_practice=form["current_practice"],
                    expected_version=int_or(request.POST.get("position_version"), None),
                )
                messages.success(request, _("Your organisation's position was saved."))
            elif action == "decide":
                services.item_decide(
                    actor=user,
                    item=item,
                    decision=form["decision"],
                    text=form["text"],
                    expected_version=int_or(request.POST.get("version"), None),
                )
                messages.success(request, _("The decision was recorded."))
            elif action == "withdraw":
                services.item_withdraw(
                    actor=user,
                    item=item,
                    reason=form["withdraw_reason"],
                    expected_version=int_or(request.POST.get("version"), None),
                )
                messages.success(request, _("The item was withdrawn."))
            else:
                raise NotFound()
            target = _safe_next(request, group)
            return redirect(target or reverse("consortium:item", args=[group.slug, item.number]))
        except (ValidationFailed, Conflict) as exc:
            errors = {f"{action}_{k}": str(v) for k, v in exc.details.items() if isinstance(v, str)}
            errors[f"{action}_summary"] = str(exc.message)
            errors["code"] = exc.code
            status = 409 if isinstance(exc, Conflict) else 422
            item = selectors.item_get(actor=user, group=group, number=item_no)
    rows = selectors.positions_of(actor=user, item=item)
    mine = next((r for r in rows if me is not None and r.membership.pk == me.pk), None)
    if not form and mine is not None and mine.position is not None:
        form = {
            "stance": mine.position.stance,
            "reason": mine.position.reason,
            "current_practice": mine.position.current_practice,
        }
    labels = _stance_labels()
    check = selectors.quorum_of(actor=user, item=item)
    ctx.update(
        {
            "item": item,
            "ref": services.item_ref(item),
            "rows": [
                {
                    "m": r.membership,
                    "p": r.position,
                    "label": labels.get(r.stance, ""),
                    "tone": STANCE_TONES.get(r.stance, "muted"),
                }
                for r in rows
            ],
            "mine": mine,
            "form": form,
            "errors": errors,
            "quorum": check,
            "stances": Stance.choices,
            "decision_label": labels.get(item.decision, ""),
            "cost": f"{item.cost_impact_yen:,}" if item.cost_impact_yen is not None else "",
            "is_coordinator": selectors.is_coordinator(user, item.working_group),
            "may_edit": selectors.may_edit_item(user, item),
            "agenda": list(
                item.agenda_entries.select_related("meeting").order_by("meeting__held_on")
            ),
            "actions": list(item.actions.select_related("owner").order_by("due_on")),
            "next": _safe_next(request, group) or "",
            "split": len({r.stance for r in rows if r.stance}) > 1,
        }
    )
    return render(request, "consortium/item_detail.html", ctx, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@_guard
def item_import_view(request: HttpRequest, group_slug: str) -> HttpResponse:
    user = signed_in_user(request)
    group = selectors.group_get(actor=user, slug=group_slug)
    ctx = _group_ctx(request, group)
    if ctx["me"] is None:
        raise NotFound()
    report: services.ImportReport | None = None
    refused: dict[str, Any] | None = None
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        partial = bool(request.POST.get("partial"))
        dry_run = request.POST.get("action") == "check"
        try:
            if upload is None:
                raise ValidationFailed(_("Choose a CSV file to import."), code="import_no_file")
            report = importer.import_csv(
                actor=user,
                group=group,
                content=upload.read(importer.MAX_BYTES + 1),
                partial=partial,
                dry_run=dry_run,
            )
            if report.created:
                messages.success(
                    request,
                    _("%(n)d item(s) were imported.") % {"n": len(report.created)},
                )
        except ValidationFailed as exc:
            refused = {
                "message": str(exc.message),
                "rows": exc.details.get("rows", []),
                "valid": exc.details.get("valid"),
                "total": exc.details.get("total"),
            }
            status = 422
    ctx.update(
        {
            "report": report,
            "refused": refused,
            "partial": bool(request.POST.get("partial")),
            "columns": importer.TEMPLATE_HEADER,
            "parties": services.parties(group),
        }
    )
    return render(request, "consortium/import.html", ctx, status=status)


@login_required
@require_GET
@_guard
def import_template_view(request: HttpRequest, group_slug: str) -> HttpResponse:
    user = signed_in_user(request)
    group = selectors.group_get(actor=user, slug=group_slug)
    header = importer.TEMPLATE_HEADER + [
        f"practice_{m.organization.code}" for m in services.parties(group)
    ]
    buf = io.StringIO()
    csv.writer(buf).writerow(header)
    resp = HttpResponse("\ufeff" + buf.getvalue(), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="{group.slug}-items-template.csv"'
    return resp


@login_required
@require_GET
@_guard
def item_export_view(request: HttpRequest, group_slug: str) -> HttpResponse:
    user = signed_in_user(request)
    group = selectors.group_get(actor=user, slug=group_slug)
    parties = services.parties(group)
    qs = selectors.item_list(actor=user, group=group).prefetch_related("positions")
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(
        [
            "ref",
            *importer.TEMPLATE_HEADER,
            "status",
            "decision",
            "decision_text",
            "decided_at",
            *[f"practice_{m.organization.code}" for m in parties],
            *[f"position_{m.organization.code}" for m in parties],
            *[f"reason_{m.organization.code}" for m in parties],
        ]
    )
    for item in qs:
        pos = {p.organization_id: p for p in item.positions.all()}
        w.writerow(
            [
                services.item_ref(item),
                item.working_group.number,
                item.title,
                item.requirement_id,
                item.requirement_class,
                item.package_behaviour,
                item.due_on.isoformat() if item.due_on else "",
                "1" if item.blocking else "0",
                "" if item.cost_impact_yen is None else item.cost_impact_yen,
                "1" if item.ordinance_change else "0",
                item.impact_note,
                item.note,
                item.status,
                item.decision,
                item.decision_text,
                timezone.localtime(item.decided_at).isoformat() if item.decided_at else "",
                *[
                    pos[m.organization_id].current_practice if m.organization_id in pos else ""
                    for m in parties
                ],
                *[
                    pos[m.organization_id].stance if m.organization_id in pos else ""
                    for m in parties
                ],
                *[
                    pos[m.organization_id].reason if m.organization_id in pos else ""
                    for m in parties
                ],
            ]
        )
    resp = HttpResponse("\ufeff" + buf.getvalue(), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="{group.slug}-items.csv"'
    return resp


# --------------------------------------------------------------------------- meetings


@login_required
@require_http_methods(["GET", "POST"])
@_guard
def meeting_new_view(request: HttpRequest, group_slug: str) -> HttpResponse:
    user = signed_in_user(request)
    group = selectors.group_get(actor=user, slug=group_slug)
    ctx = _group_ctx(request, group)
    led = [
        r.wg
        for r in selectors.working_groups(actor=user, group=group)
        if selectors.is_coordinator(user, r.wg)
    ]
    if not led:
        raise NotFound()
    source = request.POST if request.method == "POST" else request.GET
    wg = next((w for w in led if str(w.number) == source.get("wg", "")), led[0])
    values: dict[str, Any] = {
        "held_on": source.get("held_on", ""),
        "title": source.get("title", "") or f"{wg.name}WG 定例会",
        "location": source.get("location", ""),
        "items": [int_or(x, 0) for x in source.getlist("items")],
    }
    errors: dict[str, Any] = {}
    status = 200
    open_items = list(
        selectors.item_list(actor=user, group=group, working_group=wg, status="open")[:200]
    )
    if request.method == "POST":
        chosen = [i for i in open_items if i.number in values["items"]]
        try:
            meeting = services.meeting_create(
                actor=user,
                working_group=wg,
                held_on=values["held_on"],
                title=values["title"],
                location=values["location"],
                items=chosen,
            )
            messages.success(request, _("The meeting was planned."))
            return redirect("consortium:meeting", group_slug=group.slug, wg_meeting_id=meeting.pk)
        except ValidationFailed as exc:
            errors = dict(exc.details)
            status = 422
    ctx.update(
        {
            "wg": wg,
            "led": led,
            "values": values,
            "errors": errors,
            "open_items": [(i, services.item_ref(i)) for i in open_items],
        }
    )
    return render(request, "consortium/meeting_form.html", ctx, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@_guard
def meeting_view(request: HttpRequest, group_slug: str, wg_meeting_id: int) -> HttpResponse:
    user = signed_in_user(request)
    group = selectors.group_get(actor=user, slug=group_slug)
    meeting = selectors.meeting_get(actor=user, group=group, pk=wg_meeting_id)
    ctx = _group_ctx(request, group)
    errors: dict[str, Any] = {}
    values: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        values = {k: request.POST.get(k, "") for k in request.POST if k != "csrfmiddlewaretoken"}
        try:
            if action == "decide":
                item = selectors.item_get(
                    actor=user, group=group, number=int_or(request.POST.get("item"), 0)
                )
                services.item_decide(
                    actor=user,
                    item=item,
                    decision=request.POST.get("decision", ""),
                    text=request.POST.get("text", ""),
                    meeting=meeting,
                    expected_version=int_or(request.POST.get("version"), None),
                )
                messages.success(
                    request,
                    _("The decision on %(ref)s was recorded.") % {"ref": services.item_ref(item)},
                )
            elif action == "agenda":
                numbers = [int_or(x, 0) for x in request.POST.getlist("items")]
                items = list(
                    selectors.item_list(actor=user, group=group).filter(number__in=numbers)
                )
                services.agenda_add(actor=user, meeting=meeting, items=items)
                messages.success(request, _("The agenda was updated."))
            elif action == "minutes":
                services.minutes_record(
                    actor=user,
                    meeting=meeting,
                    minutes=request.POST.get("minutes", ""),
                    expected_version=int_or(request.POST.get("version"), None),
                )
                messages.success(request, _("The minutes were saved."))
            elif action == "action":
                owner = selectors.membership_get(
                    actor=user, group=group, code=request.POST.get("owner", "")
                ).organization
                item_no = int_or(request.POST.get("action_item"), 0)
                services.action_create(
                    actor=user,
                    meeting=meeting,
                    title=request.POST.get("action_title", ""),
                    owner=owner,
                    due_on=request.POST.get("action_due_on", ""),
                    item=selectors.item_get(actor=user, group=group, number=item_no)
                    if item_no
                    else None,
                )
                messages.success(request, _("The action was assigned."))
            else:
                raise NotFound()
            return redirect("consortium:meeting", group_slug=group.slug, wg_meeting_id=meeting.pk)
        except (ValidationFailed, Conflict) as exc:
            errors = {f"{action}_{k}": str(v) for k, v in exc.details.items() if isinstance(v, str)}
            errors[f"{action}_summary"] = str(exc.message)
            errors["item"] = request.POST.get("item", "")
            errors["code"] = exc.code
            status = 409 if isinstance(exc, Conflict) else 422
            meeting = selectors.meeting_get(actor=user, group=group, pk=wg_meeting_id)
    agenda = selectors.agenda_of(actor=user, meeting=meeting)
    item_ids = [e.item_id for e in agenda]
    filed: dict[int, list[Position]] = {}
    for p in Position.objects.select_related("organization").filter(item_id__in=item_ids):
        filed.setdefault(p.item_id, []).append(p)
    labels = _stance_labels()
    full = {
        m.organization_id
        for m in selectors.memberships(actor=user, group=group)
        if m.status == Membership.Status.MEMBER
    }
    needed = quorum_required(len(full), group.quorum_percent)
    on_agenda = set(item_ids)
    ctx.update(
        {
            "meeting": meeting,
            "wg": meeting.working_group,
            "is_coordinator": selectors.is_coordinator(user, meeting.working_group),
            "agenda": [
                {
                    "e": e,
                    "ref": services.item_ref(e.item),
                    "positions": [
                        {
                            "org": p.organization.name,
                            "label": labels.get(p.stance, _("not filed")),
                            "tone": STANCE_TONES.get(p.stance, "muted"),
                        }
                        for p in filed.get(e.item_id, [])
                    ],
                    "filed": sum(
                        1
                        for p in filed.get(e.item_id, [])
                        if p.stance and p.organization_id in full
                    ),
                    "needed": needed,
                    "decision_label": labels.get(e.item.decision, ""),
                }
                for e in agenda
            ],
            "candidates": [
                (i, services.item_ref(i))
                for i in selectors.item_list(
                    actor=user, group=group, working_group=meeting.working_group, status="open"
                )[:200]
                if i.pk not in on_agenda
            ],
            "actions": selectors.actions_of(actor=user, group=group, meeting=meeting),
            "parties": services.parties(group),
            "stances": Stance.choices,
            "errors": errors,
            "values": values,
            "today": timezone.localdate(),
        }
    )
    return render(request, "consortium/meeting.html", ctx, status=status)


@login_required
@require_POST
@_guard
def action_done_view(request: HttpRequest, group_slug: str, action_id: int) -> HttpResponse:
    user = signed_in_user(request)
    group = selectors.group_get(actor=user, slug=group_slug)
    action = selectors.action_get(actor=user, group=group, pk=action_id)
    try:
        services.action_complete(actor=user, action=action)
        messages.success(request, _("The action is done."))
    except Conflict as exc:
        _flash_error(request, exc)
    target = _safe_next(request, group)
    if target:
        return redirect(target)
    if action.meeting_id:
        return redirect(
            "consortium:meeting", group_slug=group.slug, wg_meeting_id=action.meeting_id
        )
    return redirect("consortium:waiting")


# --------------------------------------------------------------------------- onboarding


@login_required
@require_GET
@_guard
def onboarding_pick_view(request: HttpRequest, group_slug: str) -> HttpResponse:
    user = signed_in_user(request)
    group = selectors.group_get(actor=user, slug=group_slug)
    joining = selectors.joining_members(actor=user, group=group)
    mine = next((m for m in joining if m.organization_id == user.organization_id), None)
    if mine is not None:
        return redirect("consortium:onboarding", group_slug=group.slug, code=mine.organization.code)
    ctx = _group_ctx(request, group)
    ctx["joining"] = joining
    return render(request, "consortium/onboarding_pick.html", ctx)


@login_required
@require_GET
@_guard
def onboarding_view(request: HttpRequest, group_slug: str, code: str) -> HttpResponse:
    user = signed_in_user(request)
    group = selectors.group_get(actor=user, slug=group_slug)
    ob = selectors.onboarding(actor=user, group=group, code=code)
    return render(request, "consortium/onboarding.html", onboarding_context(request, ob))


def onboarding_context(request: HttpRequest, ob: selectors.Onboarding) -> dict[str, Any]:
    """Everything the onboarding template needs, as ready-made strings (the page lists up to
    64 × 8 items: no URL reversing or date formatting per row in the template)."""
    user = signed_in_user(request)
    ctx = _group_ctx(request, ob.group)
    labels = _stance_labels()
    categories = {k: _(v) for k, v in CATEGORY_LABELS.items()}
    decision_word, yours_word = _("Decision"), _("yours")
    base = reverse("consortium:items", args=[ob.group.slug])
    back = urlencode({"next": request.get_full_path()})
    prefix = ob.group.prefix

    def row(i: selectors.OnboardingItem) -> dict[str, Any]:
        note = ""
        if i.decision:
            note = f"{decision_word}: {labels.get(i.decision, '')}"
            if i.stance:
                note += f" / {yours_word}: {labels.get(i.stance, '')}"
        due = i.due_for_me
        return {
            "url": f"{base}{i.number}/?{back}",
            "label": f"{prefix}-{i.number:04d} {i.title}",
            "blocking": i.blocking,
            "blocks": i.blocks,
            "category": i.category,
            "what": categories[i.category],
            "note": note,
            "due": due.isoformat() if due is not None else "—",
            "overdue": due is not None and due < ob.today,
            "by_cut_over": i.decided,
        }

    titles = {
        lane.wg.code: _("%(wg)s: %(n)d to settle, %(done)d of %(total)d positioned")
        % {
            "wg": _wg_label(lane.wg),
            "n": lane.outstanding,
            "done": lane.positioned,
            "total": lane.total,
        }
        for lane in ob.lanes
    }
    ctx.update(
        {
            "ob": ob,
            "org": ob.membership.organization,
            "own": ob.membership.organization_id == user.organization_id,
            "gantt": charts.gantt(ob.timeline, titles),
            "category_labels": categories,
            "lanes": [
                {
                    "number": lane.wg.number,
                    "title": _wg_label(lane.wg),
                    "outstanding": lane.outstanding,
                    "positioned": lane.positioned,
                    "total": lane.total,
                    "pct": round(100 * lane.positioned / lane.total) if lane.total else 100,
                    "blocked": lane.blocked,
                    "counts": [(categories[k], n) for k, n in lane.counts.items() if n],
                    "rows": [row(i) for i in lane.items],
                    "more": lane.more,
                    "more_url": f"{base}?wg={lane.wg.number}&waiting=1",
                }
                for lane in ob.lanes
            ],
            "blockers": [row(i) for i in ob.blockers],
            "blocking_word": _("blocking"),
            "by_cut_over_word": _("by the cut-over"),
        }
    )
    return ctx


# --------------------------------------------------------------------------- progress


@login_required
@require_GET
@_guard
def progress_view(request: HttpRequest, group_slug: str) -> HttpResponse:
    user = signed_in_user(request)
    group = selectors.group_get(actor=user, slug=group_slug)
    prog = selectors.progress(actor=user, group=group)
    lang = ui_lang()
    ctx = _group_ctx(request, group)
    ctx.update(
        {
            "prog": prog,
            "rows": [
                {
                    "area": a,
                    "name": a.display_name(lang),
                    "wg": prog.wg_of_area[a.pk],
                    "cells": [
                        {
                            "m": m,
                            "c": prog.cell(m.organization_id, a.pk),
                            "current": prog.current.get((m.organization_id, a.pk)),
                            "mine": m.organization_id == user.organization_id,
                        }
                        for m in prog.members
                    ],
                    "total": next(c for wg, c in prog.by_wg if wg.area_id == a.pk),
                }
                for a in prog.areas
            ],
            "member_chart": bar_chart(
                _("Procedure done per member"),
                [Bar(m.organization.name, c.percent, tone="green") for m, c in prog.by_member],
                unit="%",
            ),
            "wg_chart": bar_chart(
                _("Procedure done per working group"),
                [Bar(wg.area.display_name(lang), c.percent, tone="blue") for wg, c in prog.by_wg],
                unit="%",
            ),
        }
    )
    return render(request, "consortium/progress.html", ctx)


@login_required
@require_GET
@_guard
def progress_csv_view(request: HttpRequest, group_slug: str) -> HttpResponse:
    """The monthly report: one row per member and business area (``?detail=1``: per step)."""
    user = signed_in_user(request)
    group = selectors.group_get(actor=user, slug=group_slug)
    prog = selectors.progress(actor=user, group=group)
    buf = io.StringIO()
    w = csv.writer(buf)
    month = timezone.localdate().strftime("%Y-%m")
    if request.GET.get("detail") == "1":
        w.writerow(
            [
                "month",
                "organization",
                "organization_name",
                "area",
                "area_name",
                "step",
                "step_name",
                "status",
            ]
        )
        for m in prog.members:
            for a in prog.areas:
                _membership, _area, rows = selectors.checklist(
                    actor=user, group=group, code=m.organization.code, area_code=a.code
                )
                for r in rows:
                    w.writerow(
                        [
                            month,
                            m.organization.code,
                            m.organization.name,
                            a.code,
                            a.name,
                            r.step.number,
                            r.step.name,
                            r.status,
                        ]
                    )
    else:
        w.writerow(
            [
                "month",
                "organization",
                "organization_name",
                "status",
                "area",
                "area_name",
                "working_group",
                "steps_done",
                "steps_in_progress",
                "steps_total",
                "percent_done",
                "current_step",
                "current_step_name",
            ]
        )
        for m in prog.members:
            for a in prog.areas:
                c = prog.cell(m.organization_id, a.pk)
                cur = prog.current.get((m.organization_id, a.pk))
                w.writerow(
                    [
                        month,
                        m.organization.code,
                        m.organization.name,
                        m.status,
                        a.code,
                        a.name,
                        prog.wg_of_area[a.pk].number,
                        c.done,
                        c.doing,
                        c.total,
                        c.percent,
                        cur.number if cur else "",
                        cur.name if cur else "",
                    ]
                )
    resp = HttpResponse("\ufeff" + buf.getvalue(), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="{group.slug}-progress-{month}.csv"'
    return resp


@login_required
@require_http_methods(["GET", "POST"])
@_guard
def checklist_view(
    request: HttpRequest, group_slug: str, code: str, area_code: str
) -> HttpResponse:
    user = signed_in_user(request)
    group = selectors.group_get(actor=user, slug=group_slug)
    membership, area, rows = selectors.checklist(
        actor=user, group=group, code=code, area_code=area_code
    )
    own = membership.organization_id == user.organization_id and selectors.takes_part(user)
    if request.method == "POST":
        if not own:
            raise NotFound()
        steps = {s.number: request.POST.get(f"step_{s.number}", "todo") for s in STEPS}
        try:
            n = services.progress_set(actor=user, group=group, area=area, steps=steps)
            messages.success(request, _("%(n)d step(s) updated.") % {"n": n})
        except (ValidationFailed, Conflict) as exc:
            _flash_error(request, exc)
        return redirect(
            "consortium:checklist", group_slug=group.slug, code=code, area_code=area.code
        )
    lang = ui_lang()
    counts = Counter(r.status for r in rows)
    ctx = _group_ctx(request, group)
    ctx.update(
        {
            "membership": membership,
            "area": area,
            "area_name": area.display_name(lang),
            "own": own,
            "rows": [
                {
                    "r": r,
                    "name": step_label(r.step, lang),
                    "phase": phase_label(r.step.phase, lang),
                    "new_phase": i == 0 or rows[i - 1].step.phase != r.step.phase,
                }
                for i, r in enumerate(rows)
            ],
            "statuses": StepProgress.Status.choices,
            "done": counts.get("done", 0),
            "doing": counts.get("doing", 0),
            "total": len(rows),
        }
    )
    return render(request, "consortium/checklist.html", ctx)
