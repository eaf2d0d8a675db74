"""Who may do what: the single place that turns a role into decisions."""

from __future__ import annotations

from typing import Any, Protocol

from .errors import PermissionDenied
from .roles import ROLE_CAPS, TOKYO_ROLES, Cap, Role


class Actor(Protocol):
    """The part of a user that authorisation needs (``accounts.User`` satisfies it)."""

    @property
    def pk(self) -> Any: ...

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def organization_id(self) -> int: ...

    @property
    def role(self) -> str: ...


def caps_of(actor: Actor) -> frozenset[Cap]:
    if not actor.is_authenticated:
        return frozenset()
    return ROLE_CAPS.get(actor.role, frozenset())


def can(actor: Actor, cap: Cap) -> bool:
    return cap in caps_of(actor)


def require(actor: Actor, cap: Cap) -> None:
    """Raise :class:`PermissionDenied` unless the actor holds ``cap``."""
    if not can(actor, cap):
        raise PermissionDenied()


def require_write(actor: Actor) -> None:
    """Any change to shared or tenant data; auditors and anonymous users are refused."""
    require(actor, Cap.WRITE)


def is_tokyo(actor: Actor) -> bool:
    return actor.is_authenticated and actor.role in TOKYO_ROLES


def is_auditor(actor: Actor) -> bool:
    return actor.is_authenticated and actor.role == Role.AUDITOR
