"""Small helpers every server-rendered page uses: the signed-in user, the UI language, htmx
requests, refusal pages and lenient number parsing of form fields."""

from __future__ import annotations

from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tsunagu.accounts.models import User

from .errors import DomainError, NotFound, PermissionDenied

D = TypeVar("D")


def signed_in_user(request: HttpRequest) -> User:
    """The signed-in user (views using this are all behind ``login_required``)."""
    assert isinstance(request.user, User)
    return request.user


def ui_lang() -> str:
    """``"ja"`` or ``"en"``: the language the page is rendered in."""
    return "en" if (get_language() or "ja").startswith("en") else "ja"


def is_htmx(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request"))


def refusal_page(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """A refusal as a page. Permission refusals look like missing pages (no probing)."""
    if isinstance(exc, PermissionDenied):
        exc = NotFound()
    return render(
        request,
        "core/error.html",
        {
            "title": _("Not found") if exc.status == 404 else _("Not possible"),
            "message": str(exc.message),
        },
        status=exc.status,
    )


def int_or(value: Any, default: D) -> int | D:
    """``value`` as an int, or ``default`` when it is not a number (form fields)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
