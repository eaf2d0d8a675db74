"""What the hash-chained audit trail costs.

1. Write overhead: N profile updates through the service (validation, row lock, audit append)
   against the same N updates as bare ORM UPDATEs — both in this process, same database.
2. Verification speed: re-verifying the chain against a reference loop that only SHA-256-hashes
   the same entries' canonical bytes (the unavoidable part of any verification).

Run: make bench   or   .venv/bin/python benchmarks/bench_audit.py
"""

from __future__ import annotations

import hashlib

from _harness import best_of, report, setup_django

N = 200


def main() -> None:
    setup_django()
    from django.core.management import call_command

    from tsunagu.accounts.models import User
    from tsunagu.core.audit import audit_chain_verify
    from tsunagu.core.models import AuditEntry, Organization
    from tsunagu.core.services import organization_update_profile
    from tsunagu.engines.audit.chain import canonical

    call_command("seed_demo", "--quiet")
    actor = User.objects.get(username="musashino-staff")
    org = Organization.objects.get(code="132039")
    counter = iter(range(10**9))

    def through_service() -> None:
        for _ in range(N):
            organization_update_profile(
                actor=actor, organization=org, data={"contact_phone": f"0422-{next(counter):06d}"}
            )

    def bare_orm() -> None:
        for _ in range(N):
            Organization.objects.filter(pk=org.pk).update(contact_phone=f"0422-{next(counter):06d}")

    t_service = best_of(through_service)
    t_bare = best_of(bare_orm)

    entries = list(AuditEntry.objects.order_by("seq"))

    def reference_hash() -> None:
        for e in entries:
            hashlib.sha256(canonical(e.content())).hexdigest()

    t_verify = best_of(lambda: audit_chain_verify(), repeat=3)
    t_ref = best_of(reference_hash, repeat=3)
    report(
        "audit",
        {
            "updates": N,
            "service_ms_per_update": 1000 * t_service / N,
            "bare_orm_ms_per_update": 1000 * t_bare / N,
            "write_overhead_ratio": t_service / t_bare,
            "chain_entries": len(entries),
            "verify_entries_per_s": len(entries) / t_verify,
            "verify_vs_hash_only_ratio": t_verify / t_ref,
        },
        ".venv/bin/python benchmarks/bench_audit.py",
    )


if __name__ == "__main__":
    main()
