"""Serve Commonweal with gunicorn (static files by whitenoise)."""

import gc
import os
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser, OutputWrapper
from django.db import connections
from django.urls import get_resolver
from gunicorn.app.base import BaseApplication

from commonweal.analytics.engine import preload


class GunicornApplication(BaseApplication):
    """Run the WSGI application in-process with the options given on the command line."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        # Imported here, after `collect_static_files_if_missing`: WhiteNoise lists the
        # static files once, as the application is built.
        from commonweal.wsgi import application

        warm_up()
        return application


def warm_up() -> None:
    """Import every view and build the URL tables once, in gunicorn's master, before it forks
    the workers. Django does this lazily at a process's first request: half a second that a
    caller of each new worker waited (a 640 ms first answer, 10 ms once warmed). Any database
    connection the master opened (the system checks) is closed first: a connection must not
    be shared by the processes a fork makes.

    Then the objects made so far (modules, classes, URL tables: 220,000 of them) are moved
    out of the garbage collector's sight (`gc.freeze`): they live as long as the process,
    and a worker's full collection walked them all, about 100 ms during which its caller
    waited — the slowest 1 % of a busy list's answers."""
    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 (imports the URLconf and every view it names)
    resolver.reverse_dict  # noqa: B018 (builds the tables `reverse` reads)
    connections.close_all()
    gc.collect()
    gc.freeze()


def collect_static_files_if_missing(stdout: OutputWrapper) -> bool:
    """Collect the static files when STATIC_ROOT has none yet (a new data directory): the
    pages name their stylesheets and scripts by hashed names from the manifest that
    `collectstatic` writes, and without it every page was an error 500. Return whether it
    collected. `make install` collects them too, and so should a deployment after an
    upgrade."""
    storage = staticfiles_storage
    if not isinstance(storage, ManifestFilesMixin) or storage.exists(storage.manifest_name):
        return False
    stdout.write(f"Collecting the static files into {settings.STATIC_ROOT} (first start)")
    call_command("collectstatic", interactive=False, verbosity=0)
    return True


class Command(BaseCommand):
    help = "Serve the site with gunicorn, a production WSGI server (not runserver)."
    requires_system_checks = "__all__"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1)
        parser.add_argument("--threads", type=int, default=1, help="threads per worker")
        parser.add_argument(
            "--with-worker",
            action="store_true",
            help="also run `commonweal worker` beside the server, stopped with it (the demo)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        bind = f"{options['host']}:{options['port']}"
        collect_static_files_if_missing(self.stdout)
        self.stdout.write(f"Commonweal is serving at http://{bind}/ (Ctrl-C stops it)")
        hooks = BackgroundWorker(self.stdout).hooks() if options["with_worker"] else {}
        GunicornApplication(
            {
                "bind": bind,
                "workers": options["workers"],
                "threads": options["threads"],
                "accesslog": "-" if options["verbosity"] > 0 else None,
                "timeout": 60,
                "post_worker_init": start_worker,
                **hooks,
            }
        ).run()


class BackgroundWorker:
    """`commonweal worker` as a process of its own beside the server, started once gunicorn's
    master is listening and stopped as it exits (its hooks run in the master only, never in
    the processes it forks; a server that cannot bind its port starts no worker, which
    nothing would stop). The worker gets a session of its own, so that Ctrl-C in the
    terminal stops the server, which then stops the worker, rather than interrupting the
    worker in the middle of a task."""

    def __init__(self, stdout: OutputWrapper) -> None:
        self.stdout = stdout
        self.process: subprocess.Popen[bytes] | None = None

    def hooks(self) -> dict[str, Any]:
        return {"when_ready": self.start, "on_exit": self.stop}

    def start(self, server: Any = None) -> None:
        command = [sys.executable, "-m", "commonweal.cli", "worker"]
        self.process = subprocess.Popen(command, start_new_session=True)  # noqa: S603 (our own)
        self.stdout.write(f"The worker runs beside it (process {self.process.pid})")

    def stop(self, server: Any = None) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.returncode == 0:
            self.stdout.write("The worker has stopped")
        else:
            self.stdout.write(f"The worker stopped with status {self.process.returncode}")


def start_worker(worker: Any) -> None:
    """In each worker as it starts: begin loading the analytics rollups in the background, so
    that the first dashboard finds them loaded (after the fork: DuckDB's threads must not be
    forked)."""
    preload()
