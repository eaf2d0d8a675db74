"""Network writes: drafts, publishing a revision, contact consent, what-if drafts, reports.

Every write checks the actor, runs in one transaction with an optimistic lock on the model row
and records an audit entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.core.audit import audit_record
from tsunagu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tsunagu.core.models import Organization
from tsunagu.core.permissions import Actor, can, require_write
from tsunagu.core.roles import Cap
from tsunagu.engines.compliance import model as cm
from tsunagu.engines.compliance.whatif import GatewayNeed, WhatIf, what_if

from . import adapters
from .models import ModelKind, ModelMove, NetworkModel, NetworkRevision, ReportExport
from .selectors import can_edit

MAX_DRAFT_BYTES = 2_000_000
MAX_ROWS = 2000


def _require_edit(actor: Actor, network: NetworkModel) -> None:
    require_write(actor)
    if not can_edit(actor, network):
        raise PermissionDenied()


def _locked(pk: int, expected: int | None) -> NetworkModel:
    network = NetworkModel.objects.select_for_update().select_related("organization").get(pk=pk)
    if expected is not None and network.lock_version != expected:
        raise Conflict()
    return network


def _clean_draft(draft: Any) -> dict[str, Any]:
    """The draft as typed; only its size is bounded (nothing is lost to validation)."""
    import json

    if not isinstance(draft, Mapping):
        raise ValidationFailed(details={"document": _("The model must be an object.")})
    text = json.dumps(draft, ensure_ascii=False, default=str)
    if len(text.encode()) > MAX_DRAFT_BYTES:
        raise ValidationFailed(details={"document": _("The model is too large (at most 2 MB).")})
    for key in ("zones", "systems", "terminals", "flows"):
        rows = draft.get(key)
        if isinstance(rows, list) and len(rows) > MAX_ROWS:
            raise ValidationFailed(details={key: _("At most %(n)d rows.") % {"n": MAX_ROWS}})
    return dict(json.loads(text))


def network_save_draft(
    *,
    actor: Actor,
    network: NetworkModel,
    draft: Mapping[str, Any],
    expected_version: int | None = None,
) -> NetworkModel:
    """Keep the user's working copy, however incomplete or inconsistent."""
    _require_edit(actor, network)
    clean = _clean_draft(draft)
    with transaction.atomic():
        row = _locked(network.pk, expected_version)
        row.draft = clean
        row.draft_saved_at = timezone.now()
        row.draft_saved_by_id = actor.pk
        row.lock_version += 1
        row.save(update_fields=["draft", "draft_saved_at", "draft_saved_by", "lock_version"])
        audit_record(
            actor=actor,
            action="network.draft_saved",
            organization=row.organization,
            obj=row,
            after={"rows": {k: len(clean.get(k) or []) for k in ("zones", "flows")}},
        )
    return row


def network_discard_draft(
    *, actor: Actor, network: NetworkModel, expected_version: int | None = None
) -> NetworkModel:
    _require_edit(actor, network)
    with transaction.atomic():
        row = _locked(network.pk, expected_version)
        if row.draft is None:
            return row
        row.draft = None
        row.draft_saved_at = None
        row.draft_saved_by = None
        row.lock_version += 1
        row.save(update_fields=["draft", "draft_saved_at", "draft_saved_by", "lock_version"])
        audit_record(
            actor=actor, action="network.draft_discarded", organization=row.organization, obj=row
        )
    return row


def _publish_row(
    *,
    row: NetworkModel,
    model: cm.NetworkModel,
    actor: Actor | None,
    note: str,
    at: dt.datetime,
    moved_on: dt.date | None = None,
) -> NetworkRevision:
    doc = adapters.stored_document(model)
    before_kind = row.model_kind
    row.revision += 1
    row.document = doc
    row.model_kind = model.model
    row.draft = None
    row.draft_saved_at = None
    row.draft_saved_by = None
    row.updated_at = at
    row.updated_by_id = actor.pk if actor is not None and actor.is_authenticated else None
    row.lock_version += 1
    # The organisation profile shows the model too; it mirrors the published model.
    Organization.objects.filter(pk=row.organization_id).update(network_model=model.model)
    rev = NetworkRevision.objects.create(
        network=row,
        number=row.revision,
        document=doc,
        model_kind=model.model,
        note=note[:300],
        created_at=at,
        created_by_id=row.updated_by_id,
    )
    if row.revision > 1 and before_kind != model.model:
        ModelMove.objects.create(
            network=row,
            from_kind=before_kind,
            to_kind=model.model,
            moved_on=moved_on or timezone.localdate(at),
            revision=rev,
        )
        if row.renewal_target == model.model:
            row.renewal_target = ""
            row.renewal_due = None
    return rev


def network_refresh_assessment(*, network: NetworkModel, today: dt.date | None = None) -> None:
    """Re-evaluate the published document (after publishing, seeding or a plan change)."""
    _model, result = adapters.assess_network(network, today=today or timezone.localdate())
    network.assessment = result.to_dict()
    network.assessed_at = timezone.now()
    network.save(update_fields=["assessment", "assessed_at"])


def network_publish(
    *,
    actor: Actor,
    network: NetworkModel,
    document: Mapping[str, Any],
    note: str = "",
    expected_version: int | None = None,
) -> NetworkModel:
    """Publish ``document`` as the next revision.

    The document is first kept as the draft. If it is inconsistent (errors from the parser)
    nothing is published: :class:`ValidationFailed` carries every problem by its path, and the
    draft keeps what was typed.
    """
    _require_edit(actor, network)
    clean = _clean_draft(document)
    plan = adapters.address_plan(network.organization.code)
    parsed = adapters.parse(clean, org=network.organization.code, plan=plan)
    errors = [i for i in parsed.issues if i.severity == "error"]
    if errors:
        network_save_draft(
            actor=actor, network=network, draft=clean, expected_version=expected_version
        )
        raise ValidationFailed(
            message=_("The model is not consistent; it was kept as a draft."),
            details={i.path or "document": adapters.issue_text(i.to_dict()) for i in errors},
        )
    with transaction.atomic():
        row = _locked(network.pk, expected_version)
        before = {"model": row.model_kind, "revision": row.revision}
        rev = _publish_row(row=row, model=parsed.model, actor=actor, note=note, at=timezone.now())
        row.save()
        audit_record(
            actor=actor,
            action="network.published",
            organization=row.organization,
            obj=row,
            before=before,
            after={"model": row.model_kind, "revision": rev.number, "note": note[:300]},
        )
    network_refresh_assessment(network=row)
    return row


def network_set_contact(
    *,
    actor: Actor,
    network: NetworkModel,
    consent: bool,
    note: str = "",
    renewal_target: str = "",
    renewal_due: dt.date | None = None,
    expected_version: int | None = None,
) -> NetworkModel:
    """Whether peers may see this organisation's moves and contact it, and its plans."""
    _require_edit(actor, network)
    if renewal_target and renewal_target not in ModelKind.values:
        raise ValidationFailed(details={"renewal_target": _("Choose a network model.")})
    if len(note) > 300:
        raise ValidationFailed(
            details={"contact_note": _("Enter at most %(max)d characters.") % {"max": 300}}
        )
    with transaction.atomic():
        row = _locked(network.pk, expected_version)
        before = {
            "consent": row.contact_consent,
            "note": row.contact_note,
            "target": row.renewal_target,
            "due": row.renewal_due,
        }
        row.contact_consent = consent
        row.contact_note = note.strip()
        row.renewal_target = renewal_target
        row.renewal_due = renewal_due if renewal_target else None
        row.lock_version += 1
        row.save(
            update_fields=[
                "contact_consent",
                "contact_note",
                "renewal_target",
                "renewal_due",
                "lock_version",
            ]
        )
        audit_record(
            actor=actor,
            action="network.contact_updated",
            organization=row.organization,
            obj=row,
            before=before,
            after={
                "consent": consent,
                "note": row.contact_note,
                "target": renewal_target,
                "due": row.renewal_due,
            },
        )
    return row


# --------------------------------------------------------------------------- what-if


def network_what_if(
    *,
    actor: Actor,
    network: NetworkModel,
    target: str,
    services: Sequence[str] | None = None,
    today: dt.date | None = None,
) -> WhatIf:
    """The what-if of moving the published model to ``target`` (a read: nothing is saved)."""
    if target not in cm.MODEL_KINDS:
        raise ValidationFailed(details={"target": _("Choose a network model.")})
    today = today or timezone.localdate()
    plan = adapters.address_plan(network.organization.code)
    parsed = adapters.parse(network.document, org=network.organization.code, plan=plan)
    facts = adapters.gateway_facts(network.organization)
    chosen = adapters.catalog_services(
        services if services is not None else default_services(facts.adopted)
    )
    return what_if(
        parsed.model,
        adapters.ruleset(),
        target=target,
        today=today,
        services=tuple(chosen),
        gateway=facts,
    )


def default_services(adopted: frozenset[str]) -> list[str]:
    """The services a what-if assumes when none are chosen: what the organisation already
    adopted, plus every web-meeting service of the catalog."""
    from tsunagu.gateway.models import CatalogService

    meeting = CatalogService.objects.filter(category="web_meeting").values_list("slug", flat=True)
    return sorted(set(adopted) | set(meeting))


def network_what_if_drafts(
    *,
    actor: Actor,
    network: NetworkModel,
    target: str,
    services: Sequence[str] | None,
    chosen: Sequence[int],
) -> list[Any]:
    """File the chosen gateway needs of a what-if as draft change requests (through the
    gateway's own service, so each draft is audited there and can be submitted later)."""
    from tsunagu.gateway import services as gw_services

    if not (can(actor, Cap.GATEWAY_REQUEST_OWN) or can(actor, Cap.GATEWAY_REQUEST_SHARED)):
        raise PermissionDenied()
    _require_edit(actor, network)
    result = network_what_if(actor=actor, network=network, target=target, services=services)
    needs: list[GatewayNeed] = list(result.gateway)
    picked = sorted({i for i in chosen if 0 <= i < len(needs)})
    if not picked:
        raise ValidationFailed(details={"needs": _("Choose at least one gateway change.")})
    org = Organization.objects.get(pk=network.organization_id)
    lang_title = {
        "catalog_adoption": _("%(target)s move: adopt %(what)s for the internet segment"),
        "inbound_publication": _("%(target)s move: publish the telework gateway"),
        "rule_removal": _("%(target)s move: remove entries that local breakout replaces"),
    }
    made = []
    with transaction.atomic():
        for i in picked:
            need = needs[i]
            form = dict(need.form)
            what = str(form.get("catalog") or form.get("service") or need.kind)
            title = lang_title.get(need.kind, _("%(target)s move: %(what)s")) % {
                "target": ModelKind(target).label,
                "what": what,
            }
            reason = need.reason.get("ja") or need.reason.get("en") or ""
            req = gw_services.change_request_create(
                actor=actor,
                organization=org,
                kind=need.kind,
                title=str(title)[:200],
                justification=_("Generated by the network what-if (%(from)s → %(to)s). %(why)s")
                % {"from": network.model_kind, "to": target, "why": reason},
                form=form,
                submit=False,
            )
            made.append(req)
        audit_record(
            actor=actor,
            action="network.whatif_drafts",
            organization=org,
            obj=network,
            after={"target": target, "requests": [r.pk for r in made]},
        )
    return made


# --------------------------------------------------------------------------- reports


def report_request(*, actor: Actor, network: NetworkModel, lang: str) -> ReportExport:
    """Queue a PDF of the assessment report; a background job prints it."""
    from .tasks import print_report

    if network.organization_id != actor.organization_id and not can(actor, Cap.NETWORK_VIEW_ANY):
        raise NotFound()
    lang = "en" if lang.startswith("en") else "ja"
    with transaction.atomic():
        report = ReportExport.objects.create(
            network=network,
            requested_by_id=actor.pk,
            lang=lang,
            revision=network.revision,
            created_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="network.report_requested",
            organization=network.organization,
            obj=report,
            after={"revision": network.revision, "lang": lang},
        )
        transaction.on_commit(lambda: print_report.enqueue(report_id=report.pk))
    return report


def network_seed(
    *,
    organization: Organization,
    document: Mapping[str, Any],
    moves: Sequence[tuple[str, str, str]] = (),
    consent: bool = False,
    contact_note: str = "",
    renewal_target: str = "",
    renewal_due: dt.date | None = None,
    draft: Mapping[str, Any] | None = None,
) -> NetworkModel:
    """Demo data: publish the model's history (one revision per past move), as the system."""
    now = timezone.now()
    plan = adapters.address_plan(organization.code)
    parsed = adapters.parse(document, org=organization.code, plan=plan)
    with transaction.atomic():
        row, _created = NetworkModel.objects.select_for_update().get_or_create(
            organization=organization, defaults={"updated_at": now}
        )
        if row.revision:
            return row
        history = sorted(moves)
        first_kind = history[0][1] if history else parsed.model.model
        first_at = (
            dt.datetime.fromisoformat(history[0][0]).replace(tzinfo=dt.UTC) - dt.timedelta(days=365)
            if history
            else now
        )
        _publish_row(
            row=row,
            model=replace(parsed.model, model=first_kind),
            actor=None,
            note="initial",
            at=first_at,
        )
        for when, _from, to in history:
            at = dt.datetime.fromisoformat(when).replace(tzinfo=dt.UTC)
            _publish_row(
                row=row,
                model=replace(parsed.model, model=to),
                actor=None,
                note=f"move to {to}",
                at=at,
                moved_on=at.date(),
            )
        if parsed.model.model != row.model_kind:
            _publish_row(row=row, model=parsed.model, actor=None, note="current", at=now)
        row.contact_consent = consent
        row.contact_note = contact_note
        row.renewal_target = renewal_target
        row.renewal_due = renewal_due
        if draft is not None:
            row.draft = dict(draft)
            row.draft_saved_at = now
        row.save()
        audit_record(
            actor=None,
            action="network.seeded",
            organization=organization,
            obj=row,
            after={"model": row.model_kind, "revisions": row.revision},
        )
    network_refresh_assessment(network=row)
    return row
