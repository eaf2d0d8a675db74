"""Network API: models, drafts, publishing, assessment, what-if, peers, reports; tenancy."""

from __future__ import annotations

import copy

import pytest
from django.test import Client

from tsunagu.accounts.services import api_token_create
from tsunagu.gateway import seed
from tsunagu.gateway.models import ChangeRequest, ChangeState
from tsunagu.network.models import NetworkModel, ReportExport
from tsunagu.network.seed import network_seed_all
from tsunagu.network.tests.documents import CLEAN_ALPHA

from .openapi import call

MUSASHINO = "132039"
KOGANEI = "132101"


def bearer_client(user, scope="write") -> Client:
    token = api_token_create(actor=user, name=scope, scope=scope, expires_in_days=30)[1]
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture
def seeded(db):
    seed.catalog_seed()
    seed.policy_seed()
    network_seed_all()


def test_model_read_shows_the_gateway_address_plan(seeded, musashino_staff):
    body = call(bearer_client(musashino_staff), "GET", f"/api/v1/network/models/{MUSASHINO}").json()
    assert body["organization"] == MUSASHINO
    assert set(body["address_plan"]) >= {"mynumber", "lgwan", "internet"}
    assert body["lock_version"] >= 0


def test_list_is_scoped_to_the_own_organisation(seeded, musashino_staff, tokyo_admin):
    from tsunagu.accounts.models import TotpDevice

    TotpDevice.objects.create(user=tokyo_admin, secret_encrypted=b"x", confirmed=True)
    own = call(bearer_client(musashino_staff), "GET", "/api/v1/network/models").json()
    assert [m["organization"] for m in own] == [MUSASHINO]
    everyone = call(bearer_client(tokyo_admin), "GET", "/api/v1/network/models").json()
    assert len(everyone) == 63


def test_other_municipality_gets_404_everywhere(seeded, tachikawa_cio):
    client = bearer_client(tachikawa_cio)
    for method, path, kw in (
        ("GET", f"/api/v1/network/models/{MUSASHINO}", {}),
        ("GET", f"/api/v1/network/models/{MUSASHINO}/assessment", {}),
        ("GET", f"/api/v1/network/models/{MUSASHINO}/what-if?target=beta", {}),
        ("PUT", f"/api/v1/network/models/{MUSASHINO}/draft", {"json": {"document": {}}}),
        ("POST", f"/api/v1/network/models/{MUSASHINO}/publish", {"json": {"document": {}}}),
        ("POST", f"/api/v1/network/models/{MUSASHINO}/reports", {}),
    ):
        res = call(client, method, path, **kw)
        assert res.status_code == 404, (method, path, res.status_code)
    assert NetworkModel.objects.get(organization__code=MUSASHINO).draft is None
    assert not ReportExport.objects.exists()


def test_publish_refuses_inconsistent_model_with_codes_and_keeps_draft(seeded, musashino_cio):
    client = bearer_client(musashino_cio)
    doc = copy.deepcopy(CLEAN_ALPHA)
    doc["flows"].append({"id": "x", "src": "ghost", "dst": "lgwan"})
    res = call(
        client, "POST", f"/api/v1/network/models/{MUSASHINO}/publish", json={"document": doc}
    )
    assert res.status_code == 422
    body = res.json()
    assert body["code"] == "validation_failed"
    assert "flows[5].src" in body["details"]
    got = call(client, "GET", f"/api/v1/network/models/{MUSASHINO}").json()
    assert got["draft"] == doc
    ok = call(
        client,
        "POST",
        f"/api/v1/network/models/{MUSASHINO}/publish",
        json={"document": CLEAN_ALPHA, "note": "api", "lock_version": got["lock_version"]},
    )
    assert ok.status_code == 200 and ok.json()["draft"] is None


def test_read_only_token_cannot_write(seeded, musashino_cio):
    client = bearer_client(musashino_cio, scope="read")
    res = call(client, "PUT", f"/api/v1/network/models/{MUSASHINO}/draft", json={"document": {}})
    assert res.status_code == 403


def test_assessment_and_rules(seeded, musashino_staff):
    client = bearer_client(musashino_staff)
    body = call(client, "GET", f"/api/v1/network/models/{KOGANEI}/assessment")
    assert body.status_code == 404  # not Musashino's
    body = call(client, "GET", f"/api/v1/network/models/{MUSASHINO}/assessment").json()
    assert body["edition"] and "counts" in body
    rules = call(client, "GET", "/api/v1/network/rules").json()
    assert rules["edition"] == body["edition"]
    assert all(r["title"]["ja"] and r["title"]["en"] for r in rules["rules"])


def test_what_if_and_drafts(seeded, musashino_cio):
    client = bearer_client(musashino_cio)
    body = call(
        client, "GET", f"/api/v1/network/models/{MUSASHINO}/what-if?target=beta_prime"
    ).json()
    assert body["target"] == "beta_prime"
    assert body["gateway"], "moving to β′ needs security-cloud changes"
    before = ChangeRequest.objects.count()
    res = call(
        client,
        "POST",
        f"/api/v1/network/models/{MUSASHINO}/what-if/drafts",
        json={"target": "beta_prime", "needs": [0]},
    )
    assert res.status_code == 201
    [pk] = res.json()["requests"]
    req = ChangeRequest.objects.get(pk=pk)
    assert req.state == ChangeState.DRAFT and req.organization.code == MUSASHINO
    assert ChangeRequest.objects.count() == before + 1
    bad = call(
        client,
        "POST",
        f"/api/v1/network/models/{MUSASHINO}/what-if/drafts",
        json={"target": "beta_prime", "needs": [999]},
    )
    assert bad.status_code == 422


def test_peers_never_show_findings_or_models_of_others(seeded, musashino_staff):
    body = call(bearer_client(musashino_staff), "GET", "/api/v1/network/peers").json()
    assert body["total"] == 62
    text = str(body)
    assert "findings" not in text and "zones" not in text
