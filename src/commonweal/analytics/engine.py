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


def _group(by: str | None) -> tuple[str, str]:
    if by is None:
        return "", ""
    if by not in BREAKDOWNS:
        raise ValueError(f"cannot break down by {by!r}; choose from {', '.join(BREAKDOWNS)}")
    return f"{by}, ", f"GROUP BY {by}"


#: stands for a filter value the snapshot has never seen: matches nothing
UNKNOWN = 65535


class Engine:
    """The rollups of one snapshot directory, loaded into DuckDB.

    The dimensions are stored as small integer codes (`codes`), which DuckDB filters and
    groups several times faster than text; the histograms of the two measures are separate
    tables, sorted by day so that a period's filter skips whole row groups."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.con = duckdb.connect()
        self.loaded: list[int] = []
        self.manifest = snapshot.Manifest()
        self.lock = threading.Lock()
        self.codes: dict[str, dict[str | None, int]] = {}
        self._create_tables()

    def _create_tables(self) -> None:
        dims = ", ".join(f"{d} USMALLINT" for d in rollups.DIMENSIONS)
        counts = ", ".join(f"{c} INTEGER" for c in rollups.DAILY_COUNTS)
        self.con.execute(f"CREATE OR REPLACE TABLE daily (day DATE, {dims}, {counts})")
        for measure in rollups.MEASURES:
            self.con.execute(
                f"CREATE OR REPLACE TABLE {measure}_hist"
                f" (day DATE, {dims}, bin SMALLINT, n INTEGER)"
            )
        names = ", ".join(f"{d} VARCHAR" for d in rollups.DIMENSIONS)
        self.con.execute(
            f"CREATE OR REPLACE TABLE surveys (id BIGINT, {names}, day DATE,"
            " submitted_at TIMESTAMPTZ, form VARCHAR, answers VARCHAR)"
        )
        for name in rollups.DIMENSIONS:
            self.con.execute(
                f"CREATE OR REPLACE TABLE codes_{name} (value VARCHAR, code USMALLINT)"
            )
        self.codes = {name: {} for name in rollups.DIMENSIONS}
        self.loaded = []

    def _learn_codes(self, files: list[str]) -> None:
        """Give every dimension value in `files` a code, keeping the codes already given."""
        for name in rollups.DIMENSIONS:
            seen = self.con.execute(
                f"SELECT DISTINCT COALESCE({name}, '') FROM read_parquet({files!r}) ORDER BY 1"
            ).fetchall()
            known = self.codes[name]
            new = [value for (value,) in seen if (value or None) not in known]
            for value in new:
                known[value or None] = len(known) + 1
            if new:
                self.con.executemany(
                    f"INSERT INTO codes_{name} VALUES (?, ?)",
                    [[value, known[value or None]] for value in new],
                )

    def _insert(self, table: str, files: list[str], columns: str, where: str = "TRUE") -> None:
        joins = " ".join(
            f"JOIN codes_{d} ON codes_{d}.value = COALESCE(r.{d}, '')" for d in rollups.DIMENSIONS
        )
        codes = ", ".join(f"codes_{d}.code AS {d}" for d in rollups.DIMENSIONS)
        self.con.execute(
            f"INSERT INTO {table} BY NAME SELECT r.day, {codes}, {columns}"
            f" FROM read_parquet({files!r}) r {joins} WHERE {where} ORDER BY r.day"
        )

    def sync(self) -> snapshot.Manifest:
        """Follow the manifest: load new segments, or everything after a rebuild."""
        manifest = snapshot.read_manifest(self.directory)
        with self.lock:
            if manifest.generation == self.manifest.generation and self.manifest.segments:
                return self.manifest
            if manifest.segments[: len(self.loaded)] != self.loaded:
                self._create_tables()
            new = [n for n in manifest.segments if n not in self.loaded]
            if new:
                daily = [str(self.directory / f"daily-{n:06d}.parquet") for n in new]
                hist = [str(self.directory / f"hist-{n:06d}.parquet") for n in new]
                self._learn_codes(daily + hist)
                counts = ", ".join(f"r.{c}" for c in rollups.DAILY_COUNTS)
                self._insert("daily", daily, counts)
                for measure in rollups.MEASURES:
                    self._insert(f"{measure}_hist", hist, "r.bin, r.n", f"r.measure = '{measure}'")
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

    def where(self, piece: Slice, *, period: bool = True) -> tuple[str, list[Any]]:
        """SQL conditions (on the coded tables) and parameters for a slice."""
        clauses: list[str] = []
        params: list[Any] = []
        for name in rollups.DIMENSIONS:
            value = getattr(piece, name)
            if value is not None:
                clauses.append(f"{name} = ?")
                params.append(self.codes[name].get(value, UNKNOWN))
        if period and piece.start is not None:
            clauses.append("day >= ?")
            params.append(piece.start)
        if piece.end is not None:
            clauses.append("day <= ?")
            params.append(piece.end)
        return (" AND ".join(clauses) or "TRUE"), params

    def query(self, sql: str, params: list[Any], decode: tuple[str, ...] = ()) -> pd.DataFrame:
        """Run a query; turn the coded columns named in `decode` back into their values."""
        cursor = self.con.cursor()
        try:
            frame = cursor.execute(sql, params).df()
        finally:
            cursor.close()
        for name in decode:
            names = {code: value for value, code in self.codes[name].items()}
            frame[name] = frame[name].map(names).astype(object)
        return frame

    # --- slices ------------------------------------------------------------------------------

    def counts(self, where: Slice, by: str | None = None) -> pd.DataFrame:
        """Daily counts summed over the slice (`due`/`met` only for days already past), and
        `open_at_end`: everything made by the last day less everything closed by then."""
        key, group = _group(by)
        condition, params = self.where(where, period=False)
        start = where.start or dt.date.min
        as_of = self.as_of or dt.date.max
        sums = ", ".join(
            f"CAST(COALESCE(sum({c}) FILTER (day >= ? AND day < ?), 0) AS BIGINT) AS {c}"
            if c in ("due", "met")
            else f"CAST(COALESCE(sum({c}) FILTER (day >= ?), 0) AS BIGINT) AS {c}"
            for c in rollups.DAILY_COUNTS
            if c != "open_now"
        )
        values = [
            v
            for c in rollups.DAILY_COUNTS
            if c != "open_now"
            for v in ([start, as_of] if c in ("due", "met") else [start])
        ]
        frame = self.query(
            f"SELECT {key}{sums}, CAST(COALESCE(sum(created) - sum(closed), 0) AS BIGINT)"
            f" AS open_at_end FROM daily WHERE {condition} {group}",
            [*values, *params],
            decode=(by,) if by else (),
        )
        return frame.sort_values(by).reset_index(drop=True) if by else frame

    def by_district_and_service(self, where: Slice) -> pd.DataFrame:
        """Due and met per district x service: what the equity comparison needs."""
        condition, params = self.where(where)
        as_of = self.as_of or dt.date.max
        frame = self.query(
            "SELECT district, service,"
            " CAST(sum(CASE WHEN day < ? THEN due ELSE 0 END) AS BIGINT) AS due,"
            " CAST(sum(CASE WHEN day < ? THEN met ELSE 0 END) AS BIGINT) AS met,"
            " CAST(sum(created) AS BIGINT) AS created"
            f" FROM daily WHERE {condition} GROUP BY ALL",
            [as_of, as_of, *params],
            decode=("district", "service"),
        )
        return frame.sort_values(["district", "service"], na_position="last").reset_index(drop=True)

    def open_ages(self, where: Slice) -> pd.DataFrame:
        """Requests open now by the day they were made (for the backlog's age)."""
        condition, params = self.where(where.narrowed(start=None, end=None), period=False)
        return self.query(
            "SELECT day, CAST(sum(open_now) AS BIGINT) AS open FROM daily"
            f" WHERE {condition} GROUP BY day HAVING sum(open_now) > 0 ORDER BY day",
            params,
        )

    def histograms(self, where: Slice, by: str | None = None) -> pd.DataFrame:
        """Bins and counts of both measures over the slice (column `measure`)."""
        key, _ = _group(by)
        condition, params = self.where(where)
        parts = " UNION ALL ".join(
            f"SELECT '{measure}' AS measure, {key}bin, CAST(sum(n) AS BIGINT) AS n"
            f" FROM {measure}_hist WHERE {condition} GROUP BY ALL HAVING sum(n) > 0"
            for measure in rollups.MEASURES
        )
        return self.query(parts, params * len(rollups.MEASURES), decode=(by,) if by else ())

    def weekly(self, where: Slice) -> pd.DataFrame:
        """Per week (starting Monday): requests made, due, met."""
        condition, params = self.where(where)
        as_of = self.as_of or dt.date.max
        return self.query(
            "SELECT date_trunc('week', day)::DATE AS week, CAST(sum(created) AS BIGINT) AS created,"
            " CAST(sum(CASE WHEN day < ? THEN due ELSE 0 END) AS BIGINT) AS due,"
            " CAST(sum(CASE WHEN day < ? THEN met ELSE 0 END) AS BIGINT) AS met"
            f" FROM daily WHERE {condition} GROUP BY week ORDER BY week",
            [as_of, as_of, *params],
        )

    def weekly_histogram(self, where: Slice, measure: str = "close") -> pd.DataFrame:
        condition, params = self.where(where)
        return self.query(
            "SELECT date_trunc('week', day)::DATE AS week, bin, CAST(sum(n) AS BIGINT) AS n"
            f" FROM {_measure(measure)}_hist WHERE {condition} GROUP BY ALL HAVING sum(n) > 0",
            params,
        )

    def survey_answers(self, where: Slice) -> pd.DataFrame:
        """Invitations sent in the slice, with their form and answers (JSON) when answered."""
        clauses = ["TRUE"]
        params: list[Any] = []
        for name in rollups.DIMENSIONS:
            if getattr(where, name) is not None:
                clauses.append(f"{name} = ?")
                params.append(getattr(where, name))
        for test, value in (("day >= ?", where.start), ("day <= ?", where.end)):
            if value is not None:
                clauses.append(test)
                params.append(value)
        return self.query(
            f"SELECT id, form, answers FROM surveys WHERE {' AND '.join(clauses)} ORDER BY id",
            params,
        )


def _measure(name: str) -> str:
    if name not in rollups.MEASURES:
        raise ValueError(f"no histogram of {name!r}")
    return name


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
