"""Answer dashboard slices from the rollups, with DuckDB, without scanning requests.

An `Engine` holds the rollup segments of one snapshot in an in-memory DuckDB database and
follows the manifest: after an incremental refresh it loads only the new segments; after a
rebuild or a compaction, all of them. Each process keeps one (`current_engine`).

A `Slice` is what a dashboard shows: a period of whole days (in each jurisdiction's zone) and
optional filters; `by` names the dimension to break figures down by. Methods return small
pandas frames that the KPI functions (`kpis`) turn into figures.

Tables, all additive (a query sums whatever rows fall in its period):
  daily, daily_m, daily_w                 counts per day / month / week and every dimension
  daily_mc, daily_wc, daily_ms, daily_ws  the same per month / week for the jurisdiction
                                          alone and per service (DAILY_TIERS)
  open_now                                the daily rows of requests still open (backlog age)
  close_hist, ack_hist                    histograms per day and every dimension
  close_hist_m, close_hist_w, ack_hist_m  the same per month / week, for jurisdiction,
                                          department and service only
  close_hist_mc, _mp, _md, _mh, _mpd, _wc…  the same for the jurisdiction alone, by
                                          department, district, channel, and (per month)
                                          department and district (HIST_TIERS)
  survey_counts, survey_answers           survey invitations and answers summed per day sent
                                          and every dimension (and question)
  survey_counts_m, _mc, _ms, survey_answers_m…  the same per month (SURVEY_TIERS)
A period is read as whole months or weeks from the coarse tables and its ragged ends from the
daily ones (`cover`), so a three-year slice reads three dozen monthly rows per cell instead
of a thousand daily ones. Coarse rows are used only for units that ended before the last
refresh's day, so that "due before the refresh" stays exact.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from django.conf import settings

from commonweal.analytics import rollups, snapshot

logger = logging.getLogger(__name__)

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
#: dimensions the coarse histograms keep (district and channel make them as large as the
#: daily ones: at the grain of 1 %-wide bins, rows hardly merge)
SERVICE_LEVEL = frozenset({"jurisdiction", "department", "service"})
#: the coarse tables' name suffix per unit of time
UNIT_SUFFIX = {"month": "_m", "week": "_w"}
#: the coarse histogram tables per unit (`_m` month, `_w` week), smallest first: table suffix
#: -> the dimensions they keep. Department x district is kept per month only (what a
#: district's figures by department read); per week it would be a third of the daily size.
_HIST_SMALL = {
    "c": ("jurisdiction",),
    "p": ("jurisdiction", "department"),
    "d": ("jurisdiction", "district"),
    "h": ("jurisdiction", "channel"),
}
_HIST_SERVICE = {"": tuple(d for d in rollups.DIMENSIONS if d in SERVICE_LEVEL)}
HIST_TIERS = {
    "_m": {**_HIST_SMALL, **_HIST_SERVICE, "pd": ("jurisdiction", "department", "district")},
    "_w": {**_HIST_SMALL, **_HIST_SERVICE},
}
#: the coarse count tables beside the full ones (`daily_m`, `daily_w`): suffix -> dimensions
#: kept (a city-wide slice reads one row per month or week instead of one per cell, a
#: slice by department or service one per service)
DAILY_TIERS = {
    "c": ("jurisdiction",),
    "s": tuple(d for d in rollups.DIMENSIONS if d in SERVICE_LEVEL),
    "": rollups.DIMENSIONS,
}
COUNTS = ", ".join(rollups.DAILY_COUNTS)
#: a group of daily rows that counts something. A full rebuild writes no row that counts
#: nothing, but an incremental refresh's signed rows can cancel out (a request moved to
#: another department, its due date to another week): a group left counting nothing is
#: dropped, so that an incremental snapshot answers as a rebuild does (no week of zeros in a
#: control chart, no department of zeros in a breakdown)
COUNTS_SOMETHING = "HAVING sum(created) <> 0 OR sum(closed) <> 0 OR sum(due) <> 0"
#: the survey sums' coarse tables: per month only, the same tiers as the counts
SURVEY_TIERS = {"_m": DAILY_TIERS, "_w": {}}
#: the survey tables: name -> their columns besides the day and the dimensions
SURVEY_TABLES = {
    "survey_counts": "invited INTEGER, responses INTEGER, index_responses INTEGER,"
    " index_total DOUBLE",
    "survey_answers": "scored BOOLEAN, driver VARCHAR, responses INTEGER, total DOUBLE,"
    " agree INTEGER",
}
#: columns of the rollups that are not summed but kept apart (with the day and dimensions)
KEYS = ("bin", "scored", "driver")


def cover(
    start: dt.date, end: dt.date, unit: str, before: dt.date
) -> list[tuple[str, dt.date, dt.date]]:
    """Split [start, end] into ('day', …) ranges and at most one ('unit', …) range of whole
    months or weeks that end before `before`."""
    if start > end:
        return []
    if unit == "month":
        first = (
            start
            if start.day == 1
            else (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        )
        limit = min(end, before - dt.timedelta(days=1)) + dt.timedelta(days=1)
        stop = limit.replace(day=1)  # the first day after the last whole month
    else:
        first = start + dt.timedelta(days=(7 - start.weekday()) % 7)
        limit = min(end, before - dt.timedelta(days=1)) + dt.timedelta(days=1)
        stop = limit - dt.timedelta(days=limit.weekday())
    if first >= stop:
        return [("day", start, end)]
    pieces = [("unit", first, stop - dt.timedelta(days=1))]
    if start < first:
        pieces.insert(0, ("day", start, first - dt.timedelta(days=1)))
    if stop <= end:
        pieces.append(("day", stop, end))
    return pieces


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
        self.cursor_lock = threading.Lock()
        self.codes: dict[str, dict[str | None, int]] = {name: {} for name in rollups.DIMENSIONS}
        self._create_tables()

    def _create_tables(self) -> None:
        dims = ", ".join(f"{d} USMALLINT" for d in rollups.DIMENSIONS)
        counts = ", ".join(f"{c} INTEGER" for c in rollups.DAILY_COUNTS)
        self.con.execute(f"CREATE OR REPLACE TABLE daily (day DATE, {dims}, {counts})")
        for suffix in UNIT_SUFFIX.values():
            for tier, keys in DAILY_TIERS.items():
                coded = ", ".join(f"{d} USMALLINT" for d in keys)
                self.con.execute(
                    f"CREATE OR REPLACE TABLE daily{suffix}{tier} (day DATE, {coded}, {counts})"
                )
        self.con.execute(f"CREATE OR REPLACE TABLE open_now (day DATE, {dims}, open INTEGER)")
        for measure in rollups.MEASURES:
            self.con.execute(
                f"CREATE OR REPLACE TABLE {measure}_hist"
                f" (day DATE, {dims}, bin SMALLINT, n INTEGER)"
            )
            for suffix in UNIT_SUFFIX.values():
                for tier, keys in HIST_TIERS[suffix].items():
                    coded = ", ".join(f"{d} USMALLINT" for d in keys)
                    self.con.execute(
                        f"CREATE OR REPLACE TABLE {measure}_hist{suffix}{tier}"
                        f" (day DATE, {coded}, bin SMALLINT, n INTEGER)"
                    )
        for table, (kind, keys) in self._survey_tables().items():
            coded = ", ".join(f"{d} USMALLINT" for d in keys)
            self.con.execute(
                f"CREATE OR REPLACE TABLE {table} (day DATE, {coded}, {SURVEY_TABLES[kind]})"
            )
        self.con.execute(f"CREATE OR REPLACE TABLE cells (cell INTEGER, {dims})")
        self.loaded = []
        self.loaded_surveys: list[int] = []

    def _learn_cells(self, path: Path, codes: dict[str, dict[str | None, int]]) -> None:
        """Code each dimension value (codes already given stay) and load the new cells."""
        cells = pd.read_parquet(path)
        known = set(self.con.execute("SELECT cell FROM cells").fetchnumpy()["cell"].tolist())
        cells = cells[~cells["cell"].isin(known)]
        for name in rollups.DIMENSIONS:
            given = codes[name]
            for value in cells[name]:
                key = None if pd.isna(value) else value
                if key not in given:
                    given[key] = len(given) + 1
            cells[name] = [given[None if pd.isna(v) else v] for v in cells[name]]
        self.con.register("new_cells", cells)
        self.con.execute("INSERT INTO cells BY NAME SELECT * FROM new_cells")
        self.con.unregister("new_cells")

    def _load(self, segments: list[int]) -> None:
        """Add segments' rows to the daily tables and to the coarse ones."""

        def files(kind: str) -> str:
            return repr([str(self.directory / f"{kind}-{n:06d}.parquet") for n in segments])

        dims = ", ".join(f"c.{d}" for d in rollups.DIMENSIONS)
        daily = self._insert(
            "daily",
            f"SELECT r.day, {dims}, {COUNTS}"
            f" FROM read_parquet({files('daily')}) r JOIN cells c USING (cell)",
        )
        self.con.execute(
            f"INSERT INTO open_now SELECT day, {', '.join(rollups.DIMENSIONS)}, open_now"
            f" FROM {daily} WHERE open_now <> 0"
        )
        self._add_coarse(daily, "daily", {s: DAILY_TIERS for s in UNIT_SUFFIX.values()})
        self.con.execute("DROP TABLE IF EXISTS new_daily")  # freed before the histograms load
        for number, measure in enumerate(rollups.MEASURES):
            table = f"{measure}_hist"
            hist = self._insert(
                table,
                f"SELECT r.day, {dims}, r.bin, r.n FROM read_parquet({files('hist')}) r"
                f" JOIN cells c USING (cell) WHERE r.measure = {number}",
            )
            self._add_coarse(hist, table, HIST_TIERS)
            self.con.execute(f"DROP TABLE IF EXISTS new_{table}")

    def _insert(self, table: str, rows: str) -> str:
        """Add the rows of query `rows` to `table`; return a relation of just those rows: the
        table itself on a first load, which then writes ten million rows once instead of
        twice. A first load is written in day order, so that a period's filter skips whole
        row groups; a later segment's few rows are not sorted: they span every day they
        changed and land in one row group whatever their order (sorting them took a tenth of
        picking up 10,000 changes)."""
        if self.con.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,):
            self.con.execute(f"INSERT INTO {table} {rows} ORDER BY day")
            return table
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE new_{table} AS {rows}")
        self.con.execute(f"INSERT INTO {table} SELECT * FROM new_{table}")
        return f"new_{table}"

    def _add_coarse(
        self, new: str, table: str, tiers: dict[str, dict[str, tuple[str, ...]]]
    ) -> None:
        """Add the daily rows of relation `new` to `table`'s coarse tables (`tiers`: suffix
        -> tier -> dimensions kept). On a first load (`new` is the table itself: millions of
        rows) each tier is summed from the smallest one already summed that keeps its
        dimensions, a hundredth of the rows, where the daily rows would be read a dozen times
        over; a later segment's few rows are summed into every tier directly (half as many
        statements: 220 against 260 ms to add 10,000 changes at 10M)."""
        described = self.con.table(table)
        types = dict(zip(described.columns, described.types, strict=True))
        columns = [c for c in described.columns if c not in rollups.DIMENSIONS]
        figures = [c for c in columns if c not in ("day", *KEYS)]
        sums = ", ".join(f"CAST(sum({c}) AS {types[c]}) AS {c}" for c in figures)
        grouped = [c for c in columns if c in KEYS]
        in_order = " ORDER BY day" if new == table else ""  # as `_insert` orders them
        for unit, suffix in UNIT_SUFFIX.items():
            order = (
                summing_order(tiers[suffix])
                if new == table
                else [(tier, None) for tier in tiers[suffix]]
            )
            sources = {source for _, source in order if source is not None}
            for tier, source in order:
                name = f"{table}{suffix}{tier}"
                keys = ", ".join([*tiers[suffix][tier], *grouped])
                origin = new if source is None else f"new_{table}{suffix}{source}"
                rows = (
                    f"SELECT date_trunc('{unit}', day)::DATE AS day, {keys}, {sums}"
                    f" FROM {origin} GROUP BY ALL"
                )
                if tier in sources:  # kept for the smaller tiers summed from it
                    self.con.execute(f"CREATE OR REPLACE TEMP TABLE new_{name} AS {rows}")
                    rows = f"SELECT * FROM new_{name}"
                self.con.execute(f"INSERT INTO {name} BY NAME {rows}{in_order}")
            for tier in sources:
                self.con.execute(f"DROP TABLE new_{table}{suffix}{tier}")

    def sync(self, *, reload: bool = True) -> snapshot.Manifest:
        """Follow the manifest: load new segments; after a rebuild or a compaction, reload
        everything — or, with `reload=False`, raise Stale and leave the loaded tables as they
        are (`current_engine` then builds a fresh engine while this one goes on answering).
        A refresh that lands meanwhile may remove the files just listed: then read the
        manifest again."""
        for attempt in range(3):
            try:
                return self._sync(reload)
            except (duckdb.IOException, FileNotFoundError):
                if attempt == 2 or not reload:
                    raise
                with self.lock:
                    self._create_tables()
                    self.codes = {name: {} for name in rollups.DIMENSIONS}
                    self.manifest = snapshot.Manifest()
        raise AssertionError("unreachable")

    def _sync(self, reload: bool) -> snapshot.Manifest:
        manifest = snapshot.read_manifest(self.directory)
        with self.lock:
            if manifest.generation == self.manifest.generation and self.manifest.segments:
                return self.manifest
            codes = {name: dict(given) for name, given in self.codes.items()}
            if manifest.segments[: len(self.loaded)] != self.loaded:
                if not reload:
                    raise Stale(self.directory)
                self._create_tables()
                codes = {name: {} for name in rollups.DIMENSIONS}
            new = [n for n in manifest.segments if n not in self.loaded]
            with self._adding(onto=bool(self.loaded)):
                if new and manifest.cells is not None:
                    cells = self.directory / f"cells-{manifest.cells:06d}.parquet"
                    self._learn_cells(cells, codes)
                    self._load(new)
                self._load_surveys(manifest)
            self.codes = codes
            self.loaded = list(manifest.segments)
            self.manifest = manifest
        return manifest

    @contextmanager
    def _adding(self, *, onto: bool) -> Iterator[None]:
        """Add segments `onto` tables that pages are reading in one transaction, so that a
        query sees every table with the refresh or every one without it, never some of each
        (a first load is not read until it ends, and held whole in a transaction it would
        take twice the memory)."""
        if not onto:
            yield
            return
        self.con.begin()
        try:
            yield
        except BaseException:
            self.con.rollback()
            raise
        self.con.commit()

    @staticmethod
    def _survey_tables() -> dict[str, tuple[str, tuple[str, ...]]]:
        """The survey tables: name -> (which of SURVEY_TABLES, the dimensions kept)."""
        tables: dict[str, tuple[str, tuple[str, ...]]] = {}
        for kind in SURVEY_TABLES:
            tables[kind] = (kind, rollups.DIMENSIONS)
            for suffix, tiers in SURVEY_TIERS.items():
                tables.update(
                    {f"{kind}{suffix}{tier}": (kind, keys) for tier, keys in tiers.items()}
                )
        return tables

    def _load_surveys(self, manifest: snapshot.Manifest) -> None:
        """Follow the manifest's survey segments: add the sums of the new ones, or load them
        all again when the refresh read every invitation anew. A segment's sums are what its
        invitations contribute less what the rows they replace did (`snapshot.apply_surveys`),
        so a page sums a few rows per cell and month instead of every answer."""
        loaded = self.loaded_surveys
        if manifest.surveys[: len(loaded)] != loaded:
            for table in self._survey_tables():
                self.con.execute(f"DELETE FROM {table}")
            loaded = []
        for number in manifest.surveys[len(loaded) :]:
            self._load_survey_segment(number, manifest)
            loaded = [*loaded, number]
        self.loaded_surveys = loaded

    def _load_survey_segment(self, number: int, manifest: snapshot.Manifest) -> None:
        """Add a survey segment's sums to the survey tables and their monthly tiers. A
        snapshot written before the refresh summed them has them summed here, from its
        invitations (`snapshot.survey_counts_sql`)."""
        surveys = self.directory / f"surveys-{number:06d}.parquet"
        sources = {
            table: f"read_parquet('{snapshot.kind_path(surveys, table)}')"
            for table in SURVEY_TABLES
        }
        if not snapshot.kind_path(surveys, "survey_counts").exists():
            columns = ", ".join(snapshot.SURVEY_SCHEMA.names)
            self.con.execute(
                f"CREATE OR REPLACE TEMP TABLE old_surveys AS SELECT {columns}"
                f" FROM read_parquet('{surveys}')"
            )
            items = f"({snapshot.survey_items_sql('old_surveys')})"
            self.con.execute(
                "CREATE OR REPLACE TEMP TABLE old_signed AS SELECT *, 1 AS sign"
                f" FROM ({snapshot.surveys_with_index_sql('old_surveys', items)})"
            )
            cells = f"read_parquet('{self.directory / f'cells-{manifest.cells:06d}.parquet'}')"
            sources = {
                "survey_counts": f"({snapshot.survey_counts_sql('old_signed', cells)})",
                "survey_answers": "("
                + snapshot.survey_answers_sql(
                    f"({snapshot.survey_items_sql('old_signed', signed=True)})", cells
                )
                + ")",
            }
        dims = ", ".join(f"c.{d}" for d in rollups.DIMENSIONS)
        for table, source in sources.items():
            figures = ", ".join(
                f"r.{c}"
                for c in self.con.table(table).columns
                if c not in ("day", *rollups.DIMENSIONS)
            )
            new = self._insert(
                table, f"SELECT r.day, {dims}, {figures} FROM {source} r JOIN cells c USING (cell)"
            )
            self._add_coarse(new, table, SURVEY_TIERS)
            self.con.execute(f"DROP TABLE IF EXISTS new_{table}")
        self.con.execute("DROP TABLE IF EXISTS old_surveys")
        self.con.execute("DROP TABLE IF EXISTS old_signed")

    @property
    def as_of(self) -> dt.date | None:
        """The day of the last refresh (`snapshot.refresh_day`): standards due from that day on
        are not yet judged. A snapshot written before the day was noted gives its UTC date."""
        if self.manifest.refreshed_on:
            return dt.date.fromisoformat(self.manifest.refreshed_on)
        if not self.manifest.refreshed_at:
            return None
        return dt.datetime.fromisoformat(self.manifest.refreshed_at).date()

    def _filters(self, piece: Slice) -> tuple[list[str], list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        for name in rollups.DIMENSIONS:
            value = getattr(piece, name)
            if value is not None:
                clauses.append(f"{name} = ?")
                params.append(self.codes[name].get(value, UNKNOWN))
        return clauses, params

    def relation(
        self,
        table: str,
        columns: str,
        piece: Slice,
        ranges: list[tuple[dt.date, dt.date]],
        unit: str = "month",
        tier: str | None = "",
    ) -> tuple[str, list[Any]]:
        """SQL for the rows of `table` (`columns`) matching the slice's filters in each of
        `ranges`, from the coarse table (`table` + unit + `tier`; None: none) wherever whole
        units allow."""
        clauses, values = self._filters(piece)
        condition = " AND ".join([*clauses, "day BETWEEN ? AND ?"])
        suffix = UNIT_SUFFIX[unit]
        before = self.as_of or dt.date.max
        parts: list[str] = []
        params: list[Any] = []
        for first, last in ranges:
            for level, a, b in (
                cover(first, last, unit, before) if tier is not None else [("day", first, last)]
            ):
                name = f"{table}{suffix}{tier}" if level == "unit" else table
                parts.append(f"SELECT day, {columns} FROM {name} WHERE {condition}")
                params += [*values, a, b]
        if not parts:
            return f"SELECT day, {columns} FROM {table} WHERE FALSE", []
        return " UNION ALL ".join(parts), params

    def query(self, sql: str, params: list[Any], decode: tuple[str, ...] = ()) -> pd.DataFrame:
        """Run a query; turn the coded columns named in `decode` back into their values."""
        with self.cursor_lock:  # the connection hands out cursors one at a time
            cursor = self.con.cursor()
        try:
            frame = cursor.execute(sql, params).df()
        finally:
            cursor.close()
        for name in decode:
            frame[name] = self._decoded(name, frame[name])
        return frame

    def _decoded(self, name: str, codes: pd.Series) -> Any:
        """The values of dimension `name` that `codes` stand for (objects; None for a code
        given to no value): one array lookup when every code is a known small integer."""
        given = self.codes[name]
        raw = codes.to_numpy()
        if raw.dtype.kind in "iu" and (len(raw) == 0 or 0 <= raw.min() <= raw.max() <= len(given)):
            values = np.full(len(given) + 1, None, dtype=object)
            for value, code in given.items():
                values[code] = value
            return values[raw]
        names = {code: value for value, code in given.items()}
        return codes.map(names).astype(object)

    def _daily_tier(self, where: Slice, by: str | None = None) -> str:
        """The smallest coarse count table that keeps what the slice filters or groups by."""
        return _smallest_tier(DAILY_TIERS, where, by) or ""  # "": the full tables

    def _period(self, piece: Slice) -> tuple[dt.date, dt.date]:
        return piece.start or dt.date(1900, 1, 1), piece.end or dt.date(9999, 12, 30)

    # --- slices ------------------------------------------------------------------------------

    def counts(self, where: Slice, by: str | None = None) -> pd.DataFrame:
        """Daily counts summed over the slice (`due`/`met` only for days already past), and
        `open_at_end`: what is open now (the `open_now` table) less what was made after the
        last day, plus what was closed after it. Only the period and the days after it are
        read, never the history before it."""
        key, group = _group(by)
        start, end = self._period(where)
        as_of = self.as_of or dt.date.max
        tier = self._daily_tier(where, by)
        period, period_params = self.relation(
            "daily",
            ", ".join([*([by] if by else []), COUNTS]),
            where,
            [(start, end)],
            tier=tier,
        )
        later, later_params = self.relation(
            "daily",
            f"{key}created, closed, due",
            where,
            [(end + dt.timedelta(days=1), dt.date(9999, 12, 30))],
            tier=tier,
        )
        clauses, filter_params = self._filters(where)
        sums = ", ".join(
            f"CAST(COALESCE(sum({c}) FILTER (day < ?), 0) AS BIGINT) AS {c}"
            if c in ("due", "met")
            else f"CAST(COALESCE(sum({c}), 0) AS BIGINT) AS {c}"
            for c in rollups.DAILY_COUNTS
            if c != "open_now"
        )
        as_of_params = [as_of for c in rollups.DAILY_COUNTS if c in ("due", "met")]
        counting, open_counting = (COUNTS_SOMETHING, "HAVING sum(open) <> 0") if by else ("", "")
        pieces = (
            f"(SELECT {key}{sums} FROM ({period}) {group} {counting}) p",
            f"(SELECT {key}COALESCE(sum(open), 0) AS open FROM open_now"
            f" WHERE {' AND '.join(clauses) or 'TRUE'} {group} {open_counting}) o",
            f"(SELECT {key}COALESCE(sum(created - closed), 0) AS later FROM ({later}) {group}"
            f" {counting}) l",
        )
        if by:
            source = (
                f"{pieces[0]} FULL JOIN {pieces[1]} USING ({by}) FULL JOIN {pieces[2]} USING ({by})"
            )
            values = ", ".join(
                f"COALESCE({c}, 0) AS {c}" for c in rollups.DAILY_COUNTS if c != "open_now"
            )
        else:
            source = ", ".join(pieces)
            values = ", ".join(c for c in rollups.DAILY_COUNTS if c != "open_now")
        frame = self.query(
            f"SELECT {key}{values},"
            " CAST(COALESCE(open, 0) - COALESCE(later, 0) AS BIGINT) AS open_at_end"
            f" FROM {source}",
            [*as_of_params, *period_params, *filter_params, *later_params],
            decode=(by,) if by else (),
        )
        return frame.sort_values(by).reset_index(drop=True) if by else frame

    def volume(self, where: Slice, by: str) -> pd.DataFrame:
        """Requests made in the slice per `by` (what Pareto and reporting rates need)."""
        key, group = _group(by)
        source, params = self.relation(
            "daily", f"{by}, created, closed, due", where, [self._period(where)]
        )
        frame = self.query(
            f"SELECT {key}CAST(sum(created) AS BIGINT) AS requests FROM ({source}) {group}"
            f" {COUNTS_SOMETHING}",
            params,
            decode=(by,),
        )
        return frame.sort_values(by).reset_index(drop=True)

    def by_district_and_service(self, where: Slice) -> pd.DataFrame:
        """Requests made, due and met per district x service: what the equity comparison
        needs (and, summed per service, what Pareto does)."""
        as_of = self.as_of or dt.date.max
        source, params = self.relation(
            "daily", "district, service, created, closed, due, met", where, [self._period(where)]
        )
        frame = self.query(
            "SELECT district, service, CAST(sum(created) AS BIGINT) AS requests,"
            " CAST(sum(due) FILTER (day < ?) AS BIGINT) AS due,"
            " CAST(sum(met) FILTER (day < ?) AS BIGINT) AS met"
            f" FROM ({source}) GROUP BY ALL {COUNTS_SOMETHING}",
            [as_of, as_of, *params],
            decode=("district", "service"),
        )
        frame = frame.fillna({"requests": 0, "due": 0, "met": 0})
        return frame.sort_values(["district", "service"], na_position="last").reset_index(drop=True)

    def open_ages(self, where: Slice) -> pd.DataFrame:
        """Requests open now by the day they were made (for the backlog's age)."""
        clauses, params = self._filters(where)
        return self.query(
            "SELECT day, CAST(sum(open) AS BIGINT) AS open FROM open_now"
            f" WHERE {' AND '.join(clauses) or 'TRUE'} GROUP BY day HAVING sum(open) > 0"
            " ORDER BY day",
            params,
        )

    def _hist_source(
        self, measure: str, where: Slice, columns: str, unit: str, by: str | None = None
    ) -> tuple[str, list[Any]]:
        tier = _smallest_tier(HIST_TIERS[UNIT_SUFFIX[unit]], where, by)
        return self.relation(
            f"{_measure(measure)}_hist", columns, where, [self._period(where)], unit, tier
        )

    def histograms(self, where: Slice, by: str | None = None) -> pd.DataFrame:
        """Bins and counts of both measures over the slice (column `measure`)."""
        key, _ = _group(by)
        parts, params = [], []
        for measure in rollups.MEASURES:
            source, values = self._hist_source(measure, where, f"{key}bin, n", "month", by)
            parts.append(
                f"SELECT '{measure}' AS measure, {key}bin, CAST(sum(n) AS BIGINT) AS n"
                f" FROM ({source}) GROUP BY ALL HAVING sum(n) > 0"
            )
            params += values
        return self.query(" UNION ALL ".join(parts), params, decode=(by,) if by else ())

    def weekly(self, where: Slice) -> pd.DataFrame:
        """Per week (starting Monday): requests made, due, met."""
        as_of = self.as_of or dt.date.max
        source, params = self.relation(
            "daily",
            "created, closed, due, met",
            where,
            [self._period(where)],
            "week",
            self._daily_tier(where),
        )
        return self.query(
            "SELECT date_trunc('week', day)::DATE AS week, CAST(sum(created) AS BIGINT) AS created,"
            " CAST(sum(due) FILTER (day < ?) AS BIGINT) AS due,"
            " CAST(sum(met) FILTER (day < ?) AS BIGINT) AS met"
            f" FROM ({source}) GROUP BY week {COUNTS_SOMETHING} ORDER BY week",
            [as_of, as_of, *params],
        ).fillna({"due": 0, "met": 0})

    def weekly_histogram(self, where: Slice, measure: str = "close") -> pd.DataFrame:
        source, params = self._hist_source(measure, where, "bin, n", "week")
        return self.query(
            "SELECT date_trunc('week', day)::DATE AS week, bin, CAST(sum(n) AS BIGINT) AS n"
            f" FROM ({source}) GROUP BY ALL HAVING sum(n) > 0",
            params,
        )

    def survey_sums(self, where: Slice) -> tuple[pd.DataFrame, pd.DataFrame]:
        """What the survey KPIs need, summed over the invitations sent in the slice.

        Per driver (`scored`: of the scored form, rollups.SCORED_FORM, answered 1-5;
        otherwise a tick box, 0 or 1; other values are not counted): `responses`, `total`
        (the sum of the scores, or how many ticked it) and `agree` (scores of 4 or 5). And one
        row of totals: `invited`, `responses`, and over the scored responses with a number
        for any of rollups.INDEX_DRIVERS, how many (`index_responses`) and the sum of their
        means rescaled to 0-100 ((mean - 1) / 4 x 100: `index_total`)."""
        tier = self._daily_tier(where)
        period = [self._period(where)]
        answers, params = self.relation(
            "survey_answers", "scored, driver, responses, total, agree", where, period, tier=tier
        )
        drivers = self.query(
            "SELECT scored, driver, CAST(sum(responses) AS BIGINT) AS responses,"
            " sum(total) AS total, CAST(sum(agree) AS BIGINT) AS agree"
            f" FROM ({answers}) GROUP BY ALL HAVING sum(responses) > 0"
            " ORDER BY scored DESC, driver",
            params,
        )
        counts, params = self.relation(
            "survey_counts",
            "invited, responses, index_responses, index_total",
            where,
            period,
            tier=tier,
        )
        totals = self.query(
            "SELECT CAST(COALESCE(sum(invited), 0) AS BIGINT) AS invited,"
            " CAST(COALESCE(sum(responses), 0) AS BIGINT) AS responses,"
            " CAST(COALESCE(sum(index_responses), 0) AS BIGINT) AS index_responses,"
            f" COALESCE(sum(index_total), 0) AS index_total FROM ({counts})",
            params,
        )
        return drivers, totals


def summing_order(tiers: dict[str, tuple[str, ...]]) -> list[tuple[str, str | None]]:
    """The coarse tiers (smallest first) in the order to sum them, largest first, each with
    the smallest tier summed before it that keeps all its dimensions (None: no such tier;
    sum the daily rows)."""
    order: list[tuple[str, str | None]] = []
    for tier in reversed(tiers):
        done = {summed for summed, _ in order}
        source = next((t for t in tiers if t in done and set(tiers[tier]) < set(tiers[t])), None)
        order.append((tier, source))
    return order


def _smallest_tier(tiers: dict[str, tuple[str, ...]], where: Slice, by: str | None) -> str | None:
    """The first (smallest) coarse tier that keeps every dimension the slice filters or
    groups by; None when none does."""
    needed = {n for n in rollups.DIMENSIONS if getattr(where, n) is not None} | (
        {by} if by else set()
    )
    return next((tier for tier, keys in tiers.items() if needed <= set(keys)), None)


def _measure(name: str) -> str:
    if name not in rollups.MEASURES:
        raise ValueError(f"no histogram of {name!r}")
    return name


class Stale(Exception):
    """The snapshot was rebuilt or compacted since this engine loaded it."""


_engines: dict[Path, Engine] = {}
_engines_lock = threading.Lock()
#: the loads running in the background, each with the event set when it ends
_building: dict[Path, threading.Event] = {}
#: how long a request waits for its process's first load of the rollups before it answers
#: that the figures are being prepared: a small city's rollups load in a blink, a city of ten
#: million requests takes 11 to 20 s (on one core, as a server process loads them), longer
#: than a request should hang (and, at a larger city, longer than gunicorn lets a worker be
#: silent before it kills it)
FIRST_LOAD_WAIT = 2.0
#: Background loads of one snapshot take turns across processes (a lock file beside it): the
#: workers of a server that has just started would otherwise all load at once and take both
#: cores from the requests. The loading thread keeps its normal priority: at the lowest one
#: (tried), it was left waiting for the CPU while it held Python's interpreter lock, and the
#: requests of its process waited with it (API calls of 200 to 700 ms after a start).
LOAD_LOCK = ".load.lock"


def current_engine(directory: Path | None = None) -> Engine:
    """This process's engine for the snapshot directory, brought up to date (loading it here
    if this process has none yet: for commands). After a rebuild or a compaction the old engine
    goes on answering (its tables are whole, if a refresh behind) while a fresh one loads in
    the background and then takes its place."""
    directory = directory or snapshot.analytics_dir()
    with _engines_lock:
        engine = _engines.get(directory)
        if engine is None:
            engine = _engines[directory] = Engine(directory)
    try:
        engine.sync(reload=engine.manifest.empty)
    except Stale:
        _load_in_background(directory)
    return engine


def ready_engine(directory: Path | None = None) -> Engine | None:
    """For a request: this process's engine, brought up to date, or None while the process
    loads the rollups for the first time — in the background, so that no request waits more
    than FIRST_LOAD_WAIT for it. After a load that failed, the request loads here, and fails
    with the error (the background thread has logged it too)."""
    directory = directory or snapshot.analytics_dir()
    with _engines_lock:
        engine = _engines.get(directory)
    # an engine that holds nothing (there was no snapshot when it loaded) stands only while
    # there is still none: the first snapshot, maybe of a whole imported history, loads like a
    # first load
    loaded = engine is not None and (
        not engine.manifest.empty or snapshot.read_manifest(directory).empty
    )
    if not loaded and not _load_in_background(directory).wait(FIRST_LOAD_WAIT):
        return None
    return current_engine(directory)


def preload() -> threading.Event | None:
    """Start loading the rollups in the background when there is a snapshot (a server
    process calls this as it starts, so that the first dashboard finds them loaded); return
    the event set when that load ends, or None when there is nothing to load or the
    installation chose to load at the first dashboard (`COMMONWEAL_ANALYTICS_PRELOAD`)."""
    directory = snapshot.analytics_dir()
    if not settings.COMMONWEAL_ANALYTICS_PRELOAD or snapshot.read_manifest(directory).empty:
        return None
    return _load_in_background(directory)


def _load_in_background(directory: Path) -> threading.Event:
    """Load a fresh engine on a thread of its own and then put it in place; one load per
    directory at a time. Return the event set when the load ends."""
    with _engines_lock:
        running = _building.get(directory)
        if running is not None:
            return running
        done = _building[directory] = threading.Event()

    def load() -> None:
        try:
            with snapshot.exclusive(directory, LOAD_LOCK):
                fresh = Engine(directory)
                # DuckDB works on the calling thread alone: the load on one core, leaving the
                # other to the server's requests; a page's queries still run side by side,
                # each on a thread of the page's own (a page costs about the same).
                fresh.con.execute("SET threads = 1")
                fresh.sync()
            with _engines_lock:
                _engines[directory] = fresh
        except Exception:  # the next request loads in its turn, and fails where it can be seen
            logger.exception("loading the analytics rollups of %s failed", directory)
        finally:
            with _engines_lock:
                del _building[directory]
            done.set()

    threading.Thread(target=load, name="engine-load", daemon=True).start()
    return done
