"""The jurisdiction the API serves is kept for a few seconds, and forgotten on a change."""

import pytest

from commonweal.catalog import served
from commonweal.catalog.models import Jurisdiction, Service
from commonweal.open311.tests.conftest import BASE


def requested_offset(client, pothole_request):
    item = client.get(f"{BASE}/requests/{pothole_request.public_id}.json").json()[0]
    return item["requested_datetime"][-6:]


def test_a_saved_change_is_served_at_once(client, city, pothole_request):
    city.jurisdiction.time_zone = "America/New_York"
    city.jurisdiction.save()
    assert requested_offset(client, pothole_request) in ("-05:00", "-04:00")
    city.jurisdiction.time_zone = "Asia/Tokyo"
    city.jurisdiction.save()
    assert requested_offset(client, pothole_request) == "+09:00"


def test_a_second_jurisdiction_makes_the_id_required_at_once(client, city):
    assert client.get(f"{BASE}/services.json").status_code == 200
    Jurisdiction.objects.create(jurisdiction_id="other.example", name="Other", time_zone="UTC")
    assert client.get(f"{BASE}/services.json").status_code == 400


def test_a_change_made_elsewhere_is_served_once_the_kept_copy_is_stale(
    client, city, pothole_request, monkeypatch
):
    city.jurisdiction.time_zone = "Asia/Tokyo"
    city.jurisdiction.save()
    assert requested_offset(client, pothole_request) == "+09:00"
    # another process's change: no signal reaches this one
    Jurisdiction.objects.filter(pk=city.jurisdiction.pk).update(time_zone="UTC")
    assert requested_offset(client, pothole_request) == "+09:00"
    now = served.time.monotonic()
    monkeypatch.setattr(served.time, "monotonic", lambda: now + served.FRESH_FOR + 1)
    assert requested_offset(client, pothole_request) == "+00:00"


def test_each_caller_gets_its_own_copy(city):
    first = served.served_jurisdiction(None)
    first.name = "Changed by one caller"
    assert served.served_jurisdiction(None).name == city.jurisdiction.name


def test_unknown_ids_are_not_kept(city):
    for code in ("atlantis", "el-dorado"):
        with pytest.raises(Jurisdiction.DoesNotExist):
            served.served_jurisdiction(code)
    assert served.served_jurisdiction(city.jurisdiction.jurisdiction_id) == city.jurisdiction
    assert set(served._kept) == {("jurisdiction", city.jurisdiction.jurisdiction_id)}


def test_service_codes_are_kept_and_a_new_service_is_found_at_once(city, monkeypatch):
    assert served.service_ids(["pothole", "atlantis", "pothole"]) == [city.pothole.pk]
    assert served.service_ids(["atlantis"]) == []
    graffiti = Service.objects.create(
        jurisdiction=city.jurisdiction, department=city.pothole.department,
        service_code="graffiti-x", service_name="Graffiti",
    )  # fmt: skip
    assert served.service_ids(["graffiti-x"]) == [graffiti.pk]  # saved here: forgotten at once
    # another process renames it: seen once the kept map is stale
    Service.objects.filter(pk=graffiti.pk).update(service_code="graffiti-y")
    assert served.service_ids(["graffiti-y"]) == []
    now = served.time.monotonic()
    monkeypatch.setattr(served.time, "monotonic", lambda: now + served.FRESH_FOR + 1)
    assert served.service_ids(["graffiti-y"]) == [graffiti.pk]


def test_the_home_citys_name_and_zone_are_one_kept_reading(city, django_assert_num_queries):
    """The header's name and the pages' time zone come from the same row: one query for
    both, none again while kept, and a renamed city at once."""
    served.forget_served()
    with django_assert_num_queries(1):
        assert served.home_name() == "Testville"
        assert str(served.home_zone()) == "America/New_York"
    with django_assert_num_queries(0):
        served.home_name()
        served.home_zone()
    city.jurisdiction.name = "City of Testville"
    city.jurisdiction.save()
    assert served.home_name() == "City of Testville"
