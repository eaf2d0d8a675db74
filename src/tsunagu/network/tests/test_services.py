"""Network services: publishing, drafts that keep input, optimistic locks, moves, scoping."""

from __future__ import annotations

import copy

import pytest

from tsunagu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tsunagu.core.models import AuditEntry, Organization
from tsunagu.network import adapters, selectors, services
from tsunagu.network.models import ModelMove, NetworkModel, NetworkRevision
from tsunagu.network.tests.documents import CLEAN_ALPHA

MUSASHINO = "132039"


def _net(code: str = MUSASHINO) -> NetworkModel:
    return NetworkModel.objects.select_related("organization").get(organization__code=code)


def test_every_organisation_has_a_model_on_the_gateway_plan(networks):
    assert NetworkModel.objects.count() == Organization.objects.count() == 63
    net = _net()
    plan = adapters.address_plan(MUSASHINO)
    parsed = adapters.parse(net.document, org=MUSASHINO, plan=plan)
    by_id = {z.id: z for z in parsed.model.zones}
    # The address section is the gateway's plan, not a copy in the document.
    for zone, prefixes in plan.items():
        assert list(by_id[zone].prefixes) == prefixes
    assert all("prefixes" not in z for z in net.document["zones"])
    assert Organization.objects.get(code=MUSASHINO).network_model == net.model_kind


def test_publish_records_a_revision_an_audit_entry_and_a_move(networks, musashino_cio):
    net = _net()
    before_rev, before_audit = net.revision, AuditEntry.objects.count()
    doc = copy.deepcopy(CLEAN_ALPHA)
    doc["model"] = "beta" if net.model_kind != "beta" else "alpha"
    out = services.network_publish(
        actor=musashino_cio, network=net, document=doc, note="更新", expected_version=None
    )
    assert out.revision == before_rev + 1
    assert out.model_kind == doc["model"]
    assert NetworkRevision.objects.filter(network=out, number=out.revision).exists()
    assert ModelMove.objects.filter(network=out, to_kind=doc["model"]).exists()
    assert Organization.objects.get(code=MUSASHINO).network_model == doc["model"]
    assert AuditEntry.objects.filter(action="network.published").count() == 1
    assert AuditEntry.objects.count() > before_audit
    assert out.assessment and out.assessment["edition"]


def test_inconsistent_model_is_refused_precisely_and_kept_as_draft(networks, musashino_cio):
    net = _net()
    before = (net.revision, copy.deepcopy(net.document))
    doc = copy.deepcopy(CLEAN_ALPHA)
    doc["flows"].append({"id": "bad", "src": "lgwan", "dst": "nowhere", "kind": "data"})
    doc["zones"].append({"id": "lgwan", "kind": "lgwan"})
    doc["terminals"][0]["count"] = "八十"
    with pytest.raises(ValidationFailed) as exc:
        services.network_publish(actor=musashino_cio, network=net, document=doc)
    details = exc.value.details
    assert "flows[5].dst" in details and "nowhere" in details["flows[5].dst"]
    assert "zones[5].id" in details
    assert "terminals[0].count" in details
    net.refresh_from_db()
    assert (net.revision, net.document) == before
    # Nothing typed is lost: the draft is the document exactly as sent.
    assert net.draft == doc


def test_a_stale_lock_is_a_conflict_and_changes_nothing(networks, musashino_cio):
    net = _net()
    stale = net.lock_version
    services.network_save_draft(actor=musashino_cio, network=net, draft={"model": "alpha"})
    with pytest.raises(Conflict):
        services.network_save_draft(
            actor=musashino_cio, network=net, draft={"model": "beta"}, expected_version=stale
        )
    assert _net().draft == {"model": "alpha"}


def test_another_municipality_can_neither_read_nor_write(networks, tachikawa_cio):
    with pytest.raises(NotFound):
        selectors.network_get(actor=tachikawa_cio, code=MUSASHINO)
    with pytest.raises(PermissionDenied):
        services.network_save_draft(actor=tachikawa_cio, network=_net(), draft={"model": "x"})
    with pytest.raises(PermissionDenied):
        services.network_publish(actor=tachikawa_cio, network=_net(), document=CLEAN_ALPHA)
    assert _net().draft is None


def test_auditor_reads_any_model_but_cannot_write(networks, auditor):
    assert selectors.network_get(actor=auditor, code=MUSASHINO).organization.code == MUSASHINO
    with pytest.raises(PermissionDenied):
        services.network_save_draft(actor=auditor, network=_net(), draft={})


def test_prefix_in_two_zones_of_the_plan_is_reported(networks):
    plan = {"lgwan": ["10.9.0.0/16"], "internet": ["10.9.128.0/18"]}
    parsed = adapters.parse(CLEAN_ALPHA, org=MUSASHINO, plan=plan)
    codes = [(i.code, i.params.get("prefix")) for i in parsed.issues]
    assert ("prefix_in_two_zones", "10.9.128.0/18") in codes


def test_peer_view_names_only_consenting_movers(networks, tachikawa_staff):
    view = selectors.peer_view(actor=tachikawa_staff)
    assert view.total == 62
    assert sum(view.counts.values()) == 62
    consenting = set(
        NetworkModel.objects.filter(contact_consent=True).values_list(
            "organization__code", flat=True
        )
    )
    assert view.moves, "the demo has organisations that moved and consented"
    assert {m.org_code for m in view.moves} <= consenting
    all_moves = ModelMove.objects.exclude(network__organization__code="130001").count()
    assert len(view.moves) + view.anonymous_moves == all_moves


def test_contact_settings_validate_and_audit(networks, musashino_cio):
    net = _net()
    with pytest.raises(ValidationFailed):
        services.network_set_contact(
            actor=musashino_cio, network=net, consent=True, renewal_target="gamma"
        )
    out = services.network_set_contact(
        actor=musashino_cio, network=net, consent=True, note="情報政策課", renewal_target="beta"
    )
    assert (out.contact_consent, out.contact_note, out.renewal_target) == (
        True,
        "情報政策課",
        "beta",
    )
    assert AuditEntry.objects.filter(action="network.contact_updated").exists()
