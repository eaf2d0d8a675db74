"""The assessment report for the CIO: one printable HTML page, printed to PDF by Chromium.

The same context feeds the on-screen report page and the PDF, so what the CIO reads in the
browser is what the PDF holds. Chromium runs headless in a throw-away profile directory, with
the page loaded from a temporary file (no network access needed).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation

from tsunagu.core.pdf import print_css, print_export
from tsunagu.engines.compliance.diagram import render_svg
from tsunagu.engines.compliance.findings import SEVERITIES

from . import adapters, labels
from .models import NetworkModel, ReportExport


def report_context(network: NetworkModel, *, lang: str, today: dt.date) -> dict[str, Any]:
    """Everything the report shows: the model, its diagram and its findings."""
    model, result = adapters.assess_network(network, today=today)
    rules = adapters.ruleset()
    org_name = (
        network.organization.name_en
        if lang == "en" and network.organization.name_en
        else network.organization.name
    )
    findings = labels.finding_rows([f.to_dict() for f in result.findings], lang)
    counts = result.counts()
    return {
        "network": network,
        "org_name": org_name,
        "model": model,
        "assessment": result,
        "findings": findings,
        "counts": [(labels.label(labels.SEVERITY_LABELS, s), counts.get(s, 0)) for s in SEVERITIES],
        "issues": [adapters.issue_text(i.to_dict()) for i in result.issues],
        "svg": render_svg(model, result.findings, lang=lang, title=org_name),
        "edition": rules.edition,
        "edition_title": rules.title.get(lang) or rules.title.get("ja", ""),
        "sources": adapters.sources_of(rules, lang),
        "today": today,
        "systems": model.systems,
        "terminals": [
            {
                "terminal": t,
                "auth": [labels.label(labels.AUTH_LABELS, a) for a in t.auth],
                "role": labels.label(labels.ROLE_LABELS, t.role),
            }
            for t in model.terminals
        ],
        "measures": [labels.label(labels.MEASURE_LABELS, m) for m in sorted(model.measures())],
    }


def report_html(network: NetworkModel, *, lang: str, today: dt.date) -> str:
    """The standalone HTML document Chromium prints (styles inlined)."""
    css = print_css()
    with translation.override(lang):
        context = report_context(network, lang=lang, today=today)
        context["css"] = css
        return render_to_string("network/report_print.html", context)


def report_print(*, report_id: int) -> dict[str, Any]:
    """Run one queued export (the background job's body)."""
    report = ReportExport.objects.select_related("network__organization").get(pk=report_id)
    return print_export(
        report,
        lambda: report_html(report.network, lang=report.lang, today=timezone.localdate()),
    )
