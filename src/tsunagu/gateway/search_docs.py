"""Catalog services as search documents.

The catalog is shared by every body (``selectors.catalog_list``): every entry is
``Visibility.ALL``; the search shows the kind only to roles that may open the catalog. The link
leads to the entry on the catalog page.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from tsunagu.search.documents import IndexDoc, Visibility

from .models import CatalogService


def catalog_service_doc(svc: CatalogService) -> IndexDoc:
    """The index document of one catalog service."""
    title = (
        svc.name if not svc.name_en or svc.name_en == svc.name else f"{svc.name} ({svc.name_en})"
    )
    body = "\n".join(
        p
        for p in (
            svc.vendor,
            svc.description,
            svc.notes,
            " ".join(str(d) for d in (svc.domains or [])),
        )
        if p
    )
    return IndexDoc(
        kind="catalog_service",
        object_id=svc.slug,
        title=title,
        body=body,
        url=f"/gateway/catalog/#svc-{svc.slug}",
        updated_at=svc.created_at,
        organization_id=None,
        visibility=Visibility.ALL,
        facet=svc.category,
        extra={"risk_class": svc.risk_class} if svc.risk_class else {},
    )


def catalog_service_docs(ids: Iterable[str] | None = None) -> Iterator[IndexDoc]:
    """Every catalog service (or those with slugs ``ids``), for rebuilds."""
    qs = CatalogService.objects.order_by("slug")
    if ids is not None:
        qs = qs.filter(slug__in=[str(i) for i in ids])
    for svc in qs.iterator(chunk_size=500):
        yield catalog_service_doc(svc)


def catalog_service_index(services: Iterable[CatalogService]) -> None:
    """Put these catalog services into the index (in the caller's transaction)."""
    from tsunagu.search.services import search_index_put

    search_index_put(docs=[catalog_service_doc(s) for s in services])
