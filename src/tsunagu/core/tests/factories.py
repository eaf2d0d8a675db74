"""Test factories: real rows through the real models (organisations come from the migration)."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth.hashers import make_password

from tsunagu.accounts.models import User
from tsunagu.core.models import Organization
from tsunagu.core.roles import Role

PASSWORD = "correct horse battery staple 2026"
_HASH: dict[str, str] = {}


def org(code: str) -> Organization:
    return Organization.objects.get(code=code)


def _password_hash() -> str:
    # Hashed once per process with the configured (fast, in tests) hasher.
    if "h" not in _HASH:
        _HASH["h"] = make_password(PASSWORD)
    return _HASH["h"]


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.jp")
    organization = factory.LazyFunction(lambda: org("132039"))  # 武蔵野市
    role = Role.MUNI_STAFF
    display_name = factory.Sequence(lambda n: f"職員 {n}")
    password = factory.LazyFunction(_password_hash)


def make_user(role: str = Role.MUNI_STAFF, code: str = "132039", **kw: Any) -> User:
    return UserFactory(role=role, organization=org(code), **kw)
