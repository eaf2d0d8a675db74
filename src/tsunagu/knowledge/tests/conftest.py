"""Forum fixtures: users of a few municipalities and of 都, and a project factory that goes
through the real service."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tsunagu.core.roles import Role
from tsunagu.core.tests.factories import make_user
from tsunagu.knowledge import services
from tsunagu.knowledge.models import Project

TOKYO = "130001"
KOGANEI = "132101"
MUSASHINO = "132039"
TACHIKAWA = "132021"
MITAKA = "132047"


@pytest.fixture
def koganei_staff(db):
    return make_user(Role.MUNI_STAFF, KOGANEI)


@pytest.fixture
def mitaka_staff(db):
    return make_user(Role.MUNI_STAFF, MITAKA)


@pytest.fixture
def manager(db):
    return make_user(Role.TOKYO_COORDINATOR, TOKYO)


@pytest.fixture
def expert(db):
    return make_user(Role.EXPERT, TOKYO)


def project_data(**kw: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "庁内ネットワーク更新",
        "topic": "network_renewal",
        "stage": "planned",
        "start": "2027-04",
        "end": "2027-10",
        "scale": 1000,
        "network_model": "alpha",
        "network_model_after": "beta_prime",
        "cost_band": "100m_500m",
        "visibility": "all",
    }
    data.update(kw)
    return data


def make_project(actor, *, welcomes: bool = True, **kw: Any) -> Project:
    documents = kw.pop("documents", ())
    data = project_data(**kw)
    if welcomes:
        data.setdefault("welcomes_contact", True)
        data.setdefault("contact", actor.pk)
    return services.project_create(actor=actor, data=data, documents=documents)


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)
