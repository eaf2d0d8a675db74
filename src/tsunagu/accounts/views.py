"""Sign-in, second factors, and the account security page."""

from __future__ import annotations

import json
import time
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagu.core.errors import DomainError

from . import services
from .forms import CodeForm, LoginForm, RecoveryForm, TokenForm
from .middleware import MFA_ENROL_SESSION_KEY
from .models import User

PENDING_KEY = "mfa_pending_user"
PENDING_AT_KEY = "mfa_pending_at"
PENDING_NEXT_KEY = "mfa_pending_next"
PENDING_TTL = 300  # seconds to complete the second step
CHALLENGE_KEY = "webauthn_challenge"


def _rp_id(request: HttpRequest) -> str:
    return settings.WEBAUTHN_RP_ID or request.get_host().rsplit(":", 1)[0].strip("[]")


def _origin(request: HttpRequest) -> str:
    return f"{'https' if request.is_secure() else 'http'}://{request.get_host()}"


def _safe_next(request: HttpRequest, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return "/"


def lockout_response(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Shown by django-axes when an account/address pair is locked out."""
    form = LoginForm(initial={"username": request.POST.get("username", "")})
    return render(
        request,
        "accounts/login.html",
        {
            "form": form,
            "error": _(
                "Too many failed attempts. Sign-in for this account is locked for 15 minutes."
            ),
        },
        status=429,
    )


def _complete_login(
    request: HttpRequest, user: User, *, method: str, next_url: str
) -> HttpResponse:
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session["mfa_verified"] = method != "password"
    services.auth_event_record(user=user, event="login", method=method)
    if user.mfa_required and not user.has_mfa:
        request.session[MFA_ENROL_SESSION_KEY] = True
        messages.warning(
            request,
            _(
                "Your role requires two-step sign-in. "
                "Register a security key or an authenticator app to continue."
            ),
        )
        return redirect("accounts:security")
    return redirect(next_url)


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("core:dashboard")
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    form = LoginForm(request.POST or None)
    error = ""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            user = authenticate(
                request,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
            )
            if getattr(request, "axes_locked_out", False):
                return lockout_response(request)
            if isinstance(user, User) and user.is_active:
                if user.has_mfa:
                    request.session.cycle_key()
                    request.session[PENDING_KEY] = user.pk
                    request.session[PENDING_AT_KEY] = time.time()
                    request.session[PENDING_NEXT_KEY] = next_url
                    return redirect("accounts:mfa")
                return _complete_login(request, user, method="password", next_url=next_url)
            services.auth_failure_record(
                username=form.cleaned_data["username"], reason="bad_credentials"
            )
            error = _("The user name or password is not correct.")
            status = 401
        else:
            status = 400
    return render(
        request,
        "accounts/login.html",
        {"form": form, "error": error, "next": next_url},
        status=status,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if isinstance(request.user, User):
        services.auth_event_record(user=request.user, event="logout")
    logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("accounts:login")


def _pending_user(request: HttpRequest) -> User | None:
    uid = request.session.get(PENDING_KEY)
    started = request.session.get(PENDING_AT_KEY, 0)
    if not uid or time.time() - float(started) > PENDING_TTL:
        return None
    return User.objects.filter(pk=uid, is_active=True).first()


def _mfa_failure(request: HttpRequest, user: User) -> bool:
    """Count a failed second step; True when the attempt budget is spent (login restarts)."""
    key = f"mfa-fail:{user.pk}"
    count = cache.get(key, 0) + 1
    cache.set(key, count, 15 * 60)
    services.auth_failure_record(username=user.username, reason="mfa_failed")
    if count >= settings.MFA_MAX_ATTEMPTS:
        for k in (PENDING_KEY, PENDING_AT_KEY, PENDING_NEXT_KEY):
            request.session.pop(k, None)
        return True
    return False


def _mfa_locked(user: User) -> bool:
    return int(cache.get(f"mfa-fail:{user.pk}", 0)) >= settings.MFA_MAX_ATTEMPTS


def _mfa_success(request: HttpRequest, user: User, method: str) -> HttpResponse:
    cache.delete(f"mfa-fail:{user.pk}")
    next_url = request.session.get(PENDING_NEXT_KEY, "/")
    for k in (PENDING_KEY, PENDING_AT_KEY, PENDING_NEXT_KEY, CHALLENGE_KEY):
        request.session.pop(k, None)
    return _complete_login(request, user, method=method, next_url=next_url)


@require_http_methods(["GET", "POST"])
def mfa_view(request: HttpRequest) -> HttpResponse:
    """Second step: security key (via JS), authenticator code, or a recovery code."""
    user = _pending_user(request)
    if user is None:
        messages.info(request, _("Please sign in again."))
        return redirect("accounts:login")
    if _mfa_locked(user):
        for k in (PENDING_KEY, PENDING_AT_KEY, PENDING_NEXT_KEY):
            request.session.pop(k, None)
        messages.error(request, _("Too many failed attempts. Wait 15 minutes and sign in again."))
        return redirect("accounts:login")
    code_form = CodeForm(request.POST if "code" in request.POST else None)
    recovery_form = RecoveryForm(request.POST if "recovery_code" in request.POST else None)
    error = ""
    if request.method == "POST":
        ok = False
        method = ""
        if code_form.is_bound and code_form.is_valid():
            ok = services.totp_verify(user=user, code=code_form.cleaned_data["code"])
            method = "totp"
        elif recovery_form.is_bound and recovery_form.is_valid():
            ok = services.recovery_code_use(
                user=user, code=recovery_form.cleaned_data["recovery_code"]
            )
            method = "recovery_code"
        if ok:
            return _mfa_success(request, user, method)
        if _mfa_failure(request, user):
            messages.error(
                request, _("Too many failed attempts. Wait 15 minutes and sign in again.")
            )
            return redirect("accounts:login")
        error = _("The code is not correct.")
    return render(
        request,
        "accounts/mfa.html",
        {
            "pending_user": user,
            "has_webauthn": user.webauthn_credentials.exists(),
            "has_totp": user.totp_devices.filter(confirmed=True).exists(),
            "code_form": code_form,
            "recovery_form": recovery_form,
            "error": error,
        },
        status=401 if error else 200,
    )


@require_POST
def mfa_webauthn_begin_view(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None or _mfa_locked(user):
        return JsonResponse(
            {"code": "login_required", "message": _("Please sign in again."), "details": {}},
            status=401,
        )
    ceremony = services.webauthn_authentication_begin(user=user, rp_id=_rp_id(request))
    request.session[CHALLENGE_KEY] = ceremony.challenge.hex()
    return HttpResponse(ceremony.options_json, content_type="application/json")


@require_POST
def mfa_webauthn_complete_view(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    challenge = request.session.pop(CHALLENGE_KEY, None)
    if user is None or challenge is None:
        return JsonResponse(
            {"code": "login_required", "message": _("Please sign in again."), "details": {}},
            status=401,
        )
    try:
        credential = json.loads(request.body)
        if not isinstance(credential, dict):
            raise ValueError
    except ValueError:
        return JsonResponse(
            {
                "code": "malformed_json",
                "message": _("The request body is not valid JSON."),
                "details": {},
            },
            status=400,
        )
    try:
        services.webauthn_authentication_verify(
            user=user,
            credential=credential,
            challenge=bytes.fromhex(challenge),
            rp_id=_rp_id(request),
            origin=_origin(request),
        )
    except DomainError as exc:
        locked = _mfa_failure(request, user)
        return JsonResponse(
            {"code": exc.code, "message": str(exc.message), "details": {"restart": locked}},
            status=400,
        )
    response = _mfa_success(request, user, "webauthn")
    return JsonResponse({"redirect": response["Location"]})


# --- security settings ----------------------------------------------------------------------


@login_required
@require_GET
def security_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    return render(
        request,
        "accounts/security.html",
        {
            "credentials": user.webauthn_credentials.all(),
            "totp_devices": user.totp_devices.filter(confirmed=True),
            "recovery_left": user.recovery_codes.filter(used_at__isnull=True).count(),
            "enrol_required": bool(request.session.get(MFA_ENROL_SESSION_KEY)),
        },
    )


@login_required
@require_POST
def webauthn_register_begin_view(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    ceremony = services.webauthn_registration_begin(
        actor=request.user, rp_id=_rp_id(request), rp_name=settings.WEBAUTHN_RP_NAME
    )
    request.session[CHALLENGE_KEY] = ceremony.challenge.hex()
    return HttpResponse(ceremony.options_json, content_type="application/json")


@login_required
@require_POST
def webauthn_register_complete_view(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    challenge = request.session.pop(CHALLENGE_KEY, None)
    try:
        payload = json.loads(request.body)
        credential = payload["credential"]
        name = str(payload.get("name", ""))
        if not isinstance(credential, dict):
            raise ValueError
    except (ValueError, KeyError, TypeError):
        return JsonResponse(
            {
                "code": "malformed_json",
                "message": _("The request body is not valid JSON."),
                "details": {},
            },
            status=400,
        )
    if challenge is None:
        return JsonResponse(
            {"code": "no_challenge", "message": _("Start the registration again."), "details": {}},
            status=400,
        )
    try:
        services.webauthn_registration_complete(
            actor=request.user,
            name=name,
            credential=credential,
            challenge=bytes.fromhex(challenge),
            rp_id=_rp_id(request),
            origin=_origin(request),
        )
    except DomainError as exc:
        return JsonResponse(
            {"code": exc.code, "message": str(exc.message), "details": exc.details},
            status=exc.status,
        )
    request.session.pop(MFA_ENROL_SESSION_KEY, None)
    request.session["mfa_verified"] = True
    _notify_security_change(request.user, _("A security key was registered"))
    messages.success(request, _("The security key was registered."))
    return JsonResponse({"redirect": "/accounts/security/"})


def _notify_security_change(user: User, change: str) -> None:
    from tsunagu.notifications.services import notification_send

    notification_send(
        recipients=[user],
        kind="security.mfa_changed",
        params={"change": change},
        url="/accounts/security/",
        actor=user,
    )


@login_required
@require_POST
def webauthn_delete_view(request: HttpRequest, credential_id: int) -> HttpResponse:
    assert isinstance(request.user, User)
    try:
        services.webauthn_credential_delete(actor=request.user, credential_id=credential_id)
        _notify_security_change(request.user, _("A security key was removed"))
        messages.success(request, _("The security key was removed."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("accounts:security")


@login_required
@require_http_methods(["GET", "POST"])
def totp_setup_view(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    form = CodeForm(request.POST or None)
    device, uri = services.totp_setup_begin(actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_setup_confirm(
                actor=request.user, device_id=device.pk, code=form.cleaned_data["code"]
            )
        except DomainError as exc:
            form.add_error("code", str(exc.message))
        else:
            request.session.pop(MFA_ENROL_SESSION_KEY, None)
            request.session["mfa_verified"] = True
            _notify_security_change(request.user, _("An authenticator app was registered"))
            messages.success(request, _("The authenticator app was registered."))
            return redirect("accounts:security")
    qr_svg = segno.make(uri, error="m").svg_inline(
        scale=4, title=_("QR code for your authenticator app")
    )
    secret = uri.split("secret=")[1].split("&")[0]
    return render(
        request,
        "accounts/totp_setup.html",
        {"form": form, "qr_svg": qr_svg, "secret": secret},
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def totp_delete_view(request: HttpRequest, device_id: int) -> HttpResponse:
    assert isinstance(request.user, User)
    try:
        services.totp_device_delete(actor=request.user, device_id=device_id)
        _notify_security_change(request.user, _("An authenticator app was removed"))
        messages.success(request, _("The authenticator app was removed."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("accounts:security")


@login_required
@require_POST
def recovery_codes_view(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    codes = services.recovery_codes_generate(actor=request.user)
    return render(request, "accounts/recovery_codes.html", {"codes": codes})


@login_required
@require_http_methods(["GET", "POST"])
def tokens_view(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    form = TokenForm(request.POST or None)
    new_secret = ""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _token, new_secret = services.api_token_create(
                    actor=request.user, **form.cleaned_data
                )
            except DomainError as exc:
                for field, msg in exc.details.items():
                    form.add_error(field if field in form.fields else None, msg)
                status = 422
            else:
                form = TokenForm()
        else:
            status = 422
    return render(
        request,
        "accounts/tokens.html",
        {"form": form, "tokens": request.user.api_tokens.all(), "new_secret": new_secret},
        status=status,
    )


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    assert isinstance(request.user, User)
    try:
        services.api_token_revoke(actor=request.user, token_id=token_id)
        messages.success(request, _("The token was revoked."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("accounts:tokens")


@require_POST
def language_view(request: HttpRequest) -> HttpResponse:
    """Switch language: saved on the account when signed in, and in a cookie either way."""
    lang = request.POST.get("language", "")
    if lang not in dict(settings.LANGUAGES):
        lang = settings.LANGUAGE_CODE
    if isinstance(request.user, User) and request.user.is_authenticated:
        services.user_set_language(actor=request.user, language=lang)
    response = redirect(_safe_next(request, request.POST.get("next")))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        lang,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=True,
    )
    return response
