"""Gateway writes: change requests from draft to closed, reviews, comments, attachments, catalog.

The release train (building, publishing and activating versions) lives in :mod:`.train`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.core.audit import audit_record
from tsunagu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tsunagu.core.models import Organization
from tsunagu.core.permissions import Actor, can, require_write
from tsunagu.core.roles import Cap
from tsunagu.engines.policy import model as m

from . import adapters, verification
from .models import (
    CatalogService,
    ChangeApproval,
    ChangeAttachment,
    ChangeComment,
    ChangeEvent,
    ChangeKind,
    ChangeRequest,
    ChangeState,
    Recertification,
    RiskClass,
)
from .selectors import active_snapshot, tokyo_org

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
ATTACHMENT_TYPES = {
    "application/pdf",
    "image/png",
    "image/jpeg",
    "text/plain",
    "text/csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
REQUEST_FIELDS = (
    "hosts",
    "service",
    "upload_capable",
    "source_zone",
    "destinations",
    "server",
    "protocol",
    "ports",
    "waf",
    "sending_domains",
    "relay_hosts",
    "attachment_policy",
    "max_message_mb",
    "rule_uids",
    "catalog",
    "expires_on",
    "share_to_catalog",
)


@dataclass
class Preview:
    """What the live form shows: the change that would be made and its verdict, or errors."""

    errors: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    verdict: dict[str, Any] | None = None
    change: dict[str, Any] | None = None


def _clean_form(form: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in REQUEST_FIELDS:
        value = form.get(key)
        if value is None:
            continue
        if isinstance(value, list):
            out[key] = [str(v)[:500] for v in value][: adapters.MAX_LINES]
        elif isinstance(value, bool):
            out[key] = value
        else:
            out[key] = str(value)[:20000]
    return out


def _target_org(actor: Actor, organization: Organization, shared: bool) -> str:
    """The engine section key the actor may change, or PermissionDenied."""
    if shared:
        if not can(actor, Cap.GATEWAY_REQUEST_SHARED):
            raise PermissionDenied()
        return m.SHARED
    if can(actor, Cap.GATEWAY_REQUEST_SHARED):
        return organization.code  # Tokyo operators may file for any organisation
    if not can(actor, Cap.GATEWAY_REQUEST_OWN) or actor.organization_id != organization.pk:
        raise PermissionDenied()
    return organization.code


def _catalog(form: Mapping[str, Any]) -> CatalogService | None:
    slug = str(form.get("catalog") or "")
    return CatalogService.objects.filter(slug=slug).first() if slug else None


def _build(
    *,
    actor: Actor,
    kind: str,
    org_key: str,
    form: Mapping[str, Any],
    uid_prefix: str,
    ticket: str,
    today: dt.date,
) -> tuple[m.PolicySnapshot, adapters.FormResult]:
    snapshot = active_snapshot()
    owner = getattr(actor, "username", "")
    result = adapters.change_from_form(
        kind=kind,
        org=org_key,
        form=form,
        snapshot=snapshot,
        uid_prefix=uid_prefix,
        owner=owner,
        ticket=ticket,
        today=today,
        catalog=_catalog(form),
    )
    return snapshot, result


def change_request_preview(
    *,
    actor: Actor,
    organization: Organization,
    kind: str,
    form: Mapping[str, Any],
    shared: bool = False,
) -> Preview:
    """Verify what the form describes without saving anything (the live verdict, the dry run)."""
    org_key = _target_org(actor, organization, shared)
    today = timezone.localdate()
    snapshot, result = _build(
        actor=actor,
        kind=kind,
        org_key=org_key,
        form=_clean_form(form),
        uid_prefix="new",
        ticket="preview",
        today=today,
    )
    if result.change is None:
        return Preview(errors=result.errors, notes=result.notes)
    doc = verification.verdict_document(snapshot, result.change, today=today)
    return Preview(notes=result.notes, verdict=doc, change=m.change_to_dict(result.change))


def _event(
    req: ChangeRequest, to_state: str, actor: Actor | None, now: dt.datetime, note: str = ""
) -> None:
    ChangeEvent.objects.create(
        request=req,
        from_state=req.state,
        to_state=to_state,
        actor_id=getattr(actor, "pk", None),
        at=now,
        note=note[:2000],
    )
    req.state = to_state


def _check_version(req: ChangeRequest, expected: int | None) -> None:
    if expected is not None and expected != req.lock_version:
        raise Conflict(
            message=_("Someone else changed this request. Reload the page to see their change.")
        )


def _save_bumped(req: ChangeRequest) -> None:
    """Save with the optimistic-lock counter raised (in SQL, so concurrent bumps add up)."""
    req.lock_version = F("lock_version") + 1
    req.save()
    req.refresh_from_db()


def _locked(pk: int) -> ChangeRequest:
    req = ChangeRequest.objects.select_for_update().filter(pk=pk).first()
    if req is None:
        raise NotFound()
    return req


def change_request_create(
    *,
    actor: Actor,
    organization: Organization,
    kind: str,
    title: str,
    justification: str = "",
    form: Mapping[str, Any],
    shared: bool = False,
    submit: bool = True,
    now: dt.datetime | None = None,
) -> ChangeRequest:
    """Save a request (as a draft, or submitted straight away).

    Field errors raise :class:`ValidationFailed` with ``details`` per field; nothing is saved then.
    A draft keeps whatever was typed, even when it does not verify yet.
    """
    require_write(actor)
    org_key = _target_org(actor, organization, shared)
    now = now or timezone.now()
    errors: dict[str, str] = {}
    if kind not in ChangeKind.values:
        errors["kind"] = _("Choose a request type.")
    title = (title or "").strip()
    if not title:
        errors["title"] = _("Give the request a short title.")
    elif len(title) > 200:
        errors["title"] = _("Enter at most %(max)d characters.") % {"max": 200}
    if len(justification or "") > 4000:
        errors["justification"] = _("Enter at most %(max)d characters.") % {"max": 4000}
    clean = _clean_form(form)
    if submit and kind in ChangeKind.values:
        _snap, result = _build(
            actor=actor,
            kind=kind,
            org_key=org_key,
            form=clean,
            uid_prefix="new",
            ticket="new",
            today=timezone.localdate(now),
        )
        errors.update(result.errors)
    if errors:
        raise ValidationFailed(details=errors)
    with transaction.atomic():
        req = ChangeRequest.objects.create(
            organization=tokyo_org() if shared else organization,
            shared=shared,
            requester_id=actor.pk,
            kind=kind,
            title=title,
            justification=justification or "",
            form=clean,
            catalog_service=_catalog(clean),
            created_at=now,
        )
        ChangeEvent.objects.create(
            request=req, to_state=ChangeState.DRAFT, actor_id=actor.pk, at=now
        )
        audit_record(
            actor=actor,
            action="gateway.request_created",
            organization=req.organization,
            obj=req,
            after={"kind": kind, "title": title, "shared": shared},
        )
    if submit:
        return change_request_submit(actor=actor, request=req, now=now)
    return req


def change_request_update_draft(
    *,
    actor: Actor,
    request: ChangeRequest,
    title: str,
    justification: str,
    form: Mapping[str, Any],
    expected_version: int | None = None,
) -> ChangeRequest:
    """Edit a draft (its requester only)."""
    require_write(actor)
    with transaction.atomic():
        req = _locked(request.pk)
        if req.requester_id != actor.pk:
            raise PermissionDenied()
        _check_version(req, expected_version)
        if req.state != ChangeState.DRAFT:
            raise Conflict(message=_("Only a draft can be edited."))
        before = {"title": req.title, "form": req.form}
        req.title = (title or "").strip()[:200] or req.title
        req.justification = (justification or "")[:4000]
        req.form = _clean_form(form)
        req.catalog_service = _catalog(req.form)
        _save_bumped(req)
        audit_record(
            actor=actor,
            action="gateway.request_edited",
            organization=req.organization,
            obj=req,
            before=before,
            after={"title": req.title, "form": req.form},
        )
    return req


def change_request_submit(
    *, actor: Actor, request: ChangeRequest, now: dt.datetime | None = None
) -> ChangeRequest:
    """Submit a draft: verify it at once; a standard change is approved by its proof and the
    release train is asked to run; a rejected one is closed with the reason."""
    require_write(actor)
    now = now or timezone.now()
    with transaction.atomic():
        req = _locked(request.pk)
        if req.requester_id != actor.pk and not can(actor, Cap.GATEWAY_REQUEST_SHARED):
            raise PermissionDenied()
        if req.state != ChangeState.DRAFT:
            raise Conflict(message=_("This request has already been submitted."))
        org_key = m.SHARED if req.shared else req.organization.code
        snapshot, result = _build(
            actor=actor,
            kind=req.kind,
            org_key=org_key,
            form=req.form,
            uid_prefix=f"gw{req.pk}",
            ticket=req.reference,
            today=timezone.localdate(now),
        )
        if result.change is None:
            raise ValidationFailed(details=result.errors)
        req.change = m.change_to_dict(result.change)
        req.expires_on = result.expires_on
        req.submitted_at = now
        _event(req, ChangeState.SUBMITTED, actor, now)
        _apply_verdict(req, snapshot, result.change, now)
        _save_bumped(req)
        audit_record(
            actor=actor,
            action="gateway.request_submitted",
            organization=req.organization,
            obj=req,
            after={"state": req.state, "risk_class": req.risk_class, "score": req.risk_score},
        )
        _notify_after_verdict(req)
    return req


def _apply_verdict(
    req: ChangeRequest, snapshot: m.PolicySnapshot, change: m.Change, now: dt.datetime
) -> None:
    doc = verification.verdict_document(snapshot, change, today=timezone.localdate(now))
    req.verdict = doc
    req.verified_against = snapshot.version
    req.verified_at = now
    req.risk_class = verification.verdict_class(doc)
    req.risk_score = verification.verdict_score(doc)
    _event(req, ChangeState.VERIFIED, None, now, doc.get("summary_en", ""))
    if req.risk_class == RiskClass.REJECTED:
        req.rejection_reason = doc.get("summary_ja", "")
        _event(req, ChangeState.REJECTED, None, now, _("Rejected by the verifier."))
        req.closed_at = now
    elif req.risk_class == RiskClass.STANDARD:
        req.save()
        ChangeApproval.objects.create(
            request=req,
            automatic=True,
            decision=ChangeApproval.Decision.APPROVE,
            reason="standard change: approved on the verifier's proof",
            created_at=now,
        )
        req.approved_at = now
        _event(req, ChangeState.APPROVED, None, now, _("Approved automatically (standard change)."))


def _notify_after_verdict(req: ChangeRequest) -> None:
    from tsunagu.notifications.services import notification_send, notify_role

    from .tasks import enqueue_train

    url = f"/gateway/requests/{req.pk}/"
    if req.state == ChangeState.APPROVED:
        enqueue_train()
    elif req.state == ChangeState.VERIFIED:
        notify_role(
            role="tokyo_secops",
            kind="gateway.review_needed",
            params={"ref": req.reference, "title": req.title, "risk": req.risk_class},
            url=url,
        )
    elif req.state == ChangeState.REJECTED:
        notification_send(
            recipients=[req.requester],
            kind="gateway.request_decided",
            params={"ref": req.reference, "title": req.title, "state": req.get_state_display()},
            url=url,
        )


def change_request_decide(
    *,
    actor: Actor,
    request: ChangeRequest,
    approve: bool,
    reason: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> ChangeRequest:
    """A 都 reviewer approves or rejects. Requesters never review their own request; a major
    change needs two different reviewers; a rejection needs a reason."""
    require_write(actor)
    if not can(actor, Cap.GATEWAY_REVIEW):
        raise PermissionDenied()
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValidationFailed(details={"reason": _("Say why the request is rejected.")})
    with transaction.atomic():
        req = _locked(request.pk)
        _check_version(req, expected_version)
        if req.requester_id == actor.pk:
            raise PermissionDenied(message=_("You cannot review your own request."))
        if req.state != ChangeState.VERIFIED:
            raise Conflict(message=_("This request is not awaiting review."))
        if ChangeApproval.objects.filter(request=req, reviewer_id=actor.pk).exists():
            raise Conflict(message=_("You have already reviewed this request."))
        ChangeApproval.objects.create(
            request=req,
            reviewer_id=actor.pk,
            decision=ChangeApproval.Decision.APPROVE if approve else ChangeApproval.Decision.REJECT,
            reason=reason[:2000],
            created_at=now,
        )
        if not approve:
            req.rejection_reason = reason[:2000]
            req.closed_at = now
            _event(req, ChangeState.REJECTED, actor, now, reason)
        else:
            approvals = ChangeApproval.objects.filter(
                request=req, decision=ChangeApproval.Decision.APPROVE, reviewer__isnull=False
            ).count()
            if approvals >= req.approvals_needed:
                req.approved_at = now
                _event(req, ChangeState.APPROVED, actor, now, reason)
        _save_bumped(req)
        audit_record(
            actor=actor,
            action="gateway.request_approved" if approve else "gateway.request_rejected",
            organization=req.organization,
            obj=req,
            after={"state": req.state, "reason": reason[:500]},
        )
        if req.state in (ChangeState.APPROVED, ChangeState.REJECTED):
            from tsunagu.notifications.services import notification_send

            notification_send(
                recipients=[req.requester],
                kind="gateway.request_decided",
                params={"ref": req.reference, "title": req.title, "state": req.get_state_display()},
                url=f"/gateway/requests/{req.pk}/",
                actor=actor,  # type: ignore[arg-type]
            )
        if req.state == ChangeState.APPROVED:
            from .tasks import enqueue_train

            enqueue_train()
    return req


def change_request_reverify(
    *, actor: Actor, request: ChangeRequest, now: dt.datetime | None = None
) -> ChangeRequest:
    """Verify a waiting request again against the active version (reviewers, before deciding)."""
    require_write(actor)
    if not can(actor, Cap.GATEWAY_REVIEW):
        raise PermissionDenied()
    now = now or timezone.now()
    with transaction.atomic():
        req = _locked(request.pk)
        if req.state != ChangeState.VERIFIED or not req.change:
            raise Conflict(message=_("This request is not awaiting review."))
        change = m.change_from_dict(req.change)
        snapshot = active_snapshot()
        req.state = ChangeState.SUBMITTED
        _apply_verdict(req, snapshot, change, now)
        _save_bumped(req)
        audit_record(
            actor=actor,
            action="gateway.request_reverified",
            organization=req.organization,
            obj=req,
            after={"risk_class": req.risk_class, "against": req.verified_against},
        )
        if req.state == ChangeState.APPROVED:
            from .tasks import enqueue_train

            enqueue_train()
    return req


def change_request_withdraw(
    *, actor: Actor, request: ChangeRequest, reason: str = "", now: dt.datetime | None = None
) -> ChangeRequest:
    """The requester withdraws a request that has not been scheduled yet."""
    require_write(actor)
    now = now or timezone.now()
    with transaction.atomic():
        req = _locked(request.pk)
        if req.requester_id != actor.pk:
            raise PermissionDenied()
        if req.state not in (
            ChangeState.DRAFT,
            ChangeState.SUBMITTED,
            ChangeState.VERIFIED,
            ChangeState.APPROVED,
        ):
            raise Conflict(message=_("A scheduled or finished request cannot be withdrawn."))
        _event(req, ChangeState.WITHDRAWN, actor, now, reason)
        req.closed_at = now
        _save_bumped(req)
        audit_record(
            actor=actor, action="gateway.request_withdrawn", organization=req.organization, obj=req
        )
    return req


def change_request_close(
    *, actor: Actor | None, request: ChangeRequest, now: dt.datetime | None = None
) -> ChangeRequest:
    """Close an applied request (its requester confirms, or the daily task after 7 days)."""
    if actor is not None:
        require_write(actor)
    now = now or timezone.now()
    with transaction.atomic():
        req = _locked(request.pk)
        if actor is not None and req.requester_id != actor.pk:
            raise PermissionDenied()
        if req.state != ChangeState.APPLIED:
            raise Conflict(message=_("Only an applied request can be closed."))
        _event(req, ChangeState.CLOSED, actor, now)
        req.closed_at = now
        _save_bumped(req)
        audit_record(
            actor=actor, action="gateway.request_closed", organization=req.organization, obj=req
        )
    return req


def change_request_comment(
    *, actor: Actor, request: ChangeRequest, body: str, now: dt.datetime | None = None
) -> ChangeComment:
    require_write(actor)
    body = (body or "").strip()
    if not body:
        raise ValidationFailed(details={"body": _("Write a comment first.")})
    if len(body) > 4000:
        raise ValidationFailed(
            details={"body": _("Enter at most %(max)d characters.") % {"max": 4000}}
        )
    now = now or timezone.now()
    with transaction.atomic():
        comment = ChangeComment.objects.create(
            request=request, author_id=actor.pk, body=body, created_at=now
        )
        audit_record(
            actor=actor,
            action="gateway.request_commented",
            organization=request.organization,
            obj=request,
            extra={"comment": comment.pk},
        )
        from tsunagu.accounts.models import User
        from tsunagu.notifications.services import notification_send

        others = {request.requester_id} | set(
            ChangeApproval.objects.filter(request=request, reviewer__isnull=False).values_list(
                "reviewer_id", flat=True
            )
        )
        others.discard(actor.pk)
        notification_send(
            recipients=User.objects.filter(pk__in=others),
            kind="gateway.comment",
            params={"ref": request.reference, "title": request.title},
            url=f"/gateway/requests/{request.pk}/",
        )
    return comment


def change_request_attach(
    *,
    actor: Actor,
    request: ChangeRequest,
    name: str,
    content_type: str,
    data: bytes,
    now: dt.datetime | None = None,
) -> ChangeAttachment:
    """Attach evidence (PDF, image, text, office document; at most 5 MB)."""
    require_write(actor)
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise ValidationFailed(details={"file": _("The file is larger than 5 MB.")})
    if not data:
        raise ValidationFailed(details={"file": _("The file is empty.")})
    if content_type not in ATTACHMENT_TYPES:
        raise ValidationFailed(
            details={"file": _("Attach a PDF, image, text, CSV, Word or Excel file.")}
        )
    if content_type == "application/pdf" and not data.startswith(b"%PDF"):
        raise ValidationFailed(details={"file": _("The file is not a PDF.")})
    now = now or timezone.now()
    with transaction.atomic():
        att = ChangeAttachment.objects.create(
            request=request,
            uploaded_by_id=actor.pk,
            name=(name or "file")[:200],
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            data=data,
            created_at=now,
        )
        audit_record(
            actor=actor,
            action="gateway.request_attachment",
            organization=request.organization,
            obj=request,
            extra={"name": att.name, "sha256": att.sha256, "size": att.size},
        )
    return att


def catalog_adopt(
    *,
    actor: Actor,
    organization: Organization,
    service: CatalogService,
    source_zone: str = "internet",
    now: dt.datetime | None = None,
) -> ChangeRequest:
    """One click: request a vetted catalog service for one's own organisation."""
    return change_request_create(
        actor=actor,
        organization=organization,
        kind=ChangeKind.CATALOG_ADOPTION,
        title=_("Adopt %(service)s") % {"service": service.name},
        justification=_("Adopted from the service catalog."),
        form={"catalog": service.slug, "source_zone": source_zone},
        now=now,
    )


def catalog_entry_from_request(*, request: ChangeRequest) -> CatalogService | None:
    """After a request that asked to share its service is applied, make it a catalog entry.

    Called by the release train inside its transaction. Returns None when nothing is shared.
    """
    from django.utils.text import slugify

    form = request.form or {}
    name = str(form.get("service") or "").strip()
    if not form.get("share_to_catalog") or not name or not request.change:
        return None
    if request.kind not in (ChangeKind.ALLOW_DOMAIN, ChangeKind.FIREWALL_OUTBOUND):
        return None
    change = m.change_from_dict(request.change)
    slug = slugify(name) or f"service-{request.pk}"
    if CatalogService.objects.filter(slug=slug).exists():
        slug = f"{slug}-{request.pk}"
    svc = CatalogService.objects.create(
        slug=slug[:50],
        name=name[:120],
        vendor="",
        category="other",
        description=request.justification[:2000],
        domains=[d.pattern for d in change.add_domains],
        flows=[
            {
                "protocol": r.protocol,
                "ports": [str(p) for p in r.ports],
                "destinations": list(r.destinations),
            }
            for r in change.add_rules
        ],
        upload_capable=any(d.upload_capable for d in change.add_domains),
        risk_class=request.risk_class,
        source_request=request,
        source_organization=request.organization,
    )
    from .search_docs import catalog_service_index

    catalog_service_index([svc])
    return svc


def recertification_decide(
    *, actor: Actor, recert: Recertification, keep: bool, now: dt.datetime | None = None
) -> Recertification:
    """A rule owner's yearly answer. Dropping files a removal request for the rule."""
    require_write(actor)
    if not can(actor, Cap.GATEWAY_REQUEST_OWN) or actor.organization_id != recert.organization_id:
        raise PermissionDenied()
    now = now or timezone.now()
    with transaction.atomic():
        rec = Recertification.objects.select_for_update().get(pk=recert.pk)
        if rec.decision != Recertification.Decision.PENDING:
            raise Conflict(message=_("This rule has already been answered for this year."))
        rec.decision = (
            Recertification.Decision.CONFIRMED if keep else Recertification.Decision.DROPPED
        )
        rec.decided_by_id = actor.pk
        rec.decided_at = now
        rec.save()
        audit_record(
            actor=actor,
            action="gateway.recertified" if keep else "gateway.recert_dropped",
            organization=rec.organization,
            obj=rec,
            after={"rule": rec.rule_uid, "year": rec.year},
        )
    if not keep:
        req = change_request_create(
            actor=actor,
            organization=rec.organization,
            kind=ChangeKind.RULE_REMOVAL,
            title=_("Remove %(rule)s (recertification)") % {"rule": rec.rule_uid},
            form={"rule_uids": [rec.rule_uid]},
            now=now,
        )
        Recertification.objects.filter(pk=rec.pk).update(removal_request=req)
        rec.removal_request = req
    return rec
