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


def _user_fixture(role: str, code: str):
    @pytest.fixture
    def fixture(db):
        return make_user(role, code)

    return fixture


musashino_staff = _user_fixture(Role.MUNI_STAFF, MUSASHINO)
musashino_cio = _user_fixture(Role.MUNI_CIO, MUSASHINO)
tachikawa_staff = _user_fixture(Role.MUNI_STAFF, TACHIKAWA)
tachikawa_cio = _user_fixture(Role.MUNI_CIO, TACHIKAWA)
tokyo_admin = _user_fixture(Role.TOKYO_ADMIN, TOKYO)
auditor = _user_fixture(Role.AUDITOR, TOKYO)


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
