"""The API root: ``/api/v1/``.

Authentication: the browser session (with CSRF) or a personal token (``Authorization: Bearer
tsg_…``). Every error has the shape ``{code, message, details}``; messages follow the user's
language (or Accept-Language).
"""

from __future__ import annotations

from typing import Any

from csp.decorators import csp_update
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import SessionAuth

from tsunagu.accounts.api import TokenAuth
from tsunagu.accounts.api import router as accounts_router
from tsunagu.consortium.api import router as consortium_router
from tsunagu.core.api import router as core_router
from tsunagu.core.errors import DomainError
from tsunagu.gateway.api import router as gateway_router
from tsunagu.knowledge.api import router as knowledge_router
from tsunagu.network.api import router as network_router
from tsunagu.notifications.api import router as notifications_router
from tsunagu.search.api import router as search_router
from tsunagu.talent.api import router as talent_router
from tsunagu.voices.api import router as voices_router

api = NinjaAPI(
    title="Tsunagu API",
    version="1",
    description=(
        "つなぐ — the shared DX platform of Tokyo and its 62 municipalities. "
        "Authenticate with your browser session or a personal API token "
        "(`Authorization: Bearer tsg_…`). Errors are `{code, message, details}`."
    ),
    urls_namespace="api",
    auth=[SessionAuth(), TokenAuth()],
    docs_decorator=csp_update({"style-src": ["'self'", "'unsafe-inline'"]}),  # Swagger UI styles
)


def error(
    request: HttpRequest, status: int, code: str, message: str, details: Any = None
) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "message": message, "details": details or {}}, status=status
    )


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return error(request, exc.status, exc.code, str(exc.message), exc.details)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = [
        {
            "loc": [str(p) for p in e.get("loc", [])],
            "msg": str(e.get("msg", "")),
            "type": e.get("type", ""),
        }
        for e in exc.errors
    ]
    return error(
        request, 422, "validation_failed", _("Some values are not valid."), {"errors": fields}
    )


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error(request, 401, "unauthenticated", _("Sign in or send a valid API token."))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400 and "parse" in str(exc).lower():
        return error(request, 400, "malformed_json", _("The request body is not valid JSON."))
    if exc.status_code == 403 and "csrf" in str(exc).lower():
        return error(
            request,
            403,
            "csrf_failed",
            _("The security token is missing or invalid. Reload the page and try again."),
        )
    return error(request, exc.status_code, "http_error", str(exc))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error(request, 404, "not_found", _("Not found."))


api.add_router("/", accounts_router)
api.add_router("/", core_router)
api.add_router("/notifications", notifications_router)
api.add_router("/gateway", gateway_router)
api.add_router("/network", network_router)
api.add_router("/talent", talent_router)
api.add_router("/voices", voices_router)
api.add_router("/forum", knowledge_router)
api.add_router("/search", search_router)
api.add_router("/consortium", consortium_router)
