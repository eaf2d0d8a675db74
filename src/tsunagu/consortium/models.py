"""Joint-use groups (共同利用 / 自治体クラウド): members and joining members with their cut-over
dates, governance, working groups per business area, harmonisation items with each member's
position, meetings with agendas, minutes and follow-up actions, and the national
standardisation procedure's progress per member and business area.

Every row that belongs to a group carries the group (directly or through its working group), so
one scope — "groups the actor's organisation belongs to or is joining" — covers everything.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tsunagu.core.models import Organization


class BusinessArea(models.Model):
    """A business area: one of the 20 nationally standardised ones, or a group's own area."""

    code = models.CharField(max_length=24, unique=True)
    name = models.CharField(max_length=80)
    name_en = models.CharField(max_length=120)
    national = models.BooleanField(default=False)  # one of the 20 standardised areas
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-national", "order", "code"]

    def __str__(self) -> str:
        return self.name

    def display_name(self, language: str | None) -> str:
        return self.name_en if language == "en" else self.name


class JointUseGroup(models.Model):
    """Municipalities sharing one package and unifying their operations."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    name_en = models.CharField(max_length=160)
    description = models.TextField(blank=True, max_length=4000)
    package = models.CharField(max_length=160, blank=True)  # the shared system
    agreed_on = models.DateField(null=True, blank=True)
    secretariat = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Share of full members that must have filed a position before a decision (1..100).
    quorum_percent = models.PositiveSmallIntegerField(default=100)
    item_seq = models.PositiveIntegerField(default=0)  # last item number handed out
    prefix = models.CharField(max_length=8, default="HI")  # item references: PREFIX-0001
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def display_name(self, language: str | None) -> str:
        return self.name_en if language == "en" else self.name


class Membership(models.Model):
    class Status(models.TextChoices):
        MEMBER = "member", _("Full member")
        JOINING = "joining", _("Joining")
        LEFT = "left", _("Left")

    group = models.ForeignKey(JointUseGroup, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="consortium_memberships"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.MEMBER)
    joined_on = models.DateField(null=True, blank=True)
    cut_over_on = models.DateField(null=True, blank=True)  # joining members: go-live date
    council_representative = models.CharField(max_length=80, blank=True)  # e.g. 市長
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["group", "organization__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "organization"], name="consortium_membership_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="joining") | models.Q(cut_over_on__isnull=False),
                name="consortium_joining_has_cut_over",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group_id}:{self.organization_id} ({self.status})"


class GovernanceBody(models.Model):
    """The council of the mayors, the secretariat, steering committees."""

    class Kind(models.TextChoices):
        COUNCIL = "council", _("Council")
        SECRETARIAT = "secretariat", _("Secretariat")
        COMMITTEE = "committee", _("Committee")

    group = models.ForeignKey(JointUseGroup, on_delete=models.CASCADE, related_name="bodies")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    name = models.CharField(max_length=120)
    chair = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    composition = models.CharField(max_length=300, blank=True)
    meets = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["group", "kind", "name"]

    def __str__(self) -> str:
        return self.name


class WorkingGroup(models.Model):
    group = models.ForeignKey(
        JointUseGroup, on_delete=models.CASCADE, related_name="working_groups"
    )
    number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=120)
    area = models.ForeignKey(BusinessArea, on_delete=models.PROTECT, related_name="+")
    lead = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lead_contact = models.CharField(max_length=120, blank=True)  # department of the lead
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["group", "number"]
        constraints = [
            models.UniqueConstraint(fields=["group", "number"], name="consortium_wg_number"),
            models.UniqueConstraint(fields=["group", "area"], name="consortium_wg_area"),
        ]

    def __str__(self) -> str:
        return f"WG{self.number:02d} {self.name}"

    @property
    def code(self) -> str:
        return f"WG{self.number:02d}"


class Stance(models.TextChoices):
    ADOPT = "adopt", _("Adopt the standard")
    KEEP = "keep", _("Keep local practice")
    CUSTOMISE = "customise", _("Request customisation")


class RequirementClass(models.TextChoices):
    NONE = "", _("No standard requirement")
    MANDATORY = "mandatory", _("Mandatory function")
    OPTION = "option", _("Standard option")
    NOT_ALLOWED = "not_allowed", _("Not to be implemented")


class HarmonisationItem(models.Model):
    """One difference to settle between the members (a line of the old spreadsheets)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Raised")
        DISCUSSION = "discussion", _("In discussion")
        DECIDED = "decided", _("Decided")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    OPEN_STATES = (Status.OPEN, Status.DISCUSSION)

    group = models.ForeignKey(JointUseGroup, on_delete=models.CASCADE, related_name="items")
    working_group = models.ForeignKey(WorkingGroup, on_delete=models.PROTECT, related_name="items")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    requirement_id = models.CharField(max_length=32, blank=True)  # standard specification ID
    requirement_class = models.CharField(
        max_length=12, choices=RequirementClass.choices, blank=True, default=""
    )
    package_behaviour = models.TextField(blank=True, max_length=4000)
    note = models.TextField(blank=True, max_length=4000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    due_on = models.DateField(null=True, blank=True)
    blocking = models.BooleanField(default=False)  # must be settled before a cut-over
    cost_impact_yen = models.PositiveBigIntegerField(null=True, blank=True)
    ordinance_change = models.BooleanField(default=False)
    impact_note = models.CharField(max_length=400, blank=True)
    decision = models.CharField(max_length=10, choices=Stance.choices, blank=True)
    decision_text = models.TextField(blank=True, max_length=4000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_org = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_in = models.ForeignKey(
        "Meeting", null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions"
    )
    raised_by_org = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    reminded_on = models.DateField(null=True, blank=True)  # last daily reminder
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["group", "number"]
        constraints = [
            models.UniqueConstraint(fields=["group", "number"], name="consortium_item_number"),
        ]
        indexes = [
            models.Index(fields=["group", "status"]),
            models.Index(fields=["working_group", "status"]),
            models.Index(fields=["group", "decided_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.number}: {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATES


class Position(models.Model):
    """A member's current practice and its position on one item. Filed and changed only by
    that member's staff."""

    item = models.ForeignKey(HarmonisationItem, on_delete=models.CASCADE, related_name="positions")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    current_practice = models.TextField(blank=True, max_length=4000)
    stance = models.CharField(max_length=10, choices=Stance.choices, blank=True)
    reason = models.TextField(blank=True, max_length=4000)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["item", "organization__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "organization"], name="consortium_position_unique"
            ),
        ]
        indexes = [models.Index(fields=["organization", "stance"])]

    def __str__(self) -> str:
        return f"{self.item_id}@{self.organization_id}: {self.stance or '-'}"


class Meeting(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Upcoming")
        HELD = "held", _("Held")

    working_group = models.ForeignKey(
        WorkingGroup, on_delete=models.CASCADE, related_name="meetings"
    )
    held_on = models.DateField()
    title = models.CharField(max_length=200)
    location = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PLANNED)
    minutes = models.TextField(blank=True, max_length=20000)
    minutes_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.held_on} {self.title}"


class AgendaEntry(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    item = models.ForeignKey(
        HarmonisationItem, on_delete=models.CASCADE, related_name="agenda_entries"
    )
    order = models.PositiveSmallIntegerField(default=0)
    outcome = models.CharField(max_length=400, blank=True)

    class Meta:
        ordering = ["meeting", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "item"], name="consortium_agenda_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id}#{self.item_id}"


class FollowUpAction(models.Model):
    """Something an organisation promised to do, usually at a meeting."""

    group = models.ForeignKey(JointUseGroup, on_delete=models.CASCADE, related_name="actions")
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.CASCADE, related_name="actions"
    )
    item = models.ForeignKey(
        HarmonisationItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    reminded_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["owner", "done_at"])]

    def __str__(self) -> str:
        return self.title


class StepProgress(models.Model):
    """One step of the national standardisation procedure for one member and business area.
    Missing rows mean "not started"."""

    class Status(models.TextChoices):
        TODO = "todo", _("Not started")
        DOING = "doing", _("In progress")
        DONE = "done", _("Done")

    group = models.ForeignKey(JointUseGroup, on_delete=models.CASCADE, related_name="progress")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey(BusinessArea, on_delete=models.PROTECT, related_name="+")
    step = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.TODO)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["group", "organization__code", "area", "step"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "organization", "area", "step"], name="consortium_step_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}/{self.area_id}/{self.step}: {self.status}"
