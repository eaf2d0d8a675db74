"""Experts' public profiles as search documents.

What the expert pool shows every member (``selectors.expert_list``): name, headline, bio,
skills with their levels, base area and engagement — never blackouts, rates, conflicts or
visits. Only active experts are indexed; a profile is for every signed-in member
(``Visibility.ALL``), and the search shows the kind only to roles that may open the pool.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.utils import translation

from tsunagu.search.documents import IndexDoc, Visibility

from . import adapters
from .models import Expert


def expert_doc(expert: Expert) -> IndexDoc:
    """The index document of one expert (skills prefetched or not)."""
    tax = adapters.taxonomy()
    skills = list(expert.skills.all())
    labels = []
    for s in skills:
        try:
            labels.append(f"{tax.label(s.skill, 'ja')} {tax.label(s.skill, 'en')}")
        except KeyError:  # a retired skill id
            labels.append(s.skill)
    with translation.override("ja"):
        area = str(expert.get_area_display())
        engagement = str(expert.get_engagement_display())
    confirmed = [s.confirmed_at for s in skills if s.confirmed_at is not None]
    return IndexDoc(
        kind="expert",
        object_id=str(expert.pk),
        title=expert.name,
        body="\n".join(
            p for p in (expert.headline, expert.bio, " ".join(labels), area, engagement) if p
        ),
        url=f"/talent/experts/{expert.pk}/",
        updated_at=max([expert.created_at, *confirmed]),
        organization_id=None,
        visibility=Visibility.ALL,
        facet=expert.area,
        extra={"engagement": expert.engagement},
    )


def expert_docs(ids: Iterable[int | str] | None = None) -> Iterator[IndexDoc]:
    """Every active expert (or those with ``ids``) as index documents, for rebuilds."""
    qs = Expert.objects.filter(active=True).prefetch_related("skills").order_by("pk")
    if ids is not None:
        qs = qs.filter(pk__in=[int(i) for i in ids])
    for expert in qs.iterator(chunk_size=500):
        yield expert_doc(expert)


def expert_index(experts: Iterable[Expert]) -> None:
    """Put these experts (as they are now, in the caller's transaction) into the index, and take
    inactive ones out."""
    from tsunagu.search.services import search_index_put, search_index_remove

    pks = [e.pk for e in experts]
    search_index_put(docs=expert_docs(ids=pks))
    inactive = Expert.objects.filter(pk__in=pks, active=False).values_list("pk", flat=True)
    if inactive:
        search_index_remove(kind="expert", object_ids=[str(pk) for pk in inactive])
