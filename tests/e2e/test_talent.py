"""Shared experts in a real browser: 小金井市 asks for BPR help twice a month, the 都
coordinator runs matching and reads the explanation, 小金井市 ranks, the expert accepts, a visit
is scheduled and reported with an artifact, 武蔵野市 reuses it, and the statement and the
service figures reflect it."""

from __future__ import annotations

import datetime as dt
import os
import re
from zoneinfo import ZoneInfo

import pytest
from e2e_support import (
    REPO,
    Server,
    forget_second_factors,
    login,
    logout,
    screenshot,
    sign_in_enrolling_totp,
)
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

EXPERT = "小林 真理"
TODAY = dt.datetime.now(ZoneInfo("Asia/Tokyo")).date()
ARTIFACT = "窓口業務フロー整理シート（e2e）"


def _shot(page: Page, name: str) -> None:
    screenshot(page, f"talent-{name}")
    if os.environ.get("TSUNAGU_DOCS_SHOTS") == "1":
        (REPO / "docs" / "img").mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(REPO / "docs" / "img" / f"talent-{name}.png"), full_page=True)


@pytest.fixture
def coordinator_cleanup(server: Server):
    yield
    forget_second_factors(server, ["tokyo-coordinator"])


def test_koganei_request_to_reused_artifact(
    server: Server, page: Page, coordinator_cleanup
) -> None:
    this_month = TODAY.replace(day=1).strftime("%Y-%m")
    # 1. 小金井市 files the request; skills are suggested from the text.
    login(page, server, "koganei-staff")
    page.goto(server.url("/talent/requests/new/"))
    page.fill("#f-title", "窓口業務の改革（e2e）")
    page.fill(
        "#f-problem",
        "窓口の手続きが紙ばかりで職員の負担が大きい。書かない窓口と業務フローの見直しを進めたい。",
    )
    expect(page.locator("[data-testid=suggested-skills] [data-skill=bpr]")).to_be_visible(
        timeout=15_000
    )
    page.check("input[name=skills][value=bpr]")
    page.select_option("#level-bpr", "3")
    page.fill("#f-visits_per_month", "2")
    page.fill("#f-start_month", this_month)
    page.select_option("#f-preferred_expert", label=EXPERT)
    _shot(page, "request-form")
    with page.expect_navigation():
        page.get_by_role("button", name="依頼する", exact=True).click()
    request_path = server.path_of(page)
    assert re.fullmatch(r"/talent/requests/\d+/", request_path), page.url
    logout(page)

    # 2. The coordinator runs matching, reads the explanation, locks 小林 if needed.
    sign_in_enrolling_totp(page, server, "tokyo-coordinator")
    page.goto(server.url("/talent/matching/"))
    with page.expect_navigation():
        page.get_by_role("button", name="マッチングを実行", exact=True).click()
    expect(page.locator("[data-testid=run-status]")).to_contain_text("最適解")
    row = page.locator("[data-testid=run-proposals] tr", has_text="窓口業務の改革（e2e）")
    expect(row).to_contain_text("スキル")
    _shot(page, "run")
    page.goto(server.url(request_path))
    best = page.locator("[data-testid=candidates] > li").first
    if EXPERT not in best.inner_text():
        card = page.locator("[data-testid=candidates] > li", has_text=EXPERT)
        with page.expect_navigation():
            card.locator("button[value=lock]").click()
        page.goto(server.url("/talent/matching/"))
        with page.expect_navigation():
            page.get_by_role("button", name="マッチングを実行", exact=True).click()
    logout(page)

    # 3. 小金井市 ranks; 4. the expert accepts.
    login(page, server, "koganei-staff")
    page.goto(server.url(request_path))
    expect(page.locator("[data-testid=candidates] > li").first).to_contain_text(EXPERT)
    expect(page.locator("[data-testid=candidates]")).to_contain_text("この人材を提案する理由")
    _shot(page, "candidates")
    with page.expect_navigation():
        page.get_by_role("button", name="順位を送る", exact=True).click()
    expect(page.locator("[data-testid=request-state]")).to_have_text("専門人材に打診中")
    logout(page)
    login(page, server, "expert-kobayashi")
    page.goto(server.url("/talent/offers/"))
    offer = page.locator("article", has_text="窓口業務の改革（e2e）")
    with page.expect_navigation():
        offer.locator("button[value=accept]").click()
    logout(page)

    # 5. A visit today, reported by the expert with an artifact.
    login(page, server, "koganei-staff")
    page.goto(server.url(request_path))
    page.fill("#v-date", TODAY.isoformat())
    page.select_option("#v-mode", "onsite")
    with page.expect_navigation():
        page.get_by_role("button", name="訪問を予定する", exact=True).click()
    expect(page.locator("[data-testid=visits]")).to_contain_text(TODAY.isoformat())
    visit_href = page.locator("[data-testid=visits] a").first.get_attribute("href")
    logout(page)
    login(page, server, "expert-kobayashi")
    page.goto(server.url(str(visit_href)))
    page.fill(
        "#report", "業務フローを職員と一緒に書き出し、書かない窓口の対象手続きを三つに絞った。"
    )
    page.fill("#art_title_0", ARTIFACT)
    with page.expect_navigation():
        page.get_by_role("button", name="報告を送る", exact=True).click()
    expect(page.locator("[data-testid=visit-state]")).to_have_text("報告済み")
    logout(page)

    # 6. 武蔵野市 reuses the artifact; the graph shows the link.
    login(page, server, "musashino-staff")
    page.goto(server.url("/talent/knowledge/"))
    art_row = page.locator("[data-testid=artifacts] tr", has_text=ARTIFACT)
    with page.expect_navigation():
        art_row.locator("button").click()
    expect(page.locator("[data-testid=artifacts] tr", has_text=ARTIFACT)).to_contain_text(
        "武蔵野市"
    )
    _shot(page, "knowledge")
    logout(page)

    # 7. The statement and the figures reflect the visit.
    login(page, server, "koganei-staff")
    page.goto(server.url(f"/talent/statements/?month={this_month}"))
    expect(page.locator("[data-testid=statement]")).to_contain_text(EXPERT)
    _shot(page, "statement")
    with page.expect_navigation():
        page.get_by_role("button", name="PDFで出力", exact=True).click()
    expect(page.locator("[data-testid=statement-export]")).to_have_attribute(
        "data-status", "done", timeout=120_000
    )
    with page.expect_download() as info:
        page.click("[data-testid=statement-download]")
    assert info.value.path().read_bytes().startswith(b"%PDF")
    page.goto(server.url("/talent/"))
    expect(page.locator("[data-testid=talent-metrics]")).to_be_visible()
