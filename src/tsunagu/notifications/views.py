"""Notification centre and preferences."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagu.accounts.models import User
from tsunagu.core.errors import DomainError

from . import selectors, services


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
@require_GET
def notification_list_view(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    qs = selectors.notification_list(actor=_user(request), unread_only=unread_only)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page, "unread_only": unread_only})


@login_required
@require_POST
def notification_read_view(request: HttpRequest, notification_id: int) -> HttpResponse:
    try:
        services.notification_mark_read(actor=_user(request), notification_id=notification_id)
    except DomainError:
        return render(
            request,
            "core/error.html",
            {"title": _("Not found"), "message": _("Not found.")},
            status=404,
        )
    if request.headers.get("HX-Request"):
        n = selectors.notification_list(actor=_user(request)).get(pk=notification_id)
        return render(request, "notifications/_item.html", {"n": n})
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all_view(request: HttpRequest) -> HttpResponse:
    count = services.notification_mark_read(actor=_user(request))
    messages.success(request, _("%(count)d notifications marked as read.") % {"count": count})
    return redirect("notifications:list")


@login_required
@require_http_methods(["GET", "POST"])
def preferences_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        prefs = {
            kind.key: {
                "in_app": request.POST.get(f"{kind.key}:in_app") == "on",
                "email": request.POST.get(f"{kind.key}:email") == "on",
            }
            for kind, _in_app, _email in selectors.notification_preferences(actor=user)
        }
        services.notification_preferences_set(actor=user, prefs=prefs)
        messages.success(request, _("Your notification settings were saved."))
        return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"rows": selectors.notification_preferences(actor=user)},
    )
