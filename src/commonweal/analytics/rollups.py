"""What each request contributes to the rollups, as DuckDB SQL over Arrow.

The rollups are additive: every figure is a sum, so a request that changed is handled by adding
its new contribution and subtracting its old one (`sign` -1), and segments written at different
refreshes are simply summed when read.

`daily` — one row per day x jurisdiction x department x service x district x channel:
  on the request's *created* day: `created`, `duplicates`, `first_contact` (resolved at first
  contact, see FIRST_CONTACT), `open_now` (still open at the refresh);
  on its *closed* day: `closed`, `resolved`, `reopened` (closed requests that had been reopened);
  on its *due* day: `due` (requests with a resolve-by time that day), `met` (of those, closed
  with a resolving outcome by that time — the charter's rule, `cases.performance`).
Days are calendar days in the jurisdiction's time zone.

`hist` — resolution-time histograms per day x … x channel x measure x bin: `measure` is
'close' (requested → closed, on the closed day) or 'ack' (requested → acknowledged, on the
acknowledged day); `bin` is ⌊log(seconds) / log(RATIO)⌋, so a bin's geometric middle is within
1 % of any time in it and percentiles read from the histogram are within 1 % of exact.
"""

from __future__ import annotations

import math

import duckdb
import pyarrow as pa

#: width of a histogram bin, as the ratio of its upper to its lower edge
RATIO = 1.02
#: a request resolved within this many seconds of being made, never reopened, was resolved
#: at the first contact (the agent answered it on the call, at the counter, in the chat)
FIRST_CONTACT = 15 * 60
#: outcomes that count as resolving the problem (`cases.models.RESOLVING_OUTCOMES`)
RESOLVING = ("resolved",)

DIMENSIONS = ("jurisdiction", "department", "service", "district", "channel")
#: the times the histograms measure: requested -> closed, requested -> acknowledged
MEASURES = ("close", "ack")

REQUESTS_SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("jurisdiction", pa.string()),
        ("department", pa.string()),
        ("service", pa.string()),
        ("district", pa.string()),
        ("channel", pa.string()),
        ("priority", pa.string()),
        ("status", pa.string()),
        ("outcome", pa.string()),
        ("requested_at", pa.timestamp("us", tz="UTC")),
        ("acknowledged_at", pa.timestamp("us", tz="UTC")),
        ("closed_at", pa.timestamp("us", tz="UTC")),
        ("resolve_due", pa.timestamp("us", tz="UTC")),
        ("duplicate", pa.bool_()),
        ("reopened", pa.int32()),
        ("created_day", pa.date32()),
        ("ack_day", pa.date32()),
        ("closed_day", pa.date32()),
        ("due_day", pa.date32()),
    ]
)

DAILY_COUNTS = (
    "created",
    "duplicates",
    "first_contact",
    "open_now",
    "closed",
    "resolved",
    "reopened",
    "due",
    "met",
)


def bin_value(bin_number: int) -> float:
    """The seconds a bin stands for: its geometric middle."""
    return float(RATIO ** (bin_number + 0.5))


def utc(column: str, vendor: str) -> str:
    """SQL reading an extracted time as TIMESTAMPTZ: PostgreSQL's are typed; SQLite's are
    Django's UTC text, '' for none."""
    if vendor == "postgresql":
        return f"CAST({column} AS TIMESTAMPTZ)"
    return f"timezone('UTC', CAST(NULLIF({column}, '') AS TIMESTAMP))"


def canonical(raw: pa.Table, vendor: str) -> pa.Table:
    """Turn the extract's rows into the snapshot's typed columns, with local calendar days."""
    if raw.num_rows == 0:
        return REQUESTS_SCHEMA.empty_table()

    def ts(column: str) -> str:
        return utc(column, vendor)

    def day(column: str) -> str:
        return f"CAST(timezone(time_zone, {column}) AS DATE)"

    sql = f"""
        WITH typed AS (
          SELECT CAST(id AS BIGINT) AS id, jurisdiction, time_zone, department, service,
                 NULLIF(district, '') AS district, channel, priority, status, outcome,
                 {ts("requested_at")} AS requested_at,
                 {ts("acknowledged_at")} AS acknowledged_at,
                 {ts("closed_at")} AS closed_at,
                 {ts("resolve_due")} AS resolve_due,
                 CAST(duplicate AS BOOLEAN) AS duplicate,
                 CAST(reopened AS INTEGER) AS reopened
            FROM raw)
        SELECT * EXCLUDE (time_zone),
               {day("requested_at")} AS created_day,
               {day("acknowledged_at")} AS ack_day,
               {day("closed_at")} AS closed_day,
               {day("resolve_due")} AS due_day
          FROM typed
    """
    with duckdb.connect() as con:
        con.register("raw", raw)
        return con.sql(sql).to_arrow_table().cast(REQUESTS_SCHEMA)


def _dims() -> str:
    return ", ".join(DIMENSIONS)


def _seconds(later: str, earlier: str) -> str:
    return f"GREATEST(1, epoch({later}) - epoch({earlier}))"


def daily_sql(source: str) -> str:
    """Signed daily contributions of the requests in relation `source` (columns of
    REQUESTS_SCHEMA plus `sign`): rows for the created, closed and due days, each summed over
    its own day and dimensions (a day can have one row of each kind; readers sum)."""
    resolving = ", ".join(f"'{o}'" for o in RESOLVING)
    first_contact = (
        f"outcome IN ({resolving}) AND reopened = 0 AND closed_at IS NOT NULL"
        f" AND epoch(closed_at) - epoch(requested_at) <= {FIRST_CONTACT}"
    )
    met = f"outcome IN ({resolving}) AND closed_at <= resolve_due"

    def sums(figures: dict[str, str]) -> str:
        return ", ".join(
            f"CAST(sum({figures[c]}) AS INTEGER) AS {c}" if c in figures else f"0 AS {c}"
            for c in DAILY_COUNTS
        )

    def part(day: str, figures: dict[str, str]) -> str:
        nonzero = " OR ".join(f"sum({expression}) <> 0" for expression in figures.values())
        return (
            f"SELECT {day} AS day, {_dims()}, {sums(figures)} FROM {source}"
            f" WHERE {day} IS NOT NULL GROUP BY ALL HAVING {nonzero}"
        )

    when = "CASE WHEN {} THEN sign ELSE 0 END"
    created = {
        "created": "sign",
        "duplicates": "sign * CAST(duplicate AS INTEGER)",
        "first_contact": when.format(first_contact),
        "open_now": when.format("closed_at IS NULL"),
    }
    closed = {
        "closed": "sign",
        "resolved": when.format(f"outcome IN ({resolving})"),
        "reopened": when.format("reopened > 0"),
    }
    due = {"due": "sign", "met": when.format(met)}
    return " UNION ALL ".join(
        [part("created_day", created), part("closed_day", closed), part("due_day", due)]
    )


def hist_sql(source: str, *, aggregate: bool = True) -> str:
    """Signed histogram contributions of the requests in relation `source`. A full build
    (`aggregate=False`) keeps one row per request and measure: at the grain of a day and
    every dimension, 1 %-wide bins hardly ever share a row, so summing would only cost."""
    log_ratio = math.log(RATIO)

    def part(measure: str, day: str, later: str) -> str:
        bin_expr = f"CAST(floor(ln({_seconds(later, 'requested_at')}) / {log_ratio!r}) AS SMALLINT)"
        return (
            f"SELECT {day} AS day, {_dims()}, '{measure}' AS measure, {bin_expr} AS bin,"
            f" CAST(sign AS INTEGER) AS n FROM {source}"
            f" WHERE {later} IS NOT NULL AND {later} >= requested_at"
        )

    union = " UNION ALL ".join(
        [part("close", "closed_day", "closed_at"), part("ack", "ack_day", "acknowledged_at")]
    )
    if not aggregate:
        return union
    return (
        f"SELECT day, {_dims()}, measure, bin, CAST(sum(n) AS INTEGER) AS n"
        f" FROM ({union}) GROUP BY ALL HAVING sum(n) <> 0"
    )


def contributions(
    con: duckdb.DuckDBPyConnection, added: pa.Table, removed: pa.Table | None = None
) -> tuple[pa.Table, pa.Table]:
    """The daily and histogram rows that adding `added` and removing `removed` amount to."""
    con.register("added", added)
    con.register("removed", removed if removed is not None else REQUESTS_SCHEMA.empty_table())
    con.execute(
        "CREATE OR REPLACE TEMP VIEW signed AS "
        "SELECT *, 1 AS sign FROM added UNION ALL SELECT *, -1 AS sign FROM removed"
    )
    daily = con.sql(daily_sql("signed")).to_arrow_table()
    hist = con.sql(hist_sql("signed", aggregate=removed is not None)).to_arrow_table()
    con.execute("DROP VIEW signed")
    con.unregister("added")
    con.unregister("removed")
    return daily, hist
