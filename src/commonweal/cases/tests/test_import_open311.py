"""`import_open311` reads another Open311 server: here a live Commonweal test server."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from commonweal.cases.importing import UNREADABLE_TEXT, import_rows
from commonweal.cases.importing.open311 import import_open311, parse_remote, storable
from commonweal.cases.log import find_break
from commonweal.cases.models import CaseEvent, ImportRun, QuarantinedRow, ServiceRequest
from commonweal.catalog.models import Jurisdiction

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def mirror(db):
    return Jurisdiction.objects.create(
        jurisdiction_id="mirror.example", name="Mirror", time_zone="America/New_York"
    )


def test_it_copies_every_request_with_its_times_and_pages_through(live_server, city, mirror):
    from commonweal.cases import services
    from commonweal.cases.authority import Actor

    made = [
        services.submit(
            city.resident, service=city.collection, channel="web", address=f"{n} Main St"
        )
        for n in range(5)
    ]
    services.close(Actor.system("test"), made[0], "resolved", public_text="Done")
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    base = f"{live_server.url}/open311/v2/"
    run = import_open311(base, mirror, since, page_size=2, remote_jurisdiction="testville.example")
    assert (run.rows_read, run.created, run.quarantined) == (5, 5, 0)
    copies = {case.source_id: case for case in ServiceRequest.objects.filter(jurisdiction=mirror)}
    assert set(copies) == {case.public_id for case in made}
    original = ServiceRequest.objects.get(pk=made[0].pk)
    copy = copies[original.public_id]
    assert copy.requested_at == original.requested_at.replace(microsecond=0)
    assert copy.status == "closed" and copy.closed_at == original.closed_at.replace(microsecond=0)
    assert CaseEvent.objects.filter(jurisdiction=mirror, action="case.imported").count() == 6
    assert find_break(mirror)[1] is None
    again = import_open311(
        base, mirror, since, page_size=2, remote_jurisdiction="testville.example"
    )
    assert (again.created, again.unchanged) == (0, 5)


def test_an_unreachable_server_imports_nothing(mirror):
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command(
            "import_open311", "http://127.0.0.1:9/open311/v2/", "--jurisdiction", "mirror.example"
        )
    with pytest.raises(CommandError, match="http"):
        call_command("import_open311", "file:///etc/passwd", "--jurisdiction", "mirror.example")
    assert not ServiceRequest.objects.exists()


def test_whatever_a_remote_server_sends_is_set_aside_or_imported_never_a_crash(mirror):
    """NULs in text, numbers JSON has none for, coordinates off the globe, things that are
    no request at all: each request is imported or set aside with its reason, and stored."""
    good = {"service_request_id": "R1", "service_code": "pothole",
            "requested_datetime": "2026-05-01T10:00:00-04:00", "status": "open"}  # fmt: skip
    items = [
        good,
        {**good, "service_request_id": "R2", "description": "a\x00b"},
        {**good, "service_request_id": "R3", "lat": float("nan"), "long": True},
        {**good, "service_request_id": "R4", "lat": 400, "long": -75.0},
        ["not", "a", "request"],
        "R6",
    ]
    run = ImportRun.objects.create(
        jurisdiction=mirror, source="open311:remote", file_name="remote", file_sha256=""
    )
    rows = ((number, storable(item)) for number, item in enumerate(items, start=1))
    with transaction.atomic():  # as `import_open311` runs it
        run = import_rows(run, "open311:remote", rows, parse_remote)
    assert (run.rows_read, run.created, run.quarantined) == (6, 3, 3)
    kept_out = dict(QuarantinedRow.objects.filter(run=run).values_list("line", "problems"))
    assert kept_out == {
        2: [UNREADABLE_TEXT],
        5: ["not a request (a JSON object)"],
        6: ["not a request (a JSON object)"],
    }
    assert QuarantinedRow.objects.get(run=run, line=2).row["description"] == "a\ufffdb"
    located = ServiceRequest.objects.filter(jurisdiction=mirror).values_list("source_id", "lat")
    assert dict(located) == {"R1": None, "R3": None, "R4": None}
    assert run.problems["missing location"] == 4  # R2 set aside, its warning counted too
