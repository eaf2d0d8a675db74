"""Request-scoped plumbing: request ids, the canonical host, body-size limits."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .context import request_id_var

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Take a well-formed ``X-Request-ID`` from the load balancer or make one; echo it back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        request.request_id = rid  # type: ignore[attr-defined]
        token = request_id_var.set(rid)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = rid
        return response


class CanonicalHostMiddleware:
    """Redirect safe requests to ``CANONICAL_HOST`` when set.

    The demo prints http://127.0.0.1:8000, but WebAuthn does not accept an IP address as the
    relying-party id, so the demo canonicalises to ``localhost``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.canonical = settings.TSUNAGU_CANONICAL_HOST

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            self.canonical
            and request.method in ("GET", "HEAD")
            and request.path != "/healthz"
            and request.get_host() != self.canonical
        ):
            scheme = "https" if request.is_secure() else "http"
            return HttpResponseRedirect(f"{scheme}://{self.canonical}{request.get_full_path()}")
        return self.get_response(request)


class BodySizeLimitMiddleware:
    """Refuse oversized bodies before anything reads them (413, nothing changed)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.limit = int(settings.TSUNAGU_MAX_BODY_BYTES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > self.limit:
            message = _("The request is too large (limit %(limit)s bytes).") % {"limit": self.limit}
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"code": "payload_too_large", "message": message, "details": {}},
                    status=413,
                )
            return render(
                request,
                "core/error.html",
                {"title": _("Request too large"), "message": message},
                status=413,
            )
        return self.get_response(request)
