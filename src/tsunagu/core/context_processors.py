"""What every page's shell (header, navigation) needs."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .permissions import can
from .roles import Cap


def navigation(user: Any) -> list[dict[str, Any]]:
    """The side navigation for a user's role: only what the role can use."""
    items: list[dict[str, Any]] = [
        {"url": "/", "label": _("Dashboard"), "icon": "home"},
        {
            "url": f"/organizations/{user.organization.code}/",
            "label": _("My organisation"),
            "icon": "building",
        },
        {"url": "/organizations/", "label": _("Organisations"), "icon": "list"},
    ]
    if can(user, Cap.GATEWAY_VIEW_OWN) or can(user, Cap.GATEWAY_VIEW_ANY):
        items.append({"url": "/gateway/", "label": _("Security cloud gateway"), "icon": "shield"})
    if can(user, Cap.NETWORK_VIEW_OWN) or can(user, Cap.NETWORK_VIEW_ANY):
        items.append({"url": "/network/", "label": _("Network and compliance"), "icon": "list"})
    if (
        can(user, Cap.TALENT_REQUEST_OWN)
        or can(user, Cap.TALENT_VIEW_ANY)
        or can(user, Cap.TALENT_EXPERT)
    ):
        items.append({"url": "/talent/", "label": _("Shared experts"), "icon": "list"})
    if can(user, Cap.VOICES_FILE_OWN) or can(user, Cap.VOICES_VIEW_ANY):
        items.append({"url": "/voices/", "label": _("Voices to Tokyo"), "icon": "list"})
    if can(user, Cap.FORUM_READ):
        items.append({"url": "/forum/", "label": _("Forum and peers"), "icon": "list"})
    if can(user, Cap.CONSORTIUM_TAKE_PART) or can(user, Cap.CONSORTIUM_VIEW_ANY):
        items.append({"url": "/consortium/", "label": _("Joint-use cloud"), "icon": "list"})
    if can(user, Cap.AUDIT_VIEW_OWN) or can(user, Cap.AUDIT_VIEW_ANY):
        items.append({"url": "/audit/", "label": _("Audit trail"), "icon": "shield"})
    items += [
        {"url": "/jobs/", "label": _("Background jobs"), "icon": "clock"},
        {"url": "/notifications/", "label": _("Notifications"), "icon": "bell"},
        {"url": "/accounts/security/", "label": _("Sign-in security"), "icon": "key"},
        {"url": "/accounts/tokens/", "label": _("API tokens"), "icon": "code"},
        {"url": "/api/v1/docs", "label": _("API documentation"), "icon": "book"},
    ]
    return items


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "unread_count": 0}
    from tsunagu.notifications.selectors import notification_unread_count

    path = request.path
    items = navigation(user)
    for item in items:
        url = item["url"]
        item["current"] = path == url if url == "/" else path.startswith(url)
    # The most specific match wins (e.g. "My organisation" over "Organisations").
    current = [i for i in items if i["current"]]
    if len(current) > 1:
        best = max(current, key=lambda i: len(i["url"]))
        for i in current:
            i["current"] = i is best
    return {"nav_items": items, "unread_count": notification_unread_count(actor=user)}
