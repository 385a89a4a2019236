"""`field__any` finds what `field__in` finds; on PostgreSQL the list travels as one array."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commonweal.cases.models import ServiceRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_requests(city, pothole_request):
    from commonweal.cases import services

    others = [
        services.submit(city.resident, service=city.pothole, channel="web",
                        description=f"Pothole {n}", attributes={"lane": "left"}, lat=40.05,
                        long=-75.05)
        for n in (1, 2)
    ]  # fmt: skip
    return [pothole_request, *others]


@pytest.mark.parametrize(
    "pick",
    [
        lambda ids: ids[:2],
        lambda ids: [ids[0], None, ids[0], "NOT-THERE"],  # None dropped, repeats sent once
        lambda ids: [],  # matches nothing
        lambda ids: ids,
    ],
)
def test_any_finds_what_in_finds(three_requests, pick):
    wanted = pick([r.public_id for r in three_requests])
    found = set(ServiceRequest.objects.filter(public_id__any=wanted).values_list("pk", flat=True))
    expected = set(ServiceRequest.objects.filter(public_id__in=wanted).values_list("pk", flat=True))
    assert found == expected
    if wanted and wanted[0] is not None:
        assert three_requests[0].pk in found


def test_any_takes_integers_and_subqueries(three_requests):
    pks = [r.pk for r in three_requests]
    assert ServiceRequest.objects.filter(pk__any=[pks[1], 2**40]).get().pk == pks[1]
    inner = ServiceRequest.objects.filter(pk__in=pks[:2]).values("public_id")
    assert ServiceRequest.objects.filter(public_id__any=inner).count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="arrays are PostgreSQL's")
def test_on_postgresql_the_list_is_one_parameter(three_requests):
    wanted = [r.public_id for r in three_requests]
    with CaptureQueriesContext(connection) as queries:
        assert ServiceRequest.objects.filter(public_id__any=wanted).count() == 3
    sql = queries.captured_queries[-1]["sql"]
    assert "= ANY(" in sql and " IN (" not in sql


def test_any_takes_expressions_among_the_values(three_requests):
    from django.db.models import Value
    from django.db.models.functions import Upper

    first, second, _ = (r.public_id for r in three_requests)
    wanted = [Upper(Value(first.lower())), second, None]
    found = set(
        ServiceRequest.objects.filter(public_id__any=wanted).values_list("public_id", flat=True)
    )
    assert found == {first, second}


def test_any_takes_values_that_cannot_be_hashed(three_requests):
    """JSON objects are dicts: `In` compares them one by one, and so does `any`."""
    for wanted, matches in (([{"lane": "left"}, None], 3), ([{"lane": "right"}], 0)):
        found = ServiceRequest.objects.filter(attributes__any=wanted)
        expected = ServiceRequest.objects.filter(attributes__in=wanted)
        assert set(found.values_list("pk", flat=True)) == set(expected.values_list("pk", flat=True))
        assert found.count() == matches  # the three were made with the left lane
