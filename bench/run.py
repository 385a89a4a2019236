"""Foundation benchmarks: each figure is printed beside a baseline measured in the same run.

    python bench/run.py [--requests N] [--postgres]

1. demo generation: rows/s of `commonweal demo` writing a year of requests, and of its
   bulk writer alone (COPY / executemany); the baseline writes the same case-log rows
   with Django's bulk_create.
2. verify_log: events/s checked from the database; the baseline hashes the same
   canonical JSON already in memory (the floor no database read can beat).
3. district assignment: points/s with the STRtree index; the baseline tests each
   polygon in turn, as a naive implementation would.
4. intake: requests/s through `cases.services.submit` (validation, authority, due times,
   district, chained event); the baseline is a bare ORM insert of a request row.

It runs in a throwaway database: a temporary SQLite file, or with --postgres a temporary
database on the local server (127.0.0.1:5432), dropped afterwards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

ROW = "{:<34} {:>14} {:>16} {:>9}"


def setup_django(postgres: bool, workdir: str) -> Callable[[], None]:
    """Point Django at a throwaway database; return a function that removes it."""
    os.environ["COMMONWEAL_DATA_DIR"] = workdir
    os.environ.pop("DATABASE_URL", None)
    cleanup: Callable[[], None] = lambda: None  # noqa: E731
    if postgres:
        import psycopg

        name = f"commonweal_bench_{os.getpid()}"
        admin = "postgresql://postgres@127.0.0.1:5432/postgres"
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:5432/{name}"

        def cleanup() -> None:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(admin, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}"')

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commonweal.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return cleanup


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def report(name: str, ours: float, baseline: float, unit: str) -> None:
    print(
        ROW.format(
            name, f"{ours:,.0f} {unit}", f"{baseline:,.0f} {unit}", f"{ours / baseline:.2f}x"
        )
    )


def bench_demo(requests: int) -> None:
    from django.db import transaction

    from commonweal.cases.models import CaseEvent
    from commonweal.core.bulk import insert_rows
    from commonweal.demo.builder import build_demo_city

    seconds, result = timed(
        lambda: build_demo_city(
            requests, seed=311, now=dt.datetime(2026, 11, 27, 18, tzinfo=dt.UTC)
        )
    )
    rows = result.totals.requests + result.totals.events + result.totals.requesters
    sample = list(CaseEvent.objects.order_by("sequence")[:50_000])
    for event in sample:
        event.pk = None
        event.sequence += 10**9

    def baseline() -> None:
        with transaction.atomic():
            CaseEvent.objects.bulk_create(sample, batch_size=5000)
            transaction.set_rollback(True)

    base_seconds, _ = timed(baseline)

    def ours() -> None:
        with transaction.atomic():
            insert_rows(CaseEvent, sample)
            transaction.set_rollback(True)

    insert_seconds, _ = timed(ours)
    print(f"demo city: {result.totals.requests:,} requests, {result.totals.events:,} events "
          f"in {seconds:.1f} s")  # fmt: skip
    report("demo generation (rows/s)", rows / seconds, len(sample) / base_seconds, "rows/s")
    report(
        "bulk insert of events (rows/s)",
        len(sample) / insert_seconds,
        len(sample) / base_seconds,
        "rows/s",
    )


def bench_verify() -> None:
    from commonweal.cases.log import CANONICAL_LOOKUPS, event_hash, verify
    from commonweal.cases.models import CaseEvent
    from commonweal.catalog.models import Jurisdiction

    seconds, (count, breaks) = timed(lambda: verify(Jurisdiction.objects.all()))
    assert not breaks, breaks
    rows = list(CaseEvent.objects.order_by("sequence").values(*CANONICAL_LOOKUPS))
    base_seconds, _ = timed(lambda: [event_hash(row["prev_hash"], row) for row in rows])
    report("verify_log (events/s)", count / seconds, len(rows) / base_seconds, "ev/s")


def bench_districts() -> None:
    import numpy as np
    import shapely
    from shapely.geometry import shape

    from commonweal.catalog.geo import district_index
    from commonweal.catalog.models import District, Jurisdiction

    jurisdiction = Jurisdiction.objects.get()
    index = district_index(jurisdiction)
    rng = np.random.default_rng(1)
    lats, longs = rng.uniform(38.52, 38.72, 20_000), rng.uniform(-90.2, -89.9, 20_000)
    seconds, _ = timed(
        lambda: [index.locate(lat, long) for lat, long in zip(lats, longs, strict=True)]
    )
    polygons = [(d.pk, shape(d.boundary)) for d in District.objects.all()]

    def naive() -> list[int | None]:
        found = []
        for lat, long in zip(lats, longs, strict=True):
            point = shapely.Point(long, lat)
            found.append(next((pk for pk, poly in polygons if poly.covers(point)), None))
        return found

    base_seconds, _ = timed(naive)
    report(
        "district lookup, one by one (pt/s)", len(lats) / seconds, len(lats) / base_seconds, "pt/s"
    )
    seconds, _ = timed(lambda: index.locate_many(lats, longs))
    report(
        "district lookup, vectorised (pt/s)", len(lats) / seconds, len(lats) / base_seconds, "pt/s"
    )


def bench_intake() -> None:
    from django.utils import timezone

    from commonweal.cases import services
    from commonweal.cases.authority import Actor
    from commonweal.cases.models import ServiceRequest
    from commonweal.catalog.models import Service

    service = Service.objects.get(service_code="graffiti")
    resident = Actor.resident()
    count = 300

    def ours() -> None:
        for number in range(count):
            services.submit(resident, service=service, channel="web", lat=38.62, long=-90.05,
                            description=f"Tag on the wall {number}")  # fmt: skip

    def bare() -> None:
        now = timezone.now()
        for number in range(count):
            ServiceRequest.objects.create(
                public_id=f"BENCH{number:05d}", jurisdiction_id=service.jurisdiction_id,
                service=service, department_id=service.department_id, channel="web",
                requested_at=now, updated_at=now, lat=38.62, long=-90.05,
            )  # fmt: skip

    seconds, _ = timed(ours)
    base_seconds, _ = timed(bare)
    report("intake via cases.submit (req/s)", count / seconds, count / base_seconds, "req/s")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument("--postgres", action="store_true")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="commonweal-bench-") as workdir:
        cleanup = setup_django(options.postgres, workdir)
        try:
            from django.db import connection

            print(f"database: {connection.vendor}; machine: {os.cpu_count()} cores")
            print(ROW.format("benchmark", "Commonweal", "baseline", "ratio"))
            bench_demo(options.requests)
            bench_verify()
            bench_districts()
            bench_intake()
        finally:
            cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
