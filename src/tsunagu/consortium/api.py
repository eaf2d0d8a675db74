"""API: joint-use groups, working groups, harmonisation items and positions, decisions,
meetings and follow-up actions, onboarding, dashboards, standardisation progress, imports and
"waiting on me". A group of other municipalities answers 404 everywhere."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from tsunagu.core.api_support import ERRORS, api_actor, api_writer
from tsunagu.core.errors import NotFound, ValidationFailed

from . import importer, selectors, services
from .models import FollowUpAction, HarmonisationItem, JointUseGroup, Meeting, Membership

MAX_PAGE = 100_000

router = Router(tags=["consortium"])


# --------------------------------------------------------------------------- schemas


class ConsortiumMemberOut(Schema):
    code: str
    name: str
    status: str
    joined_on: dt.date | None
    cut_over_on: dt.date | None
    version: int

    @staticmethod
    def resolve_code(obj: Membership) -> str:
        return obj.organization.code

    @staticmethod
    def resolve_name(obj: Membership) -> str:
        return obj.organization.name


class ConsortiumBodyOut(Schema):
    kind: str
    name: str
    chair: str | None
    composition: str
    meets: str

    @staticmethod
    def resolve_chair(obj: Any) -> str | None:
        return obj.chair.code if obj.chair_id else None


class ConsortiumGroupOut(Schema):
    slug: str
    name: str
    name_en: str
    package: str
    secretariat: str | None
    quorum_percent: int
    prefix: str

    @staticmethod
    def resolve_secretariat(obj: JointUseGroup) -> str | None:
        return obj.secretariat.code if obj.secretariat is not None else None


class ConsortiumGroupDetailOut(ConsortiumGroupOut):
    members: list[ConsortiumMemberOut]
    governance: list[ConsortiumBodyOut]

    @staticmethod
    def resolve_members(obj: Any) -> list[Any]:
        return list(obj.api_members)

    @staticmethod
    def resolve_governance(obj: Any) -> list[Any]:
        return list(obj.api_governance)


class ConsortiumWorkingGroupOut(Schema):
    number: int
    code: str
    name: str
    area: str
    national: bool
    lead: str | None
    total: int
    open: int
    decided: int


class ConsortiumPositionOut(Schema):
    organization: str
    status: str
    stance: str
    reason: str
    current_practice: str
    filed_at: dt.datetime | None
    version: int


class ConsortiumItemOut(Schema):
    number: int
    ref: str
    working_group: int
    title: str
    requirement_id: str
    requirement_class: str
    package_behaviour: str
    note: str
    status: str
    due_on: dt.date | None
    blocking: bool
    cost_impact_yen: int | None
    ordinance_change: bool
    impact_note: str
    decision: str
    decision_text: str
    decided_by: str | None
    decided_org: str | None
    decided_at: dt.datetime | None
    decided_in: int | None
    version: int

    @staticmethod
    def resolve_ref(obj: HarmonisationItem) -> str:
        return services.item_ref(obj)

    @staticmethod
    def resolve_working_group(obj: HarmonisationItem) -> int:
        return obj.working_group.number

    @staticmethod
    def resolve_decided_by(obj: HarmonisationItem) -> str | None:
        return obj.decided_by.username if obj.decided_by_id and obj.decided_by else None

    @staticmethod
    def resolve_decided_org(obj: HarmonisationItem) -> str | None:
        return obj.decided_org.code if obj.decided_org_id and obj.decided_org else None

    @staticmethod
    def resolve_decided_in(obj: HarmonisationItem) -> int | None:
        return obj.decided_in_id


class ConsortiumItemDetailOut(ConsortiumItemOut):
    positions: list[ConsortiumPositionOut]

    @staticmethod
    def resolve_positions(obj: Any) -> list[dict[str, Any]]:
        return list(obj.api_positions)


class ConsortiumItemPage(Schema):
    count: int
    items: list[ConsortiumItemOut]


class ConsortiumItemIn(Schema):
    working_group: int
    title: str
    requirement_id: str = ""
    requirement_class: str = ""
    package_behaviour: str = ""
    note: str = ""
    due_on: dt.date | None = None
    blocking: bool = False
    cost_impact_yen: int | None = None
    ordinance_change: bool = False
    impact_note: str = ""
    practices: dict[str, str] = {}  # organisation code -> current practice


class ConsortiumItemPatch(Schema):
    version: int
    title: str | None = None
    requirement_id: str | None = None
    requirement_class: str | None = None
    package_behaviour: str | None = None
    note: str | None = None
    due_on: dt.date | None = None
    clear_due_on: bool = False
    blocking: bool | None = None
    cost_impact_yen: int | None = None
    ordinance_change: bool | None = None
    impact_note: str | None = None


class ConsortiumPositionIn(Schema):
    stance: str
    reason: str = ""
    current_practice: str | None = None
    version: int | None = None


class ConsortiumDecisionIn(Schema):
    decision: str
    text: str
    meeting: int | None = None
    version: int | None = None


class ConsortiumWithdrawIn(Schema):
    reason: str
    version: int | None = None


class ConsortiumImportIn(Schema):
    csv: str
    partial: bool = False
    dry_run: bool = False


class ConsortiumImportOut(Schema):
    rows: int
    valid: int
    errors: list[dict[str, Any]]
    created: list[int]
    dry_run: bool


class ConsortiumMeetingIn(Schema):
    working_group: int
    held_on: dt.date
    title: str
    location: str = ""
    items: list[int] = []


class ConsortiumAgendaOut(Schema):
    item: int
    title: str
    status: str
    outcome: str


class ConsortiumActionOut(Schema):
    id: int
    title: str
    owner: str
    due_on: dt.date
    done_at: dt.datetime | None
    meeting: int | None
    item: int | None

    @staticmethod
    def resolve_owner(obj: FollowUpAction) -> str:
        return obj.owner.code

    @staticmethod
    def resolve_meeting(obj: FollowUpAction) -> int | None:
        return obj.meeting_id

    @staticmethod
    def resolve_item(obj: FollowUpAction) -> int | None:
        return obj.item.number if obj.item_id and obj.item else None


class ConsortiumMeetingOut(Schema):
    id: int
    working_group: int
    held_on: dt.date
    title: str
    location: str
    status: str
    minutes: str
    version: int

    @staticmethod
    def resolve_working_group(obj: Meeting) -> int:
        return obj.working_group.number


class ConsortiumMeetingDetailOut(ConsortiumMeetingOut):
    agenda: list[ConsortiumAgendaOut]
    actions: list[ConsortiumActionOut]

    @staticmethod
    def resolve_agenda(obj: Any) -> list[dict[str, Any]]:
        return list(obj.api_agenda)

    @staticmethod
    def resolve_actions(obj: Any) -> list[Any]:
        return list(obj.api_actions)


class ConsortiumAgendaIn(Schema):
    items: list[int]


class ConsortiumMinutesIn(Schema):
    minutes: str
    version: int | None = None


class ConsortiumActionIn(Schema):
    title: str
    owner: str  # organisation code
    due_on: dt.date
    item: int | None = None


class ConsortiumCutOverIn(Schema):
    cut_over_on: dt.date
    version: int | None = None


class ConsortiumProgressIn(Schema):
    steps: dict[int, str]


# --------------------------------------------------------------------------- helpers


def _group(request: HttpRequest, slug: str) -> tuple[Any, JointUseGroup]:
    actor = api_actor(request)
    return actor, selectors.group_get(actor=actor, slug=slug)


def _writer_group(request: HttpRequest, slug: str) -> tuple[Any, JointUseGroup]:
    actor = api_writer(request)
    return actor, selectors.group_get(actor=actor, slug=slug)


def _positions(actor: Any, item: HarmonisationItem) -> list[dict[str, Any]]:
    return [
        {
            "organization": r.membership.organization.code,
            "status": r.membership.status,
            "stance": r.stance,
            "reason": r.position.reason if r.position else "",
            "current_practice": r.position.current_practice if r.position else "",
            "filed_at": r.position.filed_at if r.position else None,
            "version": r.position.version if r.position else 0,
        }
        for r in selectors.positions_of(actor=actor, item=item)
    ]


def _item_detail(actor: Any, item: HarmonisationItem) -> HarmonisationItem:
    item.api_positions = _positions(actor, item)  # type: ignore[attr-defined]
    return item


def _items_by_number(
    actor: Any, group: JointUseGroup, numbers: list[int]
) -> list[HarmonisationItem]:
    found = list(selectors.item_list(actor=actor, group=group).filter(number__in=numbers))
    missing = sorted(set(numbers) - {i.number for i in found})
    if missing:
        raise ValidationFailed(code="unknown_items", details={"items": missing})
    return found


def _meeting_detail(actor: Any, group: JointUseGroup, meeting: Meeting) -> Meeting:
    meeting.api_agenda = [  # type: ignore[attr-defined]
        {
            "item": e.item.number,
            "title": e.item.title,
            "status": e.item.status,
            "outcome": e.outcome,
        }
        for e in selectors.agenda_of(actor=actor, meeting=meeting)
    ]
    meeting.api_actions = selectors.actions_of(  # type: ignore[attr-defined]
        actor=actor, group=group, meeting=meeting
    )
    return meeting


# --------------------------------------------------------------------------- groups


@router.get("/groups", response={200: list[ConsortiumGroupOut], **ERRORS}, summary="Visible groups")
def group_list_api(request: HttpRequest) -> Any:
    return selectors.group_list(actor=api_actor(request))


@router.get(
    "/groups/{group_slug}",
    response={200: ConsortiumGroupDetailOut, **ERRORS},
    summary="One group with its members and governance",
)
def group_get_api(request: HttpRequest, group_slug: str) -> Any:
    actor, group = _group(request, group_slug)
    group.api_members = selectors.memberships(actor=actor, group=group)  # type: ignore[attr-defined]
    group.api_governance = selectors.governance(actor=actor, group=group)  # type: ignore[attr-defined]
    return group


@router.post(
    "/groups/{group_slug}/members/{code}/cut-over",
    response={200: ConsortiumMemberOut, **ERRORS},
    summary="Set a joining member's cut-over date (secretariat)",
)
def cut_over_api(
    request: HttpRequest, group_slug: str, code: str, payload: ConsortiumCutOverIn
) -> Any:
    actor, group = _writer_group(request, group_slug)
    membership = selectors.membership_get(actor=actor, group=group, code=code)
    return services.membership_set_cut_over(
        actor=actor,
        membership=membership,
        cut_over_on=payload.cut_over_on,
        expected_version=payload.version,
    )


@router.get(
    "/groups/{group_slug}/working-groups",
    response={200: list[ConsortiumWorkingGroupOut], **ERRORS},
    summary="Working groups with their item counts",
)
def working_group_list_api(request: HttpRequest, group_slug: str) -> Any:
    actor, group = _group(request, group_slug)
    return [
        {
            "number": r.wg.number,
            "code": r.wg.code,
            "name": r.wg.name,
            "area": r.wg.area.code,
            "national": r.wg.area.national,
            "lead": r.wg.lead.code if r.wg.lead else None,
            "total": r.total,
            "open": r.open,
            "decided": r.decided,
        }
        for r in selectors.working_groups(actor=actor, group=group)
    ]


def _dashboard_out(d: selectors.Dashboard) -> dict[str, Any]:
    return {
        "total": d.total,
        "open": d.open,
        "decided": d.decided,
        "withdrawn": d.withdrawn,
        "disagreements": d.disagreements,
        "ready_for_decision": d.ready,
        "decided_this_month": d.decided_this_month,
        "blocking_open": d.blocking_open,
        "overdue": d.overdue,
        "median_age_days": d.median_age_days,
        "age_buckets": dict(d.age_buckets),
        "decisions_by_month": dict(d.decisions_by_month),
        "stances_on_open_items": d.stances,
        "working_groups": [
            {
                "number": f.wg.number,
                "open": f.open,
                "disagreements": f.disagreements,
                "decided_this_month": f.decided_this_month,
            }
            for f in d.by_wg
        ],
    }


@router.get(
    "/groups/{group_slug}/dashboard",
    response={200: dict[str, Any], **ERRORS},
    summary="Group dashboard figures",
)
def dashboard_api(request: HttpRequest, group_slug: str) -> Any:
    actor, group = _group(request, group_slug)
    return _dashboard_out(selectors.dashboard(actor=actor, group=group))


@router.get(
    "/groups/{group_slug}/working-groups/{wg_no}/dashboard",
    response={200: dict[str, Any], **ERRORS},
    summary="Working-group dashboard figures",
)
def wg_dashboard_api(request: HttpRequest, group_slug: str, wg_no: int) -> Any:
    actor, group = _group(request, group_slug)
    wg = selectors.working_group_get(actor=actor, group=group, number=wg_no)
    return _dashboard_out(selectors.dashboard(actor=actor, group=group, working_group=wg))


# --------------------------------------------------------------------------- items


@router.get(
    "/groups/{group_slug}/items",
    response={200: ConsortiumItemPage, **ERRORS},
    summary="Harmonisation items (filters: working group, status, q, blocking, disagree, waiting)",
)
def item_list_api(
    request: HttpRequest,
    group_slug: str,
    wg: int | None = None,
    status: str | None = None,
    q: str | None = None,
    blocking: bool | None = None,
    disagree: bool = False,
    waiting: bool = False,
    page: int = 1,
    page_size: int = 50,
) -> Any:
    actor, group = _group(request, group_slug)
    working_group = selectors.working_group_get(actor=actor, group=group, number=wg) if wg else None
    qs = selectors.item_list(
        actor=actor,
        group=group,
        working_group=working_group,
        status=status,
        q=q,
        blocking=blocking,
        disagree=disagree,
        waiting_for=actor.organization_id if waiting else None,
    ).select_related("decided_by", "decided_org")
    size = min(max(1, page_size), 200)
    # A page beyond the last one is empty; clamping keeps a huge page number from overflowing
    # the database's OFFSET (a 500).
    start = (min(max(1, page), MAX_PAGE) - 1) * size
    return {"count": qs.count(), "items": list(qs[start : start + size])}


@router.post(
    "/groups/{group_slug}/items",
    response={201: ConsortiumItemDetailOut, **ERRORS},
    summary="Raise a harmonisation item",
)
def item_create_api(request: HttpRequest, group_slug: str, payload: ConsortiumItemIn) -> Any:
    actor, group = _writer_group(request, group_slug)
    wg = selectors.working_group_get(actor=actor, group=group, number=payload.working_group)
    codes = {m.organization.code: m.organization_id for m in services.parties(group)}
    unknown = sorted(set(payload.practices) - set(codes))
    if unknown:
        raise ValidationFailed(details={"practices": unknown})
    item = services.item_create(
        actor=actor,
        working_group=wg,
        data=payload.dict(exclude={"working_group", "practices"}),
        practices={codes[c]: v for c, v in payload.practices.items()},
    )
    detail = _item_detail(actor, selectors.item_get(actor=actor, group=group, number=item.number))
    return Status(201, detail)


@router.post(
    "/groups/{group_slug}/items/import",
    response={200: ConsortiumImportOut, 201: ConsortiumImportOut, **ERRORS},
    summary="Import items from CSV text (every bad row reported; nothing partial unless asked)",
)
def item_import_api(request: HttpRequest, group_slug: str, payload: ConsortiumImportIn) -> Any:
    actor, group = _writer_group(request, group_slug)
    report = importer.import_csv(
        actor=actor,
        group=group,
        content=payload.csv.encode("utf-8"),
        partial=payload.partial,
        dry_run=payload.dry_run,
    )
    return Status(201 if report.created else 200, report.as_dict())


@router.get(
    "/groups/{group_slug}/items/{item_no}",
    response={200: ConsortiumItemDetailOut, **ERRORS},
    summary="One item with every member's practice and position",
)
def item_get_api(request: HttpRequest, group_slug: str, item_no: int) -> Any:
    actor, group = _group(request, group_slug)
    return _item_detail(actor, selectors.item_get(actor=actor, group=group, number=item_no))


@router.patch(
    "/groups/{group_slug}/items/{item_no}",
    response={200: ConsortiumItemDetailOut, **ERRORS},
    summary="Change an item's details (optimistic lock: send its version)",
)
def item_update_api(
    request: HttpRequest, group_slug: str, item_no: int, payload: ConsortiumItemPatch
) -> Any:
    actor, group = _writer_group(request, group_slug)
    item = selectors.item_get(actor=actor, group=group, number=item_no)
    data: dict[str, Any] = {k: getattr(item, k) for k in services.ITEM_FIELDS}
    changes = payload.dict(exclude={"version", "clear_due_on"}, exclude_none=True)
    data.update(changes)
    if payload.clear_due_on:
        data["due_on"] = None
    services.item_update(actor=actor, item=item, data=data, expected_version=payload.version)
    return _item_detail(actor, selectors.item_get(actor=actor, group=group, number=item_no))


@router.put(
    "/groups/{group_slug}/items/{item_no}/position",
    response={200: ConsortiumPositionOut, **ERRORS},
    summary="File or change my organisation's position",
)
def position_file_api(
    request: HttpRequest, group_slug: str, item_no: int, payload: ConsortiumPositionIn
) -> Any:
    actor, group = _writer_group(request, group_slug)
    item = selectors.item_get(actor=actor, group=group, number=item_no)
    services.position_file(
        actor=actor,
        item=item,
        stance=payload.stance,
        reason=payload.reason,
        current_practice=payload.current_practice,
        expected_version=payload.version,
    )
    mine = [p for p in _positions(actor, item) if p["organization"] == actor.organization.code]
    return mine[0]


@router.post(
    "/groups/{group_slug}/items/{item_no}/decision",
    response={200: ConsortiumItemDetailOut, **ERRORS},
    summary="Record the decision (lead or secretariat; needs a quorum of positions)",
)
def item_decide_api(
    request: HttpRequest, group_slug: str, item_no: int, payload: ConsortiumDecisionIn
) -> Any:
    actor, group = _writer_group(request, group_slug)
    item = selectors.item_get(actor=actor, group=group, number=item_no)
    meeting = (
        selectors.meeting_get(actor=actor, group=group, pk=payload.meeting)
        if payload.meeting
        else None
    )
    services.item_decide(
        actor=actor,
        item=item,
        decision=payload.decision,
        text=payload.text,
        meeting=meeting,
        expected_version=payload.version,
    )
    return _item_detail(actor, selectors.item_get(actor=actor, group=group, number=item_no))


@router.post(
    "/groups/{group_slug}/items/{item_no}/withdraw",
    response={200: ConsortiumItemDetailOut, **ERRORS},
    summary="Withdraw an open item (lead or secretariat)",
)
def item_withdraw_api(
    request: HttpRequest, group_slug: str, item_no: int, payload: ConsortiumWithdrawIn
) -> Any:
    actor, group = _writer_group(request, group_slug)
    item = selectors.item_get(actor=actor, group=group, number=item_no)
    services.item_withdraw(
        actor=actor, item=item, reason=payload.reason, expected_version=payload.version
    )
    return _item_detail(actor, selectors.item_get(actor=actor, group=group, number=item_no))


# --------------------------------------------------------------------------- meetings


@router.get(
    "/groups/{group_slug}/meetings",
    response={200: list[ConsortiumMeetingOut], **ERRORS},
    summary="Meetings of the group's working groups",
)
def meeting_list_api(request: HttpRequest, group_slug: str, wg: int | None = None) -> Any:
    actor, group = _group(request, group_slug)
    working_group = selectors.working_group_get(actor=actor, group=group, number=wg) if wg else None
    return selectors.meetings(actor=actor, group=group, working_group=working_group)


@router.post(
    "/groups/{group_slug}/meetings",
    response={201: ConsortiumMeetingDetailOut, **ERRORS},
    summary="Plan a meeting with an agenda of open items (lead or secretariat)",
)
def meeting_create_api(request: HttpRequest, group_slug: str, payload: ConsortiumMeetingIn) -> Any:
    actor, group = _writer_group(request, group_slug)
    wg = selectors.working_group_get(actor=actor, group=group, number=payload.working_group)
    items = _items_by_number(actor, group, payload.items) if payload.items else []
    meeting = services.meeting_create(
        actor=actor,
        working_group=wg,
        held_on=payload.held_on,
        title=payload.title,
        location=payload.location,
        items=items,
    )
    meeting = selectors.meeting_get(actor=actor, group=group, pk=meeting.pk)
    return Status(201, _meeting_detail(actor, group, meeting))


@router.get(
    "/groups/{group_slug}/meetings/{wg_meeting_id}",
    response={200: ConsortiumMeetingDetailOut, **ERRORS},
    summary="One meeting with agenda and actions",
)
def meeting_get_api(request: HttpRequest, group_slug: str, wg_meeting_id: int) -> Any:
    actor, group = _group(request, group_slug)
    meeting = selectors.meeting_get(actor=actor, group=group, pk=wg_meeting_id)
    return _meeting_detail(actor, group, meeting)


@router.post(
    "/groups/{group_slug}/meetings/{wg_meeting_id}/agenda",
    response={200: ConsortiumMeetingDetailOut, **ERRORS},
    summary="Put open items on the agenda",
)
def agenda_add_api(
    request: HttpRequest, group_slug: str, wg_meeting_id: int, payload: ConsortiumAgendaIn
) -> Any:
    actor, group = _writer_group(request, group_slug)
    meeting = selectors.meeting_get(actor=actor, group=group, pk=wg_meeting_id)
    items = _items_by_number(actor, group, payload.items)
    services.agenda_add(actor=actor, meeting=meeting, items=items)
    return _meeting_detail(actor, group, meeting)


@router.put(
    "/groups/{group_slug}/meetings/{wg_meeting_id}/minutes",
    response={200: ConsortiumMeetingDetailOut, **ERRORS},
    summary="Write the minutes",
)
def minutes_api(
    request: HttpRequest, group_slug: str, wg_meeting_id: int, payload: ConsortiumMinutesIn
) -> Any:
    actor, group = _writer_group(request, group_slug)
    meeting = selectors.meeting_get(actor=actor, group=group, pk=wg_meeting_id)
    services.minutes_record(
        actor=actor, meeting=meeting, minutes=payload.minutes, expected_version=payload.version
    )
    meeting = selectors.meeting_get(actor=actor, group=group, pk=wg_meeting_id)
    return _meeting_detail(actor, group, meeting)


@router.post(
    "/groups/{group_slug}/meetings/{wg_meeting_id}/actions",
    response={201: ConsortiumActionOut, **ERRORS},
    summary="Assign a follow-up action",
)
def action_create_api(
    request: HttpRequest, group_slug: str, wg_meeting_id: int, payload: ConsortiumActionIn
) -> Any:
    actor, group = _writer_group(request, group_slug)
    meeting = selectors.meeting_get(actor=actor, group=group, pk=wg_meeting_id)
    owner = selectors.membership_get(actor=actor, group=group, code=payload.owner).organization
    item = (
        selectors.item_get(actor=actor, group=group, number=payload.item) if payload.item else None
    )
    action = services.action_create(
        actor=actor,
        meeting=meeting,
        title=payload.title,
        owner=owner,
        due_on=payload.due_on,
        item=item,
    )
    return Status(201, action)


@router.get(
    "/groups/{group_slug}/actions",
    response={200: list[ConsortiumActionOut], **ERRORS},
    summary="Follow-up actions of the group",
)
def action_list_api(request: HttpRequest, group_slug: str) -> Any:
    actor, group = _group(request, group_slug)
    return selectors.actions_of(actor=actor, group=group)


@router.post(
    "/groups/{group_slug}/actions/{action_id}/done",
    response={200: ConsortiumActionOut, **ERRORS},
    summary="Mark an action done",
)
def action_done_api(request: HttpRequest, group_slug: str, action_id: int) -> Any:
    actor, group = _writer_group(request, group_slug)
    action = selectors.action_get(actor=actor, group=group, pk=action_id)
    return services.action_complete(actor=actor, action=action)


# --------------------------------------------------------------------------- onboarding


@router.get(
    "/groups/{group_slug}/onboarding/{code}",
    response={200: dict[str, Any], **ERRORS},
    summary="What a joining member must still settle before its cut-over",
)
def onboarding_api(request: HttpRequest, group_slug: str, code: str) -> Any:
    actor, group = _group(request, group_slug)
    ob = selectors.onboarding(actor=actor, group=group, code=code)

    def item(i: selectors.OnboardingItem) -> dict[str, Any]:
        return {
            "number": i.number,
            "title": i.title,
            "status": i.status,
            "category": i.category,
            "due_on": i.due_on,
            "blocking": i.blocking,
            "blocks_cut_over": i.blocks,
            "stance": i.stance,
            "decision": i.decision,
        }

    return {
        "organization": code,
        "cut_over_on": ob.cut_over,
        "days_left": ob.days_left,
        "total": ob.total,
        "positioned": ob.positioned,
        "percent": ob.percent,
        "outstanding": ob.outstanding,
        "counts": ob.counts,
        "blockers": [item(i) for i in ob.blockers],
        "working_groups": [
            {
                "number": lane.wg.number,
                "name": lane.wg.name,
                "total": lane.total,
                "positioned": lane.positioned,
                "outstanding": lane.outstanding,
                "counts": lane.counts,
                "blocked": lane.blocked,
                "first_items": [item(i) for i in lane.items],
            }
            for lane in ob.lanes
        ],
    }


# --------------------------------------------------------------------------- progress


@router.get(
    "/groups/{group_slug}/progress",
    response={200: dict[str, Any], **ERRORS},
    summary="Standardisation progress per member and business area",
)
def progress_api(request: HttpRequest, group_slug: str) -> Any:
    actor, group = _group(request, group_slug)
    p = selectors.progress(actor=actor, group=group)
    return {
        "overall_percent": p.overall.percent,
        "members": [
            {"code": m.organization.code, "done": c.done, "doing": c.doing, "total": c.total}
            for m, c in p.by_member
        ],
        "working_groups": [
            {
                "number": wg.number,
                "area": wg.area.code,
                "done": c.done,
                "doing": c.doing,
                "total": c.total,
            }
            for wg, c in p.by_wg
        ],
        "cells": [
            {
                "code": m.organization.code,
                "area": a.code,
                "done": p.cell(m.organization_id, a.pk).done,
                "doing": p.cell(m.organization_id, a.pk).doing,
            }
            for m in p.members
            for a in p.areas
        ],
    }


@router.put(
    "/groups/{group_slug}/progress/{code}/{area_code}",
    response={200: dict[str, Any], **ERRORS},
    summary="Set steps of my organisation's checklist for one business area",
)
def progress_set_api(
    request: HttpRequest, group_slug: str, code: str, area_code: str, payload: ConsortiumProgressIn
) -> Any:
    actor, group = _writer_group(request, group_slug)
    membership, area, _rows = selectors.checklist(
        actor=actor, group=group, code=code, area_code=area_code
    )
    if membership.organization_id != actor.organization_id:
        raise NotFound()
    changed = services.progress_set(actor=actor, group=group, area=area, steps=payload.steps)
    return {"changed": changed}


# --------------------------------------------------------------------------- cross-group


@router.get("/overview", response={200: list[dict[str, Any]], **ERRORS}, summary="Every group (都)")
def overview_api(request: HttpRequest) -> Any:
    return [
        {
            "slug": s.group.slug,
            "name": s.group.name,
            "members": [m.organization.code for m in s.members if m.status == "member"],
            "joining": [
                {"code": m.organization.code, "cut_over_on": m.cut_over_on}
                for m in s.members
                if m.status == "joining"
            ],
            "working_groups": s.working_groups,
            "progress_percent": s.progress_percent,
            **_dashboard_out(s.dashboard),
        }
        for s in selectors.overview(actor=api_actor(request))
    ]


@router.get("/waiting", response={200: dict[str, Any], **ERRORS}, summary="Items waiting on me")
def waiting_api(request: HttpRequest) -> Any:
    w = selectors.waiting(actor=api_actor(request))
    return {
        "count": w.count,
        "positions_total": w.positions_total,
        "positions": [
            {
                "group": i.group.slug,
                "number": i.number,
                "ref": services.item_ref(i),
                "title": i.title,
                "status": i.status,
                "due_on": i.due_on,
                "blocking": i.blocking,
            }
            for i in w.positions
        ],
        "ready_for_decision": [
            {
                "group": i.group.slug,
                "number": i.number,
                "ref": services.item_ref(i),
                "title": i.title,
            }
            for i in w.ready
        ],
        "actions": [
            {"group": a.group.slug, "id": a.id, "title": a.title, "due_on": a.due_on}
            for a in w.actions
        ],
    }
