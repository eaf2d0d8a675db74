"""Network pages: own model, editor keeping input, what-if, peers, rules; tenancy."""

from __future__ import annotations

import pytest

from tsunagu.gateway.models import ChangeRequest, ChangeState
from tsunagu.network.models import NetworkModel

MUSASHINO = "132039"


@pytest.fixture
def cio_client(networks, musashino_cio, client_for):
    return client_for(musashino_cio)


def test_home_redirects_a_municipality_to_its_own_model(cio_client):
    res = cio_client.get("/network/")
    assert res.status_code == 302 and res["Location"] == f"/network/{MUSASHINO}/"


def test_detail_shows_diagram_and_findings(cio_client):
    html = cio_client.get(f"/network/{MUSASHINO}/").content.decode()
    assert "<svg" in html and 'data-testid="diagram"' in html
    assert "ネットワークモデル" in html
    assert 'data-testid="findings"' in html or 'data-testid="no-findings"' in html


def test_other_municipality_sees_404(networks, tachikawa_cio, client_for):
    client = client_for(tachikawa_cio)
    for path in ("", "edit/", "what-if/", "report/", "diagram.svg"):
        assert client.get(f"/network/{MUSASHINO}/{path}").status_code == 404, path


def test_editor_keeps_every_value_on_error(cio_client):
    form = {
        "lock": str(NetworkModel.objects.get(organization__code=MUSASHINO).lock_version),
        "model": "alpha",
        "zones-0-id": "lgwan",
        "zones-0-kind": "lgwan",
        "zones-0-label": "LGWAN系（本庁）",
        "flows-0-id": "f-typo",
        "flows-0-src": "lgwan",
        "flows-0-dst": "intrenet",
        "flows-0-kind": "data",
        "flows-0-controls": ["logging"],
        "action": "publish",
    }
    res = cio_client.post(f"/network/{MUSASHINO}/edit/", form)
    assert res.status_code == 422
    html = res.content.decode()
    assert "intrenet" in html and "LGWAN系（本庁）" in html and 'value="f-typo"' in html
    assert 'data-testid="error-summary"' in html
    net = NetworkModel.objects.get(organization__code=MUSASHINO)
    assert net.draft is not None and net.draft["flows"][0]["dst"] == "intrenet"
    assert "intrenet" not in str(net.document)


def test_editor_add_row_saves_the_draft(cio_client):
    net = NetworkModel.objects.get(organization__code=MUSASHINO)
    res = cio_client.post(
        f"/network/{MUSASHINO}/edit/",
        {"lock": str(net.lock_version), "model": "alpha", "zones-0-id": "wifi", "add": "flows"},
    )
    assert res.status_code == 200
    assert 'name="flows-0-id"' in res.content.decode()
    net.refresh_from_db()
    assert net.draft is not None and net.draft["zones"][0]["id"] == "wifi"


def test_what_if_lists_missing_measures_and_files_drafts(cio_client):
    html = cio_client.get(f"/network/{MUSASHINO}/what-if/?target=beta_prime").content.decode()
    assert 'data-testid="missing-measures"' in html
    assert 'data-testid="gateway-needs"' in html
    before = ChangeRequest.objects.filter(state=ChangeState.DRAFT).count()
    res = cio_client.post(
        f"/network/{MUSASHINO}/what-if/", {"target": "beta_prime", "needs": ["0"]}
    )
    assert res.status_code == 302
    assert ChangeRequest.objects.filter(state=ChangeState.DRAFT).count() == before + 1


def test_peers_and_rules_pages(cio_client):
    html = cio_client.get("/network/peers/").content.decode()
    assert "<svg" in html
    rules = cio_client.get("/network/rules/").content.decode()
    assert "MN-1" in rules


def test_tokyo_sees_every_organisation(networks, tokyo_admin, client_for):
    html = client_for(tokyo_admin).get("/network/").content.decode()
    assert html.count('href="/network/1') >= 63
