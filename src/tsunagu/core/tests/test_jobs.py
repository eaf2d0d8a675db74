"""Background jobs through the real database backend and the real worker command."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connections
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tsunagu.core.errors import NotFound
from tsunagu.core.models import Job, PeriodicJob
from tsunagu.core.selectors import job_get, job_list
from tsunagu.core.services import job_start, periodic_enqueue_due, periodic_sync
from tsunagu.core.tasks import SCHEDULE


def run_worker() -> None:
    call_command("worker", "--batch", "--no-scheduler", "--interval", "0")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_started_job_runs_in_the_worker_and_reports_its_result(auditor):
    job = job_start(
        actor=auditor,
        kind="audit.verify",
        label="verify",
        task_path="tsunagu.core.tasks.audit_chain_verify_job",
        queue_name="reports",
    )
    assert DBTaskResult.objects.filter(id=job.task_result_id, status="READY").exists()
    run_worker()
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.result["ok"] is True
    assert job.result["checked"] >= 1  # at least the job.started entry
    assert job.percent == 100
    assert DBTaskResult.objects.get(id=job.task_result_id).status == "SUCCESSFUL"


@pytest.mark.django_db
def test_jobs_are_visible_to_their_owner_only(musashino_cio, tachikawa_cio, auditor):
    job = job_start(
        actor=musashino_cio,
        kind="audit.verify",
        label="x",
        task_path="tsunagu.core.tasks.audit_chain_verify_job",
    )
    assert job_get(actor=musashino_cio, job_id=job.pk) == job
    with pytest.raises(NotFound):
        job_get(actor=tachikawa_cio, job_id=job.pk)
    assert not job_list(actor=tachikawa_cio).exists()
    assert job_list(actor=auditor).filter(pk=job.pk).exists()


@pytest.mark.django_db
def test_periodic_jobs_are_enqueued_when_due_and_not_before():
    now = timezone.now()
    periodic_sync(schedule=SCHEDULE, now=now)
    assert set(PeriodicJob.objects.values_list("name", flat=True)) == set(SCHEDULE)
    first = periodic_enqueue_due(now=now)
    assert sorted(first) == sorted(SCHEDULE)
    assert periodic_enqueue_due(now=now + timedelta(seconds=1)) == []
    later = periodic_enqueue_due(now=now + timedelta(seconds=3601))
    hourly_or_faster = sorted(name for name, (_path, every) in SCHEDULE.items() if every <= 3600)
    assert "prune-expired-sessions" in hourly_or_faster
    assert sorted(later) == hourly_or_faster


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_many_schedulers_at_once_enqueue_each_due_job_once():
    now = timezone.now()
    periodic_sync(schedule=SCHEDULE, now=now)
    results: list[list[str]] = []
    barrier = threading.Barrier(4)

    def tick() -> None:
        try:
            barrier.wait()
            results.append(periodic_enqueue_due(now=now))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=tick) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    enqueued = [name for r in results for name in r]
    assert sorted(enqueued) == sorted(SCHEDULE)
    assert DBTaskResult.objects.count() == len(SCHEDULE)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_runs_periodic_tasks():
    now = timezone.now()
    periodic_sync(
        schedule={"prune-expired-sessions": ("tsunagu.core.tasks.prune_expired_sessions", 60)},
        now=now,
    )
    periodic_enqueue_due(now=now)
    run_worker()
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
