"""The forum in a real browser: 立川市 files a voice to 都, 武蔵野市 is shown it while typing a
duplicate and co-signs instead, a 都 unit acknowledges and answers, 立川市 replies and closes;
a 小金井市 user finds peers for a network renewal and sends a connect request; search finds 移転
in a roundtable record."""

from __future__ import annotations

import pytest
from e2e_support import (
    Server,
    forget_second_factors,
    login,
    logout,
    screenshot,
    sign_in_enrolling_totp,
)
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

TITLE = "セキュリティクラウドの変更手続を簡素化してほしい（e2e）"


@pytest.fixture
def coordinator_cleanup(server: Server):
    yield
    forget_second_factors(server, ["tokyo-coordinator"])


def _action(page: Page, action: str) -> None:
    with page.expect_navigation():
        page.click(f"main form:has(input[name=action][value={action}]) button[type=submit]")


def test_voice_from_filing_to_closure(server: Server, page: Page, coordinator_cleanup) -> None:
    # 1. 立川市 files the voice.
    login(page, server, "tachikawa-staff")
    page.goto(server.url("/voices/new/"))
    page.select_option("#f-category", "security-cloud")
    page.fill("#f-title", TITLE)
    page.fill(
        "#f-body",
        "クラウドサービスの許可をセキュリティクラウドに依頼すると、反映まで数か月かかる。"
        "変更が安全かどうかをすぐに判断できる仕組みと、簡素な手続を求めたい。",
    )
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    expect(page.get_by_test_id("voice-title")).to_have_text(TITLE)
    expect(page.get_by_test_id("voice-status")).to_have_text("受付")
    voice_path = server.path_of(page)
    ref = page.locator(".eyebrow").inner_text().split("·")[0].strip()
    assert ref.startswith("V-")
    logout(page)

    # 2. 武蔵野市 starts to write the same request; the duplicate is suggested; it co-signs.
    login(page, server, "musashino-staff")
    page.goto(server.url("/voices/new/"))
    page.fill("#f-title", "セキュリティクラウドの手続")
    page.fill("#f-body", "許可リストの変更手続に数か月かかるので簡素化してほしい")
    suggestion = page.get_by_test_id("similar-voice").filter(has_text=ref)
    expect(suggestion).to_be_visible(timeout=15000)
    screenshot(page, "forum-voice-duplicate-suggested")
    with page.expect_navigation():
        suggestion.click()
    assert server.path_of(page) == voice_path
    page.fill("#cs-comment", "本市も同じ課題を抱えています。")
    _action(page, "cosign")
    expect(page.get_by_test_id("cosigners")).to_contain_text("武蔵野市")
    logout(page)

    # 3. The 都 unit acknowledges and answers, with reasons.
    sign_in_enrolling_totp(page, server, "tokyo-coordinator")
    page.goto(server.url(voice_path))
    expect(page.get_by_test_id("voice-unit")).to_contain_text("セキュリティクラウド")
    page.fill("#a-note", "受け付けました。所管部署で検討します。")
    _action(page, "acknowledge")
    expect(page.get_by_test_id("voice-status")).to_have_text("受領確認済み")
    page.select_option("#ans-decision", "partly")
    page.fill("#ans-body", "低リスクの変更は自動検証の後、次の定期反映で適用します。")
    page.fill(
        "#ans-reasons", "検証結果を即時に示せるため。高リスクの変更は従来どおり審査が必要です。"
    )
    _action(page, "answer")
    expect(page.get_by_test_id("voice-status")).to_have_text("回答済み")
    expect(page.get_by_test_id("reasons")).to_contain_text("高リスク")
    logout(page)

    # 4. 立川市 replies, then confirms the closure.
    login(page, server, "tachikawa-staff")
    page.goto(server.url(voice_path))
    page.fill("#r-body", "ありがとうございます。運用開始後の所要日数も公開してください。")
    _action(page, "reply")
    expect(page.get_by_test_id("messages")).to_contain_text("所要日数も公開")
    _action(page, "close")
    expect(page.get_by_test_id("voice-status")).to_have_text("完了")
    steps = page.locator("[data-testid=timeline] li").evaluate_all(
        "els => els.map(e => e.dataset.status)"
    )
    assert steps == ["received", "acknowledged", "answered", "closed"]
    screenshot(page, "forum-voice-closed")


def test_koganei_finds_peers_for_its_network_renewal_and_asks_to_connect(
    server: Server, page: Page
) -> None:
    login(page, server, "koganei-staff")
    page.goto(server.url("/forum/projects/?mine=1&topic=network_renewal"))
    with page.expect_navigation():
        page.get_by_test_id("projects").get_by_role("link").first.click()
    with page.expect_navigation():
        page.click("main a[href$='/peers/']")
    done = page.get_by_test_id("peers-done").get_by_test_id("peer")
    expect(done.first).to_be_visible()
    scores = [
        float(s)
        for s in page.get_by_test_id("peers-done").get_by_test_id("peer-score").all_inner_texts()
    ]
    assert scores == sorted(scores, reverse=True) and len(scores) >= 2
    screenshot(page, "forum-peers")
    peer = (
        page.get_by_test_id("peers-done")
        .locator("[data-testid=peer]:has([data-testid=connect-link])")
        .first
    )
    peer_name = peer.locator("h3").inner_text()
    with page.expect_navigation():
        peer.get_by_test_id("connect-link").click()
    page.fill("#f-message", "ネットワーク更新の調達仕様と移行手順について、経験を伺えませんか。")
    with page.expect_navigation():
        page.get_by_test_id("send-connect").click()
    expect(page.get_by_test_id("connect-status")).to_have_text("回答待ち")
    assert peer_name.split("：")[0] in page.locator("main").inner_text()


def test_search_finds_a_two_character_word_in_a_roundtable_record(
    server: Server, page: Page
) -> None:
    login(page, server, "koganei-staff")
    page.fill("#site-search-q", "移転")
    with page.expect_navigation():
        page.press("#site-search-q", "Enter")
    hits = page.get_by_test_id("search-hit").filter(has=page.locator("a[href^='/forum/meetings/']"))
    expect(hits.first).to_be_visible()
    record = hits.filter(has_text="第28回").first
    expect(record.locator("mark").first).to_have_text("移転")
    screenshot(page, "forum-search")
    with page.expect_navigation():
        record.locator("h3 a").click()
    expect(page.get_by_test_id("meeting-summary")).to_contain_text("移転")
