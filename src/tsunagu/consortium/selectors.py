"""Consortium reads, scoped to the actor.

* A municipality sees only the groups its organisation belongs to or is joining — everything
  else (groups, working groups, items, meetings, actions, onboarding, progress) looks missing.
* Tokyo (every 都 role) and auditors see every group (``CONSORTIUM_VIEW_ANY``), read only.

Pages that summarise many items (onboarding, dashboards) read them in a fixed number of queries,
whatever the number of items or working groups.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from tsunagu.core.errors import NotFound, PermissionDenied
from tsunagu.core.models import Organization
from tsunagu.core.permissions import Actor, can
from tsunagu.core.roles import Cap

from .adapters import (
    STANCES,
    Lane,
    Outstanding,
    QuorumCheck,
    Timeline,
    blockers,
    layout,
    quorum,
)
from .models import (
    AgendaEntry,
    BusinessArea,
    FollowUpAction,
    GovernanceBody,
    HarmonisationItem,
    JointUseGroup,
    Meeting,
    Membership,
    Position,
    StepProgress,
    WorkingGroup,
)
from .reference import STEP_COUNT, STEPS, Step

PARTY_STATES = (Membership.Status.MEMBER, Membership.Status.JOINING)
ONBOARDING_ITEMS_PER_WG = 8
AGE_BUCKETS = ((30, "0-30"), (90, "31-90"), (180, "91-180"), (365, "181-365"), (None, "365+"))


def sees_all(actor: Actor) -> bool:
    return can(actor, Cap.CONSORTIUM_VIEW_ANY)


def takes_part(actor: Actor) -> bool:
    return can(actor, Cap.CONSORTIUM_TAKE_PART)


def _require_view(actor: Actor) -> None:
    if not (sees_all(actor) or takes_part(actor)):
        raise PermissionDenied()


def _visible_groups(actor: Actor) -> QuerySet[JointUseGroup]:
    _require_view(actor)
    qs = JointUseGroup.objects.select_related("secretariat")
    if sees_all(actor):
        return qs
    return qs.filter(
        memberships__organization_id=actor.organization_id,
        memberships__status__in=PARTY_STATES,
    ).distinct()


# --------------------------------------------------------------------------- groups


def group_list(*, actor: Actor) -> list[JointUseGroup]:
    """The groups the actor may see (own groups; every group for Tokyo and auditors)."""
    return list(_visible_groups(actor).order_by("name"))


def group_get(*, actor: Actor, slug: str) -> JointUseGroup:
    """One visible group; a group of other municipalities looks missing."""
    group = _visible_groups(actor).filter(slug=slug).first()
    if group is None:
        raise NotFound()
    return group


def my_membership(*, actor: Actor, group: JointUseGroup) -> Membership | None:
    if not takes_part(actor):
        return None
    return (
        Membership.objects.select_related("organization")
        .filter(group=group, organization_id=actor.organization_id, status__in=PARTY_STATES)
        .first()
    )


def memberships(*, actor: Actor, group: JointUseGroup) -> list[Membership]:
    group_get(actor=actor, slug=group.slug)
    return list(
        Membership.objects.select_related("organization")
        .filter(group=group)
        .order_by("status", "organization__code")
    )


def membership_get(*, actor: Actor, group: JointUseGroup, code: str) -> Membership:
    group_get(actor=actor, slug=group.slug)
    m = (
        Membership.objects.select_related("organization", "group")
        .filter(group=group, organization__code=code)
        .first()
    )
    if m is None:
        raise NotFound()
    return m


def governance(*, actor: Actor, group: JointUseGroup) -> list[GovernanceBody]:
    group_get(actor=actor, slug=group.slug)
    return list(GovernanceBody.objects.select_related("chair").filter(group=group))


def is_coordinator(actor: Actor, working_group: WorkingGroup) -> bool:
    """The working group's lead organisation or the group's secretariat."""
    return takes_part(actor) and actor.organization_id in (
        working_group.lead_id,
        working_group.group.secretariat_id,
    )


def may_edit_item(actor: Actor, item: HarmonisationItem) -> bool:
    """The lead, the secretariat or the organisation that raised it (while it is not withdrawn)."""
    if not takes_part(actor) or item.status == HarmonisationItem.Status.WITHDRAWN:
        return False
    if my_membership(actor=actor, group=item.group) is None:
        return False
    return (
        is_coordinator(actor, item.working_group) or item.raised_by_org_id == actor.organization_id
    )


# --------------------------------------------------------------------------- working groups


@dataclass(frozen=True)
class WorkingGroupRow:
    wg: WorkingGroup
    total: int
    open: int
    decided: int


def working_groups(*, actor: Actor, group: JointUseGroup) -> list[WorkingGroupRow]:
    group_get(actor=actor, slug=group.slug)
    live = ~Q(items__status=HarmonisationItem.Status.WITHDRAWN)
    qs = (
        WorkingGroup.objects.select_related("area", "lead", "group")
        .filter(group=group)
        .annotate(
            n_total=Count("items", filter=live),
            n_open=Count("items", filter=Q(items__status__in=HarmonisationItem.OPEN_STATES)),
            n_decided=Count("items", filter=Q(items__status=HarmonisationItem.Status.DECIDED)),
        )
        .order_by("number")
    )
    return [
        WorkingGroupRow(wg=wg, total=wg.n_total, open=wg.n_open, decided=wg.n_decided) for wg in qs
    ]


def working_group_get(*, actor: Actor, group: JointUseGroup, number: int) -> WorkingGroup:
    group_get(actor=actor, slug=group.slug)
    wg = (
        WorkingGroup.objects.select_related("area", "lead", "group", "group__secretariat")
        .filter(group=group, number=number)
        .first()
    )
    if wg is None:
        raise NotFound()
    return wg


# --------------------------------------------------------------------------- items


def _filed_by(org_id: int) -> Exists:
    return Exists(
        Position.objects.filter(item=OuterRef("pk"), organization_id=org_id, stance__in=STANCES)
    )


def item_list(
    *,
    actor: Actor,
    group: JointUseGroup,
    working_group: WorkingGroup | None = None,
    status: str | None = None,
    q: str | None = None,
    blocking: bool | None = None,
    disagree: bool = False,
    waiting_for: int | None = None,
) -> QuerySet[HarmonisationItem]:
    """Items of a visible group, filtered; ``waiting_for`` keeps the items an organisation has
    not filed a position on; ``disagree`` those whose filed positions differ."""
    group_get(actor=actor, slug=group.slug)
    qs = HarmonisationItem.objects.select_related("working_group", "group").filter(group=group)
    if working_group is not None:
        qs = qs.filter(working_group=working_group)
    if status == "open":
        qs = qs.filter(status__in=HarmonisationItem.OPEN_STATES)
    elif status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(
            Q(title__icontains=q)
            | Q(requirement_id__icontains=q)
            | Q(package_behaviour__icontains=q)
        )
    if blocking is not None:
        qs = qs.filter(blocking=blocking)
    if disagree:
        qs = qs.annotate(
            n_stances=Count(
                "positions__stance", distinct=True, filter=Q(positions__stance__in=STANCES)
            )
        ).filter(n_stances__gt=1)
    if waiting_for is not None:
        qs = qs.exclude(status=HarmonisationItem.Status.WITHDRAWN).filter(~_filed_by(waiting_for))
    return qs.order_by("number")


def item_get(*, actor: Actor, group: JointUseGroup, number: int) -> HarmonisationItem:
    """One item of a visible group (missing and invisible look the same)."""
    group_get(actor=actor, slug=group.slug)
    item = (
        HarmonisationItem.objects.select_related(
            "group",
            "group__secretariat",
            "working_group",
            "working_group__area",
            "working_group__lead",
            "working_group__group",
            "decided_by",
            "decided_org",
            "decided_in",
            "raised_by_org",
        )
        .filter(group=group, number=number)
        .first()
    )
    if item is None:
        raise NotFound()
    return item


@dataclass(frozen=True)
class PositionRow:
    membership: Membership
    position: Position | None

    @property
    def stance(self) -> str:
        return self.position.stance if self.position is not None else ""


def positions_of(*, actor: Actor, item: HarmonisationItem) -> list[PositionRow]:
    """Every party's current practice and position (a row also for parties without one)."""
    group_get(actor=actor, slug=item.group.slug)
    found = {
        p.organization_id: p for p in Position.objects.select_related("filed_by").filter(item=item)
    }
    members = (
        Membership.objects.select_related("organization")
        .filter(group=item.group, status__in=PARTY_STATES)
        .order_by("status", "organization__code")
    )
    return [PositionRow(membership=m, position=found.get(m.organization_id)) for m in members]


def quorum_of(*, actor: Actor, item: HarmonisationItem) -> QuorumCheck:
    rows = positions_of(actor=actor, item=item)
    full = [r.membership.organization.code for r in rows if r.membership.status == "member"]
    stances = {r.membership.organization.code: r.stance for r in rows}
    return quorum(full, stances, item.group.quorum_percent)


# --------------------------------------------------------------------------- meetings, actions


def meetings(
    *, actor: Actor, group: JointUseGroup, working_group: WorkingGroup | None = None
) -> list[Meeting]:
    group_get(actor=actor, slug=group.slug)
    qs = Meeting.objects.select_related("working_group").filter(working_group__group=group)
    if working_group is not None:
        qs = qs.filter(working_group=working_group)
    return list(qs.annotate(n_agenda=Count("agenda")).order_by("-held_on", "-pk")[:200])


def meeting_get(*, actor: Actor, group: JointUseGroup, pk: int) -> Meeting:
    group_get(actor=actor, slug=group.slug)
    meeting = (
        Meeting.objects.select_related(
            "working_group", "working_group__group", "working_group__lead", "minutes_by"
        )
        .filter(pk=pk, working_group__group=group)
        .first()
    )
    if meeting is None:
        raise NotFound()
    return meeting


def agenda_of(*, actor: Actor, meeting: Meeting) -> list[AgendaEntry]:
    group_get(actor=actor, slug=meeting.working_group.group.slug)
    return list(
        AgendaEntry.objects.select_related("item", "item__group", "item__decided_org")
        .filter(meeting=meeting)
        .order_by("order", "pk")
    )


def actions_of(
    *, actor: Actor, group: JointUseGroup, meeting: Meeting | None = None
) -> list[FollowUpAction]:
    group_get(actor=actor, slug=group.slug)
    qs = FollowUpAction.objects.select_related("owner", "item", "meeting").filter(group=group)
    if meeting is not None:
        qs = qs.filter(meeting=meeting)
    return list(qs.order_by("done_at", "due_on", "pk")[:500])


def action_get(*, actor: Actor, group: JointUseGroup, pk: int) -> FollowUpAction:
    group_get(actor=actor, slug=group.slug)
    action = (
        FollowUpAction.objects.select_related(
            "group", "owner", "meeting", "meeting__working_group", "meeting__working_group__group"
        )
        .filter(pk=pk, group=group)
        .first()
    )
    if action is None:
        raise NotFound()
    return action


# --------------------------------------------------------------------------- onboarding

CATEGORIES = ("decide", "accept", "differs", "customise")


@dataclass(frozen=True)
class OnboardingItem:
    id: int
    number: int
    title: str
    status: str
    due_on: dt.date | None
    blocking: bool
    category: str  # decide / accept / differs / customise
    stance: str
    decision: str
    blocks: bool = False
    due_for_me: dt.date | None = None  # decided items: accept by the cut-over

    @property
    def decided(self) -> bool:
        return self.status == HarmonisationItem.Status.DECIDED


@dataclass(frozen=True)
class OnboardingLane:
    wg: WorkingGroup
    total: int
    positioned: int
    outstanding: int
    counts: dict[str, int]
    items: list[OnboardingItem]
    more: int
    blocked: bool


@dataclass(frozen=True)
class Onboarding:
    group: JointUseGroup
    membership: Membership
    cut_over: dt.date
    today: dt.date
    total: int
    positioned: int
    outstanding: int
    counts: dict[str, int]
    lanes: list[OnboardingLane]
    blockers: list[OnboardingItem]
    timeline: Timeline

    @property
    def days_left(self) -> int:
        return (self.cut_over - self.today).days

    @property
    def percent(self) -> int:
        return round(100 * self.positioned / self.total) if self.total else 100


def _category(status: str, decision: str, stance: str) -> str | None:
    decided = status == HarmonisationItem.Status.DECIDED
    if not stance:
        return "accept" if decided else "decide"
    if decided and decision and stance != decision:
        return "differs"
    if stance == "customise" and not decided:
        return "customise"
    return None


def _onboarding_order(
    i: OnboardingItem, cut_over: dt.date
) -> tuple[bool, bool, bool, dt.date, int]:
    """Blockers first, then blocking items, then by the date it is due for the member."""
    return (not i.blocks, not i.blocking, i.due_for_me is None, i.due_for_me or cut_over, i.number)


def onboarding(
    *, actor: Actor, group: JointUseGroup, code: str, today: dt.date | None = None
) -> Onboarding:
    """What a joining member must still settle before its cut-over, per working group.

    Outstanding: decided items it has not positioned on (accept), open items it has not
    positioned on (decide), decided items whose decision differs from its position, and its
    open customisation requests. Blockers are outstanding blocking items with no due date, due
    after the cut-over, or overdue. Reads in a fixed number of queries.
    """
    group_get(actor=actor, slug=group.slug)
    membership = (
        Membership.objects.select_related("organization")
        .filter(group=group, organization__code=code, status=Membership.Status.JOINING)
        .first()
    )
    if membership is None or membership.cut_over_on is None:
        raise NotFound()
    today = today or timezone.localdate()
    cut_over = membership.cut_over_on
    wgs = list(
        WorkingGroup.objects.select_related("area", "lead", "group")
        .filter(group=group)
        .order_by("number")
    )
    stances = dict(
        Position.objects.filter(
            item__group=group, organization_id=membership.organization_id
        ).values_list("item_id", "stance")
    )
    # When the earliest open item of each working group was raised (the bars' start).
    starts: dict[int, dt.date] = {
        wg_id: timezone.localdate(first)
        for wg_id, first in HarmonisationItem.objects.filter(
            group=group, status__in=HarmonisationItem.OPEN_STATES
        )
        .values("working_group_id")
        .annotate(first=Min("created_at"))
        .values_list("working_group_id", "first")
        if first is not None
    }
    rows = (
        HarmonisationItem.objects.filter(group=group)
        .exclude(status=HarmonisationItem.Status.WITHDRAWN)
        .values_list(
            "id",
            "number",
            "working_group_id",
            "title",
            "status",
            "due_on",
            "blocking",
            "decision",
        )
        .order_by("number")
    )
    per_wg: dict[int, list[OnboardingItem]] = defaultdict(list)
    totals: Counter[int] = Counter()
    positioned: Counter[int] = Counter()
    decided_state = HarmonisationItem.Status.DECIDED
    for pk, number, wg_id, title, status, due_on, blocking, decision in rows:
        totals[wg_id] += 1
        stance = stances.get(pk, "")
        if stance:
            positioned[wg_id] += 1
        category = _category(status, decision, stance)
        if category is None:
            continue
        per_wg[wg_id].append(
            OnboardingItem(
                id=pk,
                number=number,
                title=title,
                status=status,
                due_on=due_on,
                blocking=blocking,
                category=category,
                stance=stance,
                decision=decision,
                due_for_me=cut_over if status == decided_state else due_on,
            )
        )
    outstanding = [i for items in per_wg.values() for i in items]
    blocking_ids = set(
        blockers(
            [
                Outstanding(
                    id=i.id,
                    blocking=i.blocking,
                    due=i.due_on,
                    decided=i.status == HarmonisationItem.Status.DECIDED,
                )
                for i in outstanding
            ],
            cut_over=cut_over,
            today=today,
        )
    )

    def mark(i: OnboardingItem) -> OnboardingItem:
        if i.id not in blocking_ids:
            return i
        return OnboardingItem(**{**i.__dict__, "blocks": True})

    lanes: list[OnboardingLane] = []
    timeline_lanes: list[Lane] = []
    for wg in wgs:
        items = [mark(i) for i in per_wg.get(wg.pk, [])]
        items.sort(key=lambda i: _onboarding_order(i, cut_over))
        counts = Counter(i.category for i in items)
        # Undecided items run to their own due date; decided ones wait for acceptance by the
        # cut-over (a lane with only those shows as "accept by the cut-over").
        undecided = [i for i in items if not i.decided]
        dated = [i.due_on for i in undecided if i.due_on is not None]
        blocked = any(i.blocks for i in items)
        lanes.append(
            OnboardingLane(
                wg=wg,
                total=totals[wg.pk],
                positioned=positioned[wg.pk],
                outstanding=len(items),
                counts={c: counts.get(c, 0) for c in CATEGORIES},
                items=items[:ONBOARDING_ITEMS_PER_WG],
                more=max(0, len(items) - ONBOARDING_ITEMS_PER_WG),
                blocked=blocked,
            )
        )
        timeline_lanes.append(
            Lane(
                key=wg.code,
                label=f"{wg.code} {wg.name}",
                outstanding=len(items),
                start=starts.get(wg.pk),
                end=max(dated) if dated else None,
                undated=len(undecided) - len(dated),
                markers=tuple(i.due_on for i in undecided if i.blocking and i.due_on is not None),
                blocked=blocked,
            )
        )
    all_counts = Counter(i.category for i in outstanding)
    block_list = sorted(
        (mark(i) for i in outstanding if i.id in blocking_ids),
        key=lambda i: (i.due_on or dt.date.max, i.number),
    )
    return Onboarding(
        group=group,
        membership=membership,
        cut_over=cut_over,
        today=today,
        total=sum(totals.values()),
        positioned=sum(positioned.values()),
        outstanding=len(outstanding),
        counts={c: all_counts.get(c, 0) for c in CATEGORIES},
        lanes=lanes,
        blockers=block_list,
        timeline=layout(timeline_lanes, today=today, cut_over=cut_over),
    )


def joining_members(*, actor: Actor, group: JointUseGroup) -> list[Membership]:
    group_get(actor=actor, slug=group.slug)
    return list(
        Membership.objects.select_related("organization").filter(
            group=group, status=Membership.Status.JOINING
        )
    )


# --------------------------------------------------------------------------- dashboards


@dataclass(frozen=True)
class WorkingGroupFigures:
    wg: WorkingGroup
    open: int
    disagreements: int
    decided_this_month: int


@dataclass(frozen=True)
class Dashboard:
    total: int
    open: int
    decided: int
    withdrawn: int
    disagreements: int
    ready: int  # open items with a quorum of positions (waiting for a decision)
    decided_this_month: int
    blocking_open: int
    overdue: int
    median_age_days: float | None
    age_buckets: list[tuple[str, int]]
    decisions_by_month: list[tuple[str, int]]
    by_wg: list[WorkingGroupFigures] = field(default_factory=list)
    stances: dict[str, int] = field(default_factory=dict)


def _month_start(d: dt.date) -> dt.date:
    return d.replace(day=1)


def _months_back(d: dt.date, n: int) -> list[dt.date]:
    out = []
    m = _month_start(d)
    for _ in range(n):
        out.append(m)
        m = (m - dt.timedelta(days=1)).replace(day=1)
    return list(reversed(out))


def _bucket(days: int) -> str:
    for limit, label in AGE_BUCKETS:
        if limit is None or days <= limit:
            return label
    return AGE_BUCKETS[-1][1]


def dashboard(
    *,
    actor: Actor,
    group: JointUseGroup,
    working_group: WorkingGroup | None = None,
    today: dt.date | None = None,
) -> Dashboard:
    """Open items, items where members disagree, decisions this month, the age of open items —
    for a group or one of its working groups. A fixed number of queries."""
    group_get(actor=actor, slug=group.slug)
    today = today or timezone.localdate()
    month = _month_start(today)
    items_qs = HarmonisationItem.objects.filter(group=group)
    if working_group is not None:
        items_qs = items_qs.filter(working_group=working_group)
    rows = list(
        items_qs.values_list(
            "id", "working_group_id", "status", "created_at", "decided_at", "due_on", "blocking"
        )
    )
    full = set(
        Membership.objects.filter(group=group, status=Membership.Status.MEMBER).values_list(
            "organization_id", flat=True
        )
    )
    open_ids = {r[0] for r in rows if r[2] in HarmonisationItem.OPEN_STATES}
    pos_qs = Position.objects.filter(item__group=group, stance__in=STANCES)
    if working_group is not None:
        pos_qs = pos_qs.filter(item__working_group=working_group)
    stances_of: dict[int, dict[int, str]] = defaultdict(dict)
    stance_counts: Counter[str] = Counter()
    for item_id, org_id, stance in pos_qs.values_list("item_id", "organization_id", "stance"):
        stances_of[item_id][org_id] = stance
        if item_id in open_ids:
            stance_counts[stance] += 1
    wgs = (
        [working_group]
        if working_group is not None
        else list(
            WorkingGroup.objects.select_related("area", "lead", "group")
            .filter(group=group)
            .order_by("number")
        )
    )
    status_counts: Counter[str] = Counter()
    per_wg_open: Counter[int] = Counter()
    per_wg_split: Counter[int] = Counter()
    per_wg_month: Counter[int] = Counter()
    by_month: Counter[dt.date] = Counter()
    ages: list[int] = []
    buckets: Counter[str] = Counter()
    split = ready = blocking_open = overdue = this_month = 0
    full_codes = [str(o) for o in sorted(full)]
    for pk, wg_id, status, created_at, decided_at, due_on, blocking in rows:
        status_counts[status] += 1
        if status in HarmonisationItem.OPEN_STATES:
            per_wg_open[wg_id] += 1
            age = (today - timezone.localdate(created_at)).days
            ages.append(age)
            buckets[_bucket(age)] += 1
            filed = stances_of.get(pk, {})
            if len(set(filed.values())) > 1:
                split += 1
                per_wg_split[wg_id] += 1
            check = quorum(full_codes, {str(k): v for k, v in filed.items()}, group.quorum_percent)
            if check.ok:
                ready += 1
            if blocking:
                blocking_open += 1
            if due_on is not None and due_on < today:
                overdue += 1
        if status == HarmonisationItem.Status.DECIDED and decided_at is not None:
            day = timezone.localdate(decided_at)
            by_month[_month_start(day)] += 1
            if day >= month:
                this_month += 1
                per_wg_month[wg_id] += 1
    months = _months_back(today, 12)
    return Dashboard(
        total=len(rows),
        open=len(open_ids),
        decided=status_counts[HarmonisationItem.Status.DECIDED],
        withdrawn=status_counts[HarmonisationItem.Status.WITHDRAWN],
        disagreements=split,
        ready=ready,
        decided_this_month=this_month,
        blocking_open=blocking_open,
        overdue=overdue,
        median_age_days=float(statistics.median(ages)) if ages else None,
        age_buckets=[(label, buckets[label]) for _limit, label in AGE_BUCKETS],
        decisions_by_month=[(f"{m:%Y-%m}", by_month[m]) for m in months],
        by_wg=[
            WorkingGroupFigures(
                wg=wg,
                open=per_wg_open[wg.pk],
                disagreements=per_wg_split[wg.pk],
                decided_this_month=per_wg_month[wg.pk],
            )
            for wg in wgs
        ],
        stances={s: stance_counts[s] for s in STANCES},
    )


@dataclass(frozen=True)
class GroupSummary:
    group: JointUseGroup
    members: list[Membership]
    working_groups: int
    dashboard: Dashboard
    progress_percent: int | None


def overview(*, actor: Actor, today: dt.date | None = None) -> list[GroupSummary]:
    """Every group side by side (Tokyo and auditors): the cross-group view."""
    if not sees_all(actor):
        raise PermissionDenied()
    out = []
    for group in group_list(actor=actor):
        members = list(
            Membership.objects.select_related("organization")
            .filter(group=group)
            .order_by("status", "organization__code")
        )
        prog = progress(actor=actor, group=group)
        out.append(
            GroupSummary(
                group=group,
                members=members,
                working_groups=WorkingGroup.objects.filter(group=group).count(),
                dashboard=dashboard(actor=actor, group=group, today=today),
                progress_percent=prog.overall.percent if prog.areas else None,
            )
        )
    return out


# --------------------------------------------------------------------------- waiting on me


@dataclass(frozen=True)
class Waiting:
    positions: list[HarmonisationItem]  # items waiting for my organisation's position
    positions_total: int
    ready: list[HarmonisationItem]  # items I lead with a quorum, waiting for a decision
    actions: list[FollowUpAction]  # open actions my organisation owns
    meetings: dict[int, Meeting] = field(default_factory=dict)  # ready item -> planned meeting

    @property
    def count(self) -> int:
        return self.positions_total + len(self.ready) + len(self.actions)


def waiting(*, actor: Actor, limit: int = 100) -> Waiting:
    """Items waiting on the actor's organisation: positions to file (open items, and decided
    items to accept for a joining member), decisions to record as lead, actions to do."""
    _require_view(actor)
    if not takes_part(actor):
        return Waiting(positions=[], positions_total=0, ready=[], actions=[])
    org_id = actor.organization_id
    mine = list(
        Membership.objects.select_related("group", "group__secretariat").filter(
            organization_id=org_id, status__in=PARTY_STATES
        )
    )
    if not mine:
        return Waiting(positions=[], positions_total=0, ready=[], actions=[])
    cond = Q()
    for m in mine:
        states = list(HarmonisationItem.OPEN_STATES)
        if m.status == Membership.Status.JOINING:
            states.append(HarmonisationItem.Status.DECIDED)
        cond |= Q(group=m.group, status__in=states)
    qs = (
        HarmonisationItem.objects.select_related("group", "working_group")
        .filter(cond)
        .filter(~_filed_by(org_id))
        .order_by("-blocking", "due_on", "group__name", "number")
    )
    total = qs.count()
    positions = list(qs[:limit])
    ready: list[HarmonisationItem] = []
    for m in mine:
        group = m.group
        led = WorkingGroup.objects.filter(group=group)
        if group.secretariat_id != org_id:
            led = led.filter(lead_id=org_id)
        led_ids = list(led.values_list("pk", flat=True))
        if not led_ids:
            continue
        full = [
            str(o)
            for o in Membership.objects.filter(
                group=group, status=Membership.Status.MEMBER
            ).values_list("organization_id", flat=True)
        ]
        open_items = list(
            HarmonisationItem.objects.select_related("group", "working_group")
            .filter(working_group_id__in=led_ids, status__in=HarmonisationItem.OPEN_STATES)
            .order_by("due_on", "number")
        )
        filed: dict[int, dict[str, str]] = defaultdict(dict)
        for item_id, o, s in Position.objects.filter(
            item__in=open_items, stance__in=STANCES
        ).values_list("item_id", "organization_id", "stance"):
            filed[item_id][str(o)] = s
        ready += [
            i for i in open_items if quorum(full, filed.get(i.pk, {}), group.quorum_percent).ok
        ]
    actions = list(
        FollowUpAction.objects.select_related("group", "meeting", "item")
        .filter(owner_id=org_id, done_at__isnull=True, group__in=[m.group for m in mine])
        .order_by("due_on")[:limit]
    )
    ready = ready[:limit]
    planned: dict[int, Meeting] = {}
    for entry in (
        AgendaEntry.objects.select_related("meeting")
        .filter(item__in=ready, meeting__status=Meeting.Status.PLANNED)
        .order_by("meeting__held_on")
    ):
        planned.setdefault(entry.item_id, entry.meeting)
    return Waiting(
        positions=positions, positions_total=total, ready=ready, actions=actions, meetings=planned
    )


# --------------------------------------------------------------------------- standardisation


@dataclass(frozen=True)
class ProgressCell:
    done: int = 0
    doing: int = 0
    total: int = STEP_COUNT

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass(frozen=True)
class Progress:
    areas: list[BusinessArea]
    wg_of_area: dict[int, WorkingGroup]
    members: list[Membership]
    cells: dict[tuple[int, int], ProgressCell]  # (organization id, area id)
    current: dict[tuple[int, int], Step | None]  # first step not done
    by_member: list[tuple[Membership, ProgressCell]]
    by_wg: list[tuple[WorkingGroup, ProgressCell]]
    overall: ProgressCell

    def cell(self, org_id: int, area_id: int) -> ProgressCell:
        return self.cells.get((org_id, area_id), ProgressCell())


def _sum(cells: Sequence[ProgressCell]) -> ProgressCell:
    return ProgressCell(
        done=sum(c.done for c in cells),
        doing=sum(c.doing for c in cells),
        total=sum(c.total for c in cells),
    )


def progress(*, actor: Actor, group: JointUseGroup) -> Progress:
    """The national procedure per member and business area, aggregated per working group and
    per member (only the nationally standardised areas have the procedure)."""
    group_get(actor=actor, slug=group.slug)
    wgs = list(
        WorkingGroup.objects.select_related("area", "lead", "group")
        .filter(group=group, area__national=True)
        .order_by("area__order", "number")
    )
    areas = [wg.area for wg in wgs]
    members = list(
        Membership.objects.select_related("organization")
        .filter(group=group, status__in=PARTY_STATES)
        .order_by("status", "organization__code")
    )
    done: Counter[tuple[int, int]] = Counter()
    doing: Counter[tuple[int, int]] = Counter()
    done_steps: dict[tuple[int, int], set[int]] = defaultdict(set)
    for org_id, area_id, step, status in StepProgress.objects.filter(group=group).values_list(
        "organization_id", "area_id", "step", "status"
    ):
        if status == StepProgress.Status.DONE:
            done[(org_id, area_id)] += 1
            done_steps[(org_id, area_id)].add(step)
        elif status == StepProgress.Status.DOING:
            doing[(org_id, area_id)] += 1
    cells = {
        (m.organization_id, a.pk): ProgressCell(
            done=done[(m.organization_id, a.pk)], doing=doing[(m.organization_id, a.pk)]
        )
        for m in members
        for a in areas
    }
    current = {
        key: next((s for s in STEPS if s.number not in done_steps[key]), None) for key in cells
    }
    by_member = [(m, _sum([cells[(m.organization_id, a.pk)] for a in areas])) for m in members]
    by_wg = [(wg, _sum([cells[(m.organization_id, wg.area_id)] for m in members])) for wg in wgs]
    return Progress(
        areas=areas,
        wg_of_area={wg.area_id: wg for wg in wgs},
        members=members,
        cells=cells,
        current=current,
        by_member=by_member,
        by_wg=by_wg,
        overall=_sum(list(cells.values())),
    )


@dataclass(frozen=True)
class ChecklistRow:
    step: Step
    status: str
    updated_at: dt.datetime | None


def checklist(
    *, actor: Actor, group: JointUseGroup, code: str, area_code: str
) -> tuple[Membership, BusinessArea, list[ChecklistRow]]:
    """One member's checklist for one national business area of the group."""
    group_get(actor=actor, slug=group.slug)
    membership = (
        Membership.objects.select_related("organization")
        .filter(group=group, organization__code=code, status__in=PARTY_STATES)
        .first()
    )
    area = BusinessArea.objects.filter(code=area_code, national=True).first()
    if (
        membership is None
        or area is None
        or not WorkingGroup.objects.filter(group=group, area=area).exists()
    ):
        raise NotFound()
    rows = {
        p.step: p
        for p in StepProgress.objects.filter(
            group=group, organization=membership.organization, area=area
        )
    }
    return (
        membership,
        area,
        [
            ChecklistRow(
                step=s,
                status=rows[s.number].status if s.number in rows else StepProgress.Status.TODO,
                updated_at=rows[s.number].updated_at if s.number in rows else None,
            )
            for s in STEPS
        ],
    )


def organization_by_code(code: str) -> Organization:
    org = Organization.objects.filter(code=code).first()
    if org is None:
        raise NotFound()
    return org
