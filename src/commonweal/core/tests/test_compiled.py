"""A compiled query answers exactly what its queryset answers, compiling the SQL once."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import F

from commonweal.cases import services
from commonweal.cases.models import ServiceRequest
from commonweal.core.compiled import CompiledQuery

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
    with pytest.raises(ImproperlyConfigured, match="int and str"):
        CompiledQuery(lambda when: ServiceRequest.objects.none(), when=float)
