"""GET requests and requests/{id}: shapes, filters, defaults, privacy."""

import datetime as dt
import re

import pytest
from django.db import connection

from commonweal.cases.models import ServiceRequest
from commonweal.open311.tests.conftest import BASE, parse_xml
from commonweal.testing import prepared_statements

W3C = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")


def get(client, path, **params):
    response = client.get(f"{BASE}/{path}", params)
    return response


def ids(response):
    return [item["service_request_id"] for item in response.json()]


def test_a_request_has_the_spec_fields_and_types(client, history):
    items = get(client, "requests.json").json()
    assert len(items) == 3
    item = next(i for i in items if i["service_request_id"] == history.first.public_id)
    assert item["status"] == "open"
    assert item["status_notes"] == "A crew will look at it this week."
    assert item["service_code"] == "pothole" and item["agency_responsible"] == "Streets"
    assert item["service_notice"] == "We aim to fix this within 5 working days."
    assert isinstance(item["lat"], float) and isinstance(item["long"], float)
    assert item["zipcode"] == "19100" and isinstance(item["zipcode"], str)
    for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert W3C.match(item[name]), item[name]
    assert item["requested_datetime"].endswith(("-05:00", "-04:00"))


def test_a_closed_request_reports_its_closing_time_and_explanation(client, history):
    item = get(client, f"requests/{history.second.public_id}.json").json()[0]
    assert item["status"] == "closed"
    assert item["status_notes"] == "Collected on Tuesday."
    closed = ServiceRequest.objects.get(pk=history.second.pk).closed_at
    assert dt.datetime.fromisoformat(item["updated_datetime"]) == closed.replace(microsecond=0)


def test_no_personal_data_or_internal_note_is_ever_returned(client, history):
    for path in ("requests.json", "requests.xml", f"requests/{history.first.public_id}.json"):
        body = get(client, path, extensions="true").content.decode()
        for secret in ("Rosa", "rosa@private.example", "555-0100", "foreman"):
            assert secret not in body, (path, secret)


def test_a_sensitive_service_publishes_a_generalised_location(client, city, history):
    city.pothole.sensitive = True
    city.pothole.save()
    ServiceRequest.objects.filter(pk=history.first.pk).update(lat=40.0537, long=-75.0462)
    item = get(client, f"requests/{history.first.public_id}.json").json()[0]
    assert (item["lat"], item["long"]) == (40.05, -75.05)
    assert item["address"] == "" and item["description"] == ""


def test_the_single_request_is_a_one_element_array_and_404_when_unknown(client, history):
    assert len(get(client, f"requests/{history.third.public_id}.json").json()) == 1
    assert get(client, f"request/{history.third.public_id}.json").status_code == 200
    response = get(client, "requests/NOSUCHID.xml")
    assert response.status_code == 404 and parse_xml(response).tag == "errors"


def test_requests_in_xml(client, history):
    root = parse_xml(get(client, "requests.xml"))
    assert root.tag == "service_requests"
    assert len(root.findall("request")) == 3
    assert root.find("request/lat").text is not None


def test_service_request_id_overrides_every_other_filter(client, history):
    response = get(
        client,
        "requests.json",
        service_request_id=f"{history.first.public_id},{history.second.public_id}",
        service_code="nothing",
        status="closed",
    )
    assert sorted(ids(response)) == sorted([history.first.public_id, history.second.public_id])
    # a known service code and a window far in the past are ignored as well
    overridden = get(
        client, "requests.json", service_request_id=history.second.public_id,
        service_code="pothole", start_date="2001-01-01T00:00:00Z",
    )  # fmt: skip
    assert ids(overridden) == [history.second.public_id]


def test_filters_by_service_code_and_status_lists(client, history):
    assert set(ids(get(client, "requests.json", service_code="pothole"))) == {
        history.first.public_id,
        history.third.public_id,
    }
    assert ids(get(client, "requests.json", status="closed")) == [history.second.public_id]
    assert len(ids(get(client, "requests.json", status="open,closed"))) == 3
    assert len(ids(get(client, "requests.json", service_code="pothole,missed-collection"))) == 3


def test_the_default_window_is_the_last_90_days(client, history):
    ServiceRequest.objects.filter(pk=history.third.pk).update(
        requested_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=120)
    )
    assert history.third.public_id not in ids(get(client, "requests.json"))
    old = get(
        client,
        "requests.json",
        start_date=(dt.datetime.now(dt.UTC) - dt.timedelta(days=130)).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        ),
    )
    assert history.third.public_id in ids(old)


def test_date_filters_need_a_zone_and_at_most_90_days(client, history):
    response = get(client, "requests.json", start_date="2026-01-01", end_date="2026-01-02T00:00:00")
    assert response.status_code == 400
    assert len(response.json()) == 2  # one error per bad parameter, all at once
    response = get(
        client, "requests.json", start_date="2026-01-01T00:00:00Z", end_date="2026-06-01T00:00:00Z"
    )
    assert response.status_code == 400 and "90 days" in response.json()[0]["description"]


def test_all_bad_parameters_are_reported_at_once(client, history):
    response = get(client, "requests.json", status="lost", page="0", page_size="5000", bbox="1,2,3")
    assert response.status_code == 400
    described = " ".join(error["description"] for error in response.json())
    for name in ("status", "page ", "page_size", "bbox"):
        assert name in described


def test_pages_split_the_list(client, history):
    first = ids(get(client, "requests.json", page_size="2"))
    second = ids(get(client, "requests.json", page_size="2", page="2"))
    assert len(first) == 2 and len(second) == 1 and not set(first) & set(second)


def test_updated_after_and_before(client, history):
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    stamp = later.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(get(client, "requests.json", updated_after=stamp)) == []
    assert len(ids(get(client, "requests.json", updated_before=stamp))) == 3


def test_bbox_and_radius(client, history):
    west = ids(get(client, "requests.json", bbox="-75.1,40.0,-75.0,40.1"))
    assert west == [history.first.public_id]
    near = ids(get(client, "requests.json", lat="40.05", long="-74.95", radius="500"))
    assert near == [history.third.public_id]
    response = get(client, "requests.json", lat="40.05", long="-74.95")
    assert response.status_code == 400 and "radius" in response.json()[0]["description"]


def test_detailed_status_filter_and_extensions(client, history):
    received = ids(get(client, "requests.json", detailed_status="RECEIVED"))
    assert received == [history.third.public_id]
    processed = get(client, "requests.json", detailed_status="PROCESSED", extensions="true").json()
    assert [item["service_request_id"] for item in processed] == [history.second.public_id]
    extra = processed[0]["extended_attributes"]
    assert extra["detailed_status"] == "PROCESSED" and extra["channel"] == "phone"
    assert [note["description"] for note in processed[0]["notes"]] == ["Collected on Tuesday."]


def test_notes_in_xml_extensions(client, history):
    root = parse_xml(get(client, f"requests/{history.first.public_id}.xml", extensions="true"))
    notes = root.findall("request/notes/note")
    assert [note.findtext("description") for note in notes] == ["A crew will look at it this week."]
    assert root.findtext("request/extended_attributes/detailed_status") == "IN_PROCESS"


@pytest.mark.parametrize("param", ["service_code", "status", "start_date", "page"])
def test_an_empty_parameter_is_the_same_as_absent(client, history, param):
    assert len(ids(get(client, "requests.json", **{param: ""}))) == 3


def test_a_page_may_hold_at_most_1000_results(client, history):
    response = get(client, "requests.json", page_size="1001")
    assert response.status_code == 400 and "page_size" in response.json()[0]["description"]
    assert len(ids(get(client, "requests.json", page_size="1000"))) == 3


@pytest.mark.parametrize("path", ["requests.json?service_code=a%00b", "requests/AB%00C.json"])
def test_a_nul_character_is_a_clear_400(client, history, path):
    response = client.get(f"{BASE}/{path}")
    assert response.status_code == 400
    assert "NUL character" in response.json()[0]["description"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL prepares statements")
def test_lists_and_the_updates_feed_are_planned_for_their_own_window(client, history):
    """A generic plan (made without the window) read and sorted every request of a month where
    the plan for the window stops at the page: `core.plans`."""
    connection.ensure_connection()
    threshold = connection.connection.prepare_threshold
    for _ in range(12):  # the same query, past the runs after which a generic plan can start
        response = client.get(f"{BASE}/requests.json", {"service_code": "pothole"})
        assert response.status_code == 200 and len(response.json()) == 2
        assert client.get(f"{BASE}/servicerequestupdates.json").status_code == 200
    statements = prepared_statements()
    assert not [s for s in statements if '"cases_servicerequest"."requested_at" >=' in s]
    assert not [s for s in statements if '"cases_caseevent"."occurred_at" >=' in s]
    # every other query on the connection is still prepared after the calls
    assert threshold is not None and connection.connection.prepare_threshold == threshold
