"""Consortium writes: items, positions, decisions with a quorum, meetings, actions, cut-over,
the checklist — with every refusal changing nothing, and an audit entry for every change."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connections

from tsunagu.consortium import services
from tsunagu.consortium.models import (
    AgendaEntry,
    BusinessArea,
    FollowUpAction,
    HarmonisationItem,
    Meeting,
    Membership,
    Position,
    StepProgress,
)
from tsunagu.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from tsunagu.core.models import AuditEntry
from tsunagu.core.roles import Role
from tsunagu.core.tests.factories import make_user
from tsunagu.notifications.models import Notification

from .conftest import (
    CUT_OVER,
    HINO,
    KOGANEI,
    MITAKA,
    TACHIKAWA,
    all_positions,
    make_group,
    raise_item,
)


def _audits(action: str) -> int:
    return AuditEntry.objects.filter(action=action).count()


# --------------------------------------------------------------------------- items


def test_raising_an_item_numbers_it_asks_the_others_and_is_audited(g):
    item = raise_item(g, actor=g.tachikawa, wg=g.wgs[1], due_on="2027-06-30")
    assert item.number == 1 and services.item_ref(item) == "TST-0001"
    assert item.raised_by_org.code == TACHIKAWA
    # One position row per party (members and the joining member), none filed yet.
    rows = {p.organization.code: p.stance for p in item.positions.select_related("organization")}
    assert rows == {TACHIKAWA: "", MITAKA: "", HINO: "", KOGANEI: ""}
    assert _audits("consortium.item_created") == 1
    asked = Notification.objects.filter(kind="consortium.position_needed")
    assert set(asked.values_list("recipient__organization__code", flat=True)) == {
        MITAKA,
        HINO,
        KOGANEI,
    }
    second = raise_item(g, title="別の項目")
    assert second.number == 2


def test_bad_item_input_is_refused_field_by_field_and_nothing_is_saved(g):
    with pytest.raises(ValidationFailed) as exc:
        raise_item(
            g,
            title="",
            requirement_class="whatever",
            due_on="31/12/2027",
            cost_impact_yen="たくさん",
            blocking="maybe",
        )
    assert set(exc.value.details) == {
        "title",
        "requirement_class",
        "due_on",
        "cost_impact_yen",
        "blocking",
    }
    assert HarmonisationItem.objects.count() == 0
    assert _audits("consortium.item_created") == 0


def test_a_blocking_item_due_after_the_cut_over_is_refused(g):
    with pytest.raises(ValidationFailed) as exc:
        raise_item(g, blocking=True, due_on=CUT_OVER + dt.timedelta(days=1))
    assert exc.value.code == "blocking_due_after_cut_over"
    assert "2027-11-01" in str(exc.value.message)
    with pytest.raises(ValidationFailed) as exc:
        raise_item(g, blocking=True, due_on="")  # a blocking item needs a due date
    assert exc.value.code == "blocking_due_after_cut_over"
    assert HarmonisationItem.objects.count() == 0
    item = raise_item(g, blocking=True, due_on=CUT_OVER)
    assert item.blocking and item.due_on == CUT_OVER
    # Editing it to a later date is refused too, and leaves it as it was.
    data = {k: getattr(item, k) for k in services.ITEM_FIELDS}
    data["due_on"] = "2027-12-01"
    with pytest.raises(ValidationFailed) as exc:
        services.item_update(actor=g.hino, item=item, data=data, expected_version=item.version)
    assert exc.value.code == "blocking_due_after_cut_over"
    item.refresh_from_db()
    assert item.due_on == CUT_OVER and item.version == 1


def test_the_cut_over_limit_is_checked_again_under_the_group_lock(g, monkeypatch):
    """The secretariat moves the cut-over forward while a member raises a blocking item: the
    check made before the transaction saw the old date, the one under the lock the new one."""
    real = services.cut_over_limit
    calls: list[int] = []

    def stale_then_real(group):
        calls.append(1)
        return None if len(calls) == 1 else real(group)

    monkeypatch.setattr(services, "cut_over_limit", stale_then_real)
    with pytest.raises(ValidationFailed) as exc:
        raise_item(g, blocking=True, due_on=CUT_OVER + dt.timedelta(days=30))
    assert exc.value.code == "blocking_due_after_cut_over"
    assert HarmonisationItem.objects.count() == 0
    item = raise_item(g, title="期限内", blocking=True, due_on=CUT_OVER)
    calls.clear()
    data = {k: getattr(item, k) for k in services.ITEM_FIELDS} | {"due_on": "2027-12-01"}
    with pytest.raises(ValidationFailed):
        services.item_update(actor=g.hino, item=item, data=data, expected_version=item.version)
    item.refresh_from_db()
    assert item.due_on == CUT_OVER


def test_without_a_joining_member_a_blocking_item_has_no_cut_over_limit(db):
    ns = make_group(slug="nj", joining=())
    user = make_user(Role.MUNI_STAFF, HINO)
    item = services.item_create(
        actor=user,
        working_group=ns.wgs[0],
        data={"title": "x", "blocking": True, "due_on": "2030-01-01"},
    )
    assert item.due_on == dt.date(2030, 1, 1)


def test_editing_an_item_is_for_the_lead_the_secretariat_or_the_raiser_with_a_version(g):
    item = raise_item(g, actor=g.tachikawa)  # WG1 is led by 日野市
    data = {k: getattr(item, k) for k in services.ITEM_FIELDS}
    data["title"] = "新しい件名"
    with pytest.raises(PermissionDenied) as exc:
        services.item_update(actor=g.koganei, item=item, data=data, expected_version=1)
    assert exc.value.code == "not_lead"
    updated = services.item_update(actor=g.hino, item=item, data=data, expected_version=1)
    assert updated.title == "新しい件名" and updated.version == 2
    # A colleague who loaded version 1 cannot overwrite it.
    data["title"] = "古い画面から"
    with pytest.raises(Conflict) as stale:
        services.item_update(actor=g.mitaka, item=item, data=data, expected_version=1)
    assert stale.value.code == "stale_version"
    item.refresh_from_db()
    assert item.title == "新しい件名"
    assert _audits("consortium.item_updated") == 1
    # The organisation that raised it may edit too.
    services.item_update(actor=g.tachikawa, item=item, data=data, expected_version=2)


def test_outsiders_cannot_raise_items(g):
    with pytest.raises(NotFound):
        raise_item(g, actor=g.musashino)
    with pytest.raises(PermissionDenied) as exc:
        raise_item(g, actor=g.tokyo)
    assert exc.value.code == "not_a_member"
    with pytest.raises(PermissionDenied):
        raise_item(g, actor=g.auditor)
    assert HarmonisationItem.objects.count() == 0


# --------------------------------------------------------------------------- positions


def test_a_member_files_and_changes_its_own_position(g):
    item = raise_item(g)
    pos = services.position_file(
        actor=g.koganei,
        item=item,
        stance="customise",
        reason="市独自の手当がある",
        current_practice="紙で受付",
    )
    assert pos.organization.code == KOGANEI and pos.stance == "customise" and pos.version == 2
    assert pos.filed_by == g.koganei and pos.current_practice == "紙で受付"
    # Another Koganei user changes it (same organisation); a stale screen is refused.
    colleague = make_user(Role.MUNI_CIO, KOGANEI)
    services.position_file(actor=colleague, item=item, stance="adopt", expected_version=2)
    with pytest.raises(Conflict) as exc:
        services.position_file(
            actor=g.koganei, item=item, stance="keep", reason="x", expected_version=2
        )
    assert exc.value.code == "stale_version"
    pos.refresh_from_db()
    assert pos.stance == "adopt" and pos.current_practice == "紙で受付"
    assert _audits("consortium.position_filed") == 2
    # Re-filing the same position changes nothing and writes nothing.
    services.position_file(actor=colleague, item=item, stance="adopt")
    assert _audits("consortium.position_filed") == 2


def test_a_position_from_a_non_member_is_refused(g):
    item = raise_item(g)
    with pytest.raises(NotFound):  # another municipality does not even see the group
        services.position_file(actor=g.musashino, item=item, stance="adopt")
    with pytest.raises(PermissionDenied) as exc:  # Tokyo sees it but is not a member
        services.position_file(actor=g.tokyo, item=item, stance="adopt")
    assert exc.value.code == "not_a_member"
    with pytest.raises(PermissionDenied):
        services.position_file(actor=g.auditor, item=item, stance="adopt")
    with pytest.raises(NotFound):
        services.position_file(actor=g.expert, item=item, stance="adopt")
    # A member that left the group is a non-member too.
    Membership.objects.filter(group=g.group, organization__code=TACHIKAWA).update(status="left")
    with pytest.raises(NotFound):
        services.position_file(actor=g.tachikawa, item=item, stance="adopt")
    assert not Position.objects.exclude(stance="").exists()
    assert _audits("consortium.position_filed") == 0


def test_keeping_or_customising_needs_a_reason(g):
    item = raise_item(g)
    for stance in ("keep", "customise"):
        with pytest.raises(ValidationFailed) as exc:
            services.position_file(actor=g.hino, item=item, stance=stance, reason="  ")
        assert "reason" in exc.value.details
    with pytest.raises(ValidationFailed) as exc:
        services.position_file(actor=g.hino, item=item, stance="maybe")
    assert "stance" in exc.value.details
    assert not Position.objects.exclude(stance="").exists()


def test_the_lead_is_told_when_the_quorum_is_reached(g):
    item = raise_item(g, actor=g.mitaka)
    services.position_file(actor=g.hino, item=item, stance="adopt")
    services.position_file(actor=g.mitaka, item=item, stance="adopt")
    assert not Notification.objects.filter(kind="consortium.ready_to_decide").exists()
    services.position_file(actor=g.koganei, item=item, stance="adopt")  # joining: not counted
    assert not Notification.objects.filter(kind="consortium.ready_to_decide").exists()
    services.position_file(actor=g.tachikawa, item=item, stance="keep", reason="条例")
    ready = Notification.objects.filter(kind="consortium.ready_to_decide")
    assert set(ready.values_list("recipient__organization__code", flat=True)) == {HINO}


# --------------------------------------------------------------------------- decisions


def test_a_decision_without_a_quorum_of_positions_is_refused(g):
    item = raise_item(g)
    services.position_file(actor=g.hino, item=item, stance="adopt")
    services.position_file(actor=g.koganei, item=item, stance="adopt")
    with pytest.raises(ValidationFailed) as exc:
        services.item_decide(actor=g.hino, item=item, decision="adopt", text="標準に合わせる")
    assert exc.value.code == "no_quorum"
    assert exc.value.details["filed"] == 1 and exc.value.details["required"] == 3
    assert set(exc.value.details["missing"]) == {TACHIKAWA, MITAKA}
    assert "立川市" in str(exc.value.message) and "三鷹市" in str(exc.value.message)
    item.refresh_from_db()
    assert item.status == "open" and item.decision == "" and item.version == 1
    assert _audits("consortium.item_decided") == 0


def test_the_quorum_is_configurable_per_group(g):
    g.group.quorum_percent = 66
    g.group.save()
    item = raise_item(g)
    services.position_file(actor=g.hino, item=item, stance="adopt")
    services.position_file(actor=g.mitaka, item=item, stance="keep", reason="条例で定めている")
    decided = services.item_decide(actor=g.hino, item=item, decision="adopt", text="標準に合わせる")
    assert decided.status == "decided"


def test_only_the_lead_or_the_secretariat_decides(g):
    item = raise_item(g)  # WG1: led by 日野市; 三鷹市 is the secretariat
    all_positions(g, item)
    for outsider in (g.tachikawa, g.koganei):
        with pytest.raises(PermissionDenied) as exc:
            services.item_decide(actor=outsider, item=item, decision="adopt", text="x")
        assert exc.value.code == "not_lead"
    with pytest.raises(PermissionDenied):
        services.item_decide(actor=g.tokyo, item=item, decision="adopt", text="x")
    with pytest.raises(NotFound):
        services.item_decide(actor=g.musashino, item=item, decision="adopt", text="x")
    item.refresh_from_db()
    assert item.status == "open"
    decided = services.item_decide(actor=g.mitaka, item=item, decision="adopt", text="統一する")
    assert decided.decided_org.code == MITAKA


def test_a_decision_records_who_when_and_tells_the_parties(g):
    item = raise_item(g)
    all_positions(g, item)
    decided = services.item_decide(
        actor=g.hino, item=item, decision="adopt", text="標準仕様に合わせる", expected_version=1
    )
    assert decided.status == "decided" and decided.decision == "adopt"
    assert decided.decided_by == g.hino and decided.decided_org.code == HINO
    assert decided.decided_at is not None and decided.version == 2
    entry = AuditEntry.objects.get(action="consortium.item_decided")
    assert entry.summary["after"]["decision"] == "adopt" and entry.organization.code == HINO
    told = Notification.objects.filter(kind="consortium.item_decided")
    assert KOGANEI in set(told.values_list("recipient__organization__code", flat=True))
    with pytest.raises(Conflict) as exc:  # decided once
        services.item_decide(actor=g.hino, item=decided, decision="keep", text="やはり")
    assert exc.value.code == "item_not_open"


def test_a_stale_decision_is_refused(g):
    item = raise_item(g)
    all_positions(g, item)
    data = {k: getattr(item, k) for k in services.ITEM_FIELDS}
    data["title"] = "変更"
    services.item_update(actor=g.hino, item=item, data=data, expected_version=1)
    with pytest.raises(Conflict):
        services.item_decide(
            actor=g.hino, item=item, decision="adopt", text="x", expected_version=1
        )


def test_withdrawing_needs_a_reason(g):
    item = raise_item(g)
    with pytest.raises(ValidationFailed):
        services.item_withdraw(actor=g.hino, item=item, reason="")
    done = services.item_withdraw(actor=g.hino, item=item, reason="法改正で不要になった")
    assert done.status == "withdrawn"
    with pytest.raises(Conflict):
        services.position_file(actor=g.koganei, item=done, stance="adopt")


# --------------------------------------------------------------------------- meetings


def test_a_meeting_puts_open_items_on_the_agenda_and_records_decisions(g):
    a = raise_item(g, title="A")
    b = raise_item(g, title="B")
    other_wg = raise_item(g, title="C", wg=g.wgs[1])
    with pytest.raises(ValidationFailed) as exc:
        services.meeting_create(
            actor=g.hino,
            working_group=g.wgs[0],
            held_on="2026-12-01",
            title="第1回",
            items=[a, other_wg],
        )
    assert exc.value.code == "agenda_item_not_open"
    assert not Meeting.objects.exists()
    with pytest.raises(PermissionDenied):
        services.meeting_create(
            actor=g.tachikawa, working_group=g.wgs[0], held_on="2026-12-01", title="第1回"
        )
    meeting = services.meeting_create(
        actor=g.hino, working_group=g.wgs[0], held_on="2026-12-01", title="第1回", items=[a]
    )
    a.refresh_from_db()
    assert a.status == "discussion"
    assert services.agenda_add(actor=g.hino, meeting=meeting, items=[a, b]) == [b.number]
    assert list(meeting.agenda.values_list("item__title", flat=True)) == ["A", "B"]
    all_positions(g, a, stance="keep")
    with pytest.raises(ValidationFailed) as exc:  # another working group's meeting
        services.item_decide(
            actor=g.tachikawa, item=other_wg, decision="adopt", text="x", meeting=meeting
        )
    services.item_decide(
        actor=g.hino, item=a, decision="keep", text="各市の運用を維持", meeting=meeting
    )
    a.refresh_from_db()
    assert a.decided_in == meeting
    assert AgendaEntry.objects.get(meeting=meeting, item=a).outcome == "各市の運用を維持"
    with pytest.raises(ValidationFailed):
        services.minutes_record(actor=g.hino, meeting=meeting, minutes="  ")
    held = services.minutes_record(
        actor=g.hino, meeting=meeting, minutes="議事録", expected_version=1
    )
    assert held.status == "held" and held.version == 2
    with pytest.raises(Conflict):
        services.minutes_record(actor=g.hino, meeting=meeting, minutes="上書き", expected_version=1)
    assert (
        _audits("consortium.meeting_created") == 1 and _audits("consortium.minutes_recorded") == 1
    )


def test_follow_up_actions_have_an_owner_among_the_parties(g):
    meeting = services.meeting_create(
        actor=g.hino, working_group=g.wgs[0], held_on="2026-12-01", title="第1回"
    )
    with pytest.raises(ValidationFailed) as exc:
        services.action_create(
            actor=g.hino, meeting=meeting, title="", owner=g.orgs["132039"], due_on="x"
        )
    assert set(exc.value.details) == {"title", "due_on", "owner"}
    action = services.action_create(
        actor=g.hino,
        meeting=meeting,
        title="様式を持ち寄る",
        owner=g.orgs[KOGANEI],
        due_on="2026-12-15",
    )
    assert Notification.objects.filter(
        kind="consortium.action_assigned", recipient=g.koganei
    ).exists()
    with pytest.raises(PermissionDenied):  # neither owner nor lead
        services.action_complete(actor=g.tachikawa, action=action)
    done = services.action_complete(actor=g.koganei, action=action)
    assert done.done_at is not None
    with pytest.raises(Conflict):
        services.action_complete(actor=g.hino, action=action)


# --------------------------------------------------------------------------- cut-over


def test_the_cut_over_cannot_move_before_a_blocking_item_due_date(g):
    raise_item(g, blocking=True, due_on="2027-09-30")
    koganei = Membership.objects.get(group=g.group, organization__code=KOGANEI)
    with pytest.raises(PermissionDenied):
        services.membership_set_cut_over(actor=g.hino, membership=koganei, cut_over_on="2027-08-01")
    with pytest.raises(ValidationFailed) as exc:
        services.membership_set_cut_over(
            actor=g.mitaka, membership=koganei, cut_over_on="2027-08-01"
        )
    assert exc.value.code == "blocking_due_after_cut_over" and exc.value.details["items"] == [1]
    koganei.refresh_from_db()
    assert koganei.cut_over_on == CUT_OVER
    moved = services.membership_set_cut_over(
        actor=g.mitaka, membership=koganei, cut_over_on="2028-01-04", expected_version=1
    )
    assert moved.cut_over_on == dt.date(2028, 1, 4)
    member = Membership.objects.get(group=g.group, organization__code=HINO)
    with pytest.raises(ValidationFailed) as exc:
        services.membership_set_cut_over(
            actor=g.mitaka, membership=member, cut_over_on="2028-01-04"
        )
    assert exc.value.code == "not_joining"


# --------------------------------------------------------------------------- checklist


def test_each_member_keeps_its_own_checklist(g):
    area = BusinessArea.objects.get(code="n01-juki")
    n = services.progress_set(
        actor=g.koganei, group=g.group, area=area, steps={1: "done", 2: "doing", 3: "todo"}
    )
    assert n == 2
    assert StepProgress.objects.filter(organization__code=KOGANEI).count() == 2
    assert services.progress_set(actor=g.koganei, group=g.group, area=area, steps={1: "done"}) == 0
    assert services.progress_set(actor=g.koganei, group=g.group, area=area, steps={2: "done"}) == 1
    with pytest.raises(ValidationFailed):
        services.progress_set(actor=g.koganei, group=g.group, area=area, steps={41: "done"})
    with pytest.raises(ValidationFailed):
        services.progress_set(actor=g.koganei, group=g.group, area=area, steps={4: "finished"})
    with pytest.raises(NotFound):  # not an area of the group
        services.progress_set(
            actor=g.koganei,
            group=g.group,
            area=BusinessArea.objects.get(code="n12-seiho"),
            steps={1: "done"},
        )
    with pytest.raises(NotFound):
        services.progress_set(actor=g.musashino, group=g.group, area=area, steps={1: "done"})
    assert _audits("consortium.progress_set") == 2


# --------------------------------------------------------------------------- reminders


def test_daily_reminders_for_blocking_items_and_actions_once_a_day(g):
    today = dt.date(2027, 9, 20)
    item = raise_item(g, blocking=True, due_on="2027-09-30")
    services.position_file(actor=g.hino, item=item, stance="adopt")
    meeting = services.meeting_create(
        actor=g.hino, working_group=g.wgs[0], held_on="2027-09-01", title="第1回"
    )
    services.action_create(
        actor=g.hino, meeting=meeting, title="見積り", owner=g.orgs[TACHIKAWA], due_on="2027-09-21"
    )
    Notification.objects.all().delete()
    assert services.consortium_reminders(today=today) == {"items": 1, "actions": 1}
    due = Notification.objects.filter(kind="consortium.blocking_due")
    # The parties without a position and the lead (日野市, who has filed) are reminded.
    assert set(due.values_list("recipient__organization__code", flat=True)) == {
        HINO,
        MITAKA,
        TACHIKAWA,
        KOGANEI,
    }
    assert services.consortium_reminders(today=today) == {"items": 0, "actions": 0}
    assert services.consortium_reminders(today=today + dt.timedelta(days=1))["items"] == 1


# --------------------------------------------------------------------------- concurrency


def _run(workers: list) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(workers))

    def wrap(fn) -> None:
        try:
            barrier.wait()
            fn()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=wrap, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_writes_keep_numbers_unique_and_one_decision():
    ns = make_group(slug="conc")
    users = {code: make_user(Role.MUNI_STAFF, code) for code in (HINO, MITAKA, TACHIKAWA, KOGANEI)}
    errors = _run(
        [
            (
                lambda u=u, k=k: services.item_create(
                    actor=u, working_group=ns.wgs[0], data={"title": f"{u.pk}-{k}"}
                )
            )
            for u in users.values()
            for k in range(2)
        ]
    )
    assert not errors, errors
    numbers = list(HarmonisationItem.objects.values_list("number", flat=True))
    assert sorted(numbers) == list(range(1, 9))
    item = HarmonisationItem.objects.get(number=1)
    # Several people of the same organisation file at once: one position row per organisation.
    colleagues = [make_user(Role.MUNI_STAFF, KOGANEI) for _ in range(3)]
    errors = _run(
        [
            (lambda c=c: services.position_file(actor=c, item=item, stance="adopt"))
            for c in colleagues
        ]
    )
    assert not errors, errors
    assert Position.objects.filter(item=item, organization__code=KOGANEI).count() == 1
    for code in (HINO, MITAKA, TACHIKAWA):
        services.position_file(actor=users[code], item=item, stance="adopt")
    # The lead and the secretariat decide at the same moment: exactly one decision.
    errors = _run(
        [
            lambda: services.item_decide(actor=users[HINO], item=item, decision="adopt", text="a"),
            lambda: services.item_decide(actor=users[MITAKA], item=item, decision="keep", text="b"),
        ]
    )
    assert len(errors) == 1 and isinstance(errors[0], DomainError)
    assert errors[0].code == "item_not_open"
    assert AuditEntry.objects.filter(action="consortium.item_decided").count() == 1
    assert FollowUpAction.objects.count() == 0
