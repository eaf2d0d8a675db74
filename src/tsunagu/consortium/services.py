"""Consortium writes: harmonisation items and members' positions, decisions (with a quorum of
positions), meetings with agendas and minutes, follow-up actions, cut-over dates, the
standardisation checklist, item imports, and the daily reminders.

Every write checks who acts for which organisation, runs in a transaction with the rows that two
people may change at once locked (the item for positions and decisions, the group for item
numbers), refuses stale edits (``version``), and records an audit entry. Bad input raises a
domain error with a stable code and changes nothing.

Who may do what (the organisation of the acting user decides):

* a *party* (member or joining member) raises items, files its own position, completes its own
  actions and keeps its own standardisation checklist;
* the working group's *lead* organisation and the group's *secretariat* edit items, record
  decisions, hold meetings (agenda, minutes) and assign follow-up actions;
* the secretariat sets a joining member's cut-over date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.accounts.models import User
from tsunagu.core.audit import audit_record, changes
from tsunagu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tsunagu.core.models import Organization
from tsunagu.core.permissions import Actor, can, require_write
from tsunagu.core.roles import MUNICIPAL_ROLES, Cap
from tsunagu.notifications.selectors import recipient_list
from tsunagu.notifications.services import notification_send

from .adapters import STANCES, quorum
from .models import (
    AgendaEntry,
    BusinessArea,
    FollowUpAction,
    HarmonisationItem,
    JointUseGroup,
    Meeting,
    Membership,
    Position,
    RequirementClass,
    Stance,
    StepProgress,
    WorkingGroup,
)
from .reference import STEP_COUNT

PARTY_STATES = (Membership.Status.MEMBER, Membership.Status.JOINING)
MAX_IMPORT_ROWS = 5000
REMIND_BLOCKING_DAYS = 14
REMIND_ACTION_DAYS = 2

# --------------------------------------------------------------------------- who acts


def parties(group: JointUseGroup) -> list[Membership]:
    """Members and joining members (the organisations that file positions)."""
    return list(
        Membership.objects.select_related("organization")
        .filter(group=group, status__in=PARTY_STATES)
        .order_by("organization__code")
    )


def _membership(actor: Actor, group: JointUseGroup) -> Membership | None:
    return (
        Membership.objects.filter(
            group=group, organization_id=actor.organization_id, status__in=PARTY_STATES
        )
        .select_related("organization")
        .first()
    )


def _require_party(actor: Actor, group: JointUseGroup) -> Membership:
    """The actor's organisation must take part in the group; others cannot even see it."""
    require_write(actor)
    member = _membership(actor, group) if can(actor, Cap.CONSORTIUM_TAKE_PART) else None
    if member is not None:
        return member
    if can(actor, Cap.CONSORTIUM_VIEW_ANY):
        raise PermissionDenied(
            _("Only the group's members and joining members may do this."), code="not_a_member"
        )
    raise NotFound()


def is_coordinator(actor: Actor, working_group: WorkingGroup) -> bool:
    """The working group's lead organisation or the group's secretariat (a party)."""
    if not can(actor, Cap.CONSORTIUM_TAKE_PART):
        return False
    group = working_group.group
    return actor.organization_id in (working_group.lead_id, group.secretariat_id)


def _require_coordinator(actor: Actor, working_group: WorkingGroup) -> Membership:
    member = _require_party(actor, working_group.group)
    if not is_coordinator(actor, working_group):
        raise PermissionDenied(
            _("Only the working group's lead or the secretariat may do this."), code="not_lead"
        )
    return member


def _require_secretariat(actor: Actor, group: JointUseGroup) -> Membership:
    member = _require_party(actor, group)
    if actor.organization_id != group.secretariat_id:
        raise PermissionDenied(_("Only the secretariat may do this."), code="not_secretariat")
    return member


def _staff(org_ids: Iterable[int], *, exclude: Actor | None = None) -> list[User]:
    return recipient_list(
        organization_ids=org_ids,
        roles=MUNICIPAL_ROLES,
        exclude_id=exclude.pk if exclude is not None else None,
    )


def _check_version(obj: Any, expected: int | None) -> None:
    if expected is not None and obj.version != expected:
        raise Conflict(
            _("Someone else changed this in the meantime. Reload to see their change."),
            code="stale_version",
            details={"version": obj.version},
        )


def _item_url(item: HarmonisationItem) -> str:
    return f"/consortium/{item.group.slug}/items/{item.number}/"


def item_ref(item: HarmonisationItem) -> str:
    return f"{item.group.prefix}-{item.number:04d}"


# --------------------------------------------------------------------------- validation


def cut_over_limit(group: JointUseGroup) -> dt.date | None:
    """The earliest cut-over of a joining member: blocking items must be settled by then."""
    dates = [
        d
        for d in Membership.objects.filter(
            group=group, status=Membership.Status.JOINING
        ).values_list("cut_over_on", flat=True)
        if d is not None
    ]
    return min(dates) if dates else None


# Dates outside this range are refused: a year like 9999 breaks the month arithmetic of the
# onboarding timeline (and a 20-digit year overflows ``dt.date``).
DATE_MIN, DATE_MAX = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


class DateOutOfRange(ValueError):
    """A well-formed date outside ``DATE_MIN``..``DATE_MAX``."""


def parse_date(value: Any) -> dt.date | None:
    """``YYYY-MM-DD`` (also ``YYYY/MM/DD`` as Excel writes it); empty is None. Raises
    ValueError for anything else, :class:`DateOutOfRange` outside 2000..2100."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        text = str(value).strip().replace("/", "-")
        if not text:
            return None
        parts = text.split("-")
        if len(parts) != 3 or not all(p.isdecimal() and len(p) <= 4 for p in parts):
            raise ValueError(text)
        day = dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
    if not DATE_MIN <= day <= DATE_MAX:
        raise DateOutOfRange(day.isoformat())
    return day


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value or "").strip().lower()
    if text in ("", "0", "false", "no", "n", "off", "いいえ", "×", "-"):
        return False
    if text in ("1", "true", "yes", "y", "on", "はい", "○", "〇", "✓"):
        return True
    raise ValueError(text)


ITEM_FIELDS = (
    "title",
    "requirement_id",
    "requirement_class",
    "package_behaviour",
    "note",
    "due_on",
    "blocking",
    "cost_impact_yen",
    "ordinance_change",
    "impact_note",
)


def _text(
    data: Mapping[str, Any],
    key: str,
    limit: int,
    errors: dict[str, str],
    *,
    required: str = "",
) -> str:
    value = str(data.get(key) or "").strip()
    if required and not value:
        errors[key] = required
    elif len(value) > limit:
        errors[key] = _("Enter at most %(max)d characters.") % {"max": limit}
    return value


def validate_item(data: Mapping[str, Any], *, cut_over: dt.date | None) -> dict[str, Any]:
    """Clean an item's fields, or raise with one message per bad field (nothing is saved).

    A blocking item must be due on or before the earliest cut-over of a joining member.
    """
    errors: dict[str, str] = {}
    out: dict[str, Any] = {
        "title": _text(data, "title", 200, errors, required=_("Give the item a short title.")),
        "requirement_id": _text(data, "requirement_id", 32, errors),
        "package_behaviour": _text(data, "package_behaviour", 4000, errors),
        "note": _text(data, "note", 4000, errors),
        "impact_note": _text(data, "impact_note", 400, errors),
    }
    req_class = str(data.get("requirement_class") or "").strip()
    if req_class not in RequirementClass.values:
        errors["requirement_class"] = _("Choose a requirement class from the list.")
    out["requirement_class"] = req_class
    try:
        out["due_on"] = parse_date(data.get("due_on"))
    except DateOutOfRange:
        errors["due_on"] = _("Enter a date between 2000 and 2100.")
        out["due_on"] = None
    except ValueError:
        errors["due_on"] = _("Enter the due date as YYYY-MM-DD.")
        out["due_on"] = None
    for key in ("blocking", "ordinance_change"):
        try:
            out[key] = parse_bool(data.get(key))
        except ValueError:
            errors[key] = _("Answer yes or no.")
            out[key] = False
    cost = str(data.get("cost_impact_yen") if data.get("cost_impact_yen") is not None else "")
    cost = cost.strip().replace(",", "").replace("円", "")
    if cost == "":
        out["cost_impact_yen"] = None
    elif cost.isdecimal() and len(cost) <= 13 and int(cost) < 10**13:
        out["cost_impact_yen"] = int(cost)
    else:
        errors["cost_impact_yen"] = _("Enter the cost in yen as a whole number (or leave empty).")
        out["cost_impact_yen"] = None
    if errors:
        raise ValidationFailed(details=errors)
    _check_blocking_due(blocking=out["blocking"], due_on=out["due_on"], cut_over=cut_over)
    return out


def _check_blocking_due(
    *, blocking: bool, due_on: dt.date | None, cut_over: dt.date | None
) -> None:
    if blocking and cut_over is not None and (due_on is None or due_on > cut_over):
        message = _(
            "A blocking item must be settled before the cut-over of %(date)s: "
            "give it a due date on or before that day."
        ) % {"date": cut_over.isoformat()}
        raise ValidationFailed(
            message,
            code="blocking_due_after_cut_over",
            details={"due_on": message, "cut_over": cut_over.isoformat()},
        )


# --------------------------------------------------------------------------- items


def _snapshot(item: HarmonisationItem) -> dict[str, Any]:
    return {
        "title": item.title,
        "requirement_id": item.requirement_id,
        "requirement_class": item.requirement_class,
        "package_behaviour": item.package_behaviour,
        "note": item.note,
        "due_on": item.due_on,
        "blocking": item.blocking,
        "cost_impact_yen": item.cost_impact_yen,
        "ordinance_change": item.ordinance_change,
        "impact_note": item.impact_note,
        "status": item.status,
        "decision": item.decision,
    }


def _create_item(
    *,
    actor: Actor | None,
    group: JointUseGroup,
    working_group: WorkingGroup,
    clean: Mapping[str, Any],
    practices: Mapping[int, str],
    party_ids: Sequence[int],
    raised_by: int | None,
    now: dt.datetime,
) -> HarmonisationItem:
    """Hand out the next number (the group row is locked) and create the item with one empty
    position row per party carrying its current practice."""
    JointUseGroup.objects.filter(pk=group.pk).update(item_seq=F("item_seq") + 1)
    number = JointUseGroup.objects.values_list("item_seq", flat=True).get(pk=group.pk)
    item = HarmonisationItem.objects.create(
        group=group,
        working_group=working_group,
        number=number,
        created_by_id=actor.pk if actor is not None else None,
        raised_by_org_id=raised_by,
        created_at=now,
        updated_at=now,
        **{k: clean[k] for k in ITEM_FIELDS},
    )
    Position.objects.bulk_create(
        Position(item=item, organization_id=org_id, current_practice=practices.get(org_id, ""))
        for org_id in party_ids
    )
    return item


def item_create(
    *,
    actor: Actor,
    working_group: WorkingGroup,
    data: Mapping[str, Any],
    practices: Mapping[int, str] | None = None,
    now: dt.datetime | None = None,
) -> HarmonisationItem:
    """Raise a harmonisation item in a working group (any party). The other parties are asked
    for their position."""
    group = working_group.group
    member = _require_party(actor, group)
    clean = validate_item(data, cut_over=cut_over_limit(group))
    now = now or timezone.now()
    with transaction.atomic():
        group = JointUseGroup.objects.select_for_update().get(pk=group.pk)
        # Again under the group lock: a cut-over may have moved since the check above.
        _check_blocking_due(
            blocking=clean["blocking"], due_on=clean["due_on"], cut_over=cut_over_limit(group)
        )
        party_ids = [m.organization_id for m in parties(group)]
        cleaned_practices = {
            int(k): str(v).strip()[:4000] for k, v in (practices or {}).items() if k in party_ids
        }
        item = _create_item(
            actor=actor,
            group=group,
            working_group=working_group,
            clean=clean,
            practices=cleaned_practices,
            party_ids=party_ids,
            raised_by=member.organization_id,
            now=now,
        )
        audit_record(
            actor=actor,
            action="consortium.item_created",
            organization=member.organization_id,
            obj=item,
            after={"ref": item_ref(item), "working_group": working_group.number, **clean},
        )
        notification_send(
            recipients=_staff([p for p in party_ids if p != member.organization_id]),
            kind="consortium.position_needed",
            params={"ref": item_ref(item), "title": item.title, "group": group.name},
            url=_item_url(item),
            actor=actor if isinstance(actor, User) else None,
        )
    return item


def item_update(
    *,
    actor: Actor,
    item: HarmonisationItem,
    data: Mapping[str, Any],
    expected_version: int | None,
) -> HarmonisationItem:
    """Change an item's details (lead, secretariat, or the organisation that raised it).

    ``expected_version`` refuses to overwrite a colleague's concurrent edit.
    """
    member = _require_party(actor, item.group)
    if not (
        is_coordinator(actor, item.working_group) or item.raised_by_org_id == member.organization_id
    ):
        raise PermissionDenied(
            _(
                "Only the working group's lead, the secretariat or the organisation that "
                "raised it may edit this item."
            ),
            code="not_lead",
        )
    clean = validate_item(data, cut_over=cut_over_limit(item.group))
    with transaction.atomic():
        # The group row serialises this check with cut-over changes and new items.
        JointUseGroup.objects.select_for_update().get(pk=item.group_id)
        _check_blocking_due(
            blocking=clean["blocking"], due_on=clean["due_on"], cut_over=cut_over_limit(item.group)
        )
        locked = HarmonisationItem.objects.select_for_update().get(pk=item.pk)
        _check_version(locked, expected_version)
        if locked.status == HarmonisationItem.Status.WITHDRAWN:
            raise Conflict(_("This item was withdrawn."), code="item_withdrawn")
        before = _snapshot(locked)
        for key in ITEM_FIELDS:
            setattr(locked, key, clean[key])
        b, a = changes(before, _snapshot(locked))
        if a:
            locked.version += 1
            locked.updated_at = timezone.now()
            locked.save()
            audit_record(
                actor=actor,
                action="consortium.item_updated",
                organization=member.organization_id,
                obj=locked,
                before=b,
                after=a,
            )
    return locked


def item_withdraw(
    *, actor: Actor, item: HarmonisationItem, reason: str, expected_version: int | None = None
) -> HarmonisationItem:
    """The lead or the secretariat withdraws an item that needs no decision."""
    member = _require_coordinator(actor, item.working_group)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(details={"reason": _("Say why the item is withdrawn.")})
    with transaction.atomic():
        locked = HarmonisationItem.objects.select_for_update().get(pk=item.pk)
        _check_version(locked, expected_version)
        if locked.status not in HarmonisationItem.OPEN_STATES:
            raise Conflict(_("Only an open item can be withdrawn."), code="item_not_open")
        locked.status = HarmonisationItem.Status.WITHDRAWN
        locked.note = (locked.note + "\n" if locked.note else "") + reason[:1000]
        locked.version += 1
        locked.updated_at = timezone.now()
        locked.save(update_fields=["status", "note", "version", "updated_at"])
        audit_record(
            actor=actor,
            action="consortium.item_withdrawn",
            organization=member.organization_id,
            obj=locked,
            after={"reason": reason},
        )
    return locked


# --------------------------------------------------------------------------- positions


def position_file(
    *,
    actor: Actor,
    item: HarmonisationItem,
    stance: str,
    reason: str = "",
    current_practice: str | None = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Position:
    """File or change the actor's organisation's position on an item.

    Only staff of a party may, and only for their own organisation. Keeping local practice or
    asking for a customisation needs a reason. When the members' positions reach the quorum, the
    lead is told the item is ready for a decision.
    """
    member = _require_party(actor, item.group)
    errors: dict[str, str] = {}
    if stance not in STANCES:
        errors["stance"] = _("Choose adopt, keep or customise.")
    reason = reason.strip()
    if stance in ("keep", "customise") and not reason:
        errors["reason"] = _("Give the reason for keeping local practice or customising.")
    elif len(reason) > 4000:
        errors["reason"] = _("Enter at most %(max)d characters.") % {"max": 4000}
    practice = current_practice.strip() if current_practice is not None else None
    if practice is not None and len(practice) > 4000:
        errors["current_practice"] = _("Enter at most %(max)d characters.") % {"max": 4000}
    if errors:
        raise ValidationFailed(details=errors)
    now = now or timezone.now()
    with transaction.atomic():
        # The item row serialises positions and decisions on the same item.
        locked = (
            HarmonisationItem.objects.select_for_update()
            .select_related("group", "working_group")
            .get(pk=item.pk)
        )
        if locked.status == HarmonisationItem.Status.WITHDRAWN:
            raise Conflict(_("This item was withdrawn."), code="item_withdrawn")
        position, created = Position.objects.get_or_create(
            item=locked, organization_id=member.organization_id
        )
        if not created:
            _check_version(position, expected_version)
        before = {
            "stance": position.stance,
            "reason": position.reason,
            "current_practice": position.current_practice,
        }
        position.stance = stance
        position.reason = reason
        if practice is not None:
            position.current_practice = practice
        after = {
            "stance": position.stance,
            "reason": position.reason,
            "current_practice": position.current_practice,
        }
        b, a = changes(before, after)
        if not a:
            return position
        position.filed_by_id = actor.pk
        position.filed_at = now
        position.version += 1
        position.save()
        audit_record(
            actor=actor,
            action="consortium.position_filed",
            organization=member.organization_id,
            obj=position,
            before=b,
            after={**a, "item": item_ref(locked)},
        )
        if locked.is_open and not before["stance"]:
            _tell_lead_when_ready(locked, actor=actor)
    return position


def _full_members(group: JointUseGroup) -> list[Membership]:
    return [m for m in parties(group) if m.status == Membership.Status.MEMBER]


def _quorum_of(item: HarmonisationItem) -> Any:
    members = _full_members(item.group)
    stances = dict(Position.objects.filter(item=item).values_list("organization__code", "stance"))
    return quorum([m.organization.code for m in members], stances, item.group.quorum_percent)


def _tell_lead_when_ready(item: HarmonisationItem, *, actor: Actor) -> None:
    check = _quorum_of(item)
    if check.ok and check.filed == check.required:  # just reached
        lead = item.working_group.lead_id or item.group.secretariat_id
        if lead is not None:
            notification_send(
                recipients=_staff([lead]),
                kind="consortium.ready_to_decide",
                params={"ref": item_ref(item), "title": item.title},
                url=_item_url(item),
                actor=actor if isinstance(actor, User) else None,
            )


# --------------------------------------------------------------------------- decisions


def item_decide(
    *,
    actor: Actor,
    item: HarmonisationItem,
    decision: str,
    text: str,
    meeting: Meeting | None = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> HarmonisationItem:
    """Record the decision on an item (lead or secretariat), optionally in a meeting.

    Refused without a quorum of positions of the full members (``quorum_percent`` of the group),
    on an item that is not open, or in a meeting of another working group.
    """
    member = _require_coordinator(actor, item.working_group)
    errors: dict[str, str] = {}
    if decision not in STANCES:
        errors["decision"] = _("Choose what was decided.")
    text = text.strip()
    if not text:
        errors["text"] = _("Write down the decision in a sentence or two.")
    elif len(text) > 4000:
        errors["text"] = _("Enter at most %(max)d characters.") % {"max": 4000}
    if errors:
        raise ValidationFailed(details=errors)
    if meeting is not None and meeting.working_group_id != item.working_group_id:
        raise ValidationFailed(
            _("This item belongs to another working group's meeting."),
            code="wrong_meeting",
            details={"meeting": _("Choose a meeting of the item's working group.")},
        )
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            HarmonisationItem.objects.select_for_update()
            .select_related("group", "working_group")
            .get(pk=item.pk)
        )
        _check_version(locked, expected_version)
        if locked.status not in HarmonisationItem.OPEN_STATES:
            raise Conflict(_("This item is not open any more."), code="item_not_open")
        check = _quorum_of(locked)
        if not check.ok:
            names = dict(
                Organization.objects.filter(code__in=check.missing).values_list("code", "name")
            )
            message = _(
                "No quorum: %(filed)d of %(required)d required positions are filed. "
                "Waiting for: %(missing)s."
            ) % {
                "filed": check.filed,
                "required": check.required,
                "missing": "、".join(names.get(c, c) for c in check.missing) or "—",
            }
            raise ValidationFailed(
                message,
                code="no_quorum",
                details={
                    "filed": check.filed,
                    "required": check.required,
                    "missing": list(check.missing),
                },
            )
        before = {"status": locked.status, "decision": locked.decision}
        locked.status = HarmonisationItem.Status.DECIDED
        locked.decision = decision
        locked.decision_text = text
        locked.decided_by_id = actor.pk
        locked.decided_org_id = member.organization_id
        locked.decided_at = now
        locked.decided_in = meeting
        locked.version += 1
        locked.updated_at = now
        locked.save()
        if meeting is not None:
            entry, _created = AgendaEntry.objects.get_or_create(
                meeting=meeting, item=locked, defaults={"order": _next_order(meeting)}
            )
            entry.outcome = text[:400]
            entry.save(update_fields=["outcome"])
        audit_record(
            actor=actor,
            action="consortium.item_decided",
            organization=member.organization_id,
            obj=locked,
            before=before,
            after={
                "status": locked.status,
                "decision": decision,
                "text": text,
                "meeting": meeting.pk if meeting is not None else None,
                "positions": check.filed,
            },
        )
        notification_send(
            recipients=_staff([m.organization_id for m in parties(locked.group)], exclude=actor),
            kind="consortium.item_decided",
            params={
                "ref": item_ref(locked),
                "title": locked.title,
                "decision": str(dict(_decision_labels()).get(decision, decision)),
            },
            url=_item_url(locked),
            actor=actor if isinstance(actor, User) else None,
        )
    return locked


def _decision_labels() -> list[tuple[str, str]]:
    return [(k, str(v)) for k, v in Stance.choices]


# --------------------------------------------------------------------------- meetings


def _next_order(meeting: Meeting) -> int:
    last = AgendaEntry.objects.filter(meeting=meeting).order_by("-order").first()
    return (last.order + 1) if last is not None else 1


def _agenda_items(
    working_group: WorkingGroup, items: Sequence[HarmonisationItem]
) -> list[HarmonisationItem]:
    bad = [
        i.number
        for i in items
        if i.working_group_id != working_group.pk or i.status not in HarmonisationItem.OPEN_STATES
    ]
    if bad:
        raise ValidationFailed(
            _("Only open items of this working group can be put on the agenda."),
            code="agenda_item_not_open",
            details={"items": bad},
        )
    return list(items)


def meeting_create(
    *,
    actor: Actor,
    working_group: WorkingGroup,
    held_on: Any,
    title: str,
    location: str = "",
    items: Sequence[HarmonisationItem] = (),
    now: dt.datetime | None = None,
) -> Meeting:
    """Plan a working-group meeting with an agenda drawn from its open items (lead,
    secretariat). The items on the agenda move to "in discussion"."""
    member = _require_coordinator(actor, working_group)
    errors: dict[str, str] = {}
    try:
        day = parse_date(held_on)
    except ValueError:
        day = None
    if day is None:
        errors["held_on"] = _("Enter the date as YYYY-MM-DD.")
    title = title.strip()
    if not title:
        errors["title"] = _("Give the meeting a title.")
    elif len(title) > 200:
        errors["title"] = _("Enter at most %(max)d characters.") % {"max": 200}
    if len(location) > 200:
        errors["location"] = _("Enter at most %(max)d characters.") % {"max": 200}
    if errors:
        raise ValidationFailed(details=errors)
    assert day is not None
    chosen = _agenda_items(working_group, items)
    now = now or timezone.now()
    with transaction.atomic():
        meeting = Meeting.objects.create(
            working_group=working_group,
            held_on=day,
            title=title,
            location=location.strip(),
            created_by_id=actor.pk,
            created_at=now,
        )
        _agenda_add(meeting, chosen)
        audit_record(
            actor=actor,
            action="consortium.meeting_created",
            organization=member.organization_id,
            obj=meeting,
            after={"held_on": day, "title": title, "agenda": [i.number for i in chosen]},
        )
    return meeting


def _agenda_add(meeting: Meeting, items: Sequence[HarmonisationItem]) -> list[int]:
    have = set(AgendaEntry.objects.filter(meeting=meeting).values_list("item_id", flat=True))
    order = _next_order(meeting)
    added = []
    for item in items:
        if item.pk in have:
            continue
        AgendaEntry.objects.create(meeting=meeting, item=item, order=order)
        order += 1
        added.append(item.number)
        have.add(item.pk)
    HarmonisationItem.objects.filter(
        pk__in=[i.pk for i in items], status=HarmonisationItem.Status.OPEN
    ).update(status=HarmonisationItem.Status.DISCUSSION, version=F("version") + 1)
    return added


def agenda_add(*, actor: Actor, meeting: Meeting, items: Sequence[HarmonisationItem]) -> list[int]:
    """Put open items of the meeting's working group on its agenda (lead, secretariat)."""
    member = _require_coordinator(actor, meeting.working_group)
    if not items:
        raise ValidationFailed(details={"items": _("Choose at least one open item.")})
    chosen = _agenda_items(meeting.working_group, items)
    with transaction.atomic():
        Meeting.objects.select_for_update().get(pk=meeting.pk)
        added = _agenda_add(meeting, chosen)
        if added:
            audit_record(
                actor=actor,
                action="consortium.agenda_added",
                organization=member.organization_id,
                obj=meeting,
                after={"items": added},
            )
    return added


def minutes_record(
    *,
    actor: Actor,
    meeting: Meeting,
    minutes: str,
    expected_version: int | None = None,
) -> Meeting:
    """Write the minutes; the meeting counts as held (lead, secretariat)."""
    member = _require_coordinator(actor, meeting.working_group)
    minutes = minutes.strip()
    if not minutes:
        raise ValidationFailed(details={"minutes": _("Write the minutes first.")})
    if len(minutes) > 20000:
        raise ValidationFailed(
            details={"minutes": _("Enter at most %(max)d characters.") % {"max": 20000}}
        )
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        _check_version(locked, expected_version)
        before = {"minutes": locked.minutes, "status": locked.status}
        locked.minutes = minutes
        locked.status = Meeting.Status.HELD
        locked.minutes_by_id = actor.pk
        locked.version += 1
        locked.save(update_fields=["minutes", "status", "minutes_by", "version"])
        audit_record(
            actor=actor,
            action="consortium.minutes_recorded",
            organization=member.organization_id,
            obj=locked,
            before={"status": before["status"], "length": len(str(before["minutes"]))},
            after={"status": locked.status, "length": len(minutes)},
        )
    return locked


# --------------------------------------------------------------------------- actions


def action_create(
    *,
    actor: Actor,
    meeting: Meeting,
    title: str,
    owner: Organization,
    due_on: Any,
    item: HarmonisationItem | None = None,
    now: dt.datetime | None = None,
) -> FollowUpAction:
    """A follow-up action from a meeting, owned by one of the parties (lead, secretariat)."""
    member = _require_coordinator(actor, meeting.working_group)
    group = meeting.working_group.group
    errors: dict[str, str] = {}
    title = title.strip()
    if not title:
        errors["title"] = _("Say what has to be done.")
    elif len(title) > 200:
        errors["title"] = _("Enter at most %(max)d characters.") % {"max": 200}
    try:
        due = parse_date(due_on)
    except ValueError:
        due = None
    if due is None:
        errors["due_on"] = _("Enter the due date as YYYY-MM-DD.")
    if owner.pk not in {m.organization_id for m in parties(group)}:
        errors["owner"] = _("Choose one of the group's members as the owner.")
    if item is not None and item.group_id != group.pk:
        errors["item"] = _("Choose an item of this group.")
    if errors:
        raise ValidationFailed(details=errors)
    assert due is not None
    now = now or timezone.now()
    with transaction.atomic():
        action = FollowUpAction.objects.create(
            group=group,
            meeting=meeting,
            item=item,
            title=title,
            owner=owner,
            due_on=due,
            created_by_id=actor.pk,
            created_at=now,
        )
        audit_record(
            actor=actor,
            action="consortium.action_created",
            organization=member.organization_id,
            obj=action,
            after={"title": title, "owner": owner.code, "due_on": due},
        )
        notification_send(
            recipients=_staff([owner.pk], exclude=actor),
            kind="consortium.action_assigned",
            params={"title": title, "due": due.isoformat(), "group": group.name},
            url=f"/consortium/{group.slug}/meetings/{meeting.pk}/",
            actor=actor if isinstance(actor, User) else None,
        )
    return action


def action_complete(*, actor: Actor, action: FollowUpAction) -> FollowUpAction:
    """Mark an action done: its owner, or the lead or secretariat of its meeting."""
    member = _require_party(actor, action.group)
    may = action.owner_id == member.organization_id or (
        action.meeting is not None and is_coordinator(actor, action.meeting.working_group)
    )
    if not may:
        raise PermissionDenied(
            _("Only the owner, the lead or the secretariat may close this action."),
            code="not_owner",
        )
    with transaction.atomic():
        locked = FollowUpAction.objects.select_for_update().get(pk=action.pk)
        if locked.done_at is not None:
            raise Conflict(_("This action is already done."), code="action_done")
        locked.done_at = timezone.now()
        locked.done_by_id = actor.pk
        locked.save(update_fields=["done_at", "done_by"])
        audit_record(
            actor=actor,
            action="consortium.action_done",
            organization=member.organization_id,
            obj=locked,
            after={"title": locked.title},
        )
    return locked


# --------------------------------------------------------------------------- cut-over


def membership_set_cut_over(
    *,
    actor: Actor,
    membership: Membership,
    cut_over_on: Any,
    expected_version: int | None = None,
) -> Membership:
    """Set a joining member's cut-over date (secretariat). Refused when an open blocking item is
    due after the new date."""
    sec = _require_secretariat(actor, membership.group)
    try:
        day = parse_date(cut_over_on)
    except ValueError:
        day = None
    if day is None:
        raise ValidationFailed(details={"cut_over_on": _("Enter the date as YYYY-MM-DD.")})
    if membership.status != Membership.Status.JOINING:
        raise ValidationFailed(_("Only a joining member has a cut-over date."), code="not_joining")
    with transaction.atomic():
        # Lock the group first (as item_create and item_update do), so no blocking item due
        # after the new date can be saved while it is checked.
        JointUseGroup.objects.select_for_update().get(pk=membership.group_id)
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        _check_version(locked, expected_version)
        others = [
            d
            for d in Membership.objects.filter(group=locked.group, status=Membership.Status.JOINING)
            .exclude(pk=locked.pk)
            .values_list("cut_over_on", flat=True)
            if d is not None
        ]
        limit = min([day, *others])
        late = list(
            HarmonisationItem.objects.filter(
                group=locked.group,
                blocking=True,
                status__in=HarmonisationItem.OPEN_STATES,
                due_on__gt=limit,
            ).values_list("number", flat=True)[:50]
        )
        if late:
            raise ValidationFailed(
                _(
                    "Blocking items are due after %(date)s. "
                    "Bring their due dates forward first: %(items)s."
                )
                % {"date": limit.isoformat(), "items": ", ".join(str(n) for n in late)},
                code="blocking_due_after_cut_over",
                details={"items": late, "cut_over": limit.isoformat()},
            )
        before = locked.cut_over_on
        locked.cut_over_on = day
        locked.version += 1
        locked.save(update_fields=["cut_over_on", "version"])
        audit_record(
            actor=actor,
            action="consortium.cut_over_set",
            organization=sec.organization_id,
            obj=locked,
            before={"cut_over_on": before},
            after={"cut_over_on": day, "member": locked.organization_id},
        )
    return locked


# --------------------------------------------------------------------------- standardisation


def progress_set(
    *,
    actor: Actor,
    group: JointUseGroup,
    area: BusinessArea,
    steps: Mapping[int, str],
    now: dt.datetime | None = None,
) -> int:
    """Set the status of steps of the national procedure for the actor's own organisation in
    one business area of the group. Returns how many steps changed."""
    member = _require_party(actor, group)
    if not area.national or not WorkingGroup.objects.filter(group=group, area=area).exists():
        raise NotFound()
    bad = {
        str(n): _("Unknown step or status.")
        for n, s in steps.items()
        if not (1 <= int(n) <= STEP_COUNT) or s not in StepProgress.Status.values
    }
    if bad:
        raise ValidationFailed(details=bad)
    now = now or timezone.now()
    with transaction.atomic():
        existing = {
            p.step: p
            for p in StepProgress.objects.select_for_update().filter(
                group=group, organization_id=member.organization_id, area=area
            )
        }
        changed: dict[int, str] = {}
        new_rows = []
        for n, status in sorted(steps.items()):
            row = existing.get(int(n))
            if row is None:
                if status == StepProgress.Status.TODO:
                    continue
                new_rows.append(
                    StepProgress(
                        group=group,
                        organization_id=member.organization_id,
                        area=area,
                        step=int(n),
                        status=status,
                        updated_by_id=actor.pk,
                        updated_at=now,
                    )
                )
                changed[int(n)] = status
            elif row.status != status:
                row.status = status
                row.updated_by_id = actor.pk
                row.updated_at = now
                row.save(update_fields=["status", "updated_by", "updated_at"])
                changed[int(n)] = status
        try:
            StepProgress.objects.bulk_create(new_rows)
        except IntegrityError:  # a colleague saved the same step a moment ago
            raise Conflict(code="stale_version") from None
        if changed:
            audit_record(
                actor=actor,
                action="consortium.progress_set",
                organization=member.organization_id,
                object_type="consortium.stepprogress",
                object_id=f"{group.slug}/{area.code}",
                after={"steps": changed},
            )
    return len(changed)


# --------------------------------------------------------------------------- import


@dataclass
class ImportReport:
    """What an import found: every bad row with its reason, and what was created."""

    rows: int = 0
    valid: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    created: list[int] = field(default_factory=list)  # item numbers
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "valid": self.valid,
            "errors": self.errors,
            "created": self.created,
            "dry_run": self.dry_run,
        }


def items_import(
    *,
    actor: Actor,
    group: JointUseGroup,
    rows: Sequence[tuple[int, Mapping[str, Any]]],
    practices: Sequence[Mapping[str, str]] | None = None,
    partial: bool = False,
    dry_run: bool = False,
    now: dt.datetime | None = None,
) -> ImportReport:
    """Create items from parsed rows ``(line, {field: value, "working_group": n})``.

    Every bad row is reported with its line and reason. Unless ``partial`` is asked for, one bad
    row imports nothing; with ``dry_run`` nothing is written at all. Rows for a working group the
    actor does not lead (nor the secretariat) are bad rows.
    """
    member = _require_party(actor, group)
    report = ImportReport(rows=len(rows), dry_run=dry_run)
    if len(rows) > MAX_IMPORT_ROWS:
        raise ValidationFailed(
            _("At most %(max)d rows can be imported at once.") % {"max": MAX_IMPORT_ROWS},
            code="import_too_large",
        )
    wgs = {wg.number: wg for wg in WorkingGroup.objects.filter(group=group).select_related("group")}
    codes = {m.organization.code: m.organization_id for m in parties(group)}
    cut_over = cut_over_limit(group)
    existing = {
        (wg_id, title)
        for wg_id, title in HarmonisationItem.objects.filter(group=group).values_list(
            "working_group_id", "title"
        )
    }
    seen: set[tuple[int, str]] = set()
    good: list[tuple[WorkingGroup, dict[str, Any], dict[int, str]]] = []
    for index, (line, row) in enumerate(rows):
        wg_raw = str(row.get("working_group") or "").strip().upper().removeprefix("WG")
        wg = wgs.get(int(wg_raw)) if wg_raw.isdecimal() and len(wg_raw) <= 6 else None
        if wg is None:
            report.errors.append(
                {"line": line, "field": "working_group", "message": _("Unknown working group.")}
            )
            continue
        if not is_coordinator(actor, wg):
            report.errors.append(
                {
                    "line": line,
                    "field": "working_group",
                    "message": _("Only the lead of %(wg)s or the secretariat may import its items.")
                    % {"wg": wg.code},
                }
            )
            continue
        try:
            clean = validate_item(row, cut_over=cut_over)
        except ValidationFailed as exc:
            for key, message in exc.details.items():
                if key == "cut_over":
                    continue
                report.errors.append({"line": line, "field": key, "message": str(message)})
            continue
        pair = (wg.pk, str(clean["title"]))
        if pair in existing or pair in seen:
            report.errors.append(
                {
                    "line": line,
                    "field": "title",
                    "message": _("An item with this title already exists in %(wg)s.")
                    % {"wg": wg.code},
                }
            )
            continue
        seen.add(pair)
        raw_practices = practices[index] if practices is not None else {}
        good.append(
            (
                wg,
                clean,
                {codes[c]: v for c, v in raw_practices.items() if c in codes and v},
            )
        )
    report.valid = len(good)
    if report.errors and not partial:
        if not dry_run:
            raise ValidationFailed(
                _("Nothing was imported: %(n)d row(s) have errors.") % {"n": len(report.errors)},
                code="import_rejected",
                details={"rows": report.errors, "valid": report.valid, "total": report.rows},
            )
        return report
    if dry_run or not good:
        return report
    now = now or timezone.now()
    with transaction.atomic():
        locked = JointUseGroup.objects.select_for_update().get(pk=group.pk)
        party_ids = list(codes.values())
        for wg, clean, prac in good:
            item = _create_item(
                actor=actor,
                group=locked,
                working_group=wg,
                clean=clean,
                practices=prac,
                party_ids=party_ids,
                raised_by=member.organization_id,
                now=now,
            )
            report.created.append(item.number)
        audit_record(
            actor=actor,
            action="consortium.items_imported",
            organization=member.organization_id,
            obj=locked,
            after={
                "created": report.created,
                "skipped_rows": sorted({int(e["line"]) for e in report.errors}),
                "partial": partial,
            },
        )
        notification_send(
            recipients=_staff([p for p in party_ids if p != member.organization_id]),
            kind="consortium.items_imported",
            params={"count": len(report.created), "group": locked.name},
            url=f"/consortium/{locked.slug}/waiting/",
            actor=actor if isinstance(actor, User) else None,
        )
    return report


# --------------------------------------------------------------------------- reminders


def consortium_reminders(*, today: dt.date | None = None) -> dict[str, int]:
    """Daily: blocking items due within two weeks (or overdue) remind the parties that have not
    filed a position and the lead; follow-up actions due within two days (or overdue) remind
    their owner. Each item or action is reminded at most once a day."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=REMIND_BLOCKING_DAYS)
    sent_items = 0
    sent_actions = 0
    items = list(
        HarmonisationItem.objects.select_related("group", "working_group")
        .filter(
            blocking=True,
            status__in=HarmonisationItem.OPEN_STATES,
            due_on__lte=horizon,
        )
        .exclude(reminded_on=today)
        .order_by("due_on")[:500]
    )
    missing: dict[int, list[int]] = {}
    for item_id, org_id in Position.objects.filter(item__in=items, stance="").values_list(
        "item_id", "organization_id"
    ):
        missing.setdefault(item_id, []).append(org_id)
    for item in items:
        with transaction.atomic():
            claimed = (
                HarmonisationItem.objects.filter(pk=item.pk)
                .exclude(reminded_on=today)
                .update(reminded_on=today)
            )
            if not claimed:
                continue
            orgs = set(missing.get(item.pk, []))
            if item.working_group.lead_id:
                orgs.add(item.working_group.lead_id)
            notification_send(
                recipients=_staff(orgs),
                kind="consortium.blocking_due",
                params={
                    "ref": item_ref(item),
                    "title": item.title,
                    "due": item.due_on.isoformat() if item.due_on else "—",
                },
                url=_item_url(item),
            )
            sent_items += 1
    actions = list(
        FollowUpAction.objects.select_related("group")
        .filter(done_at__isnull=True, due_on__lte=today + dt.timedelta(days=REMIND_ACTION_DAYS))
        .exclude(reminded_on=today)[:500]
    )
    for action in actions:
        with transaction.atomic():
            claimed = (
                FollowUpAction.objects.filter(pk=action.pk)
                .exclude(reminded_on=today)
                .update(reminded_on=today)
            )
            if not claimed:
                continue
            notification_send(
                recipients=_staff([action.owner_id]),
                kind="consortium.action_due",
                params={"title": action.title, "due": action.due_on.isoformat()},
                url=f"/consortium/{action.group.slug}/waiting/",
            )
            sent_actions += 1
    return {"items": sent_items, "actions": sent_actions}
