"""``tsunagu search_rebuild``: re-read every searchable item from its app into the index."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tsunagu.core.errors import DomainError
from tsunagu.search.registry import KINDS
from tsunagu.search.services import search_index_rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the search index from the apps' providers (all kinds, or --kind). Changed "
        "items are rewritten, items an app no longer has are removed, kinds whose app is not "
        "installed are skipped. --reset empties the index first."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--kind", action="append", choices=sorted(KINDS), dest="kinds")
        parser.add_argument("--reset", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        def progress(kind: str, done: int) -> None:
            if opts["verbosity"] > 1:
                self.stdout.write(f"  {kind}: {done}")

        try:
            report = search_index_rebuild(
                kinds=opts["kinds"], progress=progress, reset=opts["reset"]
            )
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        for kind in sorted(set(report.changed) | set(report.removed)):
            self.stdout.write(
                f"{kind}: {report.changed.get(kind, 0)} written, "
                f"{report.removed.get(kind, 0)} removed"
            )
        for kind in report.skipped:
            self.stdout.write(f"{kind}: skipped (provider not installed)")
