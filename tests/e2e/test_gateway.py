"""The security-cloud gateway in a real browser, against the real stack (gunicorn + worker, so the
release train really runs): a catalog adoption applied within one train, the live verdict while
typing, and a major change approved by two different 都 reviewers."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pyotp
import pytest
from e2e_support import MUSASHINO, REPO, Server, forget_second_factors, login, manage, screenshot
from playwright.sync_api import BrowserContext, Page, expect

pytestmark = pytest.mark.e2e

DOCS_IMG = REPO / "docs" / "img"
APPLY_TIMEOUT = 90_000  # ms: the train runs as soon as the worker picks up its task
REVIEWERS = ("tokyo-secops", "tokyo-admin")


def _docs_shot(page: Page, name: str) -> Path | None:
    """A screenshot for the test run, and with TSUNAGU_DOCS_SHOTS=1 one for the documentation
    (docs/img/gateway-*.png; off by default so a test run leaves the work tree clean)."""
    screenshot(page, f"gateway-{name}")
    if os.environ.get("TSUNAGU_DOCS_SHOTS") != "1":
        return None
    DOCS_IMG.mkdir(parents=True, exist_ok=True)
    path = DOCS_IMG / f"gateway-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(scope="module")
def gateway_ready(server: Server) -> Iterator[Server]:
    """The gateway policy and catalog exist (seed_demo seeds them; bootstrap if it did not).

    The reviewers enrol an authenticator app during the tests; afterwards their second factors
    are removed again, so that later browser tests still meet them un-enrolled.
    """
    manage(
        server,
        "from tsunagu.gateway import seed\n"
        "from tsunagu.gateway.models import GatewayState\n"
        "seed.catalog_seed()\n"
        "if not GatewayState.objects.filter(active_version__isnull=False).exists():\n"
        "    seed.policy_seed()\n",
    )
    yield server
    forget_second_factors(server, list(REVIEWERS))


def _sign_in_reviewer(page: Page, server: Server, username: str) -> None:
    """Tokyo roles must use two-step sign-in: enrol an authenticator app on first sign-in."""
    response = login(page, server, username)
    assert response.status == 302, f"{username} could not sign in"
    path = server.path_of(page)
    if path.startswith("/accounts/mfa/"):
        pytest.fail(f"{username} already has a second factor this test cannot use")
    page.goto(server.url("/accounts/security/totp/"))
    secret = page.locator("[data-testid=totp-secret]").inner_text().strip()
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert server.path_of(page) == "/accounts/security/", page.url


def _wait_applied(page: Page) -> None:
    """The detail page polls its status (htmx) until the release train has applied it."""
    expect(page.locator("[data-testid=applied-version]")).to_be_visible(timeout=APPLY_TIMEOUT)
    page.reload()
    expect(page.locator("[data-testid=state]").first).to_have_text("適用済み")


def test_staff_adopts_zoom_from_the_catalog_and_one_train_applies_it(
    gateway_ready: Server, page: Page
) -> None:
    server = gateway_ready
    login(page, server, "musashino-staff")
    assert server.path_of(page) == "/"
    page.click("nav.side-nav >> text=セキュリティクラウド")
    assert server.path_of(page) == "/gateway/"
    page.click("main >> text=サービスカタログから選ぶ")
    assert server.path_of(page) == "/gateway/catalog/"
    card = page.locator("[data-testid=service-zoom]")
    expect(card).to_contain_text("Zoom")
    expect(card).to_contain_text("zoom.us")
    domain = card.locator("dd code").first.inner_text().strip().removeprefix("*.")
    with page.expect_navigation():
        card.locator("button[type=submit]").click()
    assert re.fullmatch(r"/gateway/requests/\d+/", server.path_of(page)), page.url
    request_path = server.path_of(page)

    # Standard: approved on the verifier's proof, no reviewer.
    expect(page.locator("[data-testid=risk-class]").first).to_contain_text("標準変更")
    verdict = page.locator("[data-testid=verdict]")
    expect(verdict).to_have_attribute("data-class", "standard")
    expect(verdict).to_contain_text("標準変更：15分以内に自動で適用されます")
    expect(page.locator("main")).to_contain_text("検証エンジンの証明に基づき承認")

    _wait_applied(page)
    # The proof stays with the request: the verdict, what became permitted, the timeline.
    expect(page.locator("[data-testid=verdict]")).to_contain_text("新たに許可されるもの")
    expect(page.locator("[data-testid=verdict]")).to_contain_text(domain)
    timeline = page.locator("[data-testid=timeline]")
    for label in ("下書き", "申請済み", "承認済み", "適用済み"):
        expect(timeline).to_contain_text(label)
    _docs_shot(page, "request-detail")

    # The applied version lists the request; the catalog now shows Zoom as adopted.
    page.click("[data-testid=applied-version] a")
    assert re.fullmatch(r"/gateway/versions/\d+/", server.path_of(page)), page.url
    expect(page.locator("main")).to_contain_text("このバージョンで適用された申請")
    page.goto(server.url("/gateway/catalog/"))
    expect(page.locator("[data-testid=service-zoom] button[disabled]")).to_have_count(1)
    expect(page.locator("[data-testid=service-zoom]")).to_contain_text("導入済み")

    # The policy viewer shows the new entry and why it is there (the request's ticket).
    page.goto(server.url(f"/gateway/policy/{MUSASHINO}/"))
    expect(page.locator("main")).to_contain_text(domain)
    expect(page.locator("main")).to_contain_text("zoom.us")
    _docs_shot(page, "policy-viewer")
    assert page.url.endswith(f"/gateway/policy/{MUSASHINO}/")
    page.goto(server.url(request_path))
    expect(page.locator("[data-testid=state]").first).to_have_text("適用済み")


def test_live_verdict_while_typing_and_nothing_lost_on_error(
    gateway_ready: Server, page: Page
) -> None:
    server = gateway_ready
    login(page, server, "musashino-staff")
    page.goto(server.url("/gateway/requests/new/?kind=allow_domain"))
    panel = page.locator("#verdict")
    expect(panel).to_have_attribute("aria-live", "polite")
    page.fill("#id_title", "海外SaaSをまとめて許可")

    # A pattern wider than a registrable domain is refused while typing, with the fix.
    page.locator("#id_hosts").press_sequentially("*.com", delay=40)
    rejected = panel.locator("[data-testid=verdict][data-class=rejected]")
    expect(rejected).to_be_visible(timeout=10_000)
    expect(rejected.locator("[data-testid=verdict-title]")).to_contain_text("*.com")
    page.fill("#id_hosts", "")
    page.locator("#id_hosts").press_sequentially("*.co.jp", delay=40)
    rejected = panel.locator("[data-testid=verdict][data-class=rejected]")
    expect(rejected).to_be_visible(timeout=10_000)
    expect(rejected.locator("[data-testid=verdict-title]")).to_contain_text(
        "却下：ドメインパターン *.co.jp は登録可能ドメインより広すぎます"
    )
    expect(rejected.locator("[data-testid=verdict-fix]")).to_be_visible()
    _docs_shot(page, "form-live-rejection")

    # Fixing it turns the verdict into a standard change.
    page.fill("#id_hosts", "")
    page.locator("#id_hosts").press_sequentially("cybozu-demo.kintone.com", delay=20)
    page.fill("#id_service", "kintone")
    standard = panel.locator("[data-testid=verdict][data-class=standard]")
    expect(standard).to_be_visible(timeout=10_000)
    expect(standard).to_contain_text("標準変更：15分以内に自動で適用されます")
    _docs_shot(page, "form-live-verdict")

    # An error on submit keeps everything that was typed.
    page.fill("#id_title", "")
    page.fill("#id_justification", "業務で使う申請システムです")
    with page.expect_navigation():
        page.click("button[name=action][value=submit]")
    expect(page.locator("main [role=alert]")).to_contain_text("保存されていません")
    expect(page.locator("#id_title_error")).to_be_visible()
    expect(page.locator("#id_title")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_hosts")).to_have_value("cybozu-demo.kintone.com")
    expect(page.locator("#id_service")).to_have_value("kintone")
    expect(page.locator("#id_justification")).to_have_value("業務で使う申請システムです")


def _dmz_host(page: Page, server: Server) -> str:
    """An unused address in Musashino's DMZ, read from the policy viewer's address plan."""
    page.goto(server.url(f"/gateway/policy/{MUSASHINO}/"))
    row = page.locator("section[aria-labelledby=plan-h] tbody tr", has_text="dmz").first
    prefix = row.locator("td").first.inner_text().strip()
    net = ipaddress.IPv4Network(prefix)
    return str(net.network_address + 77)


def test_major_change_needs_two_different_tokyo_reviewers(
    gateway_ready: Server, new_context: Callable[..., BrowserContext]
) -> None:
    server = gateway_ready
    staff = new_context().new_page()
    login(staff, server, "musashino-staff")
    host = _dmz_host(staff, server)
    staff.goto(server.url("/gateway/requests/new/?kind=inbound_publication"))
    staff.fill("#id_title", "市民向け予約システムの公開")
    staff.fill("#id_justification", "施設予約をオンライン化するため")
    staff.fill("#id_server", host)
    staff.fill("#id_ports", "443")
    staff.check("#id_waf")
    verdict = staff.locator("#verdict [data-testid=verdict]")
    expect(verdict).to_have_attribute("data-class", "major", timeout=10_000)
    expect(verdict).to_contain_text("重要変更：都の審査者2名が審査します")
    with staff.expect_navigation():
        staff.click("button[name=action][value=submit]")
    assert re.fullmatch(r"/gateway/requests/\d+/", server.path_of(staff)), staff.url
    request_path = server.path_of(staff)
    expect(staff.locator("[data-testid=state]").first).to_have_text("検証済み・審査待ち")
    expect(staff.locator("[data-testid=approval-count]")).to_contain_text("2 名中 0 名")
    expect(staff.locator("[data-testid=sla]")).to_contain_text("残り")
    expect(staff.locator("[data-testid=review-form]")).to_have_count(0)

    first = new_context().new_page()
    _sign_in_reviewer(first, server, REVIEWERS[0])
    first.goto(server.url("/gateway/review/"))
    expect(first.locator("[data-testid=review-queue]")).to_contain_text(
        "市民向け予約システムの公開"
    )
    _docs_shot(first, "review-queue")
    first.goto(server.url(request_path))
    first.fill("#review-reason", "WAF 経由であることを確認")
    with first.expect_navigation():
        first.click("[data-testid=review-form] button[value=approve]")
    expect(first.locator("[data-testid=approval-count]")).to_contain_text("2 名中 1 名")
    expect(first.locator("[data-testid=state]").first).to_have_text("検証済み・審査待ち")
    expect(first.locator("[data-testid=review-form]")).to_have_count(0)  # one decision each

    second = new_context().new_page()
    _sign_in_reviewer(second, server, REVIEWERS[1])
    second.goto(server.url(request_path))
    second.fill("#review-reason", "影響範囲なし")
    with second.expect_navigation():
        second.click("[data-testid=review-form] button[value=approve]")
    expect(second.locator("[data-testid=approval-count]")).to_contain_text("2 名中 2 名")
    _wait_applied(second)

    staff.goto(server.url(request_path))
    expect(staff.locator("[data-testid=state]").first).to_have_text("適用済み")
    approvals = staff.locator("section[aria-labelledby=approvals-h]")
    expect(approvals).to_contain_text("WAF 経由であることを確認")
    expect(approvals).to_contain_text("影響範囲なし")

    # Tokyo sees the lead times of all bodies, and how the quarterly batches compare.
    second.goto(server.url("/gateway/lead-times/"))
    expect(second.locator("[data-testid=lead-classes] tbody tr")).to_have_count(3)
    _docs_shot(second, "lead-times")


def test_lead_time_dashboard(gateway_ready: Server, page: Page) -> None:
    server = gateway_ready
    login(page, server, "musashino-staff")
    page.goto(server.url("/gateway/lead-times/"))
    expect(page.locator("[data-testid=lead-classes] tbody tr")).to_have_count(3)
    expect(page.locator("main svg")).to_have_count(2)
    screenshot(page, "gateway-lead-times-musashino")
