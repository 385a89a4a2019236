"""Taking in a request: validation of every input, due times, district, the first event."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commonweal.cases import services
from commonweal.cases.models import CaseEvent, Channel, Requester, ServiceRequest, Status
from commonweal.cases.services import RequesterDetails
from commonweal.cases.validation import MAX_DESCRIPTION


def submit(city, **overrides):
    fields = {
        "service": city.pothole,
        "channel": Channel.WEB,
        "attributes": {"lane": "left"},
        "lat": 40.05,
        "long": -75.05,
    } | overrides
    return services.submit(city.resident, **fields)


def errors_of(excinfo):
    return excinfo.value.message_dict


@time_machine.travel(dt.datetime(2026, 3, 6, 15, 0, tzinfo=dt.UTC), tick=False)
def test_a_valid_report_gets_an_id_district_due_times_and_one_event(city):
    case = submit(city, requester=RequesterDetails(name="Rosa", email="rosa@example.org"))
    assert len(case.public_id) == 8 and case.public_id.isalnum()
    assert case.status == Status.NEW and case.open311_status == "open"
    assert case.district == city.west
    assert case.department == city.streets
    # Friday 10:00 in New York + 5 working days = the next Friday 10:00 (EST -> EDT on 8 March).
    assert case.resolve_due == dt.datetime(2026, 3, 13, 14, 0, tzinfo=dt.UTC)
    assert case.acknowledge_due == dt.datetime(2026, 3, 9, 14, 0, tzinfo=dt.UTC)
    event = CaseEvent.objects.get(request=case)
    assert (event.action, event.role, event.rule_code) == (
        "case.created",
        "resident",
        "resident.submit.any",
    )
    assert "Rosa" not in str(event.data) and "rosa@" not in str(event.data)
    assert case.requester.email == "rosa@example.org"


def test_a_report_reads_no_district_boundary_after_placing_it(city):
    """The placing reads boundaries once per process (a cached index); the event names the
    district by its code, read without its boundary, which for a real city's council
    districts can be megabytes of GeoJSON on every report."""
    submit(city)  # the district index is built and cached
    with CaptureQueriesContext(connection) as queries:
        case = submit(city)
    assert not [q["sql"] for q in queries if '"catalog_district"."boundary"' in q["sql"]]
    assert CaseEvent.objects.get(request=case).data["district"] == city.west.code


def test_an_urgent_report_follows_the_urgent_standard(city):
    case = submit(city, priority="urgent")
    assert case.resolve_due - case.requested_at == dt.timedelta(hours=24)


def test_a_report_without_a_standard_has_no_due_times(city):
    city.pothole.standards.all().delete()
    case = submit(city)
    assert case.resolve_due is None and case.standard is None


def test_a_report_outside_the_jurisdiction_is_refused(city):
    with pytest.raises(ValidationError, match="outside Testville"):
        submit(city, lat=41.5, long=-75.05)
    assert not ServiceRequest.objects.exists()


def test_a_jurisdiction_without_districts_takes_any_location(city):
    from commonweal.catalog.models import District

    District.objects.all().delete()
    assert submit(city, lat=41.5, long=-75.05).district is None


def test_a_media_url_must_be_a_web_address(city):
    assert submit(city, media_url="https://img.example.org/p.jpg").media_url
    with pytest.raises(ValidationError, match="http or https"):
        submit(city, media_url="javascript:alert(1)")


def test_a_resident_comment_is_a_public_event_that_changes_no_state(city, pothole_request):
    event = services.comment(city.resident, pothole_request, "Still there", reported_status="OPEN")
    assert (event.action, event.public_text, event.role) == (
        "case.resident_commented",
        "Still there",
        "resident",
    )
    assert event.data == {"changes": {}, "reported_status": "OPEN", "text_language": "en"}
    stored = ServiceRequest.objects.get(pk=pothole_request.pk)
    assert stored.status == Status.NEW and stored.status_notes == ""


def test_an_address_alone_is_enough(city):
    case = submit(city, lat=None, long=None, address="12 Main St")
    assert case.lat is None and case.address == "12 Main St" and case.district is None


def test_all_problems_are_reported_at_once_and_nothing_is_written(city):
    with pytest.raises(ValidationError) as excinfo:
        submit(
            city,
            channel="carrier-pigeon",
            priority="whenever",
            description="<script>alert(1)</script>",
            lat=123,
            long="east",
            attributes={"lane": "middle", "colour": "red"},
            requester=RequesterDetails(email="not-an-email"),
        )
    assert set(errors_of(excinfo)) == {
        "channel",
        "priority",
        "description",
        "lat",
        "long",
        "attribute[lane]",
        "attribute[colour]",
        "email",
    }
    assert not ServiceRequest.objects.exists()
    assert not CaseEvent.objects.exists()
    assert not Requester.objects.exists()


def test_a_location_is_required(city):
    with pytest.raises(ValidationError) as excinfo:
        submit(city, lat=None, long=None)
    assert "location" in errors_of(excinfo)


@pytest.mark.parametrize(
    "lat, long", [(float("nan"), 0), (0, float("inf")), (90.1, 0), (0, -180.5)]
)
def test_coordinates_out_of_range_are_refused(city, lat, long):
    with pytest.raises(ValidationError):
        submit(city, lat=lat, long=long)


def test_a_description_over_the_limit_is_refused_with_its_length(city):
    with pytest.raises(ValidationError, match=f"limit is {MAX_DESCRIPTION}"):
        submit(city, description="x" * (MAX_DESCRIPTION + 1))


def test_a_description_with_a_less_than_sign_is_plain_text(city):
    assert submit(city, description="hole is < 3 m from the kerb & deep").description


def test_an_inactive_service_takes_no_requests(city):
    city.pothole.active = False
    city.pothole.save()
    with pytest.raises(ValidationError) as excinfo:
        submit(city)
    assert "service_code" in errors_of(excinfo)


def test_public_ids_are_unique(city):
    ids = {submit(city).public_id for _ in range(20)}
    assert len(ids) == 20


def test_validation_messages_are_given_in_spanish(city):
    from django.utils import translation

    with translation.override("es"), pytest.raises(ValidationError) as excinfo:
        submit(city, lat=None, long=None, description="<b>hola</b>")
    errors = errors_of(excinfo)
    assert errors["location"] == [
        "Indique la ubicación como latitud y longitud o como una dirección."
    ]
    assert "no puede contener HTML" in errors["description"][0]


class MainStreetGeocoder:
    """A test geocoder that knows two addresses, one outside Testville."""

    def locate(self, jurisdiction, address):
        from commonweal.catalog.geocoding import Point

        return {"1 Main St": Point(40.05, -74.95), "9 Far Away": Point(45.0, -70.0)}.get(address)


def test_a_configured_geocoder_places_an_address(city, settings):
    settings.COMMONWEAL_GEOCODER = "commonweal.cases.tests.test_submit.MainStreetGeocoder"
    case = submit(city, lat=None, long=None, address="1 Main St")
    assert (case.lat, case.long, case.district) == (40.05, -74.95, city.east)
    unknown = submit(city, lat=None, long=None, address="2 Nowhere Rd")
    assert unknown.lat is None and unknown.address == "2 Nowhere Rd"
    with pytest.raises(ValidationError, match="outside Testville"):
        submit(city, lat=None, long=None, address="9 Far Away")


def test_without_a_geocoder_an_address_stays_text(city):
    case = submit(city, lat=None, long=None, address="1 Main St")
    assert case.lat is None and case.district is None


def test_public_ids_use_only_the_unambiguous_alphabet_evenly():
    from collections import Counter

    from commonweal.cases.ids import ALPHABET, LENGTH, new_public_id, new_public_ids

    for ids in ([new_public_id() for _ in range(3000)], new_public_ids(3000)):
        assert len(ids) == 3000 and len(set(ids)) > 2990
        assert all(len(i) == LENGTH and set(i) <= set(ALPHABET) for i in ids)
        counts = Counter("".join(ids))
        expected = 3000 * LENGTH / len(ALPHABET)
        assert set(counts) == set(ALPHABET)
        assert all(0.8 * expected < count < 1.2 * expected for count in counts.values())
