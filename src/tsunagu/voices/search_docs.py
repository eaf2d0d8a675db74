"""Voices as search documents: what the search index holds for each voice, and who may see it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from tsunagu.search.documents import IndexDoc
from tsunagu.search.documents import Visibility as DocVisibility

from .models import MessageKind, Visibility, Voice

_VISIBILITY = {
    Visibility.ALL: DocVisibility.ALL,
    Visibility.ORGS: DocVisibility.ORGS,
    Visibility.TOKYO: DocVisibility.TOKYO,
}


def voice_doc(voice: Voice) -> IndexDoc:
    answers = [m.body for m in voice.messages.all() if m.kind == MessageKind.ANSWER]
    body = "\n".join(p for p in [voice.body, voice.desired_outcome, *answers] if p)
    return IndexDoc(
        kind="voice",
        object_id=str(voice.pk),
        title=f"{voice.ref} {voice.title}",
        body=body,
        url=f"/voices/{voice.pk}/",
        updated_at=voice.updated_at,
        organization_id=voice.organization_id,
        visibility=_VISIBILITY[Visibility(voice.visibility)],
        audience_ids=tuple(o.pk for o in voice.shared_with.all()),
        facet=voice.category.key,
        extra={"status": voice.status},
    )


def voice_docs(ids: Sequence[str] | None = None) -> Iterator[IndexDoc]:
    """Every voice (or those with ``ids``) as index documents, for rebuilds."""
    qs = Voice.objects.select_related("category").prefetch_related("messages", "shared_with")
    if ids is not None:
        qs = qs.filter(pk__in=[int(i) for i in ids])
    for voice in qs.iterator(chunk_size=500):
        yield voice_doc(voice)


def voice_index(voice: Voice) -> None:
    """Put one voice (as it is now in this transaction) into the index."""
    from tsunagu.search.services import search_index_put

    fresh = (
        Voice.objects.select_related("category")
        .prefetch_related("messages", "shared_with")
        .get(pk=voice.pk)
    )
    search_index_put(docs=[voice_doc(fresh)])
