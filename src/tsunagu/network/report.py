"""The assessment report for the CIO: one printable HTML page, printed to PDF by Chromium.

The same context feeds the on-screen report page and the PDF, so what the CIO reads in the
browser is what the PDF holds. Chromium runs headless in a throw-away profile directory, with
the page loaded from a temporary file (no network access needed).
"""

from __future__ import annotations

import datetime as dt
import subprocess
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation

from tsunagu.core.pdf import html_to_pdf, print_css
from tsunagu.engines.compliance.diagram import render_svg
from tsunagu.engines.compliance.findings import SEVERITIES

from . import adapters, labels
from .models import NetworkModel, ReportExport


def report_context(network: NetworkModel, *, lang: str, today: dt.date) -> dict[str, Any]:
    """Everything the report shows: the model, its diagram and its findings."""
    code = network.organization.code
    plan = adapters.address_plan(code)
    model, result = adapters.assess(network.document, org=code, plan=plan, today=today)
    rules = adapters.ruleset()
    org_name = (
        network.organization.name_en
        if lang == "en" and network.organization.name_en
        else network.organization.name
    )
    findings = [f.to_dict() for f in result.findings]
    for f in findings:
        f["title_text"] = f["title"].get(lang) or f["title"].get("ja", "")
        f["fix_text"] = f["fix"].get(lang) or f["fix"].get("ja", "")
        f["detail_text"] = f["detail"].get(lang) or f["detail"].get("ja", "")
        f["severity_label"] = labels.label(labels.SEVERITY_LABELS, f["severity"])
        f["measure_labels"] = [labels.label(labels.MEASURE_LABELS, m) for m in f["measures"]]
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
    if report.status == ReportExport.Status.DONE:
        return {"report": report.pk, "status": report.status}
    report.status = ReportExport.Status.RUNNING
    report.started_at = timezone.now()
    report.save(update_fields=["status", "started_at"])
    try:
        html = report_html(report.network, lang=report.lang, today=timezone.localdate())
        pdf = html_to_pdf(html)
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        report.status = ReportExport.Status.FAILED
        report.error = str(exc)[:2000]
        report.finished_at = timezone.now()
        report.save(update_fields=["status", "error", "finished_at"])
        return {"report": report.pk, "status": report.status, "error": report.error}
    report.pdf = pdf
    report.size = len(pdf)
    report.status = ReportExport.Status.DONE
    report.finished_at = timezone.now()
    report.save(update_fields=["pdf", "size", "status", "finished_at"])
    return {"report": report.pk, "status": report.status, "bytes": len(pdf)}
