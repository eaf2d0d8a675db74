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
