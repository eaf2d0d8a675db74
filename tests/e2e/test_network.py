"""The network model in a real browser: 小金井市's CIO opens the network, reads the diagram and
findings, runs a what-if to β′, files the draft gateway requests and exports the PDF report
(printed by the real worker with Chromium)."""

from __future__ import annotations

import os
import re

import pytest
from e2e_support import REPO, Server, login, screenshot
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

KOGANEI = "132101"
PDF_TIMEOUT = 120_000  # ms: the worker prints with headless Chromium


def _shot(page: Page, name: str) -> None:
    screenshot(page, f"network-{name}")
    if os.environ.get("TSUNAGU_DOCS_SHOTS") == "1":
        (REPO / "docs" / "img").mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(REPO / "docs" / "img" / f"network-{name}.png"), full_page=True)


def test_koganei_cio_assesses_the_network_and_plans_beta_prime(server: Server, page: Page) -> None:
    login(page, server, "koganei-cio")
    page.click("nav.side-nav >> text=ネットワークとコンプライアンス")
    assert server.path_of(page) == f"/network/{KOGANEI}/"
    main = page.locator("main")
    expect(main).to_contain_text("小金井市")
    expect(main).to_contain_text("αモデル")
    expect(page.locator("[data-testid=renewal]")).to_contain_text("β′モデル")

    # The diagram is drawn, with the findings' elements in red, and the findings are listed.
    diagram = page.locator("[data-testid=diagram] svg")
    expect(diagram).to_be_visible()
    expect(diagram.locator("[id^=zone-]").first).to_be_visible()
    assert diagram.locator("[stroke='#c62828']").count() > 0, "a finding is drawn red"
    findings = page.locator("[data-testid=findings] > li")
    assert findings.count() > 0
    expect(findings.first).to_contain_text("対処")
    _shot(page, "detail")

    # What-if: α -> β′.
    page.select_option("#target", "beta_prime")
    with page.expect_navigation():
        page.click("main >> text=シミュレーション")
    assert server.path_of(page) == f"/network/{KOGANEI}/what-if/"
    expect(page.locator("h1")).to_contain_text("β′モデル")
    missing = page.locator("[data-testid=missing-measures] li")
    assert missing.count() > 0
    expect(page.locator("[data-testid=missing-measures]")).to_contain_text("EDR")
    expect(page.locator("[data-testid=gained]")).to_contain_text("テレワーク")
    needs = page.locator("[data-testid=gateway-needs] li")
    n_needs = needs.count()
    assert n_needs > 0
    _shot(page, "whatif")
    with page.expect_navigation():
        page.click("main >> text=ゲートウェイ申請の下書きとして作成")
    assert server.path_of(page) == "/gateway/requests/?state=draft"
    expect(page.locator("main")).to_contain_text(
        f"ゲートウェイ申請の下書きを {n_needs} 件作成しました"
    )
    expect(page.locator("main")).to_contain_text("β′モデルへの移行")

    # The PDF report, printed by the background worker.
    page.goto(server.url(f"/network/{KOGANEI}/report/"))
    expect(page.locator("[data-testid=report]")).to_contain_text("ネットワークセキュリティ評価")
    with page.expect_navigation():
        page.click("main >> text=評価レポートをPDFで出力")
    assert re.fullmatch(r"/network/reports/\d+/", server.path_of(page)), page.url
    expect(page.locator("[data-testid=report-status]")).to_have_attribute(
        "data-status", "done", timeout=PDF_TIMEOUT
    )
    with page.expect_download() as info:
        page.click("[data-testid=report-download]")
    path = info.value.path()
    data = path.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 10_000
    _shot(page, "report-ready")


def test_another_municipality_cannot_open_koganei_network(server: Server, page: Page) -> None:
    login(page, server, "musashino-staff")
    response = page.goto(server.url(f"/network/{KOGANEI}/"))
    assert response is not None and response.status == 404
