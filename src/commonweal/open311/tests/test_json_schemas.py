"""Every JSON answer validates against the schemas written from the specification."""

import jsonschema
import pytest

from commonweal.open311.tests import open311_schemas as schemas
from commonweal.open311.tests.conftest import BASE


def check(response, schema, status=200):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    jsonschema.validate(response.json(), schema)


def test_discovery_services_and_definitions(client, history):
    check(client.get(f"{BASE}/discovery.json"), schemas.DISCOVERY)
    check(client.get(f"{BASE}/services.json"), schemas.SERVICES)
    for code in ("pothole", "missed-collection"):
        check(client.get(f"{BASE}/services/{code}.json"), schemas.SERVICE_DEFINITION)


@pytest.mark.parametrize(
    "params", [{}, {"extensions": "true"}, {"status": "closed"}, {"page_size": "1"}]
)
def test_request_lists(client, history, params):
    check(client.get(f"{BASE}/requests.json", params), schemas.REQUESTS)


def test_single_requests_and_updates(client, history):
    for case in (history.first, history.second, history.third):
        check(client.get(f"{BASE}/requests/{case.public_id}.json"), schemas.REQUESTS)
    check(client.get(f"{BASE}/servicerequestupdates.json"), schemas.UPDATES)


def test_created_and_errors(client, history, api_key):
    fields = {"api_key": api_key, "service_code": "missed-collection", "address_string": "1 Main"}
    check(client.post(f"{BASE}/requests.json", fields), schemas.CREATED, 201)
    check(client.post(f"{BASE}/requests.json", {**fields, "api_key": ""}), schemas.ERRORS, 403)
    check(client.get(f"{BASE}/requests.json", {"status": "x"}), schemas.ERRORS, 400)
    check(client.get(f"{BASE}/requests/NOPE.json"), schemas.ERRORS, 404)


def test_the_schemas_catch_a_wrong_shape():
    """The schemas are strict enough to fail: a numeric id or a string boolean is refused."""
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            [{"service_code": 1, "service_name": "x", "metadata": True, "type": "realtime"}],
            schemas.SERVICES,
        )
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            [{"service_code": "a", "service_name": "x", "metadata": "true", "type": "realtime"}],
            schemas.SERVICES,
        )
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            [
                {
                    "service_request_id": "A",
                    "status": "open",
                    "service_code": "a",
                    "requested_datetime": "2026-01-01T00:00:00",
                }
            ],
            schemas.REQUESTS,
        )
