"""Account writes: second factors, recovery codes, API tokens, preferences, sign-in records.

Every function changes state inside one transaction and appends an audit entry.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pyotp
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from tsunagu.core.audit import audit_record
from tsunagu.core.errors import Conflict, NotFound, ValidationFailed

from .crypto import seal, unseal
from .models import ApiScope, ApiToken, Language, RecoveryCode, TotpDevice, User, WebAuthnCredential

RECOVERY_CODE_COUNT = 10
API_TOKEN_MAX_DAYS = 365
TOTP_ISSUER = "Tsunagu"


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


# --- sign-in records ----------------------------------------------------------------------


def auth_event_record(*, user: User, event: str, method: str = "") -> None:
    """Record a sign-in, sign-out, or second-factor event in the audit trail."""
    with transaction.atomic():
        audit_record(
            actor=user,
            action=f"auth.{event}",
            organization=user.organization_id,
            obj=user,
            extra={"method": method} if method else None,
        )


def auth_failure_record(*, username: str, reason: str) -> None:
    """A failed sign-in: recorded without an actor, and without revealing if the user exists."""
    with transaction.atomic():
        audit_record(
            actor=None,
            action="auth.login_failed",
            organization=None,
            extra={"username": username[:150], "reason": reason},
        )


# --- WebAuthn -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ceremony:
    options_json: str
    challenge: bytes


def webauthn_registration_begin(*, actor: User, rp_id: str, rp_name: str) -> Ceremony:
    """Options for ``navigator.credentials.create``; the caller keeps the challenge."""
    opts = generate_registration_options(
        rp_id=rp_id,
        rp_name=rp_name,
        user_name=actor.username,
        user_id=f"tsunagu-user-{actor.pk}".encode(),
        user_display_name=actor.display_name or actor.username,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=bytes(c.credential_id))
            for c in actor.webauthn_credentials.all()
        ],
    )
    return Ceremony(options_json=options_to_json(opts), challenge=opts.challenge)


def webauthn_registration_complete(
    *,
    actor: User,
    name: str,
    credential: dict[str, Any] | str,
    challenge: bytes,
    rp_id: str,
    origin: str,
) -> WebAuthnCredential:
    """Verify the authenticator's attestation and store the new credential."""
    name = (name or "").strip()[:60] or str(_("Security key"))
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
        )
    except (InvalidRegistrationResponse, ValueError, KeyError, TypeError) as exc:
        raise ValidationFailed(
            _("The security key could not be registered. Please try again."),
            code="webauthn_registration_failed",
            details={"reason": str(exc)[:200]},
        ) from exc
    with transaction.atomic():
        if WebAuthnCredential.objects.filter(credential_id=verified.credential_id).exists():
            raise Conflict(_("This security key is already registered."), code="webauthn_duplicate")
        cred = WebAuthnCredential.objects.create(
            user=actor,
            name=name,
            credential_id=verified.credential_id,
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            aaguid=str(verified.aaguid),
            backed_up=verified.credential_backed_up,
            transports=list(_transports(credential)),
        )
        audit_record(
            actor=actor,
            action="mfa.webauthn_registered",
            organization=actor.organization_id,
            obj=cred,
            after={"name": cred.name, "aaguid": cred.aaguid},
        )
    return cred


def _transports(credential: dict[str, Any] | str) -> list[str]:
    if isinstance(credential, dict):
        resp = credential.get("response") or {}
        transports = resp.get("transports") if isinstance(resp, dict) else None
        if isinstance(transports, list):
            return [str(t)[:20] for t in transports][:6]
    return []


def webauthn_authentication_begin(*, user: User, rp_id: str) -> Ceremony:
    opts = generate_authentication_options(
        rp_id=rp_id,
        allow_credentials=[
            PublicKeyCredentialDescriptor(id=bytes(c.credential_id))
            for c in user.webauthn_credentials.all()
        ],
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return Ceremony(options_json=options_to_json(opts), challenge=opts.challenge)


def webauthn_authentication_verify(
    *,
    user: User,
    credential: dict[str, Any],
    challenge: bytes,
    rp_id: str,
    origin: str,
) -> WebAuthnCredential:
    """Check an assertion from one of the user's own credentials and advance its counter."""
    raw_id = credential.get("rawId") or credential.get("id") or ""
    from webauthn import base64url_to_bytes

    try:
        cred_id = base64url_to_bytes(str(raw_id))
    except (ValueError, TypeError) as exc:
        raise ValidationFailed(code="webauthn_failed") from exc
    with transaction.atomic():
        stored = (
            WebAuthnCredential.objects.select_for_update()
            .filter(user=user, credential_id=cred_id)
            .first()
        )
        if stored is None:
            raise ValidationFailed(
                _("This security key is not registered for your account."), code="webauthn_unknown"
            )
        try:
            verified = verify_authentication_response(
                credential=credential,
                expected_challenge=challenge,
                expected_rp_id=rp_id,
                expected_origin=origin,
                credential_public_key=bytes(stored.public_key),
                credential_current_sign_count=stored.sign_count,
            )
        except (InvalidAuthenticationResponse, ValueError, KeyError, TypeError) as exc:
            raise ValidationFailed(
                _("The security key check failed."), code="webauthn_failed"
            ) from exc
        stored.sign_count = verified.new_sign_count
        stored.last_used_at = timezone.now()
        stored.save(update_fields=["sign_count", "last_used_at"])
    return stored


def _ensure_mfa_left(user: User, *, removing_webauthn: int = 0, removing_totp: int = 0) -> None:
    if not user.mfa_required:
        return
    keys = user.webauthn_credentials.count() - removing_webauthn
    apps = user.totp_devices.filter(confirmed=True).count() - removing_totp
    if keys + apps <= 0:
        raise ValidationFailed(
            _("Your account requires a second factor. Register another one before removing this."),
            code="mfa_last_factor",
        )


def webauthn_credential_delete(*, actor: User, credential_id: int) -> None:
    with transaction.atomic():
        cred = WebAuthnCredential.objects.filter(user=actor, pk=credential_id).first()
        if cred is None:
            raise NotFound()
        _ensure_mfa_left(actor, removing_webauthn=1)
        audit_record(
            actor=actor,
            action="mfa.webauthn_removed",
            organization=actor.organization_id,
            obj=cred,
            before={"name": cred.name},
        )
        cred.delete()


# --- TOTP -----------------------------------------------------------------------------------


def totp_provisioning_uri(device: TotpDevice) -> str:
    """The ``otpauth://`` URI for an authenticator app (decrypted on demand, never stored)."""
    secret = unseal(bytes(device.secret_encrypted))
    return pyotp.TOTP(secret).provisioning_uri(name=device.user.username, issuer_name=TOTP_ISSUER)


def totp_setup_begin(*, actor: User) -> tuple[TotpDevice, str]:
    """The actor's pending (unconfirmed) authenticator, created if there is none.

    Reloading the set-up page shows the same secret instead of minting a new one each time.
    """
    with transaction.atomic():
        device = TotpDevice.objects.filter(user=actor, confirmed=False).first()
        if device is None:
            device = TotpDevice.objects.create(
                user=actor, secret_encrypted=seal(pyotp.random_base32())
            )
            audit_record(
                actor=actor,
                action="mfa.totp_setup_started",
                organization=actor.organization_id,
                obj=device,
            )
    return device, totp_provisioning_uri(device)


def _totp_match(device: TotpDevice, code: str) -> int | None:
    """The time step the code belongs to (±1 step of drift), or None."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(unseal(bytes(device.secret_encrypted)))
    now = timezone.now()
    step_now = int(now.timestamp()) // totp.interval
    for step in (step_now, step_now - 1, step_now + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def totp_setup_confirm(*, actor: User, device_id: int, code: str) -> TotpDevice:
    with transaction.atomic():
        device = (
            TotpDevice.objects.select_for_update()
            .filter(user=actor, pk=device_id, confirmed=False)
            .first()
        )
        if device is None:
            raise NotFound()
        step = _totp_match(device, code)
        if step is None:
            raise ValidationFailed(
                _("The code is not correct. Check the time on your phone and try again."),
                code="totp_invalid",
            )
        device.confirmed = True
        device.last_used_step = step
        device.save(update_fields=["confirmed", "last_used_step"])
        audit_record(
            actor=actor, action="mfa.totp_confirmed", organization=actor.organization_id, obj=device
        )
    return device


def totp_verify(*, user: User, code: str) -> bool:
    """True if the code is valid for one of the user's authenticators and was not used before."""
    with transaction.atomic():
        for device in TotpDevice.objects.select_for_update().filter(user=user, confirmed=True):
            step = _totp_match(device, code)
            if step is not None and step > device.last_used_step:
                device.last_used_step = step
                device.save(update_fields=["last_used_step"])
                return True
    return False


def totp_device_delete(*, actor: User, device_id: int) -> None:
    with transaction.atomic():
        device = TotpDevice.objects.filter(user=actor, pk=device_id).first()
        if device is None:
            raise NotFound()
        if device.confirmed:
            _ensure_mfa_left(actor, removing_totp=1)
        audit_record(
            actor=actor, action="mfa.totp_removed", organization=actor.organization_id, obj=device
        )
        device.delete()


# --- recovery codes ---------------------------------------------------------------------------


def recovery_codes_generate(*, actor: User) -> list[str]:
    """Replace the user's recovery codes; the plain codes are returned once and never stored."""
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODE_COUNT)]
    with transaction.atomic():
        RecoveryCode.objects.filter(user=actor).delete()
        RecoveryCode.objects.bulk_create(
            [RecoveryCode(user=actor, code_hash=_sha256(c)) for c in codes]
        )
        audit_record(
            actor=actor,
            action="mfa.recovery_codes_generated",
            organization=actor.organization_id,
            obj=actor,
            extra={"count": len(codes)},
        )
    return codes


def recovery_code_use(*, user: User, code: str) -> bool:
    normalized = code.strip().lower().replace(" ", "")
    with transaction.atomic():
        rc = (
            RecoveryCode.objects.select_for_update()
            .filter(user=user, code_hash=_sha256(normalized), used_at__isnull=True)
            .first()
        )
        if rc is None:
            return False
        rc.used_at = timezone.now()
        rc.save(update_fields=["used_at"])
        audit_record(
            actor=user, action="mfa.recovery_code_used", organization=user.organization_id, obj=user
        )
    return True


# --- API tokens -------------------------------------------------------------------------------

TOKEN_PREFIX = "tsg_"  # noqa: S105 - a public marker, not a secret


def api_token_create(
    *, actor: User, name: str, scope: str, expires_in_days: int
) -> tuple[ApiToken, str]:
    """Issue a personal token; the secret is returned once and only its hash is kept."""
    if actor.mfa_required and not actor.has_mfa:
        raise ValidationFailed(
            _("Register a security key or authenticator app before issuing API tokens."),
            code="mfa_enrolment_required",
        )
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name or len(name) > 60:
        errors["name"] = str(_("Enter a name of 1 to 60 characters."))
    if scope not in ApiScope.values:
        errors["scope"] = str(_("Choose read or write."))
    if scope == ApiScope.WRITE and actor.role == "auditor":
        errors["scope"] = str(_("Auditors can only have read-only tokens."))
    if not 1 <= expires_in_days <= API_TOKEN_MAX_DAYS:
        errors["expires_in_days"] = str(
            _("The validity must be between 1 and %(max)d days.") % {"max": API_TOKEN_MAX_DAYS}
        )
    if errors:
        raise ValidationFailed(details=errors)
    prefix = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=actor,
            name=name,
            prefix=prefix,
            token_hash=_sha256(raw),
            scope=scope,
            expires_at=timezone.now() + timedelta(days=expires_in_days),
        )
        audit_record(
            actor=actor,
            action="api_token.created",
            organization=actor.organization_id,
            obj=token,
            after={"name": name, "scope": scope, "expires_at": token.expires_at.isoformat()},
        )
    return token, raw


def api_token_revoke(*, actor: User, token_id: int) -> ApiToken:
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(user=actor, pk=token_id).first()
        if token is None:
            raise NotFound()
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit_record(
                actor=actor,
                action="api_token.revoked",
                organization=actor.organization_id,
                obj=token,
            )
    return token


def api_token_authenticate(raw: str) -> tuple[User, ApiToken] | None:
    """The user and token for a presented secret, if active. Refreshes ``last_used_at``."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    token = (
        ApiToken.objects.select_related("user", "user__organization")
        .filter(token_hash=_sha256(raw))
        .first()
    )
    if token is None or not token.is_active or not token.user.is_active:
        return None
    if token.user.mfa_required and not token.user.has_mfa:
        return None  # a policy switched on after issuing: tokens wait for enrolment too
    now = timezone.now()
    # Touch at most once a minute: a busy script must not turn every read into a write.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user, token


# --- preferences ------------------------------------------------------------------------------


def user_set_language(*, actor: User, language: str) -> User:
    if language not in Language.values:
        raise ValidationFailed(details={"language": str(_("Unknown language."))})
    with transaction.atomic():
        before = actor.language
        if before != language:
            User.objects.filter(pk=actor.pk).update(language=language)
            actor.language = language
            audit_record(
                actor=actor,
                action="user.language_changed",
                organization=actor.organization_id,
                obj=actor,
                before={"language": before},
                after={"language": language},
            )
    return actor


# --- users ------------------------------------------------------------------------------------


def user_create(
    *,
    actor: User | None,
    username: str,
    organization_id: int,
    role: str,
    email: str = "",
    display_name: str = "",
    display_name_kana: str = "",
    department: str = "",
    job_title: str = "",
    password: str | None = None,
    password_hash: str | None = None,
) -> User:
    """Create an account. ``actor`` None means a system action (demo seed, bootstrap)."""
    from tsunagu.core.permissions import can
    from tsunagu.core.roles import Cap, Role

    if actor is not None and not can(actor, Cap.ORG_EDIT_ANY):
        from tsunagu.core.errors import PermissionDenied

        raise PermissionDenied()
    if role not in Role.values:
        raise ValidationFailed(details={"role": str(_("Unknown role."))})
    with transaction.atomic():
        if User.objects.filter(username=username).exists():
            raise Conflict(_("That user name is taken."), code="username_taken")
        user = User(
            username=username,
            organization_id=organization_id,
            role=role,
            email=email,
            display_name=display_name,
            display_name_kana=display_name_kana,
            department=department,
            job_title=job_title,
        )
        if password_hash is not None:
            user.password = password_hash
        elif password is not None:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        audit_record(
            actor=actor,
            action="user.created",
            organization=organization_id,
            obj=user,
            after={"username": username, "role": role},
        )
    return user
