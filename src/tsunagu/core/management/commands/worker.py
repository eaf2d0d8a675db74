"""``tsunagu worker``: run background jobs and enqueue periodic ones.

Wraps django-tasks-db's worker (which claims each task with ``SELECT … FOR UPDATE SKIP
LOCKED`` on PostgreSQL and an exclusive transaction on SQLite, so several workers are safe) and
adds a scheduler thread that enqueues due periodic tasks exactly once across all workers.
"""

from __future__ import annotations

import logging
import threading
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.db import OperationalError, close_old_connections
from django_tasks_db.management.commands.db_worker import Worker

from tsunagu.core.services import periodic_enqueue_due, periodic_sync
from tsunagu.core.tasks import SCHEDULE

logger = logging.getLogger("tsunagu.worker")


class Command(BaseCommand):
    help = "Run the background-job worker (with the periodic scheduler)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--queue", action="append", dest="queues", default=None)
        parser.add_argument("--interval", type=float, default=1.0)
        parser.add_argument("--batch", action="store_true", help="exit when no task is ready")
        parser.add_argument("--no-scheduler", action="store_true")
        parser.add_argument("--scheduler-interval", type=float, default=15.0)
        parser.add_argument("--worker-id", default="")

    def handle(self, *args: Any, **opts: Any) -> None:
        stop = threading.Event()
        if not opts["no_scheduler"]:
            periodic_sync(schedule=SCHEDULE)
            thread = threading.Thread(
                target=self._schedule_loop,
                args=(stop, opts["scheduler_interval"]),
                name="tsunagu-scheduler",
                daemon=True,
            )
            thread.start()
        worker_id = opts["worker_id"] or f"tsunagu-{threading.get_native_id()}"
        worker = Worker(
            queue_names=opts["queues"] or ["*"],
            interval=opts["interval"],
            batch=opts["batch"],
            backend_name="default",
            startup_delay=not opts["batch"],
            max_tasks=None,
            worker_id=worker_id[:64],
            excluded_queue_names=[],
        )
        worker.configure_signals()
        self.stdout.write(
            f"Worker {worker_id} started (queues: {', '.join(opts['queues'] or ['*'])})"
        )
        try:
            worker.run()
        finally:
            stop.set()

    @staticmethod
    def _schedule_loop(stop: threading.Event, interval: float) -> None:
        while not stop.is_set():
            try:
                close_old_connections()
                names = periodic_enqueue_due()
                if names:
                    logger.info("enqueued periodic: %s", ", ".join(names))
            except OperationalError:
                logger.warning("scheduler: database busy, retrying", exc_info=True)
            except Exception:
                logger.exception("scheduler iteration failed")
            finally:
                close_old_connections()
            stop.wait(interval)
