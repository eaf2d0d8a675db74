"""Shared pieces of the API: the error schema, pagination, the acting user."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Schema
from ninja.pagination import PageNumberPagination

from .errors import PermissionDenied


class ErrorOut(Schema):
    code: str
    message: str
    details: dict[str, Any]


ERRORS: dict[int | frozenset[int], type[Schema]] = {
    frozenset({400, 401, 403, 404, 409, 413, 422}): ErrorOut,
}


class Pages(PageNumberPagination):
    """``?page=N&page_size=M`` (at most 200); the response is ``{items, count}``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(page_size=50, max_page_size=200, **kwargs)


def api_actor(request: HttpRequest) -> Any:
    """The acting user; for write operations call :func:`api_writer` instead."""
    return request.auth if getattr(request, "auth", None) is not None else request.user  # type: ignore[attr-defined]


def api_writer(request: HttpRequest) -> Any:
    """The acting user, refusing read-only tokens."""
    token = getattr(request, "api_token", None)
    if token is not None and token.scope != "write":
        raise PermissionDenied(_("This API token is read-only."), code="token_read_only")
    return api_actor(request)
