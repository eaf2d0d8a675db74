"""The assessment report: the HTML the PDF is printed from, and a real Chromium print."""

from __future__ import annotations

import shutil

import pytest
from django.utils import timezone

from tsunagu.core.models import AuditEntry
from tsunagu.network import services
from tsunagu.network.models import NetworkModel, ReportExport
from tsunagu.network.report import report_html, report_print

KOGANEI = "132101"


def test_report_html_holds_the_findings_and_the_diagram(networks):
    net = NetworkModel.objects.get(organization__code=KOGANEI)
    html = report_html(net, lang="ja", today=timezone.localdate())
    assert "小金井市" in html and "<svg" in html
    assert net.assessment is not None
    for f in net.assessment["findings"]:
        assert f["title"]["ja"] in html


@pytest.mark.skipif(
    not shutil.which("chromium"), reason="Chromium is installed by make system-deps"
)
def test_report_is_printed_to_pdf_by_the_job(networks, client_for):
    from tsunagu.core.roles import Role
    from tsunagu.core.tests.factories import make_user

    cio = make_user(Role.MUNI_CIO, KOGANEI)
    net = NetworkModel.objects.get(organization__code=KOGANEI)
    report = services.report_request(actor=cio, network=net, lang="ja")
    assert AuditEntry.objects.filter(action="network.report_requested").exists()
    result = report_print(report_id=report.pk)
    report.refresh_from_db()
    assert result["status"] == ReportExport.Status.DONE, report.error
    pdf = bytes(report.pdf or b"")
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 1
    res = client_for(cio).get(f"/network/reports/{report.pk}/download/")
    assert res.status_code == 200 and res["Content-Type"] == "application/pdf"
