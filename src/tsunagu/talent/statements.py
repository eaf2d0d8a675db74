"""Monthly statements as PDF: queued by a service, printed by a background job."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation

from tsunagu.core.pdf import print_css, print_export

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
    """Run one queued export (the background job's body)."""
    export = StatementExport.objects.select_related("organization").get(pk=export_id)
    return print_export(export, lambda: statement_html(export))
