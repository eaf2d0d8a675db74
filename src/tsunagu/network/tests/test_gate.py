"""The gateway verifier uses the organisation's network model: a change that would break the
model is rejected with the model finding as the reason."""

from __future__ import annotations

import copy

from tsunagu.core.models import Organization
from tsunagu.gateway import services as gw_services
from tsunagu.gateway.models import ChangeState
from tsunagu.network import services
from tsunagu.network.models import NetworkModel
from tsunagu.network.tests.documents import CLEAN_ALPHA

MUSASHINO = "132039"
OPEN_LGWAN = {
    "source_zone": "lgwan",
    "destinations": "203.0.113.0/24",
    "protocol": "tcp",
    "ports": "443",
    "service": "外部API",
}


def _publish(actor, doc):
    net = NetworkModel.objects.get(organization__code=MUSASHINO)
    return services.network_publish(actor=actor, network=net, document=doc)


def _linked_model():
    """The clean model plus an unguarded data link between My Number and LGWAN."""
    doc = copy.deepcopy(CLEAN_ALPHA)
    doc["flows"].append({"id": "link", "src": "mynumber", "dst": "lgwan", "kind": "data"})
    return doc


def _network_findings(verdict):
    return [f for f in verdict.get("findings", []) if f.get("code") == "network_model"]


def test_a_change_that_opens_a_transitive_mynumber_path_is_rejected(networks, musashino_cio):
    _publish(musashino_cio, _linked_model())
    org = Organization.objects.get(code=MUSASHINO)
    req = gw_services.change_request_create(
        actor=musashino_cio,
        organization=org,
        kind="firewall_outbound",
        title="外部APIへの接続",
        form=OPEN_LGWAN,
    )
    assert req.state == ChangeState.REJECTED
    found = _network_findings(req.verdict)
    assert found, req.verdict.get("findings")
    assert found[0]["params"]["rule"].startswith("MN")
    assert found[0]["params"]["path"][0] == "mynumber"
    assert found[0]["params"]["path"][-1] == "internet_external"
    assert "MN" in req.rejection_reason


def test_the_same_change_passes_the_model_when_no_path_results(networks, musashino_cio):
    _publish(musashino_cio, copy.deepcopy(CLEAN_ALPHA))
    preview = gw_services.change_request_preview(
        actor=musashino_cio,
        organization=Organization.objects.get(code=MUSASHINO),
        kind="firewall_outbound",
        form=OPEN_LGWAN,
    )
    assert preview.verdict is not None
    assert not _network_findings(preview.verdict)


def test_a_model_finding_that_already_exists_is_not_blamed_on_the_change(networks, musashino_cio):
    doc = _linked_model()
    # The model already has the path (an unguarded lgwan -> internet_external flow).
    doc["flows"].append({"id": "leak", "src": "lgwan", "dst": "internet_external", "kind": "data"})
    _publish(musashino_cio, doc)
    preview = gw_services.change_request_preview(
        actor=musashino_cio,
        organization=Organization.objects.get(code=MUSASHINO),
        kind="firewall_outbound",
        form=OPEN_LGWAN,
    )
    assert not _network_findings(preview.verdict)
