"""Run the test suite on PostgreSQL.

Order of preference:
1. the server in DATABASE_URL, when it is set;
2. the local server on 127.0.0.1:5432 (user postgres, trust auth), when it answers;
3. a throwaway cluster started from the installed PostgreSQL binaries (pytest-postgresql's
   executor), removed afterwards.
Under CI=true, finding none of these fails the run. Elsewhere it is reported loudly as a
skipped half, never silently.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def server_answers(url: str) -> bool:
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.Error:
        return False
    return True


def find_pg_ctl() -> str | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return shutil.which("pg_ctl") or (candidates[-1] if candidates else None)


@contextmanager
def throwaway_cluster(pg_ctl: str) -> Iterator[str]:
    """Start a private cluster in a temporary directory; yield its URL; stop and remove it."""
    from port_for import select_random
    from pytest_postgresql.executors import PostgreSQLExecutor

    with tempfile.TemporaryDirectory(prefix="commonweal-pg-") as workdir:
        port = select_random()
        executor = PostgreSQLExecutor(
            executable=pg_ctl,
            host="127.0.0.1",
            port=port,
            datadir=os.path.join(workdir, "data"),
            unixsocketdir=workdir,
            logfile=os.path.join(workdir, "postgresql.log"),
            startparams="-w",
            dbname="postgres",
        )
        executor.start()
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}/commonweal"
        finally:
            executor.stop()


def run_pytest(url: str, args: list[str]) -> int:
    where = url.rsplit("@", 1)[-1]
    print(f"== pytest on PostgreSQL at {where}", flush=True)
    return subprocess.call(
        [sys.executable, "-m", "pytest", *args], env={**os.environ, "DATABASE_URL": url}
    )


def skipped(reason: str) -> int:
    banner = "=" * 78
    if os.environ.get("CI", "").lower() == "true":
        print(
            f"{banner}\nFAILED: no PostgreSQL for the test suite ({reason}).\n{banner}", flush=True
        )
        return 1
    print(
        f"{banner}\nWARNING: the PostgreSQL half of the suite was SKIPPED ({reason}).\n"
        f"Set DATABASE_URL or start a server on 127.0.0.1:5432.\n{banner}",
        flush=True,
    )
    return 0


def main(args: list[str]) -> int:
    url = os.environ.get("DATABASE_URL", "")
    if url:
        if not url.startswith(("postgres://", "postgresql://")):
            return skipped(f"DATABASE_URL is not a PostgreSQL URL: {url.split(':', 1)[0]}")
        return run_pytest(url, args)
    if server_answers(LOCAL_SERVER):
        # A per-run database name, so that two runs on one server do not collide.
        return run_pytest(f"postgresql://postgres@127.0.0.1:5432/commonweal_{os.getpid()}", args)
    pg_ctl = find_pg_ctl()
    if pg_ctl is None:
        return skipped("no server answers and no PostgreSQL binaries are installed")
    try:
        with throwaway_cluster(pg_ctl) as cluster_url:
            return run_pytest(cluster_url, args)
    except Exception as error:  # any failure to start is reported, not hidden
        return skipped(f"could not start a throwaway cluster with {pg_ctl}: {error}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
