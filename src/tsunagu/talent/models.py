"""Shared experts: the pool, municipalities' requests, matching runs and proposals, engagements
and visits, know-how artifacts and their reuse, the cost ledger, DX leaders and follow-ups.

Skills are ids of the taxonomy (``engines/matching/data/skills.yaml``, editable data), stored
as strings here.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tsunagu.core.models import Organization


class Area(models.TextChoices):
    WARDS = "23ku", _("23 wards")
    TAMA_EAST = "tama_east", _("Eastern Tama")
    TAMA_WEST = "tama_west", _("Western Tama")
    ISLANDS = "islands", _("Islands")


class Engagement(models.TextChoices):
    COMMISSION = "commission", _("Commissioned (委嘱)")
    FIXED_TERM = "fixed_term", _("Fixed-term staff (任期付)")
    SIDE_JOB = "side_job", _("Side job (複業)")
    DISPATCHED = "dispatched", _("Dispatched")


class Mode(models.TextChoices):
    ONSITE = "onsite", _("On site")
    ONLINE = "online", _("Online")
    EITHER = "either", _("On site or online")


class Expert(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="expert_profile",
    )
    name = models.CharField(max_length=80)
    headline = models.CharField(max_length=200, blank=True)
    bio = models.TextField(blank=True, max_length=4000)
    area = models.CharField(max_length=12, choices=Area.choices, default=Area.WARDS)
    engagement = models.CharField(
        max_length=12, choices=Engagement.choices, default=Engagement.COMMISSION
    )
    onsite = models.BooleanField(default=True)
    online = models.BooleanField(default=True)
    capacity = models.PositiveSmallIntegerField(default=4)  # visits per month
    max_orgs = models.PositiveSmallIntegerField(default=4)  # 0: no cap
    rate_onsite = models.PositiveIntegerField(default=60000)  # yen per visit
    rate_online = models.PositiveIntegerField(default=30000)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ExpertSkill(models.Model):
    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="skills")
    skill = models.CharField(max_length=40)
    level = models.PositiveSmallIntegerField()
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    evidence = models.TextField(blank=True, max_length=2000)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["expert", "skill"], name="expert_skill_unique")
        ]

    def __str__(self) -> str:
        return f"{self.skill}:{self.level}"


class ExpertConflict(models.Model):
    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="conflicts")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=200)

    def __str__(self) -> str:
        return f"{self.expert_id}×{self.organization_id}"


class ExpertBlackout(models.Model):
    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="blackouts")
    start = models.DateField()
    end = models.DateField()
    note = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.expert_id}: {self.start}–{self.end}"


class DxLeader(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="dx_leaders"
    )
    name = models.CharField(max_length=80)
    department = models.CharField(max_length=120)
    appointed_on = models.DateField()
    left_on = models.DateField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["organization", "department", "name"]

    def __str__(self) -> str:
        return self.name


class TrainingRecord(models.Model):
    leader = models.ForeignKey(DxLeader, on_delete=models.CASCADE, related_name="trainings")
    course = models.CharField(max_length=200)
    completed_on = models.DateField()
    hours = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return self.course


class SupportRequest(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        PROPOSED = "proposed", _("Candidates proposed")
        RANKED = "ranked", _("Ranked by the municipality")
        OFFERED = "offered", _("Offered to the expert")
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="support_requests"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(max_length=200)
    problem = models.TextField(max_length=8000)
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.EITHER)
    visits_per_month = models.PositiveSmallIntegerField(default=1)
    start_month = models.DateField()  # first day of the month
    months = models.PositiveSmallIntegerField(default=6)
    urgency = models.PositiveSmallIntegerField(default=2)  # 1 low … 3 high
    preferred_expert = models.ForeignKey(
        Expert, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dx_leader = models.ForeignKey(
        DxLeader, null=True, blank=True, on_delete=models.SET_NULL, related_name="requests"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    excluded_experts = models.ManyToManyField(Expert, blank=True, related_name="+")
    locked_expert = models.ForeignKey(
        Expert, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    proposed_at = models.DateTimeField(null=True, blank=True)
    matched_at = models.DateTimeField(null=True, blank=True)
    first_visit_on = models.DateField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(null=True, blank=True)  # 1..5
    diagnosis = models.JSONField(default=list, blank=True)  # why it could not be matched
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "organization"])]

    def __str__(self) -> str:
        return self.title

    @property
    def end_month(self) -> dt.date:
        """The first day of the month after the request's period (exclusive end)."""
        months = self.start_month.month - 1 + self.months
        return dt.date(self.start_month.year + months // 12, months % 12 + 1, 1)


class RequestSkill(models.Model):
    request = models.ForeignKey(SupportRequest, on_delete=models.CASCADE, related_name="skills")
    skill = models.CharField(max_length=40)
    min_level = models.PositiveSmallIntegerField(default=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "skill"], name="request_skill_unique")
        ]

    def __str__(self) -> str:
        return f"{self.skill}≥{self.min_level}"


class MatchingRun(models.Model):
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    requests = models.PositiveIntegerField(default=0)
    experts = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=12)  # optimal / feasible / infeasible / unknown
    objective = models.FloatField(default=0)
    bound = models.FloatField(default=0)
    gap = models.FloatField(default=0)
    time_limited = models.BooleanField(default=False)
    solve_s = models.FloatField(default=0)
    result = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"run {self.pk} ({self.status})"


class Proposal(models.Model):
    class State(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        OFFERED = "offered", _("Offered")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("No answer in time")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    run = models.ForeignKey(MatchingRun, on_delete=models.CASCADE, related_name="proposals")
    request = models.ForeignKey(SupportRequest, on_delete=models.CASCADE, related_name="proposals")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="proposals")
    score = models.FloatField()
    breakdown = models.JSONField(default=dict)
    best = models.BooleanField(default=False)  # the solver's choice (others are alternatives)
    rank = models.PositiveSmallIntegerField(null=True, blank=True)  # the municipality's rank
    state = models.CharField(max_length=10, choices=State.choices, default=State.PROPOSED)
    offered_at = models.DateTimeField(null=True, blank=True)
    respond_by = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["request", "rank", "-score"]

    def __str__(self) -> str:
        return f"{self.request_id}→{self.expert_id}"


class Assignment(models.Model):
    """An expert working on a request. A project normally keeps one expert (continuity); when
    the expert leaves, the assignment ends and a new one starts."""

    request = models.ForeignKey(
        SupportRequest, on_delete=models.CASCADE, related_name="assignments"
    )
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="assignments")
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.request_id}@{self.expert_id}"


class Visit(models.Model):
    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        DONE = "done", _("Done, report due")
        REPORTED = "reported", _("Reported")
        CANCELLED = "cancelled", _("Cancelled")

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="visits")
    date = models.DateField()
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.ONSITE)
    state = models.CharField(max_length=10, choices=State.choices, default=State.SCHEDULED)
    report = models.TextField(blank=True, max_length=8000)
    report_due = models.DateField(null=True, blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    leader_present = models.BooleanField(default=False)

    class Meta:
        ordering = ["date"]
        indexes = [models.Index(fields=["state", "date"])]

    def __str__(self) -> str:
        return f"visit {self.pk} {self.date}"


class LeaderCompetency(models.Model):
    """A DX leader's competency confirmed by an expert during a paired visit."""

    leader = models.ForeignKey(DxLeader, on_delete=models.CASCADE, related_name="competencies")
    skill = models.CharField(max_length=40)
    level = models.PositiveSmallIntegerField()
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="+")
    visit = models.ForeignKey(Visit, null=True, blank=True, on_delete=models.SET_NULL)
    confirmed_on = models.DateField()

    def __str__(self) -> str:
        return f"{self.leader_id}:{self.skill}"


class KnowledgeArtifact(models.Model):
    class Kind(models.TextChoices):
        DOCUMENT = "document", _("Document")
        TEMPLATE = "template", _("Template")
        CHECKLIST = "checklist", _("Checklist")

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="artifacts")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="artifacts")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.DOCUMENT)
    skill = models.CharField(max_length=40, blank=True)
    summary = models.TextField(blank=True, max_length=4000)
    shared = models.BooleanField(default=True)  # visible to every municipality
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class ArtifactReuse(models.Model):
    artifact = models.ForeignKey(KnowledgeArtifact, on_delete=models.CASCADE, related_name="reuses")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    reused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["artifact", "organization"], name="artifact_reuse_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.artifact_id} by {self.organization_id}"


class LedgerEntry(models.Model):
    class Kind(models.TextChoices):
        USAGE = "usage", _("Usage (paid by the user)")
        BASE = "base", _("Base cost share")
        SUBSIDY = "subsidy", _("Subsidy")

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    month = models.DateField()  # first day of the month
    kind = models.CharField(max_length=8, choices=Kind.choices)
    amount = models.IntegerField()  # yen; subsidies are negative
    visit = models.ForeignKey(Visit, null=True, blank=True, on_delete=models.PROTECT)
    description = models.CharField(max_length=300)
    tag = models.CharField(max_length=60, blank=True)  # subsidy programme
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["month", "organization", "kind"]
        indexes = [models.Index(fields=["organization", "month"])]
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "kind"],
                condition=models.Q(visit__isnull=False),
                name="ledger_one_entry_per_visit_and_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.month} {self.kind} {self.amount}"


class FollowUp(models.Model):
    """The outcome question asked 12 months after a request started."""

    request = models.OneToOneField(
        SupportRequest, on_delete=models.CASCADE, related_name="follow_up"
    )
    due_on = models.DateField()
    sent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True, max_length=4000)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"follow-up {self.request_id}"


class StatementExport(models.Model):
    """A monthly statement printed to PDF by a background job."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Printing")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    month = models.DateField()
    lang = models.CharField(max_length=5, default="ja")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    pdf = models.BinaryField(null=True, blank=True)
    size = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"statement {self.organization_id} {self.month:%Y-%m} ({self.status})"
