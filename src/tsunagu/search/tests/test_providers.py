"""The providers written here (experts' public profiles, gateway catalog services) and the hooks
that keep the index in step when those items change."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tsunagu.core.roles import Role
from tsunagu.core.tests.factories import make_user
from tsunagu.search.documents import Visibility
from tsunagu.search.models import SearchDocument
from tsunagu.search.selectors import search_query


@pytest.fixture
def expert(empty_index):
    from tsunagu.talent.models import Expert, ExpertSkill

    e = Expert.objects.create(
        name="山田 聡",
        headline="ネットワーク更改の専門家",
        bio="庁舎移転に伴うネットワーク再構築を支援。",
        rate_onsite=123456,
        created_at=timezone.now(),
    )
    ExpertSkill.objects.create(expert=e, skill="network", level=4)
    return e


def test_an_expert_profile_holds_only_public_fields(expert):
    from tsunagu.talent.search_docs import expert_doc

    d = expert_doc(expert)
    assert d.kind == "expert" and d.visibility == Visibility.ALL and d.organization_id is None
    assert d.url == f"/talent/experts/{expert.pk}/"
    assert "ネットワーク更改の専門家" in d.body and "庁舎移転" in d.body
    assert "123456" not in d.body + d.title + str(d.extra)  # rates are not public


def test_confirming_a_skill_reindexes_the_expert(expert):
    from tsunagu.talent.services import expert_skill_confirm

    coordinator = make_user(Role.TOKYO_COORDINATOR, "130001")
    staff = make_user(Role.MUNI_STAFF, "132039")
    assert search_query(actor=staff, q="山田").total == 0  # not indexed yet
    expert_skill_confirm(
        actor=coordinator, expert=expert, skill="security", level=5, evidence="資格と実績"
    )
    page = search_query(actor=staff, q="山田")
    assert [h.object_id for h in page.hits] == [str(expert.pk)]
    assert page.hits[0].kind == "expert"


def test_inactive_experts_leave_the_index(expert):
    from tsunagu.talent.search_docs import expert_index

    expert_index([expert])
    assert SearchDocument.objects.filter(kind="expert").count() == 1
    expert.active = False
    expert.save(update_fields=["active"])
    expert_index([expert])
    assert SearchDocument.objects.filter(kind="expert").count() == 0


def test_experts_are_found_by_experts_and_municipalities(expert):
    from tsunagu.talent.search_docs import expert_index

    expert_index([expert])
    for role, code in ((Role.EXPERT, "130001"), (Role.MUNI_DX_LEADER, "132101")):
        assert search_query(actor=make_user(role, code), q="ネットワーク").total == 1


def test_the_catalog_seed_indexes_every_service(empty_index):
    from tsunagu.gateway.models import CatalogService
    from tsunagu.gateway.seed import catalog_seed

    n = catalog_seed()
    assert SearchDocument.objects.filter(kind="catalog_service").count() == n
    assert CatalogService.objects.count() == n
    staff = make_user(Role.MUNI_STAFF, "132039")
    page = search_query(actor=staff, q="ｚｏｏｍ")  # full width finds Zoom
    assert page.hits and page.hits[0].url == "/gateway/catalog/#svc-zoom"
    # Experts may not open the gateway catalog: not in their search either.
    assert search_query(actor=make_user(Role.EXPERT, "130001"), q="zoom").total == 0


def test_a_catalog_entry_shared_from_a_request_is_indexed(empty_index):
    from tsunagu.gateway import seed, services
    from tsunagu.gateway.models import ChangeKind, ChangeRequest

    seed.policy_seed()
    owner = make_user(Role.MUNI_CIO, "132039")
    req = ChangeRequest.objects.create(
        organization=owner.organization,
        requester=owner,
        created_at=timezone.now(),
        kind=ChangeKind.ALLOW_DOMAIN,
        title="kintone を使いたい",
        justification="業務改善のための kintone 利用",
        form={"service": "kintone", "share_to_catalog": True},
        change={
            "kind": "allow_domain",
            "org": "132039",
            "add_domains": [{"uid": "d1", "pattern": "*.cybozu.com"}],
        },
    )
    svc = services.catalog_entry_from_request(request=req)
    assert svc is not None
    row = SearchDocument.objects.get(kind="catalog_service", object_id=svc.slug)
    assert row.title == "kintone" and "業務改善" in row.body
