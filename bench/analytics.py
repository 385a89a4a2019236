"""Analytics at city scale: the same dashboard three ways over the same synthetic Parquet.

    python bench/analytics.py [--rows 1000000 10000000] [--workdir DIR]

For each size it generates requests straight to Parquet (vectorised NumPy, a fixed seed),
then runs, each in a child process of its own so that its peak memory is its own:
  (a) pandas: read the file, compute the dashboard with groupby and exact percentiles;
  (b) hand-written DuckDB SQL over the Parquet file (exact quantiles);
  (c) Commonweal's engine: full rebuild of the rollups from the file (`rollups` SQL, written
      as Parquet segments), the survey answers written (a fifth of closed requests invited, a
      third of those answering: 2 million invitations at 10M), loading both into an `Engine`,
      the dashboard on the same slice, ten typical slices, and an incremental refresh after
      10,000 changed or new requests and 1,300 survey changes (old and new contributions, a
      new segment of each kind, the engine loading them); then, for comparison, the surveys
      read whole again and reloaded, as every refresh did before the eleventh session.
The dashboard: headline figures (volume, closed, standards met, first contact, reopened,
duplicates, median and p90 time to close and to acknowledge, open at the end), the same per
department, weekly volume / due / met / median time to close, standards met per district x
service (the equity table's input) and volume per service (Pareto).
All three answers are compared: counts exactly, percentiles within 1 %. The ten typical
slices are then timed as the dashboard page asks for them (`report.dashboard`: headline,
by department, the three control charts, Pareto, equity, backlog, surveys; its queries run
side by side), each three times, the median reported with its slowest single query.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

AS_OF = dt.date(2026, 11, 1)
START = dt.date(2023, 11, 1)
SEED = 11
CHANGES = 10_000
#: of the invitations, answers and what changes between refreshes
INVITED, ANSWERED = 0.2, 0.3
NEW_INVITATIONS, NEW_ANSWERS = 1_000, 300
QUANTILES = (0.5, 0.9)
#: each slice is answered this many times; the median run is reported
REPEATS = 3


# --- data --------------------------------------------------------------------------------------


def generate(rows: int, path: Path, seed: int = SEED) -> None:
    """Synthetic requests in the snapshot's schema, three years up to AS_OF, New York days."""
    import duckdb
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from commonweal.analytics.rollups import REQUESTS_SCHEMA

    rng = np.random.default_rng(seed)
    departments = [
        "streets",
        "sanitation",
        "water",
        "parks",
        "lighting",
        "code",
        "health",
        "animals",
    ]
    services = [f"{d}-{k}" for d in departments for k in range(5)]
    department_of = np.repeat(np.arange(len(departments)), 5)
    weights = rng.pareto(1.2, len(services)) + 0.05
    service = rng.choice(len(services), rows, p=weights / weights.sum())
    district = rng.integers(1, 16, rows)
    channel = rng.choice(
        ["web", "phone", "app", "api", "counter", "email"],
        rows,
        p=[0.35, 0.35, 0.15, 0.08, 0.04, 0.03],
    )
    span = (AS_OF - START).days * 86400
    start = np.datetime64(START.isoformat(), "s")
    requested = start + rng.integers(0, span, rows).astype("timedelta64[s]")
    hard = 1 + (service % 5) * 0.6 + (district % 4) * 0.15
    ack = requested + (rng.lognormal(8.5, 1.0, rows) * hard).astype("timedelta64[s]")
    close_after = (rng.lognormal(12.0, 1.1, rows) * hard).astype("timedelta64[s]")
    closed = requested + close_after
    quick = rng.random(rows) < 0.04  # answered on the call
    closed = np.where(
        quick, requested + rng.integers(60, 900, rows).astype("timedelta64[s]"), closed
    )
    now = np.datetime64(AS_OF.isoformat(), "s")
    is_open = closed >= now
    due = requested + ((3 + (service % 5) * 4) * 86400).astype("timedelta64[s]")
    outcome = rng.choice(
        ["resolved", "no_action_needed", "referred", "duplicate"], rows, p=[0.86, 0.06, 0.05, 0.03]
    )
    duplicate = outcome == "duplicate"
    reopened = (rng.random(rows) < 0.025).astype(np.int32)
    frame = pa.table(
        {
            "id": np.arange(1, rows + 1, dtype=np.int64),
            "jurisdiction": np.full(rows, "riverton"),
            "department": np.array(departments)[department_of[service]],
            "service": np.array(services)[service],
            "district": district.astype(str),
            "channel": channel,
            "priority": np.full(rows, "normal"),
            "status": np.where(is_open, "assigned", "closed"),
            "outcome": np.where(is_open, "", outcome),
            "requested_at": requested,
            "acknowledged_at": np.where(ack < now, ack, np.datetime64("NaT")),
            "closed_at": np.where(is_open, np.datetime64("NaT"), closed),
            "resolve_due": due,
            "duplicate": duplicate & ~is_open,
            "reopened": reopened,
        }
    )
    with duckdb.connect() as con:
        con.register("frame", frame)
        day = "CAST(timezone('America/New_York', timezone('UTC', {})) AS DATE)"
        columns = ", ".join(
            # microseconds, as the snapshot stores them (REQUESTS_SCHEMA)
            f"CAST(timezone('UTC', {c}) AS TIMESTAMPTZ) AS {c}"
            if c.endswith(("_at", "_due"))
            else c
            for c in frame.column_names
        )
        con.execute(
            f"COPY (SELECT {columns}, {day.format('requested_at')} AS created_day,"
            f" {day.format('acknowledged_at')} AS ack_day, {day.format('closed_at')} AS closed_day,"
            f" {day.format('resolve_due')} AS due_day FROM frame) TO '{path}' (FORMAT parquet, COMPRESSION zstd)"
        )
    assert pq.read_schema(path).equals(REQUESTS_SCHEMA), pq.read_schema(path)


def answers_sql(key: str) -> str:
    """SQL for one response's answers as JSON text, 1-5 for every A-11 question, drawn from
    `key`."""
    from commonweal.feedback.surveys import A11_QUESTIONS

    parts = " || ', ' || ".join(
        f"'\"{driver}\": ' || CAST(1 + hash({key} * 17 + {n}) % 5 AS VARCHAR)"
        for n, driver in enumerate(A11_QUESTIONS)
    )
    return f"'{{' || {parts} || '}}'"


def generate_surveys(requests: Path, path: Path) -> None:
    """Survey invitations in the extraction's layout (`extract.surveys_sql` on PostgreSQL),
    as an Arrow file the engine's process memory-maps as the refresh does its extract: a
    fifth of closed requests invited a day after closing, a third of those answering within
    three days, every one before AS_OF."""
    import duckdb
    import pyarrow as pa

    end = f"TIMESTAMPTZ '{AS_OF.isoformat()} 00:00:00+00'"
    with duckdb.connect() as con:
        table = con.sql(
            f"""SELECT id, sent_at, CASE WHEN answered THEN submitted_at END AS submitted_at,
                       CASE WHEN answered THEN 'a11-2019' ELSE '' END AS form,
                       CASE WHEN answered THEN {answers_sql("id")} ELSE '' END AS answers
                  FROM (SELECT id, sent_at, submitted_at,
                               hash(id * 5) % 1000 < {ANSWERED * 1000} AND submitted_at < {end}
                                 AS answered
                          FROM (SELECT id, closed_at + INTERVAL 1 DAY AS sent_at,
                                       closed_at + INTERVAL 1 DAY
                                         + to_hours(CAST(1 + hash(id * 3) % 72 AS BIGINT))
                                         AS submitted_at
                                  FROM read_parquet('{requests}')
                                 WHERE closed_at IS NOT NULL
                                   AND hash(id * 7) % 1000 < {INVITED * 1000}))
                 WHERE sent_at < {end}"""
        ).to_arrow_table()
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)


def survey_changes(con: Any, surveys: str, changed: str) -> Any:
    """What a refresh reads of the surveys after the changes `changed`: the invitations of the
    changed requests (the case log touched them), new invitations for some of them now
    closed, and new answers to earlier invitations."""
    return con.sql(
        f"""SELECT * FROM {surveys} WHERE id IN (SELECT id FROM {changed})
            UNION ALL
            (SELECT id, TIMESTAMPTZ '2026-10-31 13:00:00+00' AS sent_at,
                    CAST(NULL AS TIMESTAMPTZ) AS submitted_at, '' AS form, '' AS answers
               FROM {changed} WHERE status = 'closed' AND id NOT IN (SELECT id FROM {surveys})
              ORDER BY id LIMIT {NEW_INVITATIONS})
            UNION ALL
            (SELECT id, sent_at, TIMESTAMPTZ '2026-10-31 14:00:00+00' AS submitted_at,
                    'a11-2019' AS form, {answers_sql("id + 1")} AS answers
               FROM {surveys} WHERE submitted_at IS NULL AND id NOT IN (SELECT id FROM {changed})
              ORDER BY id LIMIT {NEW_ANSWERS})"""
    ).to_arrow_table()


# --- (a) pandas ----------------------------------------------------------------------------------


def nearest_rank(values: Any, q: float) -> float | None:
    import numpy as np

    if len(values) == 0:
        return None
    ordered = np.sort(values)
    return float(ordered[max(1, math.ceil(q * len(ordered))) - 1])


def pandas_dashboard(path: Path, start: dt.date, end: dt.date) -> dict[str, Any]:
    import numpy as np
    import pandas as pd

    # the columns this dashboard reads, as anyone would ask for them (not the id, status,
    # channel, priority or jurisdiction)
    used = ["department", "service", "district", "outcome", "requested_at", "acknowledged_at",
            "closed_at", "resolve_due", "duplicate", "reopened", "created_day", "ack_day",
            "closed_day", "due_day"]  # fmt: skip
    r = pd.read_parquet(path, columns=used)
    for day in ("created_day", "ack_day", "closed_day", "due_day"):
        r[day] = pd.to_datetime(r[day])
    s, e, as_of = pd.Timestamp(start), pd.Timestamp(end), pd.Timestamp(AS_OF)
    made = r[(r.created_day >= s) & (r.created_day <= e)]
    closed = r[(r.closed_day >= s) & (r.closed_day <= e)]
    acked = r[(r.ack_day >= s) & (r.ack_day <= e)]
    due = r[(r.due_day >= s) & (r.due_day <= e) & (r.due_day < as_of)]
    met = (due.outcome == "resolved") & (due.closed_at <= due.resolve_due)
    hours_close = (closed.closed_at - closed.requested_at).dt.total_seconds().clip(lower=1) / 3600
    hours_ack = (acked.acknowledged_at - acked.requested_at).dt.total_seconds().clip(lower=1) / 3600
    first = (
        (made.outcome == "resolved")
        & (made.reopened == 0)
        & ((made.closed_at - made.requested_at).dt.total_seconds() <= 900)
    )
    open_at_end = int(((r.created_day <= e) & ~(r.closed_day <= e)).sum())
    summary = {
        "requests": len(made),
        "closed": len(closed),
        "due": len(due),
        "met": int(met.sum()),
        "first_contact": int(first.sum()),
        "reopened": int((closed.reopened > 0).sum()),
        "duplicates": int(made.duplicate.sum()),
        "open_at_end": open_at_end,
        **{f"close_q{q}": nearest_rank(hours_close.to_numpy(), q) for q in QUANTILES},
        **{f"ack_q{q}": nearest_rank(hours_ack.to_numpy(), q) for q in QUANTILES},
    }
    by_department = {
        name: {
            "requests": int((made.department == name).sum()),
            "due": int((due.department == name).sum()),
            "met": int(met[due.department == name].sum()),
            "close_q0.5": nearest_rank(hours_close[closed.department == name].to_numpy(), 0.5),
        }
        for name in sorted(r.department.unique())
    }
    # the Monday of each day's week, kept as a time: the few hundred weeks are written as text
    # at the end (turning 10M days into text first took most of this dashboard's time)
    week = lambda d: d - pd.to_timedelta(d.dt.day_of_week, unit="D")  # noqa: E731
    weekly = pd.DataFrame(
        {
            "created": made.groupby(week(made.created_day)).size(),
            "due": due.groupby(week(due.due_day)).size(),
            "met": met.groupby(week(due.due_day)).sum(),
        }
    ).fillna(0)
    medians = hours_close.groupby(week(closed.closed_day)).apply(
        lambda x: nearest_rank(x.to_numpy(), 0.5)
    )
    equity = (
        due.assign(met=met)
        .groupby(["district", "service"])
        .agg(due=("met", "size"), met=("met", "sum"))
    )
    pareto = made.groupby("service").size().sort_values(ascending=False)
    return {
        "summary": summary,
        "by_department": by_department,
        "weekly": {str(w.date()): [int(v) for v in row] for w, row in weekly.iterrows()},
        "weekly_median": {str(w.date()): float(v) for w, v in medians.items()},
        "equity": {f"{d}/{s}": [int(a), int(b)] for (d, s), (a, b) in equity.iterrows()},
        "pareto": {k: int(v) for k, v in pareto.items()},
        "_np": np.__version__,
    }


# --- (b) hand-written DuckDB ---------------------------------------------------------------------


def duckdb_dashboard(path: Path, start: dt.date, end: dt.date) -> dict[str, Any]:
    import duckdb

    con = duckdb.connect()
    con.execute(f"CREATE VIEW r AS SELECT * FROM read_parquet('{path}')")
    values = {"s": start, "e": end, "a": AS_OF}

    def run(sql: str) -> Any:
        return con.execute(sql, {k: v for k, v in values.items() if f"${k}" in sql})

    hours = "GREATEST(1, epoch({0}) - epoch(requested_at)) / 3600"
    made = "created_day BETWEEN $s AND $e"
    due = "due_day BETWEEN $s AND $e AND due_day < $a"
    met = "outcome = 'resolved' AND closed_at <= resolve_due"
    row = run(
        f"""SELECT
          count(*) FILTER ({made}),
          count(*) FILTER (closed_day BETWEEN $s AND $e),
          count(*) FILTER ({due}),
          count(*) FILTER ({due} AND {met}),
          count(*) FILTER ({made} AND outcome = 'resolved' AND reopened = 0
                          AND epoch(closed_at) - epoch(requested_at) <= 900),
          count(*) FILTER (closed_day BETWEEN $s AND $e AND reopened > 0),
          count(*) FILTER ({made} AND duplicate),
          count(*) FILTER (created_day <= $e AND (closed_day IS NULL OR closed_day > $e)),
          quantile_disc({hours.format("closed_at")}, [0.5, 0.9]) FILTER (closed_day BETWEEN $s AND $e),
          quantile_disc({hours.format("acknowledged_at")}, [0.5, 0.9]) FILTER (ack_day BETWEEN $s AND $e)
        FROM r"""
    ).fetchone()
    assert row is not None
    names = [
        "requests",
        "closed",
        "due",
        "met",
        "first_contact",
        "reopened",
        "duplicates",
        "open_at_end",
    ]
    summary = dict(zip(names, row[:8], strict=True))
    summary |= {f"close_q{q}": v for q, v in zip(QUANTILES, row[8], strict=True)}
    summary |= {f"ack_q{q}": v for q, v in zip(QUANTILES, row[9], strict=True)}
    by_department = {
        name: {"requests": a, "due": b, "met": c, "close_q0.5": m}
        for name, a, b, c, m in run(
            f"""SELECT department, count(*) FILTER ({made}), count(*) FILTER ({due}),
                   count(*) FILTER ({due} AND {met}),
                   quantile_disc({hours.format("closed_at")}, 0.5) FILTER (closed_day BETWEEN $s AND $e)
                FROM r GROUP BY ALL ORDER BY 1"""
        ).fetchall()
    }
    weekly = {
        str(w): [int(a), int(b), int(c)]
        for w, a, b, c in run(
            f"""WITH k AS (
                  SELECT date_trunc('week', created_day) w, 1 c, 0 d, 0 m FROM r WHERE {made}
                  UNION ALL SELECT date_trunc('week', due_day), 0, 1, CAST({met} AS INT) FROM r WHERE {due})
                SELECT w::DATE, sum(c), sum(d), sum(m) FROM k GROUP BY 1 ORDER BY 1"""
        ).fetchall()
    }
    medians = {
        str(w): float(v)
        for w, v in run(
            f"""SELECT date_trunc('week', closed_day)::DATE, quantile_disc({hours.format("closed_at")}, 0.5)
                FROM r WHERE closed_day BETWEEN $s AND $e GROUP BY 1 ORDER BY 1"""
        ).fetchall()
    }
    equity = {
        f"{d}/{s}": [int(a), int(b)]
        for d, s, a, b in run(
            f"SELECT district, service, count(*), count(*) FILTER ({met}) FROM r WHERE {due} GROUP BY ALL"
        ).fetchall()
    }
    pareto = dict(
        run(f"SELECT service, count(*) FROM r WHERE {made} GROUP BY 1 ORDER BY 2 DESC").fetchall()
    )
    return {
        "summary": summary,
        "by_department": by_department,
        "weekly": weekly,
        "weekly_median": medians,
        "equity": equity,
        "pareto": pareto,
    }


# --- (c) the engine ------------------------------------------------------------------------------


def engine_dashboard(engine: Any, where: Any) -> dict[str, Any]:
    import pandas as pd

    from commonweal.analytics import kpis, report

    summary = report.summary(engine, where)[0]
    by_department = {row["department"]: row for row in report.summary(engine, where, "department")}
    weekly = engine.weekly(where)
    medians = kpis.weekly_median_hours(engine.weekly_histogram(where))
    equity = engine.by_district_and_service(where)
    pareto = report.pareto(engine, where)
    return {
        "summary": {
            "requests": summary["requests"],
            "closed": summary["closed"],
            "due": summary["due"],
            "met": summary["met"],
            "first_contact": round(summary["first_contact_pct"] * summary["requests"] / 100),
            "reopened": round(summary["reopen_pct"] * summary["closed"] / 100),
            "duplicates": round(summary["duplicate_pct"] * summary["requests"] / 100),
            "open_at_end": summary["open_at_end"],
            "close_q0.5": summary["close_median_hours"],
            "close_q0.9": summary["close_p90_hours"],
            "ack_q0.5": summary["ack_median_hours"],
            "ack_q0.9": summary["ack_p90_hours"],
        },
        "by_department": {
            name: {
                "requests": row["requests"],
                "due": row["due"],
                "met": row["met"],
                "close_q0.5": row["close_median_hours"],
            }
            for name, row in by_department.items()
        },
        "weekly": {
            str(pd.Timestamp(w).date()): [int(a), int(b), int(c)]
            for w, a, b, c in weekly[["week", "created", "due", "met"]].itertuples(index=False)
            if a or b
        },
        "weekly_median": {
            str(pd.Timestamp(w).date()): float(v)
            for w, v in zip(medians["week"], medians["median_hours"], strict=True)
        },
        "equity": {
            f"{d}/{s}": [int(a), int(b)]
            for d, s, a, b in equity[["district", "service", "due", "met"]].itertuples(index=False)
            if a
        },
        "pareto": {row["service"]: row["requests"] for row in pareto},
    }


def run_engine(path: Path, start: dt.date, end: dt.date, workdir: Path) -> dict[str, Any]:
    import duckdb
    import pyarrow as pa

    from commonweal.analytics import report, rollups, snapshot
    from commonweal.analytics.engine import Engine, Slice

    directory = workdir / "engine"
    directory.mkdir(exist_ok=True)
    for old in directory.glob("*"):
        old.unlink()
    timings: dict[str, float] = {}
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{snapshot.MEMORY_LIMIT}'")
    # The snapshot's requests, as a full refresh stores them beside the rollups: the same
    # rows, written the snapshot's way (its compression; the extraction's work, not timed).
    # The rebuild itself reads the file (a) and (b) read.
    snapshot._copy(
        con, f"SELECT * FROM read_parquet('{path}')", directory / "requests-000001.parquet"
    )
    began = time.perf_counter()
    snapshot.build_rollups(con, f"(SELECT *, 1 AS sign FROM read_parquet('{path}'))", directory, 1)
    manifest = snapshot.Manifest(
        segments=[1], cells=1, refreshed_at=f"{AS_OF.isoformat()}T00:00:00+00:00", generation=1
    )
    snapshot._write_manifest(directory, manifest)
    timings["rebuild"] = time.perf_counter() - began
    # the surveys, as a full refresh writes them after the rollups (not what (b) computes)
    with pa.memory_map(str(surveys_file(path))) as source:
        surveys = pa.ipc.open_file(source).read_all()
    began = time.perf_counter()
    snapshot.apply_surveys(con, manifest, directory, surveys, "postgresql", every=True)
    snapshot._write_manifest(directory, manifest)
    timings["surveys_full"] = time.perf_counter() - began
    timings["invitations"] = surveys.num_rows  # type: ignore[assignment]
    con.close()  # the refresh and the web processes are separate processes in production
    began = time.perf_counter()
    engine = Engine(directory)
    engine.sync()
    timings["load"] = time.perf_counter() - began
    where = Slice(start=start, end=end)
    began = time.perf_counter()
    answer = engine_dashboard(engine, where)
    timings["dashboard"] = time.perf_counter() - began

    # every query the engine runs is timed: a slice's slowest single KPI query, and the whole
    # dashboard (all its KPIs) for that slice
    spent: list[float] = []
    plain_query = engine.query

    def timed_query(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return plain_query(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - began)

    engine.query = timed_query
    slice_times = []
    for name, piece in typical_slices():
        runs = []
        for _ in range(REPEATS):  # a serving process answers the same kinds of slice again
            spent.clear()
            began = time.perf_counter()
            # what the dashboard page asks for, worked out each time (not the figures a
            # process keeps for a slice between refreshes)
            report.dashboard.__wrapped__(engine, piece)
            runs.append((time.perf_counter() - began, max(spent), len(spent)))
        whole, slowest, queries = sorted(runs)[len(runs) // 2]  # the median run
        slice_times.append((name, whole, slowest, queries))
    engine.query = plain_query
    timings["slices"] = slice_times  # type: ignore[assignment]

    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{snapshot.MEMORY_LIMIT}'")
    # incremental: 5,000 old requests close or change, 5,000 new ones arrive (made up first;
    # the clock runs from when the refresh has them, as it has them from the database)
    changed = (
        con.sql(
            f"""SELECT * REPLACE (
                     CASE WHEN closed_at IS NULL THEN timezone('UTC', TIMESTAMP '2026-10-31 12:00') ELSE closed_at END AS closed_at,
                     CASE WHEN closed_day IS NULL THEN DATE '2026-10-31' ELSE closed_day END AS closed_day,
                     'closed' AS status, CASE WHEN outcome = '' THEN 'resolved' ELSE outcome END AS outcome,
                     reopened + 1 AS reopened)
              FROM read_parquet('{path}') USING SAMPLE {CHANGES // 2} ROWS (reservoir, 7)
            UNION ALL
            SELECT * REPLACE (id + 100000000 AS id) FROM read_parquet('{path}') USING SAMPLE {CHANGES // 2} ROWS (reservoir, 8)"""
        )
        .to_arrow_table()
        .cast(rollups.REQUESTS_SCHEMA)
    )
    con.register("surveys", surveys)
    con.register("changed", changed)
    changed_surveys = survey_changes(con, "surveys", "changed")
    began = time.perf_counter()
    snapshot.apply_increment(con, manifest, directory, changed, changed_surveys, "postgresql")
    timings["incremental_write"] = time.perf_counter() - began
    manifest.generation += 1
    snapshot._write_manifest(directory, manifest)
    engine.sync()
    timings["incremental"] = time.perf_counter() - began
    timings["survey_changes"] = changed_surveys.num_rows  # type: ignore[assignment]

    # as every refresh did before: every invitation read again, every process reloading them
    # (the peak is taken before it: the comparison holds every invitation twice over)
    peak = peak_mib()
    every = con.sql(
        "SELECT * FROM surveys WHERE id NOT IN (SELECT id FROM changed_surveys)"
        " UNION ALL SELECT * FROM changed_surveys"
    ).to_arrow_table()
    began = time.perf_counter()
    snapshot.apply_surveys(con, manifest, directory, every, "postgresql", every=True)
    manifest.generation += 1
    snapshot._write_manifest(directory, manifest)
    engine.sync()
    timings["surveys_whole"] = time.perf_counter() - began
    return {"answer": answer, "timings": timings, "peak_mib": peak}


def surveys_file(requests: Path) -> Path:
    return requests.with_name(requests.stem + "-surveys.arrow")


def typical_slices() -> list[tuple[str, Any]]:
    from commonweal.analytics.engine import Slice

    day = dt.timedelta(days=1)
    last = AS_OF - day
    return [
        ("city, last 7 days", Slice(start=last - 6 * day, end=last)),
        ("city, last 90 days", Slice(start=last - 89 * day, end=last)),
        ("city, last year", Slice(start=last - 364 * day, end=last)),
        ("city, all three years", Slice(start=START, end=last)),
        (
            "streets, last quarter",
            Slice(start=dt.date(2026, 7, 1), end=dt.date(2026, 9, 30), department="streets"),
        ),
        (
            "sanitation, last 30 days",
            Slice(start=last - 29 * day, end=last, department="sanitation"),
        ),
        ("district 3, last year", Slice(start=last - 364 * day, end=last, district="3")),
        ("one service, last year", Slice(start=last - 364 * day, end=last, service="streets-0")),
        ("phone channel, last 90 days", Slice(start=last - 89 * day, end=last, channel="phone")),
        (
            "water in district 5, 90 days",
            Slice(start=last - 89 * day, end=last, department="water", district="5"),
        ),
    ]


# --- comparison and the run --------------------------------------------------------------------


def differences(expected: Any, got: Any, where: str = "") -> list[str]:
    """Counts must be equal; floats within 1 %."""
    if isinstance(expected, dict):
        problems = []
        if set(expected) != set(got):
            return [f"{where}: keys differ ({len(set(expected) ^ set(got))} not shared)"]
        for key in expected:
            problems += differences(expected[key], got[key], f"{where}/{key}")
        return problems
    if isinstance(expected, list):
        return [p for a, b in zip(expected, got, strict=True) for p in differences(a, b, where)]
    if isinstance(expected, float) or isinstance(got, float):
        if expected is None or got is None:
            return [] if expected is got else [f"{where}: {expected} vs {got}"]
        return (
            []
            if abs(got - expected) <= 0.01 * abs(expected) + 1e-9
            else [f"{where}: {expected} vs {got}"]
        )
    return [] if expected == got else [f"{where}: {expected} vs {got}"]


def peak_mib() -> float:
    """This process's own peak resident memory (VmHWM; ru_maxrss would include the parent's
    peak, which a forked child inherits)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(variant: str, path: Path, workdir: Path) -> None:
    """Run one variant and print its answer and timings as JSON."""
    start, end = START, AS_OF - dt.timedelta(days=1)
    began = time.perf_counter()
    if variant == "pandas":
        out: dict[str, Any] = {"answer": pandas_dashboard(path, start, end)}
        out["answer"].pop("_np")
    elif variant == "duckdb":
        out = {"answer": duckdb_dashboard(path, start, end)}
    else:
        out = run_engine(path, start, end, workdir)
    out["seconds"] = time.perf_counter() - began
    out.setdefault("peak_mib", peak_mib())
    print(json.dumps(out, default=str))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commonweal.settings")
    import django

    django.setup()
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="commonweal-analytics-"))
    workdir.mkdir(parents=True, exist_ok=True)
    for rows in args.rows:
        path = workdir / f"requests-{rows}.parquet"
        began = time.perf_counter()
        if not path.exists():
            generate(rows, path)
        if not surveys_file(path).exists():
            generate_surveys(path, surveys_file(path))
        print(
            f"\n== {rows:,} requests ({path.stat().st_size / 2**20:,.0f} MiB Parquet, made in {time.perf_counter() - began:.1f} s)"
        )
        results = {}
        for variant in ("engine", "duckdb", "pandas"):
            answer = subprocess.run(
                [sys.executable, __file__, "--child", variant, str(path), str(workdir)],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            results[variant] = json.loads(answer.stdout.strip().splitlines()[-1])
        report_size(results)


def report_size(results: dict[str, Any]) -> None:
    engine = results["engine"]
    timings = engine["timings"]
    row = "{:<44} {:>10} {:>12}"
    print(row.format("", "seconds", "peak MiB"))
    print(
        row.format(
            "(a) pandas, full dashboard",
            f"{results['pandas']['seconds']:.2f}",
            f"{results['pandas']['peak_mib']:,.0f}",
        )
    )
    print(
        row.format(
            "(b) hand-written DuckDB, full dashboard",
            f"{results['duckdb']['seconds']:.2f}",
            f"{results['duckdb']['peak_mib']:,.0f}",
        )
    )
    print(
        row.format(
            "(c) engine: full rebuild of the rollups",
            f"{timings['rebuild']:.2f}",
            f"{engine['peak_mib']:,.0f}",
        )
    )
    print(row.format("    loading the rollups (once per process)", f"{timings['load']:.2f}", ""))
    print(row.format("    the same full dashboard", f"{timings['dashboard']:.3f}", ""))
    print(
        row.format(
            f"    surveys written, {timings['invitations']:,} invitations",
            f"{timings['surveys_full']:.2f}",
            "",
        )
    )
    print(
        row.format(
            f"    incremental refresh, {CHANGES:,} changes + {timings['survey_changes']:,} survey rows",
            f"{timings['incremental']:.2f}",
            "",
        )
    )
    print(
        row.format(
            "      of which the segments written",
            f"{timings['incremental_write']:.2f}",
            "",
        )
    )
    print(
        row.format(
            "      of which the engine picking them up",
            f"{timings['incremental'] - timings['incremental_write']:.2f}",
            "",
        )
    )
    print(
        row.format(
            "    baseline: the surveys read whole and reloaded",
            f"{timings['surveys_whole']:.2f}",
            "",
        )
    )
    print(
        row.format("    ten typical slices (median of 3): whole dashboard / slowest query", "", "")
    )
    for name, seconds, slowest, queries in timings["slices"]:
        print(
            row.format(
                f"      {name}",
                f"{seconds * 1000:.0f} ms",
                f"{slowest * 1000:.0f} ms ({queries} q)",
            )
        )
    worst = max(slowest for _, _, slowest, _ in timings["slices"])
    whole = max(seconds for _, seconds, _, _ in timings["slices"])
    print(
        f"slowest single KPI query {worst * 1000:.0f} ms, slowest whole dashboard {whole * 1000:.0f} ms (target < 100 ms)"
    )
    for other in ("duckdb", "pandas"):
        problems = differences(
            results["pandas"]["answer"] if other == "duckdb" else results["duckdb"]["answer"],
            results[other]["answer"],
        )
        print(
            f"(a) vs (b) agree: {'yes' if not problems else problems[:5]}"
            if other == "duckdb"
            else "",
            end="",
        )
    problems = differences(results["pandas"]["answer"], engine["answer"])
    print(
        f"\n(a) vs (c) agree (counts exact, percentiles within 1 %): {'yes' if not problems else problems[:8]}"
    )


if __name__ == "__main__":
    main()
