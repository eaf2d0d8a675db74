"""Gateway policy versions, change requests and their evidence, the service catalog.

The policy itself lives in content-addressed section documents (:class:`PolicyBlob`, one JSON
document per organisation and one for the shared policy, in the engine's format). A
:class:`PolicyVersion` is an immutable manifest ``{section key: blob sha256}``; a version that
changes one organisation writes one new blob. The active version is the one the gateway runs.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tsunagu.core.models import Organization

SHARED_KEY = "shared"
"""Manifest key of the shared (都-wide) section; organisations use their 6-digit code."""


class PolicyBlob(models.Model):
    """One section document, stored once per distinct content."""

    sha256 = models.CharField(max_length=64, unique=True)
    data = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.sha256[:12]


class PolicyVersion(models.Model):
    """An immutable version of the whole gateway policy."""

    class Status(models.TextChoices):
        BUILT = "built", _("Built, publishing")
        ACTIVE = "active", _("Active")
        SUPERSEDED = "superseded", _("Superseded")

    number = models.PositiveIntegerField(unique=True)
    manifest = models.JSONField()
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rollback_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.BUILT)
    reason = models.CharField(max_length=200, blank=True)
    changed_sections = models.JSONField(default=list)
    findings = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    publish_attempts = models.PositiveIntegerField(default=0)
    last_publish_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"v{self.number}"


class GatewayState(models.Model):
    """Singleton (pk=1): the active version and the release-train lease."""

    active_version = models.ForeignKey(
        PolicyVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    train_holder = models.CharField(max_length=64, blank=True)
    train_lease_until = models.DateTimeField(null=True, blank=True)
    last_train_at = models.DateTimeField(null=True, blank=True)
    last_train_result = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"gateway state (active {self.active_version_id})"


class ArtifactBlob(models.Model):
    sha256 = models.CharField(max_length=64, unique=True)
    text = models.TextField()

    def __str__(self) -> str:
        return self.sha256[:12]


class Artifact(models.Model):
    """One rendered file of one version (``nftables/13203.nft`` …)."""

    version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="artifacts")
    section = models.CharField(max_length=12)
    path = models.CharField(max_length=200)
    blob = models.ForeignKey(ArtifactBlob, on_delete=models.PROTECT, related_name="+")
    validated = models.CharField(max_length=40, blank=True)  # tool that accepted it, if any

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "path"], name="gateway_artifact_unique")
        ]
        ordering = ["path"]

    def __str__(self) -> str:
        return self.path


class ChangeKind(models.TextChoices):
    ALLOW_DOMAIN = "allow_domain", _("Allow a service or domain")
    TLS_EXEMPTION = "tls_exemption", _("TLS-inspection exemption")
    FIREWALL_OUTBOUND = "firewall_outbound", _("Outbound firewall opening")
    INBOUND_PUBLICATION = "inbound_publication", _("Inbound publication")
    MAIL_RELAY = "mail_relay", _("Mail relay change")
    RULE_REMOVAL = "rule_removal", _("Rule removal")
    TEMPORARY_RULE = "temporary_rule", _("Temporary rule")
    CATALOG_ADOPTION = "catalog_adoption", _("Adopt a catalog service")


class RiskClass(models.TextChoices):
    STANDARD = "standard", _("Standard (approved automatically)")
    NORMAL = "normal", _("Normal (one reviewer)")
    MAJOR = "major", _("Major (two reviewers)")
    REJECTED = "rejected", _("Rejected")


class ChangeState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    VERIFIED = "verified", _("Verified, awaiting review")
    APPROVED = "approved", _("Approved")
    SCHEDULED = "scheduled", _("Scheduled")
    APPLIED = "applied", _("Applied")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    ROLLED_BACK = "rolled_back", _("Rolled back")


OPEN_STATES = (
    ChangeState.DRAFT,
    ChangeState.SUBMITTED,
    ChangeState.VERIFIED,
    ChangeState.APPROVED,
    ChangeState.SCHEDULED,
)


class CatalogService(models.Model):
    """A service vetted once, adoptable by any organisation as a standard change."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    name_en = models.CharField(max_length=120, blank=True)
    vendor = models.CharField(max_length=120, blank=True)
    category = models.CharField(max_length=40)
    description = models.TextField(blank=True)
    domains = models.JSONField(default=list)
    flows = models.JSONField(default=list)  # [{"protocol", "ports", "destinations"}]
    upload_capable = models.BooleanField(default=False)
    notes = models.TextField(blank=True)
    risk_class = models.CharField(max_length=12, choices=RiskClass.choices, blank=True)
    source_request = models.ForeignKey(
        "ChangeRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["category", "name"]

    def __str__(self) -> str:
        return self.name


class ChangeRequest(models.Model):
    """A request to change the shared security cloud for one organisation (or for everyone)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="gateway_requests"
    )
    shared = models.BooleanField(default=False)  # targets the shared (都-wide) section
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="gateway_requests"
    )
    kind = models.CharField(max_length=24, choices=ChangeKind.choices)
    title = models.CharField(max_length=200)
    justification = models.TextField(blank=True, max_length=4000)
    state = models.CharField(max_length=12, choices=ChangeState.choices, default=ChangeState.DRAFT)
    form = models.JSONField(default=dict)  # exactly what the requester typed
    change = models.JSONField(null=True, blank=True)  # engine Change document
    verdict = models.JSONField(null=True, blank=True)
    verified_against = models.PositiveIntegerField(null=True, blank=True)
    risk_class = models.CharField(max_length=12, choices=RiskClass.choices, blank=True)
    risk_score = models.IntegerField(null=True, blank=True)
    catalog_service = models.ForeignKey(
        CatalogService, null=True, blank=True, on_delete=models.PROTECT, related_name="adoptions"
    )
    expires_on = models.DateField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)
    scheduled_version = models.ForeignKey(
        PolicyVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    applied_version = models.ForeignKey(
        PolicyVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="applied"
    )
    lock_version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "state"]),
            models.Index(fields=["state", "risk_class"]),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"GW-{self.pk:06d}" if self.pk else "GW-new"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def approvals_needed(self) -> int:
        needed: dict[str, int] = {RiskClass.NORMAL: 1, RiskClass.MAJOR: 2}
        return needed.get(self.risk_class, 0)


class ChangeEvent(models.Model):
    """One state transition, timestamped."""

    request = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_state}→{self.to_state}"


class ChangeComment(models.Model):
    request = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=4000)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"comment {self.pk}"


class ChangeAttachment(models.Model):
    request = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="attachments")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    data = models.BinaryField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name


class ChangeApproval(models.Model):
    class Decision(models.TextChoices):
        APPROVE = "approve", _("Approve")
        REJECT = "reject", _("Reject")

    request = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="approvals")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    automatic = models.BooleanField(default=False)  # standard change approved by its proof
    decision = models.CharField(max_length=8, choices=Decision.choices)
    reason = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "reviewer"],
                condition=models.Q(reviewer__isnull=False),
                name="gateway_one_decision_per_reviewer",
            )
        ]

    def __str__(self) -> str:
        return f"{self.decision} {self.request_id}"


class RuleNotice(models.Model):
    """A notice sent once about one rule (expiry in 30 / 7 days, yearly recertification)."""

    section = models.CharField(max_length=12)
    rule_uid = models.CharField(max_length=80)
    kind = models.CharField(max_length=24)  # expiry_30, expiry_7, recert_2026
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["section", "rule_uid", "kind"], name="gateway_notice_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.rule_uid}"


class Recertification(models.Model):
    """A rule owner's yearly answer: keep this rule, or drop it."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Awaiting answer")
        CONFIRMED = "confirmed", _("Confirmed")
        DROPPED = "dropped", _("Dropped")

    year = models.PositiveIntegerField()
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    rule_uid = models.CharField(max_length=80)
    summary = models.CharField(max_length=300)
    due = models.DateField()
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    removal_request = models.ForeignKey(
        ChangeRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["due", "rule_uid"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "organization", "rule_uid"], name="gateway_recert_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.rule_uid}"
