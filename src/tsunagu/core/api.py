"""API: organisations, members, the audit trail, background jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from . import selectors, services
from .api_support import ERRORS, Pages, api_actor, api_writer
from .errors import NotFound

router = Router(tags=["core"])


class OrganizationOut(Schema):
    code: str
    name: str
    name_kana: str
    name_en: str
    kind: str
    region: str
    description: str
    website: str
    contact_email: str
    contact_phone: str
    contact_department: str
    cio_name: str
    cio_title: str
    network_model: str
    mfa_required: bool
    version: int
    updated_at: datetime


class OrganizationPatch(Schema):
    version: int
    description: str | None = None
    website: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    contact_department: str | None = None
    cio_name: str | None = None
    cio_title: str | None = None


class MemberOut(Schema):
    username: str
    display_name: str
    role: str
    department: str
    job_title: str


@router.get(
    "/organizations",
    response={200: list[OrganizationOut], **ERRORS},
    summary="The organisation directory",
)
@paginate(Pages)
def organization_list_api(
    request: HttpRequest, kind: str | None = None, region: str | None = None, q: str | None = None
) -> Any:
    return selectors.organization_list(actor=api_actor(request), kind=kind, region=region, query=q)


@router.get(
    "/organizations/{code}", response={200: OrganizationOut, **ERRORS}, summary="One organisation"
)
def organization_get_api(request: HttpRequest, code: str) -> Any:
    return selectors.organization_get(actor=api_actor(request), code=code)


@router.patch(
    "/organizations/{code}",
    response={200: OrganizationOut, **ERRORS},
    summary="Update an organisation's profile",
)
def organization_update_api(request: HttpRequest, code: str, payload: OrganizationPatch) -> Any:
    actor = api_writer(request)
    org = selectors.organization_get(actor=actor, code=code)
    if not selectors.organization_can_edit(actor=actor, organization=org):
        raise NotFound()  # another organisation's profile looks like a missing one
    data = payload.dict(exclude_unset=True, exclude={"version"})
    data = {k: v for k, v in data.items() if v is not None}
    return services.organization_update_profile(
        actor=actor, organization=org, data=data, expected_version=payload.version
    )


@router.get(
    "/organizations/{code}/members",
    response={200: list[MemberOut], **ERRORS},
    summary="Members (own organisation)",
)
@paginate(Pages)
def member_list_api(request: HttpRequest, code: str) -> Any:
    actor = api_actor(request)
    org = selectors.organization_get(actor=actor, code=code)
    return selectors.member_list(actor=actor, organization=org)


class AuditEntryOut(Schema):
    seq: int
    created_at: datetime
    actor_label: str
    organization_code: str | None
    action: str
    object_type: str
    object_id: str
    summary: dict[str, Any]
    request_id: str
    hash: str

    @staticmethod
    def resolve_organization_code(obj: Any) -> str | None:
        return obj.organization.code if obj.organization_id else None


@router.get(
    "/audit/entries", response={200: list[AuditEntryOut], **ERRORS}, summary="Audit trail entries"
)
@paginate(Pages)
def audit_entry_list_api(
    request: HttpRequest, org: str | None = None, action: str | None = None
) -> Any:
    return selectors.audit_entry_list(
        actor=api_actor(request), organization_code=org, action_prefix=action
    )


class JobOut(Schema):
    id: int
    kind: str
    label: str
    status: str
    percent: int
    progress_done: int
    progress_total: int
    message: str
    result: dict[str, Any]
    created_at: datetime
    finished_at: datetime | None


@router.get("/jobs", response={200: list[JobOut], **ERRORS}, summary="My background jobs")
@paginate(Pages)
def job_list_api(request: HttpRequest) -> Any:
    return selectors.job_list(actor=api_actor(request))


@router.get("/jobs/{job_id}", response={200: JobOut, **ERRORS}, summary="One background job")
def job_get_api(request: HttpRequest, job_id: int) -> Any:
    return selectors.job_get(actor=api_actor(request), job_id=job_id)
