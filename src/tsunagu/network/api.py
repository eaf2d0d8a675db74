"""API: network models, drafts and publishing, assessments, what-if, peers, reports, rules."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router, Schema

from tsunagu.core.api_support import ERRORS, api_actor, api_writer
from tsunagu.core.errors import NotFound
from tsunagu.engines.compliance.diagram import render_svg

from . import adapters, selectors
from . import services as network_services
from .models import NetworkModel, ReportExport

router = Router(tags=["network"])


class ModelSummaryOut(Schema):
    organization: str
    model_kind: str
    revision: int
    counts: dict[str, int]
    updated_at: datetime

    @staticmethod
    def resolve_organization(obj: NetworkModel) -> str:
        return obj.organization.code

    @staticmethod
    def resolve_counts(obj: NetworkModel) -> dict[str, int]:
        return {k: int(v) for k, v in selectors.assessment_counts(obj).items()}


class ModelOut(ModelSummaryOut):
    document: dict[str, Any]
    address_plan: dict[str, list[str]]
    draft: dict[str, Any] | None
    draft_saved_at: datetime | None
    lock_version: int
    contact_consent: bool
    contact_note: str
    renewal_target: str
    renewal_due: date | None

    @staticmethod
    def resolve_address_plan(obj: NetworkModel) -> dict[str, list[str]]:
        return adapters.address_plan(obj.organization.code)


class DraftIn(Schema):
    document: dict[str, Any]
    lock_version: int | None = None


class PublishIn(DraftIn):
    note: str = ""


class ContactIn(Schema):
    consent: bool
    contact_note: str = ""
    renewal_target: str = ""
    renewal_due: date | None = None
    lock_version: int | None = None


class DraftsIn(Schema):
    target: str
    services: list[str] | None = None
    needs: list[int]


class DraftsOut(Schema):
    requests: list[int]


class ReportOut(Schema):
    id: int
    organization: str
    status: str
    lang: str
    revision: int
    size: int
    error: str
    created_at: datetime
    finished_at: datetime | None

    @staticmethod
    def resolve_organization(obj: ReportExport) -> str:
        return obj.network.organization.code


class PeerMoveOut(Schema):
    org_code: str
    org_name: str
    from_kind: str
    to_kind: str
    moved_on: date
    contact_note: str


class PeersOut(Schema):
    counts: dict[str, int]
    total: int
    moves: list[PeerMoveOut]
    anonymous_moves: int


def _get(request: HttpRequest, code: str, *, write: bool = False) -> tuple[Any, NetworkModel]:
    actor = api_writer(request) if write else api_actor(request)
    return actor, selectors.network_get(actor=actor, code=code)


@router.get("/models", response={200: list[ModelSummaryOut], **ERRORS}, summary="Network models")
def network_list_api(request: HttpRequest) -> Any:
    return list(selectors.network_list(actor=api_actor(request)))


@router.get(
    "/models/{code}", response={200: ModelOut, **ERRORS}, summary="One organisation's model"
)
def network_get_api(request: HttpRequest, code: str) -> Any:
    return _get(request, code)[1]


@router.put(
    "/models/{code}/draft",
    response={200: ModelOut, **ERRORS},
    summary="Save a draft (kept as typed, even when inconsistent)",
)
def network_draft_api(request: HttpRequest, code: str, payload: DraftIn) -> Any:
    actor, network = _get(request, code, write=True)
    return network_services.network_save_draft(
        actor=actor, network=network, draft=payload.document, expected_version=payload.lock_version
    )


@router.post(
    "/models/{code}/publish",
    response={200: ModelOut, **ERRORS},
    summary="Publish a model (422 with every inconsistency by path; the draft keeps it)",
)
def network_publish_api(request: HttpRequest, code: str, payload: PublishIn) -> Any:
    actor, network = _get(request, code, write=True)
    return network_services.network_publish(
        actor=actor,
        network=network,
        document=payload.document,
        note=payload.note,
        expected_version=payload.lock_version,
    )


@router.put(
    "/models/{code}/contact",
    response={200: ModelOut, **ERRORS},
    summary="Peer contact consent and renewal plan",
)
def network_contact_api(request: HttpRequest, code: str, payload: ContactIn) -> Any:
    actor, network = _get(request, code, write=True)
    return network_services.network_set_contact(
        actor=actor,
        network=network,
        consent=payload.consent,
        note=payload.contact_note,
        renewal_target=payload.renewal_target,
        renewal_due=payload.renewal_due,
        expected_version=payload.lock_version,
    )


@router.get(
    "/models/{code}/assessment",
    response={200: dict[str, Any], **ERRORS},
    summary="Findings of the published model against the rule set in force",
)
def network_assessment_api(request: HttpRequest, code: str, draft: bool = False) -> Any:
    _actor, network = _get(request, code)
    _model, result = adapters.assess_network(network, today=timezone.localdate(), draft=draft)
    return result.to_dict()


@router.get(
    "/models/{code}/what-if",
    response={200: dict[str, Any], **ERRORS},
    summary="What moving to another model takes and brings",
)
def network_whatif_api(
    request: HttpRequest, code: str, target: str, services: str | None = None
) -> Any:
    actor, network = _get(request, code)
    chosen = [s for s in services.split(",") if s] if services is not None else None
    return network_services.network_what_if(
        actor=actor, network=network, target=target, services=chosen
    ).to_dict()


@router.post(
    "/models/{code}/what-if/drafts",
    response={201: DraftsOut, **ERRORS},
    summary="File chosen gateway needs of a what-if as draft change requests",
)
def network_whatif_drafts_api(request: HttpRequest, code: str, payload: DraftsIn) -> Any:
    actor, network = _get(request, code, write=True)
    made = network_services.network_what_if_drafts(
        actor=actor,
        network=network,
        target=payload.target,
        services=payload.services,
        chosen=payload.needs,
    )
    return 201, {"requests": [r.pk for r in made]}


@router.get(
    "/models/{code}/diagram.svg", response={200: None, **ERRORS}, summary="The diagram (SVG)"
)
def network_diagram_api(request: HttpRequest, code: str, lang: str = "ja") -> Any:
    _actor, network = _get(request, code)
    model, result = adapters.assess_network(network, today=timezone.localdate())
    svg = render_svg(model, result.findings, lang="en" if lang == "en" else "ja")
    return HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")


@router.post(
    "/models/{code}/reports",
    response={202: ReportOut, **ERRORS},
    summary="Print the assessment report to PDF (background job)",
)
def network_report_api(request: HttpRequest, code: str, lang: str = "ja") -> Any:
    actor, network = _get(request, code)
    return 202, network_services.report_request(actor=actor, network=network, lang=lang)


@router.get("/reports/{report_id}", response={200: ReportOut, **ERRORS}, summary="Report status")
def network_report_get_api(request: HttpRequest, report_id: int) -> Any:
    return selectors.report_get(actor=api_actor(request), pk=report_id)


@router.get("/reports/{report_id}/pdf", response={200: None, **ERRORS}, summary="Download the PDF")
def network_report_pdf_api(request: HttpRequest, report_id: int) -> Any:
    report = selectors.report_get(actor=api_actor(request), pk=report_id)
    if report.status != ReportExport.Status.DONE or not report.pdf:
        raise NotFound()
    resp = HttpResponse(bytes(report.pdf), content_type="application/pdf")
    resp["Content-Disposition"] = f'attachment; filename="network-assessment-{report.pk}.pdf"'
    return resp


@router.get("/peers", response={200: PeersOut, **ERRORS}, summary="Models of the 62 and moves")
def network_peers_api(
    request: HttpRequest, from_kind: str | None = None, to_kind: str | None = None
) -> Any:
    view = selectors.peer_view(actor=api_actor(request), from_kind=from_kind, to_kind=to_kind)
    return {
        "counts": view.counts,
        "total": view.total,
        "moves": [m.__dict__ for m in view.moves],
        "anonymous_moves": view.anonymous_moves,
    }


@router.get(
    "/rules", response={200: dict[str, Any], **ERRORS}, summary="The compliance rule set in force"
)
def network_rules_api(request: HttpRequest) -> Any:
    selectors.network_own_code(actor=api_actor(request))  # view permission
    return adapters.ruleset_document(adapters.ruleset())
