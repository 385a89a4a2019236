"""Open311 under load: `commonweal serve` on loopback against a big PostgreSQL database.

    python bench/open311_load.py --database-url postgresql://postgres@127.0.0.1:5432/commonweal_big
        [--requests 1000000] [--clients 8] [--per-scenario 400]

If the database does not exist it is created; if it has no city, `commonweal demo --requests
N` fills it first (about 15 minutes for a million requests). Then, for each scenario, a bounded load generator (N client threads
with keep-alive connections, a fixed number of calls) reports throughput and p50/p99, and
two baselines run the same SQL and `json.dumps` without the framework: "raw" straight through
psycopg in the load generator's own threads (no HTTP at all), and "bare" served over HTTP by
the same gunicorn setup from `bench/bare_wsgi.py` (no Django, no DRF). The overhead ratios
are p50 over p50. The last three columns are the CPU time our server's processes and the
bare server's spend per call (read from /proc; the database's own time is the same SQL for
both and is not counted) and their ratio: steadier than latency on a shared machine, where
a call's latency also counts the time it waited for a core. Every GET query's plan is
printed, with any node that is not an index scan named.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import os
import pickle
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PORT = 8311
BARE_PORT = 8312
Sql = tuple[str, tuple[Any, ...]]
ROW = "{:<34} {:>6} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7} {:>6} {:>6} {:>6} {:>6} {:>6}"


@dataclass
class Result:
    latencies: list[float]
    seconds: float
    errors: int
    #: CPU seconds the server's processes spent per call (None: not measured)
    cpu_per_call: float | None = None

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def run_load(
    calls: list[Callable[[Any], bool]],
    clients: int,
    connect: Callable[[], Any],
    server: subprocess.Popen[bytes] | None = None,
) -> Result:
    """Run the calls on `clients` threads, each with its own connection; time each call, and
    count the CPU time of the `server`'s processes over them.

    A few calls go first, untimed, so that every server worker has connected to the
    database and loaded the code it needs: the figures are for a server that is running."""
    run_calls(calls[: clients * 10], clients, connect)
    before = server_cpu(server) if server else 0.0
    result = run_calls(calls, clients, connect)
    if server:
        result.cpu_per_call = (server_cpu(server) - before) / len(calls)
    return result


def server_cpu(server: subprocess.Popen[bytes]) -> float:
    """CPU seconds (user and system) used so far by a server and its live worker processes
    (Linux /proc). A steadier measure than latency on a shared machine: it does not count
    the time a call waits for a core."""
    ticks = os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    total = 0.0
    for pid in [server.pid, *map(int, children)]:
        with contextlib.suppress(FileNotFoundError):  # a worker that has just exited
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def run_calls(
    calls: list[Callable[[Any], bool]], clients: int, connect: Callable[[], Any]
) -> Result:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    queue = list(calls)

    def worker() -> None:
        connection = connect()
        while True:
            with lock:
                if not queue:
                    break
                call = queue.pop()
            started = time.perf_counter()
            ok = call(connection)
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                errors[0] += not ok

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Result(latencies, time.perf_counter() - started, errors[0])


def http_get(path: str) -> Callable[[http.client.HTTPConnection], bool]:
    def call(connection: http.client.HTTPConnection) -> bool:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status == 200

    return call


def http_post(path: str, fields: dict[str, str]) -> Callable[[http.client.HTTPConnection], bool]:
    body = urllib.parse.urlencode(fields)

    def call(connection: http.client.HTTPConnection) -> bool:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status == 201

    return call


def raw_query(sql: str, params: tuple[Any, ...], prepare: bool | None) -> Callable[[Any], bool]:
    def call(connection: Any) -> bool:
        with connection.cursor() as cursor:
            cursor.execute(sql, params, prepare=prepare)
            columns = [column.name for column in cursor.description]
            json.dumps(
                [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()], default=str
            )
        return True

    return call


def ensure_database(database_url: str) -> None:
    """Create the database named in the URL if the server has none of that name."""
    import psycopg
    from psycopg import sql

    name = psycopg.conninfo.conninfo_to_dict(database_url)["dbname"]
    maintenance = psycopg.conninfo.make_conninfo(database_url, dbname="postgres")
    with psycopg.connect(maintenance, autocommit=True) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if found.fetchone() is None:
            print(f"creating database {name}", flush=True)
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup_django(database_url: str) -> None:
    ensure_database(database_url)
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commonweal.settings")
    import django

    django.setup()


def ensure_city(requests: int) -> None:
    from django.core.management import call_command

    from commonweal.cases.models import ServiceRequest

    call_command("migrate", verbosity=0)
    if not ServiceRequest.objects.exists():
        print(
            f"generating the demo city with {requests:,} requests (this takes a while)…", flush=True
        )
        call_command("demo", requests=requests)


def start_server(
    database_url: str, workers: int, threads: int = 1, analytics_preload: bool = False
) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "commonweal.cli", "serve", "--port", str(PORT),
               "--workers", str(workers), "--threads", str(threads), "--verbosity", "0"]  # fmt: skip
    # The POST scenario measures intake, not the rate limiter: lift the limits for this run.
    env = {
        "DATABASE_URL": database_url,
        "OPEN311_POST_RATE_PER_KEY": "1000000/minute",
        "OPEN311_POST_RATE_PER_IP": "1000000/minute",
        # The API at rest: a new worker's load of the analytics rollups (seconds, one worker
        # at a time) overlaps the first scenarios unless --analytics-preload asks for it.
        "COMMONWEAL_ANALYTICS_PRELOAD": "1" if analytics_preload else "0",
    }
    return started(command, env, PORT, "/open311/v2/discovery.json")


def start_bare_server(
    database_url: str, workers: int, threads: int, sql: list[tuple[Sql, bool | None]], folder: str
) -> subprocess.Popen[bytes]:
    """Serve `bench/bare_wsgi.py` (the same SQL, no framework) with the same gunicorn setup."""
    path = os.path.join(folder, "bare-queries.pickle")
    with open(path, "wb") as file:  # plain values only: the bare server has no Django
        pickle.dump(
            [(text, tuple(map(plain, params)), prepare) for (text, params), prepare in sql], file
        )
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{BARE_PORT}",
               "--workers", str(workers), "--threads", str(threads), "--chdir",
               os.path.dirname(os.path.abspath(__file__)), "bare_wsgi:application"]  # fmt: skip
    env = {"DATABASE_URL": database_url, "BARE_QUERIES": path}
    return started(command, env, BARE_PORT, "/0")


def plain(value: Any) -> Any:
    """A query parameter as a plain Python value (our choices are `str` subclasses)."""
    return str(value) if isinstance(value, str) else value


def started(
    command: list[str], env: dict[str, str], port: int, probe: str
) -> subprocess.Popen[bytes]:
    """Start a server and wait until `probe` answers 200."""
    server = subprocess.Popen(command, env={**os.environ, **env})
    for _ in range(100):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", probe)
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"{command[2]} did not start")


@dataclass
class Scenario:
    name: str
    http_calls: list[Callable[[Any], bool]]
    raw_sql: list[Sql]
    #: our server plans these queries for each call's values (`core.plans`): so do the
    #: baselines, which then do the same work in the database
    planned_per_call: bool = False

    @property
    def prepare(self) -> bool | None:
        """psycopg's `prepare` for the baselines: never, or after five runs (its default)."""
        return False if self.planned_per_call else None

    @property
    def sql(self) -> Sql | None:
        return self.raw_sql[0] if self.raw_sql else None


def scenarios(per_scenario: int, api_key: str) -> list[Scenario]:
    """Build the calls: random ids, codes and windows, the same for HTTP and raw SQL."""
    from commonweal.cases.models import ServiceRequest
    from commonweal.catalog.models import Jurisdiction, Service
    from commonweal.open311 import queries
    from commonweal.open311.params import parse_request_query, parse_update_window
    from commonweal.open311.views import updates_in

    rng = random.Random(7)
    jurisdiction = Jurisdiction.objects.get()
    newest = ServiceRequest.objects.order_by("-requested_at").values_list(
        "requested_at", flat=True
    )[0]
    ids = list(
        ServiceRequest.objects.order_by("?").values_list("public_id", flat=True)[:per_scenario]
    )
    codes = list(Service.objects.values_list("service_code", flat=True))

    def sql_of(queryset: Any) -> tuple[str, tuple[Any, ...]]:
        sql, params = queryset.query.sql_with_params()
        return sql, tuple(params)

    def stamp(moment: dt.datetime) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    def request_list(
        params: dict[str, str],
    ) -> tuple[str, Callable[[Any], bool], Sql]:
        query = parse_request_query(params, now=newest)
        sql = sql_of(
            queries.page_of_queryset(
                queries.filter_requests(queries.public_requests(jurisdiction), query), query
            )
        )
        path = "/open311/v2/requests.json?" + urllib.parse.urlencode(params)
        return path, http_get(path), sql

    built = []
    built.append(Scenario("services.json", [http_get("/open311/v2/services.json")] * per_scenario,
                          [sql_of(queries.PUBLIC_SERVICES.queryset(jurisdiction_id=jurisdiction.pk))]
                          * per_scenario))  # fmt: skip
    single = [
        sql_of(
            queries.ONE_PUBLIC_ROW.queryset(jurisdiction_id=jurisdiction.pk, public_id=public_id)
        )
        for public_id in ids
    ]
    built.append(Scenario("requests/{id}.json", [http_get(f"/open311/v2/requests/{i}.json") for i in ids],
                          single))  # fmt: skip
    default = request_list({"end_date": stamp(newest)})
    built.append(
        Scenario(
            "requests.json (90 days, 1,000)",
            [default[1]] * per_scenario,
            [default[2]] * per_scenario,
            planned_per_call=True,
        )
    )
    filtered = []
    for _ in range(per_scenario):
        start = newest - dt.timedelta(days=rng.randint(30, 300))
        filtered.append(request_list({
            "service_code": rng.choice(codes), "status": rng.choice(["open", "closed"]),
            "start_date": stamp(start), "end_date": stamp(start + dt.timedelta(days=30)),
        }))  # fmt: skip
    built.append(
        Scenario(
            "requests.json filtered",
            [f[1] for f in filtered],
            [f[2] for f in filtered],
            planned_per_call=True,
        )
    )
    paged = [
        request_list({**dict(urllib.parse.parse_qsl(f[0].split("?", 1)[1])), "page_size": "100"})
        for f in filtered
    ]
    built.append(
        Scenario(
            "requests.json filtered, 100/page",
            [p[1] for p in paged],
            [p[2] for p in paged],
            planned_per_call=True,
        )
    )
    updates = []
    for _ in range(per_scenario):
        end = newest - dt.timedelta(hours=rng.randint(1, 24 * 60))
        params = {"start_date": stamp(end - dt.timedelta(hours=1)), "end_date": stamp(end)}
        start_at, end_at = parse_update_window(params, now=newest)
        sql = sql_of(updates_in(jurisdiction, start_at, end_at))
        path = "/open311/v2/servicerequestupdates.json?" + urllib.parse.urlencode(params)
        updates.append((http_get(path), sql))
    built.append(
        Scenario(
            "servicerequestupdates.json (1 h)",
            [u[0] for u in updates],
            [u[1] for u in updates],
            planned_per_call=True,
        )
    )
    post = http_post("/open311/v2/requests.json", {
        "api_key": api_key, "service_code": "graffiti", "lat": "38.62", "long": "-90.05",
        "description": "Tag on the wall",
    })  # fmt: skip
    built.append(Scenario("POST requests.json", [post] * max(per_scenario // 4, 50), []))
    return built


def explain(name: str, sql: tuple[str, tuple[Any, ...]], connection: Any) -> None:
    """Print the plan's node types; name every node that is not an index scan."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql[0], sql[1])
        plan = cursor.fetchone()[0][0]["Plan"]
    nodes: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        relation = node.get("Relation Name")
        nodes.append(node["Node Type"] + (f" on {relation}" if relation else ""))
        for child in node.get("Plans", []):
            walk(child)

    walk(plan)
    scans = [node for node in nodes if "Scan" in node and "Index" not in node]
    print(f"  plan of {name}: {' > '.join(nodes)}")
    for scan in scans:
        print(f"    not an index scan: {scan}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/commonweal_big"
        ),
    )
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--per-scenario", type=int, default=400)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="threads per server worker")
    parser.add_argument(
        "--analytics-preload",
        action="store_true",
        help="let the server's workers load the analytics rollups as they start, as in production",
    )
    options = parser.parse_args()
    setup_django(options.database_url)
    ensure_city(options.requests)
    import psycopg

    from commonweal.cases.models import ServiceRequest
    from commonweal.open311.keys import create_key

    _key, api_key = create_key("bench")
    print(f"{ServiceRequest.objects.count():,} requests in PostgreSQL; {options.clients} clients; "
          f"{options.workers} server workers; {os.cpu_count()} cores")  # fmt: skip
    built = scenarios(options.per_scenario, api_key)
    bare_sql = [(sql, scenario.prepare) for scenario in built for sql in scenario.raw_sql]
    folder = tempfile.mkdtemp(prefix="commonweal-bench-")
    servers = [
        start_server(
            options.database_url, options.workers, options.threads, options.analytics_preload
        )
    ]
    try:
        servers.append(
            start_bare_server(
                options.database_url, options.workers, options.threads, bare_sql, folder
            )
        )
        plans = psycopg.connect(options.database_url.replace("postgres://", "postgresql://"))
        print(ROW.format("scenario", "req/s", "p50 ms", "p99 ms", "raw p50", "raw p99",
                         "bare50", "bare99", "/raw", "/bare", "cpu ms", "bare", "/bare"))  # fmt: skip
        offset = 0
        for scenario in built:
            served = run_load(
                scenario.http_calls,
                options.clients,
                lambda: http.client.HTTPConnection("127.0.0.1", PORT, timeout=30),
                servers[0],
            )
            cells = ["-"] * 6 + [f"{(served.cpu_per_call or 0) * 1000:.2f}", "-", "-"]
            if scenario.raw_sql:
                raw = run_load(
                    [raw_query(*sql, scenario.prepare) for sql in scenario.raw_sql],
                    options.clients,
                    lambda: psycopg.connect(options.database_url, autocommit=True),
                )
                numbers = range(offset, offset + len(scenario.raw_sql))
                offset += len(scenario.raw_sql)
                over_http = run_load(
                    [http_get(f"/{n}") for n in numbers],
                    options.clients,
                    lambda: http.client.HTTPConnection("127.0.0.1", BARE_PORT, timeout=30),
                    servers[1],
                )
                ours_cpu, bare_cpu = served.cpu_per_call or 0.0, over_http.cpu_per_call or 0.0
                cells = [f"{raw.percentile(0.5):.1f}", f"{raw.percentile(0.99):.1f}",
                         f"{over_http.percentile(0.5):.1f}", f"{over_http.percentile(0.99):.1f}",
                         f"{served.percentile(0.5) / raw.percentile(0.5):.1f}x",
                         f"{served.percentile(0.5) / over_http.percentile(0.5):.1f}x",
                         f"{ours_cpu * 1000:.2f}", f"{bare_cpu * 1000:.2f}",
                         f"{ours_cpu / bare_cpu:.1f}x" if bare_cpu else "-"]  # fmt: skip
            print(ROW.format(scenario.name, f"{served.throughput:.0f}", f"{served.percentile(0.5):.1f}",
                             f"{served.percentile(0.99):.1f}", *cells) + (f"  ({served.errors} errors)" if served.errors else ""))  # fmt: skip
            if scenario.sql:
                explain(scenario.name, scenario.sql, plans)
    finally:
        for process in servers:
            process.terminate()
            process.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
