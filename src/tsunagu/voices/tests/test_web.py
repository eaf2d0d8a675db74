"""Voices pages: forms keep what was typed, script renders inert, other municipalities
get 404 for what they may not see, and refusals carry error codes."""

from __future__ import annotations

import pytest

from tsunagu.core.models import Organization
from tsunagu.core.roles import Role
from tsunagu.core.tests.factories import make_user
from tsunagu.voices import services
from tsunagu.voices.models import Category, Visibility, Voice

pytestmark = pytest.mark.django_db
TOKYO = "130001"


@pytest.fixture
def category():
    return Category.objects.select_related("unit").get(key="security-cloud")


@pytest.fixture
def tokyo():
    return make_user(Role.TOKYO_COORDINATOR, TOKYO)


def test_file_form_keeps_everything_typed_on_error(client_for, tachikawa_staff):
    c = client_for(tachikawa_staff)
    r = c.post(
        "/voices/new/",
        {
            "category": "security-cloud",
            "title": "",
            "body": "長い本文をここに書きました",
            "desired_outcome": "望む結果",
        },
    )
    assert r.status_code == 422
    html = r.content.decode()
    assert "長い本文をここに書きました" in html and "望む結果" in html
    assert not Voice.objects.exists()
    r = c.post("/voices/new/", {"category": "nope", "title": "題", "body": "本文"})
    assert r.status_code == 422 and not Voice.objects.exists()


def test_file_then_detail_renders_script_inert(client_for, tachikawa_staff):
    c = client_for(tachikawa_staff)
    r = c.post(
        "/voices/new/",
        {
            "category": "talent",
            "title": "<script>alert(1)</script>",
            "body": "<img src=x onerror=alert(2)>",
            "visibility": "all",
        },
    )
    assert r.status_code == 302
    voice = Voice.objects.get()
    html = c.get(f"/voices/{voice.pk}/").content.decode()
    assert (
        "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    )
    assert "<img src=x" not in html


def test_detail_actions_and_refusal_keeps_typed_answer(
    client_for, tachikawa_staff, musashino_staff, tokyo, category
):
    voice = services.voice_file(actor=tachikawa_staff, category=category, title="題", body="本文")
    m = client_for(musashino_staff)
    assert (
        m.post(f"/voices/{voice.pk}/", {"action": "cosign", "comment": "同じ課題です"}).status_code
        == 302
    )
    again = m.post(f"/voices/{voice.pk}/", {"action": "cosign", "comment": "二度目"})
    assert again.status_code == 409 and "二度目" in again.content.decode()
    t = client_for(tokyo)
    r = t.post(
        f"/voices/{voice.pk}/",
        {"action": "answer", "decision": "accepted", "body": "回答の本文", "reasons": ""},
    )
    assert r.status_code == 422 and "回答の本文" in r.content.decode()
    assert (
        t.post(
            f"/voices/{voice.pk}/",
            {"action": "answer", "decision": "accepted", "body": "回答", "reasons": "理由"},
        ).status_code
        == 302
    )
    # Only the requester may reply: another municipality is refused.
    assert m.post(f"/voices/{voice.pk}/", {"action": "reply", "body": "横から"}).status_code in (
        403,
        404,
    )
    tc = client_for(tachikawa_staff)
    assert tc.post(f"/voices/{voice.pk}/", {"action": "close"}).status_code == 302
    voice.refresh_from_db()
    assert voice.status == "closed"
    late = t.post(
        f"/voices/{voice.pk}/",
        {"action": "answer", "decision": "accepted", "body": "追記", "reasons": "理由"},
    )
    assert late.status_code == 409


def test_other_municipality_gets_404_for_a_tokyo_only_voice(
    client_for, tachikawa_staff, musashino_staff, category
):
    voice = services.voice_file(
        actor=tachikawa_staff,
        category=category,
        title="都のみ",
        body="本文",
        visibility=Visibility.TOKYO,
    )
    m = client_for(musashino_staff)
    assert m.get(f"/voices/{voice.pk}/").status_code == 404
    assert m.post(f"/voices/{voice.pk}/", {"action": "cosign"}).status_code == 404
    assert "都のみ" not in m.get("/voices/").content.decode()
    for method, path, body in [
        ("get", f"/api/v1/voices/{voice.ref}", None),
        ("post", f"/api/v1/voices/{voice.ref}/cosign", {}),
        ("post", f"/api/v1/voices/{voice.ref}/reply", {"body": "x"}),
        ("post", f"/api/v1/voices/{voice.ref}/close", {}),
        ("put", f"/api/v1/voices/{voice.ref}/subscription", None),
    ]:
        r = (
            getattr(m, method)(path, body, content_type="application/json")
            if body is not None
            else getattr(m, method)(path)
        )
        assert r.status_code == 404, path
        assert r.json()["code"] == "not_found"
    assert voice.ref not in [v["ref"] for v in m.get("/api/v1/voices/").json()]


def test_pages_render_for_each_kind_of_user(client_for, tachikawa_staff, tokyo, auditor, category):
    services.voice_file(actor=tachikawa_staff, category=category, title="題", body="本文")
    for user in (tachikawa_staff, tokyo, auditor):
        c = client_for(user)
        for path in ("/voices/", "/voices/metrics/"):
            assert c.get(path).status_code == 200, (user.role, path)
    assert client_for(auditor).get("/voices/new/").status_code in (403, 404)
    assert client_for(tachikawa_staff).get("/voices/categories/").status_code in (403, 404)
    admin = make_user(Role.TOKYO_ADMIN, TOKYO)
    c = client_for(admin)
    assert c.get("/voices/categories/").status_code == 200
    r = c.post(
        "/voices/categories/",
        {
            "key": "talent",
            "unit": "talent",
            "ack_days": "0",
            "answer_days": "30",
            "agenda_threshold": "5",
            "version": "1",
        },
    )
    assert r.status_code == 422 and Category.objects.get(key="talent").ack_days == 5
    r = c.post(
        "/voices/categories/",
        {
            "key": "talent",
            "unit": "talent",
            "ack_days": "3",
            "answer_days": "30",
            "agenda_threshold": "4",
            "version": "1",
        },
    )
    assert r.status_code == 302 and Category.objects.get(key="talent").agenda_threshold == 4


def test_organisations_named_for_orgs_visibility_must_exist(client_for, tachikawa_staff):
    c = client_for(tachikawa_staff)
    r = c.post(
        "/voices/new/",
        {
            "category": "talent",
            "title": "題",
            "body": "本文",
            "visibility": "orgs",
            "shared_with": ["999999"],
        },
    )
    assert r.status_code == 422 and not Voice.objects.exists()
    mitaka = Organization.objects.get(slug="mitaka")
    r = c.post(
        "/voices/new/",
        {
            "category": "talent",
            "title": "題",
            "body": "本文",
            "visibility": "orgs",
            "shared_with": [mitaka.code],
        },
    )
    assert r.status_code == 302
    assert list(Voice.objects.get().shared_with.values_list("code", flat=True)) == [mitaka.code]


def test_search_finds_voices_with_their_status_label_and_hides_tokyo_only(
    client_for, tachikawa_staff, musashino_staff, category
):
    services.voice_file(
        actor=tachikawa_staff, category=category, title="庁舎移転の相談窓口", body="本文"
    )
    services.voice_file(
        actor=tachikawa_staff,
        category=category,
        title="移転の内々の相談",
        body="本文",
        visibility=Visibility.TOKYO,
    )
    html = client_for(musashino_staff).get("/search/", {"q": "移転"}).content.decode()
    assert "<mark>移転</mark>" in html and "相談窓口" in html
    assert "受付" in html and ">received<" not in html
    assert "内々" not in html
    own = client_for(tachikawa_staff).get("/search/", {"q": "移転"}).content.decode()
    assert "内々" in own
