from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tsunagu.core.tests.factories import org
from tsunagu.search.backends import backend
from tsunagu.search.documents import IndexDoc, Visibility
from tsunagu.search.models import SearchDocument


def clear_index() -> None:
    backend().reset()
    SearchDocument.objects.all().delete()


def doc(
    kind: str,
    oid: str,
    title: str,
    body: str = "",
    *,
    org_code: str | None = None,
    visibility: Visibility = Visibility.ALL,
    audience: tuple[str, ...] = (),
    facet: str = "",
    age_days: float = 0,
    extra: dict[str, str] | None = None,
) -> IndexDoc:
    return IndexDoc(
        kind=kind,
        object_id=oid,
        title=title,
        body=body,
        url=f"/{kind}/{oid}/",
        updated_at=timezone.now() - dt.timedelta(days=age_days),
        organization_id=org(org_code).pk if org_code else None,
        visibility=visibility,
        audience_ids=tuple(org(c).pk for c in audience),
        facet=facet,
        extra=extra or {},
    )


@pytest.fixture
def empty_index(db):
    clear_index()
    yield
    clear_index()
