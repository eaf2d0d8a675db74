"""Per-user language, and the gate that keeps users who must enrol MFA on the enrolment page."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _

MFA_ENROL_SESSION_KEY = "mfa_enrol_required"
# Only what enrolment needs: tokens, for one, must not be minted before the second factor exists.
_ALLOWED_PREFIXES = (
    "/accounts/security/",
    "/accounts/logout/",
    "/accounts/login/",
    "/accounts/mfa/",
    "/accounts/language/",
    "/static/",
)


class UserLocaleMiddleware:
    """A signed-in user's saved language wins over the browser's Accept-Language."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


class MfaEnforcementMiddleware:
    """Users whose MFA is mandatory but not yet set up may only reach account pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and request.session.get(MFA_ENROL_SESSION_KEY)
            and not request.path.startswith(_ALLOWED_PREFIXES)
        ):
            if user.has_mfa:
                request.session.pop(MFA_ENROL_SESSION_KEY, None)
            elif request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "code": "mfa_enrolment_required",
                        "message": _("Register a security key or authenticator app first."),
                        "details": {},
                    },
                    status=403,
                )
            else:
                return redirect("accounts:security")
        return self.get_response(request)
