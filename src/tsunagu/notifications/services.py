"""Sending notifications (in-app and e-mail) and changing preferences."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from tsunagu.accounts.models import User
from tsunagu.core.audit import audit_record
from tsunagu.core.errors import NotFound, ValidationFailed

from .kinds import KINDS, Kind
from .models import Notification, NotificationPreference


def _channels(
    user: User, kind: Kind, prefs: Mapping[tuple[int, str], NotificationPreference]
) -> tuple[bool, bool]:
    if kind.mandatory:
        return True, bool(user.email)
    pref = prefs.get((user.pk, kind.key))
    in_app = pref.in_app if pref else kind.in_app
    email = (pref.email if pref else kind.email) and bool(user.email)
    return in_app, email


def notification_send(
    *,
    recipients: Iterable[User],
    kind: str,
    params: Mapping[str, Any] | None = None,
    url: str = "",
    actor: User | None = None,
) -> list[Notification]:
    """Notify users in their own language, through the channels each has chosen.

    E-mail is sent by a background task after the transaction commits.
    """
    spec = KINDS.get(kind)
    if spec is None:
        raise ValidationFailed(code="unknown_notification_kind", details={"kind": kind})
    users = [u for u in recipients if u.is_active]
    if not users:
        return []
    prefs = {
        (p.user_id, p.kind): p
        for p in NotificationPreference.objects.filter(user__in=users, kind=kind)
    }
    created: list[Notification] = []
    to_email: list[int] = []
    with transaction.atomic():
        for user in users:
            in_app, email = _channels(user, spec, prefs)
            if not in_app and not email:
                continue
            with translation.override(user.language):
                title = str(spec.title) % dict(params or {}) if params else str(spec.title)
                body = str(spec.body) % dict(params or {}) if params else str(spec.body)
            n = Notification.objects.create(
                recipient=user,
                kind=kind,
                title=title[:200],
                body=body,
                url=url,
                # An e-mail-only notification is created already read, so the bell stays quiet.
                read_at=None if in_app else timezone.now(),
            )
            created.append(n)
            if email:
                to_email.append(n.pk)
        audit_record(
            actor=actor,
            action="notification.sent",
            organization=actor.organization_id if actor else None,
            object_type="notifications.notification",
            extra={"kind": kind, "recipients": len(created), "emails": len(to_email)},
        )
        if to_email:
            from .tasks import send_notification_emails

            ids = list(to_email)
            transaction.on_commit(
                lambda: send_notification_emails.using(queue_name="mail").enqueue(
                    notification_ids=ids
                )
            )
    return created


def notify_role(
    *, role: str, kind: str, params: Mapping[str, Any], url: str = ""
) -> list[Notification]:
    from .selectors import recipient_list

    return notification_send(
        recipients=recipient_list(roles=[role]), kind=kind, params=params, url=url
    )


def notification_mark_read(*, actor: User, notification_id: int | None = None) -> int:
    """Mark one (or, with no id, all) of the actor's own notifications as read."""
    with transaction.atomic():
        qs = Notification.objects.filter(recipient=actor, read_at__isnull=True)
        if notification_id is not None:
            if not Notification.objects.filter(recipient=actor, pk=notification_id).exists():
                raise NotFound()
            qs = qs.filter(pk=notification_id)
        count = qs.update(read_at=timezone.now())
        if count:
            audit_record(
                actor=actor,
                action="notification.read",
                organization=actor.organization_id,
                object_type="notifications.notification",
                object_id=str(notification_id or "all"),
                extra={"count": count},
            )
    return count


def notification_preferences_set(*, actor: User, prefs: Mapping[str, Mapping[str, bool]]) -> None:
    """Set the actor's channels per kind: ``{kind: {"in_app": bool, "email": bool}}``."""
    unknown = [k for k in prefs if k not in KINDS]
    if unknown:
        raise ValidationFailed(
            _("Unknown notification kind."), details={"kinds": ", ".join(unknown)}
        )
    with transaction.atomic():
        changed: dict[str, Any] = {}
        for key, chans in prefs.items():
            if KINDS[key].mandatory:
                continue
            obj, _created = NotificationPreference.objects.get_or_create(
                user=actor,
                kind=key,
                defaults={"in_app": KINDS[key].in_app, "email": KINDS[key].email},
            )
            new_in_app = bool(chans.get("in_app", obj.in_app))
            new_email = bool(chans.get("email", obj.email))
            if (obj.in_app, obj.email) != (new_in_app, new_email):
                obj.in_app, obj.email = new_in_app, new_email
                obj.save(update_fields=["in_app", "email"])
                changed[key] = {"in_app": new_in_app, "email": new_email}
        if changed:
            audit_record(
                actor=actor,
                action="notification.preferences_changed",
                organization=actor.organization_id,
                obj=actor,
                after=changed,
            )
