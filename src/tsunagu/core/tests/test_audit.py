from __future__ import annotations

import itertools
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections

from tsunagu.core.audit import audit_chain_verify, audit_record
from tsunagu.core.models import AuditChainHead, AuditEntry, Organization
from tsunagu.core.selectors import audit_entry_list


def _write(n: int, actor=None) -> None:
    org = Organization.objects.get(code="132039")
    for i in range(n):
        audit_record(
            actor=actor, action="test.event", organization=org, extra={"i": i, "text": "日本語"}
        )


@pytest.mark.django_db
def test_entries_chain_and_verify(musashino_staff):
    _write(5, musashino_staff)
    entries = list(AuditEntry.objects.order_by("seq"))
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert audit_chain_verify().ok
    call_command("audit", "verify")


@pytest.mark.django_db
def test_entries_are_append_only(musashino_staff):
    _write(1, musashino_staff)
    entry = AuditEntry.objects.first()
    entry.action = "forged"
    with pytest.raises(RuntimeError):
        entry.save()
    with pytest.raises(RuntimeError):
        entry.delete()


@pytest.mark.django_db
def test_verify_detects_an_altered_entry(capsys):
    _write(6)
    victim = AuditEntry.objects.order_by("seq")[2]
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {AuditEntry._meta.db_table} SET action = %s WHERE id = %s",
            ["forged", victim.pk],
        )
    with pytest.raises(CommandError) as exc:
        call_command("audit", "verify")
    assert exc.value.returncode == 1
    assert f"seq={victim.seq} altered" in capsys.readouterr().out


@pytest.mark.django_db
def test_verify_detects_a_deleted_entry():
    _write(6)
    victim = AuditEntry.objects.order_by("seq")[3]
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {AuditEntry._meta.db_table} WHERE id = %s", [victim.pk])
    report = audit_chain_verify()
    assert not report.ok
    assert {f.kind for f in report.faults} >= {"missing", "broken_link"}


@pytest.mark.django_db
def test_verify_detects_a_deleted_newest_entry():
    _write(4)
    last = AuditEntry.objects.order_by("-seq").first()
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {AuditEntry._meta.db_table} WHERE id = %s", [last.pk])
    assert [f.kind for f in audit_chain_verify().faults] == ["head_mismatch"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_writers_keep_the_chain_intact():
    """Eight threads append at once: no duplicate sequence number, no broken link."""
    Organization.objects.get(code="132039")
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            _write(10)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert AuditEntry.objects.filter(action="test.event").count() == 80
    head = AuditChainHead.objects.get(pk=1)
    assert head.last_seq == AuditEntry.objects.count()
    assert audit_chain_verify().ok


@pytest.mark.django_db
def test_a_cio_sees_only_their_organisations_entries(musashino_cio, tachikawa_cio, auditor):
    _write(2, musashino_cio)
    tachikawa = Organization.objects.get(code="132021")
    audit_record(actor=tachikawa_cio, action="test.other", organization=tachikawa)
    mine = audit_entry_list(actor=musashino_cio)
    assert mine.exists()
    assert not mine.filter(organization=tachikawa).exists()
    assert audit_entry_list(actor=auditor).filter(organization=tachikawa).exists()


@pytest.mark.django_db
def test_staff_cannot_read_the_audit_trail(musashino_staff):
    from tsunagu.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        audit_entry_list(actor=musashino_staff)
