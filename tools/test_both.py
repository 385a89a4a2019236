"""Run the test suite on SQLite and on PostgreSQL side by side (`make test`).

Each half is one pytest process that keeps about one core busy, so on a two-core machine the
two together take little longer than the longer one alone: run one after the other they took
twice that. The SQLite half prints as it goes; the PostgreSQL half
(`tools/pytest_on_postgres.py`, which finds or starts its server) writes to a file that is
printed whole when it ends, so that the two never interleave. Arguments go to both. The exit
status is the first half's that failed, else 0.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

TOOLS = Path(__file__).resolve().parent


def main(args: list[str]) -> int:
    sqlite_env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    with tempfile.TemporaryFile(mode="w+", prefix="commonweal-pg-tests-") as postgres_output:
        postgres = subprocess.Popen(
            [sys.executable, str(TOOLS / "pytest_on_postgres.py"), *args],
            stdout=postgres_output,
            stderr=subprocess.STDOUT,
        )
        try:
            print("== pytest on SQLite (PostgreSQL runs beside it; its output follows)", flush=True)
            sqlite = subprocess.call([sys.executable, "-m", "pytest", *args], env=sqlite_env)
        finally:
            on_postgres = postgres.wait()
        postgres_output.seek(0)
        sys.stdout.write(postgres_output.read())
    print(f"== SQLite half: {'passed' if sqlite == 0 else 'FAILED'}; "
          f"PostgreSQL half: {'passed' if on_postgres == 0 else 'FAILED'}")  # fmt: skip
    return sqlite or on_postgres


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
