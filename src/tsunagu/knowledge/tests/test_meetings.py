"""Meetings: recording (都 managers only), bad input, the agenda linked to voices (the next
forum meeting, no duplicates, voices pulled onto a new meeting, hidden titles), follow-up
actions with owners, due dates and the overdue marker."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tsunagu.core.errors import Conflict, PermissionDenied, ValidationFailed
from tsunagu.core.models import AuditEntry
from tsunagu.knowledge import selectors, services
from tsunagu.knowledge.models import AgendaItem, FollowUpAction, Meeting
from tsunagu.notifications.models import Notification
from tsunagu.search.models import SearchDocument
from tsunagu.voices import services as voice_services
from tsunagu.voices.models import Category, Voice

from .conftest import MUSASHINO

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def meeting(manager, **kw):
    data = {
        "kind": "cio_forum",
        "title": "CIOフォーラム定例会",
        "date": TODAY + dt.timedelta(days=42),
        "status": "scheduled",
    }
    data.update(kw.pop("data", {}))
    return services.meeting_create(actor=manager, data=data, **kw)


def voice(actor, *, visibility="all", title="セキュリティクラウドの変更手続を簡素化してほしい"):
    category = Category.objects.get(key="security-cloud")
    return voice_services.voice_file(
        actor=actor,
        category=category,
        title=title,
        body="許可リストの変更に数か月かかる。手続を簡素化してほしい。",
        visibility=visibility,
    )


def test_a_manager_records_a_meeting_with_participants_and_agenda(manager):
    m = meeting(
        manager,
        participants=[
            {"name": "宮坂 学", "title": "都CIO", "organization": "東京都"},
            {"name": "笹井 肇", "title": "武蔵野市CIO", "organization": MUSASHINO},
        ],
        agenda=["人材の確保", "", "ネットワーク"],
    )
    assert [p.name for p in m.participants.all()] == ["宮坂 学", "笹井 肇"]
    assert {o.code for o in m.organizations.all()} == {"130001", MUSASHINO}
    assert list(m.agenda.values_list("title", flat=True)) == ["人材の確保", "ネットワーク"]
    assert AuditEntry.objects.filter(action="forum.meeting_created").exists()
    assert SearchDocument.objects.filter(kind="meeting", object_id=str(m.pk)).exists()


def test_only_managers_record_meetings(musashino_cio, auditor, koganei_staff):
    for actor in (musashino_cio, auditor, koganei_staff):
        with pytest.raises(PermissionDenied):
            meeting(actor)
    assert not Meeting.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"kind": "party"}, "kind"),
        ({"date": "2026-02-30"}, "date"),
        ({"date": ""}, "date"),
        ({"status": "held"}, "status"),  # a meeting in the future cannot be held
        ({"number": "0"}, "number"),
        ({"source_url": "javascript:alert(1)"}, "source_url"),
        ({"source_url": "http://example.jp/"}, "source_url"),
        ({"summary": "あ" * 8001}, "summary"),
    ],
)
def test_bad_meeting_input_changes_nothing(manager, change, field):
    with pytest.raises(ValidationFailed) as exc:
        meeting(manager, data=change)
    assert field in exc.value.details
    assert not Meeting.objects.exists()


def test_unknown_participant_organisation_is_refused(manager):
    with pytest.raises(ValidationFailed) as exc:
        meeting(manager, participants=[{"name": "誰か", "organization": "どこか市"}])
    assert "participants" in exc.value.details


def test_meeting_update_with_optimistic_locking(manager):
    m = meeting(manager)
    data = {"kind": "cio_forum", "title": "改名", "date": m.date, "status": "scheduled"}
    m = services.meeting_update(actor=manager, meeting=m, data=data, version=1)
    assert m.title == "改名" and m.version == 2
    with pytest.raises(Conflict) as exc:
        services.meeting_update(actor=manager, meeting=m, data=data | {"title": "古い"}, version=1)
    assert exc.value.code == "stale_version"


# --------------------------------------------------------------------------- voices on the agenda


def test_add_voice_goes_to_the_next_scheduled_forum_meeting_once(manager, tachikawa_staff):
    later = meeting(manager, data={"date": TODAY + dt.timedelta(days=90), "title": "後"})
    nxt = meeting(manager, data={"date": TODAY, "title": "次"})
    meeting(manager, data={"kind": "roundtable", "date": TODAY + dt.timedelta(days=1)})
    meeting(manager, data={"date": TODAY - dt.timedelta(days=5), "status": "held"})
    v = voice(tachikawa_staff)
    item = services.forum_agenda_add_voice(voice=v)
    assert item is not None and item.meeting == nxt and item.voice == v
    assert services.forum_agenda_add_voice(voice=v) == item
    assert AgendaItem.objects.filter(voice=v).count() == 1
    assert later.agenda.count() == 0


def test_add_voice_returns_none_when_no_forum_meeting_is_scheduled(manager, tachikawa_staff):
    meeting(manager, data={"date": TODAY - dt.timedelta(days=1), "status": "held"})
    assert services.forum_agenda_add_voice(voice=voice(tachikawa_staff)) is None
    assert not AgendaItem.objects.filter(voice__isnull=False).exists()


def test_a_new_forum_meeting_pulls_waiting_voices(manager, tachikawa_staff, musashino_staff):
    waiting = voice(tachikawa_staff)
    on_agenda = voice(musashino_staff, title="既に議題の要望")
    not_reached = voice(musashino_staff, title="まだ閾値に届かない")
    finished = voice(musashino_staff, title="回答済みで終了した要望")
    Voice.objects.filter(pk__in=[waiting.pk, on_agenda.pk, finished.pk]).update(
        agenda_at=timezone.now()
    )
    Voice.objects.filter(pk=finished.pk).update(status="closed")
    old = meeting(manager, data={"date": TODAY - dt.timedelta(days=30), "status": "held"})
    AgendaItem.objects.create(meeting=old, title="x", voice=on_agenda)
    roundtable = meeting(manager, data={"kind": "roundtable"})
    assert not roundtable.agenda.exists()  # only CIO-forum meetings take voices
    m = meeting(manager, agenda=["定例報告"])
    assert list(m.agenda.values_list("title", "voice_id")) == [
        ("定例報告", None),
        (waiting.title, waiting.pk),
    ]
    assert not_reached.agenda_items.count() == 0
    assert finished.agenda_items.count() == 0


def test_cosigning_to_the_threshold_puts_the_voice_on_the_agenda(manager, tachikawa_staff):
    """The voices app's own path: the threshold calls forum_agenda_add_voice."""
    from tsunagu.core.roles import Role
    from tsunagu.core.tests.factories import make_user

    m = meeting(manager)
    v = voice(tachikawa_staff)
    Category.objects.filter(pk=v.category_id).update(agenda_threshold=2)
    v.refresh_from_db()
    for code in ("132039", "132047"):
        voice_services.voice_cosign(actor=make_user(Role.MUNI_STAFF, code), voice=v)
    assert AgendaItem.objects.filter(meeting=m, voice=v).exists()


def test_agenda_hides_voices_the_viewer_may_not_see(manager, tachikawa_staff, musashino_staff):
    m = meeting(manager)
    secret = voice(tachikawa_staff, visibility="tokyo", title="都だけに伝えたい要望")
    public = voice(tachikawa_staff, title="みんなに見える要望")
    services.agenda_item_add(actor=manager, meeting=m, title="", voice=secret, notes="内部メモ")
    services.agenda_item_add(actor=manager, meeting=m, title="", voice=public)
    rows = selectors.agenda_of(actor=musashino_staff, meeting=m)
    assert [(r.voice_visible, r.title, r.notes) for r in rows] == [
        (False, "", ""),
        (True, "みんなに見える要望", ""),
    ]
    own = selectors.agenda_of(actor=tachikawa_staff, meeting=m)
    assert [r.voice_visible for r in own] == [True, True]
    assert [r.voice_visible for r in selectors.agenda_of(actor=manager, meeting=m)] == [True, True]
    # The meeting's search document never carries a voice's title.
    doc = SearchDocument.objects.get(kind="meeting", object_id=str(m.pk))
    assert "都だけに伝えたい要望" not in doc.body and "内部メモ" not in doc.body


def test_the_same_voice_twice_on_one_agenda_is_refused(manager, tachikawa_staff):
    m = meeting(manager)
    v = voice(tachikawa_staff)
    services.agenda_item_add(actor=manager, meeting=m, title="", voice=v)
    with pytest.raises(Conflict) as exc:
        services.agenda_item_add(actor=manager, meeting=m, title="再", voice=v)
    assert exc.value.code == "agenda_duplicate"
    assert m.agenda.count() == 1


def test_agenda_items_are_edited_and_removed_by_managers_only(manager, musashino_cio):
    m = meeting(manager, agenda=["議題A"])
    item = m.agenda.get()
    with pytest.raises(PermissionDenied):
        services.agenda_item_update(actor=musashino_cio, item=item, title="x")
    with pytest.raises(ValidationFailed):
        services.agenda_item_update(actor=manager, item=item, title="")
    services.agenda_item_update(actor=manager, item=item, title="議題A", notes="合意した")
    assert AgendaItem.objects.get(pk=item.pk).notes == "合意した"
    with pytest.raises(PermissionDenied):
        services.agenda_item_remove(actor=musashino_cio, item=item)
    services.agenda_item_remove(actor=manager, item=item)
    assert not m.agenda.exists()


# --------------------------------------------------------------------------- follow-up actions


def test_follow_ups_have_owners_due_dates_and_an_overdue_marker(
    manager, musashino_staff, tachikawa_staff
):
    m = meeting(manager, data={"date": TODAY - dt.timedelta(days=60), "status": "held"})
    late = services.follow_up_add(
        actor=manager,
        meeting=m,
        data={
            "title": "事例集を作る",
            "owner_organization": MUSASHINO,
            "owner_person": "情報政策課",
            "due": TODAY - dt.timedelta(days=1),
        },
    )
    services.follow_up_add(
        actor=manager,
        meeting=m,
        data={"title": "報告", "owner_organization": "130001", "due": TODAY + dt.timedelta(days=9)},
    )
    assert Notification.objects.filter(
        recipient=musashino_staff, kind="forum.follow_up_assigned"
    ).exists()
    rows = selectors.follow_ups_of(actor=musashino_staff, meeting=m)
    assert [(r.action.title, r.overdue, r.can_update) for r in rows] == [
        ("事例集を作る", True, True),
        ("報告", False, False),
    ]
    with pytest.raises(PermissionDenied):
        services.follow_up_set_status(actor=tachikawa_staff, action=late, status="done")
    with pytest.raises(ValidationFailed):
        services.follow_up_set_status(actor=musashino_staff, action=late, status="finished")
    done = services.follow_up_set_status(actor=musashino_staff, action=late, status="done")
    assert done.status == "done" and done.done_at is not None
    assert not selectors.follow_ups_of(actor=musashino_staff, meeting=m)[0].overdue
    assert [r.action.title for r in selectors.follow_up_list(actor=musashino_staff)] == ["報告"]
    reopened = services.follow_up_set_status(actor=manager, action=late, status="open")
    assert reopened.done_at is None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": "", "owner_organization": MUSASHINO, "due": "2027-01-01"}, "title"),
        ({"title": "x", "owner_organization": "999999", "due": "2027-01-01"}, "owner_organization"),
        ({"title": "x", "owner_organization": MUSASHINO, "due": "someday"}, "due"),
    ],
)
def test_bad_follow_up_input_changes_nothing(manager, data, field):
    m = meeting(manager)
    with pytest.raises(ValidationFailed) as exc:
        services.follow_up_add(actor=manager, meeting=m, data=data)
    assert field in exc.value.details
    assert not FollowUpAction.objects.exists()
