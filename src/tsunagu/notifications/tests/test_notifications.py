from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import call_command

from tsunagu.core.errors import NotFound
from tsunagu.notifications.models import Notification
from tsunagu.notifications.selectors import notification_list, notification_unread_count
from tsunagu.notifications.services import (
    notification_mark_read,
    notification_preferences_set,
    notification_send,
)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_in_app_and_email_in_the_recipients_language(musashino_staff, tachikawa_staff):
    tachikawa_staff.language = "en"
    tachikawa_staff.save()
    notification_send(
        recipients=[musashino_staff, tachikawa_staff],
        kind="security.api_token",
        params={"name": "集計スクリプト"},
    )
    ja = Notification.objects.get(recipient=musashino_staff)
    en = Notification.objects.get(recipient=tachikawa_staff)
    assert ja.title == "APIトークンが発行されました"
    assert en.title == "An API token was issued"
    assert "集計スクリプト" in ja.body
    call_command("worker", "--batch", "--no-scheduler", "--interval", "0")
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [musashino_staff.email, tachikawa_staff.email]
    )
    assert all(n.emailed_at for n in Notification.objects.all())


@pytest.mark.django_db
def test_preferences_switch_channels_but_not_mandatory_kinds(musashino_staff):
    notification_preferences_set(
        actor=musashino_staff,
        prefs={
            "security.api_token": {"in_app": False, "email": False},
            "security.mfa_changed": {"in_app": False, "email": False},
        },
    )
    assert (
        notification_send(
            recipients=[musashino_staff], kind="security.api_token", params={"name": "x"}
        )
        == []
    )
    sent = notification_send(
        recipients=[musashino_staff], kind="security.mfa_changed", params={"change": "x"}
    )
    assert len(sent) == 1  # security notices cannot be switched off


@pytest.mark.django_db
def test_users_see_and_mark_only_their_own(musashino_staff, tachikawa_staff):
    [mine] = notification_send(
        recipients=[musashino_staff], kind="security.api_token", params={"name": "x"}
    )
    assert notification_unread_count(actor=musashino_staff) == 1
    assert not notification_list(actor=tachikawa_staff).exists()
    with pytest.raises(NotFound):
        notification_mark_read(actor=tachikawa_staff, notification_id=mine.pk)
    assert notification_unread_count(actor=musashino_staff) == 1
    assert notification_mark_read(actor=musashino_staff, notification_id=mine.pk) == 1
    assert notification_unread_count(actor=musashino_staff) == 0


@pytest.mark.django_db
def test_the_notification_centre_marks_read_with_htmx(musashino_staff, client_for):
    [n] = notification_send(
        recipients=[musashino_staff], kind="security.api_token", params={"name": "x"}
    )
    client = client_for(musashino_staff)
    page = client.get("/notifications/")
    assert n.title in page.content.decode()
    res = client.post(f"/notifications/{n.pk}/read/", HTTP_HX_REQUEST="true")
    assert res.status_code == 200 and "notification--unread" not in res.content.decode()
    n.refresh_from_db()
    assert n.read_at is not None
