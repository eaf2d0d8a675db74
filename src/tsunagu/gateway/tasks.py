"""Gateway background tasks: the release train, expiry notices, recertification, closing."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django_tasks import task

_suppressed: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "train_suppressed", default=False
)


@contextlib.contextmanager
def train_suppressed() -> Iterator[None]:
    """Within this block approvals do not enqueue trains (demo-history replay runs its own)."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def enqueue_train() -> None:
    """Ask for a release train as soon as the current transaction commits."""
    if not _suppressed.get():
        transaction.on_commit(lambda: release_train.enqueue())


@task()
def release_train() -> dict[str, Any]:
    """One release train (periodic, and enqueued at once when a standard change is approved)."""
    from .train import run_train

    return run_train().as_dict()


@task()
def gateway_expiry_notices() -> int:
    from .lifecycle import expiry_notices_send

    return expiry_notices_send()


@task()
def gateway_recertification_open() -> int:
    from .lifecycle import recertification_open

    return recertification_open()


@task()
def gateway_close_applied() -> int:
    from .lifecycle import applied_requests_close

    return applied_requests_close()
