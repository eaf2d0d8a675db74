"""Each organisation's network model, its published revisions, model moves and report exports.

The model document is the engine's JSON form (``engines.compliance.model.model_to_dict``)
*without prefixes*: the address section is the gateway policy's address plan, read from the
active gateway version whenever the model is evaluated (one source of truth, not two).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tsunagu.core.models import Organization


class ModelKind(models.TextChoices):
    ALPHA = "alpha", _("α model")
    ALPHA_PRIME = "alpha_prime", _("α′ model")
    BETA = "beta", _("β model")
    BETA_PRIME = "beta_prime", _("β′ model")
    CUSTOM = "custom", _("Custom model")


class NetworkModel(models.Model):
    """The current (published) network model of one organisation, plus its working draft."""

    organization = models.OneToOneField(
        Organization, on_delete=models.PROTECT, related_name="network"
    )
    document = models.JSONField(default=dict)
    model_kind = models.CharField(
        max_length=16, choices=ModelKind.choices, default=ModelKind.ALPHA, db_index=True
    )
    revision = models.PositiveIntegerField(default=0)
    # The draft is what the user typed, verbatim (strings included), so nothing is lost to a
    # validation error; it is cleared when published.
    draft = models.JSONField(null=True, blank=True)
    draft_saved_at = models.DateTimeField(null=True, blank=True)
    draft_saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lock_version = models.PositiveIntegerField(default=0)
    contact_consent = models.BooleanField(default=False)
    contact_note = models.CharField(max_length=300, blank=True)
    renewal_target = models.CharField(max_length=16, choices=ModelKind.choices, blank=True)
    renewal_due = models.DateField(null=True, blank=True)
    # The last evaluation of the published document (counts for lists and peers).
    assessment = models.JSONField(null=True, blank=True)
    assessed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.organization_id}:{self.model_kind}@{self.revision}"


class NetworkRevision(models.Model):
    """One published revision (immutable)."""

    network = models.ForeignKey(NetworkModel, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    document = models.JSONField()
    model_kind = models.CharField(max_length=16, choices=ModelKind.choices)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["network", "number"], name="network_revision_unique")
        ]
        ordering = ["network", "-number"]

    def __str__(self) -> str:
        return f"{self.network_id}#{self.number}"


class ModelMove(models.Model):
    """An organisation moved from one network model to another (what peers look for)."""

    network = models.ForeignKey(NetworkModel, on_delete=models.CASCADE, related_name="moves")
    from_kind = models.CharField(max_length=16, choices=ModelKind.choices)
    to_kind = models.CharField(max_length=16, choices=ModelKind.choices)
    moved_on = models.DateField()
    revision = models.ForeignKey(
        NetworkRevision, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-moved_on"]
        indexes = [models.Index(fields=["from_kind", "to_kind"])]

    def __str__(self) -> str:
        return f"{self.network_id}: {self.from_kind}->{self.to_kind}"


class ReportExport(models.Model):
    """A PDF of the assessment report, printed by a background job."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Printing")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    network = models.ForeignKey(NetworkModel, on_delete=models.CASCADE, related_name="reports")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    lang = models.CharField(max_length=5, default="ja")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    revision = models.PositiveIntegerField(default=0)
    pdf = models.BinaryField(null=True, blank=True)
    size = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"report {self.pk} ({self.status})"
