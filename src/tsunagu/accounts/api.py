"""API: who am I, and personal token management (session only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.security import HttpBearer, SessionAuth

from tsunagu.core.api_support import ERRORS, api_actor

from . import services
from .models import User


class TokenAuth(HttpBearer):
    """``Authorization: Bearer tsg_…`` personal tokens."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        found = services.api_token_authenticate(token)
        if found is None:
            return None
        user, api_token = found
        request.api_token = api_token  # type: ignore[attr-defined]
        request.user = user
        return user


router = Router(tags=["accounts"])


class OrgRef(Schema):
    code: str
    name: str
    name_en: str


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    email: str
    role: str
    role_label: str
    language: str
    organization: OrgRef
    mfa_required: bool
    has_mfa: bool


@router.get("/me", response={200: MeOut, **ERRORS}, summary="The signed-in user")
def me_api(request: HttpRequest) -> dict[str, Any]:
    user: User = api_actor(request)
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "role": user.role,
        "role_label": str(user.get_role_display()),
        "language": user.language,
        "organization": user.organization,
        "mfa_required": user.mfa_required,
        "has_mfa": user.has_mfa,
    }


class TokenIn(Schema):
    name: str
    scope: str = "read"
    expires_in_days: int = 90


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    scope: str
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
    created_at: datetime


class TokenCreatedOut(TokenOut):
    token: str


# Token management needs the browser session: a leaked token must not be able to mint others.
@router.get(
    "/tokens", response={200: list[TokenOut], **ERRORS}, auth=SessionAuth(), summary="My API tokens"
)
def token_list_api(request: HttpRequest) -> Any:
    return list(api_actor(request).api_tokens.all())


@router.post(
    "/tokens",
    response={201: TokenCreatedOut, **ERRORS},
    auth=SessionAuth(),
    summary="Issue an API token",
)
def token_create_api(request: HttpRequest, payload: TokenIn) -> Status[dict[str, Any]]:
    token, secret = services.api_token_create(
        actor=api_actor(request),
        name=payload.name,
        scope=payload.scope,
        expires_in_days=payload.expires_in_days,
    )
    data = TokenOut.from_orm(token).dict()
    data["token"] = secret
    return Status(201, data)


@router.delete(
    "/tokens/{token_id}",
    response={200: TokenOut, **ERRORS},
    auth=SessionAuth(),
    summary="Revoke an API token",
)
def token_revoke_api(request: HttpRequest, token_id: int) -> Any:
    return services.api_token_revoke(actor=api_actor(request), token_id=token_id)
