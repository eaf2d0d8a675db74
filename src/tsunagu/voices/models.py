"""Voices (要望): requests from municipalities to 都, routed to a named unit and answered.

A voice is filed by an organisation, co-signed by others, routed to a 都 unit, moves through a
visible lifecycle with a timestamp per transition, gets an official answer with reasons, a reply
from the requester and is closed when the requester confirms (or, after the reply period, by the
daily job). Targets per category say when the acknowledgement and the answer are due.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tsunagu.core.models import Organization


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    UNDER_STUDY = "under_study", _("Under study")
    ANSWERED = "answered", _("Answered")
    DECLINED = "declined", _("Not taken up")
    CLOSED = "closed", _("Closed")
    MERGED = "merged", _("Merged")


OPEN_STATUSES = (Status.RECEIVED, Status.ACKNOWLEDGED, Status.UNDER_STUDY)
ANSWERED_STATUSES = (Status.ANSWERED, Status.DECLINED)
FINAL_STATUSES = (Status.CLOSED, Status.MERGED)


class Visibility(models.TextChoices):
    ALL = "all", _("All member organisations")
    ORGS = "orgs", _("Named organisations")
    TOKYO = "tokyo", _("Tokyo only")


class Decision(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    PARTLY = "partly", _("Partly accepted")
    STUDYING = "studying", _("To be studied further")
    NOT_ACCEPTED = "not_accepted", _("Not accepted")


class TokyoUnit(models.Model):
    """A named unit of 都 that answers voices (e.g. デジタルサービス局 区市町村DX支援課)."""

    key = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    name_en = models.CharField(max_length=160)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.name

    def display_name(self, language: str | None) -> str:
        return self.name_en if language == "en" else self.name


class Category(models.Model):
    """A kind of voice with its published targets and the unit it is routed to by default."""

    key = models.SlugField(unique=True)
    name = models.CharField(max_length=80)
    name_en = models.CharField(max_length=120)
    unit = models.ForeignKey(TokyoUnit, on_delete=models.PROTECT, related_name="categories")
    ack_days = models.PositiveSmallIntegerField(default=5)  # target: acknowledged within
    answer_days = models.PositiveSmallIntegerField(default=60)  # target: answered within
    agenda_threshold = models.PositiveSmallIntegerField(default=5)  # co-signing organisations
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["key"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name

    def display_name(self, language: str | None) -> str:
        return self.name_en if language == "en" else self.name


class RefCounter(models.Model):
    """The last reference number handed out per year; its row is the lock for the next one."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}:{self.last}"


class Voice(models.Model):
    ref = models.CharField(max_length=16, unique=True)  # V-2026-0001
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="voices")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="voices_filed"
    )
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="voices")
    unit = models.ForeignKey(TokyoUnit, on_delete=models.PROTECT, related_name="voices")
    title = models.CharField(max_length=120)
    body = models.TextField(max_length=8000)
    desired_outcome = models.TextField(max_length=4000, blank=True)
    visibility = models.CharField(max_length=8, choices=Visibility.choices, default=Visibility.ALL)
    shared_with = models.ManyToManyField(Organization, blank=True, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    ack_due = models.DateTimeField()
    answer_due = models.DateTimeField()
    expected_at = models.DateField(null=True, blank=True)  # set by a delay note
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)  # first official answer
    closed_at = models.DateTimeField(null=True, blank=True)
    cosign_count = models.PositiveIntegerField(default=0)  # organisations, not people
    agenda_at = models.DateTimeField(null=True, blank=True)  # threshold reached
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["organization", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES


class Transition(models.Model):
    """One step of the lifecycle, with its time: the public history of a voice."""

    voice = models.ForeignKey(Voice, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Status.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(max_length=2000, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.voice_id}: {self.from_status}→{self.to_status}"


class Cosign(models.Model):
    voice = models.ForeignKey(Voice, on_delete=models.CASCADE, related_name="cosigns")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    comment = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField()
    via_merge = models.ForeignKey(
        Voice, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["voice", "organization"], name="voice_cosign_once")
        ]

    def __str__(self) -> str:
        return f"{self.voice_id}+{self.organization_id}"


class MessageKind(models.TextChoices):
    ANSWER = "answer", _("Official answer")
    REPLY = "reply", _("Reply from the requester")
    DELAY = "delay", _("Delay note")
    NOTE = "note", _("Status note")


class Message(models.Model):
    """An official answer, a reply, a delay note or a status note on a voice."""

    voice = models.ForeignKey(Voice, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=8, choices=MessageKind.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(
        TokyoUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(max_length=8000)
    reasons = models.TextField(max_length=4000, blank=True)  # for answers
    decision = models.CharField(max_length=16, choices=Decision.choices, blank=True)
    expected_at = models.DateField(null=True, blank=True)  # for delay notes
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.voice_id}:{self.kind}"


class Subscription(models.Model):
    voice = models.ForeignKey(Voice, on_delete=models.CASCADE, related_name="subscriptions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["voice", "user"], name="voice_subscription_once")
        ]

    def __str__(self) -> str:
        return f"{self.voice_id}:{self.user_id}"


class Outcome(models.Model):
    """What changed because of a voice: a link to the result (a dashboard, a rule, a page)."""

    voice = models.ForeignKey(Voice, on_delete=models.CASCADE, related_name="outcomes")
    title = models.CharField(max_length=160)
    url = models.CharField(max_length=300, blank=True)  # a platform path or an https URL
    description = models.TextField(max_length=2000, blank=True)
    at = models.DateTimeField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return self.title
