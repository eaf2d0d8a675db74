"""Constants and helpers shared by the browser tests (imported by conftest and the tests)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Page, Response

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # the venv's bin directory
AXE_JS = REPO / "tests" / "e2e" / "vendor" / "axe.min.js"
RESULTS_DIR = REPO / "test-results"
SCREENSHOTS_DIR = RESULTS_DIR / "screenshots"
LOGS_DIR = RESULTS_DIR / "e2e-logs"
MO_FILE = REPO / "src" / "tsunagu" / "locale" / "ja" / "LC_MESSAGES" / "django.mo"
CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")

DEMO_PASSWORD = "Tsunagu-demo-2026"
MUSASHINO = "132039"


@dataclass
class Server:
    base_url: str
    var_dir: Path
    # Whether the Japanese catalog was compiled when the server started (it loads it then).
    ja_catalog: bool
    logs: dict[str, Path] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.base_url + path

    def path_of(self, page: Page) -> str:
        """The path (and query) of the page's current URL, which must be on this server."""
        assert page.url.startswith(self.base_url), f"left the app: {page.url}"
        return page.url[len(self.base_url) :]


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot for humans to look at (test-results/screenshots/)."""
    SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def submit_login(page: Page, server: Server, username: str, password: str) -> Response:
    """Fill the sign-in form (already open) and submit it; return the POST's response."""
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_response(
        lambda r: r.url.startswith(server.url("/accounts/login/")) and r.request.method == "POST"
    ) as info:
        page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_load_state("load")
    return info.value


def login(page: Page, server: Server, username: str, password: str = DEMO_PASSWORD) -> Response:
    """Open the sign-in page and sign in; return the POST's response."""
    page.goto(server.url("/accounts/login/"))
    return submit_login(page, server, username, password)


def logout(page: Page) -> None:
    with page.expect_navigation():
        page.click("form[action='/accounts/logout/'] button[type=submit]")


def manage(server: Server, code: str) -> str:
    """Run Python inside the server's Django (its database), as the conftest runs seed_demo."""
    import subprocess

    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TSUNAGU_ENV")}
    env.update(
        {
            "TSUNAGU_VAR_DIR": str(server.var_dir),
            "DJANGO_SETTINGS_MODULE": "tsunagu.config.settings",
        }
    )
    proc = subprocess.run(
        [str(BIN / "tsunagu"), "shell", "-c", code],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def sign_in_enrolling_totp(page: Page, server: Server, username: str) -> None:
    """Sign in a 都 user (second factor mandatory) by enrolling an authenticator app now.

    Pair with :func:`forget_second_factors` afterwards so later tests meet the user un-enrolled.
    """
    import pyotp

    response = login(page, server, username)
    assert response.status == 302
    if server.path_of(page).startswith("/accounts/mfa/"):
        raise AssertionError(f"{username} already has a second factor this test cannot use")
    page.goto(server.url("/accounts/security/totp/"))
    secret = page.locator("[data-testid=totp-secret]").inner_text().strip()
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    with page.expect_navigation():
        page.click("main form button[type=submit]")


def forget_second_factors(server: Server, usernames: list[str]) -> None:
    manage(
        server,
        "from tsunagu.accounts.models import RecoveryCode, TotpDevice, WebAuthnCredential\n"
        f"names = {usernames!r}\n"
        "TotpDevice.objects.filter(user__username__in=names).delete()\n"
        "RecoveryCode.objects.filter(user__username__in=names).delete()\n"
        "WebAuthnCredential.objects.filter(user__username__in=names).delete()\n",
    )
