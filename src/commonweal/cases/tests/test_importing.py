"""Importing real city exports: presets on the real samples, re-import, rollback, mappings."""

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commonweal.cases import importing
from commonweal.cases.importing import Importer, import_file, parse_row
from commonweal.cases.importing.mapping import MappingError, parse_mapping, preset
from commonweal.cases.log import find_break
from commonweal.cases.models import CaseEvent, ImportRun, QuarantinedRow, ServiceRequest, Status
from commonweal.catalog.models import Jurisdiction, Service
from commonweal.testing import DistrictFactory, square

DATA = Path(__file__).resolve().parent / "data"
NYC = DATA / "nyc"


@pytest.fixture
def nyc(db):
    return Jurisdiction.objects.create(
        jurisdiction_id="nyc.gov", name="New York City", time_zone="America/New_York"
    )


@pytest.mark.parametrize(
    "name, file, rows, created, quarantined, problem",
    [
        ("nyc", "nyc_2023-02-28_sample.csv", 4999, 4997, 2, "closed before created"),
        (
            "nyc_api",
            "nyc_2024-04_api_export_snake_case.csv",
            1000,
            999,
            1,
            "closed without a closing date",
        ),
        (
            "nyc_legacy",
            "nyc_2018-01_rodent_legacy_53_columns.csv",
            155,
            139,
            16,
            "closed before created",
        ),
        ("nyc", "nyc_2023-03-31_bad_dates.csv", 100, 95, 5, "closed before created"),
    ],
)
def test_each_preset_on_its_real_sample(nyc, name, file, rows, created, quarantined, problem):
    run = import_file(NYC / file, preset(name), nyc)
    assert (run.rows_read, run.created, run.quarantined) == (rows, created, quarantined)
    assert run.problems[problem] == quarantined
    assert ServiceRequest.objects.filter(source="nyc311").count() == created
    assert QuarantinedRow.objects.filter(run=run).count() == quarantined
    assert find_break(nyc)[1] is None


@pytest.mark.parametrize(
    "name, file, source, rows, created, quarantined, no_location",
    [
        ("boston", "boston/boston_2013_animal.csv", "boston311", 3095, 3095, 0, 19),
        ("boston", "boston/boston_2022-01_100.csv", "boston311", 100, 100, 0, 0),
        ("los_angeles", "los_angeles/la_2017-12_myla311.csv", "myla311", 9999, 9987, 12, 1753),
    ],
)
def test_the_boston_and_los_angeles_presets(
    nyc, name, file, source, rows, created, quarantined, no_location
):
    run = import_file(DATA / file, preset(name), nyc)
    assert (run.rows_read, run.created, run.quarantined) == (rows, created, quarantined)
    assert run.problems.get("missing location", 0) == no_location
    assert ServiceRequest.objects.filter(source=source).count() == created


def test_los_angeles_outcomes_and_channels_are_mapped(nyc):
    import_file(DATA / "los_angeles/la_2017-12_myla311.csv", preset("los_angeles"), nyc)
    outcomes = set(ServiceRequest.objects.closed().values_list("outcome", flat=True))
    assert outcomes == {"resolved", "withdrawn", "referred"}
    assert ServiceRequest.objects.filter(channel="counter").count() == 1  # the one walk-in


def test_imported_history_keeps_the_original_times_in_the_log(nyc):
    import_file(NYC / "nyc_2023-02-28_sample.csv", preset("nyc"), nyc)
    case = ServiceRequest.objects.filter(status=Status.CLOSED).first()
    events = list(CaseEvent.objects.filter(request=case).order_by("sequence"))
    assert [event.action for event in events] == ["case.imported", "case.imported"]
    assert events[0].occurred_at == case.requested_at and events[1].occurred_at == case.closed_at
    assert events[0].data["source_id"] == case.source_id and events[1].data["outcome"] == "resolved"
    assert case.channel in {"web", "phone", "app", "other"}
    assert (
        Service.objects.get(pk=case.service_id).active is False
    )  # imported services are not offered


def test_a_second_import_of_the_same_file_changes_nothing(nyc):
    import_file(NYC / "nyc_2023-03-31_bad_dates.csv", preset("nyc"), nyc)
    events = CaseEvent.objects.count()
    again = import_file(NYC / "nyc_2023-03-31_bad_dates.csv", preset("nyc"), nyc)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 95)
    assert ServiceRequest.objects.count() == 95 and CaseEvent.objects.count() == events


def test_a_changed_row_is_updated_with_an_event(nyc, tmp_path):
    original = (NYC / "nyc_2023-03-31_bad_dates.csv").read_text(encoding="utf-8")
    first = tmp_path / "first.csv"
    first.write_text(original, encoding="utf-8")
    import_file(first, preset("nyc"), nyc)
    header, *lines = original.splitlines(keepends=True)
    closed_line = next(
        line for line in lines if ",Closed," in line and line.split(",", 1)[0] in imported_ids()
    )
    source_id = closed_line.split(",", 1)[0]
    second = tmp_path / "second.csv"
    second.write_text(header + closed_line.replace(",Closed,", ",In Progress,"), encoding="utf-8")
    run = import_file(second, preset("nyc"), nyc)
    assert run.updated == 1
    case = ServiceRequest.objects.get(source_id=source_id)
    assert case.status == Status.ACKNOWLEDGED and case.closed_at is None
    latest = CaseEvent.objects.filter(request=case).latest("sequence")
    assert latest.data["step"] == "updated" and latest.data["changes"]["status"] == [
        "closed",
        "acknowledged",
    ]
    assert find_break(nyc)[1] is None


def imported_ids():
    return set(ServiceRequest.objects.values_list("source_id", flat=True))


def test_a_failed_import_leaves_the_database_as_it_was(nyc, monkeypatch):
    calls = []
    real_write = Importer.write

    def fail_on_second_batch(self, records):
        calls.append(len(records))
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real_write(self, records)

    monkeypatch.setattr(Importer, "write", fail_on_second_batch)
    monkeypatch.setattr(importing, "BATCH", 1000)  # the sample's 4,997 rows in five batches
    with pytest.raises(RuntimeError):
        import_file(NYC / "nyc_2023-02-28_sample.csv", preset("nyc"), nyc)
    assert not ServiceRequest.objects.exists() and not CaseEvent.objects.exists()
    assert not ImportRun.objects.exists() and not Service.objects.exists()


def test_a_mapping_for_another_layout(nyc, tmp_path, capsys):
    (tmp_path / "town.csv").write_text(
        "id,opened,finished,what,state,where_lat,where_lon,how\n"
        "A1,2025-05-01 08:00,2025-05-02 09:30,Graffiti,done,40.7,-73.9,phone\n"
        "A2,2025-05-03 10:00,,Pothole,open,,,walk-in\n"
        "A3,not a date,,Pothole,open,,,web\n"
        "A4,2025-05-03 10:00,,Pothole,lost,,,web\n",
        encoding="utf-8",
    )
    (tmp_path / "town.toml").write_text(
        'source = "town"\ntime_zone = "America/New_York"\n'
        '[columns]\nsource_id = "id"\ncreated = "opened"\nclosed = "finished"\nservice = "what"\n'
        'status = "state"\nlat = "where_lat"\nlong = "where_lon"\nchannel = "how"\n'
        '[dates]\nformats = ["%Y-%m-%d %H:%M"]\n'
        '[status]\ndone = "closed:resolved"\nopen = "open"\n'
        '[channel]\nphone = "phone"\n"walk-in" = "counter"\nweb = "web"\n',
        encoding="utf-8",
    )
    call_command(
        "import_requests", str(tmp_path / "town.csv"), "--mapping", str(tmp_path / "town.toml")
    )
    bar = capsys.readouterr().err
    assert "Importing" in bar and "4/4" in bar  # the progress bar, full at the end
    cases = {case.source_id: case for case in ServiceRequest.objects.filter(source="town")}
    assert set(cases) == {"A1", "A2"}
    assert cases["A1"].status == Status.CLOSED and cases["A2"].channel == "counter"
    assert cases["A1"].service.service_code == "graffiti"
    problems = {row.line: row.problems for row in QuarantinedRow.objects.all()}
    assert problems == {4: ["unparseable created date"], 5: ["unknown status 'lost'"]}


def test_the_mapping_names_the_files_encoding_and_unreadable_text_is_set_aside(nyc, tmp_path):
    """A Windows-1252 export read as UTF-8 loses its accents: those rows are set aside with
    a line saying why; read with the mapping's encoding, they import whole."""
    (tmp_path / "town.csv").write_bytes(
        "id,opened,what,note\n"
        "A1,2025-05-01 08:00,Pothole,Calle Peña\n"
        "A2,2025-05-02 08:00,Pothole,Main St\n".encode("cp1252")
    )
    mapping = (
        'source = "town"\n[columns]\nsource_id = "id"\ncreated = "opened"\nservice = "what"\n'
        'description = "note"\n[dates]\nformats = ["%Y-%m-%d %H:%M"]\n'
    )
    (tmp_path / "utf8.toml").write_text(mapping, encoding="utf-8")
    (tmp_path / "cp1252.toml").write_text('encoding = "cp1252"\n' + mapping, encoding="utf-8")
    call_command(
        "import_requests", str(tmp_path / "town.csv"), "--mapping", str(tmp_path / "utf8.toml")
    )
    assert list(ServiceRequest.objects.values_list("source_id", flat=True)) == ["A2"]
    kept_out = QuarantinedRow.objects.get()
    assert kept_out.line == 2 and kept_out.problems == [importing.UNREADABLE_TEXT]
    assert kept_out.row["note"] == "Calle Pe\ufffda"
    call_command(
        "import_requests", str(tmp_path / "town.csv"), "--mapping", str(tmp_path / "cp1252.toml")
    )
    notes = dict(ServiceRequest.objects.values_list("source_id", "description"))
    assert notes == {"A1": "Calle Peña", "A2": "Main St"}


def test_the_district_column_names_the_district_and_the_location_stands_in(nyc, tmp_path):
    """By the [district] table, by code, by name in any case; an unknown or empty value
    leaves the district to the location, and the report counts the unknown ones."""
    north = DistrictFactory(
        jurisdiction=nyc, code="n", name="North Ward", boundary=square(-74.0, 40.5, -73.0, 41.0)
    )
    south = DistrictFactory(
        jurisdiction=nyc, code="s", name="South Ward", boundary=square(-74.0, 40.0, -73.0, 40.5)
    )
    (tmp_path / "wards.csv").write_text(
        "id,opened,what,ward,lat,lon\n"
        "W1,2025-05-01 08:00,Graffiti,NORTH WARD,40.2,-73.5\n"  # by name: not where it lies
        "W2,2025-05-01 08:00,Graffiti,s,40.7,-73.5\n"  # by code
        "W3,2025-05-01 08:00,Graffiti,Ward 2,40.7,-73.5\n"  # through [district]
        "W4,2025-05-01 08:00,Graffiti,Atlantis,40.7,-73.5\n"  # unknown: the location
        "W5,2025-05-01 08:00,Graffiti,,40.2,-73.5\n"  # empty: the location
        "W6,2025-05-01 08:00,Graffiti,Atlantis,,\n",  # unknown and nowhere
        encoding="utf-8",
    )
    mapping = parse_mapping(
        {
            "source": "wards",
            "columns": {
                "source_id": "id",
                "created": "opened",
                "service": "what",
                "district": "ward",
                "lat": "lat",
                "long": "lon",
            },
            "dates": {"formats": ["%Y-%m-%d %H:%M"]},
            "district": {"Ward 2": "s"},
        }
    )
    run = import_file(tmp_path / "wards.csv", mapping, nyc)
    placed = dict(ServiceRequest.objects.values_list("source_id", "district_id"))
    assert placed == {"W1": north.pk, "W2": south.pk, "W3": south.pk, "W4": north.pk,
                      "W5": south.pk, "W6": None}  # fmt: skip
    assert run.problems["unknown district 'Atlantis' (the location decides)"] == 2
    assert run.quarantined == 0

    (tmp_path / "wards.csv").write_text(
        "id,opened,what,ward,lat,lon\nW1,2025-05-01 08:00,Graffiti,North Ward,40.2,-73.5\n"
        "W2,2025-05-01 08:00,Graffiti,n,40.7,-73.5\n",
        encoding="utf-8",
    )
    again = import_file(tmp_path / "wards.csv", mapping, nyc)
    assert (again.updated, again.unchanged) == (1, 1)  # W2 moved to the north ward
    assert ServiceRequest.objects.get(source_id="W2").district_id == north.pk


#: parts of a mapping that were a traceback (a list for a table) or a database error (a
#: source longer than a request keeps)
WRONG_PARTS: list[tuple[dict[str, Any], str]] = [
    ({"channel": ["web"]}, "\\[channel\\]: give a table"),
    ({"status": "closed"}, "\\[status\\]: give a table"),
    ({"source": "x" * 41}, "source: at most 40 characters"),
]


@pytest.mark.parametrize(
    "document, message",
    [
        ({}, "a \\[columns\\] table is required"),
        ({"columns": {"created": "c", "service": "s"}}, "missing \\['source_id'\\]"),
        (
            {"columns": {"source_id": "i", "created": "c", "service": "s", "colour": "x"}},
            "unknown \\['colour'\\]",
        ),
        (
            {
                "columns": {"source_id": "i", "created": "c", "service": "s"},
                "time_zone": "Mars/Base",
            },
            "time_zone",
        ),
        (
            {
                "columns": {"source_id": "i", "created": "c", "service": "s"},
                "status": {"x": "closed:vanished"},
            },
            "outcome",
        ),
        (
            {
                "columns": {"source_id": "i", "created": "c", "service": "s"},
                "channel": {"x": "pigeon"},
            },
            "unknown channels",
        ),
        (
            {
                "columns": {"source_id": "i", "created": "c", "service": "s"},
                "district": {"x": 3},
            },
            "\\[district\\]",
        ),
        *(
            ({"columns": {"source_id": "i", "created": "c", "service": "s"}, "dates": dates}, why)
            for dates, why in [
                ({"formats": ["%m/%d/%Y %Q"]}, "'Q' is a bad directive"),
                ({"formats": ["%H:%M"]}, "does not hold a whole date"),
                ({"formats": ["%m/%d/%Y %Y"]}, "redefinition of group name 'Y'"),
                ({"formats": "%Y-%m-%d"}, "strptime formats"),
            ]
        ),
        *(
            ({"columns": {"source_id": "i", "created": "c", "service": "s"}} | wrong, why)
            for wrong, why in WRONG_PARTS
        ),
        *(
            ({"columns": {"source_id": "i", "created": "c", "service": "s"}, "encoding": name}, why)
            for name, why in [("klingon", "no encoding called"), ("utf-16", "convert the file")]
        ),
    ],
)
def test_a_wrong_mapping_is_explained(document, message):
    with pytest.raises(MappingError, match=message):
        parse_mapping(document)


@pytest.mark.parametrize(
    "content",
    [
        'source = "caf\xe9"\n'.encode("latin-1"),  # no UTF-8: was a traceback
        b"x = " + b"[" * 5000 + b"]" * 5000 + b"\n",  # nested past what the parser can hold
        b"[columns\n",
    ],
)
def test_a_mapping_file_that_cannot_be_read_is_explained(nyc, tmp_path, content):
    (tmp_path / "odd.toml").write_bytes(content)
    (tmp_path / "town.csv").write_text("id,created,service\n1,2024-01-01,x\n", encoding="utf-8")
    with pytest.raises(CommandError, match="cannot read"):
        call_command(
            "import_requests", str(tmp_path / "town.csv"), "--mapping", str(tmp_path / "odd.toml")
        )
    assert not ImportRun.objects.exists()


def test_the_command_refuses_a_file_without_the_mapped_columns(nyc, tmp_path):
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(CommandError, match="has no column"):
        call_command("import_requests", str(wrong), "--preset", "nyc")
    with pytest.raises(CommandError, match="no preset 'atlantis'"):
        call_command("import_requests", str(wrong), "--preset", "atlantis")
    assert not ImportRun.objects.exists()


def test_the_command_help_names_every_preset(capsys):
    with pytest.raises(SystemExit):
        call_command("import_requests", "--help")
    shown = " ".join(capsys.readouterr().out.split())
    for name in ("boston", "los_angeles", "nyc", "nyc_api", "nyc_legacy"):
        assert name in shown


def importable_nyc_rows():
    """Rows of the NYC sample that import (not set aside), as dicts of the file's columns."""
    with (NYC / "nyc_2023-02-28_sample.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [r for n, r in enumerate(rows) if parse_row(r, n, preset("nyc")).record is not None]


def write_csv(path, rows):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_a_source_id_twice_in_one_file_is_one_request_the_later_row_updating_it(nyc, tmp_path):
    mapping = preset("nyc")
    closed, other = [r for r in importable_nyc_rows() if r["Status"] == "Closed"][:2]
    reopened = closed | {"Status": "In Progress", "Closed Date": "", "Descriptor": "Seen again"}
    run = import_file(write_csv(tmp_path / "twice.csv", [closed, other, reopened]), mapping, nyc)
    case = ServiceRequest.objects.get(source_id=closed["Unique Key"])
    assert (run.created, run.updated) == (2, 1)
    assert case.status != Status.CLOSED and case.description == "Seen again"
    steps = [e.data["step"] for e in CaseEvent.objects.filter(request=case).order_by("sequence")]
    assert steps == ["created", "closed", "updated"]
    assert find_break(nyc)[1] is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner statistics")
def test_a_growing_import_keeps_the_planners_statistics_current(nyc, monkeypatch):
    monkeypatch.setattr(importing, "BATCH", 1000)
    monkeypatch.setattr(importing, "STATISTICS_FROM", 1000)
    run = import_file(NYC / "nyc_2023-02-28_sample.csv", preset("nyc"), nyc)
    assert run.created > 4 * importing.BATCH
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'cases_servicerequest'")
        (measured,) = cursor.fetchone()
        cursor.execute(
            "SELECT attname FROM pg_stats WHERE tablename = 'cases_servicerequest'"
            " AND attname IN ('jurisdiction_id', 'source', 'source_id')"
        )
        described = {name for (name,) in cursor.fetchall()}
    # ANALYZE ran once 1,000 were created (after the first batch of 1,000), again at twice
    # that and at four times; the fifth batch did not reach eight times.
    assert measured == 4 * importing.BATCH
    assert described == {"jurisdiction_id", "source", "source_id"}  # what the lookup names


@pytest.mark.skipif(connection.vendor != "postgresql", reason="checks run beside the parsing")
def test_foreign_keys_are_checked_batch_by_batch_while_the_import_runs(nyc, monkeypatch):
    """The server checks each batch's foreign keys while the next one is parsed: a row that
    points nowhere fails the import at its own batch or the next, not at commit, as Django's
    IntegrityError (it was psycopg's own when the server answered before the second statement
    went out, which a slow machine showed), and nothing stays; the command says so."""
    monkeypatch.setattr(importing, "BATCH", 1000)  # the sample's 4,997 rows in five batches
    writes = []
    real_write, real_values_of = Importer.write, Importer.values_of

    def counted_write(self, records):
        writes.append(len(records))
        return real_write(self, records)

    def one_row_in_no_district(self, record):
        values = real_values_of(self, record)
        if record.line == 10:
            values["district_id"] = 987654  # no such district
        return values

    monkeypatch.setattr(Importer, "write", counted_write)
    monkeypatch.setattr(Importer, "values_of", one_row_in_no_district)
    with pytest.raises(IntegrityError, match="district"):
        import_file(NYC / "nyc_2023-02-28_sample.csv", preset("nyc"), nyc)
    assert 1 <= len(writes) <= 2  # found while the first or the second batch was written
    assert not ServiceRequest.objects.exists() and not CaseEvent.objects.exists()
    assert not ImportRun.objects.exists()
    path = str(NYC / "nyc_2023-02-28_sample.csv")
    with pytest.raises(CommandError, match="refused the import, and nothing was imported"):
        call_command("import_requests", path, "--preset", "nyc", stdout=io.StringIO())
    assert not ServiceRequest.objects.exists() and not ImportRun.objects.exists()


def test_a_long_field_is_imported_and_a_file_csv_cannot_read_stops_at_its_line(
    nyc, tmp_path, monkeypatch
):
    first, second = importable_nyc_rows()[:2]
    path = write_csv(tmp_path / "long.csv", [first, second | {"Descriptor": "x" * 200_000}])
    run = import_file(path, preset("nyc"), nyc)  # past csv's own 128 KiB limit
    assert run.created == 2 and run.problems["description shortened to 4,000 characters"] == 1
    monkeypatch.setattr(importing, "MAX_FIELD", 100_000)  # the same file, now unreadable
    with pytest.raises(CommandError, match=r"long\.csv, the row starting at line 3: field larger"):
        call_command("import_requests", str(path), "--preset", "nyc")
    assert ImportRun.objects.count() == 1  # the failed run left nothing behind


def test_rows_set_aside_are_written_as_they_come_and_all_counted(nyc, monkeypatch):
    monkeypatch.setattr(importing, "BATCH", 3)  # 16 rows set aside: written in six goes
    run = import_file(NYC / "nyc_2018-01_rodent_legacy_53_columns.csv", preset("nyc_legacy"), nyc)
    assert (run.rows_read, run.created, run.quarantined) == (155, 139, 16)
    lines = list(QuarantinedRow.objects.filter(run=run).values_list("line", flat=True))
    assert len(lines) == len(set(lines)) == 16
    assert find_break(nyc)[1] is None


def test_rows_are_numbered_by_their_lines_whatever_their_length(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text('a,b,c\n1,2,3\n\n4,5\n6,7,8,9\n"multi\nline",x,y\n10,11,12\n', encoding="utf-8")
    rows = list(importing.numbered_rows(path))
    assert [line for line, _ in rows] == [2, 4, 5, 7, 8]  # a blank line is no row
    assert rows[0][1] == {"a": "1", "b": "2", "c": "3"}
    assert rows[1][1].get("c", "") == "" and rows[1][1]["b"] == "5"  # a short row
    assert rows[2][1] == {"a": "6", "b": "7", "c": "8"}  # the field with no column is left out
    assert rows[3][1]["a"] == "multi\nline" and rows[4][1]["a"] == "10"


def test_times_at_a_clock_change_are_imported_and_counted(nyc, tmp_path):
    """01:30 on 5 November 2023 happened twice in New York and 02:30 on 12 March never did:
    the file cannot say which it meant, so the reading before the change is kept, and the
    report counts each such row once (imported, noted), never silently."""
    (tmp_path / "dst.csv").write_text(
        "id,opened,finished,what\n"
        "D1,2023-11-05 01:30,,Noise\n"  # twice: the first, still daylight time (-4)
        "D2,2023-03-12 02:30,,Noise\n"  # never: standard time (-5), as before the change
        "D3,2023-03-12 03:30,,Noise\n"  # an ordinary time just after it
        "D4,2023-11-05 00:30,2023-11-05 01:45,Noise\n"  # made before, closed in the hour
        "D5,2023-11-05T01:30:00-05:00,,Noise\n",  # its own offset says which: nothing to note
        encoding="utf-8",
    )
    mapping = parse_mapping(
        {
            "source": "dst",
            "time_zone": "America/New_York",
            "columns": {"source_id": "id", "created": "opened", "closed": "finished",
                        "service": "what"},
            "dates": {"formats": ["%Y-%m-%d %H:%M"]},
        }
    )  # fmt: skip
    run = import_file(tmp_path / "dst.csv", mapping, nyc)
    assert run.created == 5
    assert run.problems.get(importing.CLOCK_CHANGE) == 3
    made = dict(ServiceRequest.objects.values_list("source_id", "requested_at"))
    utc = dt.UTC
    assert made["D1"] == dt.datetime(2023, 11, 5, 5, 30, tzinfo=utc)
    assert made["D2"] == dt.datetime(2023, 3, 12, 7, 30, tzinfo=utc)
    assert made["D3"] == dt.datetime(2023, 3, 12, 7, 30, tzinfo=utc)
    assert made["D5"] == dt.datetime(2023, 11, 5, 6, 30, tzinfo=utc)


def test_an_ignored_closing_time_at_a_clock_change_is_not_counted(nyc, tmp_path):
    """An open request's closing date is not imported (and is reported as ignored), so its
    falling in the hour that happened twice is nothing to note."""
    (tmp_path / "open.csv").write_text(
        "id,opened,finished,what,state\n"
        "O1,2023-11-05 00:30,2023-11-05 01:45,Noise,Open\n"  # closing time ignored
        "O2,2023-11-05 00:30,2023-11-05 01:45,Noise,Closed\n",  # closed in that hour: noted
        encoding="utf-8",
    )
    mapping = parse_mapping(
        {
            "source": "dst",
            "time_zone": "America/New_York",
            "columns": {"source_id": "id", "created": "opened", "closed": "finished",
                        "service": "what", "status": "state"},
            "dates": {"formats": ["%Y-%m-%d %H:%M"]},
            "status": {"Open": "open", "Closed": "closed:resolved"},
        }
    )  # fmt: skip
    run = import_file(tmp_path / "open.csv", mapping, nyc)
    assert run.created == 2
    assert run.problems.get("closing date on an open request ignored") == 1
    assert run.problems.get(importing.CLOCK_CHANGE) == 1
    closed = dict(ServiceRequest.objects.values_list("source_id", "closed_at"))
    assert closed == {"O1": None, "O2": dt.datetime(2023, 11, 5, 5, 45, tzinfo=dt.UTC)}


NYC_COLUMNS = sorted(set(preset("nyc").columns.values()))
#: values that look right for the NYC columns, beside any text at all
PLAUSIBLE = st.sampled_from([
    "", "1", "56923577", "02/28/2023 11:45:00 PM", "03/12/2023 02:30:00 AM", "2023-02-28T23:45:00",
    "13/45/2023 99:00:00 PM", "Closed", "Open", "In Progress", "PHONE", "ONLINE", "DOT",
    "Noise - Residential", "40.748", "-74.007", "91", "nan", "1e400", "10011", "\x00",
])  # fmt: skip
ROW = st.dictionaries(st.sampled_from(NYC_COLUMNS), st.one_of(PLAUSIBLE, st.text(max_size=30)))


@given(rows=st.lists(ROW, max_size=6), tail=st.binary(max_size=40))
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_any_file_imports_with_its_problems_counted_or_stops_with_a_message(
    nyc, tmp_path, rows, tail
):
    """Whatever the rows hold, and whatever bytes end the file, the import either finishes,
    every row read counted as created or set aside, or stops with a message, writing nothing;
    imported again, the same file creates nothing."""
    path = tmp_path / "any.csv"
    with path.open("w", newline="", encoding="utf-8", errors="surrogatepass") as handle:
        writer = csv.DictWriter(handle, NYC_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    with path.open("ab") as handle:
        handle.write(tail)
    before = ServiceRequest.objects.count()
    try:
        run = import_file(path, preset("nyc"), nyc)
    except importing.ImportError_ as error:
        assert "nothing was imported" in str(error)
        assert ServiceRequest.objects.count() == before
        return
    assert run.created + run.updated + run.unchanged + run.quarantined == run.rows_read
    assert QuarantinedRow.objects.filter(run=run).count() == run.quarantined
    count = ServiceRequest.objects.count()
    again = import_file(path, preset("nyc"), nyc)  # the same file again: nothing new
    assert again.created == 0 and ServiceRequest.objects.count() == count
    assert again.quarantined == run.quarantined
