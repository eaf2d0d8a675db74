"""Organisations, the audit trail, background-job tracking and periodic schedules."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    METROPOLIS = "都", _("Metropolis")
    SPECIAL_WARD = "区", _("Special ward")
    CITY = "市", _("City")
    TOWN = "町", _("Town")
    VILLAGE = "村", _("Village")


class Region(models.TextChoices):
    TOKYO = "都", _("Tokyo Metropolitan Government")
    SPECIAL_WARDS = "特別区", _("Special wards")
    TAMA = "多摩", _("Tama")
    ISLANDS = "島しょ", _("Islands")


class NetworkModel(models.TextChoices):
    UNKNOWN = "unknown", _("Not recorded")
    ALPHA = "alpha", "α"
    ALPHA_PRIME = "alpha_prime", "α′"
    BETA = "beta", "β"
    BETA_PRIME = "beta_prime", "β′"
    CUSTOM = "custom", _("Custom")


class Organization(models.Model):
    """One of the 63 bodies: 東京都 and its 62 municipalities.

    The reference facts (code, names, kind, region) come from ``core/data`` and are loaded by a
    data migration; the profile fields are maintained by each organisation.
    """

    code = models.CharField(
        _("local government code"),
        max_length=6,
        unique=True,
        validators=[RegexValidator(r"^\d{6}$")],
    )
    name = models.CharField(_("name"), max_length=40)
    name_kana = models.CharField(_("name (kana)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80)
    slug = models.SlugField(unique=True)
    kind = models.CharField(_("kind"), max_length=2, choices=OrgKind.choices)
    region = models.CharField(_("region"), max_length=8, choices=Region.choices)
    # Profile, maintained by the organisation itself.
    description = models.TextField(_("introduction"), blank=True, max_length=4000)
    website = models.URLField(_("website"), blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    contact_department = models.CharField(_("contact department"), max_length=120, blank=True)
    cio_name = models.CharField(_("CIO name"), max_length=80, blank=True)
    cio_title = models.CharField(_("CIO title"), max_length=120, blank=True)
    network_model = models.CharField(
        _("network model"),
        max_length=16,
        choices=NetworkModel.choices,
        default=NetworkModel.UNKNOWN,
    )
    mfa_required = models.BooleanField(
        _("MFA required for all members"),
        default=False,
        help_text=_("When on, every member must use a security key or an authenticator app."),
    )
    version = models.PositiveIntegerField(default=1)  # optimistic locking for profile edits
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    @property
    def is_tokyo(self) -> bool:
        return self.kind == OrgKind.METROPOLIS

    def display_name(self, language: str | None) -> str:
        return self.name_en if language == "en" else self.name


class AuditEntry(models.Model):
    """An append-only, hash-chained record of one state change.

    Written only by :func:`tsunagu.core.audit.audit_record`. The model refuses updates and
    deletes; ``tsunagu audit verify`` detects changes made behind its back.
    """

    seq = models.PositiveBigIntegerField(unique=True)
    created_at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_label = models.CharField(max_length=160, blank=True)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=80, blank=True)
    summary = models.JSONField(default=dict)
    request_id = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-seq"]
        indexes = [models.Index(fields=["organization", "-seq"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RuntimeError("audit entries are append-only")

    def content(self) -> dict[str, Any]:
        """The fields covered by the hash, as the chain engine expects them."""
        return {
            "created_at": self.created_at.isoformat(),
            "actor_id": self.actor_id,
            "actor_label": self.actor_label,
            "organization_id": self.organization_id,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "summary": self.summary,
            "request_id": self.request_id,
        }


class AuditChainHead(models.Model):
    """Singleton row (pk=1): the last sequence number and hash; also the append lock."""

    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"audit head #{self.last_seq}"


class Job(models.Model):
    """A long-running background job a person started, with its progress for the UI.

    The task itself runs through Django Tasks (database backend); this row adds who started it,
    for which organisation, and how far it has got.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Finished")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=80)
    label = models.CharField(max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="jobs"
    )
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    task_result_id = models.CharField(max_length=64, blank=True, db_index=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True)
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.label

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))


class PeriodicJob(models.Model):
    """A task enqueued on a fixed interval by whichever worker gets there first."""

    name = models.CharField(max_length=80, unique=True)
    task_path = models.CharField(max_length=200)
    interval_seconds = models.PositiveIntegerField()
    enabled = models.BooleanField(default=True)
    next_run_at = models.DateTimeField()
    last_enqueued_at = models.DateTimeField(null=True, blank=True)
    last_task_result_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
