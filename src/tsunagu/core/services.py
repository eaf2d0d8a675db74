"""Core writes: organisation profiles and policies, background jobs, periodic schedules."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from .audit import audit_record, changes
from .errors import Conflict, PermissionDenied, ValidationFailed
from .models import Job, Organization, PeriodicJob
from .permissions import Actor, can, require_write
from .roles import Cap
from .selectors import organization_can_edit

PROFILE_FIELDS: dict[str, int] = {
    "description": 4000,
    "website": 200,
    "contact_email": 254,
    "contact_phone": 32,
    "contact_department": 120,
    "cio_name": 80,
    "cio_title": 120,
}


def _profile_snapshot(org: Organization) -> dict[str, Any]:
    return {f: getattr(org, f) for f in PROFILE_FIELDS}


def _validate_profile(data: Mapping[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for field, value in data.items():
        if field not in PROFILE_FIELDS:
            errors[field] = str(_("Unknown field."))
            continue
        if not isinstance(value, str):
            errors[field] = str(_("Enter text."))
            continue
        if len(value) > PROFILE_FIELDS[field]:
            errors[field] = str(
                _("Enter at most %(max)d characters.") % {"max": PROFILE_FIELDS[field]}
            )
    if data.get("website"):
        try:
            URLValidator(schemes=["https", "http"])(data["website"])
        except DjangoValidationError:
            errors["website"] = str(_("Enter a web address starting with https://."))
    if data.get("contact_email"):
        try:
            EmailValidator()(data["contact_email"])
        except DjangoValidationError:
            errors["contact_email"] = str(_("Enter a valid e-mail address."))
    phone = data.get("contact_phone")
    if isinstance(phone, str) and phone and not all(ch in "0123456789-+() " for ch in phone):
        errors["contact_phone"] = str(_("Use digits and hyphens only."))
    return errors


def organization_update_profile(
    *,
    actor: Actor,
    organization: Organization,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> Organization:
    """Change an organisation's profile. Own organisation (CIO, staff) or any (platform admin).

    ``expected_version`` guards against overwriting a colleague's concurrent edit.
    """
    require_write(actor)
    if not organization_can_edit(actor=actor, organization=organization):
        raise PermissionDenied()
    errors = _validate_profile(data)
    if errors:
        raise ValidationFailed(details=errors)
    with transaction.atomic():
        org = Organization.objects.select_for_update().get(pk=organization.pk)
        if expected_version is not None and org.version != expected_version:
            raise Conflict(code="stale_version")
        before = _profile_snapshot(org)
        for field, value in data.items():
            setattr(org, field, value.strip() if field != "description" else value)
        after = _profile_snapshot(org)
        b, a = changes(before, after)
        if a:
            org.version += 1
            org.save()
            audit_record(
                actor=actor,
                action="organization.profile_updated",
                organization=org,
                obj=org,
                before=b,
                after=a,
            )
    return org


def organization_set_mfa_policy(
    *, actor: Actor, organization: Organization, required: bool
) -> Organization:
    """The organisation's CIO (or a platform admin) makes MFA mandatory for all its members."""
    require_write(actor)
    allowed = can(actor, Cap.ORG_EDIT_ANY) or (
        can(actor, Cap.ORG_SET_MFA_POLICY_OWN) and actor.organization_id == organization.pk
    )
    if not allowed:
        raise PermissionDenied()
    with transaction.atomic():
        org = Organization.objects.select_for_update().get(pk=organization.pk)
        if org.mfa_required != required:
            before = org.mfa_required
            org.mfa_required = required
            org.version += 1
            org.save(update_fields=["mfa_required", "version", "updated_at"])
            audit_record(
                actor=actor,
                action="organization.mfa_policy_changed",
                organization=org,
                obj=org,
                before={"mfa_required": before},
                after={"mfa_required": required},
            )
            if required:
                from tsunagu.notifications.services import notification_send

                notification_send(
                    recipients=org.members.filter(is_active=True),
                    kind="organization.mfa_policy",
                    url="/accounts/security/",
                    actor=actor,  # type: ignore[arg-type]
                )
    return org


# --- jobs -------------------------------------------------------------------------------------


def job_start(
    *,
    actor: Actor,
    kind: str,
    label: str,
    task_path: str,
    kwargs: Mapping[str, Any] | None = None,
    queue_name: str = "default",
) -> Job:
    """Record a job and enqueue its task in the same transaction (the worker sees both or none).

    The task receives ``job_id`` plus ``kwargs`` and reports progress with :func:`job_progress`.
    """
    task = import_string(task_path)
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind,
            label=label[:200],
            owner_id=actor.pk,
            organization_id=actor.organization_id,
        )
        result = task.using(queue_name=queue_name).enqueue(job_id=job.pk, **dict(kwargs or {}))
        job.task_result_id = str(result.id)
        job.save(update_fields=["task_result_id"])
        audit_record(
            actor=actor,
            action="job.started",
            organization=actor.organization_id,
            obj=job,
            after={"kind": kind, "label": label},
        )
    return job


def job_progress(*, job_id: int, done: int, total: int, message: str = "") -> None:
    """Progress reported by a running task (no actor: the worker acts for the job's owner)."""
    Job.objects.filter(pk=job_id).update(
        status=Job.Status.RUNNING,
        progress_done=done,
        progress_total=total,
        message=message[:300],
        updated_at=timezone.now(),
    )


def job_finish(*, job_id: int, ok: bool, result: Mapping[str, Any], message: str = "") -> None:
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        job.status = Job.Status.SUCCEEDED if ok else Job.Status.FAILED
        job.result = dict(result)
        job.message = message[:300]
        job.finished_at = timezone.now()
        if ok:
            job.progress_done = job.progress_total
        job.save()
        audit_record(
            actor=None,
            action="job.finished" if ok else "job.failed",
            organization=job.organization_id,
            obj=job,
            after={"status": job.status, "message": job.message},
        )


# --- periodic jobs ----------------------------------------------------------------------------


def periodic_sync(*, schedule: Mapping[str, tuple[str, int]], now: datetime | None = None) -> None:
    """Make the stored schedule match the code's (name -> (task path, interval seconds))."""
    now = now or timezone.now()
    with transaction.atomic():
        for name, (path, interval) in schedule.items():
            obj, created = PeriodicJob.objects.get_or_create(
                name=name,
                defaults={"task_path": path, "interval_seconds": interval, "next_run_at": now},
            )
            if not created and (
                obj.task_path != path or obj.interval_seconds != interval or not obj.enabled
            ):
                obj.task_path = path
                obj.interval_seconds = interval
                obj.enabled = True
                obj.save(update_fields=["task_path", "interval_seconds", "enabled"])
        PeriodicJob.objects.exclude(name__in=list(schedule)).update(enabled=False)


def periodic_enqueue_due(*, now: datetime | None = None) -> list[str]:
    """Enqueue every due periodic task exactly once, however many workers call this at once.

    Each claim is a compare-and-set on ``next_run_at``: only the worker whose UPDATE matched
    the old value enqueues.
    """
    now = now or timezone.now()
    enqueued: list[str] = []
    for pj in PeriodicJob.objects.filter(enabled=True, next_run_at__lte=now):
        nxt = now + timedelta(seconds=pj.interval_seconds)
        with transaction.atomic():
            claimed = PeriodicJob.objects.filter(pk=pj.pk, next_run_at=pj.next_run_at).update(
                next_run_at=nxt, last_enqueued_at=now
            )
            if not claimed:
                continue
            result = import_string(pj.task_path).enqueue()
            PeriodicJob.objects.filter(pk=pj.pk).update(last_task_result_id=str(result.id))
            audit_record(
                actor=None,
                action="periodic.enqueued",
                organization=None,
                obj=pj,
                extra={"task": pj.task_path},
            )
        enqueued.append(pj.name)
    return enqueued
