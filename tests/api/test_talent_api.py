"""Talent API: pool, requests, suggestions, matching, ranking, answers, statements; tenancy."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from tsunagu.accounts.models import TotpDevice
from tsunagu.accounts.services import api_token_create
from tsunagu.core.roles import Role
from tsunagu.core.tests.factories import make_user
from tsunagu.talent.models import Expert, ExpertSkill

from .openapi import call

NEXT = (timezone.localdate().replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def bearer(user, scope="write") -> Client:
    TotpDevice.objects.get_or_create(
        user=user, defaults={"secret_encrypted": b"x", "confirmed": True}
    )
    token = api_token_create(actor=user, name=scope, scope=scope, expires_in_days=30)[1]
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture
def expert(db):
    user = make_user(Role.EXPERT, "130001")
    e = Expert.objects.create(user=user, name="小林 真理", created_at=timezone.now(), capacity=4)
    ExpertSkill.objects.create(expert=e, skill="bpr", level=5)
    return e


def _payload(**kw):
    base = {
        "title": "窓口業務の改革",
        "problem": "窓口の手続きが紙ばかりで職員の負担が大きい。",
        "skills": [{"skill": "bpr", "min_level": 3}],
        "visits_per_month": 2,
        "months": 6,
        "start_month": NEXT.strftime("%Y-%m"),
    }
    base.update(kw)
    return base


def test_request_flow_over_the_api(expert, musashino_staff):
    staff = bearer(musashino_staff)
    coord = bearer(make_user(Role.TOKYO_COORDINATOR, "130001"))
    res = call(staff, "POST", "/api/v1/talent/requests", json=_payload())
    assert res.status_code == 201
    rid = res.json()["id"]
    bad = call(staff, "POST", "/api/v1/talent/requests", json=_payload(skills=[], title=""))
    assert bad.status_code == 422 and set(bad.json()["details"]) >= {"skills", "title"}
    run = call(
        coord, "POST", "/api/v1/talent/matching/runs", json={"month": NEXT.strftime("%Y-%m")}
    )
    assert run.status_code == 201 and run.json()["status"] == "optimal"
    props = call(staff, "GET", f"/api/v1/talent/requests/{rid}/proposals").json()
    assert props and props[0]["expert_name"] == "小林 真理" and props[0]["breakdown"]
    ranked = call(
        staff, "POST", f"/api/v1/talent/requests/{rid}/ranking", json={"order": [props[0]["id"]]}
    )
    assert ranked.status_code == 200
    ex = bearer(expert.user)
    offers = call(ex, "GET", "/api/v1/talent/offers").json()
    assert [o["request"] for o in offers] == [rid]
    ans = call(ex, "POST", f"/api/v1/talent/offers/{offers[0]['id']}/answer", json={"accept": True})
    assert ans.json()["state"] == "accepted"
    visit = call(
        staff,
        "POST",
        f"/api/v1/talent/requests/{rid}/visits",
        json={"date": (NEXT + dt.timedelta(days=5)).isoformat(), "mode": "online"},
    )
    assert visit.status_code == 201
    sugg = call(
        staff, "POST", "/api/v1/talent/requests/suggest", json={"text": "書かない窓口"}
    ).json()
    assert any(s["id"] == "bpr" for s in sugg["skills"])
    metrics = call(staff, "GET", "/api/v1/talent/metrics").json()
    assert metrics["requests"] == 1


def test_other_municipality_gets_404(expert, musashino_staff, tachikawa_cio):
    rid = call(bearer(musashino_staff), "POST", "/api/v1/talent/requests", json=_payload()).json()[
        "id"
    ]
    other = bearer(tachikawa_cio)
    for method, path, kw in (
        ("GET", f"/api/v1/talent/requests/{rid}", {}),
        ("GET", f"/api/v1/talent/requests/{rid}/proposals", {}),
        ("POST", f"/api/v1/talent/requests/{rid}/ranking", {"json": {"order": [1]}}),
        ("GET", f"/api/v1/talent/statements/132039/{NEXT:%Y-%m}", {}),
        ("GET", "/api/v1/talent/leaders/132039", {}),
    ):
        assert call(other, method, path, **kw).status_code == 404, path
    assert (
        call(other, "POST", "/api/v1/talent/matching/runs", json={"month": "2026-12"}).status_code
        == 403
    )
