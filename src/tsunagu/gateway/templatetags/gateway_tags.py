"""Template helpers of the gateway pages."""

from __future__ import annotations

from typing import Any

from django import template

from tsunagu.core.permissions import can
from tsunagu.core.roles import Cap

register = template.Library()


@register.simple_tag(takes_context=True)
def gateway_can(context: dict[str, Any], capability: str) -> bool:
    """Whether the signed-in user holds ``capability`` (e.g. ``"gateway.review"``)."""
    user = context.get("user")
    return bool(user is not None and user.is_authenticated and can(user, Cap(capability)))
