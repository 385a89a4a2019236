"""`commonweal serve` builds the URL tables before gunicorn forks its workers, collects the
static files a new data directory lacks, and runs the background worker beside it when asked."""

import gc
import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from django.conf import settings
from django.core.management.base import OutputWrapper
from django.db import connection
from django.templatetags.static import static
from django.urls import clear_url_caches, get_resolver

from commonweal.core.management.commands.serve import collect_static_files_if_missing, warm_up


@pytest.fixture(autouse=True)
def unfrozen():
    """`warm_up` freezes the process's objects; the rest of the suite runs unfrozen."""
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_the_master_builds_the_url_tables_and_leaves_no_connection_to_fork(transactional_db):
    clear_url_caches()
    assert not get_resolver()._populated
    connection.ensure_connection()
    warm_up()
    assert get_resolver()._populated  # workers inherit it: no half-second first answer
    assert connection.connection is None  # a forked copy of a connection would be shared


def test_the_master_hides_what_workers_inherit_from_the_garbage_collector():
    warm_up()
    # the modules, classes and URL tables: a worker's full collection leaves them be
    assert gc.get_freeze_count() > 10_000


def test_a_new_data_directory_gets_its_static_files_once(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"  # resets the storage (Django's test signal)
    out = io.StringIO()
    assert collect_static_files_if_missing(OutputWrapper(out))
    assert "Collecting the static files" in out.getvalue()
    hashed = static("vendor/uswds/css/uswds.min.css")  # the stylesheet every page links
    assert hashed != "/static/vendor/uswds/css/uswds.min.css"  # named from the manifest
    assert (tmp_path / "static" / hashed.removeprefix("/static/")).is_file()
    assert not collect_static_files_if_missing(OutputWrapper(io.StringIO()))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(found, seconds: float = 90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if answer := found():
            return answer
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds} s")


def page_at(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 (http, ours)
            return int(answer.status)
    except OSError:
        return None


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="serves its own SQLite file: the same on either half"
)
def test_the_demo_server_runs_the_worker_beside_it_and_stops_it_between_tasks(tmp_path):
    """`serve --with-worker` (what `make demo` runs) starts `commonweal worker`, which does
    its periodic work (here, the analytics snapshot appears), and Ctrl-C stops both: the
    worker exits by itself between tasks, not killed midway."""
    env = {
        **os.environ,
        "COMMONWEAL_DATA_DIR": str(tmp_path),
        "DATABASE_URL": "",
        "STATIC_ROOT": str(settings.STATIC_ROOT),  # collected by `make install`
    }
    cli = [sys.executable, "-m", "commonweal.cli"]
    subprocess.run([*cli, "migrate", "-v0"], env=env, check=True)  # noqa: S603
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 (our own command)
        [*cli, "serve", "--with-worker", "--port", str(port), "--workers", "1", "-v0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert wait_for(lambda: page_at(f"http://127.0.0.1:{port}/")) == 200
        wait_for(lambda: list((tmp_path / "analytics").glob("requests-*.parquet")))
    finally:
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=90)
    worker = int(re.search(r"The worker runs beside it \(process (\d+)\)", output)[1])
    assert "The worker has stopped" in output, output
    with pytest.raises(ProcessLookupError):
        os.kill(worker, 0)  # gone, not left behind as an orphan


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="serves its own SQLite file: the same on either half"
)
def test_a_server_that_cannot_listen_starts_no_worker(tmp_path):
    """On a port already taken the server stops at once; no worker is left running behind
    it (started as gunicorn began, it was never stopped)."""
    env = {**os.environ, "COMMONWEAL_DATA_DIR": str(tmp_path), "DATABASE_URL": "",
           "STATIC_ROOT": str(settings.STATIC_ROOT)}  # fmt: skip
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        answer = subprocess.run(  # noqa: S603 (our own command)
            [sys.executable, "-m", "commonweal.cli", "serve", "--with-worker", "--port",
             str(port), "--workers", "1", "-v0"],
            env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    assert answer.returncode != 0
    assert "The worker runs beside it" not in answer.stdout
