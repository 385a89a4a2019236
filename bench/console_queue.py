"""The staff console on a big city: queue and case pages for a supervisor of the busiest department.

    python bench/console_queue.py --database-url postgresql://postgres@127.0.0.1:5432/commonweal_big
        [--requests 1000000] [--calls 100]

If the database has no city, `commonweal demo --requests N` fills it first. Each scenario is
one page rendered through Django's test client (view, template, database — no network), timed
over `--calls` sequential loads after a warm-up, with its query count. The baseline is the SQL
those pages need (the page of rows and the counts) run straight through the database cursor;
the ratio is p50 over baseline p50. The plan of each baseline query is printed.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from open311_load import ensure_city, setup_django

ROW = "{:<40} {:>8} {:>8} {:>8} {:>10} {:>7}"


def timed(call: Callable[[], Any], calls: int) -> list[float]:
    for _ in range(3):
        call()
    latencies = []
    for _ in range(calls):
        started = time.perf_counter()
        call()
        latencies.append((time.perf_counter() - started) * 1000)
    return sorted(latencies)


def p(latencies: list[float], q: float) -> float:
    return latencies[min(len(latencies) - 1, int(q * len(latencies)))]


@contextlib.contextmanager
def counting(connection: Any) -> Iterator[list[str]]:
    """Collect the SQL a block runs (Django resets its own query log per request)."""
    seen: list[str] = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield seen


def bench_user(department: Any) -> Any:
    from django.contrib.auth.models import Group, User

    from commonweal.cases.models import Role, StaffProfile

    user, _ = User.objects.get_or_create(username="bench-supervisor")
    user.groups.add(Group.objects.get_or_create(name=Role.SUPERVISOR)[0])
    StaffProfile.objects.update_or_create(user=user, defaults={"department": department})
    return user


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=100)
    args = parser.parse_args()
    setup_django(args.database_url)
    ensure_city(args.requests)

    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone

    from commonweal.cases.authority import Actor
    from commonweal.cases.models import OPEN_STATUSES, ServiceRequest
    from commonweal.catalog.models import Department
    from commonweal.console import queues

    busiest = (
        ServiceRequest.objects.filter(status__in=OPEN_STATUSES)
        .values("department")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    assert busiest, "no open requests"
    department = Department.objects.get(pk=busiest["department"])
    total = ServiceRequest.objects.filter(department=department).count()
    user = bench_user(department)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    some_open = ServiceRequest.objects.filter(
        department=department, status__in=OPEN_STATUSES
    ).first()
    assert some_open is not None
    service = some_open.service_id
    print(
        f"{ServiceRequest.objects.count():,} requests; department {department.name}: "
        f"{total:,} requests, {busiest['n']:,} open; {args.calls} loads per scenario"
    )

    scenarios = [
        ("queue: open, due soonest", {}),
        ("queue: overdue", {"flag": "overdue"}),
        ("queue: at risk", {"flag": "at_risk"}),
        ("queue: one service, newest first", {"service": service, "sort": "-requested"}),
        ("queue: closed, page 40", {"status": "closed", "page": 40}),
    ]
    print(ROW.format("page", "p50 ms", "p99 ms", "queries", "base p50", "ratio"))
    actor = Actor.for_user(user)
    departments = Department.objects.filter(pk=department.pk)
    for name, params in scenarios:
        with counting(connection) as queries:
            response = client.get("/console/queue/", params)
        assert response.status_code == 200, response.status_code
        latencies = timed(lambda params=params: client.get("/console/queue/", params), args.calls)
        base = baseline(actor, departments, params, queues, timezone.now(), args.calls)
        print(
            ROW.format(
                name,
                f"{p(latencies, 0.5):.1f}",
                f"{p(latencies, 0.99):.1f}",
                len(queries),
                f"{p(base, 0.5):.1f}",
                f"{p(latencies, 0.5) / p(base, 0.5):.1f}x",
            )
        )
    url = f"/console/cases/{some_open.public_id}/"
    with counting(connection) as queries:
        assert client.get(url).status_code == 200
    latencies = timed(lambda: client.get(url), args.calls)
    print(
        ROW.format(
            "case page",
            f"{p(latencies, 0.5):.1f}",
            f"{p(latencies, 0.99):.1f}",
            len(queries),
            "-",
            "-",
        )
    )
    print(f"(mean case page {statistics.mean(latencies):.1f} ms)")
    return 0


def baseline(
    actor: Any, departments: Any, params: dict[str, Any], queues: Any, now: Any, calls: int
) -> list[float]:
    """Time the rows and counts the queue page needs, as raw SQL through the cursor."""
    from django.db import connection

    filters = {k: v for k, v in params.items() if k != "page"}
    scoped = queues.queue(actor, departments, filters)
    rows = queues.page_rows(
        queues.flagged(scoped, filters.get("flag", ""), now), filters.get("sort", "")
    )
    offset = (int(params.get("page", 1)) - 1) * 25
    statements = [
        rows[offset : offset + 25].query.sql_with_params(),
        queues.flagged(scoped, filters.get("flag", ""), now)
        .order_by()
        .values("pk")
        .query.sql_with_params(),
    ]
    count_sql, count_params = statements[1]
    statements[1] = (f"SELECT COUNT(*) FROM ({count_sql}) AS matching", count_params)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for sql, sql_params in statements[:1]:
                cursor.execute("EXPLAIN " + sql, sql_params)
                plan = [line for (line,) in cursor.fetchall()]
                print("   plan:", " | ".join(line.strip() for line in plan[:4]))

        def run() -> None:
            for sql, sql_params in statements:
                cursor.execute(sql, sql_params)
                cursor.fetchall()

        return timed(run, calls)


if __name__ == "__main__":
    sys.exit(main())
