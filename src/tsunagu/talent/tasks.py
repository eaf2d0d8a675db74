"""Talent background jobs: offers that lapse, report reminders, 12-month follow-ups, and the
monthly closing of the cost ledger."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django_tasks import task


@task()
def talent_offers_expire() -> dict[str, Any]:
    from .services import offers_expire

    return {"expired": offers_expire()}


@task()
def talent_reminders() -> dict[str, Any]:
    """Daily: visit reports due or overdue, and outcome follow-ups 12 months on."""
    from .services import follow_ups_send, report_reminders

    return {"reports": report_reminders(), "follow_ups": follow_ups_send()}


@task()
def talent_close_month() -> dict[str, Any]:
    """Daily (idempotent): share the base cost of the previous and the current month."""
    from .services import ledger_close_month

    today = timezone.localdate()
    previous = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    return {
        "previous": ledger_close_month(month=previous),
        "current": ledger_close_month(month=today.replace(day=1)),
    }


@task(queue_name="reports")
def print_statement(export_id: int) -> dict[str, Any]:
    """Print one queued monthly statement to PDF (Chromium, headless)."""
    from .statements import statement_print

    return statement_print(export_id=export_id)
