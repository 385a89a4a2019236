"""Importing a city's 311 history from CSV exports (see `mapping` for the file format).

`import_file(path, mapping, jurisdiction)` streams the file in batches, inside one
transaction (a failure leaves the database as it was):

1. every row is parsed; rows that cannot be taken as they are (no id, no or unreadable
   dates, closed before created, an unknown status, no service) go to the quarantine
   table with their line number and reasons — never silently dropped or "fixed";
2. departments and services not yet known are created (an imported service has no
   published standard, so imported requests have no due times); the district is the one
   the district column names (by code or name), else the one the location falls in;
3. rows already imported from the same source (by `source_id`) are updated when they
   changed and left alone when not; new rows are created;
4. the case log gets `case.imported` events with the original times (one when the request
   was made, one when it was closed), chained like every other event.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from commonweal.cases import log
from commonweal.cases.authority import Actor, authorize
from commonweal.cases.importing.mapping import Mapping
from commonweal.cases.models import (
    Action,
    CaseEvent,
    Channel,
    ImportRun,
    Outcome,
    QuarantinedRow,
    ServiceRequest,
    Status,
)
from commonweal.cases.services import event_fields, unused_public_ids
from commonweal.catalog.geo import district_index
from commonweal.catalog.models import Department, District, Jurisdiction, Service
from commonweal.core.bulk import allocate_ids, insert_dicts, update_dicts

BATCH = 10_000
#: the longest field a file may hold: csv's own limit is 128 KiB, which a long description
#: can pass (it is cut to MAX_DESCRIPTION on import); this one only bounds the memory
MAX_FIELD = 16 * 1024 * 1024
#: PostgreSQL re-reads the requests table's statistics once a run has created this many
#: requests, and again each time that number doubles (see `Importer.inform_planner`)
STATISTICS_FROM = 10_000
MAX_DESCRIPTION = 4000
#: the report's line for a row with a local time the clocks passed twice or skipped (a time
#: without a zone cannot say which reading it meant: the one before the change is kept)
CLOCK_CHANGE = "local time at a clock change (read with the offset before it)"
#: what bytes that are no text in the file's encoding, and NULs, are read as (Unicode's
#: replacement character, which no correct export holds either), and the report's line for
#: their rows: set aside, never imported with their letters lost
UNREADABLE = "\ufffd"
UNREADABLE_TEXT = "unreadable characters (NUL, or bytes that are no text in the file's encoding)"
#: the fields compared to decide whether a re-imported row changed
COMPARED = ("status", "outcome", "requested_at", "closed_at", "description", "address",
            "zipcode", "lat", "long", "channel", "service_id", "district_id")  # fmt: skip
#: the fields a changed row rewrites
UPDATED = (*COMPARED, "department_id", "updated_at", "acknowledged_at")


@dataclass
class Record:
    """One parsed row, ready to become a request."""

    line: int
    source_id: str
    service_code: str
    service_name: str
    department_code: str
    department_name: str
    requested_at: dt.datetime
    closed_at: dt.datetime | None
    status: str
    outcome: str
    description: str
    address: str
    zipcode: str
    lat: float | None
    long: float | None
    channel: str
    #: our district's code or name as the file gives it ("": place by the location)
    district: str = ""


@dataclass
class Parsed:
    record: Record | None
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@lru_cache(maxsize=4096)
def slug(text: str, limit: int = 64) -> str:
    """A code from a name ("Noise - Residential" → "noise-residential"), never empty."""
    return slugify(text)[:limit].strip("-") or "unknown"


def _coordinate(text: str, low: float, high: float) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and low <= value <= high and value != 0 else None


def _times(
    text: dict[str, str], mapping: Mapping, parsed: Parsed
) -> tuple[dt.datetime | None, dt.datetime | None]:
    created_text = text["created"]
    created = mapping.parse_time(created_text) if created_text else None
    if not created_text:
        parsed.problems.append("missing created date")
    elif created is None:
        parsed.problems.append("unparseable created date")
    closed_text = text.get("closed", "")
    closed = mapping.parse_time(closed_text) if closed_text else None
    if closed_text and closed is None:
        parsed.problems.append("unparseable closed date")
    if created and closed and closed < created:
        parsed.problems.append("closed before created")
    return created, closed


def _state(
    text: dict[str, str], mapping: Mapping, closed: dt.datetime | None, parsed: Parsed
) -> tuple[str, str]:
    if "status" not in text or not mapping.statuses:
        return (Status.CLOSED, Outcome.RESOLVED) if closed else (Status.NEW, "")
    raw = text["status"]
    if raw not in mapping.statuses:
        parsed.problems.append(f"unknown status {raw!r}")
        return Status.NEW, ""
    state, outcome = mapping.statuses[raw]
    if state == "closed":
        if closed is None:
            parsed.problems.append("closed without a closing date")
        return Status.CLOSED, outcome
    if closed is not None:
        parsed.warnings.append("closing date on an open request ignored")
    return Status.ACKNOWLEDGED, ""


def _check_text(text: dict[str, str], parsed: Parsed) -> None:
    """The problems of a row's text as it is: a required field empty, unreadable characters."""
    if not text.get("source_id"):
        parsed.problems.append("missing source id")
    if not text.get("service"):
        parsed.problems.append("missing service")
    if any(UNREADABLE in field for field in text.values()):
        parsed.problems.append(UNREADABLE_TEXT)


def parse_row(row: dict[str, str], line: int, mapping: Mapping) -> Parsed:
    """Parse one CSV row; problems keep it out (quarantine), warnings are only counted."""
    parsed = Parsed(record=None)
    # each mapped column's text, trimmed, by our field's name (one pass instead of a lookup
    # per field: a few µs of every row)
    text = {name: row.get(column, "").strip() for name, column in mapping.columns.items()}
    _check_text(text, parsed)

    def value(name: str) -> str:
        return text.get(name, "")

    source_id, service = value("source_id"), value("service")
    created, closed = _times(text, mapping, parsed)
    status, outcome = _state(text, mapping, closed, parsed)
    if status != Status.CLOSED:
        closed = None  # an open request's closing date is ignored (and reported by `_state`)
    if any(moment and mapping.at_clock_change(moment) for moment in (created, closed)):
        parsed.warnings.append(CLOCK_CHANGE)
    lat, long = _coordinate(value("lat"), -90, 90), _coordinate(value("long"), -180, 180)
    if lat is None or long is None:
        parsed.warnings.append("missing location")
        lat = long = None
    raw_channel = value("channel")
    channel = mapping.channels.get(raw_channel, Channel.OTHER)
    if mapping.column("channel") and raw_channel not in mapping.channels:
        parsed.warnings.append("unknown channel")
    description = value("description")
    if len(description) > MAX_DESCRIPTION:
        parsed.warnings.append("description shortened to 4,000 characters")
        description = description[:MAX_DESCRIPTION]
    if parsed.problems or created is None:
        return parsed
    district = value("district")
    parsed.record = Record(
        line=line, source_id=source_id[:100], service_code=slug(service),
        service_name=(value("service_name") or service)[:200],
        department_code=slug(value("department") or "imported", 40),
        department_name=(value("department_name") or value("department") or "Imported")[:200],
        requested_at=created, closed_at=closed,
        status=status, outcome=outcome, description=description,
        address=value("address")[:300], zipcode=value("zipcode").removesuffix(".0")[:20],
        lat=lat, long=long, channel=channel,
        district=mapping.districts.get(district, district),
    )  # fmt: skip
    return parsed


def numbered_rows(path: Path, encoding: str = "utf-8-sig") -> Iterator[tuple[int, dict[str, str]]]:
    """The file's rows with their line numbers; a file the csv module cannot read (a field
    longer than MAX_FIELD, say an unclosed quote swallowing the rest) stops the import with
    the line where reading failed. Bytes that are no text in `encoding`, and NUL characters
    (which no database text holds), are read as UNREADABLE: `parse_row` sets their rows
    aside, and a row set aside is stored as it was read."""
    csv.field_size_limit(MAX_FIELD)
    with path.open(newline="", encoding=encoding, errors="replace") as handle:
        reader = csv.reader(line.replace("\x00", UNREADABLE) for line in handle)
        read = 0  # the lines read up to the end of the last whole row
        try:
            header = next(reader, [])
            read = reader.line_num
            for fields in reader:
                read = reader.line_num
                if fields:  # a blank line is no row
                    # (a short row lacks its last columns; a long row's extra fields, which
                    # have no column, are left out)
                    yield read, dict(zip(header, fields, strict=False))
        except csv.Error as error:
            raise ImportError_(
                f"{path.name}, the row starting at line {read + 1}: {error}; nothing was imported"
            ) from error


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class ImportError_(Exception):
    """The file cannot be imported at all (a mapped column is missing); nothing was written."""


def check_header(path: Path, mapping: Mapping) -> None:
    with path.open(newline="", encoding=mapping.encoding, errors="replace") as handle:
        header = next(csv.reader(handle), [])
    missing = sorted({column for column in mapping.columns.values() if column not in header})
    if missing:
        raise ImportError_(f"{path.name} has no column {', '.join(repr(m) for m in missing)}")


class Importer:
    """Writes batches of records for one run (see the module docstring)."""

    def __init__(self, run: ImportRun, source: str) -> None:
        self.run, self.source = run, source
        self.jurisdiction = run.jurisdiction
        self.departments = {
            d.code: d for d in Department.objects.filter(jurisdiction=self.jurisdiction)
        }
        self.services = {
            s.service_code: s for s in Service.objects.filter(jurisdiction=self.jurisdiction)
        }
        self.index = district_index(self.jurisdiction)
        self.districts = districts_by_label(self.jurisdiction)
        #: what writing noticed about rows it still imported (for the data-quality report)
        self.noted: Counter[str] = Counter()
        self.actor = Actor.system("import")
        self.rule: Any = None
        head = log.locked_head(self.jurisdiction)
        self.head = head
        self.chainer = log.Chainer(self.jurisdiction, head.sequence, head.hash)
        self.statistics_at = STATISTICS_FROM
        #: the previous batch's foreign-key checks, running on the server (`check_meanwhile`)
        self.checking = ExitStack()

    def __enter__(self) -> Importer:
        return self

    def __exit__(self, *failure: Any) -> None:
        with connection.wrap_database_errors:
            self.checking.__exit__(*failure)

    def service_for(self, record: Record) -> Service:
        service = self.services.get(record.service_code)
        if service is None:
            department = self.departments.get(record.department_code)
            if department is None:
                department = Department.objects.create(
                    jurisdiction=self.jurisdiction,
                    code=record.department_code,
                    name=record.department_name,
                )
                self.departments[department.code] = department
            service = Service.objects.create(
                jurisdiction=self.jurisdiction, department=department, group="Imported",
                service_code=record.service_code, service_name=record.service_name, active=False,
            )  # fmt: skip
            self.services[service.service_code] = service
        return service

    def write(self, records: list[Record]) -> None:
        """Write a batch; its foreign keys are checked while the next batch is parsed."""
        self.settle()
        existing = {
            case.source_id: case
            for case in ServiceRequest.objects.filter(
                jurisdiction=self.jurisdiction, source=self.source,
                source_id__any=[record.source_id for record in records],
            ).only(*COMPARED, "public_id", "source", "source_id", "version")
        }  # fmt: skip
        rows = [self.values_of(record) for record in records]
        self.place(rows)
        self.create([row for row in rows if row["source_id"] not in existing])
        self.update(
            [(existing[row["source_id"]], row) for row in rows if row["source_id"] in existing]
        )
        self.check_meanwhile()

    def check_meanwhile(self) -> None:
        """On PostgreSQL, have the server check the foreign keys of the rows written so far
        while Python goes on parsing, instead of all of them at commit with Python waiting
        (3 s of every 100,000 rows): the two statements go out in pipeline mode, which lets
        the server run them before their results are asked for (`settle`). The checks run
        as at commit (the constraints are deferred again after), and a failing one fails the
        import at the next batch or at its end — or here already, when the server answered
        before the second statement went out (psycopg reads an answer that has arrived): as
        Django's IntegrityError wherever it is raised."""
        if connection.vendor != "postgresql":
            return
        driver = connection.connection
        with connection.wrap_database_errors:
            self.checking.enter_context(driver.pipeline())
            driver.execute("SET CONSTRAINTS ALL IMMEDIATE")
            driver.execute("SET CONSTRAINTS ALL DEFERRED")

    def settle(self) -> None:
        """Wait for the checks `check_meanwhile` started; raise if one failed."""
        with connection.wrap_database_errors:
            self.checking.close()

    def values_of(self, record: Record) -> dict[str, Any]:
        """The request's attribute values (the bulk path builds no model instance)."""
        service = self.service_for(record)
        return {
            "jurisdiction_id": self.jurisdiction.pk, "service_id": service.pk,
            "department_id": service.department_id,
            "district_id": self.named_district(record.district),
            "source": self.source, "source_id": record.source_id,
            "description": record.description, "lat": record.lat, "long": record.long,
            "address": record.address, "zipcode": record.zipcode, "channel": record.channel,
            "status": record.status, "outcome": record.outcome,
            "requested_at": record.requested_at, "closed_at": record.closed_at,
            "updated_at": record.closed_at or record.requested_at,
            "acknowledged_at": None if record.status == Status.NEW else record.requested_at,
        }  # fmt: skip

    def named_district(self, label: str) -> int | None:
        """The district the file names (by code, else by name, ignoring case); None, and a
        note for the report, when it names none of ours."""
        if not label:
            return None
        found = self.districts.get(label) or self.districts.get(label.casefold())
        if found is None:
            self.noted[f"unknown district {label!r} (the location decides)"] += 1
        return found

    def place(self, rows: list[dict[str, Any]]) -> None:
        """Give each row the district its location falls in, unless the file named one."""
        located = [
            row
            for row in rows
            if row["district_id"] is None and row["lat"] is not None and row["long"] is not None
        ]
        if not located or not self.index.district_ids:
            return
        import numpy as np

        found = self.index.locate_many(
            np.array([row["lat"] for row in located]), np.array([row["long"] for row in located])
        )
        for row, district_id in zip(located, found, strict=True):
            row["district_id"] = district_id

    def create(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        ids = allocate_ids(ServiceRequest, len(rows))
        for row, pk, public_id in zip(rows, ids, unused_public_ids(len(rows)), strict=True):
            row["id"], row["public_id"] = pk, public_id
        insert_dicts(ServiceRequest, rows)
        events = []
        for row in sorted(rows, key=lambda row: row["requested_at"]):
            step = {"step": "created", "status": row["status"]}
            events.append(self.event(row, row["requested_at"], step))
            if row["closed_at"]:
                step = {"step": "closed", "outcome": row["outcome"]}
                events.append(self.event(row, row["closed_at"], step))
        insert_dicts(CaseEvent, events)
        self.run.created += len(rows)
        self.inform_planner()

    def inform_planner(self) -> None:
        """On PostgreSQL, ANALYZE the requests table whenever this run has doubled what it
        created. Without it the planner takes the table the run keeps growing for the small one
        it last measured, and finds existing rows by reading every request of the source: each
        batch's lookup slower than the last (with batches of 2,000: 100 ms a batch by 200,000
        rows, 16 % of the run)."""
        if connection.vendor != "postgresql" or self.run.created < self.statistics_at:
            return
        quote = connection.ops.quote_name
        # the table's size and the columns that lookup names: a third of a whole-table
        # ANALYZE (on a million requests, 0.22-0.33 s against 0.59-1.1 s)
        columns = ", ".join(quote(name) for name in ("jurisdiction_id", "source", "source_id"))
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {quote(ServiceRequest._meta.db_table)} ({columns})")
        self.statistics_at = 2 * self.run.created

    def update(self, pairs: list[tuple[ServiceRequest, dict[str, Any]]]) -> None:
        now = timezone.now()
        changed, events = [], []
        for current, fresh in pairs:
            changes = {
                name: [log_value(getattr(current, name)), log_value(fresh[name])]
                for name in COMPARED
                if getattr(current, name) != fresh[name]
            }
            if not changes:
                self.run.unchanged += 1
                continue
            changed.append(
                {"id": current.pk, "version": current.version + 1}
                | {name: fresh[name] for name in UPDATED}
            )
            values = {"id": current.pk, "public_id": current.public_id, "source": current.source,
                      "source_id": current.source_id}  # fmt: skip
            events.append(self.event(values, now, {"step": "updated", "changes": changes}))
        update_dicts(ServiceRequest, changed, [*UPDATED, "version"])
        insert_dicts(CaseEvent, events)
        self.run.updated += len(changed)

    def event(
        self, request: dict[str, Any], at: dt.datetime, data: dict[str, Any]
    ) -> dict[str, Any]:
        """A chained `case.imported` event for the request, as attribute values."""
        if self.rule is None:
            self.rule = authorize(
                self.actor, Action.SUBMIT, ServiceRequest(jurisdiction=self.jurisdiction)
            )
        data = {"source": request["source"], "source_id": request["source_id"], **data}
        values = event_fields(self.actor, self.rule, "case.imported", at, data)
        values["jurisdiction_id"], values["request_id"] = self.jurisdiction.pk, request["id"]
        return self.chainer.link_values(values, request["public_id"])

    def finish(self) -> None:
        self.settle()
        log.LogHead.objects.filter(pk=self.head.pk).update(
            sequence=self.chainer.sequence, hash=self.chainer.hash
        )


def districts_by_label(jurisdiction: Jurisdiction) -> dict[str, int]:
    """The jurisdiction's districts (of its kind) by code as given, and by code and name in
    lower case; a code wins over another district's name."""
    labels: dict[str, int] = {}
    districts = District.objects.filter(jurisdiction=jurisdiction, kind=jurisdiction.district_kind)
    for district in districts:
        labels.setdefault(district.name.casefold(), district.pk)
    for district in districts:
        labels[district.code.casefold()] = labels[district.code] = district.pk
    return labels


def log_value(value: Any) -> Any:
    return log.format_time(value) if isinstance(value, dt.datetime) else value


def import_rows(
    run: ImportRun,
    source: str,
    rows: Iterable[tuple[int, dict[str, Any]]],
    parse: Callable[[dict[str, Any], int], Parsed],
    progress: Callable[[int], None] | None = None,
) -> ImportRun:
    """Parse and write numbered rows for `run` (inside the caller's transaction)."""
    problems: Counter[str] = Counter()
    batch: list[Record] = []
    in_batch: set[str] = set()  # a source id seen again is written after the batch holding it
    quarantine: list[QuarantinedRow] = []
    with Importer(run, source) as importer:
        for line, row in rows:
            run.rows_read += 1
            parsed = parse(row, line)
            problems.update(parsed.problems + parsed.warnings)
            if parsed.record is None:
                quarantine.append(
                    QuarantinedRow(run=run, line=line, problems=parsed.problems, row=row)
                )
                run.quarantined += 1
                if len(quarantine) >= BATCH:  # even a file of bad rows takes constant memory
                    importer.settle()
                    QuarantinedRow.objects.bulk_create(quarantine, batch_size=1000)
                    quarantine = []
                continue
            if len(batch) >= BATCH or parsed.record.source_id in in_batch:
                importer.write(batch)
                batch, in_batch = [], set()
                if progress:
                    progress(run.rows_read)
            batch.append(parsed.record)
            in_batch.add(parsed.record.source_id)
        importer.write(batch)
        importer.finish()
    problems.update(importer.noted)
    QuarantinedRow.objects.bulk_create(quarantine, batch_size=1000)
    run.problems = dict(problems)
    run.finished_at = timezone.now()
    run.save()
    return run


@transaction.atomic
def import_file(
    path: Path,
    mapping: Mapping,
    jurisdiction: Jurisdiction,
    progress: Callable[[int], None] | None = None,
) -> ImportRun:
    """Import one CSV file (all or nothing); return the run with its counts and problems."""
    check_header(path, mapping)
    run = ImportRun.objects.create(
        jurisdiction=jurisdiction,
        source=mapping.source,
        file_name=path.name[:300],
        file_sha256=file_digest(path),
    )
    return import_rows(
        run,
        mapping.source,
        numbered_rows(path, mapping.encoding),
        lambda row, line: parse_row(row, line, mapping),
        progress,
    )
