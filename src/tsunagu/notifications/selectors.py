"""Reads of notifications: only ever the actor's own."""

from __future__ import annotations

from django.db.models import QuerySet

from tsunagu.accounts.models import User
from tsunagu.core.errors import PermissionDenied

from .kinds import KINDS, Kind
from .models import Notification, NotificationPreference


def notification_list(*, actor: User, unread_only: bool = False) -> QuerySet[Notification]:
    if not actor.is_authenticated:
        raise PermissionDenied()
    qs = Notification.objects.filter(recipient=actor)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs


def notification_unread_count(*, actor: User) -> int:
    return notification_list(actor=actor, unread_only=True).count()


def notification_preferences(*, actor: User) -> list[tuple[Kind, bool, bool]]:
    stored = {p.kind: p for p in NotificationPreference.objects.filter(user=actor)}
    rows = []
    for kind in KINDS.values():
        p = stored.get(kind.key)
        rows.append((kind, p.in_app if p else kind.in_app, p.email if p else kind.email))
    return rows
