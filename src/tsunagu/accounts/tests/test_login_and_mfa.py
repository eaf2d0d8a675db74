from __future__ import annotations

from datetime import datetime, timedelta

import pyotp
import pytest
from django.contrib.auth.hashers import identify_hasher
from django.test import Client, override_settings

from tsunagu.accounts import services
from tsunagu.accounts.crypto import unseal
from tsunagu.accounts.models import RecoveryCode, TotpDevice, WebAuthnCredential
from tsunagu.core.errors import ValidationFailed
from tsunagu.core.models import AuditEntry
from tsunagu.core.roles import Role
from tsunagu.core.tests.factories import PASSWORD, make_user


def login(client: Client, username: str, password: str = PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


def confirmed_totp(user) -> pyotp.TOTP:
    device, _uri = services.totp_setup_begin(actor=user)
    totp = pyotp.TOTP(unseal(bytes(device.secret_encrypted)))
    services.totp_setup_confirm(actor=user, device_id=device.pk, code=totp.now())
    return totp


@pytest.mark.django_db
def test_password_login_lands_on_the_dashboard(musashino_staff):
    client = Client()
    res = login(client, musashino_staff.username)
    assert res.status_code == 302 and res["Location"] == "/"
    assert client.get("/").status_code == 200
    assert AuditEntry.objects.filter(action="auth.login", actor_id=musashino_staff.pk).exists()


@pytest.mark.django_db
def test_a_wrong_password_keeps_the_user_name_and_says_why(musashino_staff):
    res = login(Client(), musashino_staff.username, "wrong")
    assert res.status_code == 401
    html = res.content.decode()
    assert f'value="{musashino_staff.username}"' in html
    assert "ユーザー名またはパスワードが正しくありません" in html
    assert AuditEntry.objects.filter(action="auth.login_failed").exists()


@pytest.mark.django_db
def test_repeated_failures_lock_the_account(musashino_staff):
    client = Client()
    for _ in range(5):
        login(client, musashino_staff.username, "wrong")
    res = login(client, musashino_staff.username)  # even the right password
    assert res.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another account from the same address is not locked.
    other = make_user(Role.MUNI_STAFF)
    assert login(Client(), other.username).status_code == 302


@pytest.mark.django_db
@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"])
def test_passwords_are_hashed_with_argon2(musashino_staff):
    musashino_staff.set_password("a long enough passphrase")
    musashino_staff.save()
    assert identify_hasher(musashino_staff.password).algorithm == "argon2"


def test_production_settings_use_argon2_first():
    from tsunagu.config import settings as prod

    assert prod.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


@pytest.mark.django_db
def test_tokyo_roles_must_enrol_before_using_anything(tokyo_admin):
    client = Client()
    res = login(client, tokyo_admin.username)
    assert res["Location"] == "/accounts/security/"
    assert client.get("/")["Location"] == "/accounts/security/"
    assert client.get("/api/v1/me").json()["code"] == "mfa_enrolment_required"
    # After enrolling an authenticator app, the rest opens up.
    totp_page = client.get("/accounts/security/totp/")
    assert totp_page.status_code == 200
    device = TotpDevice.objects.get(user=tokyo_admin, confirmed=False)
    code = pyotp.TOTP(unseal(bytes(device.secret_encrypted))).now()
    assert client.post("/accounts/security/totp/", {"code": code}).status_code == 302
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_an_organisation_can_require_mfa_for_everyone(musashino_cio, musashino_staff):
    from tsunagu.core.services import organization_set_mfa_policy

    organization_set_mfa_policy(
        actor=musashino_cio, organization=musashino_cio.organization, required=True
    )
    client = Client()
    assert login(client, musashino_staff.username)["Location"] == "/accounts/security/"


@pytest.mark.django_db
def test_totp_second_step(musashino_staff):
    totp = confirmed_totp(musashino_staff)
    client = Client()
    assert login(client, musashino_staff.username)["Location"] == "/accounts/mfa/"
    assert "_auth_user_id" not in client.session  # not signed in until the second step
    assert client.get("/").status_code == 302
    bad = client.post("/accounts/mfa/", {"code": "000000" if totp.now() != "000000" else "111111"})
    assert bad.status_code == 401
    # The code used at enrolment cannot be replayed; wait for a fresh step by using the next one.
    res = client.post("/accounts/mfa/", {"code": totp.at(datetime.now() + timedelta(seconds=30))})
    assert res.status_code == 302 and res["Location"] == "/"
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_a_totp_code_is_accepted_once(musashino_staff):
    totp = confirmed_totp(musashino_staff)
    future = totp.at(datetime.now() + timedelta(seconds=30))
    assert services.totp_verify(user=musashino_staff, code=future)
    assert not services.totp_verify(user=musashino_staff, code=future)


@pytest.mark.django_db
def test_mfa_attempts_are_limited(musashino_staff):
    confirmed_totp(musashino_staff)
    client = Client()
    login(client, musashino_staff.username)
    for _ in range(4):
        assert client.post("/accounts/mfa/", {"code": "12345x"}).status_code == 401
    res = client.post("/accounts/mfa/", {"code": "12345x"})
    assert res.status_code == 302 and res["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_recovery_codes_work_once(musashino_staff):
    confirmed_totp(musashino_staff)
    codes = services.recovery_codes_generate(actor=musashino_staff)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert not RecoveryCode.objects.filter(code_hash__in=codes).exists()  # only hashes stored
    client = Client()
    login(client, musashino_staff.username)
    assert client.post("/accounts/mfa/", {"recovery_code": codes[0].upper()}).status_code == 302
    assert not services.recovery_code_use(user=musashino_staff, code=codes[0])
    assert services.recovery_code_use(user=musashino_staff, code=codes[1])


@pytest.mark.django_db
def test_the_last_factor_cannot_be_removed_when_mfa_is_required(tokyo_admin, musashino_staff):
    confirmed_totp(tokyo_admin)
    device = TotpDevice.objects.get(user=tokyo_admin)
    with pytest.raises(ValidationFailed):
        services.totp_device_delete(actor=tokyo_admin, device_id=device.pk)
    assert TotpDevice.objects.filter(pk=device.pk).exists()
    # Where MFA is optional, it can be removed.
    confirmed_totp(musashino_staff)
    services.totp_device_delete(
        actor=musashino_staff, device_id=TotpDevice.objects.get(user=musashino_staff).pk
    )
    assert not TotpDevice.objects.filter(user=musashino_staff).exists()


@pytest.mark.django_db
def test_a_forged_webauthn_registration_stores_nothing(musashino_staff):
    ceremony = services.webauthn_registration_begin(
        actor=musashino_staff, rp_id="localhost", rp_name="t"
    )
    forged = {
        "id": "AAAA",
        "rawId": "AAAA",
        "type": "public-key",
        "response": {"clientDataJSON": "e30", "attestationObject": "oA"},
    }
    with pytest.raises(ValidationFailed):
        services.webauthn_registration_complete(
            actor=musashino_staff,
            name="x",
            credential=forged,
            challenge=ceremony.challenge,
            rp_id="localhost",
            origin="http://localhost:8000",
        )
    assert not WebAuthnCredential.objects.exists()


@pytest.mark.django_db
def test_webauthn_options_exclude_existing_keys(musashino_staff):
    import json

    WebAuthnCredential.objects.create(
        user=musashino_staff, name="k", credential_id=b"\x01\x02", public_key=b"pk"
    )
    options = json.loads(
        services.webauthn_registration_begin(
            actor=musashino_staff, rp_id="localhost", rp_name="t"
        ).options_json
    )
    assert options["rp"]["id"] == "localhost"
    assert [c["id"] for c in options["excludeCredentials"]] == ["AQI"]


@pytest.mark.django_db
def test_logout_needs_post(musashino_staff, client_for):
    client = client_for(musashino_staff)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_next_parameter_cannot_redirect_off_site(musashino_staff):
    res = Client().post(
        "/accounts/login/",
        {
            "username": musashino_staff.username,
            "password": PASSWORD,
            "next": "https://evil.example/",
        },
    )
    assert res["Location"] == "/"
