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


def test_a_merge_never_shows_or_sends_a_hidden_voice_to_other_municipalities(
    client_for, tachikawa_staff, musashino_staff, tokyo, category
):
    """A public voice merged into a 都-only one (and the reverse): the other municipality sees
    neither the hidden voice's title on the page nor its news in notifications."""
    from tsunagu.notifications.models import Notification

    public = services.voice_file(
        actor=musashino_staff, category=category, title="公開の要望", body="本文"
    )
    hidden = services.voice_file(
        actor=tachikawa_staff,
        category=category,
        title="都だけの秘密の要望",
        body="本文",
        visibility=Visibility.TOKYO,
    )
    services.voice_merge(actor=tokyo, voice=public, into=hidden)
    m = client_for(musashino_staff)
    page = m.get(f"/voices/{public.pk}/")
    assert page.status_code == 200 and "都だけの秘密の要望" not in page.content.decode()
    assert not hidden.subscriptions.filter(user=musashino_staff).exists()
    services.voice_answer(
        actor=tokyo, voice=hidden, body="回答", reasons="理由", decision="accepted"
    )
    assert not Notification.objects.filter(
        recipient=musashino_staff, kind="voices.answered"
    ).exists()
    # The reverse: a 都-only voice merged into a public one is not listed on the public one.
    secret = services.voice_file(
        actor=tachikawa_staff,
        category=category,
        title="別の都だけの要望",
        body="本文",
        visibility=Visibility.TOKYO,
    )
    target = services.voice_file(
        actor=musashino_staff, category=category, title="統合先の要望", body="本文"
    )
    services.voice_merge(actor=tokyo, voice=secret, into=target)
    assert "別の都だけの要望" not in m.get(f"/voices/{target.pk}/").content.decode()
    assert "別の都だけの要望" in client_for(tokyo).get(f"/voices/{target.pk}/").content.decode()


def test_merge_form_does_not_tell_hidden_voices_from_missing_ones(
    client_for, tachikawa_staff, musashino_staff, category
):
    hidden = services.voice_file(
        actor=tachikawa_staff,
        category=category,
        title="都のみ",
        body="本文",
        visibility=Visibility.TOKYO,
    )
    own = services.voice_file(actor=musashino_staff, category=category, title="題", body="本文")
    m = client_for(musashino_staff)
    to_hidden = m.post(f"/voices/{own.pk}/", {"action": "merge", "into": hidden.pk})
    to_missing = m.post(f"/voices/{own.pk}/", {"action": "merge", "into": hidden.pk + 999})
    assert to_hidden.status_code == to_missing.status_code


def test_auditors_cannot_follow_a_voice(client_for, tachikawa_staff, auditor, category):
    from tsunagu.core.errors import PermissionDenied

    voice = services.voice_file(actor=tachikawa_staff, category=category, title="題", body="本文")
    with pytest.raises(PermissionDenied):
        services.voice_subscribe(actor=auditor, voice=voice, on=True)
    c = client_for(auditor)
    assert 'value="subscribe"' not in c.get(f"/voices/{voice.pk}/").content.decode()
    c.post(f"/voices/{voice.pk}/", {"action": "subscribe"})
    assert c.put(f"/api/v1/voices/{voice.ref}/subscription").status_code == 403
    assert not voice.subscriptions.filter(user=auditor).exists()


def test_nul_and_lone_surrogates_are_bad_input_not_server_errors(
    client_for, tachikawa_staff, musashino_staff, tokyo, category
):
    """JSON can carry a lone surrogate and NUL; PostgreSQL refuses NUL even in a filter."""
    voice = services.voice_file(actor=tachikawa_staff, category=category, title="題", body="本文")
    m = client_for(musashino_staff)
    r = m.post(
        "/api/v1/voices/",
        '{"category": "security-cloud", "title": "x\\ud800y\\u0000", "body": "b"}',
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["title"] == "x?y"
    r = m.post(
        f"/api/v1/voices/{voice.ref}/cosign",
        '{"comment": "a\\u0000b"}',
        content_type="application/json",
    )
    assert r.status_code == 201
    r = client_for(tokyo).post(
        f"/api/v1/voices/{voice.ref}/acknowledge",
        '{"note": "x\\ud800", "unit": "a\\u0000"}',
        content_type="application/json",
    )
    assert r.status_code == 422 and r.json()["code"] == "unknown_unit"
    for path in ("/voices/?status=%00x&category=%00&unit=%00", "/api/v1/voices/?status=%00x"):
        assert m.get(path).status_code == 200, path
    assert m.get("/api/v1/voices/%00x").status_code == 404
    assert (
        client_for(tokyo)
        .post(f"/voices/{voice.pk}/", {"action": "route", "unit": "\x00"})
        .status_code
        == 422
    )


def test_the_api_list_does_not_query_per_voice(
    client_for, tachikawa_staff, musashino_staff, category, django_assert_max_num_queries
):
    def add(n):
        for i in range(n):
            v = services.voice_file(
                actor=tachikawa_staff, category=category, title=f"題{i}", body="本文"
            )
            services.voice_cosign(actor=musashino_staff, voice=v)

    add(2)
    m = client_for(musashino_staff)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert len(m.get("/api/v1/voices/").json()) == 2
    add(8)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(m.get("/api/v1/voices/").json()) == 10
