"""Run the test suite on PostgreSQL.

Order of preference:
1. the server in DATABASE_URL, when it is set;
2. the local server on 127.0.0.1:5432 (user postgres, trust auth), when it answers;
3. a throwaway cluster started from the installed PostgreSQL binaries (initdb + pg_ctl, as
   the `postgres` user when run as root, which PostgreSQL refuses), removed afterwards;
   `COMMONWEAL_TEST_PG=throwaway` forces this path.
Under CI=true, finding none of these fails the run. Elsewhere it is reported loudly as a
skipped half, never silently.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_postgres_user() -> list[str]:
    """PostgreSQL refuses to run as root: run its binaries as the `postgres` user then."""
    if os.geteuid() != 0:
        return []
    if shutil.which("runuser") is None:
        raise RuntimeError("running as root and runuser is not available")
    return ["runuser", "-u", "postgres", "--"]


@contextmanager
def throwaway_cluster(pg_ctl: str) -> Iterator[str]:
    """Start a private cluster in a temporary directory; yield its URL; stop and remove it."""
    bin_dir = os.path.dirname(os.path.realpath(pg_ctl))
    prefix = _as_postgres_user()
    with tempfile.TemporaryDirectory(prefix="commonweal-pg-") as workdir:
        if prefix:
            shutil.chown(workdir, user="postgres")
        data, port = os.path.join(workdir, "data"), free_port()
        subprocess.run(
            [*prefix, os.path.join(bin_dir, "initdb"), "-D", data, "-U", "postgres",
             "--auth=trust", "-E", "UTF8"],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        options = f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            [*prefix, os.path.join(bin_dir, "pg_ctl"), "-D", data, "-o", options, "-w",
             "-l", os.path.join(workdir, "postgresql.log"), "start"],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}/commonweal"
        finally:
            subprocess.run(
                [*prefix, os.path.join(bin_dir, "pg_ctl"), "-D", data, "-m", "fast", "stop"],
                check=False, stdout=subprocess.DEVNULL,
            )  # fmt: skip


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
    if os.environ.get("COMMONWEAL_TEST_PG") != "throwaway" and server_answers(LOCAL_SERVER):
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
