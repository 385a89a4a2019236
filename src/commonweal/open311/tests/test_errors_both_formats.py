"""Every error path answers in the format the path asks for, with the right status."""

import json

import pytest

from commonweal.cases.models import ServiceRequest
from commonweal.catalog.models import Jurisdiction
from commonweal.open311.tests.conftest import BASE, parse_xml


def codes_of(response, fmt):
    if fmt == "json":
        assert response["Content-Type"] == "application/json; charset=utf-8"
        return [error["code"] for error in json.loads(response.content)]
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    root = parse_xml(response)
    assert root.tag == "errors"
    return [int(error.findtext("code")) for error in root.findall("error")]


CASES = [
    ("get", "requests.{fmt}?status=lost", 400),
    ("get", "requests.{fmt}?start_date=yesterday", 400),
    ("get", "servicerequestupdates.{fmt}?end_date=2026-01-01", 400),
    # times at the ends of the calendar, whose default windows once overflowed (a 500)
    ("get", "servicerequestupdates.{fmt}?end_date=0001-01-01T00:02:00Z", 400),
    ("get", "requests.{fmt}?start_date=9999-12-01T00:00:00Z", 400),
    ("get", "requests.{fmt}?updated_after=0001-01-01T00:00:00%2B01:00", 400),
    ("post", "requests.{fmt}", 403),
    ("post", "servicerequestupdates.{fmt}", 403),
    ("get", "requests/NOSUCHID.{fmt}", 404),
    ("get", "request/NOSUCHID.{fmt}", 404),
    ("get", "services/unicorns.{fmt}", 404),
    ("get", "tokens/nope.{fmt}", 404),
    ("get", "services.{fmt}?jurisdiction_id=atlantis", 404),
    ("get", "no-such-resource.{fmt}", 404),
    ("delete", "requests.{fmt}", 405),
    ("put", "services.{fmt}", 405),
]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("method, path, status", CASES)
def test_the_error_comes_in_the_asked_format(client, history, fmt, method, path, status):
    response = getattr(client, method)(f"{BASE}/{path.format(fmt=fmt)}")
    assert response.status_code == status
    assert codes_of(response, fmt) == [status] * len(codes_of(response, fmt))
    assert b"Traceback" not in response.content


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_missing_jurisdiction_id_among_several_is_a_400(client, history, fmt):
    Jurisdiction.objects.create(jurisdiction_id="other.example", name="Other", time_zone="UTC")
    response = client.get(f"{BASE}/requests.{fmt}")
    assert response.status_code == 400 and codes_of(response, fmt) == [400]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_rate_limited_post_is_a_429_in_the_asked_format(client, history, api_key, settings, fmt):
    settings.OPEN311_POST_RATES = {"open311_post_key": "1/minute", "open311_post_ip": "100/minute"}
    fields = {"api_key": api_key, "service_code": "missed-collection", "address_string": "1 Main"}
    assert client.post(f"{BASE}/requests.{fmt}", fields).status_code == 201
    response = client.post(f"{BASE}/requests.{fmt}", fields)
    assert response.status_code == 429 and codes_of(response, fmt) == [429]
    assert response["Retry-After"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_server_failure_is_a_500_in_the_format_without_a_traceback(
    client, history, fmt, monkeypatch
):
    from commonweal.open311 import views

    def explode(*args, **kwargs):
        raise RuntimeError("database on fire: secret detail")

    monkeypatch.setattr(views.queries, "public_services", explode)
    response = client.get(f"{BASE}/services.{fmt}")
    assert response.status_code == 500 and codes_of(response, fmt) == [500]
    assert b"secret detail" not in response.content and b"Traceback" not in response.content


def test_the_endpoints_root_is_an_open311_404_that_points_to_discovery(client, city):
    response = client.get(f"{BASE}/")
    assert response.status_code == 404 and codes_of(response, "xml") == [404]
    assert "discovery.xml" in parse_xml(response).findtext("error/description")


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("path", ["requests", "servicerequestupdates"])
@pytest.mark.parametrize(
    "fields, status, says",
    [  # past Django's 2.5 MB of fields, and past its 1,000 fields: both were a 500
        ({"description": "x" * 3_000_000}, 413, "larger than 2.5 MB"),
        ({f"field{n}": "1" for n in range(1_500)}, 400, "more than 1,000 fields"),
    ],
)
def test_a_post_past_the_servers_limits_is_refused_in_the_asked_format(
    client, history, api_key, fmt, path, fields, status, says
):
    response = client.post(f"{BASE}/{path}.{fmt}", {**fields, "api_key": api_key})
    assert response.status_code == status and codes_of(response, fmt) == [status]
    assert says in response.content.decode()
    assert ServiceRequest.objects.count() == 3  # the history's: nothing written
