"""The bulk writers store exactly what they are given, on both databases."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from commonweal.cases import services
from commonweal.cases.models import ImportRun, QuarantinedRow, ServiceRequest, Status
from commonweal.core.bulk import insert_dicts, update_dicts

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(city, pothole_request):
    made = [
        services.submit(city.resident, service=city.collection, channel="phone",
                        description=f"Bins {n}", lat=40.05, long=-74.95)
        for n in (1, 2)
    ]  # fmt: skip
    return [pothole_request, *made]


def test_update_dicts_sets_the_named_columns_of_the_given_rows_only(city, three):
    first, second, untouched = three
    closed = dt.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)
    before = ServiceRequest.objects.values().get(pk=untouched.pk)
    written = update_dicts(
        ServiceRequest,
        [
            {"id": first.pk, "status": Status.CLOSED, "closed_at": closed, "lat": None,
             "description": "Filled — «done»", "service_id": city.collection.pk},
            {"id": second.pk, "status": Status.NEW, "closed_at": None, "lat": 1.5,
             "description": "", "service_id": second.service_id},
        ],
        ["status", "closed_at", "lat", "description", "service_id"],
    )  # fmt: skip
    assert written == 2
    one, two = ServiceRequest.objects.get(pk=first.pk), ServiceRequest.objects.get(pk=second.pk)
    assert (one.status, one.closed_at, one.lat, one.description, one.service_id) == (
        Status.CLOSED, closed, None, "Filled — «done»", city.collection.pk
    )  # fmt: skip
    assert (two.status, two.closed_at, two.lat, two.description) == (Status.NEW, None, 1.5, "")
    assert one.address == first.address and one.long == first.long  # columns not named stay
    assert ServiceRequest.objects.values().get(pk=untouched.pk) == before
    assert update_dicts(ServiceRequest, [], ["status"]) == 0


def test_insert_dicts_stores_json_values_as_the_standard_encoder_reads_them(city):
    run = ImportRun.objects.create(
        jurisdiction=city.jurisdiction, source="test", file_name="f.csv", file_sha256="0" * 64
    )
    plain = {"text": "naïve “quotes”\u2028\U0001f600", "list": [1, None, True, {"a": 1.5}]}
    unusual = {"big": 2**70, 7: "a key that is a number"}  # what orjson refuses
    written = insert_dicts(
        QuarantinedRow,
        [{"run_id": run.pk, "line": 2, "problems": ["p"], "row": plain},
         {"run_id": run.pk, "line": 3, "problems": [], "row": unusual}],
    )  # fmt: skip
    assert written == 2
    stored = dict(QuarantinedRow.objects.filter(run=run).values_list("line", "row"))
    assert stored == {2: plain, 3: json.loads(json.dumps(unusual))}
    assert stored[3] == {"big": 2**70, "7": "a key that is a number"}
