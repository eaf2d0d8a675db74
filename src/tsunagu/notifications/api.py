"""API: my notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from tsunagu.core.api_support import ERRORS, Pages, api_actor, api_writer

from . import selectors, services

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    created_at: datetime
    read_at: datetime | None


class ReadOut(Schema):
    marked: int


@router.get("", response={200: list[NotificationOut], **ERRORS}, summary="My notifications")
@paginate(Pages)
def notification_list_api(request: HttpRequest, unread: bool = False) -> Any:
    return selectors.notification_list(actor=api_actor(request), unread_only=unread)


@router.post(
    "/{notification_id}/read", response={200: ReadOut, **ERRORS}, summary="Mark one as read"
)
def notification_read_api(request: HttpRequest, notification_id: int) -> dict[str, int]:
    return {
        "marked": services.notification_mark_read(
            actor=api_writer(request), notification_id=notification_id
        )
    }
