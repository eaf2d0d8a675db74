"""Consortium background jobs: the daily reminders for blocking items and follow-up actions."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def consortium_reminders() -> dict[str, Any]:
    """Daily (idempotent per day): blocking items due within two weeks or overdue, and
    follow-up actions due within two days or overdue."""
    from .services import consortium_reminders as remind

    return remind()
