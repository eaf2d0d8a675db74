"""The forum's knowledge: peer projects (who did this, who is about to) with connect requests,
forum meetings and roundtables (participants, agenda linked to voices, minutes, follow-up
actions), articles, and questions with an accepted answer.

A project belongs to one organisation; only its staff edit it. Meetings are run by 都
(``FORUM_MANAGE``). Everything here is readable by every member except projects an
organisation keeps to itself.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tsunagu.core.models import NetworkModel, Organization


class Topic(models.TextChoices):
    NETWORK_RENEWAL = "network_renewal", _("Network renewal")
    OFFICE_RELOCATION = "office_relocation", _("Office relocation")
    PAPERLESS = "paperless", _("Paperless meetings")
    WIFI = "wifi", _("Wi-Fi")
    LARGE_DISPLAYS = "large_displays", _("Large displays")
    WEB_MEETINGS = "web_meetings", _("Web meetings")
    TELEWORK = "telework", _("Telework")
    JOINT_CLOUD = "joint_cloud", _("Joint-use cloud")
    STANDARDISATION = "standardisation", _("Standardisation")
    OTHER = "other", _("Other")


class Stage(models.TextChoices):
    PLANNED = "planned", _("Planned")
    PROCURING = "procuring", _("Procuring")
    BUILDING = "building", _("Building")
    LIVE = "live", _("Live")


STAGE_ORDER = [s.value for s in Stage]


class CostBand(models.TextChoices):
    UNDISCLOSED = "undisclosed", _("Not disclosed")
    UNDER_10M = "under_10m", _("Under ¥10 million")
    FROM_10M = "10m_50m", _("¥10–50 million")
    FROM_50M = "50m_100m", _("¥50–100 million")
    FROM_100M = "100m_500m", _("¥100–500 million")
    OVER_500M = "over_500m", _("¥500 million or more")


class Visibility(models.TextChoices):
    ALL = "all", _("All member organisations")
    OWN = "own", _("Own organisation only")


class Project(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="projects"
    )
    title = models.CharField(max_length=120)
    topic = models.CharField(max_length=20, choices=Topic.choices)
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.PLANNED)
    start = models.DateField(null=True, blank=True)  # first day of the month
    end = models.DateField(null=True, blank=True)  # first day of the month
    scale = models.PositiveIntegerField(null=True, blank=True)  # staff or terminals affected
    vendors = models.CharField(max_length=200, blank=True)
    cost_band = models.CharField(
        max_length=12, choices=CostBand.choices, default=CostBand.UNDISCLOSED
    )
    network_model = models.CharField(
        max_length=16, choices=NetworkModel.choices, default=NetworkModel.UNKNOWN
    )
    network_model_after = models.CharField(max_length=16, choices=NetworkModel.choices, blank=True)
    summary = models.TextField(max_length=4000, blank=True)
    lessons = models.TextField(max_length=8000, blank=True)
    welcomes_contact = models.BooleanField(default=False)
    contact = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    visibility = models.CharField(max_length=4, choices=Visibility.choices, default=Visibility.ALL)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        indexes = [
            models.Index(fields=["topic", "stage"]),
            models.Index(fields=["organization", "topic"]),
        ]

    def __str__(self) -> str:
        return self.title


class ProjectStage(models.Model):
    """One stage the project reached, with the date it did (the history of a project)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="stage_history")
    stage = models.CharField(max_length=10, choices=Stage.choices)
    on = models.DateField()
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["on", "pk"]

    def __str__(self) -> str:
        return f"{self.project_id}:{self.stage}@{self.on}"


class ProjectDocument(models.Model):
    """A link to a document (a platform path or an https URL), never an upload."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(max_length=120)
    url = models.CharField(max_length=300)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.title


class ConnectRequest(models.Model):
    """A request from my project to a peer project's contact to be introduced."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    from_project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    to_project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    from_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    to_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    message = models.TextField(max_length=2000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    reply = models.TextField(max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_project", "to_project"],
                condition=models.Q(status="open"),
                name="knowledge_connect_one_open_per_pair",
            )
        ]

    def __str__(self) -> str:
        return f"{self.from_project_id}→{self.to_project_id} ({self.status})"


class MeetingKind(models.TextChoices):
    CIO_FORUM = "cio_forum", _("CIO forum meeting")
    ROUNDTABLE = "roundtable", _("Roundtable")
    STUDY = "study", _("Study session")


class Meeting(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Upcoming")
        HELD = "held", _("Held")

    kind = models.CharField(max_length=12, choices=MeetingKind.choices)
    number = models.PositiveIntegerField(null=True, blank=True)  # 第20回
    title = models.CharField(max_length=200)
    date = models.DateField()
    place = models.CharField(max_length=120, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    summary = models.TextField(max_length=8000, blank=True)  # the platform's own summary
    minutes = models.TextField(max_length=20000, blank=True)
    organizations = models.ManyToManyField(Organization, blank=True, related_name="+")
    # A link-style reference to an original published source (never a copy of it).
    source_title = models.CharField(max_length=200, blank=True)
    source_publisher = models.CharField(max_length=120, blank=True)
    source_date = models.DateField(null=True, blank=True)
    source_url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["kind", "status", "date"])]

    def __str__(self) -> str:
        return self.title


class Participant(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participants")
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=80)
    title = models.CharField(max_length=160, blank=True)  # role at the time (役職)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
    voice = models.ForeignKey(
        "voices.Voice",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agenda_items",
    )
    notes = models.TextField(max_length=4000, blank=True)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "voice"],
                condition=models.Q(voice__isnull=False),
                name="knowledge_agenda_voice_once",
            )
        ]

    def __str__(self) -> str:
        return self.title


class FollowUpAction(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Not done yet")
        DONE = "done", _("Done")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="follow_ups")
    title = models.CharField(max_length=200)
    owner_organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    owner_person = models.CharField(max_length=80, blank=True)
    due = models.DateField()
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.OPEN)
    done_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["due", "pk"]
        indexes = [models.Index(fields=["status", "due"])]

    def __str__(self) -> str:
        return self.title


class Article(models.Model):
    title = models.CharField(max_length=200)
    body = models.TextField(max_length=20000)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    topic = models.CharField(max_length=20, choices=Topic.choices, default=Topic.OTHER)
    visibility = models.CharField(max_length=4, choices=Visibility.choices, default=Visibility.ALL)
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["-published_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open for answers")
        CLOSED = "closed", _("Closed to answers")

    title = models.CharField(max_length=200)
    body = models.TextField(max_length=8000)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    topic = models.CharField(max_length=20, choices=Topic.choices, default=Topic.OTHER)
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.OPEN)
    accepted_answer = models.ForeignKey(
        "Answer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    answer_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class Answer(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    body = models.TextField(max_length=8000)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"answer {self.pk} to {self.question_id}"
