"""A real Open311 client (PyPI `georeport`) against a live server, in JSON and XML."""

import pytest
from georeport import GeoReport

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def endpoint(live_server, history):
    return f"{live_server.url}/open311/v2/"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_client_reads_services_and_definitions(endpoint, fmt):
    client = GeoReport(endpoint, output_format=fmt)
    services = client.get_service_list()
    assert {"pothole", "missed-collection"} <= {service["service_code"] for service in services}
    definition = client.get_service_definition("pothole")
    attributes = (
        definition["attributes"] if fmt == "json" else definition["attributes"]["attribute"]
    )
    assert "lane" in {attribute["code"] for attribute in attributes}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_client_lists_filters_and_reads_one_request(endpoint, history, fmt):
    client = GeoReport(endpoint, output_format=fmt)
    everything = client.get_service_requests()
    assert len(everything) == 3
    closed = client.get_service_requests(status="closed")
    closed = closed if isinstance(closed, list) else [closed]
    assert [item["service_request_id"] for item in closed] == [history.second.public_id]
    potholes = client.get_service_requests(service_code="pothole")
    assert {item["service_code"] for item in potholes} == {"pothole"}
    one = client.get_service_request(history.first.public_id)
    one = one[0] if isinstance(one, list) else one
    assert one["service_request_id"] == history.first.public_id
