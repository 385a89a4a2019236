"""The columnar snapshot: requests, rollups and survey answers as Parquet in the data directory.

Layout (`settings.COMMONWEAL_ANALYTICS_DIR`, by default `<data dir>/analytics`):
  requests-NNNNNN.parquet  the requests extracted at refresh NNNNNN (a full rebuild holds all,
                           an incremental refresh only those the case log touched since)
  daily-NNNNNN.parquet     signed contributions to the daily counts (`rollups`)
  hist-NNNNNN.parquet      signed contributions to the resolution-time histograms
  cells-NNNNNN.parquet     the numbered cells the rollups refer to (the latest list)
  surveys-NNNNNN.parquet   survey invitations and answers, each scored response's index (a
                           full refresh holds all, a later one the invitations that may have
                           changed since: their rows replace the earlier ones)
  survey_counts-NNNNNN.parquet   signed contributions per day sent and cell: invitations,
                           responses, the satisfaction index's count and sum
  survey_answers-NNNNNN.parquet  signed contributions per day, cell and question: answers,
                           their sum, how many agree
  manifest.json            which segments make the snapshot now, and the watermarks

A refresh reads each jurisdiction's case-log head first, then every request whose events lie
between the last watermark and that head — so the closure of a five-year-old request is picked
up like any other change — subtracts what those requests contributed before and adds what they
contribute now. Segments are written first and the manifest replaced atomically last: a reader
sees the old snapshot or the new one, never half of one. When segments pile up
(`COMPACT_AFTER`), the next refresh folds them into one. One refresh runs at a time (a lock
file); a full one streams (the extract is memory-mapped, DuckDB copies it to Parquet).

Surveys are not in the case log: a refresh reads again the invitations sent or answered since
the previous refresh began (less `SURVEY_MARGIN`, for clocks and late commits) and those of
the requests the case log touched, and writes them as a survey segment; when those pile up, the
next refresh reads every invitation again (which also drops one deleted meanwhile).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.utils import timezone

from commonweal.analytics import extract, rollups
from commonweal.catalog.models import Jurisdiction

#: fold the segments into one when there are more than this many
COMPACT_AFTER = 24
MANIFEST = "manifest.json"
#: memory DuckDB may use while building (the 2 GiB budget, with room for Python)
MEMORY_LIMIT = "1536MB"
#: how the rollups are written: LZ4 reads back faster than zstd for a quarter more disk
ROLLUP_FORMAT = "COMPRESSION lz4"
#: how the files a refresh looks rows up in are written (the requests, the survey
#: invitations: the old rows of 5,000 changed requests scattered through 10M are in every
#: page of the file, so a lookup decodes it all): Parquet v2's encodings (deltas for the ids
#: and times), uncompressed. At 10M the requests take 312 MiB instead of 423 (LZ4; zstd 332
#: but slower to read) and 2M invitations 87 MiB instead of 38; looking up 5,000 requests
#: took 350 against 400 ms, 2,300 invitations 77-85 against 104-118 ms, an incremental
#: refresh's two segments 0.67-0.78 against 0.77-0.96 s. The rollups stay LZ4: written the
#: same way, a full rebuild took 7 % longer.
LOOKUP_FORMAT = "COMPRESSION uncompressed, PARQUET_VERSION V2"
#: the files written as LOOKUP_FORMAT, by their names' start
LOOKED_UP = ("requests-", "surveys-")
#: how far before the previous refresh's start a refresh looks for survey invitations sent
#: or answered (a transaction that stamped its time before then and committed after it)
SURVEY_MARGIN = dt.timedelta(minutes=10)


def analytics_dir() -> Path:
    return Path(settings.COMMONWEAL_ANALYTICS_DIR)


@dataclass
class Manifest:
    segments: list[int] = field(default_factory=list)
    cells: int | None = None
    surveys: list[int] = field(default_factory=list)
    watermarks: dict[int, int] = field(default_factory=dict)
    #: when the refresh that read the surveys last began (ISO 8601)
    surveys_read_at: str = ""
    refreshed_at: str = ""
    #: the calendar day the last refresh fell on (ISO 8601; `refresh_day`)
    refreshed_on: str = ""
    generation: int = 0
    #: the rules the rollups were written under (`rollups.RULES`; 1 before it was noted)
    rules: int = rollups.RULES

    @property
    def empty(self) -> bool:
        return not self.segments

    def files(self, kind: str, directory: Path) -> list[str]:
        """The files of `kind` the snapshot is made of (a survey kind: of its survey
        segments)."""
        numbers = self.surveys if kind in SURVEY_KINDS else self.segments
        return [str(directory / f"{kind}-{n:06d}.parquet") for n in numbers]

    def to_json(self) -> dict[str, Any]:
        return {
            "segments": self.segments,
            "cells": self.cells,
            "surveys": self.surveys,
            "watermarks": {str(k): v for k, v in self.watermarks.items()},
            "surveys_read_at": self.surveys_read_at,
            "refreshed_at": self.refreshed_at,
            "refreshed_on": self.refreshed_on,
            "generation": self.generation,
            "rules": self.rules,
        }


def read_manifest(directory: Path | None = None) -> Manifest:
    path = (directory or analytics_dir()) / MANIFEST
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return Manifest()
    return Manifest(
        segments=[int(n) for n in data["segments"]],
        cells=data.get("cells"),
        surveys=_survey_segments(data.get("surveys")),
        watermarks={int(k): int(v) for k, v in data["watermarks"].items()},
        surveys_read_at=data.get("surveys_read_at", ""),
        refreshed_at=data.get("refreshed_at", ""),
        refreshed_on=data.get("refreshed_on", ""),
        generation=int(data.get("generation", 0)),
        rules=int(data.get("rules", 1)),
    )


def _survey_segments(listed: Any) -> list[int]:
    """The survey segments a manifest lists (one number, or none, before they were
    segmented)."""
    if listed is None:
        return []
    return [int(n) for n in listed] if isinstance(listed, list) else [int(listed)]


def _write_manifest(directory: Path, manifest: Manifest) -> None:
    handle, temporary = tempfile.mkstemp(dir=directory, suffix=".json")
    with os.fdopen(handle, "w") as out:
        json.dump(manifest.to_json(), out, indent=1)
    os.replace(temporary, directory / MANIFEST)


def _write(con: duckdb.DuckDBPyConnection, table: pa.Table, path: Path) -> None:
    """Write a table as Parquet the way `_copy` does (DuckDB's writer: its files read back
    faster than pyarrow's with the same compression)."""
    con.register("written", table)
    try:
        _copy(con, "SELECT * FROM written", path)
    finally:
        con.unregister("written")


def _copy(con: duckdb.DuckDBPyConnection, sql: str, path: Path) -> None:
    """Stream a query's answer into a Parquet file (written aside, then moved into place), in
    the format its kind is read in (LOOKED_UP)."""
    temporary = path.with_suffix(".tmp")
    written = LOOKUP_FORMAT if path.name.startswith(LOOKED_UP) else ROLLUP_FORMAT
    con.execute(f"COPY ({sql}) TO '{temporary}' (FORMAT parquet, {written})")
    os.replace(temporary, path)


def _remove_unlisted(directory: Path, manifest: Manifest) -> None:
    keep = {
        Path(f).name
        for kind in ("requests", "daily", "hist", *SURVEY_KINDS)
        for f in manifest.files(kind, directory)
    }
    if manifest.cells is not None:
        keep.add(f"cells-{manifest.cells:06d}.parquet")
    for path in directory.glob("*.parquet"):
        if path.name not in keep:
            path.unlink(missing_ok=True)


def _connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    return con


def current_requests(manifest: Manifest, directory: Path, where: str = "TRUE") -> str:
    """SQL for the snapshot's requests (those matching `where`): for each id, the row of the
    latest segment holding it."""
    if manifest.empty:
        return f"SELECT * FROM requests_schema WHERE {where}"
    return _latest_rows(manifest.files("requests", directory), where)


def _latest_rows(files: list[str], where: str) -> str:
    """SQL for the rows of `files` (segments, oldest first) matching `where`: for each id,
    its rows in the latest file holding it."""
    if len(files) == 1:  # each id in one file: no need to rank them (after a rebuild)
        return f"SELECT * FROM read_parquet({files!r}) WHERE {where}"
    return (
        f"SELECT * EXCLUDE (filename) FROM read_parquet({files!r}, filename = true)"
        f" WHERE {where} QUALIFY filename = max(filename) OVER (PARTITION BY id)"
    )


@dataclass(frozen=True)
class RefreshReport:
    full: bool
    requests: int
    seconds: float
    segments: int
    compacted: bool


@contextmanager
def exclusive(directory: Path, lock: str = ".lock") -> Iterator[None]:
    """One holder at a time of a snapshot's `lock`, across processes: by default one refresh
    at a time (the worker's and a command's wait for each other)."""
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / lock).open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def refresh(*, full: bool = False, source: extract.Source | None = None) -> RefreshReport:
    """Bring the snapshot up to date with the case log; rebuild it all when asked or new."""
    directory = analytics_dir()
    with exclusive(directory):
        return _refresh(directory, full, source or extract.current_source())


def _refresh(directory: Path, full: bool, source: extract.Source) -> RefreshReport:
    started, began = time.perf_counter(), timezone.now()
    manifest = read_manifest(directory)
    full = full or manifest.empty or manifest.rules != rollups.RULES
    compacted = False
    since = None if full else manifest.watermarks
    surveys_since = None if full else _surveys_since(manifest)
    with tempfile.TemporaryDirectory(dir=directory, prefix="extract-") as folder, _connect() as con:
        # the heads first: what the case log adds while the rest is read is read again next time
        head_rows, raw, surveys = extract.fetch(
            source,
            Path(folder),
            extract.heads_sql(),
            extract.requests_sql(source.vendor, since),
            extract.surveys_sql(source.vendor, surveys_since),
        )
        heads = extract.heads(head_rows)
        count = raw.num_rows
        con.register("requests_schema", rollups.REQUESTS_SCHEMA.empty_table())
        if full:  # streamed: the extract (memory-mapped) → Parquet → the rollups
            segment = _next_segment(manifest)
            path = directory / f"requests-{segment:06d}.parquet"
            if count:
                con.register("raw", raw)
                _copy(con, rollups.canonical_sql(source.vendor), path)
                con.unregister("raw")
            else:
                _write(con, rollups.REQUESTS_SCHEMA.empty_table(), path)
            build_rollups(
                con, f"(SELECT *, 1 AS sign FROM read_parquet('{path}'))", directory, segment
            )
            manifest.segments = [segment]
            manifest.cells = segment
            manifest.rules = rollups.RULES
            apply_surveys(con, manifest, directory, surveys, source.vendor, every=True)
        else:
            changes = rollups.canonical(raw, source.vendor)
            compacted = apply_increment(
                con,
                manifest,
                directory,
                changes,
                surveys,
                source.vendor,
                every_survey=surveys_since is None,
            )
        del head_rows, raw, surveys  # memory-mapped from the folder about to go
    manifest.watermarks = heads
    manifest.surveys_read_at = began.isoformat()
    now = timezone.now()
    manifest.refreshed_at = now.isoformat()
    manifest.refreshed_on = refresh_day(now).isoformat()
    manifest.generation += 1
    _write_manifest(directory, manifest)
    _remove_unlisted(directory, manifest)
    return RefreshReport(
        full, count, time.perf_counter() - started, len(manifest.segments), compacted
    )


def refresh_day(moment: dt.datetime) -> dt.date:
    """The calendar day a refresh at `moment` falls on where it is earliest among the
    jurisdictions' time zones, as the rollups' days are local days: the first day whose
    standards are not judged yet, and which no control chart counts (it is not over). Its
    UTC date was a day ahead every evening in the Americas."""
    zones = {jurisdiction.zone for jurisdiction in Jurisdiction.objects.all()}
    return min((moment.astimezone(zone).date() for zone in zones), default=moment.date())


def _next_segment(manifest: Manifest) -> int:
    return max([*manifest.segments, *manifest.surveys, manifest.cells or 0]) + 1


def _surveys_since(manifest: Manifest) -> extract.SurveysSince | None:
    """What an incremental refresh reads of the surveys again; None to read them all (after
    `COMPACT_AFTER` survey segments, or for a snapshot that never noted when it read them)."""
    if not manifest.surveys_read_at or len(manifest.surveys) >= COMPACT_AFTER:
        return None
    read_at = dt.datetime.fromisoformat(manifest.surveys_read_at)
    return extract.SurveysSince(read_at - SURVEY_MARGIN, manifest.watermarks)


def apply_increment(
    con: duckdb.DuckDBPyConnection,
    manifest: Manifest,
    directory: Path,
    changes: pa.Table,
    surveys: pa.Table,
    vendor: str,
    *,
    every_survey: bool = False,
) -> bool:
    """What an incremental refresh writes (the caller then writes the manifest): a segment
    for the changed requests `changes` (REQUESTS_SCHEMA) unless there are none, a compaction
    when segments pile up, and the survey segment of the invitations `surveys`
    (`extract.surveys_sql`; `every_survey`: all of them). What the snapshot holds of the
    changed and of the surveyed requests is read in one pass over the requests files (a pass
    decodes every row: 0.4-0.5 s at 10M on a slow machine). Return whether it compacted."""
    con.register("changes", changes)
    con.register("invitations", surveys)
    surveyed = "" if every_survey else " UNION ALL SELECT CAST(id AS BIGINT) FROM invitations"
    ids = f"id IN (SELECT id FROM changes{surveyed})"
    now = None  # the surveyed requests as they are now: changed, or as they were
    try:
        if changes.num_rows or (surveys.num_rows and not every_survey):
            con.execute(
                "CREATE OR REPLACE TEMP TABLE earlier AS"
                f" {current_requests(manifest, directory, ids)}"
            )
            if not every_survey:
                now = (
                    "SELECT * FROM changes UNION ALL BY NAME"
                    " SELECT * FROM earlier WHERE id NOT IN (SELECT id FROM changes)"
                )
        if changes.num_rows:  # nothing changed: no empty segment
            apply_changes(con, manifest, directory, changes, _next_segment(manifest), "earlier")
        compacted = len(manifest.segments) > COMPACT_AFTER
        if compacted:
            _compact(con, manifest, directory, _next_segment(manifest))
        apply_surveys(con, manifest, directory, surveys, vendor, every=every_survey, requests=now)
    finally:
        con.execute("DROP TABLE IF EXISTS earlier")
        con.unregister("changes")
        con.unregister("invitations")
    return compacted


def apply_changes(
    con: duckdb.DuckDBPyConnection,
    manifest: Manifest,
    directory: Path,
    rows: pa.Table,
    segment: int,
    earlier: str,
) -> None:
    """Write segment `segment` for the changed requests `rows` (REQUESTS_SCHEMA): their new
    rows, and what they contribute now less what their old rows (those of relation `earlier`,
    the snapshot's rows of at least these requests) contributed; add it to the manifest
    (which the caller writes)."""
    con.register("changed", rows)
    changed = f"SELECT * FROM {earlier} WHERE id IN (SELECT id FROM changed)"
    old = con.sql(changed).to_arrow_table().cast(rollups.REQUESTS_SCHEMA)
    con.unregister("changed")
    known = pq.read_table(directory / f"cells-{manifest.cells:06d}.parquet")
    cells, daily, hist = rollups.contributions(con, known, rows, old)
    for kind, table in (("requests", rows), ("daily", daily), ("hist", hist), ("cells", cells)):
        _write(con, table, directory / f"{kind}-{segment:06d}.parquet")
    manifest.segments = [*manifest.segments, segment]
    manifest.cells = segment


def build_rollups(
    con: duckdb.DuckDBPyConnection, source: str, directory: Path, segment: int
) -> None:
    """Write the rollups of every request in relation `source` (REQUESTS_SCHEMA plus `sign`)
    as segment `segment`, streaming from DuckDB to Parquet: the full rebuild."""
    cells = rollups.prepare_facts(con, rollups.CELLS_SCHEMA.empty_table(), source)
    parts = (
        ("daily", rollups.daily_sql("facts", signed=False)),
        ("hist", rollups.hist_sql("facts", aggregate=False)),
    )
    # Readers only ever sum these rows, so their order is free: DuckDB then writes the file
    # from both threads without holding rows back to keep their order (writing the 10M-request
    # histograms alone: 0.9 → 0.5 s).
    con.execute("SET preserve_insertion_order = false")
    try:
        for kind, sql in parts:
            _copy(con, sql, directory / f"{kind}-{segment:06d}.parquet")
    finally:
        con.execute("RESET preserve_insertion_order")
    _write(con, cells, directory / f"cells-{segment:06d}.parquet")
    con.unregister("cells")
    con.execute("DROP TABLE facts")


def _compact(
    con: duckdb.DuckDBPyConnection, manifest: Manifest, directory: Path, segment: int
) -> None:
    """Fold every segment into one: the latest row per request, the summed rollups."""
    requests = con.sql(current_requests(manifest, directory)).to_arrow_table()
    sums = ", ".join(f"CAST(sum({c}) AS INTEGER) AS {c}" for c in rollups.DAILY_COUNTS)
    nonzero = " OR ".join(f"sum({c}) <> 0" for c in rollups.DAILY_COUNTS)
    daily = con.sql(
        f"SELECT day, cell, {sums} FROM read_parquet({manifest.files('daily', directory)!r})"
        f" GROUP BY ALL HAVING {nonzero}"
    ).to_arrow_table()
    hist = con.sql(
        "SELECT day, cell, measure, bin, CAST(sum(n) AS INTEGER) AS n"
        f" FROM read_parquet({manifest.files('hist', directory)!r}) GROUP BY ALL HAVING sum(n) <> 0"
    ).to_arrow_table()
    _write(
        con, requests.cast(rollups.REQUESTS_SCHEMA), directory / f"requests-{segment:06d}.parquet"
    )
    _write(con, daily, directory / f"daily-{segment:06d}.parquet")
    _write(con, hist, directory / f"hist-{segment:06d}.parquet")
    os.link(
        directory / f"cells-{manifest.cells:06d}.parquet",
        directory / f"cells-{segment:06d}.parquet",
    )
    manifest.segments = [segment]
    manifest.cells = segment


def apply_surveys(
    con: duckdb.DuckDBPyConnection,
    manifest: Manifest,
    directory: Path,
    raw: pa.Table,
    vendor: str,
    *,
    every: bool,
    requests: str | None = None,
) -> None:
    """Write the invitations `raw` (`extract.surveys_sql`) as a survey segment, after the
    request segments: the only one when they are `every` invitation, else one more whose rows
    replace those of the invitations it names (none written when there are none). Beside
    them, what they contribute to the survey sums less what the rows they replace did, so
    that a server process adds a few rows instead of reading every answer again. The
    requests' dimensions come from SQL `requests` (their current rows, at least those of the
    invitations) or else from the snapshot."""
    if not (every or raw.num_rows):
        return
    number = _next_segment(manifest)
    path = directory / f"surveys-{number:06d}.parquet"
    plain = directory / f"surveys-{number:06d}-plain.parquet"
    cells = f"read_parquet('{directory / f'cells-{manifest.cells:06d}.parquet'}')"
    # streamed through files, never held whole (held, 2 million invitations took 2 GB)
    if raw.num_rows:
        con.register("raw_surveys", raw)
        if requests is None:
            requests = current_requests(manifest, directory, "id IN (SELECT id FROM raw_surveys)")
        _copy(con, _survey_rows_sql(vendor, requests), plain)
        con.unregister("raw_surveys")
    else:
        _write(con, SURVEY_SCHEMA.empty_table(), plain)
    items = directory / f"surveys-{number:06d}-items.parquet"
    rows = f"read_parquet('{plain}')"
    _copy(con, survey_items_sql(rows), items)  # the answers' JSON read once
    _copy(con, surveys_with_index_sql(rows, f"read_parquet('{items}')"), path)
    plain.unlink()
    signed = f"(SELECT *, 1 AS sign FROM read_parquet('{path}'))"
    signed_items = f"(SELECT *, 1 AS sign FROM read_parquet('{items}'))"
    if not every and manifest.surveys:  # the rows replaced, subtracted: a few, kept aside
        earlier = current_surveys(
            manifest, directory, f"id IN (SELECT id FROM read_parquet('{path}'))"
        )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE signed AS SELECT * FROM {signed}"
            f" UNION ALL BY NAME SELECT *, -1 AS sign FROM ({earlier})"
        )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE signed_items AS SELECT * FROM {signed_items}"
            " UNION ALL BY NAME"
            f" {survey_items_sql('(SELECT * FROM signed WHERE sign < 0)', signed=True)}"
        )
        signed, signed_items = "signed", "signed_items"
    try:
        _copy(con, survey_counts_sql(signed, cells), kind_path(path, "survey_counts"))
        _copy(con, survey_answers_sql(signed_items, cells), kind_path(path, "survey_answers"))
    finally:
        con.execute("DROP TABLE IF EXISTS signed")
        con.execute("DROP TABLE IF EXISTS signed_items")
        items.unlink()
    manifest.surveys = [number] if every else [*manifest.surveys, number]


#: the files of a survey segment
SURVEY_KINDS = ("surveys", "survey_counts", "survey_answers")


def kind_path(surveys: Path, kind: str) -> Path:
    """The file of `kind` (SURVEY_KINDS) of the survey segment whose invitations are in
    `surveys`."""
    return surveys.with_name(surveys.name.replace("surveys-", f"{kind}-"))


def current_surveys(manifest: Manifest, directory: Path, where: str = "TRUE") -> str:
    """SQL for the snapshot's invitations (those matching `where`): for each, its rows (one
    per response) in the latest survey segment holding it."""
    return _latest_rows(manifest.files("surveys", directory), where)


def _in_cells(cells: str) -> str:
    """Join the rows `s` to the numbered cells of relation `cells` (a missing district is a
    value of its own)."""
    return f"JOIN {cells} c ON " + " AND ".join(
        f"c.{d} IS NOT DISTINCT FROM s.{d}" for d in rollups.DIMENSIONS
    )


def survey_counts_sql(signed: str, cells: str) -> str:
    """SQL for what the invitations of relation `signed` (the surveys files' columns and
    `sign`) contribute per day sent and cell: invitations, responses, and the scored responses
    with a satisfaction index and the sum of their indexes."""

    def counted(condition: str) -> str:
        return f"CAST(COALESCE(sum(s.sign) FILTER ({condition}), 0) AS INTEGER)"

    figures = {
        "invited": counted("TRUE"),
        "responses": counted("s.answers IS NOT NULL"),
        "index_responses": counted("s.index_score IS NOT NULL"),
        "index_total": "COALESCE(sum(s.sign * s.index_score), 0)",
    }
    columns = ", ".join(f"{sql} AS {name}" for name, sql in figures.items())
    nonzero = " OR ".join(f"{sql} <> 0" for sql in figures.values())
    return (
        f"SELECT s.day, c.cell, {columns} FROM {signed} s {_in_cells(cells)}"
        f" GROUP BY ALL HAVING {nonzero}"
    )


def survey_answers_sql(items: str, cells: str) -> str:
    """SQL for what the answers of relation `items` (`survey_items_sql`, signed) contribute
    per day sent, cell and question (`scored`: of the scored form, answered 1-5; otherwise a
    tick box, 0 or 1; other values are not counted): answers, their sum, how many are 4 or
    5."""
    return (
        "SELECT s.day, c.cell, s.scored, s.driver, CAST(sum(s.sign) AS INTEGER) AS responses,"
        " sum(s.sign * s.value) AS total,"
        " CAST(COALESCE(sum(s.sign) FILTER (s.value >= 4), 0) AS INTEGER) AS agree"
        f" FROM {items} s {_in_cells(cells)}"
        " WHERE CASE WHEN s.scored THEN s.value BETWEEN 1 AND 5 ELSE s.value IN (0, 1) END"
        " GROUP BY ALL HAVING sum(s.sign) <> 0 OR sum(s.sign * s.value) <> 0"
        " OR sum(s.sign) FILTER (s.value >= 4) <> 0"
    )


def survey_items_sql(relation: str, *, signed: bool = False) -> str:
    """SQL for each numeric answer of each response among the invitations in `relation`, on
    a row of its own; `scored` when the response is on the scored form."""
    dims = ", ".join(f"s.{d}" for d in rollups.DIMENSIONS)
    sign = ", s.sign" if signed else ""
    return (
        f"SELECT s.id, {dims}, s.day{sign}, s.form IS NOT DISTINCT FROM '{rollups.SCORED_FORM}'"
        " AS scored, e.key AS driver, CAST(e.value AS DOUBLE) AS value"
        f" FROM {relation} s, json_each(s.answers) e WHERE s.answers IS NOT NULL"
        " AND e.type IN ('UBIGINT', 'BIGINT', 'DOUBLE')"
    )


def surveys_with_index_sql(relation: str, items: str) -> str:
    """SQL for the invitations in `relation`, each scored response with its satisfaction
    index (`index_score`: the mean of its INDEX_DRIVERS answered, rescaled (mean - 1) / 4 x
    100) from its answers in `items` (`survey_items_sql`)."""
    chosen = ", ".join(f"'{driver}'" for driver in rollups.INDEX_DRIVERS)
    return (
        f"SELECT s.*, i.index_score FROM {relation} s LEFT JOIN (SELECT id,"
        f" 100 * (avg(value) - 1) / 4 AS index_score FROM {items} WHERE scored"
        f" AND driver IN ({chosen}) GROUP BY id) i USING (id)"
    )


SURVEY_SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        *((name, pa.string()) for name in rollups.DIMENSIONS),
        ("day", pa.date32()),
        ("submitted_at", pa.timestamp("us", tz="UTC")),
        ("form", pa.string()),
        ("answers", pa.string()),
    ]
)


def _survey_rows_sql(vendor: str, requests: str) -> str:
    """SQL for the invitations of relation `raw_surveys` (`extract.surveys_sql`) with their
    request's dimensions (from SQL `requests`), the day they were sent (the request's zone is
    not kept: UTC day) and their answers (JSON text, driver → score), when answered:
    SURVEY_SCHEMA."""
    dims = ", ".join(f"r.{name}" for name in rollups.DIMENSIONS)
    return (
        # the UTC day whatever DuckDB's session zone (the server's local one by default)
        f"SELECT CAST(s.id AS BIGINT) AS id, {dims},"
        f" CAST(timezone('UTC', {rollups.utc('s.sent_at', vendor)}) AS DATE) AS day,"
        f" {rollups.utc('s.submitted_at', vendor)} AS submitted_at,"
        " CAST(NULLIF(s.form, '') AS VARCHAR) AS form,"
        " CAST(NULLIF(s.answers, '') AS VARCHAR) AS answers"
        f" FROM raw_surveys s JOIN ({requests}) r ON r.id = s.id"
    )
