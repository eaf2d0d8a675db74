"""Monthly statements as PDF: queued by a service, printed by a background job."""

from __future__ import annotations

import subprocess
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation

from tsunagu.core.pdf import html_to_pdf, print_css

from .models import LedgerEntry, StatementExport


def statement_html(export: StatementExport) -> str:
    entries = list(
        LedgerEntry.objects.select_related("visit")
        .filter(organization=export.organization, month=export.month)
        .order_by("kind", "visit__date", "pk")
    )
    with translation.override(export.lang):
        return render_to_string(
            "talent/statement_print.html",
            {
                "org": export.organization,
                "month": export.month,
                "entries": entries,
                "total": sum(e.amount for e in entries),
                "css": print_css(),
                "today": timezone.localdate(),
            },
        )


def statement_print(*, export_id: int) -> dict[str, Any]:
    export = StatementExport.objects.select_related("organization").get(pk=export_id)
    if export.status == StatementExport.Status.DONE:
        return {"export": export.pk, "status": export.status}
    export.status = StatementExport.Status.RUNNING
    export.save(update_fields=["status"])
    try:
        pdf = html_to_pdf(statement_html(export))
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        export.status = StatementExport.Status.FAILED
        export.error = str(exc)[:2000]
        export.finished_at = timezone.now()
        export.save(update_fields=["status", "error", "finished_at"])
        return {"export": export.pk, "status": export.status}
    export.pdf = pdf
    export.size = len(pdf)
    export.status = StatementExport.Status.DONE
    export.finished_at = timezone.now()
    export.save(update_fields=["pdf", "size", "status", "finished_at"])
    return {"export": export.pk, "status": export.status, "bytes": len(pdf)}
