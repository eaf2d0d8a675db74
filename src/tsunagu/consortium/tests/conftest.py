"""A small joint-use group: 立川市, 三鷹市 (secretariat) and 日野市 as members, 小金井市 joining
on 2027-11-01, three working groups (日野市 leads the first). 武蔵野市 is the outsider."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from tsunagu.consortium import services
from tsunagu.consortium.models import (
    BusinessArea,
    JointUseGroup,
    Membership,
    WorkingGroup,
)
from tsunagu.core.models import Organization
from tsunagu.core.roles import Role
from tsunagu.core.tests.factories import make_user

TACHIKAWA, MITAKA, HINO, KOGANEI, MUSASHINO = "132021", "132047", "132128", "132101", "132039"
TOKYO = "130001"
CUT_OVER = dt.date(2027, 11, 1)


def make_group(
    slug: str = "tst",
    members: tuple[str, ...] = (TACHIKAWA, MITAKA, HINO),
    joining: tuple[tuple[str, dt.date], ...] = ((KOGANEI, CUT_OVER),),
    secretariat: str = MITAKA,
    quorum_percent: int = 100,
    leads: tuple[str, ...] = (HINO, TACHIKAWA, MITAKA),
) -> SimpleNamespace:
    orgs = {o.code: o for o in Organization.objects.all()}
    group = JointUseGroup.objects.create(
        slug=slug,
        name=f"テスト自治体クラウド（{slug}）",
        name_en=f"Test cloud {slug}",
        prefix="TST",
        secretariat=orgs[secretariat],
        quorum_percent=quorum_percent,
        created_at=timezone.now(),
    )
    for code in members:
        Membership.objects.create(
            group=group, organization=orgs[code], joined_on=dt.date(2018, 10, 1)
        )
    for code, day in joining:
        Membership.objects.create(
            group=group,
            organization=orgs[code],
            status=Membership.Status.JOINING,
            cut_over_on=day,
        )
    own, _ = BusinessArea.objects.get_or_create(
        code="o-test-shuno", defaults={"name": "収納管理", "name_en": "Collection"}
    )
    areas = [
        BusinessArea.objects.get(code="n01-juki"),
        BusinessArea.objects.get(code="n04-kojin"),
        own,
    ]
    wgs = [
        WorkingGroup.objects.create(
            group=group, number=n, name=area.name, area=area, lead=orgs[lead]
        )
        for n, (area, lead) in enumerate(zip(areas, leads, strict=True), start=1)
    ]
    return SimpleNamespace(group=group, wgs=wgs, orgs=orgs)


@pytest.fixture
def g(db):
    ns = make_group()
    ns.hino = make_user(Role.MUNI_STAFF, HINO)
    ns.mitaka = make_user(Role.MUNI_STAFF, MITAKA)
    ns.tachikawa = make_user(Role.MUNI_STAFF, TACHIKAWA)
    ns.koganei = make_user(Role.MUNI_STAFF, KOGANEI)
    ns.musashino = make_user(Role.MUNI_STAFF, MUSASHINO)
    ns.tokyo = make_user(Role.TOKYO_ADMIN, TOKYO)
    ns.auditor = make_user(Role.AUDITOR, TOKYO)
    ns.expert = make_user(Role.EXPERT, TOKYO)
    return ns


def raise_item(g, *, wg=None, actor=None, **data):
    base = {"title": "転入届受付時の本人確認書類の範囲", "requirement_id": "0010012"}
    base.update(data)
    return services.item_create(actor=actor or g.hino, working_group=wg or g.wgs[0], data=base)


def all_positions(g, item, stance="adopt"):
    for user in (g.hino, g.mitaka, g.tachikawa):
        services.position_file(actor=user, item=item, stance=stance, reason="理由")
