"""Two-step sign-in: forced enrolment, a security key (Chromium's virtual authenticator), the
authenticator-app fallback, and a background job run by the real worker."""

from __future__ import annotations

import re
from typing import Any

import pyotp
import pytest
from e2e_support import Server, login, logout, screenshot
from playwright.sync_api import BrowserContext, Page, expect

pytestmark = pytest.mark.e2e

ENROL_PATH = "/accounts/security/"


def _add_virtual_authenticator(context: BrowserContext, page: Page) -> tuple[Any, str]:
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    result = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, result["authenticatorId"]


def _assert_enrolment_gate(page: Page, server: Server) -> None:
    """Everything outside the account pages sends the user back to the security page."""
    for path in ("/", "/organizations/", "/notifications/"):
        page.goto(server.url(path))
        assert server.path_of(page) == ENROL_PATH, f"{path} was reachable before enrolment"


def test_secops_must_enrol_security_key_then_signs_in_with_it(
    context: BrowserContext, page: Page, server: Server
) -> None:
    response = login(page, server, "tokyo-secops")
    assert response.status == 302
    assert server.path_of(page) == ENROL_PATH
    expect(page.locator("main [role=alert]").first).to_be_visible()
    expect(page.locator("[data-testid=key-name]")).to_have_count(0)
    screenshot(page, "security-enrolment-required")
    _assert_enrolment_gate(page, server)

    cdp, authenticator_id = _add_virtual_authenticator(context, page)
    page.fill("#key-name", "E2E USB key")
    with page.expect_navigation(url=re.compile(re.escape(ENROL_PATH) + "$"), timeout=20_000):
        page.click("[data-webauthn=register]")

    expect(page.locator("[data-testid=key-name]")).to_have_text(["E2E USB key"])
    expect(page.locator("main .notice--success")).to_be_visible()
    expect(page.locator("main [role=alert]")).to_have_count(0)  # no more "you must enrol"
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})
    assert len(credentials["credentials"]) == 1, credentials
    screenshot(page, "security-key-registered")

    page.goto(server.url("/"))
    assert server.path_of(page) == "/", "dashboard still blocked after enrolment"
    expect(page.locator("main h1")).to_be_visible()

    # Sign out; the password alone is no longer enough: the second step asks for the key.
    logout(page)
    assert server.path_of(page).startswith("/accounts/login/")
    response = login(page, server, "tokyo-secops")
    assert response.status == 302
    assert server.path_of(page) == "/accounts/mfa/"
    page.goto(server.url("/"))  # not signed in yet
    assert server.path_of(page).startswith("/accounts/login/")
    response = login(page, server, "tokyo-secops")
    assert server.path_of(page) == "/accounts/mfa/"
    expect(page.locator("main input[name=code]")).to_have_count(0)  # no app registered
    screenshot(page, "mfa-second-step")

    with page.expect_navigation(url=re.compile(re.escape(server.url("/")) + "$"), timeout=20_000):
        page.click("[data-webauthn=assert]")
    assert server.path_of(page) == "/"
    expect(page.locator("form[action='/accounts/logout/']")).to_have_count(1)
    expect(page.locator(".site-header .whoami__org")).to_contain_text("東京都")

    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})
    assert len(credentials["credentials"]) == 1, credentials
    assert credentials["credentials"][0]["signCount"] >= 1, credentials

    # The security page now records when the key was last used.
    page.goto(server.url(ENROL_PATH))
    row = page.locator("tr", has=page.locator("[data-testid=key-name]"))
    expect(row.locator("td").nth(2)).not_to_have_text("—")


def test_auditor_enrols_authenticator_app_and_verifies_audit_trail(
    page: Page, server: Server
) -> None:
    response = login(page, server, "tokyo-auditor")
    assert response.status == 302
    assert server.path_of(page) == ENROL_PATH
    _assert_enrolment_gate(page, server)

    page.goto(server.url("/accounts/security/totp/"))
    assert server.path_of(page) == "/accounts/security/totp/"
    secret = page.locator("[data-testid=totp-secret]").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{16,}", secret), f"not a base32 secret: {secret!r}"
    expect(page.locator("main svg")).to_have_count(1)  # the QR code
    screenshot(page, "totp-setup")

    # A wrong code is refused and nothing is registered.
    page.fill("input[name=code]", "000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    page.click("main form button[type=submit]")
    assert server.path_of(page) == "/accounts/security/totp/"
    expect(page.locator("main .errorlist")).to_be_visible()

    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert server.path_of(page) == ENROL_PATH
    expect(page.locator("main .notice--success")).to_be_visible()
    expect(page.locator("section[aria-labelledby=totp-h] form button")).to_have_count(1)

    # The gate is lifted: the audit trail is reachable, and its verification runs as a job.
    page.goto(server.url("/audit/"))
    assert server.path_of(page) == "/audit/"
    expect(page.locator("table.data tbody tr").first).to_be_visible()
    with page.expect_navigation():
        page.click("form[action='/audit/verify/'] button[type=submit]")
    assert re.fullmatch(r"/jobs/\d+/", server.path_of(page)), page.url
    progress = page.locator("#job-progress")
    expect(progress.locator("progress")).to_have_count(1)
    expect(progress.locator("[data-testid=job-status]")).not_to_be_empty()

    # The page polls (htmx, every second) until the worker has finished the job.
    result = page.locator("[data-testid=job-result]")
    expect(result).to_be_visible(timeout=30_000)
    expect(result).to_have_class(re.compile(r"\bnotice--success\b"))
    checked = re.search(r"\d+", result.inner_text())
    assert checked is not None, result.inner_text()
    assert int(checked.group()) > 0, result.inner_text()
    expect(progress.locator("progress")).to_have_attribute("value", "100")
    screenshot(page, "job-audit-verify-done")

    # A fresh load shows the same finished state (not just the polled fragment).
    page.reload()
    expect(page.locator("[data-testid=job-result]")).to_have_class(
        re.compile(r"\bnotice--success\b")
    )
