"""The release train: approved changes → a verified new version → artifacts → devices → applied.

Guarantees:

* **One train at a time.** A lease row (``GatewayState``) is taken with a compare-and-set; a
  crashed train's lease runs out and the next train takes over.
* **A crash loses and duplicates nothing.** Building a version and scheduling its changes is one
  transaction; rendering and publishing are idempotent; activating the version and marking its
  changes applied is one transaction. A version left ``built`` is resumed by the next train.
* **A failed publication never marks a change applied**; the next train retries it.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.core.audit import audit_record
from tsunagu.core.errors import Conflict, PermissionDenied
from tsunagu.core.models import Organization
from tsunagu.core.permissions import Actor, can, require_write
from tsunagu.core.roles import Cap
from tsunagu.engines.policy import model as m

from . import adapters, artifacts, verification
from .models import (
    ChangeEvent,
    ChangeRequest,
    ChangeState,
    GatewayState,
    PolicyVersion,
    RiskClass,
)
from .publish import Publisher, PublishError, get_publisher

log = logging.getLogger(__name__)
LEASE = dt.timedelta(minutes=10)
CLASS_ORDER = {
    RiskClass.STANDARD: 0,
    RiskClass.NORMAL: 1,
    RiskClass.MAJOR: 2,
    RiskClass.REJECTED: 3,
}


@dataclass
class TrainResult:
    status: str  # busy | idle | published | publish_failed | render_failed
    version: int | None = None
    applied: list[int] = field(default_factory=list)
    rejected: list[int] = field(default_factory=list)
    expired_removed: list[str] = field(default_factory=list)
    error: str = ""
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage

    def as_dict(self) -> dict[str, Any]:
        return {
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "status": self.status,
            "version": self.version,
            "applied": self.applied,
            "rejected": self.rejected,
            "expired_removed": self.expired_removed,
            "error": self.error,
        }


def _state() -> GatewayState:
    state, _created = GatewayState.objects.get_or_create(pk=1)
    return state


def _acquire(token: str, now: dt.datetime) -> bool:
    _state()
    taken = GatewayState.objects.filter(
        Q(pk=1) & (Q(train_lease_until__isnull=True) | Q(train_lease_until__lt=now))
    ).update(train_holder=token, train_lease_until=now + LEASE)
    return taken == 1


def _release(token: str, result: TrainResult, now: dt.datetime) -> None:
    GatewayState.objects.filter(pk=1, train_holder=token).update(
        train_holder="",
        train_lease_until=None,
        last_train_at=now,
        last_train_result=result.as_dict(),
    )


def _event(req: ChangeRequest, to_state: str, now: dt.datetime, note: str = "") -> None:
    ChangeEvent.objects.create(
        request=req, from_state=req.state, to_state=to_state, at=now, note=note[:2000]
    )
    req.state = to_state


# --------------------------------------------------------------------------- bootstrap


def default_address_plan(index: int) -> tuple[m.AddressBlock, ...]:
    """The demo address plan of the ``index``-th organisation (1-based): 10.<index>.0.0/16."""
    base = f"10.{index}"
    return (
        m.AddressBlock(f"{base}.0.0/18", "mynumber"),
        m.AddressBlock(f"{base}.64.0/18", "lgwan"),
        m.AddressBlock(f"{base}.128.0/18", "internet"),
        m.AddressBlock(f"{base}.192.0/24", "dmz"),
        m.AddressBlock(f"{base}.193.0/24", "sanitiser"),
    )


def policy_bootstrap(
    *,
    shared: m.Section | None = None,
    sections: dict[str, m.Section] | None = None,
    now: dt.datetime | None = None,
) -> PolicyVersion:
    """Create version 1 (active) when there is none: every organisation gets a section with an
    address plan. Idempotent: returns the active version when one exists."""
    now = now or timezone.now()
    with transaction.atomic():
        state = GatewayState.objects.select_for_update().filter(pk=1).first() or _state()
        if state.active_version_id:
            return state.active_version  # type: ignore[return-value]
        orgs = list(Organization.objects.order_by("code").values_list("code", flat=True))
        given = sections or {}
        org_sections = {
            code: given.get(code) or m.Section(org=code, address_plan=default_address_plan(i))
            for i, code in enumerate(orgs, start=1)
        }
        snapshot = m.PolicySnapshot(shared=shared or m.Section(org=m.SHARED), orgs=org_sections)
        manifest = adapters.manifest_store(snapshot)
        version = PolicyVersion.objects.create(
            number=1,
            manifest=manifest,
            status=PolicyVersion.Status.ACTIVE,
            reason="initial policy",
            changed_sections=sorted(manifest),
            created_at=now,
            published_at=now,
        )
        state.active_version = version
        state.save(update_fields=["active_version"])
        audit_record(actor=None, action="gateway.bootstrapped", organization=None, obj=version)
    return version


# --------------------------------------------------------------------------- building


def _reject_findings(findings: list[dict[str, Any]]) -> set[str]:
    return {
        f"{f.get('code')}:{sorted((f.get('params') or {}).items())}"
        for f in findings
        if f.get("severity") == "reject"
    }


def _build_next(now: dt.datetime, result: TrainResult) -> PolicyVersion | None:
    current = _state().active_version
    if current is None:
        return None
    base = adapters.snapshot_of(current)
    today = timezone.localdate(now)
    approved = list(
        ChangeRequest.objects.filter(state=ChangeState.APPROVED).order_by("approved_at", "id")
    )
    snapshot = base
    included: list[ChangeRequest] = []
    dropped: list[tuple[ChangeRequest, str, str]] = []  # (request, new state, note)
    for req in approved:
        try:
            change = m.change_from_dict(req.change or {})
            doc = verification.verdict_document(snapshot, change, today=today)
            cls = verification.verdict_class(doc)
            if cls == RiskClass.REJECTED:
                dropped.append((req, ChangeState.REJECTED, doc.get("summary_en", "")))
                continue
            if CLASS_ORDER.get(cls, 3) > CLASS_ORDER.get(req.risk_class, 3):  # type: ignore[call-overload]
                dropped.append(
                    (req, ChangeState.VERIFIED, "risk went up after other changes: review again")
                )
                continue
            snapshot = m.apply_change(snapshot, change)
            included.append(req)
        except (KeyError, ValueError) as exc:
            dropped.append((req, ChangeState.REJECTED, f"cannot be applied any more: {exc}"))

    # Expired rules and domain entries go, each only after proving its removal is contained.
    from tsunagu.engines.policy.invariants import rule_removal_is_contained

    for key, (rule_uids, domain_uids) in m.expired_items(snapshot, today).items():
        safe_rules = tuple(
            u
            for u in rule_uids
            if rule_removal_is_contained(snapshot, key, u, rules=verification.rule_data())
        )
        change = m.Change(
            kind="rule_removal", org=key, remove_rules=safe_rules, remove_domains=tuple(domain_uids)
        )
        if safe_rules or domain_uids:
            snapshot = m.apply_change(snapshot, change)
            result.expired_removed.extend([*safe_rules, *domain_uids])

    if not included and not result.expired_removed and not dropped:
        return None
    findings = verification.policy_findings(snapshot, today=today)
    new_rejects = _reject_findings(findings) - _reject_findings(current.findings or [])
    if new_rejects and included:
        # Something only the combination breaks: keep the changes that pass on their own.
        snapshot = base
        kept: list[ChangeRequest] = []
        for req in included:
            candidate = m.apply_change(snapshot, m.change_from_dict(req.change or {}))
            cand_findings = verification.policy_findings(candidate, today=today)
            if _reject_findings(cand_findings) - _reject_findings(current.findings or []):
                dropped.append((req, ChangeState.REJECTED, "breaks a policy invariant at release"))
            else:
                snapshot, kept = candidate, [*kept, req]
        included = kept
        findings = verification.policy_findings(snapshot, today=today)

    with transaction.atomic():
        ids = [r.pk for r in included] + [r.pk for r, _s, _n in dropped]
        locked = {r.pk: r for r in ChangeRequest.objects.select_for_update().filter(pk__in=ids)}
        if any(locked[i].state != ChangeState.APPROVED for i in ids):
            # Someone withdrew meanwhile: build again on the next run.
            return None
        for req, new_state, note in dropped:
            row = locked[req.pk]
            if new_state == ChangeState.REJECTED:
                row.rejection_reason = note
                row.closed_at = now
                result.rejected.append(row.pk)
            _event(row, new_state, now, note)
            row.save()
        if not included and not result.expired_removed:
            return None
        manifest = adapters.manifest_store(snapshot, base=base, base_manifest=current.manifest)
        number = (PolicyVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1
        changed = sorted(k for k in manifest if manifest[k] != current.manifest.get(k))
        version = PolicyVersion.objects.create(
            number=number,
            manifest=manifest,
            parent=current,
            status=PolicyVersion.Status.BUILT,
            reason=_train_reason(included, result.expired_removed),
            changed_sections=changed,
            findings=findings,
            created_at=now,
        )
        for req in included:
            row = locked[req.pk]
            row.scheduled_version = version
            row.scheduled_at = now
            _event(row, ChangeState.SCHEDULED, now, f"v{number}")
            row.save()
        audit_record(
            actor=None,
            action="gateway.version_built",
            organization=None,
            obj=version,
            after={"number": number, "requests": [r.pk for r in included], "changed": changed},
            extra={"expired_removed": result.expired_removed},
        )
    return version


def _train_reason(included: list[ChangeRequest], expired: list[str]) -> str:
    parts = []
    if included:
        parts.append("release train: " + ", ".join(r.reference for r in included[:20]))
    if expired:
        parts.append(f"expired entries removed: {len(expired)}")
    return "; ".join(parts)[:200]


# --------------------------------------------------------------------------- publishing


def _activate(version: PolicyVersion, now: dt.datetime, result: TrainResult) -> None:
    from tsunagu.notifications.services import notification_send

    from .services import catalog_entry_from_request

    with transaction.atomic():
        state = GatewayState.objects.select_for_update().get(pk=1)
        version = PolicyVersion.objects.select_for_update().get(pk=version.pk)
        if version.status != PolicyVersion.Status.BUILT:
            return
        previous = state.active_version
        if previous is not None:
            PolicyVersion.objects.filter(pk=previous.pk).update(
                status=PolicyVersion.Status.SUPERSEDED
            )
        version.status = PolicyVersion.Status.ACTIVE
        version.published_at = now
        version.save(update_fields=["status", "published_at"])
        state.active_version = version
        state.save(update_fields=["active_version"])
        for req in ChangeRequest.objects.select_for_update().filter(
            scheduled_version=version, state=ChangeState.SCHEDULED
        ):
            req.applied_version = version
            req.applied_at = now
            _event(req, ChangeState.APPLIED, now, f"v{version.number}")
            req.save()
            catalog_entry_from_request(request=req)
            result.applied.append(req.pk)
            notification_send(
                recipients=[req.requester],
                kind="gateway.request_applied",
                params={"ref": req.reference, "title": req.title, "version": version.number},
                url=f"/gateway/requests/{req.pk}/",
            )
        if version.rollback_of_id is not None and previous is not None:
            undone = ChangeRequest.objects.select_for_update().filter(
                applied_version__number__gt=version.rollback_of.number,  # type: ignore[union-attr]
                applied_version__number__lte=previous.number,
                state__in=[ChangeState.APPLIED, ChangeState.CLOSED],
            )
            for req in undone:
                _event(req, ChangeState.ROLLED_BACK, now, f"rolled back by v{version.number}")
                req.save()
                notification_send(
                    recipients=[req.requester],
                    kind="gateway.request_decided",
                    params={
                        "ref": req.reference,
                        "title": req.title,
                        "state": req.get_state_display(),
                    },
                    url=f"/gateway/requests/{req.pk}/",
                )
        audit_record(
            actor=None,
            action="gateway.version_activated",
            organization=None,
            obj=version,
            after={"number": version.number, "applied": result.applied},
        )


def run_train(
    *,
    now: dt.datetime | None = None,
    publisher: Publisher | None = None,
    render: bool = True,
) -> TrainResult:
    """Run one release train. Safe to call from any number of workers at once."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    if not _acquire(token, now):
        return TrainResult(status="busy")
    result = TrainResult(status="idle")
    try:
        version = (
            PolicyVersion.objects.filter(status=PolicyVersion.Status.BUILT)
            .order_by("number")
            .first()
        )
        clock = time.perf_counter()
        if version is None:
            version = _build_next(now, result)
        result.timings["build"] = time.perf_counter() - clock
        if version is None:
            return result
        result.version = version.number
        if render:
            try:
                clock = time.perf_counter()
                artifacts.render_version(version, today=timezone.localdate(now))
                result.timings["render"] = time.perf_counter() - clock
                clock = time.perf_counter()
                files, carried = artifacts.publication_set(version)
                result.timings["load"] = time.perf_counter() - clock
            except artifacts.ArtifactError as exc:
                _render_failed(version, str(exc), now)
                result.status, result.error = "render_failed", str(exc)
                return result
            try:
                clock = time.perf_counter()
                pub = publisher or get_publisher()
                try:
                    pub.publish(version=version.number, files=files, carried=carried)
                except PublishError:
                    if not carried:
                        raise
                    # The device directory lacks the previous files: send everything.
                    everything = {
                        a.path: a.blob.text for a in version.artifacts.select_related("blob")
                    }
                    pub.publish(version=version.number, files=everything, carried={})
            except PublishError as exc:
                PolicyVersion.objects.filter(pk=version.pk).update(
                    publish_attempts=version.publish_attempts + 1,
                    last_publish_error=str(exc)[:2000],
                )
                result.status, result.error = "publish_failed", str(exc)
                log.warning("gateway publish of v%s failed: %s", version.number, exc)
                return result
            result.timings["publish"] = time.perf_counter() - clock
        clock = time.perf_counter()
        _activate(version, now, result)
        result.timings["activate"] = time.perf_counter() - clock
        result.status = "published"
        return result
    finally:
        _release(token, result, now)


def _render_failed(version: PolicyVersion, error: str, now: dt.datetime) -> None:
    """Artifacts that the real validators refuse are a renderer fault: abandon the version,
    send its requests back for review and tell the operators."""
    from tsunagu.notifications.services import notify_role

    with transaction.atomic():
        PolicyVersion.objects.filter(pk=version.pk).update(
            status=PolicyVersion.Status.SUPERSEDED, last_publish_error=error[:2000]
        )
        for req in ChangeRequest.objects.select_for_update().filter(
            scheduled_version=version, state=ChangeState.SCHEDULED
        ):
            req.scheduled_version = None
            _event(req, ChangeState.VERIFIED, now, f"release failed: {error[:500]}")
            req.save()
        audit_record(
            actor=None,
            action="gateway.render_failed",
            organization=None,
            obj=version,
            extra={"error": error[:1000]},
        )
        notify_role(
            role="tokyo_secops",
            kind="gateway.train_failed",
            params={"version": version.number, "error": error[:300]},
            url="/gateway/versions/",
        )


# --------------------------------------------------------------------------- rollback


def policy_rollback(
    *, actor: Actor, target: PolicyVersion, reason: str, now: dt.datetime | None = None
) -> PolicyVersion:
    """Make a new version equal to ``target`` (verified first); the train publishes it."""
    require_write(actor)
    if not can(actor, Cap.GATEWAY_OPERATE):
        raise PermissionDenied()
    reason = (reason or "").strip()
    if not reason:
        from tsunagu.core.errors import ValidationFailed

        raise ValidationFailed(details={"reason": _("Say why the policy is rolled back.")})
    now = now or timezone.now()
    findings = verification.policy_findings(
        adapters.snapshot_of(target), today=timezone.localdate(now)
    )
    if any(f.get("severity") == "reject" for f in findings):
        raise Conflict(
            message=_("Version %(n)s breaks a policy invariant today and cannot be restored.")
            % {"n": target.number}
        )
    with transaction.atomic():
        state = GatewayState.objects.select_for_update().get(pk=1)
        if PolicyVersion.objects.filter(status=PolicyVersion.Status.BUILT).exists():
            raise Conflict(message=_("A release is being published. Try again in a few minutes."))
        current = state.active_version
        if current is None or target.pk == current.pk:
            raise Conflict(message=_("This version is already active."))
        number = (PolicyVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1
        version = PolicyVersion.objects.create(
            number=number,
            manifest=target.manifest,
            parent=current,
            rollback_of=target,
            status=PolicyVersion.Status.BUILT,
            reason=f"rollback to v{target.number}: {reason}"[:200],
            changed_sections=sorted(
                k
                for k in set(target.manifest) | set(current.manifest)
                if target.manifest.get(k) != current.manifest.get(k)
            ),
            findings=findings,
            created_by_id=actor.pk,
            created_at=now,
        )
        audit_record(
            actor=actor,
            action="gateway.rollback",
            organization=None,
            obj=version,
            after={"number": number, "to": target.number, "reason": reason[:500]},
        )
        from .tasks import enqueue_train

        enqueue_train()
    return version


def train_request_run(*, actor: Actor) -> None:
    """An operator asks for a train now (instead of waiting for the next interval)."""
    require_write(actor)
    if not can(actor, Cap.GATEWAY_OPERATE):
        raise PermissionDenied()
    from .tasks import enqueue_train

    audit_record(actor=actor, action="gateway.train_requested", organization=None)
    enqueue_train()
