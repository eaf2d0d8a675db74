"""Network background jobs: printing the assessment report, nightly re-assessment."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task(queue_name="reports")
def print_report(report_id: int) -> dict[str, Any]:
    """Print one queued assessment report to PDF (Chromium, headless)."""
    from .report import report_print

    return report_print(report_id=report_id)


@task()
def network_reassess_all() -> dict[str, Any]:
    """Re-evaluate every published model: the rule edition or the gateway plan may have
    changed since the last evaluation (daily)."""
    from .models import NetworkModel
    from .services import network_refresh_assessment

    done = 0
    for network in NetworkModel.objects.select_related("organization").iterator():
        network_refresh_assessment(network=network)
        done += 1
    return {"assessed": done}
