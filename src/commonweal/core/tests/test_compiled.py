"""A compiled query answers exactly what its queryset answers, compiling the SQL once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from commonweal.cases import services
from commonweal.cases.models import ServiceRequest
from commonweal.core.compiled import CompiledQuery, CompiledShapes

pytestmark = pytest.mark.django_db


def rows_of(jurisdiction_id, public_id):
    # an annotation among the columns: the named tuple must keep the order asked for
    return (
        ServiceRequest.objects.filter(jurisdiction_id=jurisdiction_id, public_id=public_id)
        .annotate(code=F("service__service_code"))
        .values_list("public_id", "code", "status", "requested_at", "lat", named=True)
    )


@pytest.fixture
def two_requests(city, pothole_request):
    other = services.submit(
        city.resident, service=city.collection, channel="phone", description="Bins left out",
        lat=40.05, long=-74.95,
    )  # fmt: skip
    return [pothole_request, other]


def test_it_answers_what_the_queryset_answers_for_each_call(city, two_requests):
    built = []
    compiled = CompiledQuery(
        lambda jurisdiction_id, public_id: built.append(1) or rows_of(jurisdiction_id, public_id),
        jurisdiction_id=int,
        public_id=str,
    )
    for case in [*two_requests, *two_requests]:
        got = compiled(jurisdiction_id=city.jurisdiction.pk, public_id=case.public_id)
        assert got == list(rows_of(city.jurisdiction.pk, case.public_id))
        assert got[0].public_id == case.public_id and got[0].requested_at == case.requested_at
        assert got[0].code == case.service.service_code
        assert got[0].requested_at.tzinfo is not None  # converted as Django converts it
    assert compiled(jurisdiction_id=city.jurisdiction.pk, public_id="NOPE") == []
    elsewhere = str(city.jurisdiction.pk + 1)  # as text: the declared int is applied
    assert compiled(jurisdiction_id=elsewhere, public_id=two_requests[0].public_id) == []
    assert len(built) == 1  # compiled once, then only bound


def test_a_shape_that_changes_a_value_is_refused(city):
    starts = CompiledQuery(
        lambda code: ServiceRequest.objects.filter(public_id__startswith=code).values_list(
            "pk", named=True
        ),
        code=str,
    )
    with pytest.raises(ImproperlyConfigured, match="did not reach the SQL"):
        starts(code="AB")


def test_only_named_rows_are_compiled(city):
    models = CompiledQuery(lambda pk: ServiceRequest.objects.filter(pk=pk), pk=int)
    with pytest.raises(ImproperlyConfigured, match="values_list"):
        models(pk=1)
    with pytest.raises(ImproperlyConfigured, match="int, float, str and datetime"):
        CompiledQuery(lambda codes: ServiceRequest.objects.none(), codes=list)


def test_times_and_numbers_are_bound_as_the_database_takes_them(city, two_requests):
    since = CompiledQuery(
        lambda made, north: (
            ServiceRequest.objects.filter(requested_at__gte=made, lat__gt=north)
            .order_by("pk")
            .values_list("public_id", named=True)
        ),
        made=dt.datetime,
        north=float,
    )
    first = two_requests[0].requested_at
    for made, north, expected in [
        (first - dt.timedelta(hours=1), 40.0, 2),
        (first + dt.timedelta(days=1), 40.0, 0),
        (first.astimezone(dt.timezone(dt.timedelta(hours=-5))), 40.0, 2),  # another zone
        (first - dt.timedelta(hours=1), 40.06, 0),
    ]:
        got = since(made=made, north=north)
        assert len(got) == expected
        assert got == list(since.queryset(made=made, north=north))
    with pytest.raises(TypeError, match="a datetime is needed"):
        since(made="2026-01-01", north=1.0)


# --- shapes that vary from call to call ----------------------------------------------------


@dataclass(frozen=True)
class Filters:
    jurisdiction_id: int
    codes: tuple[str, ...] = ()
    since: dt.datetime | None = None
    north_of: float | None = None
    closed: bool = False  # not a value: part of the shape


def filtered(call: Filters):
    requests = ServiceRequest.objects.filter(jurisdiction_id=call.jurisdiction_id)
    if call.codes:
        requests = requests.filter(service__service_code__in=call.codes)
    if call.since:
        requests = requests.filter(requested_at__gte=call.since)
    if call.north_of is not None:
        requests = requests.filter(lat__gt=call.north_of)
    if call.closed:
        requests = requests.filter(status="closed")
    return requests.order_by("pk").values_list("public_id", "requested_at", named=True)


def swap_filter_values(call: Filters, swap):
    return replace(
        call,
        jurisdiction_id=swap("jurisdiction", call.jurisdiction_id),
        codes=tuple(swap(f"code.{n}", code) for n, code in enumerate(call.codes)),
        since=None if call.since is None else swap("since", call.since),
        north_of=None if call.north_of is None else swap("north_of", call.north_of),
    )


def test_each_shape_answers_what_its_queryset_answers_compiled_once(city, two_requests):
    built = []
    shapes = CompiledShapes(lambda call: built.append(call) or filtered(call), swap_filter_values)
    made = two_requests[0].requested_at  # the pothole (40.05 N); the bins at 40.05 N too
    here = city.jurisdiction.pk
    calls = [
        Filters(here),
        Filters(here, codes=("pothole",)),
        Filters(here, codes=("missed-collection",)),  # the same shape, another value
        Filters(here, codes=("pothole", "missed-collection")),  # a longer list: a new shape
        Filters(here, since=made - dt.timedelta(hours=1)),
        Filters(here, since=made + dt.timedelta(days=1)),
        Filters(here, north_of=40.0),
        Filters(here, north_of=40.06),
        Filters(here, closed=True),
        Filters(here + 1),
    ]
    for call in [*calls, *calls]:
        assert shapes(call) == list(filtered(call)), call
    # each call's own values were used
    assert [len(shapes(call)) for call in calls] == [2, 1, 1, 2, 2, 0, 2, 0, 0, 0]
    assert len([call for call in built if call.jurisdiction_id != here]) == 6  # once a shape
    assert len(built) == 6


def test_a_shape_that_matches_nothing_runs_through_the_orm(city, pothole_request):
    def named(call: Filters):  # the codes here are public ids, always filtered by
        return ServiceRequest.objects.filter(public_id__in=call.codes).values_list(
            "public_id", named=True
        )

    def swap_codes(call: Filters, swap):
        return replace(call, codes=tuple(swap(f"code.{n}", c) for n, c in enumerate(call.codes)))

    shapes = CompiledShapes(named, swap_codes)
    nothing, one = Filters(city.jurisdiction.pk), Filters(city.jurisdiction.pk, codes=("x",))
    with CaptureQueriesContext(connection) as queries:
        assert shapes(nothing) == shapes(nothing) == []  # an empty IN list: no query at all
        assert shapes(replace(one, codes=(pothole_request.public_id,)))[0].public_id == (
            pothole_request.public_id
        )
    assert len(queries) == 1
    assert shapes._compiled[(connection.vendor, shapes.shape(nothing))] is None
    assert shapes._compiled[(connection.vendor, shapes.shape(one))] is not None


def test_a_value_the_queryset_transforms_is_refused(city):
    def starting(call: Filters):
        return ServiceRequest.objects.filter(public_id__startswith=call.codes[0]).values_list(
            "pk", named=True
        )

    shapes = CompiledShapes(starting, swap_filter_values)
    with pytest.raises(ImproperlyConfigured, match="did not reach the SQL"):
        shapes(Filters(city.jurisdiction.pk, codes=("AB",)))
    with pytest.raises(ImproperlyConfigured, match="no stand-in exists for code.0=b'AB'"):
        shapes(Filters(city.jurisdiction.pk, codes=(b"AB",)))


def test_only_the_latest_shapes_are_kept(city, pothole_request):
    shapes = CompiledShapes(filtered, swap_filter_values, limit=2)
    first, second, third = (
        Filters(city.jurisdiction.pk),
        Filters(city.jurisdiction.pk, closed=True),
        Filters(city.jurisdiction.pk, north_of=1.0),
    )
    for call in (first, second, third, third):
        shapes(call)
    kept = {shape for _, shape in shapes._compiled}
    assert kept == {shapes.shape(second), shapes.shape(third)}
