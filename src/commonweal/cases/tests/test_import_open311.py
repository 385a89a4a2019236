"""`import_open311` reads another Open311 server: here a live Commonweal test server."""

import datetime as dt
import json
import threading
import urllib.parse
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from commonweal.cases.importing import UNREADABLE_TEXT, import_rows, open311
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


class Served:
    """A WSGI app served over real HTTP on a free port, as another city's server."""

    def __init__(self, app) -> None:
        self.server = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        return f"http://127.0.0.1:{self.server.server_port}/open311/v2/"

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class SpecOnlyServer:
    """Another city's Open311 server that has only what the spec says: `requests.json`
    filtered by start_date and end_date (both included), newest first, at most `limit`
    requests, and no paging (`page` and `page_size` ignored)."""

    def __init__(self, made: list[dt.datetime], limit: int) -> None:
        self.made, self.limit = made, limit

    def __call__(self, environ, start_response):
        query = urllib.parse.parse_qs(environ["QUERY_STRING"])
        start, end = (dt.datetime.fromisoformat(query[k][0]) for k in ("start_date", "end_date"))
        listed = sorted(
            ((made, number) for number, made in enumerate(self.made) if start <= made <= end),
            reverse=True,
        )  # newest first; requests made in the same second keep ids of their own
        items = [
            {"service_request_id": f"S{number}", "service_code": "pothole",
             "status": "open", "requested_datetime": made.isoformat()}
            for made, number in listed[: self.limit]
        ]  # fmt: skip
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(items).encode()]


class CappedServer:
    """Another city's server that pages, newest first, but answers at most `cap` requests a
    page whatever `page_size` asks; it counts its pages by the size asked (`by_asked`:
    page 2 starts after `page_size` requests) or by the size it answers."""

    def __init__(self, made: list[dt.datetime], cap: int, by_asked: bool) -> None:
        self.made, self.cap, self.by_asked = made, cap, by_asked

    def __call__(self, environ, start_response):
        query = urllib.parse.parse_qs(environ["QUERY_STRING"])
        start, end = (dt.datetime.fromisoformat(query[k][0]) for k in ("start_date", "end_date"))
        asked, page = int(query["page_size"][0]), int(query["page"][0])
        size = min(asked, self.cap)
        first = (page - 1) * (asked if self.by_asked else size)
        listed = sorted(
            ((made, number) for number, made in enumerate(self.made) if start <= made <= end),
            reverse=True,
        )[first : first + size]
        items = [
            {"service_request_id": f"S{number}", "service_code": "pothole",
             "status": "open", "requested_datetime": made.isoformat()}
            for made, number in listed
        ]  # fmt: skip
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(items).encode()]


SPREAD_NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def spread_out(count: int) -> list[dt.datetime]:
    """Times of `count` requests made about seven hours apart, 40 days before SPREAD_NOW."""
    return [SPREAD_NOW - dt.timedelta(days=40, hours=7 * n, seconds=13 * n) for n in range(count)]


def copied_ids(mirror) -> list[str]:
    return sorted(
        ServiceRequest.objects.filter(jurisdiction=mirror).values_list("source_id", flat=True)
    )


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def test_a_server_that_does_not_page_is_read_in_shorter_windows_and_nothing_is_lost(mirror):
    now, made = SPREAD_NOW, spread_out(23)
    with Served(SpecOnlyServer(made, limit=4)) as base:
        run = import_open311(base, mirror, now - dt.timedelta(days=120), now, page_size=4)
    assert copied_ids(mirror) == sorted(f"S{n}" for n in range(23))
    assert run.created == 23 and run.quarantined == 0  # before: the same 4, page after page
    assert find_break(mirror)[1] is None


@pytest.mark.parametrize("by_asked", [False, True])
def test_a_server_that_answers_fewer_a_page_than_asked_is_read_at_its_own_size(mirror, by_asked):
    """A page of 3 when 10 were asked is not taken for the window's last: page 2 says the
    server pages at 3, and the window is read again at that size. Before, every request
    after the first three of each window was silently left out."""
    now, made = SPREAD_NOW, spread_out(23)
    with Served(CappedServer(made, cap=3, by_asked=by_asked)) as base:
        run = import_open311(base, mirror, now - dt.timedelta(days=120), now, page_size=10)
    assert copied_ids(mirror) == sorted(f"S{n}" for n in range(23))
    assert run.created == 23


def test_a_server_that_does_not_page_and_answers_fewer_than_asked_loses_nothing(mirror):
    """A server without paging whose limit (4) is below the page size asked (10): a window
    that lists as many as the most any window listed may have been cut short, and is read
    again as two halves."""
    now, made = SPREAD_NOW, spread_out(23)
    with Served(SpecOnlyServer(made, limit=4)) as base:
        run = import_open311(base, mirror, now - dt.timedelta(days=120), now, page_size=10)
    assert copied_ids(mirror) == sorted(f"S{n}" for n in range(23))
    assert run.created == 23


def test_a_few_requests_in_one_second_of_a_server_that_does_not_page_are_read(mirror):
    """Three requests made in the same second fill no page of 10: the second is read whole,
    not refused for being impossible to split."""
    now = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    with Served(SpecOnlyServer([now - dt.timedelta(days=3)] * 3, limit=1000)) as base:
        run = import_open311(base, mirror, now - dt.timedelta(days=10), now, page_size=10)
    assert run.created == 3


def test_more_requests_in_one_second_than_a_page_of_a_server_that_does_not_page_is_an_error(
    mirror,
):
    now = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    crowd = [now - dt.timedelta(days=3)] * 5  # five requests in the same second
    server = Served(SpecOnlyServer(crowd, limit=4))
    with server as base, pytest.raises(CommandError, match="cannot all"):
        call_command(
            "import_open311", base, "--since", "2026-05-01", "--page-size", "4",
            "--jurisdiction", "mirror.example",
        )  # fmt: skip
    assert not ServiceRequest.objects.exists() and not ImportRun.objects.exists()


@pytest.mark.parametrize("size", ["0", "1001"])
def test_a_page_size_the_spec_does_not_allow_is_refused(mirror, size):
    with pytest.raises(CommandError, match="give 1 to 1,000"):
        call_command(
            "import_open311", "http://127.0.0.1:9/open311/v2/", "--page-size", size,
            "--jurisdiction", "mirror.example",
        )  # fmt: skip


@pytest.mark.parametrize(
    "body, message",
    [
        (b"[" + b'{"service_request_id": "x"},' * 20_000 + b"{}]", "larger than 100,000 bytes"),
        (b"[" * 40_000 + b"]" * 40_000, "not JSON"),  # nested past what the parser holds
        (b"<html>busy</html>", "not JSON"),
    ],
)
def test_an_answer_too_large_or_not_json_imports_nothing(mirror, monkeypatch, body, message):
    monkeypatch.setattr(open311, "MAX_PAGE_BYTES", 100_000)

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]

    with Served(app) as base, pytest.raises(CommandError, match=message):
        call_command("import_open311", base, "--jurisdiction", "mirror.example")
    assert not ServiceRequest.objects.exists() and not ImportRun.objects.exists()


def test_a_row_the_database_refuses_imports_nothing_and_says_so(mirror, monkeypatch):
    """A request pointing at a district that is gone (deleted while the import ran, say) is
    refused by the database, on SQLite at commit, on PostgreSQL at its batch's check: the
    command says so, and nothing stays."""
    from commonweal.cases.importing import Importer

    real_values_of = Importer.values_of

    def in_no_district(self, record):
        return real_values_of(self, record) | {"district_id": 987654}

    monkeypatch.setattr(Importer, "values_of", in_no_district)
    made = [dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=1)]
    refused = pytest.raises(CommandError, match="Nothing imported: the database refused it")
    with Served(SpecOnlyServer(made, limit=1000)) as base, refused:
        call_command("import_open311", base, "--jurisdiction", "mirror.example")
    assert not ServiceRequest.objects.exists() and not ImportRun.objects.exists()
