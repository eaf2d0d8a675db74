"""Server-rendered pages: every role gets its dashboard; forms keep input; headers are strict."""

from __future__ import annotations

import gettext
from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.test import Client

from tsunagu.accounts.models import User
from tsunagu.core.models import Organization
from tsunagu.core.roles import Role
from tsunagu.core.tests.factories import make_user

LOCALE = Path(__file__).resolve().parents[1] / "src" / "tsunagu" / "locale"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "code"),
    [
        (
            r.value,
            "130001"
            if r.value.startswith("tokyo") or r.value in ("auditor", "expert")
            else "132039",
        )
        for r in Role
    ],
)
def test_every_role_gets_a_japanese_dashboard(role, code, client_for):
    user = make_user(role, code)
    res = client_for(user).get("/")
    assert res.status_code == 200
    html = res.content.decode()
    assert '<html lang="ja">' in html
    assert "ダッシュボード" in html
    assert user.organization.name in html


@pytest.mark.django_db
def test_navigation_follows_the_role(client_for):
    staff = client_for(make_user(Role.MUNI_STAFF)).get("/").content.decode()
    cio = client_for(make_user(Role.MUNI_CIO)).get("/").content.decode()
    assert 'href="/audit/"' not in staff
    assert 'href="/audit/"' in cio


@pytest.mark.django_db
def test_members_are_listed_for_colleagues(client_for):
    a = make_user(Role.MUNI_STAFF, "132039")
    b = make_user(Role.MUNI_STAFF, "132039")
    html = client_for(a).get("/organizations/132039/").content.decode()
    assert b.display_name in html


@pytest.mark.django_db
def test_profile_form_keeps_input_on_error_and_changes_nothing(client_for):
    cio = make_user(Role.MUNI_CIO, "132039")
    client = client_for(cio)
    res = client.post(
        "/organizations/132039/edit/",
        {
            "cio_name": "新しいCIO",
            "contact_email": "broken",
            "version": 1,
        },
    )
    assert res.status_code == 422
    html = res.content.decode()
    assert 'value="新しいCIO"' in html and 'value="broken"' in html
    assert "保存されていません" in html
    assert Organization.objects.get(code="132039").cio_name == ""
    ok = client.post(
        "/organizations/132039/edit/",
        {"cio_name": "新しいCIO", "version": 1},
    )
    assert ok.status_code == 302
    org = Organization.objects.get(code="132039")
    assert org.cio_name == "新しいCIO"


@pytest.mark.django_db
def test_english_is_available(client_for):
    user = make_user(Role.MUNI_STAFF)
    client = client_for(user)
    res = client.post("/accounts/language/", {"language": "en", "next": "/"})
    assert res.status_code == 302
    user.refresh_from_db()
    assert user.language == "en"
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html and "Dashboard" in html


@pytest.mark.django_db
def test_pages_without_csrf_token_are_refused(musashino_staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(musashino_staff, backend="django.contrib.auth.backends.ModelBackend")
    res = client.post("/accounts/language/", {"language": "en"})
    assert res.status_code == 403
    assert "フォームの有効期限" in res.content.decode() or "セキュリティ" in res.content.decode()
    musashino_staff.refresh_from_db()
    assert musashino_staff.language == "ja"


@pytest.mark.django_db
def test_security_headers(client):
    res = client.get("/accounts/login/")
    csp = res["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("style-src")[0]
    assert "frame-ancestors 'none'" in csp
    assert res["X-Frame-Options"] == "DENY"
    assert res["X-Content-Type-Options"] == "nosniff"
    assert len(res["X-Request-ID"]) >= 16


def test_production_cookies_are_secure(monkeypatch):
    import subprocess
    import sys

    code = (
        "import os; os.environ['TSUNAGU_ENV']='production'; os.environ['SECRET_KEY']='x'*50;"
        "from tsunagu.config import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_NAME, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_HTTPONLY)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["True", "True", "__Host-tsunagu_session", "True", "True"]
    refused = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os; os.environ['TSUNAGU_ENV']='production'; os.environ.pop('SECRET_KEY', None); import tsunagu.config.settings",
        ],
        capture_output=True,
        text=True,
    )
    assert refused.returncode != 0 and "SECRET_KEY" in refused.stderr


@pytest.mark.django_db
def test_demo_data_is_idempotent_and_covers_all_63():
    call_command("seed_demo", "--quiet")
    users = User.objects.count()
    call_command("seed_demo", "--quiet")
    assert User.objects.count() == users
    for org in Organization.objects.all():
        assert org.members.count() >= 2, org.code
        assert org.contact_email
    roles = set(User.objects.values_list("role", flat=True))
    assert roles == set(Role.values)
    for slug in ("musashino", "tachikawa", "koganei"):
        assert {"muni_cio", "muni_staff", "muni_dx_leader"} <= set(
            User.objects.filter(organization__slug=slug).values_list("role", flat=True)
        )


def test_the_japanese_catalog_is_complete_and_compiled():
    po = polib.pofile(str(LOCALE / "ja" / "LC_MESSAGES" / "django.po"))
    assert not po.untranslated_entries(), [e.msgid for e in po.untranslated_entries()][:5]
    assert not po.fuzzy_entries(), [e.msgid for e in po.fuzzy_entries()][:5]
    with (LOCALE / "ja" / "LC_MESSAGES" / "django.mo").open("rb") as fh:
        mo = gettext.GNUTranslations(fh)
    for entry in po.translated_entries():
        if entry.msgid_plural:
            assert mo.ngettext(entry.msgid, entry.msgid_plural, 1) == entry.msgstr_plural[0], (
                entry.msgid
            )
        else:
            assert mo.gettext(entry.msgid) == entry.msgstr, (
                f"stale .mo for {entry.msgid!r}: run make messages"
            )
