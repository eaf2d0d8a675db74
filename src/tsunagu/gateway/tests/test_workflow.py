"""The request workflow end to end through the real services and the real release train."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tsunagu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tsunagu.core.models import AuditEntry, Organization
from tsunagu.gateway import selectors, services, train
from tsunagu.gateway.adapters import snapshot_of
from tsunagu.gateway.models import (
    CatalogService,
    ChangeRequest,
    ChangeState,
    PolicyVersion,
    RiskClass,
)

MUSASHINO = "132039"
TACHIKAWA = "132021"


def org(code):
    return Organization.objects.get(code=code)


def adopt_zoom(user):
    return services.catalog_adopt(
        actor=user, organization=org(MUSASHINO), service=CatalogService.objects.get(slug="zoom")
    )


def test_catalog_adoption_is_standard_and_applied_by_one_train(gateway, musashino_staff, publisher):
    req = adopt_zoom(musashino_staff)
    assert req.risk_class == RiskClass.STANDARD
    assert req.state == ChangeState.APPROVED
    assert req.verdict["blast_radius"] == []
    result = train.run_train(publisher=publisher)
    assert result.status == "published"
    req.refresh_from_db()
    assert req.state == ChangeState.APPLIED
    assert req.applied_version.number == 2
    # Only 武蔵野市's section changed; every other organisation's document is byte-identical.
    v1, v2 = PolicyVersion.objects.get(number=1), PolicyVersion.objects.get(number=2)
    changed = {k for k in v2.manifest if v2.manifest[k] != v1.manifest.get(k)}
    assert changed == {MUSASHINO}
    section = snapshot_of(v2).orgs[MUSASHINO]
    assert {"*.zoom.us", "zoom.us"} <= {d.pattern for d in section.domains}
    assert any(r.protocol == "udp" for r in section.rules)
    # The published files exist for the new version and the pointer moved.
    nft = publisher.root / "nftables" / "v2"
    assert any(nft.iterdir())
    assert (publisher.root / "nftables" / "CURRENT").read_text().strip() == "v2"
    states = list(req.events.values_list("to_state", flat=True))
    assert states == ["draft", "submitted", "verified", "approved", "scheduled", "applied"]


def test_too_broad_domain_is_rejected_with_reason_and_changes_nothing(gateway, musashino_staff):
    req = services.change_request_create(
        actor=musashino_staff,
        organization=org(MUSASHINO),
        kind="allow_domain",
        title="everything",
        form={"hosts": "*.com"},
    )
    assert req.state == ChangeState.REJECTED
    assert req.risk_class == RiskClass.REJECTED
    assert req.rejection_reason
    assert train.run_train(render=False).status == "idle"
    assert PolicyVersion.objects.count() == 1


def test_mynumber_to_internet_is_rejected(gateway, musashino_staff):
    req = services.change_request_create(
        actor=musashino_staff,
        organization=org(MUSASHINO),
        kind="firewall_outbound",
        title="maintenance",
        form={"source_zone": "mynumber", "destinations": "203.0.113.9/32", "ports": "443"},
    )
    assert req.state == ChangeState.REJECTED
    assert req.verdict is not None
    codes = {f["code"] for f in req.verdict["findings"]}
    assert codes, "the verdict names the broken invariant"


def inbound(user, code=MUSASHINO):
    return services.change_request_create(
        actor=user,
        organization=org(code),
        kind="inbound_publication",
        title="online forms",
        form={"server": "10.40.192.20/32", "protocol": "tcp", "ports": "443", "waf": "on"},
    )


def test_major_change_needs_two_different_reviewers(
    gateway, musashino_staff, secops, secops2, publisher
):
    code = MUSASHINO
    index = sorted(Organization.objects.values_list("code", flat=True)).index(code) + 1
    req = services.change_request_create(
        actor=musashino_staff,
        organization=org(code),
        kind="inbound_publication",
        title="online forms",
        form={"server": f"10.{index}.192.20/32", "protocol": "tcp", "ports": "443", "waf": "on"},
    )
    assert req.risk_class == RiskClass.MAJOR
    assert req.state == ChangeState.VERIFIED
    with pytest.raises(PermissionDenied):
        services.change_request_decide(actor=musashino_staff, request=req, approve=True)
    req = services.change_request_decide(actor=secops, request=req, approve=True)
    assert req.state == ChangeState.VERIFIED  # one of two
    with pytest.raises(Conflict):
        services.change_request_decide(actor=secops, request=req, approve=True)
    req = services.change_request_decide(actor=secops2, request=req, approve=True)
    assert req.state == ChangeState.APPROVED
    assert train.run_train(publisher=publisher).status == "published"
    req.refresh_from_db()
    assert req.state == ChangeState.APPLIED


def test_requester_never_reviews_own_request(gateway, secops, secops2):
    req = services.change_request_create(
        actor=secops,
        organization=org(MUSASHINO),
        kind="tls_exemption",
        title="exempt zoom",
        form={"hosts": "*.zoom.us"},
    )
    if req.state != ChangeState.VERIFIED:
        pytest.skip(f"classified {req.risk_class}; the own-review rule needs a reviewed class")
    with pytest.raises(PermissionDenied):
        services.change_request_decide(actor=secops, request=req, approve=True)
    services.change_request_decide(actor=secops2, request=req, approve=False, reason="no")
    req.refresh_from_db()
    assert req.state == ChangeState.REJECTED


def test_rejection_needs_a_reason(gateway, musashino_staff, secops):
    req = services.change_request_create(
        actor=musashino_staff,
        organization=org(MUSASHINO),
        kind="tls_exemption",
        title="exempt zoom",
        form={"hosts": "*.zoom.us"},
    )
    if req.state != ChangeState.VERIFIED:
        pytest.skip("not a reviewed class")
    with pytest.raises(ValidationFailed):
        services.change_request_decide(actor=secops, request=req, approve=False, reason=" ")
    req.refresh_from_db()
    assert req.state == ChangeState.VERIFIED


def test_bad_input_saves_nothing_and_reports_fields(gateway, musashino_staff):
    before = ChangeRequest.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        services.change_request_create(
            actor=musashino_staff,
            organization=org(MUSASHINO),
            kind="firewall_outbound",
            title="",
            form={"destinations": "10.0.0.0/33", "ports": "70000"},
        )
    assert {"title", "destinations", "ports"} <= set(exc.value.details)
    assert ChangeRequest.objects.count() == before


def test_draft_keeps_what_was_typed_even_when_invalid(gateway, musashino_staff):
    req = services.change_request_create(
        actor=musashino_staff,
        organization=org(MUSASHINO),
        kind="firewall_outbound",
        title="draft",
        form={"destinations": "not an address", "ports": "443"},
        submit=False,
    )
    assert req.state == ChangeState.DRAFT
    assert req.form["destinations"] == "not an address"
    with pytest.raises(ValidationFailed):
        services.change_request_submit(actor=musashino_staff, request=req)
    req.refresh_from_db()
    assert req.state == ChangeState.DRAFT


def test_other_municipality_cannot_see_or_file(gateway, musashino_staff, tachikawa_staff):
    req = adopt_zoom(musashino_staff)
    with pytest.raises(NotFound):
        selectors.change_request_get(actor=tachikawa_staff, pk=req.pk)
    assert not selectors.change_request_list(actor=tachikawa_staff).filter(pk=req.pk).exists()
    with pytest.raises(PermissionDenied):
        services.catalog_adopt(
            actor=tachikawa_staff,
            organization=org(MUSASHINO),
            service=CatalogService.objects.get(slug="zoom"),
        )
    with pytest.raises(NotFound):
        selectors.section_get(actor=tachikawa_staff, organization=org(MUSASHINO))


def test_auditor_reads_but_cannot_write(gateway, musashino_staff, auditor):
    req = adopt_zoom(musashino_staff)
    assert selectors.change_request_get(actor=auditor, pk=req.pk) == req
    with pytest.raises(PermissionDenied):
        services.change_request_comment(actor=auditor, request=req, body="hello")


def test_every_transition_is_audited(gateway, musashino_staff, publisher):
    req = adopt_zoom(musashino_staff)
    train.run_train(publisher=publisher)
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "gateway.request_created",
        "gateway.request_submitted",
        "gateway.version_built",
        "gateway.version_activated",
    } <= actions
    assert req.pk


def test_withdraw_before_train_keeps_it_out(gateway, musashino_staff):
    req = adopt_zoom(musashino_staff)
    services.change_request_withdraw(actor=musashino_staff, request=req)
    assert train.run_train(render=False).status == "idle"
    req.refresh_from_db()
    assert req.state == ChangeState.WITHDRAWN
    assert req.applied_version is None


def test_catalog_entry_created_from_shared_request(gateway, musashino_staff, publisher):
    req = services.change_request_create(
        actor=musashino_staff,
        organization=org(MUSASHINO),
        kind="allow_domain",
        title="LoGo form",
        form={"hosts": "www.logoform.jp", "service": "LoGoフォーム", "share_to_catalog": True},
    )
    assert req.state == ChangeState.APPROVED, req.verdict and req.verdict.get("summary_en")
    train.run_train(publisher=publisher)
    entry = CatalogService.objects.get(source_request=req)
    assert entry.domains == ["www.logoform.jp"]


def test_temporary_rule_needs_an_end_date_and_is_removed_after_it(
    gateway, musashino_staff, publisher
):
    with pytest.raises(ValidationFailed) as exc:
        services.change_request_create(
            actor=musashino_staff,
            organization=org(MUSASHINO),
            kind="temporary_rule",
            title="ntp",
            form={"destinations": "133.243.238.0/24", "protocol": "udp", "ports": "123"},
        )
    assert "expires_on" in exc.value.details
    today = timezone.localdate()
    req = services.change_request_create(
        actor=musashino_staff,
        organization=org(MUSASHINO),
        kind="temporary_rule",
        title="ntp",
        form={
            "destinations": "133.243.238.0/24",
            "protocol": "udp",
            "ports": "123",
            "expires_on": (today + dt.timedelta(days=3)).isoformat(),
        },
    )
    if req.state == ChangeState.VERIFIED:
        pytest.fail(f"a temporary NTP opening should be standard: {req.verdict}")
    train.run_train(publisher=publisher)
    uid = m_uid = f"gw{req.pk}-r1"
    active = selectors.active_version()
    assert active is not None
    assert snapshot_of(active).orgs[MUSASHINO].rule(uid) is not None
    later = timezone.now() + dt.timedelta(days=5)
    result = train.run_train(publisher=publisher, now=later)
    assert m_uid in result.expired_removed
    active = selectors.active_version()
    assert active is not None
    assert snapshot_of(active).orgs[MUSASHINO].rule(uid) is None
