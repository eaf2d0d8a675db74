"""Search background jobs: the daily rebuild that heals any drift between apps and index."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def search_rebuild_periodic() -> dict[str, Any]:
    """Daily: re-read every kind; only what changed is rewritten."""
    from .services import search_index_rebuild

    report = search_index_rebuild()
    return {"changed": report.changed, "removed": report.removed, "skipped": list(report.skipped)}
