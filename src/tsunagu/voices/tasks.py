"""Voices background jobs: overdue targets are flagged to the unit, and answers left without a
reply for the reply period are closed."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django_tasks import task


@task()
def voices_daily() -> dict[str, Any]:
    """Daily: tell units about voices past a published target; close answered voices whose
    requester has not replied within ``VOICES_REPLY_DAYS``."""
    from .services import voices_autoclose, voices_flag_overdue

    return {
        "overdue_flagged": voices_flag_overdue(),
        "closed": voices_autoclose(reply_days=settings.VOICES_REPLY_DAYS),
    }
