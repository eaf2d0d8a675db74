"""Reads of notifications: only ever the actor's own."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from tsunagu.accounts.models import User
from tsunagu.core.errors import PermissionDenied

from .kinds import KINDS, Kind
from .models import Notification, NotificationPreference


def recipient_list(
    *,
    organization_ids: Iterable[int] | None = None,
    roles: Iterable[str] = (),
    exclude_id: int | None = None,
) -> list[User]:
    """Active users to notify: of these organisations (any, when None) holding these roles
    (any, when empty), leaving out ``exclude_id`` (usually the actor). Not actor-scoped: the
    caller decides who should hear of its own change."""
    qs = User.objects.filter(is_active=True)
    if organization_ids is not None:
        qs = qs.filter(organization_id__in=list(organization_ids))
    role_list = [str(r) for r in roles]
    if role_list:
        qs = qs.filter(role__in=role_list)
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return list(qs)


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
