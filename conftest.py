"""Fixtures shared by every test package."""

from __future__ import annotations

import pytest
from django.test import Client

from tsunagu.core.roles import Role
from tsunagu.core.tests.factories import PASSWORD, make_user

MUSASHINO = "132039"
TACHIKAWA = "132021"
KOGANEI = "132101"
TOKYO = "130001"


@pytest.fixture
def musashino_staff(db):
    return make_user(Role.MUNI_STAFF, MUSASHINO)


@pytest.fixture
def musashino_cio(db):
    return make_user(Role.MUNI_CIO, MUSASHINO)


@pytest.fixture
def tachikawa_staff(db):
    return make_user(Role.MUNI_STAFF, TACHIKAWA)


@pytest.fixture
def tachikawa_cio(db):
    return make_user(Role.MUNI_CIO, TACHIKAWA)


@pytest.fixture
def tokyo_admin(db):
    return make_user(Role.TOKYO_ADMIN, TOKYO)


@pytest.fixture
def auditor(db):
    return make_user(Role.AUDITOR, TOKYO)


@pytest.fixture
def password():
    return PASSWORD


def logged_in(user) -> Client:
    """A client with a session for ``user`` (MFA considered done)."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def client_for():
    return logged_in


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Counters (MFA attempts) live in the cache; tests must not see each other's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
