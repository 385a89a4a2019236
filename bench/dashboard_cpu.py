"""What a dashboard page costs, over the rollups the analytics benchmark left behind.

    python bench/dashboard_cpu.py WORKDIR/engine [--rounds 5]

`bench/analytics.py --workdir WORKDIR` leaves its engine's rollups in WORKDIR/engine. Each of
its ten typical slices is asked for as the page asks (`report.dashboard`): first with the
page's queries run one after the other on a single worker, so that the process's CPU time
is the page's own work, then on the page's own thread pool, whose wall time is what a
reader waits. DuckDB runs on one thread, as in a server's preloaded engine. Printed: the
CPU per page (best round: on a shared machine, the least disturbed one), and per slice the
median wall time of a page on the pool. Wall times move with the machine; compare CPU
figures of two versions of the code in runs that alternate.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("engine", type=Path, help="the engine directory of an analytics run")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commonweal.settings")
    import django

    django.setup()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from analytics import typical_slices

    from commonweal.analytics import report
    from commonweal.analytics.engine import Engine

    began = time.perf_counter()
    engine = Engine(args.engine)
    engine.sync()
    engine.con.execute("SET threads = 1")
    print(f"rollups loaded in {time.perf_counter() - began:.1f} s")
    slices = typical_slices()
    work_out = report.dashboard.__wrapped__  # each time, not the figures a process keeps
    pool = report._pool
    with ThreadPoolExecutor(max_workers=1) as one_at_a_time:
        report._pool = one_at_a_time
        try:
            for _, piece in slices:  # a process's first pages pay for lazy imports and caches
                work_out(engine, piece)
            rounds = []
            for _ in range(args.rounds):
                cpu = time.process_time()
                for _, piece in slices:
                    work_out(engine, piece)
                rounds.append((time.process_time() - cpu) / len(slices))
        finally:
            report._pool = pool
    print(f"CPU per page, one query at a time: {min(rounds) * 1000:.1f} ms (best of {args.rounds})")
    print("wall time of a page on its pool (median of the rounds):")
    for name, piece in slices:
        walls = []
        for _ in range(args.rounds):
            began = time.perf_counter()
            work_out(engine, piece)
            walls.append(time.perf_counter() - began)
        print(f"  {name:32s} {statistics.median(walls) * 1000:6.1f} ms")


if __name__ == "__main__":
    main()
