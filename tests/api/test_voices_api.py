"""The voices API against its OpenAPI document: the whole flow with error codes, and the
similar-voice suggestions."""

from __future__ import annotations

import pytest

from tests.api.openapi import check
from tsunagu.core.roles import Role
from tsunagu.core.tests.factories import make_user
from tsunagu.voices import services
from tsunagu.voices.models import Category

pytestmark = pytest.mark.django_db
TOKYO = "130001"


@pytest.fixture
def category():
    return Category.objects.select_related("unit").get(key="security-cloud")


@pytest.fixture
def tokyo():
    return make_user(Role.TOKYO_COORDINATOR, TOKYO)


def test_api_flow_with_error_codes(client_for, tachikawa_staff, musashino_staff, tokyo):
    t = client_for(tachikawa_staff)
    r = t.post(
        "/api/v1/voices/",
        {"category": "security-cloud", "title": "手続の簡素化", "body": "変更に数か月かかる"},
        content_type="application/json",
    )
    body = check(r, "POST", "/api/v1/voices/")
    assert r.status_code == 201
    ref = body["ref"]
    bad = t.post(
        "/api/v1/voices/",
        {"category": "x", "title": "a", "body": "b"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["code"] == "unknown_category"
    empty = t.post(
        "/api/v1/voices/",
        {"category": "talent", "title": "", "body": ""},
        content_type="application/json",
    )
    assert empty.status_code == 422 and {"title", "body"} <= set(empty.json()["details"])
    m = client_for(musashino_staff)
    r = m.post(f"/api/v1/voices/{ref}/cosign", {}, content_type="application/json")
    check(r, "POST", f"/api/v1/voices/{ref}/cosign")
    assert r.status_code == 201 and r.json()["cosigners"] == ["132039"]
    twice = m.post(f"/api/v1/voices/{ref}/cosign", {}, content_type="application/json")
    assert twice.status_code == 409 and twice.json()["code"] == "already_cosigned"
    tk = client_for(tokyo)
    r = tk.post(
        f"/api/v1/voices/{ref}/acknowledge",
        {"note": "受け付けました"},
        content_type="application/json",
    )
    assert check(r, "POST", f"/api/v1/voices/{ref}/acknowledge")["status"] == "acknowledged"
    r = tk.post(
        f"/api/v1/voices/{ref}/answer",
        {"body": "対応します", "reasons": "理由", "decision": "accepted"},
        content_type="application/json",
    )
    assert check(r, "POST", f"/api/v1/voices/{ref}/answer")["status"] == "answered"
    assert (
        t.post(
            f"/api/v1/voices/{ref}/reply", {"body": "感謝"}, content_type="application/json"
        ).status_code
        == 201
    )
    assert (
        t.post(f"/api/v1/voices/{ref}/close", {}, content_type="application/json").status_code
        == 200
    )
    closed = tk.post(
        f"/api/v1/voices/{ref}/answer",
        {"body": "x", "reasons": "y", "decision": "accepted"},
        content_type="application/json",
    )
    assert closed.status_code == 409 and closed.json()["code"] == "voice_closed"
    detail = check(t.get(f"/api/v1/voices/{ref}"), "GET", f"/api/v1/voices/{ref}")
    assert [x["to_status"] for x in detail["transitions"]] == [
        "received",
        "acknowledged",
        "answered",
        "closed",
    ]
    metrics = check(t.get("/api/v1/voices/metrics"), "GET", "/api/v1/voices/metrics")
    assert metrics["overall"]["answered"] == 1


def test_similar_endpoints(client_for, tachikawa_staff, musashino_staff, category):
    voice = services.voice_file(
        actor=tachikawa_staff,
        category=category,
        title="セキュリティクラウドの変更手続を簡素化してほしい",
        body="許可リストの変更に数か月かかる。",
    )
    m = client_for(musashino_staff)
    r = m.post(
        "/voices/similar/", {"title": "セキュリティクラウド", "body": "変更手続に数か月かかる"}
    )
    assert r.status_code == 200 and voice.ref in r.content.decode()
    r = m.post(
        "/api/v1/voices/similar",
        {"text": "セキュリティクラウドの変更手続"},
        content_type="application/json",
    )
    assert check(r, "POST", "/api/v1/voices/similar")[0]["ref"] == voice.ref
