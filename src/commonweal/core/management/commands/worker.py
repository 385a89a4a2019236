"""Run the background worker: queue the periodic tasks when they are due, run every queued task."""

from __future__ import annotations

import signal
import threading
import time
import uuid
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django_tasks_db.management.commands.db_worker import Worker

from commonweal.core.tasks import PERIODIC

#: the signals that stop the worker between tasks
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


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
        self.stopping = threading.Event()
        self.running: Worker | None = None
        # only the main thread may handle signals (a thread running the command keeps them)
        main = threading.current_thread() is threading.main_thread()
        signums = STOP_SIGNALS if main else ()
        before = {signum: signal.signal(signum, self.stop) for signum in signums}
        try:
            self._tick_until_stopped(once, interval)
        finally:  # as they were: tests call the command inside pytest's own process
            for signum, handler in before.items():
                signal.signal(signum, handler)

    def _tick_until_stopped(self, once: bool, interval: float) -> None:
        last_run: dict[str, float] = {}
        while not self.stopping.is_set():
            now = time.monotonic()
            for job, every in PERIODIC:
                if once or now - last_run.get(job.name, -every) >= every:
                    job.enqueue()
                    last_run[job.name] = now
            self._run_queued()
            if once:
                return
            self.stopping.wait(interval)

    def stop(self, signum: int, frame: FrameType | None) -> None:
        """On SIGTERM or Ctrl-C: finish the task in hand, run no other, and exit (a task cut
        off midway would be left marked as running). A second signal stops at once."""
        if self.stopping.is_set():
            raise SystemExit(1)
        self.stopping.set()
        if self.running is not None:
            self.running.running = False

    def _run_queued(self) -> None:
        self.running = Worker(
            queue_names=["default"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=f"commonweal-{uuid.uuid4().hex[:12]}",
            excluded_queue_names=[],
        )
        if not self.stopping.is_set():
            self.running.run()
        self.running = None
