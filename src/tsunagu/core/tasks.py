"""Background tasks of the core app."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django_tasks import task

from .audit import audit_chain_verify
from .services import job_finish, job_progress

# Periodic schedule: name -> (task path, interval in seconds). The worker syncs this to the DB.
SCHEDULE: dict[str, tuple[str, int]] = {
    "audit-chain-verify": ("tsunagu.core.tasks.audit_chain_verify_periodic", 24 * 3600),
    "prune-expired-sessions": ("tsunagu.core.tasks.prune_expired_sessions", 3600),
    "gateway-release-train": (
        "tsunagu.gateway.tasks.release_train",
        settings.GATEWAY_TRAIN_INTERVAL_MINUTES * 60,
    ),
    "gateway-expiry-notices": ("tsunagu.gateway.tasks.gateway_expiry_notices", 24 * 3600),
    "gateway-recertification": ("tsunagu.gateway.tasks.gateway_recertification_open", 24 * 3600),
    "gateway-close-applied": ("tsunagu.gateway.tasks.gateway_close_applied", 24 * 3600),
    "network-reassess": ("tsunagu.network.tasks.network_reassess_all", 24 * 3600),
    "talent-offers-expire": ("tsunagu.talent.tasks.talent_offers_expire", 3600),
    "talent-reminders": ("tsunagu.talent.tasks.talent_reminders", 24 * 3600),
    "talent-close-month": ("tsunagu.talent.tasks.talent_close_month", 24 * 3600),
    "search-rebuild": ("tsunagu.search.tasks.search_rebuild_periodic", 24 * 3600),
    "consortium-reminders": ("tsunagu.consortium.tasks.consortium_reminders", 24 * 3600),
    "voices-daily": ("tsunagu.voices.tasks.voices_daily", 24 * 3600),
}


def _report_dict(report: Any) -> dict[str, Any]:
    return {
        "checked": report.checked,
        "ok": report.ok,
        "faults": [{"seq": f.seq, "kind": f.kind, "detail": f.detail} for f in report.faults[:50]],
    }


@task(queue_name="reports")
def audit_chain_verify_job(job_id: int) -> dict[str, Any]:
    """Verify the audit chain for a person who asked for it, reporting progress."""
    try:
        report = audit_chain_verify(
            progress=lambda done, total: job_progress(job_id=job_id, done=done, total=total)
        )
    except Exception as exc:
        job_finish(job_id=job_id, ok=False, result={}, message=str(exc))
        raise
    data = _report_dict(report)
    job_finish(job_id=job_id, ok=True, result=data)
    return data


@task()
def audit_chain_verify_periodic() -> dict[str, Any]:
    """Daily check; auditors are notified when the chain is broken."""
    report = audit_chain_verify()
    data = _report_dict(report)
    if not report.ok:
        from tsunagu.notifications.services import notify_role

        notify_role(
            role="auditor",
            kind="audit.chain_broken",
            params={"faults": len(report.faults)},
            url="/audit/",
        )
    return data


@task()
def prune_expired_sessions() -> int:
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
