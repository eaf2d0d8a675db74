"""The API: contract (OpenAPI), authentication, scopes, errors, tenancy."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from tsunagu.accounts.services import api_token_create, api_token_revoke
from tsunagu.core.models import AuditEntry, Organization

from .openapi import call, check


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def read_token(musashino_staff):
    return api_token_create(actor=musashino_staff, name="read", scope="read", expires_in_days=30)[1]


@pytest.fixture
def write_token(musashino_staff):
    return api_token_create(actor=musashino_staff, name="write", scope="write", expires_in_days=30)[
        1
    ]


@pytest.mark.django_db
def test_me_with_session_and_with_token(musashino_staff, client_for, read_token):
    body = call(client_for(musashino_staff), "GET", "/api/v1/me").json()
    assert body["organization"]["code"] == "132039"
    body = call(Client(), "GET", "/api/v1/me", **bearer(read_token)).json()
    assert body["username"] == musashino_staff.username


@pytest.mark.django_db
def test_organisation_directory_is_paginated(musashino_staff, read_token):
    body = call(
        Client(), "GET", "/api/v1/organizations?page_size=10&page=2", **bearer(read_token)
    ).json()
    assert body["count"] == 63 and len(body["items"]) == 10
    assert (
        body["items"][0]["code"] == sorted(Organization.objects.values_list("code", flat=True))[10]
    )
    islands = call(
        Client(), "GET", "/api/v1/organizations?region=島しょ", **bearer(read_token)
    ).json()
    assert islands["count"] == 9


@pytest.mark.django_db
def test_patch_own_profile_with_a_write_token(write_token):
    res = call(
        Client(),
        "PATCH",
        "/api/v1/organizations/132039",
        json={"version": 1, "contact_phone": "0422-60-1800"},
        **bearer(write_token),
    )
    assert res.status_code == 200 and res.json()["version"] == 2
    assert Organization.objects.get(code="132039").contact_phone == "0422-60-1800"


@pytest.mark.django_db
def test_a_read_token_cannot_write(read_token):
    res = call(
        Client(),
        "PATCH",
        "/api/v1/organizations/132039",
        json={"version": 1, "cio_name": "x"},
        **bearer(read_token),
    )
    assert res.status_code == 403 and res.json()["code"] == "token_read_only"
    assert Organization.objects.get(code="132039").cio_name == ""


@pytest.mark.django_db
def test_another_municipality_gets_not_found_and_nothing_changes(tachikawa_staff):
    token = api_token_create(actor=tachikawa_staff, name="t", scope="write", expires_in_days=1)[1]
    res = call(
        Client(),
        "PATCH",
        "/api/v1/organizations/132039",
        json={"version": 1, "cio_name": "x"},
        **bearer(token),
    )
    missing = call(
        Client(),
        "PATCH",
        "/api/v1/organizations/999999",
        json={"version": 1, "cio_name": "x"},
        **bearer(token),
    )
    assert res.status_code == missing.status_code == 404
    assert res.json() == missing.json()  # another's object looks exactly like a missing one
    assert Organization.objects.get(code="132039").cio_name == ""
    members = call(Client(), "GET", "/api/v1/organizations/132039/members", **bearer(token)).json()
    assert members["count"] == 0


@pytest.mark.django_db
def test_revoked_and_expired_tokens_are_refused(musashino_staff, read_token):
    from tsunagu.accounts.models import ApiToken

    token = ApiToken.objects.get(name="read")
    api_token_revoke(actor=musashino_staff, token_id=token.pk)
    res = call(Client(), "GET", "/api/v1/me", **bearer(read_token))
    assert res.status_code == 401 and res.json()["code"] == "unauthenticated"
    _, raw = api_token_create(actor=musashino_staff, name="old", scope="read", expires_in_days=1)
    ApiToken.objects.filter(name="old").update(expires_at=timezone.now())
    assert call(Client(), "GET", "/api/v1/me", **bearer(raw)).status_code == 401


@pytest.mark.django_db
def test_errors_have_one_shape_in_both_languages(musashino_staff, write_token):
    res = Client().get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="ja")
    assert res.status_code == 401
    assert set(res.json()) == {"code", "message", "details"}
    ja = res.json()["message"]
    en = Client().get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="en").json()["message"]
    assert ja != en and en == "Sign in or send a valid API token."
    # A token user's saved language decides.
    musashino_staff.language = "en"
    musashino_staff.save()
    res = Client().patch(
        "/api/v1/organizations/132039",
        data={"version": 1, "contact_email": "nope"},
        content_type="application/json",
        **bearer(write_token),
    )
    check(res, "PATCH", "/api/v1/organizations/132039")
    assert res.status_code == 422 and res.json()["code"] == "validation_failed"
    assert "contact_email" in res.json()["details"]


@pytest.mark.django_db
def test_malformed_json_and_type_errors(write_token):
    before = AuditEntry.objects.count()
    res = Client().generic(
        "PATCH",
        "/api/v1/organizations/132039",
        "{not json",
        content_type="application/json",
        **bearer(write_token),
    )
    assert res.status_code == 400 and res.json()["code"] == "malformed_json"
    res = call(
        Client(),
        "PATCH",
        "/api/v1/organizations/132039",
        json={"version": "one"},
        **bearer(write_token),
    )
    assert res.status_code == 422 and res.json()["details"]["errors"]
    assert AuditEntry.objects.count() == before


@pytest.mark.django_db
def test_oversized_bodies_are_refused(write_token, settings):
    big = '{"version": 1, "description": "' + "あ" * 1_000_000 + '"}'
    res = Client().generic(
        "PATCH",
        "/api/v1/organizations/132039",
        big.encode(),
        content_type="application/json",
        **bearer(write_token),
    )
    assert res.status_code == 413 and res.json()["code"] == "payload_too_large"


@pytest.mark.django_db
def test_session_writes_need_csrf(musashino_staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(musashino_staff, backend="django.contrib.auth.backends.ModelBackend")
    res = client.patch(
        "/api/v1/organizations/132039",
        data={"version": 1, "cio_name": "x"},
        content_type="application/json",
    )
    assert res.status_code == 403 and res.json()["code"] == "csrf_failed"
    assert Organization.objects.get(code="132039").cio_name == ""


@pytest.mark.django_db
def test_token_management_needs_the_session(musashino_staff, client_for, write_token):
    res = call(Client(), "POST", "/api/v1/tokens", json={"name": "mint"}, **bearer(write_token))
    assert res.status_code == 401
    res = call(
        client_for(musashino_staff),
        "POST",
        "/api/v1/tokens",
        json={"name": "cli", "scope": "read", "expires_in_days": 7},
    )
    assert res.status_code == 201 and res.json()["token"].startswith("tsg_")
    bad = call(
        client_for(musashino_staff),
        "POST",
        "/api/v1/tokens",
        json={"name": "", "expires_in_days": 9999},
    )
    assert bad.status_code == 422 and set(bad.json()["details"]) == {"name", "expires_in_days"}


@pytest.mark.django_db
def test_audit_entries_scoped_by_role(musashino_cio, tachikawa_cio, musashino_staff, client_for):
    from tsunagu.core.services import organization_update_profile

    organization_update_profile(
        actor=tachikawa_cio, organization=tachikawa_cio.organization, data={"cio_name": "T"}
    )
    body = call(client_for(musashino_cio), "GET", "/api/v1/audit/entries").json()
    assert all(e["organization_code"] in ("132039", None) for e in body["items"])
    assert not any(e["organization_code"] == "132021" for e in body["items"])
    res = call(client_for(musashino_staff), "GET", "/api/v1/audit/entries")
    assert res.status_code == 403


def test_the_openapi_document_is_served(client):
    res = client.get("/api/v1/openapi.json")
    assert res.status_code == 200 and res.json()["info"]["title"] == "Tsunagu API"


@pytest.mark.django_db
def test_the_interactive_docs_load_without_external_assets(musashino_staff, client_for):
    html = client_for(musashino_staff).get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html and "cdn" not in html


@pytest.mark.django_db
def test_no_tokens_before_a_required_second_factor(
    tokyo_admin, musashino_cio, musashino_staff, client_for
):
    from tsunagu.core.errors import ValidationFailed
    from tsunagu.core.services import organization_set_mfa_policy

    with pytest.raises(ValidationFailed):
        api_token_create(actor=tokyo_admin, name="x", scope="read", expires_in_days=1)
    # A token issued before the organisation required MFA stops working until enrolment.
    _, raw = api_token_create(actor=musashino_staff, name="early", scope="read", expires_in_days=1)
    assert call(Client(), "GET", "/api/v1/me", **bearer(raw)).status_code == 200
    organization_set_mfa_policy(
        actor=musashino_cio, organization=musashino_cio.organization, required=True
    )
    assert call(Client(), "GET", "/api/v1/me", **bearer(raw)).status_code == 401
    # And the token page is out of reach while enrolment is pending.
    client = Client()
    client.post(
        "/accounts/login/",
        {"username": tokyo_admin.username, "password": "correct horse battery staple 2026"},
    )
    assert client.get("/accounts/tokens/")["Location"] == "/accounts/security/"
