"""Gateway pages through the Django test client: roles, other municipalities, forms, htmx."""

from __future__ import annotations

import pytest

from tsunagu.core.models import Organization
from tsunagu.core.roles import Role
from tsunagu.core.tests.factories import make_user
from tsunagu.gateway import services, train
from tsunagu.gateway.models import (
    Artifact,
    ArtifactBlob,
    CatalogService,
    ChangeRequest,
    ChangeState,
    PolicyVersion,
    Recertification,
    RiskClass,
)

MUSASHINO = "132039"
TACHIKAWA = "132021"

PAGES = [
    "/gateway/",
    "/gateway/requests/",
    "/gateway/requests/new/",
    "/gateway/requests/new/?kind=allow_domain",
    "/gateway/requests/new/?kind=firewall_outbound",
    "/gateway/requests/new/?kind=inbound_publication",
    "/gateway/requests/new/?kind=mail_relay",
    "/gateway/requests/new/?kind=tls_exemption",
    "/gateway/requests/new/?kind=temporary_rule",
    "/gateway/requests/new/?kind=rule_removal",
    "/gateway/requests/new/?kind=catalog_adoption&catalog=zoom",
    "/gateway/catalog/",
    f"/gateway/policy/{MUSASHINO}/",
    "/gateway/versions/",
    "/gateway/versions/1/",
    "/gateway/lead-times/",
    "/gateway/recertification/",
]


def adopt(user, slug="zoom", code=MUSASHINO) -> ChangeRequest:
    return services.catalog_adopt(
        actor=user,
        organization=Organization.objects.get(code=code),
        service=CatalogService.objects.get(slug=slug),
    )


def html_of(res) -> str:
    return res.content.decode()


@pytest.mark.parametrize("path", PAGES)
def test_municipal_staff_sees_every_page_in_japanese(gateway, musashino_staff, client_for, path):
    res = client_for(musashino_staff).get(path)
    assert res.status_code == 200, (path, res.status_code)
    html = html_of(res)
    assert '<html lang="ja">' in html
    assert "セキュリティクラウド" in html or "申請" in html


@pytest.mark.parametrize("role", [Role.TOKYO_ADMIN, Role.TOKYO_SECOPS, Role.AUDITOR])
def test_tokyo_roles_and_auditor_see_the_pages(gateway, client_for, role):
    user = make_user(role, "130001")
    client = client_for(user)
    for path in [
        "/gateway/",
        "/gateway/requests/",
        "/gateway/catalog/",
        "/gateway/versions/1/",
        f"/gateway/policy/{MUSASHINO}/",
        "/gateway/lead-times/",
        "/gateway/recertification/",
    ]:
        assert client.get(path).status_code == 200, (role, path)
    review = client.get("/gateway/review/")
    assert review.status_code == (404 if role == Role.AUDITOR else 200)
    form = client.get("/gateway/requests/new/?kind=allow_domain")
    assert form.status_code == (404 if role == Role.AUDITOR else 200)
    if role != Role.AUDITOR:
        # Tokyo operators choose the organisation, or the shared policy.
        assert 'name="organization"' in html_of(form)


def test_overview_shows_queue_to_reviewers(gateway, tokyo_admin, musashino_staff, client_for):
    services.change_request_create(
        actor=musashino_staff,
        organization=musashino_staff.organization,
        kind="inbound_publication",
        title="公開",
        form={"server": "10.27.192.20", "protocol": "tcp", "ports": "443", "waf": True},
    )
    html = html_of(client_for(tokyo_admin).get("/gateway/"))
    assert 'data-testid="queue-count"' in html
    staff_html = html_of(client_for(musashino_staff).get("/gateway/"))
    assert 'data-testid="queue-count"' not in staff_html


def test_another_municipality_gets_404(gateway, musashino_staff, tachikawa_staff, client_for):
    req = adopt(musashino_staff)
    client = client_for(tachikawa_staff)
    assert client.get(f"/gateway/requests/{req.pk}/").status_code == 404
    assert client.get(f"/gateway/policy/{MUSASHINO}/").status_code == 404
    assert client.post(f"/gateway/requests/{req.pk}/comments/", {"body": "x"}).status_code == 404
    assert client.post(f"/gateway/requests/{req.pk}/withdraw/").status_code == 404
    assert client.get(f"/gateway/requests/{req.pk}/edit/").status_code == 404
    listing = html_of(client.get("/gateway/requests/"))
    assert req.reference not in listing
    # Tachikawa's own policy is there.
    assert client.get(f"/gateway/policy/{TACHIKAWA}/").status_code == 200


def test_invalid_form_keeps_what_was_typed(gateway, musashino_staff, client_for):
    client = client_for(musashino_staff)
    res = client.post(
        "/gateway/requests/new/",
        {
            "kind": "firewall_outbound",
            "title": "Web会議の音声",
            "justification": "庁内のWeb会議で必要です",
            "source_zone": "internet",
            "destinations": "198.51.100.0/24",
            "protocol": "udp",
            "ports": "99999",
            "action": "submit",
        },
    )
    assert res.status_code == 422
    html = html_of(res)
    assert 'value="Web会議の音声"' in html
    assert "庁内のWeb会議で必要です" in html
    assert "198.51.100.0/24" in html
    assert 'value="99999"' in html
    assert "保存されていません" in html
    # The error is tied to its field.
    assert 'id="id_ports_error"' in html
    assert 'aria-describedby="id_ports_help id_ports_error"' in html
    assert ChangeRequest.objects.count() == 0


def test_missing_title_is_a_field_error(gateway, musashino_staff, client_for):
    res = client_for(musashino_staff).post(
        "/gateway/requests/new/",
        {"kind": "allow_domain", "title": "", "hosts": "kintone.example.jp", "action": "submit"},
    )
    assert res.status_code == 422
    html = html_of(res)
    assert 'id="id_title_error"' in html
    assert "kintone.example.jp" in html


def test_htmx_preview_returns_the_verdict_fragment(gateway, musashino_staff, client_for):
    client = client_for(musashino_staff)
    res = client.post(
        "/gateway/requests/preview/",
        {"kind": "allow_domain", "title": "x", "hosts": "*.co.jp"},
        HTTP_HX_REQUEST="true",
    )
    assert res.status_code == 200
    html = html_of(res)
    assert "<html" not in html
    assert 'data-class="rejected"' in html
    assert "却下：ドメインパターン *.co.jp は登録可能ドメインより広すぎます" in html
    assert 'data-testid="verdict-fix"' in html
    ok = html_of(
        client.post(
            "/gateway/requests/preview/",
            {"kind": "allow_domain", "title": "x", "hosts": "www.kintone.com"},
            HTTP_HX_REQUEST="true",
        )
    )
    assert 'data-testid="verdict"' in ok and 'data-class="rejected"' not in ok
    incomplete = html_of(
        client.post(
            "/gateway/requests/preview/", {"kind": "allow_domain", "hosts": ""}, HTTP_HX_REQUEST="1"
        )
    )
    assert 'data-testid="verdict-incomplete"' in incomplete
    assert ChangeRequest.objects.count() == 0


def test_draft_then_submit(gateway, musashino_staff, client_for):
    client = client_for(musashino_staff)
    res = client.post(
        "/gateway/requests/new/",
        {"kind": "allow_domain", "title": "kintone", "hosts": "", "action": "draft"},
    )
    assert res.status_code == 302
    req = ChangeRequest.objects.get()
    assert req.state == ChangeState.DRAFT
    page = html_of(client.get(f"/gateway/requests/{req.pk}/edit/"))
    assert 'value="kintone"' in page
    res = client.post(
        f"/gateway/requests/{req.pk}/edit/",
        {
            "title": "kintone",
            "hosts": "cybozu-demo.kintone.com",
            "service": "kintone",
            "lock_version": req.lock_version,
            "action": "submit",
        },
    )
    assert res.status_code == 302
    req.refresh_from_db()
    assert req.state != ChangeState.DRAFT


def test_catalog_adopt_then_disabled(gateway, musashino_staff, client_for):
    client = client_for(musashino_staff)
    res = client.post("/gateway/catalog/adopt/", {"slug": "zoom"})
    assert res.status_code == 302
    req = ChangeRequest.objects.get()
    assert res["Location"] == f"/gateway/requests/{req.pk}/"
    assert req.risk_class == RiskClass.STANDARD
    html = html_of(client.get("/gateway/catalog/"))
    card = html.split('data-testid="service-zoom"')[1].split("</article>")[0]
    assert "disabled" in card
    detail = html_of(client.get(f"/gateway/requests/{req.pk}/"))
    assert 'data-testid="verdict"' in detail
    assert 'data-testid="timeline"' in detail


def test_major_request_needs_two_reviewers(gateway, musashino_staff, client_for, tokyo_admin):
    req = services.change_request_create(
        actor=musashino_staff,
        organization=musashino_staff.organization,
        kind="inbound_publication",
        title="公開",
        form={"server": "10.27.192.20", "protocol": "tcp", "ports": "443", "waf": True},
    )
    assert req.state == ChangeState.VERIFIED
    # The requester sees no review form.
    own = html_of(client_for(musashino_staff).get(f"/gateway/requests/{req.pk}/"))
    assert 'data-testid="review-form"' not in own
    admin = client_for(tokyo_admin)
    page = html_of(admin.get(f"/gateway/requests/{req.pk}/"))
    assert 'data-testid="review-form"' in page
    # Rejecting without a reason is refused, nothing changes.
    admin.post(f"/gateway/requests/{req.pk}/decide/", {"decision": "reject", "reason": ""})
    req.refresh_from_db()
    assert req.state == ChangeState.VERIFIED
    admin.post(f"/gateway/requests/{req.pk}/decide/", {"decision": "approve", "reason": "OK"})
    req.refresh_from_db()
    if req.risk_class == RiskClass.MAJOR:
        assert req.state == ChangeState.VERIFIED
        assert "1 / 2" in html_of(admin.get("/gateway/review/"))
        second = make_user(Role.TOKYO_SECOPS, "130001")
        client_for(second).post(
            f"/gateway/requests/{req.pk}/decide/", {"decision": "approve", "reason": "OK"}
        )
        req.refresh_from_db()
    assert req.state == ChangeState.APPROVED


def test_comments_and_attachments(gateway, musashino_staff, client_for):
    req = adopt(musashino_staff)
    client = client_for(musashino_staff)
    client.post(f"/gateway/requests/{req.pk}/comments/", {"body": "よろしくお願いします"})
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("手順書.txt", "設定手順".encode(), content_type="text/plain")
    client.post(f"/gateway/requests/{req.pk}/attachments/", {"file": upload})
    html = html_of(client.get(f"/gateway/requests/{req.pk}/"))
    assert "よろしくお願いします" in html
    att = req.attachments.get()
    res = client.get(f"/gateway/requests/{req.pk}/attachments/{att.pk}/")
    assert res.status_code == 200
    assert res.content == "設定手順".encode()
    assert res["Content-Disposition"].startswith("attachment;")


def test_train_applies_and_version_pages_show_it(
    gateway, musashino_staff, tokyo_admin, client_for, publisher
):
    req = adopt(musashino_staff)
    train.run_train(publisher=publisher)
    req.refresh_from_db()
    assert req.state == ChangeState.APPLIED
    client = client_for(musashino_staff)
    html = html_of(client.get(f"/gateway/requests/{req.pk}/"))
    assert 'data-testid="applied-version"' in html
    n = req.applied_version.number
    page = html_of(client.get(f"/gateway/versions/{n}/"))
    assert "zoom" in page.lower()
    art = Artifact.objects.filter(version=req.applied_version, section=MUSASHINO).first()
    if art is not None:
        res = client.get(f"/gateway/versions/{n}/artifacts/{art.path}")
        assert res.status_code == 200
        assert res["Content-Type"].startswith("text/plain")
        assert res["Content-Disposition"].startswith("attachment;")
    # Operators see the rollback form; staff do not and cannot post it.
    assert "rollback-reason" not in html_of(client.get("/gateway/versions/1/"))
    assert client.post("/gateway/versions/1/rollback/", {"reason": "x"}).status_code == 404
    assert client.post("/gateway/versions/train/").status_code == 404
    admin = client_for(tokyo_admin)
    assert "rollback-reason" in html_of(admin.get("/gateway/versions/1/"))
    res = admin.post("/gateway/versions/1/rollback/", {"reason": "テスト"})
    assert res.status_code == 302
    assert PolicyVersion.objects.filter(rollback_of__number=1).exists()
    assert admin.post("/gateway/versions/train/").status_code == 302
    lead = client.get("/gateway/lead-times/")
    assert lead.status_code == 200
    assert "<svg" in html_of(lead)


def test_artifact_of_another_municipality_is_hidden(gateway, tachikawa_staff, client_for):
    version = PolicyVersion.objects.get(number=1)
    blob = ArtifactBlob.objects.create(sha256="0" * 64, text="table inet x {}")
    Artifact.objects.create(version=version, section=MUSASHINO, path="nft/132039.nft", blob=blob)
    res = client_for(tachikawa_staff).get("/gateway/versions/1/artifacts/nft/132039.nft")
    assert res.status_code == 404


def test_recertification_confirm_and_drop(gateway, musashino_staff, tachikawa_staff, client_for):
    from tsunagu.gateway.selectors import active_snapshot

    section = active_snapshot().orgs[MUSASHINO]
    uids = [r.uid for r in section.rules][:2]
    if len(uids) < 2:
        pytest.skip("the baseline section has fewer than two rules")
    import datetime as dt

    recs = [
        Recertification.objects.create(
            year=2026,
            organization=musashino_staff.organization,
            rule_uid=uid,
            summary="allow …",
            due=dt.date(2026, 6, 1),
        )
        for uid in uids
    ]
    client = client_for(musashino_staff)
    assert uids[0] in html_of(client.get("/gateway/recertification/"))
    assert (
        client_for(tachikawa_staff)
        .post(f"/gateway/recertification/{recs[0].pk}/", {"keep": "1"})
        .status_code
        == 404
    )
    client.post(f"/gateway/recertification/{recs[0].pk}/", {"keep": "1"})
    recs[0].refresh_from_db()
    assert recs[0].decision == Recertification.Decision.CONFIRMED
    res = client.post(f"/gateway/recertification/{recs[1].pk}/", {"keep": "0"})
    recs[1].refresh_from_db()
    assert recs[1].decision == Recertification.Decision.DROPPED
    assert res.status_code == 302


def test_request_list_filters_and_htmx_rows(gateway, musashino_staff, client_for):
    adopt(musashino_staff)
    client = client_for(musashino_staff)
    html = html_of(client.get("/gateway/requests/?class=standard&q=Zoom"))
    assert "GW-" in html
    none = html_of(client.get("/gateway/requests/?state=rejected"))
    assert "GW-" not in none
    rows = client.get("/gateway/requests/?q=Zoom", HTTP_HX_REQUEST="true")
    assert "<html" not in html_of(rows) and "GW-" in html_of(rows)
