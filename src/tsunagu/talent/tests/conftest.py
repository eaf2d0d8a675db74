"""Talent fixtures: a small hand-made pool with expert accounts, a coordinator, DX leaders."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tsunagu.core.models import Organization
from tsunagu.core.roles import Role
from tsunagu.core.tests.factories import make_user
from tsunagu.talent.models import DxLeader, Expert, ExpertSkill

TOKYO = "130001"
KOGANEI = "132101"
MUSASHINO = "132039"


def make_expert(name: str, skills: dict[str, int], **kw) -> Expert:
    user = make_user(Role.EXPERT, TOKYO)
    expert = Expert.objects.create(
        user=user,
        name=name,
        area=kw.pop("area", "23ku"),
        capacity=kw.pop("capacity", 4),
        max_orgs=kw.pop("max_orgs", 4),
        created_at=timezone.now(),
        **kw,
    )
    for s, lvl in skills.items():
        ExpertSkill.objects.create(expert=expert, skill=s, level=lvl)
    return expert


@pytest.fixture
def pool(db):
    return {
        "bpr": make_expert("小林 真理", {"bpr": 5, "data": 3}, rate_onsite=60000),
        "bpr2": make_expert("佐藤 健一", {"bpr": 3}),
        "sec": make_expert("山田 聡", {"security": 5}),
    }


@pytest.fixture
def coordinator(db):
    return make_user(Role.TOKYO_COORDINATOR, TOKYO)


@pytest.fixture
def koganei_staff(db):
    return make_user(Role.MUNI_STAFF, KOGANEI)


@pytest.fixture
def koganei_leader(db):
    return DxLeader.objects.create(
        organization=Organization.objects.get(code=KOGANEI),
        name="中村 彩",
        department="市民課",
        appointed_on=dt.date(2025, 4, 1),
    )
