"""What each request contributes to the rollups, as DuckDB SQL over Arrow.

The rollups are additive: every figure is a sum, so a request that changed is handled by adding
its new contribution and subtracting its old one (`sign` -1), and segments written at different
refreshes are simply summed when read.

A *cell* is one combination of jurisdiction x department x service x district x channel,
numbered once (`extend_cells`; numbers never change).

`daily` — one row per day and cell:
  on the request's *created* day: `created`, `duplicates`, `first_contact` (resolved at first
  contact, see FIRST_CONTACT), `open_now` (still open at the refresh);
  on its *closed* day: `closed`, `resolved`, `reopened` (closed requests that had been reopened);
  on its *due* day: `due` (requests with a resolve-by time that day), `met` (of those, closed
  with a resolving outcome by that time — the charter's rule, `cases.performance`).
Days are calendar days in the jurisdiction's time zone.

`hist` — resolution-time histograms per day, cell, measure and bin: `measure` is 0 for
'close' (requested → closed, on the closed day) and 1 for 'ack' (requested → acknowledged, on
the acknowledged day); `bin` is ⌊log(seconds) / log(RATIO)⌋, so a bin's geometric middle is within
1 % of any time in it and percentiles read from the histogram are within 1 % of exact.
"""

from __future__ import annotations

import math

import duckdb
import pyarrow as pa

#: the version of these rules (what a request contributes, and how): a snapshot written
#: under other rules is rebuilt whole at its next refresh, since an incremental segment
#: subtracts a changed request's old contribution as these rules reckon it. 2: times
#: between two moments in whole microseconds (`_microseconds`), not as differences of
#: `epoch` seconds, which are doubles and round
RULES = 2
#: width of a histogram bin, as the ratio of its upper to its lower edge
RATIO = 1.02
#: a request resolved within this many seconds of being made, never reopened, was resolved
#: at the first contact (the agent answered it on the call, at the counter, in the chat)
FIRST_CONTACT = 15 * 60
#: outcomes that count as resolving the problem (`cases.models.RESOLVING_OUTCOMES`)
RESOLVING = ("resolved",)
#: the survey form answered with scores of 1-5 (the other forms are tick boxes)
SCORED_FORM = "a11-2019"
#: A-11 drivers whose 1-5 answers make the satisfaction index (ACSI-style: satisfaction,
#: the need met — against expectations — and confidence, the closest A-11 has to "ideal")
INDEX_DRIVERS = ("satisfaction", "effectiveness", "confidence")

DIMENSIONS = ("jurisdiction", "department", "service", "district", "channel")
#: the times the histograms measure (numbered in this order): requested -> closed,
#: requested -> acknowledged
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


def canonical_sql(vendor: str, relation: str = "raw") -> str:
    """SQL turning the extract's rows (relation `relation`) into the snapshot's typed columns
    (REQUESTS_SCHEMA, in its order), with local calendar days."""

    def ts(column: str) -> str:
        return utc(column, vendor)

    def day(column: str) -> str:
        return f"CAST(timezone(time_zone, {column}) AS DATE)"

    return f"""
        WITH typed AS (
          SELECT CAST(id AS BIGINT) AS id, jurisdiction, time_zone, department, service,
                 NULLIF(district, '') AS district, channel, priority, status, outcome,
                 {ts("requested_at")} AS requested_at,
                 {ts("acknowledged_at")} AS acknowledged_at,
                 {ts("closed_at")} AS closed_at,
                 {ts("resolve_due")} AS resolve_due,
                 CAST(duplicate AS BOOLEAN) AS duplicate,
                 CAST(reopened AS INTEGER) AS reopened
            FROM {relation})
        SELECT * EXCLUDE (time_zone),
               {day("requested_at")} AS created_day,
               {day("acknowledged_at")} AS ack_day,
               {day("closed_at")} AS closed_day,
               {day("resolve_due")} AS due_day
          FROM typed
    """


def canonical(raw: pa.Table, vendor: str) -> pa.Table:
    """The extract's rows as the snapshot's typed columns, in memory (for small extracts)."""
    if raw.num_rows == 0:
        return REQUESTS_SCHEMA.empty_table()
    with duckdb.connect() as con:
        con.register("raw", raw)
        return con.sql(canonical_sql(vendor)).to_arrow_table().cast(REQUESTS_SCHEMA)


CELLS_SCHEMA = pa.schema([("cell", pa.int32()), *((name, pa.string()) for name in DIMENSIONS)])


def _dims(prefix: str = "") -> str:
    return ", ".join(f"{prefix}{d}" for d in DIMENSIONS)


def extend_cells(con: duckdb.DuckDBPyConnection, known: pa.Table, source: str) -> pa.Table:
    """The known cells (numbered combinations of the dimensions) and a new number for each
    combination in relation `source` not yet known. Numbers never change once given."""
    con.register("known_cells", known)
    dims = _dims()
    cells = con.sql(
        f"SELECT * FROM known_cells UNION ALL"
        f" SELECT CAST((SELECT COALESCE(max(cell), 0) FROM known_cells)"
        f" + row_number() OVER (ORDER BY {dims}) AS INTEGER) AS cell, {dims}"
        f" FROM (SELECT DISTINCT {dims} FROM {source} EXCEPT SELECT {dims} FROM known_cells)"
    ).to_arrow_table()
    con.unregister("known_cells")
    return cells.cast(CELLS_SCHEMA)


def facts_sql(source: str) -> str:
    """One narrow row per request of relation `source` (REQUESTS_SCHEMA plus `sign`), joined
    to relation `cells`: its cell, its days and what it counts for, its two binned times."""
    resolving = ", ".join(f"'{o}'" for o in RESOLVING)
    log_ratio = math.log(RATIO)

    def flag(condition: str) -> str:
        return f"CASE WHEN {condition} THEN r.sign ELSE 0 END"

    def binned(later: str) -> str:
        return (
            f"CASE WHEN r.{later} >= r.requested_at THEN CAST(floor(ln("
            f"{_seconds('r.' + later, 'r.requested_at')}) / {log_ratio!r}) AS SMALLINT) END"
        )

    joined = " AND ".join(f"c.{d} IS NOT DISTINCT FROM r.{d}" for d in DIMENSIONS)
    return f"""
        SELECT c.cell, r.sign, r.created_day, r.closed_day, r.due_day, r.ack_day,
               r.sign * CAST(r.duplicate AS INTEGER) AS duplicates,
               {
        flag(
            f"r.outcome IN ({resolving}) AND r.reopened = 0 AND r.closed_at IS NOT NULL"
            f" AND {_microseconds('r.closed_at', 'r.requested_at')} <= {FIRST_CONTACT * 10**6}"
        )
    }
                 AS first_contact,
               {flag("r.closed_at IS NULL")} AS open_now,
               {flag(f"r.outcome IN ({resolving})")} AS resolved,
               {flag("r.reopened > 0")} AS reopened,
               {flag(f"r.outcome IN ({resolving}) AND r.closed_at <= r.resolve_due")} AS met,
               {binned("closed_at")} AS close_bin,
               {binned("acknowledged_at")} AS ack_bin
          FROM {source} r JOIN cells c ON {joined}
    """


def _microseconds(later: str, earlier: str) -> str:
    """The exact time between two times, in whole microseconds (integers: a third cheaper than
    `epoch`'s seconds, which are doubles, and exact where those round)."""
    return f"(epoch_us({later}) - epoch_us({earlier}))"


def _seconds(later: str, earlier: str) -> str:
    return f"GREATEST(1, {_microseconds(later, earlier)} / 1000000)"


def daily_sql(facts: str, *, signed: bool = True) -> str:
    """Daily rows from relation `facts` (`facts_sql`): per cell, one row for the days requests
    were made, one for the days they closed, one for the days they fell due (readers sum)."""

    def total(column: str) -> str:
        # a full build's signs are all 1: counting the rows is cheaper than summing them
        # (three sums of 10M rows: about 0.12 s of a 2.6 s rebuild)
        return "count(*)" if column == "sign" and not signed else f"sum({column})"

    def part(day: str, figures: dict[str, str]) -> str:
        sums = ", ".join(
            f"CAST({total(figures[c])} AS INTEGER) AS {c}" if c in figures else f"0 AS {c}"
            for c in DAILY_COUNTS
        )
        rows = (
            f"SELECT {day} AS day, cell, {sums} FROM {facts} WHERE {day} IS NOT NULL GROUP BY ALL"
        )
        if not signed:  # every row counts at least one request: nothing to drop
            return rows
        # rows where a change's old and new contributions cancel out are dropped
        nonzero = " OR ".join(f"{c} <> 0" for c in figures)
        return f"SELECT * FROM ({rows}) WHERE {nonzero}"

    created = {c: c for c in ("duplicates", "first_contact", "open_now")} | {"created": "sign"}
    closed = {"closed": "sign", "resolved": "resolved", "reopened": "reopened"}
    due = {"due": "sign", "met": "met"}
    return " UNION ALL ".join(
        [part("created_day", created), part("closed_day", closed), part("due_day", due)]
    )


def hist_sql(facts: str, *, aggregate: bool = True) -> str:
    """Histogram rows from relation `facts`: day, cell, measure (0 close, 1 acknowledge —
    MEASURES), bin, n. A full build (`aggregate=False`) keeps one row per request and
    measure: at the grain of a day and a cell, 1 %-wide bins hardly ever share a row."""
    union = " UNION ALL ".join(
        f"SELECT {day} AS day, cell, CAST({number} AS UTINYINT) AS measure, {bin_column} AS bin,"
        f" sign AS n FROM {facts} WHERE {bin_column} IS NOT NULL"
        for number, (day, bin_column) in enumerate(
            (("closed_day", "close_bin"), ("ack_day", "ack_bin"))
        )
    )
    if not aggregate:
        return union
    return (
        "SELECT day, cell, measure, bin, CAST(sum(n) AS INTEGER) AS n"
        f" FROM ({union}) GROUP BY ALL HAVING sum(n) <> 0"
    )


def prepare_facts(con: duckdb.DuckDBPyConnection, cells: pa.Table, source: str) -> pa.Table:
    """Extend the cells by those of relation `source` and write temp table `facts` from it;
    return the cells (also registered as relation `cells`)."""
    cells = extend_cells(con, cells, source)
    con.register("cells", cells)
    con.execute(f"CREATE OR REPLACE TEMP TABLE facts AS {facts_sql(source)}")
    return cells


def contributions(
    con: duckdb.DuckDBPyConnection,
    cells: pa.Table,
    added: pa.Table,
    removed: pa.Table | None = None,
) -> tuple[pa.Table, pa.Table, pa.Table]:
    """The cells (extended by any new combination), and the daily and histogram rows that
    adding `added` and removing `removed` amount to."""
    con.register("added", added)
    con.register("removed", removed if removed is not None else REQUESTS_SCHEMA.empty_table())
    con.execute(
        "CREATE OR REPLACE TEMP VIEW signed AS "
        "SELECT *, 1 AS sign FROM added UNION ALL SELECT *, -1 AS sign FROM removed"
    )
    cells = prepare_facts(con, cells, "signed")
    daily = con.sql(daily_sql("facts", signed=removed is not None)).to_arrow_table()
    hist = con.sql(hist_sql("facts", aggregate=removed is not None)).to_arrow_table()
    for name in ("added", "removed", "cells"):
        con.unregister(name)
    con.execute("DROP VIEW signed")
    con.execute("DROP TABLE facts")
    return cells, daily, hist
