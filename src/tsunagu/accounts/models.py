"""Users, their second factors and their API tokens."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tsunagu.core.models import Organization
from tsunagu.core.roles import MFA_MANDATORY_ROLES, TOKYO_ROLES, Role


class Language(models.TextChoices):
    JA = "ja", "日本語"
    EN = "en", "English"


class User(AbstractUser):
    """A person. Belongs to exactly one organisation and holds exactly one role there."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    display_name_kana = models.CharField(_("display name (kana)"), max_length=120, blank=True)
    department = models.CharField(_("department"), max_length=120, blank=True)
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    language = models.CharField(
        _("language"), max_length=5, choices=Language.choices, default=Language.JA
    )

    objects = UserManager()  # type: ignore[misc]
    REQUIRED_FIELDS = ["email"]

    class Meta:
        ordering = ["organization__code", "username"]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_tokyo(self) -> bool:
        return self.role in TOKYO_ROLES

    @property
    def mfa_required(self) -> bool:
        """Tokyo roles and auditors always; others when their organisation says so."""
        return self.role in MFA_MANDATORY_ROLES or self.organization.mfa_required

    @property
    def has_mfa(self) -> bool:
        return (
            self.webauthn_credentials.exists() or self.totp_devices.filter(confirmed=True).exists()
        )


class WebAuthnCredential(models.Model):
    """A security key or passkey registered with WebAuthn."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="webauthn_credentials")
    name = models.CharField(_("name"), max_length=60)
    credential_id = models.BinaryField(unique=True)
    public_key = models.BinaryField()
    sign_count = models.PositiveBigIntegerField(default=0)
    transports = models.JSONField(default=list, blank=True)
    aaguid = models.CharField(max_length=36, blank=True)
    backed_up = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.name


class TotpDevice(models.Model):
    """An authenticator app (RFC 6238). The secret is stored encrypted."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="totp_devices")
    name = models.CharField(_("name"), max_length=60, default="Authenticator")
    secret_encrypted = models.BinaryField()
    confirmed = models.BooleanField(default=False)
    last_used_step = models.BigIntegerField(default=0)  # refuses replay of a used code
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.name


class RecoveryCode(models.Model):
    """A one-time code for when every second factor is lost. Only the hash is kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"recovery code of {self.user_id}"


class ApiScope(models.TextChoices):
    READ = "read", _("Read only")
    WRITE = "write", _("Read and write")


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 of the secret is stored; the prefix identifies it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=60)
    prefix = models.CharField(max_length=12, unique=True)
    token_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(_("scope"), max_length=8, choices=ApiScope.choices)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
