"""WCAG 2.1 A/AA checks with axe-core on every main page (no serious or critical violation)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from e2e_support import AXE_JS, MUSASHINO, Server, login, screenshot
from playwright.sync_api import Browser, BrowserContext, Page

pytestmark = pytest.mark.e2e

AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
BLOCKING = ("serious", "critical")

CIO_PAGES = [
    "/",
    "/organizations/",
    f"/organizations/{MUSASHINO}/",
    f"/organizations/{MUSASHINO}/edit/",
    "/audit/",
    "/jobs/",
    "/notifications/",
    "/notifications/preferences/",
    "/accounts/security/",
    "/accounts/tokens/",
    "/accounts/security/totp/",
    "/gateway/",
    "/gateway/requests/",
    "/gateway/requests/new/",
    "/gateway/requests/new/?kind=allow_domain",
    "/gateway/requests/new/?kind=inbound_publication",
    "/gateway/catalog/",
    f"/gateway/policy/{MUSASHINO}/",
    "/gateway/versions/",
    "/gateway/lead-times/",
    "/gateway/recertification/",
    f"/network/{MUSASHINO}/",
    f"/network/{MUSASHINO}/edit/",
    f"/network/{MUSASHINO}/what-if/?target=beta_prime",
    f"/network/{MUSASHINO}/report/",
    "/network/peers/",
    "/network/rules/",
    "/talent/",
    "/talent/experts/",
    "/talent/requests/",
    "/talent/requests/new/",
    "/talent/knowledge/",
    "/talent/statements/",
    "/talent/leaders/",
    "/consortium/",  # 武蔵野市 takes part in no joint-use group: the empty state
    "/voices/",
    "/voices/new/",
    "/voices/1/",  # the first seeded voice: 武蔵野市's, answered and closed, with an outcome
    "/voices/metrics/",
    "/forum/",
    "/forum/projects/",
    "/forum/projects/new/",
    "/forum/projects/1/peers/",  # the first seeded project: 小金井市's network renewal
    "/forum/map/",
    "/forum/connect/",
    "/forum/meetings/",
    "/forum/meetings/1/",  # the first seeded meeting: the 20th roundtable
    "/forum/follow-ups/",
    "/forum/articles/",
    "/forum/questions/",
    "/forum/questions/new/",
]


def _slug(path: str) -> str:
    return path.strip("/").replace("/", "-") or "dashboard"


@pytest.fixture(scope="session")
def cio_state(browser: Browser, server: Server) -> dict[str, Any]:
    """A signed-in musashino-cio session (cookies), made once and reused by each page check."""
    ctx = browser.new_context(locale="ja-JP")
    try:
        page = ctx.new_page()
        response = login(page, server, "musashino-cio")
        assert response.status == 302, f"musashino-cio could not sign in ({response.status})"
        # A CIO of an organisation that does not require 2-step sign-in is not forced to enrol.
        assert server.path_of(page) == "/", page.url
        return ctx.storage_state()
    finally:
        ctx.close()


def _axe(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    assert result["passes"], f"axe checked nothing on {page.url}"
    return [v for v in result["violations"] if v.get("impact") in BLOCKING]


def _report(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        targets = [n["target"] for n in v["nodes"][:3]]
        html = v["nodes"][0]["html"][:160] if v["nodes"] else ""
        lines.append(
            f"- {v['id']} ({v['impact']}, {len(v['nodes'])} nodes): {v['help']}\n"
            f"    targets: {targets}\n    first: {html}\n    {v['helpUrl']}"
        )
    return "\n".join(lines)


def test_login_page_has_no_serious_violations(a11y_page: Page, server: Server) -> None:
    response = a11y_page.goto(server.url("/accounts/login/"))
    assert response is not None
    assert response.status == 200
    violations = _axe(a11y_page)
    assert not violations, "axe on /accounts/login/:\n" + _report(violations)


@pytest.mark.parametrize("path", CIO_PAGES, ids=_slug)
def test_cio_page_has_no_serious_violations(
    path: str,
    server: Server,
    cio_state: dict[str, Any],
    new_context: Callable[..., BrowserContext],
) -> None:
    page = new_context(bypass_csp=True, storage_state=cio_state).new_page()
    response = page.goto(server.url(path))
    assert response is not None
    assert response.status == 200, f"{path} answered {response.status}"
    assert server.path_of(page) == path, f"{path} redirected to {page.url}"
    page.wait_for_load_state("networkidle")
    screenshot(page, f"cio-{_slug(path)}")
    violations = _axe(page)
    assert not violations, f"axe on {path}:\n" + _report(violations)


@pytest.mark.parametrize("kind", ["request", "version"])
def test_gateway_detail_pages_have_no_serious_violations(
    kind: str,
    server: Server,
    cio_state: dict[str, Any],
    new_context: Callable[..., BrowserContext],
) -> None:
    """A change request and a policy version (their ids come from the listings)."""
    page = new_context(bypass_csp=True, storage_state=cio_state).new_page()
    listing = "/gateway/requests/" if kind == "request" else "/gateway/versions/"
    page.goto(server.url(listing))
    link = page.locator("main table.data tbody a").first
    if link.count() == 0:
        pytest.skip(f"no {kind} in the demo data")
    with page.expect_navigation():
        link.click()
    page.wait_for_load_state("networkidle")
    screenshot(page, f"cio-gateway-{kind}-detail")
    violations = _axe(page)
    assert not violations, f"axe on {page.url}:\n" + _report(violations)


# Joint-use cloud pages, as 小金井市 (joining 東京自治体クラウド, slug "tjc", in the demo data).
CONSORTIUM_PAGES = [
    "/consortium/",
    "/consortium/waiting/",
    "/consortium/tjc/",
    "/consortium/tjc/wg/1/",
    "/consortium/tjc/items/",
    "/consortium/tjc/items/1/",
    "/consortium/tjc/items/new/",
    "/consortium/tjc/items/import/",
    "/consortium/tjc/onboarding/132101/",
    "/consortium/tjc/progress/",
    "/consortium/tjc/progress/132101/n01-juki/",
]


@pytest.mark.parametrize("path", CONSORTIUM_PAGES, ids=_slug)
def test_consortium_page_has_no_serious_violations(
    path: str, server: Server, new_context: Callable[..., BrowserContext]
) -> None:
    page = new_context(bypass_csp=True).new_page()
    response = login(page, server, "koganei-staff")
    assert response.status == 302
    response = page.goto(server.url(path))
    assert response is not None
    assert response.status == 200, f"{path} answered {response.status}"
    page.wait_for_load_state("networkidle")
    screenshot(page, f"koganei-{_slug(path)}")
    violations = _axe(page)
    assert not violations, f"axe on {path}:\n" + _report(violations)
