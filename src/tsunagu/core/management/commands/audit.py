"""``tsunagu audit verify``: re-hash the audit chain and report any altered or missing entry."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tsunagu.core.audit import audit_chain_verify


class Command(BaseCommand):
    help = "Audit-trail tools. 'verify' exits 1 when the chain is broken."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **opts: Any) -> None:
        report = audit_chain_verify()
        if report.ok:
            self.stdout.write(f"OK: {report.checked} entries verified, chain intact.")
            return
        for fault in report.faults:
            self.stdout.write(f"FAULT seq={fault.seq} {fault.kind}: {fault.detail}")
        raise CommandError(
            f"audit chain broken: {len(report.faults)} fault(s) in {report.checked} entries",
            returncode=1,
        )
