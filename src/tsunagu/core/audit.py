"""Writing and verifying the hash-chained audit trail."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from tsunagu.engines.audit import GENESIS_HASH, ChainRecord, ChainReport, digest, verify

from .context import current_request_id
from .models import AuditChainHead, AuditEntry, Organization
from .permissions import Actor


def _actor_label(actor: Actor | None) -> str:
    if actor is None or not actor.is_authenticated:
        return "system"
    return str(getattr(actor, "username", actor.pk))


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def audit_record(
    *,
    actor: Actor | None,
    action: str,
    organization: Organization | int | None,
    obj: object | None = None,
    object_type: str = "",
    object_id: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the audit chain. Call inside the service's transaction.

    The chain head row is locked for the append, so concurrent writers queue (PostgreSQL row
    lock; on SQLite the IMMEDIATE transaction already holds the database write lock).
    """
    if obj is not None:
        object_type = object_type or f"{obj._meta.app_label}.{obj._meta.model_name}"  # type: ignore[attr-defined]
        object_id = object_id or str(getattr(obj, "pk", ""))
    org_id = organization.pk if isinstance(organization, Organization) else organization
    summary: dict[str, Any] = {}
    if before is not None:
        summary["before"] = _jsonable(before)
    if after is not None:
        summary["after"] = _jsonable(after)
    if extra:
        summary.update(_jsonable(extra))
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"last_seq": 0, "last_hash": GENESIS_HASH}
        )
        entry = AuditEntry(
            seq=head.last_seq + 1,
            created_at=timezone.now(),
            actor_id=actor.pk if actor is not None and actor.is_authenticated else None,
            actor_label=_actor_label(actor),
            organization_id=org_id,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            summary=summary,
            request_id=current_request_id(),
            prev_hash=head.last_hash,
        )
        # Normalise to JSON types first, so the hashed form is exactly the stored form.
        entry.summary = _jsonable(entry.summary)
        entry.hash = digest(entry.prev_hash, entry.seq, entry.content())
        entry.save()
        AuditChainHead.objects.filter(pk=1).update(last_seq=entry.seq, last_hash=entry.hash)
    return entry


def changes(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that differ, for a compact before/after summary."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def _records(upto: int, batch: int = 2000) -> Iterator[ChainRecord]:
    last = 0
    while True:
        rows = list(AuditEntry.objects.filter(seq__gt=last, seq__lte=upto).order_by("seq")[:batch])
        if not rows:
            return
        for row in rows:
            yield ChainRecord(
                seq=row.seq, content=row.content(), prev_hash=row.prev_hash, hash=row.hash
            )
        last = rows[-1].seq


def audit_chain_verify(*, progress: Callable[[int, int], None] | None = None) -> ChainReport:
    """Re-hash the whole stored chain and compare it with the head (no actor: a system check)."""
    head = AuditChainHead.objects.filter(pk=1).first()
    head_seq = head.last_seq if head else 0
    # Entries appended while we read belong to the next check: stop at the head we read first.
    total = AuditEntry.objects.filter(seq__lte=head_seq).count()

    def counted() -> Iterator[ChainRecord]:
        for i, rec in enumerate(_records(upto=head_seq), start=1):
            if progress is not None and (i % 500 == 0 or i == total):
                progress(i, total)
            yield rec

    return verify(
        counted(),
        head_seq=head_seq,
        head_hash=head.last_hash if head else GENESIS_HASH,
    )
