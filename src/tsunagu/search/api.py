"""The search API: ``GET /api/v1/search/?q=…`` — the same page as the search screen."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from tsunagu.core.api_support import ERRORS, api_actor

from . import selectors

router = Router(tags=["search"])


class SearchSegmentOut(Schema):
    text: str
    match: bool


class SearchSnippetOut(Schema):
    segments: list[SearchSegmentOut]
    before: bool  # text was cut before the snippet
    after: bool  # text was cut after it


class SearchHitOut(Schema):
    kind: str
    kind_label: str
    object_id: str
    url: str
    title: str
    title_segments: list[SearchSegmentOut]
    snippet: SearchSnippetOut
    organization_id: int | None
    organization_name: str
    facet: str
    extra: dict[str, str]
    updated_at: dt.datetime
    tier: int  # 2: every term in the title, 1: some, 0: none


class SearchKindCountOut(Schema):
    key: str
    label: str
    count: int | None  # null when the search passed the count cap


class SearchPageOut(Schema):
    query: str
    terms: list[str]
    total: int
    total_capped: bool  # true: at least ``total`` (the count stops at the cap)
    page: int
    per_page: int
    has_next: bool
    kinds: list[SearchKindCountOut]
    hits: list[SearchHitOut]
    suggestions: list[str]


class SearchFilterIn(Schema):
    q: str = ""
    kind: list[str] = []
    org: int | None = None
    facet: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    page: int = 1
    per_page: int = 20


def _segments(segments: Any) -> list[dict[str, Any]]:
    return [{"text": text, "match": match} for text, match in segments]


def search_page_out(page: selectors.SearchPage) -> dict[str, Any]:
    return {
        "query": page.query,
        "terms": list(page.terms),
        "total": page.total,
        "total_capped": page.total_capped,
        "page": page.page,
        "per_page": page.per_page,
        "has_next": page.has_next,
        "kinds": [{"key": k.key, "label": k.label, "count": k.count} for k in page.kinds],
        "hits": [
            {
                "kind": h.kind,
                "kind_label": h.kind_label,
                "object_id": h.object_id,
                "url": h.url,
                "title": h.title_text,
                "title_segments": _segments(h.title),
                "snippet": {
                    "segments": _segments(h.snippet.segments),
                    "before": h.snippet.before,
                    "after": h.snippet.after,
                },
                "organization_id": h.organization_id,
                "organization_name": h.organization_name,
                "facet": h.facet,
                "extra": h.extra,
                "updated_at": h.updated_at,
                "tier": h.tier,
            }
            for h in page.hits
        ],
        "suggestions": list(page.suggestions),
    }


@router.get(
    "/",
    response={200: SearchPageOut, **ERRORS},
    summary="Search everything the caller may see",
    description=(
        "Every word must occur (AND); a quoted phrase is one term. Japanese-aware: full and "
        "half width, サーバ/サーバー and similar variants match. Errors: `query_empty`, "
        "`query_too_long` (over 200 characters)."
    ),
)
def search_api(request: HttpRequest, filters: Query[SearchFilterIn]) -> Any:
    page = selectors.search_query(
        actor=api_actor(request),
        q=filters.q,
        kinds=filters.kind,
        organization=filters.org,
        facet=filters.facet,
        since=filters.since,
        until=filters.until,
        page=filters.page,
        per_page=filters.per_page,
    )
    return search_page_out(page)
