"""Run the background worker: queue the periodic tasks when they are due, run every queued task."""

from __future__ import annotations

import time
import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django_tasks_db.management.commands.db_worker import Worker

from commonweal.core.tasks import PERIODIC


class Command(BaseCommand):
    help = "Run escalations, notifications and other periodic work (see commonweal.core.tasks)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="Queue every periodic task once, run, and exit."
        )
        parser.add_argument(
            "--interval", type=float, default=5.0, help="Seconds to sleep between ticks."
        )

    def handle(self, *args: Any, once: bool, interval: float, **options: Any) -> None:
        last_run: dict[str, float] = {}
        while True:
            now = time.monotonic()
            for job, every in PERIODIC:
                if once or now - last_run.get(job.name, -every) >= every:
                    job.enqueue()
                    last_run[job.name] = now
            self._run_queued()
            if once:
                return
            time.sleep(interval)

    def _run_queued(self) -> None:
        Worker(
            queue_names=["default"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=f"commonweal-{uuid.uuid4().hex[:12]}",
            excluded_queue_names=[],
        ).run()
