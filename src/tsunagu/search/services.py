"""Writes to the search index: put, remove, rebuild.

Apps call :func:`search_index_put` / :func:`search_index_remove` inside the transaction of the
change that made the item appear, change or go, so the index never shows what the database
does not hold. The index is derived data: single puts and removals are not audited (the change
that caused them is); a rebuild is.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tsunagu.core.audit import audit_record
from tsunagu.core.errors import ValidationFailed
from tsunagu.core.permissions import Actor
from tsunagu.engines.search.normalize import NORMALIZATION_VERSION, normalize_text

from . import registry
from .backends import IndexRow, backend
from .documents import IndexDoc, Visibility
from .models import SearchDocument

log = logging.getLogger(__name__)

BATCH = 500
TITLE_MAX = 500
BODY_MAX = 100_000
URL_MAX = 500
FACET_MAX = 80
_SLOTS = 1024  # rank keys per microsecond of updated_at
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def rank_base(moment: dt.datetime) -> int:
    """The smallest rank key of a document updated at ``moment`` (keys order by recency)."""
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, dt.UTC)
    try:
        micros = (moment - _EPOCH) // dt.timedelta(microseconds=1)
    except OverflowError:  # the year 1 in a zone east of UTC
        return 0
    return max(micros, 0) * _SLOTS


def _clean(text: str, limit: int) -> str:
    """Text a database accepts: no NUL, no lone surrogate, at most ``limit`` characters."""
    text = text[:limit]
    if "\x00" in text:
        text = text.replace("\x00", " ")
    return text.encode("utf-8", "replace").decode("utf-8")


@dataclass
class _Prepared:
    doc: IndexDoc
    title: str
    body: str
    url: str
    facet: str
    audience: tuple[int, ...]
    title_norm: str
    body_norm: str
    digest: str
    rank_key: int = 0


def _prepare(doc: IndexDoc) -> _Prepared:
    if doc.kind not in registry.KINDS:
        raise ValidationFailed(
            _("Unknown kind of search document."), code="search_kind_unknown", details={}
        )
    if not str(doc.object_id):
        raise ValidationFailed(_("A search document needs an id."), code="search_id_missing")
    if not doc.url.startswith("/") or doc.url.startswith("//"):
        # Only links within the platform: a hit's link must never lead elsewhere or run script.
        raise ValidationFailed(
            _("A search document links within the platform."), code="search_url_invalid"
        )
    title = _clean(doc.title, TITLE_MAX)
    body = _clean(doc.body, BODY_MAX)
    url = _clean(doc.url, URL_MAX)
    facet = _clean(doc.facet, FACET_MAX)
    visibility = Visibility(doc.visibility)
    audience = tuple(sorted(set(doc.audience_ids))) if visibility == Visibility.ORGS else ()
    extra = {str(k): _clean(str(v), 200) for k, v in doc.extra.items()}
    payload = json.dumps(
        [
            NORMALIZATION_VERSION,
            doc.kind,
            str(doc.object_id),
            title,
            body,
            url,
            doc.updated_at.isoformat(),
            doc.organization_id,
            visibility.value,
            audience,
            facet,
            sorted(extra.items()),
        ],
        ensure_ascii=False,
    )
    return _Prepared(
        doc=IndexDoc(
            kind=doc.kind,
            object_id=str(doc.object_id),
            title=title,
            body=body,
            url=url,
            updated_at=doc.updated_at,
            organization_id=doc.organization_id,
            visibility=visibility,
            audience_ids=audience,
            facet=facet,
            extra=extra,
        ),
        title=title,
        body=body,
        url=url,
        facet=facet,
        audience=audience,
        title_norm=normalize_text(title),
        body_norm=normalize_text(body),
        digest=hashlib.sha1(payload.encode("utf-8"), usedforsecurity=False).hexdigest(),
    )


def _index_row(obj: SearchDocument) -> IndexRow:
    return IndexRow(
        rank_key=obj.rank_key,
        kind=obj.kind,
        organization_id=obj.organization_id,
        visibility=obj.visibility,
        audience=tuple(obj.audience or ()),
        facet=obj.facet,
        title_norm=obj.title_norm,
        body_norm=obj.body_norm,
    )


def _taken_keys(keys: Iterable[int] | None = None, *, lo: int = 0, hi: int = 0) -> set[int]:
    qs = SearchDocument.objects.all()
    qs = (
        qs.filter(rank_key__in=list(keys))
        if keys is not None
        else qs.filter(rank_key__gte=lo, rank_key__lt=hi)
    )
    return set(qs.values_list("rank_key", flat=True))


def _assign_rank_keys(items: list[_Prepared], freed: set[int]) -> None:
    """Unique, recency-ordered keys: each document's own slot within the microsecond of its
    ``updated_at`` (a hash of its identity), the next free one on a collision. ``freed``: keys
    of rows about to be replaced."""
    for item in items:
        slot = zlib.crc32(f"{item.doc.kind}:{item.doc.object_id}".encode()) % _SLOTS
        item.rank_key = rank_base(item.doc.updated_at) + slot
    taken = _taken_keys(i.rank_key for i in items) - freed
    assigned: set[int] = set()
    for item in items:
        key = item.rank_key
        checked_to = key
        while key in taken or key in assigned:
            key += 1
            if key >= checked_to:
                checked_to = key + _SLOTS
                taken |= _taken_keys(lo=key, hi=checked_to) - freed
        assigned.add(key)
        item.rank_key = key


def _put_batch(items: list[_Prepared], now: dt.datetime) -> int:
    keys = {(i.doc.kind, i.doc.object_id): i for i in items}  # the last put of a key wins
    items = list(keys.values())
    old: dict[tuple[str, str], SearchDocument] = {}
    by_kind: dict[str, list[str]] = {}
    for kind, oid in keys:
        by_kind.setdefault(kind, []).append(oid)
    for kind, oids in by_kind.items():
        for obj in SearchDocument.objects.filter(kind=kind, object_id__in=oids).defer(
            "title", "body", "extra"
        ):
            old[(obj.kind, obj.object_id)] = obj
    changed = []
    replaced: list[SearchDocument] = []
    for item in items:
        prior = old.get((item.doc.kind, item.doc.object_id))
        if prior is not None and prior.digest == item.digest:
            continue
        changed.append(item)
        if prior is not None:
            replaced.append(prior)
    if not changed:
        return 0
    _assign_rank_keys(changed, {o.rank_key for o in replaced})
    be = backend()
    if replaced:
        # Old rows go first, so that two documents may swap rank keys within one batch.
        be.write(removed=[_index_row(o) for o in replaced], added=[])
        SearchDocument.objects.filter(pk__in=[o.pk for o in replaced]).delete()
    rows = [
        SearchDocument(
            kind=i.doc.kind,
            object_id=i.doc.object_id,
            title=i.title,
            body=i.body,
            url=i.url,
            organization_id=i.doc.organization_id,
            visibility=i.doc.visibility.value,
            audience=list(i.audience),
            facet=i.facet,
            extra=dict(i.doc.extra),
            updated_at=i.doc.updated_at,
            indexed_at=now,
            title_norm=i.title_norm,
            body_norm=i.body_norm,
            rank_key=i.rank_key,
            digest=i.digest,
        )
        for i in changed
    ]
    SearchDocument.objects.bulk_create(rows, batch_size=BATCH)
    be.write(removed=[], added=[_index_row(r) for r in rows])
    return len(rows)


def _batches(docs: Iterable[IndexDoc], size: int) -> Iterator[list[IndexDoc]]:
    it = iter(docs)
    while batch := list(islice(it, size)):
        yield batch


@transaction.atomic
def search_index_put(*, docs: Iterable[IndexDoc]) -> int:
    """Add or replace documents (by ``(kind, object_id)``); returns how many changed.

    Unchanged documents (same content, same normalisation version) are skipped, so putting the
    same document twice costs one read. Raises ``ValidationFailed`` (``search_kind_unknown``)
    for a kind missing from :data:`tsunagu.search.registry.KINDS`.
    """
    now = timezone.now()
    changed = 0
    for batch in _batches(docs, BATCH):
        changed += _put_batch([_prepare(d) for d in batch], now)
    return changed


@transaction.atomic
def search_index_remove(*, kind: str, object_ids: Iterable[str | int]) -> int:
    """Remove documents of ``kind``; unknown ids are ignored. Returns how many went."""
    ids = [str(i) for i in object_ids]
    removed = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        rows = list(
            SearchDocument.objects.filter(kind=kind, object_id__in=chunk).defer(
                "title", "body", "extra"
            )
        )
        if not rows:
            continue
        backend().write(removed=[_index_row(r) for r in rows], added=[])
        SearchDocument.objects.filter(pk__in=[r.pk for r in rows]).delete()
        removed += len(rows)
    return removed


@dataclass(frozen=True)
class RebuildReport:
    """Per kind: documents put (changed), removed (gone from the app), or the kind skipped."""

    changed: dict[str, int]
    removed: dict[str, int]
    skipped: tuple[str, ...]


Progress = Callable[[str, int], None]


def search_index_rebuild(
    *,
    kinds: Sequence[str] | None = None,
    progress: Progress | None = None,
    reset: bool = False,
    actor: Actor | None = None,
) -> RebuildReport:
    """Re-read every document of ``kinds`` (all registered kinds by default) from its provider,
    put what changed and remove what the app no longer has. A kind whose provider is not
    importable is skipped (logged) and its documents are kept. ``reset`` first empties the
    whole index (after a change of the normalisation or of the index layout).

    Each kind is rebuilt in its own transaction; ``progress(kind, done)`` is called per batch.
    """
    selected = list(registry.KINDS) if kinds is None else list(kinds)
    unknown = [k for k in selected if k not in registry.KINDS]
    if unknown:
        raise ValidationFailed(
            _("Unknown kind of search document."),
            code="search_kind_unknown",
            details={"kinds": ", ".join(unknown)},
        )
    if reset:
        with transaction.atomic():
            backend().reset()
            SearchDocument.objects.all().delete()
    changed: dict[str, int] = {}
    removed: dict[str, int] = {}
    skipped: list[str] = []
    for key in selected:
        kind = registry.KINDS[key]
        docs = registry.iter_provider_docs(kind)
        if docs is None:
            skipped.append(key)
            continue
        with transaction.atomic():
            seen: set[str] = set()
            done = 0
            count = 0
            for batch in _batches(docs, BATCH):
                seen.update(str(d.object_id) for d in batch)
                count += search_index_put(docs=batch)
                done += len(batch)
                if progress is not None:
                    progress(key, done)
            gone = (
                set(SearchDocument.objects.filter(kind=key).values_list("object_id", flat=True))
                - seen
            )
            removed[key] = search_index_remove(kind=key, object_ids=sorted(gone)) if gone else 0
            changed[key] = count
    if sum(changed.values()) + sum(removed.values()) > BATCH:
        backend().settle()
    report = RebuildReport(changed, removed, tuple(skipped))
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="search.index_rebuilt",
            organization=None,
            object_type="search.searchdocument",
            after=_report_dict(report),
        )
    return report


def _report_dict(report: RebuildReport) -> dict[str, Any]:
    return {"changed": report.changed, "removed": report.removed, "skipped": list(report.skipped)}
