"""API: gateway change requests, dry runs, reviews, catalog, versions, rollback, artifacts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from ninja.pagination import paginate

from tsunagu.core.api_support import ERRORS, Pages, api_actor, api_writer
from tsunagu.core.selectors import organization_get

from . import selectors, services, train

router = Router(tags=["gateway"])


class RequestForm(Schema):
    """The request's fields; which ones matter depends on ``kind`` (see the docs)."""

    hosts: str | None = None
    service: str | None = None
    upload_capable: bool | None = None
    source_zone: str | None = None
    destinations: str | None = None
    server: str | None = None
    protocol: str | None = None
    ports: str | None = None
    waf: bool | None = None
    sending_domains: str | None = None
    relay_hosts: str | None = None
    attachment_policy: str | None = None
    max_message_mb: str | None = None
    rule_uids: list[str] | None = None
    catalog: str | None = None
    expires_on: str | None = None
    share_to_catalog: bool | None = None


class RequestIn(Schema):
    organization: str  # 6-digit code
    shared: bool = False
    kind: str
    title: str
    justification: str = ""
    form: RequestForm
    submit: bool = True


class DryRunIn(Schema):
    organization: str
    shared: bool = False
    kind: str
    form: RequestForm


class DryRunOut(Schema):
    errors: dict[str, str]
    notes: list[str]
    verdict: dict[str, Any] | None
    change: dict[str, Any] | None


class RequestOut(Schema):
    id: int
    reference: str
    organization: str
    shared: bool
    kind: str
    title: str
    state: str
    risk_class: str
    risk_score: int | None
    requester: str
    verified_against: int | None
    applied_version: int | None
    expires_on: date | None
    created_at: datetime
    submitted_at: datetime | None
    approved_at: datetime | None
    applied_at: datetime | None
    lock_version: int

    @staticmethod
    def resolve_organization(obj: Any) -> str:
        return str(obj.organization.code)

    @staticmethod
    def resolve_requester(obj: Any) -> str:
        return str(obj.requester.username)

    @staticmethod
    def resolve_applied_version(obj: Any) -> int | None:
        return obj.applied_version.number if obj.applied_version_id else None


class RequestDetailOut(RequestOut):
    justification: str
    form: dict[str, Any]
    change: dict[str, Any] | None
    verdict: dict[str, Any] | None
    rejection_reason: str


class DecisionIn(Schema):
    approve: bool
    reason: str = ""
    version: int | None = None


class CatalogOut(Schema):
    slug: str
    name: str
    name_en: str
    vendor: str
    category: str
    description: str
    domains: list[str]
    flows: list[dict[str, Any]]
    upload_capable: bool
    notes: str


class AdoptIn(Schema):
    source_zone: str = "internet"


class VersionOut(Schema):
    number: int
    status: str
    reason: str
    changed_sections: list[str]
    created_at: datetime
    published_at: datetime | None
    rollback_of: int | None

    @staticmethod
    def resolve_rollback_of(obj: Any) -> int | None:
        return obj.rollback_of.number if obj.rollback_of_id else None

    @staticmethod
    def resolve_changed_sections(obj: Any, context: Any) -> list[str]:
        return selectors.version_changed_sections(actor=api_actor(context["request"]), version=obj)


class RollbackIn(Schema):
    reason: str


class ArtifactOut(Schema):
    path: str
    section: str
    sha256: str
    size: int
    validated: bool

    @staticmethod
    def resolve_sha256(obj: Any) -> str:
        return str(obj.blob.sha256)

    @staticmethod
    def resolve_size(obj: Any) -> int:
        return len(obj.blob.text.encode())

    @staticmethod
    def resolve_validated(obj: Any) -> bool:
        return bool(obj.validated)


def _org(request: HttpRequest, code: str) -> Any:
    return organization_get(actor=api_actor(request), code=code)


@router.post(
    "/requests/dry-run",
    response={200: DryRunOut, **ERRORS},
    summary="Verify a change without saving anything",
)
def change_request_dry_run_api(request: HttpRequest, payload: DryRunIn) -> Any:
    actor = api_actor(request)
    preview = services.change_request_preview(
        actor=actor,
        organization=_org(request, payload.organization),
        kind=payload.kind,
        form=payload.form.dict(exclude_none=True),
        shared=payload.shared,
    )
    return DryRunOut(
        errors=preview.errors, notes=preview.notes, verdict=preview.verdict, change=preview.change
    )


@router.post(
    "/requests", response={201: RequestDetailOut, **ERRORS}, summary="File a change request"
)
def change_request_create_api(request: HttpRequest, payload: RequestIn) -> Any:
    req = services.change_request_create(
        actor=api_writer(request),
        organization=_org(request, payload.organization),
        kind=payload.kind,
        title=payload.title,
        justification=payload.justification,
        form=payload.form.dict(exclude_none=True),
        shared=payload.shared,
        submit=payload.submit,
    )
    return 201, req


@router.get("/requests", response={200: list[RequestOut], **ERRORS}, summary="Change requests")
@paginate(Pages)
def change_request_list_api(
    request: HttpRequest,
    state: str | None = None,
    kind: str | None = None,
    risk_class: str | None = None,
    q: str | None = None,
) -> Any:
    return selectors.change_request_list(
        actor=api_actor(request), state=state, kind=kind, risk_class=risk_class, query=q
    )


@router.get(
    "/requests/{pk}", response={200: RequestDetailOut, **ERRORS}, summary="One change request"
)
def change_request_get_api(request: HttpRequest, pk: int) -> Any:
    return selectors.change_request_get(actor=api_actor(request), pk=pk)


@router.post(
    "/requests/{pk}/submit", response={200: RequestDetailOut, **ERRORS}, summary="Submit a draft"
)
def change_request_submit_api(request: HttpRequest, pk: int) -> Any:
    actor = api_writer(request)
    req = selectors.change_request_get(actor=actor, pk=pk)
    return services.change_request_submit(actor=actor, request=req)


@router.post(
    "/requests/{pk}/decision",
    response={200: RequestDetailOut, **ERRORS},
    summary="Approve or reject (都 reviewers)",
)
def change_request_decide_api(request: HttpRequest, pk: int, payload: DecisionIn) -> Any:
    actor = api_writer(request)
    req = selectors.change_request_get(actor=actor, pk=pk)
    return services.change_request_decide(
        actor=actor,
        request=req,
        approve=payload.approve,
        reason=payload.reason,
        expected_version=payload.version,
    )


@router.post(
    "/requests/{pk}/withdraw",
    response={200: RequestDetailOut, **ERRORS},
    summary="Withdraw one's own request",
)
def change_request_withdraw_api(request: HttpRequest, pk: int) -> Any:
    actor = api_writer(request)
    req = selectors.change_request_get(actor=actor, pk=pk)
    return services.change_request_withdraw(actor=actor, request=req)


@router.get("/catalog", response={200: list[CatalogOut], **ERRORS}, summary="Service catalog")
def catalog_list_api(request: HttpRequest, category: str | None = None) -> Any:
    return list(selectors.catalog_list(actor=api_actor(request), category=category))


@router.post(
    "/catalog/{slug}/adopt",
    response={201: RequestDetailOut, **ERRORS},
    summary="Adopt a catalog service for one's own organisation",
)
def catalog_adopt_api(request: HttpRequest, slug: str, payload: AdoptIn) -> Any:
    actor = api_writer(request)
    service = selectors.catalog_get(actor=actor, slug=slug)
    org = organization_get(actor=actor, code=_own_code(actor))
    return 201, services.catalog_adopt(
        actor=actor, organization=org, service=service, source_zone=payload.source_zone
    )


def _own_code(actor: Any) -> str:
    return str(actor.organization.code)


@router.get("/versions", response={200: list[VersionOut], **ERRORS}, summary="Policy versions")
@paginate(Pages)
def version_list_api(request: HttpRequest) -> Any:
    return selectors.version_list(actor=api_actor(request))


@router.post(
    "/versions/{number}/rollback",
    response={201: VersionOut, **ERRORS},
    summary="Roll back to this version (operators)",
)
def version_rollback_api(request: HttpRequest, number: int, payload: RollbackIn) -> Any:
    actor = api_writer(request)
    target = selectors.version_get(actor=actor, number=number)
    return 201, train.policy_rollback(actor=actor, target=target, reason=payload.reason)


@router.get(
    "/versions/{number}/artifacts",
    response={200: list[ArtifactOut], **ERRORS},
    summary="Rendered artifacts of a version",
)
def artifact_list_api(request: HttpRequest, number: int) -> Any:
    actor = api_actor(request)
    version = selectors.version_get(actor=actor, number=number)
    return list(selectors.artifact_list(actor=actor, version=version))


@router.get(
    "/versions/{number}/artifacts/{path:path}",
    response={200: None, **ERRORS},
    summary="Download one artifact",
)
def artifact_download_api(request: HttpRequest, number: int, path: str) -> Any:
    actor = api_actor(request)
    version = selectors.version_get(actor=actor, number=number)
    art = selectors.artifact_get(actor=actor, version=version, path=path)
    resp = HttpResponse(art.blob.text, content_type="text/plain; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="v{number}-{path.replace("/", "_")}"'
    return resp
