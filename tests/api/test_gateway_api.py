"""Gateway API: dry run, submit, list, decide, adopt, versions, rollback, artifacts; tenancy."""

from __future__ import annotations

import pytest
from django.test import Client

from tsunagu.accounts.models import TotpDevice
from tsunagu.accounts.services import api_token_create
from tsunagu.core.roles import Role
from tsunagu.core.tests.factories import make_user
from tsunagu.gateway import seed, train
from tsunagu.gateway.models import ChangeRequest, PolicyVersion
from tsunagu.gateway.publish import DirectoryPublisher

from .openapi import call

MUSASHINO = "132039"


def bearer_client(user, scope="write") -> Client:
    token = api_token_create(actor=user, name=scope, scope=scope, expires_in_days=30)[1]
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture
def gateway(db):
    seed.catalog_seed()
    return seed.policy_seed()


@pytest.fixture
def staff(gateway, musashino_staff):
    return bearer_client(musashino_staff)


def test_dry_run_reports_verdict_and_saves_nothing(staff):
    res = call(
        staff,
        "POST",
        "/api/v1/gateway/requests/dry-run",
        json={"organization": MUSASHINO, "kind": "allow_domain", "form": {"hosts": "*.com"}},
    )
    assert res.status_code == 200
    assert res.json()["verdict"]["risk_class"] == "rejected"
    assert ChangeRequest.objects.count() == 0


def test_dry_run_field_errors_have_codes(staff):
    res = call(
        staff,
        "POST",
        "/api/v1/gateway/requests/dry-run",
        json={"organization": MUSASHINO, "kind": "firewall_outbound", "form": {"ports": "x"}},
    )
    assert res.status_code == 200
    assert {"ports", "destinations"} <= set(res.json()["errors"])


def test_submit_list_get_and_validation_errors(staff):
    bad = call(
        staff,
        "POST",
        "/api/v1/gateway/requests",
        json={"organization": MUSASHINO, "kind": "allow_domain", "title": "", "form": {}},
    )
    assert bad.status_code == 422 and bad.json()["code"] == "validation_failed"
    assert ChangeRequest.objects.count() == 0
    res = call(
        staff,
        "POST",
        "/api/v1/gateway/requests",
        json={
            "organization": MUSASHINO,
            "kind": "allow_domain",
            "title": "weather",
            "form": {"hosts": "www.jma.go.jp"},
        },
    )
    assert res.status_code == 201
    pk = res.json()["id"]
    listed = call(staff, "GET", "/api/v1/gateway/requests").json()
    assert [r["id"] for r in listed["items"]] == [pk]
    one = call(staff, "GET", f"/api/v1/gateway/requests/{pk}").json()
    assert one["verdict"]["risk_class"] == one["risk_class"]


def test_other_municipality_gets_not_found(staff, tachikawa_staff):
    pk = call(staff, "POST", "/api/v1/gateway/catalog/zoom/adopt", json={}).json()["id"]
    other = bearer_client(tachikawa_staff)
    assert call(other, "GET", f"/api/v1/gateway/requests/{pk}").status_code == 404
    assert call(other, "POST", f"/api/v1/gateway/requests/{pk}/withdraw").status_code == 404
    assert call(other, "GET", "/api/v1/gateway/requests").json()["count"] == 0
    res = call(
        other,
        "POST",
        "/api/v1/gateway/requests",
        json={"organization": MUSASHINO, "kind": "allow_domain", "title": "x", "form": {}},
    )
    assert res.status_code == 403
    assert ChangeRequest.objects.count() == 1


def test_read_token_cannot_submit(gateway, musashino_staff):
    client = bearer_client(musashino_staff, scope="read")
    res = call(client, "POST", "/api/v1/gateway/catalog/zoom/adopt", json={})
    assert res.status_code == 403
    assert ChangeRequest.objects.count() == 0


def test_versions_artifacts_and_rollback(staff, musashino_staff, tmp_path, tachikawa_staff):
    call(staff, "POST", "/api/v1/gateway/catalog/zoom/adopt", json={})
    train.run_train(publisher=DirectoryPublisher(root=tmp_path, webhook=""))
    versions = call(staff, "GET", "/api/v1/gateway/versions").json()
    assert [v["number"] for v in versions["items"]] == [2, 1]
    arts = call(staff, "GET", "/api/v1/gateway/versions/2/artifacts").json()
    paths = {a["path"] for a in arts}
    assert any(p.startswith("nftables/") and MUSASHINO in p for p in paths)
    # Another municipality's section files are invisible to 武蔵野市.
    other_code = "132021"
    assert not any(other_code in p for p in paths)
    path = next(p for p in paths if p.startswith("nftables/") and MUSASHINO in p)
    res = staff.get(f"/api/v1/gateway/versions/2/artifacts/{path}")
    assert res.status_code == 200 and res["Content-Type"].startswith("text/plain")
    other = bearer_client(tachikawa_staff)
    assert other.get(f"/api/v1/gateway/versions/2/artifacts/{path}").status_code == 404
    # Only operators roll back.
    assert (
        call(staff, "POST", "/api/v1/gateway/versions/1/rollback", json={"reason": "x"}).status_code
        == 403
    )
    operator = make_user(Role.TOKYO_SECOPS, "130001")
    TotpDevice.objects.create(user=operator, secret_encrypted=b"x", confirmed=True)
    op_client = bearer_client(operator)
    res = call(op_client, "POST", "/api/v1/gateway/versions/1/rollback", json={"reason": "broken"})
    assert res.status_code == 201
    assert PolicyVersion.objects.get(number=3).rollback_of.number == 1
    # A reason is required; the error names the field.
    train.run_train(publisher=DirectoryPublisher(root=tmp_path, webhook=""))
    res = call(op_client, "POST", "/api/v1/gateway/versions/2/rollback", json={"reason": ""})
    assert res.status_code == 422 and "reason" in res.json()["details"]
