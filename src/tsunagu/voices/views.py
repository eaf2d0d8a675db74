"""Voice pages: the list, filing (with similar voices while typing), one voice with its
timeline and the steps the viewer may take, the public metrics and the category targets."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagu.core.charts import Bar, bar_chart
from tsunagu.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from tsunagu.core.models import Organization
from tsunagu.core.permissions import can
from tsunagu.core.roles import Cap
from tsunagu.core.web import int_or, refusal_page, signed_in_user, ui_lang

from . import selectors, services
from .models import (
    ANSWERED_STATUSES,
    FINAL_STATUSES,
    OPEN_STATUSES,
    Category,
    Decision,
    MessageKind,
    Status,
    TokyoUnit,
    Visibility,
    Voice,
)

FORM_FIELDS = ("category", "title", "body", "desired_outcome", "visibility")


def _municipalities() -> list[Organization]:
    return list(Organization.objects.exclude(kind="都").order_by("code"))


@login_required
@require_GET
def voice_list_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    filters = {
        "status": request.GET.get("status", ""),
        "category": request.GET.get("category", ""),
        "unit": request.GET.get("unit", ""),
        "scope": request.GET.get("scope", ""),
    }
    try:
        qs = selectors.voice_list(
            actor=user,
            status=filters["status"] or None,
            category=filters["category"] or None,
            unit=filters["unit"] or None,
            mine=filters["scope"] == "mine",
            cosigned=filters["scope"] == "cosigned",
        )
    except DomainError as exc:
        return refusal_page(request, exc)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "voices/list.html",
        {
            "page": page,
            "filters": filters,
            "statuses": Status.choices,
            "categories": selectors.category_list(),
            "units": selectors.unit_list(),
            "can_file": can(user, Cap.VOICES_FILE_OWN),
            "now": timezone.now(),
            "lang": ui_lang(),
            "open_statuses": OPEN_STATUSES,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def voice_new_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not can(user, Cap.VOICES_FILE_OWN):
        return refusal_page(request, PermissionDenied())
    categories = selectors.category_list()
    values: dict[str, Any] = {"visibility": Visibility.ALL, "category": ""}
    shared: list[str] = []
    errors: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in FORM_FIELDS}
        shared = [c.replace("\x00", "") for c in request.POST.getlist("shared_with")]  # PG: no NUL
        category = next((c for c in categories if c.key == values["category"]), None)
        if category is None:
            errors["category"] = _("Choose a category.")
        try:
            if errors:
                raise ValidationFailed(details=errors)
            voice = services.voice_file(
                actor=user,
                category=category,  # type: ignore[arg-type]
                title=values["title"],
                body=values["body"],
                desired_outcome=values["desired_outcome"],
                visibility=values["visibility"],
                shared_with=list(Organization.objects.filter(code__in=shared[:100])),
            )
            messages.success(
                request,
                _("Your voice %(ref)s was filed and routed to %(unit)s.")
                % {"ref": voice.ref, "unit": voice.unit.display_name(ui_lang())},
            )
            return redirect("voices:detail", voice_id=voice.pk)
        except ValidationFailed as exc:
            errors = {**errors, **exc.details}
            status = 422
    return render(
        request,
        "voices/form.html",
        {
            "values": values,
            "shared": shared,
            "errors": errors,
            "categories": categories,
            "visibilities": Visibility.choices,
            "orgs": _municipalities(),
            "lang": ui_lang(),
            "title_max": services.TITLE_MAX,
            "body_max": services.BODY_MAX,
        },
        status=status,
    )


@login_required
@require_POST
def voice_similar_view(request: HttpRequest) -> HttpResponse:
    """htmx, while typing: existing voices that say much the same, to co-sign instead."""
    user = signed_in_user(request)
    text = f"{request.POST.get('title', '')}\n{request.POST.get('body', '')}"[:10000]
    try:
        similar = selectors.voice_similar(actor=user, text=text, limit=5)
    except DomainError:
        return HttpResponse(status=404)
    return render(
        request,
        "voices/_similar.html",
        {"similar": similar, "typed": bool(text.strip()), "final": FINAL_STATUSES},
    )


def _detail_context(user: Any, voice: Voice) -> dict[str, Any]:
    lang = ui_lang()
    msgs = list(voice.messages.select_related("author", "organization", "unit"))
    now = timezone.now()
    own = voice.organization_id == user.organization_id and can(user, Cap.VOICES_FILE_OWN)
    responder = can(user, Cap.VOICES_RESPOND) and can(user, Cap.WRITE)
    cosigned = selectors.voice_has_cosigned(actor=user, voice=voice)
    late_ack = voice.acknowledged_at is None and voice.ack_due < now
    late_answer = voice.answered_at is None and voice.answer_due < now
    mergeable: list[Voice] = []
    if responder and voice.status not in FINAL_STATUSES:
        mergeable = list(
            selectors.voice_list(actor=user)
            .exclude(pk=voice.pk)
            .exclude(status__in=FINAL_STATUSES)
            .order_by("-created_at")[:200]
        )
    return {
        "voice": voice,
        "lang": lang,
        "transitions": list(voice.transitions.select_related("actor")),
        "messages_": msgs,
        "answers": [m for m in msgs if m.kind == MessageKind.ANSWER],
        "cosigns": list(voice.cosigns.select_related("organization", "via_merge")),
        "outcomes": list(voice.outcomes.all()),
        "shared_with": list(voice.shared_with.all()),
        # Only the linked voices the viewer may see: a voice merged into (or from) a 都-only or
        # named-organisations voice must not show its title to anyone else.
        "merged_into": (
            selectors.voice_list(actor=user).filter(pk=voice.merged_into_id).first()
            if voice.merged_into_id
            else None
        ),
        "merged_from": list(selectors.voice_list(actor=user).filter(merged_into=voice)),
        "subscribed": selectors.voice_is_subscribed(actor=user, voice=voice),
        "can_follow": can(user, Cap.WRITE),
        "own": own,
        "responder": responder,
        "can_cosign": can(user, Cap.VOICES_FILE_OWN)
        and can(user, Cap.WRITE)
        and not own
        and not cosigned
        and voice.status not in FINAL_STATUSES,
        "cosigned": cosigned,
        "can_reply": own and can(user, Cap.WRITE) and voice.status in ANSWERED_STATUSES,
        "is_open": voice.status in OPEN_STATUSES,
        "is_final": voice.status in FINAL_STATUSES,
        "late_ack": late_ack,
        "late_answer": late_answer,
        "decisions": Decision.choices,
        "units": selectors.unit_list(),
        "mergeable": mergeable,
        "threshold": voice.category.agenda_threshold,
        "today": timezone.localdate(),
        "status_received": Status.RECEIVED,
        "status_ack": Status.ACKNOWLEDGED,
    }


ACTIONS = {
    "cosign",
    "acknowledge",
    "route",
    "study",
    "answer",
    "delay",
    "merge",
    "outcome",
    "reply",
    "close",
    "subscribe",
    "unsubscribe",
}


def _run_action(request: HttpRequest, user: Any, voice: Voice, action: str) -> str:
    """Do one step; returns the success message. Raises DomainError when refused."""
    post = request.POST
    version = int_or(post.get("version"), 0) or None
    if action == "cosign":
        services.voice_cosign(actor=user, voice=voice, comment=post.get("comment", ""))
        return _("Your organisation now supports this voice.")
    if action == "acknowledge":
        unit = TokyoUnit.objects.filter(key=post.get("unit", "").replace("\x00", "")).first()
        services.voice_acknowledge(
            actor=user, voice=voice, note=post.get("note", ""), unit=unit, version=version
        )
        return _("Acknowledged. The requester has been told.")
    if action == "route":
        unit = TokyoUnit.objects.filter(key=post.get("unit", "").replace("\x00", "")).first()
        if unit is None:
            raise ValidationFailed(details={"unit": _("Choose a unit.")})
        services.voice_route(
            actor=user, voice=voice, unit=unit, note=post.get("note", ""), version=version
        )
        return _("Handed to the other unit.")
    if action == "study":
        services.voice_start_study(
            actor=user, voice=voice, note=post.get("note", ""), version=version
        )
        return _("Marked as under study.")
    if action == "answer":
        services.voice_answer(
            actor=user,
            voice=voice,
            body=post.get("body", ""),
            reasons=post.get("reasons", ""),
            decision=post.get("decision", ""),
            version=version,
        )
        return _("The answer is published. The requester may reply before closing.")
    if action == "delay":
        try:
            expected = dt.date.fromisoformat(post.get("expected_at", ""))
        except ValueError:
            expected = None
        services.voice_delay_note(
            actor=user,
            voice=voice,
            body=post.get("body", ""),
            expected_at=expected,
            version=version,
        )
        return _("The delay note is published.")
    if action == "merge":
        try:
            into = selectors.voice_get(actor=user, voice_id=int_or(post.get("into"), 0))
        except NotFound:
            raise ValidationFailed(details={"into": _("Choose the voice to merge into.")}) from None
        services.voice_merge(actor=user, voice=voice, into=into, note=post.get("note", ""))
        return _("Merged. Its support now counts for %(ref)s.") % {"ref": into.ref}
    if action == "outcome":
        services.voice_outcome_add(
            actor=user,
            voice=voice,
            title=post.get("title", ""),
            url=post.get("url", ""),
            description=post.get("description", ""),
        )
        return _("The outcome is linked.")
    if action == "reply":
        services.voice_reply(actor=user, voice=voice, body=post.get("body", ""))
        return _("Your reply was sent to Tokyo.")
    if action == "close":
        services.voice_close(actor=user, voice=voice, note=post.get("note", ""))
        return _("The voice is closed. Thank you.")
    if action in ("subscribe", "unsubscribe"):
        services.voice_subscribe(actor=user, voice=voice, on=action == "subscribe")
        return (
            _("You follow this voice.")
            if action == "subscribe"
            else _("You no longer follow this voice.")
        )
    raise ValidationFailed(_("Unknown action."), code="unknown_action")


@login_required
@require_http_methods(["GET", "POST"])
def voice_detail_view(request: HttpRequest, voice_id: int) -> HttpResponse:
    user = signed_in_user(request)
    try:
        voice = selectors.voice_get(actor=user, voice_id=voice_id)
    except DomainError as exc:
        return refusal_page(request, exc)
    errors: dict[str, Any] = {}
    error_message = ""
    form_action = ""
    status = 200
    if request.method == "POST":
        form_action = request.POST.get("action", "")
        try:
            if form_action not in ACTIONS:
                raise ValidationFailed(_("Unknown action."), code="unknown_action")
            note = _run_action(request, user, voice, form_action)
            messages.success(request, note)
            return redirect("voices:detail", voice_id=voice.pk)
        except (PermissionDenied, NotFound) as exc:
            return refusal_page(request, exc)
        except DomainError as exc:
            # Re-render with everything typed kept, and the reason next to the form.
            error_message = str(exc.message)
            errors = {k: str(v) for k, v in exc.details.items()}
            status = 409 if exc.status == 409 else 422
            voice = selectors.voice_get(actor=user, voice_id=voice_id)
    ctx = _detail_context(user, voice)
    ctx.update(
        {
            "errors": errors,
            "error_message": error_message,
            "form_action": form_action,
            "posted": request.POST,
        }
    )
    return render(request, "voices/detail.html", ctx, status=status)


def _pct(share: float | None) -> float:
    return round(share * 100, 1) if share is not None else 0.0


@login_required
@require_GET
def voice_metrics_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    try:
        m = selectors.voice_metrics(actor=user)
    except DomainError as exc:
        return refusal_page(request, exc)
    lang = ui_lang()

    def name(u: selectors.UnitMetrics) -> str:
        # The section's own name is enough in a chart (the bureau and department are shared).
        return u.name_en.split(", ")[-1] if lang == "en" else u.name.split()[-1]

    charts = [
        bar_chart(
            _("Median days to the first official answer, per unit"),
            [
                Bar(
                    name(u),
                    u.median_days_to_answer or 0,
                    tone="blue",
                    note="" if u.median_days_to_answer is not None else "—",
                )
                for u in m.units
            ],
            unit=_("days"),
        ),
        bar_chart(
            _("Answered within the published target, per unit"),
            [
                Bar(
                    name(u),
                    _pct(u.on_time_share),
                    tone="green" if (u.on_time_share or 0) >= 0.8 else "orange",
                )
                for u in m.units
            ],
            unit="%",
        ),
        bar_chart(
            _("Voices by status"),
            [Bar(str(Status(s).label), n, tone="blue") for s, n in sorted(m.by_status.items())],
        ),
    ]
    chart_ids = ["median-chart", "on-time-chart", "status-chart"]
    top = max((max(f, a) for _mo, f, a in m.monthly), default=1) or 1
    monthly = []
    for i, (mo, f, a) in enumerate(m.monthly):
        hf, ha = round(100 * f / top, 1), round(100 * a / top, 1)
        monthly.append(
            {
                "month": mo,
                "filed": f,
                "answered": a,
                "x_filed": 8 + i * 44,
                "x_answered": 8 + i * 44 + 16,
                "h_filed": hf,
                "h_answered": ha,
                "y_filed": 110 - hf,
                "y_answered": 110 - ha,
            }
        )
    return render(
        request,
        "voices/metrics.html",
        {
            "m": m,
            "charts": [{"id": i, "chart": c} for i, c in zip(chart_ids, charts, strict=True)],
            "monthly": monthly,
            "monthly_width": 16 + 44 * max(1, len(monthly)),
            "lang": lang,
            "categories": selectors.category_list(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def category_settings_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not can(user, Cap.FORUM_MANAGE):
        return refusal_page(request, PermissionDenied())
    errors: dict[str, Any] = {}
    error_message = ""
    posted_key = ""
    status = 200
    if request.method == "POST":
        posted_key = request.POST.get("key", "").replace("\x00", "")
        category = Category.objects.filter(key=posted_key).first()
        unit = TokyoUnit.objects.filter(
            key=request.POST.get("unit", "").replace("\x00", "")
        ).first()
        try:
            if category is None or unit is None:
                raise ValidationFailed(details={"unit": _("Choose a unit.")})
            services.category_update(
                actor=user,
                category=category,
                ack_days=int_or(request.POST.get("ack_days"), 0),
                answer_days=int_or(request.POST.get("answer_days"), 0),
                agenda_threshold=int_or(request.POST.get("agenda_threshold"), 0),
                unit=unit,
                version=int_or(request.POST.get("version"), 0),
            )
            messages.success(request, _("The targets were saved."))
            return redirect("voices:categories")
        except DomainError as exc:
            error_message = str(exc.message)
            errors = {k: str(v) for k, v in exc.details.items()}
            status = 409 if exc.status == 409 else 422
    return render(
        request,
        "voices/categories.html",
        {
            "categories": selectors.category_list(),
            "units": selectors.unit_list(),
            "errors": errors,
            "error_message": error_message,
            "posted_key": posted_key,
            "posted": request.POST,
            "lang": ui_lang(),
        },
        status=status,
    )
