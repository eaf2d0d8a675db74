"""The search page: one box across every kind, filters, highlighted hits, pages."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tsunagu.core.errors import DomainError, ValidationFailed
from tsunagu.core.models import Organization
from tsunagu.core.web import int_or, refusal_page, signed_in_user, ui_lang

from . import selectors


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def search_params(request: HttpRequest) -> dict[str, str]:
    """The search's parameters as typed (kept in the form and in every link)."""
    return {
        key: request.GET.get(key, "").strip() if key != "q" else request.GET.get("q", "")
        for key in ("q", "kind", "org", "facet", "since", "until")
    }


def _link(params: dict[str, str], **changes: Any) -> str:
    merged = {**params, **{k: str(v) for k, v in changes.items() if v is not None}}
    for key in [k for k, v in changes.items() if v is None]:
        merged.pop(key, None)
    return "?" + urlencode({k: v for k, v in merged.items() if v})


@login_required
@require_GET
def search_results_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    params = search_params(request)
    page_no = max(1, int_or(request.GET.get("page"), 1))
    org_id = int_or(params["org"], None)
    since, until = _date(params["since"]), _date(params["until"])
    context: dict[str, Any] = {
        "params": params,
        "organizations": [
            (o.pk, o.display_name(ui_lang()))
            for o in Organization.objects.only("pk", "name", "name_en").order_by("code")
        ],
        "org_id": org_id,
        "page": None,
        "error": None,
        "started": "q" in request.GET,
    }
    status = 200
    if "q" in request.GET:
        try:
            page = selectors.search_query(
                actor=user,
                q=params["q"],
                kinds=[params["kind"]] if params["kind"] else [],
                organization=org_id,
                facet=params["facet"] or None,
                since=since,
                until=until,
                page=page_no,
            )
        except ValidationFailed as exc:
            context["error"] = str(exc.message)
            status = 422
        except DomainError as exc:
            return refusal_page(request, exc)
        else:
            context["page"] = page
            context["kind_links"] = [
                {
                    "key": k.key,
                    "label": k.label,
                    "count": k.count,
                    "url": _link(params, kind=k.key, page=None),
                    "current": k.key == params["kind"],
                }
                for k in page.kinds
            ]
            context["all_kinds_url"] = _link(params, kind=None, page=None)
            context["previous_url"] = _link(params, page=page.page - 1) if page.has_previous else ""
            context["next_url"] = _link(params, page=page.page + 1) if page.has_next else ""
            context["suggestion_links"] = [
                (s, _link(params, q=s, page=None)) for s in page.suggestions
            ]
            context["unfiltered_url"] = (
                _link({"q": params["q"]})
                if any(params[k] for k in ("kind", "org", "facet", "since", "until"))
                else ""
            )
    return render(request, "search/results.html", context, status=status)
