"""Answer dashboard slices from the rollups, with DuckDB, without scanning requests.

An `Engine` holds the rollup segments of one snapshot in an in-memory DuckDB database and
follows the manifest: after an incremental refresh it loads only the new segments; after a
rebuild or a compaction, all of them. Each process keeps one (`current_engine`).

A `Slice` is what a dashboard shows: a period of whole days (in each jurisdiction's zone) and
optional filters; `by` names the dimension to break figures down by. Methods return small
pandas frames that the KPI functions (`kpis`) turn into figures.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from commonweal.analytics import rollups, snapshot

BREAKDOWNS = ("department", "service", "district", "channel")


@dataclass(frozen=True)
class Slice:
    """A period (first and last day, both included) and optional filters."""

    start: dt.date | None = None
    end: dt.date | None = None
    department: str | None = None
    service: str | None = None
    district: str | None = None
    channel: str | None = None
    jurisdiction: str | None = None

    def narrowed(self, **changes: Any) -> Slice:
        return replace(self, **changes)

    def where(self, *, period: bool = True) -> tuple[str, list[Any]]:
        """SQL conditions and parameters for this slice."""
        clauses: list[str] = []
        params: list[Any] = []
        for name in ("jurisdiction", "department", "service", "district", "channel"):
            value = getattr(self, name)
            if value is not None:
                clauses.append(f"{name} = ?")
                params.append(value)
        if period and self.start is not None:
            clauses.append("day >= ?")
            params.append(self.start)
        if self.end is not None:
            clauses.append("day <= ?")
            params.append(self.end)
        return (" AND ".join(clauses) or "TRUE"), params


def _group(by: str | None) -> tuple[str, str]:
    if by is None:
        return "", ""
    if by not in BREAKDOWNS:
        raise ValueError(f"cannot break down by {by!r}; choose from {', '.join(BREAKDOWNS)}")
    return f"{by}, ", f"GROUP BY {by}"


class Engine:
    """The rollups of one snapshot directory, loaded into DuckDB."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.con = duckdb.connect()
        self.loaded: list[int] = []
        self.manifest = snapshot.Manifest()
        self.lock = threading.Lock()
        self._create_tables()

    def _create_tables(self) -> None:
        dims = ", ".join(f"{d} VARCHAR" for d in rollups.DIMENSIONS)
        counts = ", ".join(f"{c} INTEGER" for c in rollups.DAILY_COUNTS)
        self.con.execute(f"CREATE OR REPLACE TABLE daily (day DATE, {dims}, {counts})")
        self.con.execute(
            f"CREATE OR REPLACE TABLE hist (day DATE, {dims}, measure VARCHAR,"
            " bin SMALLINT, n INTEGER)"
        )
        self.con.execute(
            f"CREATE OR REPLACE TABLE surveys (id BIGINT, {dims}, day DATE,"
            " submitted_at TIMESTAMPTZ, form VARCHAR, answers VARCHAR)"
        )
        self.loaded = []

    def sync(self) -> snapshot.Manifest:
        """Follow the manifest: load new segments, or everything after a rebuild."""
        manifest = snapshot.read_manifest(self.directory)
        with self.lock:
            if manifest.generation == self.manifest.generation and self.manifest.segments:
                return self.manifest
            fresh = manifest.segments[: len(self.loaded)] != self.loaded
            if fresh:
                self._create_tables()
            new = [n for n in manifest.segments if n not in self.loaded]
            if new:
                files = lambda kind: [  # noqa: E731
                    str(self.directory / f"{kind}-{n:06d}.parquet") for n in new
                ]
                # sorted by day, so a period's filter skips whole row groups (zone maps)
                for table in ("daily", "hist"):
                    self.con.execute(
                        f"INSERT INTO {table} BY NAME SELECT * FROM"
                        f" read_parquet({files(table)!r}) ORDER BY day"
                    )
            self.con.execute("DELETE FROM surveys")
            if manifest.surveys is not None:
                path = self.directory / f"surveys-{manifest.surveys:06d}.parquet"
                self.con.execute(
                    f"INSERT INTO surveys BY NAME SELECT * FROM read_parquet('{path}')"
                )
            self.loaded = list(manifest.segments)
            self.manifest = manifest
        return manifest

    @property
    def as_of(self) -> dt.date | None:
        """The day of the last refresh: standards due from that day on are not yet judged."""
        if not self.manifest.refreshed_at:
            return None
        return dt.datetime.fromisoformat(self.manifest.refreshed_at).date()

    def query(self, sql: str, params: list[Any]) -> pd.DataFrame:
        cursor = self.con.cursor()
        try:
            return cursor.execute(sql, params).df()
        finally:
            cursor.close()

    # --- slices ------------------------------------------------------------------------------

    def counts(self, where: Slice, by: str | None = None) -> pd.DataFrame:
        """Daily counts summed over the slice; `due`/`met` only for days already past."""
        key, group = _group(by)
        condition, params = where.where()
        as_of = self.as_of or dt.date.max
        sums = ", ".join(
            f"CAST(COALESCE(sum(CASE WHEN day < ? THEN {c} ELSE 0 END), 0) AS BIGINT) AS {c}"
            if c in ("due", "met")
            else f"CAST(COALESCE(sum({c}), 0) AS BIGINT) AS {c}"
            for c in rollups.DAILY_COUNTS
            if c != "open_now"
        )
        return self.query(
            f"SELECT {key}{sums} FROM daily WHERE {condition} {group} ORDER BY 1",
            [as_of, as_of, *params],
        )

    def by_district_and_service(self, where: Slice) -> pd.DataFrame:
        """Due and met per district x service: what the equity comparison needs."""
        condition, params = where.where()
        as_of = self.as_of or dt.date.max
        return self.query(
            "SELECT district, service,"
            " CAST(sum(CASE WHEN day < ? THEN due ELSE 0 END) AS BIGINT) AS due,"
            " CAST(sum(CASE WHEN day < ? THEN met ELSE 0 END) AS BIGINT) AS met,"
            " CAST(sum(created) AS BIGINT) AS created"
            f" FROM daily WHERE {condition} GROUP BY ALL ORDER BY 1, 2",
            [as_of, as_of, *params],
        )

    def backlog(self, where: Slice, by: str | None = None) -> pd.DataFrame:
        """Requests open at the end of the slice (all created by then, less all closed)."""
        key, group = _group(by)
        condition, params = where.where(period=False)
        return self.query(
            f"SELECT {key}CAST(COALESCE(sum(created) - sum(closed), 0) AS BIGINT) AS open"
            f" FROM daily WHERE {condition} {group} ORDER BY 1",
            params,
        )

    def open_ages(self, where: Slice) -> pd.DataFrame:
        """Requests open now by the day they were made (for the backlog's age)."""
        condition, params = where.narrowed(start=None, end=None).where(period=False)
        return self.query(
            "SELECT day, CAST(sum(open_now) AS BIGINT) AS open FROM daily"
            f" WHERE {condition} GROUP BY day HAVING sum(open_now) > 0 ORDER BY day",
            params,
        )

    def histogram(self, where: Slice, measure: str, by: str | None = None) -> pd.DataFrame:
        """Bins and counts of one measure ('close' or 'ack') over the slice."""
        key, group = _group(by)
        condition, params = where.where()
        group = f"GROUP BY {key}bin" if by else "GROUP BY bin"
        return self.query(
            f"SELECT {key}bin, CAST(sum(n) AS BIGINT) AS n FROM hist"
            f" WHERE measure = ? AND {condition} {group} HAVING sum(n) > 0 ORDER BY {key}bin",
            [measure, *params],
        )

    def weekly(self, where: Slice) -> pd.DataFrame:
        """Per week (starting Monday): requests made, due, met."""
        condition, params = where.where()
        as_of = self.as_of or dt.date.max
        return self.query(
            "SELECT date_trunc('week', day)::DATE AS week, CAST(sum(created) AS BIGINT) AS created,"
            " CAST(sum(CASE WHEN day < ? THEN due ELSE 0 END) AS BIGINT) AS due,"
            " CAST(sum(CASE WHEN day < ? THEN met ELSE 0 END) AS BIGINT) AS met"
            f" FROM daily WHERE {condition} GROUP BY week ORDER BY week",
            [as_of, as_of, *params],
        )

    def weekly_histogram(self, where: Slice, measure: str = "close") -> pd.DataFrame:
        condition, params = where.where()
        return self.query(
            "SELECT date_trunc('week', day)::DATE AS week, bin, CAST(sum(n) AS BIGINT) AS n"
            f" FROM hist WHERE measure = ? AND {condition} GROUP BY ALL HAVING sum(n) > 0"
            " ORDER BY week, bin",
            [measure, *params],
        )

    def survey_answers(self, where: Slice) -> pd.DataFrame:
        """Invitations sent in the slice, with their form and answers (JSON) when answered."""
        condition, params = where.where()
        return self.query(
            f"SELECT id, form, answers FROM surveys WHERE {condition} ORDER BY id", params
        )


_engines: dict[Path, Engine] = {}
_engines_lock = threading.Lock()


def current_engine(directory: Path | None = None) -> Engine:
    """This process's engine for the snapshot directory, brought up to date."""
    directory = directory or snapshot.analytics_dir()
    with _engines_lock:
        engine = _engines.get(directory)
        if engine is None:
            engine = _engines[directory] = Engine(directory)
    engine.sync()
    return engine
