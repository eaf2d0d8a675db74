"""Network reads, scoped to the actor.

A municipality sees its own network model only: zones, flows and findings are security
details. Tokyo and auditors see every model. Anyone with ``NETWORK_PEERS`` sees the peer view:
how many organisations are on each model and which ones moved — by name only where the
organisation consented to be contacted.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from tsunagu.core.errors import NotFound, PermissionDenied
from tsunagu.core.models import Organization
from tsunagu.core.permissions import Actor, can
from tsunagu.core.roles import Cap

from .models import ModelKind, ModelMove, NetworkModel, ReportExport

TOKYO_CODE = "130001"


def sees_all(actor: Actor) -> bool:
    return can(actor, Cap.NETWORK_VIEW_ANY)


def _require_view(actor: Actor) -> None:
    if not (can(actor, Cap.NETWORK_VIEW_OWN) or sees_all(actor)):
        raise PermissionDenied()


def can_edit(actor: Actor, network: NetworkModel) -> bool:
    if can(actor, Cap.NETWORK_EDIT_ANY):
        return True
    return can(actor, Cap.NETWORK_EDIT_OWN) and network.organization_id == actor.organization_id


def network_get(*, actor: Actor, code: str) -> NetworkModel:
    """One organisation's model; another municipality's answers NotFound, like a missing one."""
    _require_view(actor)
    network = (
        NetworkModel.objects.select_related("organization", "updated_by", "draft_saved_by")
        .filter(organization__code=code)
        .first()
    )
    if network is None or (
        not sees_all(actor) and network.organization_id != actor.organization_id
    ):
        raise NotFound()
    return network


def network_own_code(*, actor: Actor) -> str:
    _require_view(actor)
    code = Organization.objects.filter(pk=actor.organization_id).values_list("code", flat=True)
    return str(code.first() or "")


def network_list(*, actor: Actor) -> QuerySet[NetworkModel]:
    """Every model (Tokyo and auditors), or the actor's own."""
    _require_view(actor)
    qs = NetworkModel.objects.select_related("organization").order_by("organization__code")
    if not sees_all(actor):
        qs = qs.filter(organization_id=actor.organization_id)
    return qs


def report_get(*, actor: Actor, pk: int) -> ReportExport:
    _require_view(actor)
    report = ReportExport.objects.select_related("network__organization").filter(pk=pk).first()
    if report is None or (
        not sees_all(actor) and report.network.organization_id != actor.organization_id
    ):
        raise NotFound()
    return report


def report_list(*, actor: Actor, network: NetworkModel) -> QuerySet[ReportExport]:
    network_get(actor=actor, code=network.organization.code)
    return network.reports.defer("pdf").order_by("-created_at")[:5]


# --------------------------------------------------------------------------- peers


@dataclass(frozen=True)
class PeerMove:
    org_code: str
    org_name: str
    org_name_en: str
    from_kind: str
    to_kind: str
    moved_on: dt.date
    contact_note: str


@dataclass
class PeerView:
    counts: dict[str, int]  # model kind -> number of municipalities (Tokyo excluded)
    total: int
    moves: list[PeerMove] = field(default_factory=list)  # consenting organisations only
    anonymous_moves: int = 0  # the same move by organisations that did not consent
    considering: list[tuple[str, str]] = field(default_factory=list)  # (org name, target)


def peer_view(
    *, actor: Actor, from_kind: str | None = None, to_kind: str | None = None
) -> PeerView:
    """Model counts over the 62 municipalities, and who already made a move (filtered to
    ``from_kind`` → ``to_kind`` when given). Findings and model details are never shown."""
    if not can(actor, Cap.NETWORK_PEERS):
        raise PermissionDenied()
    municipal = NetworkModel.objects.exclude(organization__code=TOKYO_CODE)
    counts: Counter[str] = Counter(municipal.values_list("model_kind", flat=True))
    moves_qs = ModelMove.objects.select_related("network__organization").exclude(
        network__organization__code=TOKYO_CODE
    )
    if from_kind:
        moves_qs = moves_qs.filter(from_kind=from_kind)
    if to_kind:
        moves_qs = moves_qs.filter(to_kind=to_kind)
    shown: list[PeerMove] = []
    hidden = 0
    for mv in moves_qs.order_by("-moved_on"):
        net = mv.network
        if not net.contact_consent:
            hidden += 1
            continue
        shown.append(
            PeerMove(
                org_code=net.organization.code,
                org_name=net.organization.name,
                org_name_en=net.organization.name_en,
                from_kind=mv.from_kind,
                to_kind=mv.to_kind,
                moved_on=mv.moved_on,
                contact_note=net.contact_note,
            )
        )
    considering_qs = municipal.filter(contact_consent=True).exclude(renewal_target="")
    if to_kind:
        considering_qs = considering_qs.filter(renewal_target=to_kind)
    considering = [
        (n.organization.name, n.renewal_target)
        for n in considering_qs.select_related("organization").order_by("organization__code")
    ]
    return PeerView(
        counts={k: counts.get(k, 0) for k in ModelKind.values},
        total=sum(counts.values()),
        moves=shown,
        anonymous_moves=hidden,
        considering=considering,
    )


def assessment_counts(network: NetworkModel) -> dict[str, Any]:
    """Severity counts of the stored assessment ({} before the first evaluation)."""
    doc = network.assessment or {}
    counts = doc.get("counts") if isinstance(doc, dict) else None
    return dict(counts) if isinstance(counts, dict) else {}
