"""Joint-use cloud in a real browser: a 小金井市 user opens its onboarding view, sees the 64
working groups with what it must still decide, and files positions on three items; the 日野市
lead records a decision in a meeting; the dashboards and the onboarding progress update."""

from __future__ import annotations

import os
import re

import pytest
from e2e_support import REPO, Server, login, logout, screenshot
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

GROUP = "tjc"
KOGANEI = "132101"
ONBOARDING = f"/consortium/{GROUP}/onboarding/{KOGANEI}/"


def _shot(page: Page, name: str) -> None:
    screenshot(page, f"consortium-{name}")
    if os.environ.get("TSUNAGU_DOCS_SHOTS") == "1":
        (REPO / "docs" / "img").mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(REPO / "docs" / "img" / f"consortium-{name}.png"), full_page=True)


def _positioned(page: Page) -> int:
    value = page.locator("[data-testid=ob-progress]").get_attribute("data-positioned")
    assert value is not None
    return int(value)


def _number(page: Page, testid: str) -> int:
    text = page.locator(f"[data-testid={testid}]").first.inner_text()
    return int(re.sub(r"\D", "", text))


def test_koganei_onboarding_positions_hino_decision_dashboards(server: Server, page: Page) -> None:
    # 1. 小金井市 opens its onboarding view from the group list.
    login(page, server, "koganei-staff")
    page.goto(server.url("/consortium/"))
    with page.expect_navigation():
        page.locator(f"a[href='{ONBOARDING}']").first.click()
    assert server.path_of(page) == ONBOARDING
    lanes = page.locator("[data-testid=onboarding-wgs] > li")
    expect(lanes).to_have_count(64)
    expect(page.locator("[data-testid=timeline] svg g[data-wg]")).to_have_count(64)
    expect(page.locator("[data-testid=cutover-alert]")).to_be_visible()  # a blocking item
    to_decide = _number(page, "ob-decide")
    to_accept = _number(page, "ob-accept")
    assert to_decide + to_accept > 3
    positioned_before = _positioned(page)
    _shot(page, "onboarding")

    # 2. It files positions on three items it has not positioned on yet, each time coming back
    #    to the onboarding view.
    for _ in range(3):
        lane = lanes.filter(has=page.locator("tr[data-category=decide], tr[data-category=accept]"))
        first = lane.first
        if first.locator("details").get_attribute("open") is None:
            first.locator("summary").click()
        link = first.locator(
            "tr[data-category=decide] a[data-testid=ob-item], "
            "tr[data-category=accept] a[data-testid=ob-item]"
        ).first
        with page.expect_navigation():
            link.click()
        form = page.locator("[data-testid=position-form]")
        form.locator("input[name=stance][value=adopt]").check()
        form.locator("textarea[name=reason]").fill("他の3市と運用をそろえる（e2e）")
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        assert server.path_of(page) == ONBOARDING, page.url
        expect(page.locator(".messages .notice--success")).to_be_visible()
    assert _positioned(page) == positioned_before + 3
    assert _number(page, "ob-decide") + _number(page, "ob-accept") == to_decide + to_accept - 3
    logout(page)

    # 3. 日野市, lead of working groups, sees what waits for its decision and decides in the
    #    planned meeting.
    login(page, server, "hino-staff")
    page.goto(server.url(f"/consortium/{GROUP}/"))
    decided_before = _number(page, "fig-decided-month")
    ready_before = _number(page, "fig-ready")
    _shot(page, "dashboard")
    page.goto(server.url("/consortium/waiting/"))
    ready = page.locator("[data-testid=waiting-ready] li").filter(
        has=page.locator("a[data-testid=ready-meeting]")
    )
    expect(ready.first).to_be_visible()
    href = ready.first.locator("a").first.get_attribute("href") or ""
    item_no = re.search(r"/items/(\d+)/", href).group(1)
    with page.expect_navigation():
        ready.first.locator("a[data-testid=ready-meeting]").click()
    assert re.fullmatch(rf"/consortium/{GROUP}/meetings/\d+/", server.path_of(page)), page.url
    form = page.locator(f"[data-testid=agenda] li[data-item='{item_no}'] [data-testid=decide-form]")
    form.locator("select[name=decision]").select_option("adopt")
    form.locator("input[name=text]").fill("標準仕様に合わせて運用を統一する（e2e）")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    decided = page.locator(f"[data-testid=agenda] li[data-item='{item_no}']")
    expect(decided.locator("[data-testid=agenda-decision]")).to_contain_text("e2e")
    _shot(page, "meeting")

    # 4. The dashboards follow.
    page.goto(server.url(f"/consortium/{GROUP}/"))
    assert _number(page, "fig-decided-month") == decided_before + 1
    assert _number(page, "fig-ready") == ready_before - 1
    page.goto(server.url(f"/consortium/{GROUP}/items/{item_no}/"))
    expect(page.locator("[data-testid=decision]")).to_contain_text("e2e")
    logout(page)

    # 5. 小金井市 now has the decision to accept (or has accepted it already).
    login(page, server, "koganei-staff")
    page.goto(server.url(ONBOARDING))
    expect(page.locator("[data-testid=onboarding-wgs] > li")).to_have_count(64)
    other = page.goto(server.url("/consortium/nishitama4/"))
    assert other is not None and other.status == 404  # not its group
