"""Signing in and out, failed attempts and lockout, the language switch."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from e2e_support import DEMO_PASSWORD, Server, login, screenshot, submit_login
from playwright.sync_api import BrowserContext, Page, expect

pytestmark = pytest.mark.e2e


def test_municipal_staff_signs_in_to_japanese_dashboard(page: Page, server: Server) -> None:
    page.goto(server.url("/accounts/login/"))
    assert page.get_attribute("html", "lang") == "ja"
    screenshot(page, "login")

    response = submit_login(page, server, "musashino-staff", DEMO_PASSWORD)

    # Password accepted: a redirect straight to the dashboard, no forced 2-step enrolment.
    assert response.status == 302, f"sign-in answered {response.status}"
    assert server.path_of(page) == "/"
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    assert page.title().strip(), "the dashboard has no <title>"
    expect(page.locator(".site-header .whoami__org")).to_contain_text("武蔵野市")
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator("main .notice--warning")).to_have_count(0)
    expect(page.locator("nav.side-nav a[href='/']")).to_have_attribute("aria-current", "page")
    if server.ja_catalog:
        expect(page.locator("nav.side-nav")).to_contain_text("ダッシュボード")
        expect(page.locator("form[action='/accounts/logout/'] button")).to_have_text("ログアウト")
    screenshot(page, "dashboard-musashino-staff")

    # The dashboard stays reachable on a fresh load (no enrolment gate kicks in later).
    page.goto(server.url("/"))
    assert server.path_of(page) == "/"


def test_wrong_password_keeps_user_name_then_locks_out(page: Page, server: Server) -> None:
    # hachioji-staff is used by no other test, so its lockout cannot disturb them.
    page.goto(server.url("/accounts/login/"))
    user_field = page.locator("input[name=username]")
    alert = page.locator("main [role=alert]")

    response = submit_login(page, server, "hachioji-staff", "not-the-password-1")
    assert response.status == 401
    assert server.path_of(page).startswith("/accounts/login/")
    expect(alert).to_be_visible()
    bad_credentials = alert.inner_text().strip()
    assert bad_credentials
    if server.ja_catalog:
        assert "パスワードが正しくありません" in bad_credentials
    # Nothing the user typed is lost: the user name is still there (the password is not).
    expect(user_field).to_have_value("hachioji-staff")
    expect(page.locator("input[name=password]")).to_have_value("")
    screenshot(page, "login-wrong-password")

    statuses = [response.status]
    for attempt in range(2, 6):
        statuses.append(submit_login(page, server, "hachioji-staff", f"wrong-{attempt}").status)
    # Four plain refusals; the fifth failure is the one that locks the account (axes counts
    # it before answering), so it may already show the lockout.
    assert statuses[:4] == [401] * 4, statuses
    assert statuses[4] in (401, 429), statuses

    # Sixth attempt, with the right password: still refused, with the lockout message.
    response = submit_login(page, server, "hachioji-staff", DEMO_PASSWORD)
    assert response.status == 429, f"6th attempt answered {response.status} (history {statuses})"
    assert server.path_of(page).startswith("/accounts/login/")
    expect(alert).to_be_visible()
    lockout = alert.inner_text().strip()
    assert lockout, "empty lockout message"
    assert lockout != bad_credentials, lockout
    assert "15" in lockout, lockout  # tells how long the lock lasts
    if server.ja_catalog:
        assert "ロック" in lockout, lockout
    expect(user_field).to_have_value("hachioji-staff")
    expect(page.locator("form[action='/accounts/logout/']")).to_have_count(0)
    screenshot(page, "login-locked-out")

    # And really not signed in.
    page.goto(server.url("/"))
    assert server.path_of(page).startswith("/accounts/login/")


def test_language_switch_to_english_persists(
    page: Page, server: Server, new_context: Callable[..., BrowserContext]
) -> None:
    # mitaka-staff is used by no other test: the language is saved on the account.
    login(page, server, "mitaka-staff")
    page.goto(server.url("/organizations/"))
    expect(page.locator("html")).to_have_attribute("lang", "ja")

    switch = page.locator("header form.lang-switch button[name=language]")
    expect(switch).to_have_attribute("value", "en")
    with page.expect_navigation():
        switch.click()

    # Back on the same page, now in English; the switch offers Japanese.
    assert server.path_of(page) == "/organizations/"
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(switch).to_have_attribute("value", "ja")
    expect(page.locator("nav.side-nav a[href='/']")).to_have_text("Dashboard")
    screenshot(page, "organizations-english")

    # The choice survives a reload and a different page.
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(server.url("/"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".site-header .whoami__org")).to_contain_text("Mitaka")

    # It is saved on the account: a new browser (no cookies, Accept-Language ja) gets English
    # once signed in.
    other = new_context().new_page()
    login(other, server, "mitaka-staff")
    assert server.path_of(other) == "/"
    expect(other.locator("html")).to_have_attribute("lang", "en")
