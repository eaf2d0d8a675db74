"""Organisation profiles: another municipality's data stays out of reach; the edit round-trip."""

from __future__ import annotations

import re

import pytest
from e2e_support import MUSASHINO, Server, login, screenshot
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

TACHIKAWA = "132021"
MEMBERS = "section[aria-labelledby=members-h]"
CONTACT_FACTS = ("department", "email", "phone", "website")


def _profile_facts(page: Page) -> dict[str, str]:
    """The profile page's contact facts as shown, in the page's order."""
    values = page.locator("section[aria-labelledby=contact-h] dl.facts dd").all_inner_texts()
    assert len(values) == len(CONTACT_FACTS), values
    return dict(zip(CONTACT_FACTS, (v.strip() for v in values), strict=True))


def _csrf_token(page: Page) -> str:
    cookie = next(c for c in page.context.cookies() if c["name"].endswith("tsunagu_csrf"))
    return cookie["value"]


def test_other_municipality_cannot_edit_or_see_members(page: Page, server: Server) -> None:
    login(page, server, "tachikawa-staff")
    assert server.path_of(page) == "/"

    # Control: their own organisation's profile lists its members and can be edited.
    page.goto(server.url(f"/organizations/{TACHIKAWA}/"))
    expect(page.locator(f"{MEMBERS} tbody tr").first).to_be_visible()
    expect(page.locator(f"a[href='/organizations/{TACHIKAWA}/edit/']")).to_have_count(1)

    # 武蔵野市's edit page does not exist for them.
    response = page.goto(server.url(f"/organizations/{MUSASHINO}/edit/"))
    assert response is not None
    assert response.status == 404, f"edit page of another municipality answered {response.status}"
    expect(page.locator("main form textarea, main form input[name=contact_email]")).to_have_count(0)
    screenshot(page, "organization-edit-other-municipality-404")

    # Its public profile is readable, but without the member list or an edit link.
    response = page.goto(server.url(f"/organizations/{MUSASHINO}/"))
    assert response is not None
    assert response.status == 200
    expect(page.locator("main h1")).to_contain_text("武蔵野市")
    expect(page.locator(MEMBERS)).to_have_count(0)
    expect(page.locator("main table.data")).to_have_count(0)
    expect(page.locator(f"a[href='/organizations/{MUSASHINO}/edit/']")).to_have_count(0)
    expect(page.locator(f"form[action='/organizations/{MUSASHINO}/mfa-policy/']")).to_have_count(0)
    before = _profile_facts(page)

    # Posting the form directly (with a valid CSRF token) is refused too and changes nothing.
    response = page.request.post(
        server.url(f"/organizations/{MUSASHINO}/edit/"),
        form={
            "csrfmiddlewaretoken": _csrf_token(page),
            "description": "hijacked",
            "contact_email": "attacker@example.com",
            "version": "1",
        },
        headers={"X-CSRFToken": _csrf_token(page)},
        max_redirects=0,
    )
    assert response.status == 404, f"POST to another municipality's edit: {response.status}"
    page.reload()
    assert _profile_facts(page) == before
    expect(page.locator("main")).not_to_contain_text("hijacked")


def test_cio_profile_edit_invalid_then_valid(page: Page, server: Server) -> None:
    login(page, server, "musashino-cio")
    profile_url = server.url(f"/organizations/{MUSASHINO}/")
    edit_url = server.url(f"/organizations/{MUSASHINO}/edit/")
    page.goto(profile_url)
    original = _profile_facts(page)
    original_lead = page.locator("main p.lead").inner_text()

    # The edit form starts from the stored profile.
    page.goto(edit_url)
    stored_email = page.locator("input[name=contact_email]").input_value()
    assert "@" in stored_email, stored_email
    assert stored_email == original["email"]

    # 1. Invalid e-mail: refused, explained, and every typed value is still in the form.
    page.fill("textarea[name=description]", "E2E: 説明文を書き換えました。")
    page.fill("input[name=contact_department]", "E2E 情報政策課")
    page.fill("input[name=contact_phone]", "0422-60-1234")
    page.fill("input[name=contact_email]", "not-an-email")
    with page.expect_response(lambda r: r.url == edit_url and r.request.method == "POST") as info:
        page.click("main form button[type=submit]")
    page.wait_for_load_state("load")
    assert info.value.status == 422, f"invalid form answered {info.value.status}"
    assert page.url == edit_url
    expect(page.locator("main [role=alert]")).to_be_visible()
    email_field = page.locator(".field", has=page.locator("input[name=contact_email]"))
    expect(email_field).to_have_class(re.compile(r"\bfield--error\b"))
    expect(email_field.locator(".errorlist li")).to_have_count(1)
    expect(page.locator(".field--error")).to_have_count(1)  # only the e-mail is wrong
    expect(page.locator("textarea[name=description]")).to_have_value(
        "E2E: 説明文を書き換えました。"
    )
    expect(page.locator("input[name=contact_department]")).to_have_value("E2E 情報政策課")
    expect(page.locator("input[name=contact_phone]")).to_have_value("0422-60-1234")
    expect(page.locator("input[name=contact_email]")).to_have_value("not-an-email")
    screenshot(page, "organization-edit-invalid-email")

    # Nothing was saved.
    page.goto(profile_url)
    assert _profile_facts(page) == original
    expect(page.locator("main p.lead")).to_have_text(original_lead)

    # 2. A valid change is saved and shown on the profile.
    page.goto(edit_url)
    page.fill("input[name=contact_email]", "dx-e2e@musashino.example.jp")
    page.fill("input[name=contact_department]", "E2E デジタル推進課")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.url == profile_url
    expect(page.locator("main .notice--success")).to_be_visible()
    facts = _profile_facts(page)
    assert facts["email"] == "dx-e2e@musashino.example.jp", facts
    assert facts["department"] == "E2E デジタル推進課", facts
    expect(page.locator("a[href='mailto:dx-e2e@musashino.example.jp']")).to_have_count(1)
    # Fields not touched keep their stored values.
    assert facts["phone"] == original["phone"], (facts, original)
    assert facts["website"] == original["website"], (facts, original)
    expect(page.locator("main p.lead")).to_have_text(original_lead)
    screenshot(page, "organization-profile-saved")

    # A fresh load shows the same (it was stored, not just echoed).
    page.reload()
    assert _profile_facts(page)["email"] == "dx-e2e@musashino.example.jp"


def test_profile_facts_stay_inside_their_cards(page: Page, server: Server) -> None:
    login(page, server, "musashino-cio")
    page.goto(server.url(f"/organizations/{MUSASHINO}/"))
    overflowing = page.evaluate(
        """() => [...document.querySelectorAll("main .card")].flatMap(card => {
            const box = card.getBoundingClientRect();
            return [...card.querySelectorAll("dd, dd *")]
              .filter(el => el.getBoundingClientRect().right > box.right + 1)
              .map(el => `${el.tagName.toLowerCase()}: ${el.textContent.trim().slice(0, 40)}`
                         + ` (right ${Math.round(el.getBoundingClientRect().right)}`
                         + ` > card ${Math.round(box.right)})`);
        })"""
    )
    assert not overflowing, "content sticks out of its card:\n" + "\n".join(overflowing)
