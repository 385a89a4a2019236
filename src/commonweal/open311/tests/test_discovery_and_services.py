"""Discovery, the service list and service definitions, in JSON and XML."""

import pytest

from commonweal.catalog.models import Jurisdiction
from commonweal.open311.tests.conftest import BASE, parse_xml


def test_discovery_lists_the_endpoint_in_both_formats(client, city):
    body = client.get(f"{BASE}/discovery.json").json()
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2/")
    assert endpoint["formats"] == ["text/xml", "application/json"]
    root = parse_xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.find("endpoints/endpoint/formats")] == [
        "text/xml",
        "application/json",
    ]


def test_services_are_a_json_array_with_real_booleans(client, city):
    response = client.get(f"{BASE}/services.json")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    services = {service["service_code"]: service for service in response.json()}
    assert services["pothole"]["metadata"] is True
    assert services["missed-collection"]["metadata"] is False
    assert services["pothole"]["keywords"] == "road,hole,bache"
    assert set(services["pothole"]) == {
        "service_code", "service_name", "description", "metadata", "type", "keywords", "group",
    }  # fmt: skip


def test_services_in_xml(client, city):
    response = client.get(f"{BASE}/services.xml")
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    root = parse_xml(response)
    assert root.tag == "services"
    codes = [service.findtext("service_code") for service in root.findall("service")]
    assert "pothole" in codes
    assert root.find("service[service_code='pothole']/metadata").text == "true"


def test_inactive_services_are_not_listed(client, city):
    city.collection.active = False
    city.collection.save()
    codes = [service["service_code"] for service in client.get(f"{BASE}/services.json").json()]
    assert "missed-collection" not in codes
    assert client.get(f"{BASE}/services/missed-collection.json").status_code == 404


def test_a_service_definition_has_typed_attributes_in_order(client, city):
    definition = client.get(f"{BASE}/services/pothole.json").json()
    assert definition["service_code"] == "pothole"
    attributes = definition["attributes"]
    assert [attribute["order"] for attribute in attributes] == list(range(1, len(attributes) + 1))
    lane = next(attribute for attribute in attributes if attribute["code"] == "lane")
    assert lane["required"] is True and lane["variable"] is True
    assert lane["values"] == [{"key": "left", "name": "Left"}, {"key": "right", "name": "Right"}]
    note = next(attribute for attribute in attributes if attribute["code"] == "note")
    assert note["variable"] is False


def test_a_service_definition_in_xml_and_by_the_alias_path(client, city):
    root = parse_xml(client.get(f"{BASE}/service/pothole.xml"))
    assert root.tag == "service_definition"
    lane = root.find("attributes/attribute[code='lane']")
    assert [value.findtext("key") for value in lane.findall("values/value")] == ["left", "right"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_service_is_a_404_in_the_error_format(client, city, fmt):
    response = client.get(f"{BASE}/services/unicorns.{fmt}")
    assert response.status_code == 404
    if fmt == "json":
        assert response.json() == [
            {"code": 404, "description": "service_code unicorns was not found"}
        ]
    else:
        root = parse_xml(response)
        assert root.tag == "errors" and root.findtext("error/code") == "404"


def test_an_unknown_format_or_resource_is_a_404(client, city):
    assert client.get(f"{BASE}/services.csv").status_code == 404
    response = client.get(f"{BASE}/whatever.json")
    assert response.status_code == 404 and response.json()[0]["code"] == 404


def test_several_jurisdictions_need_a_jurisdiction_id(client, city):
    Jurisdiction.objects.create(jurisdiction_id="other.example", name="Other", time_zone="UTC")
    response = client.get(f"{BASE}/services.json")
    assert response.status_code == 400
    assert "jurisdiction_id is required" in response.json()[0]["description"]
    ours = client.get(f"{BASE}/services.json?jurisdiction_id=testville.example").json()
    assert "pothole" in {service["service_code"] for service in ours}
    assert client.get(f"{BASE}/services.json?jurisdiction_id=other.example").json() == []
    assert client.get(f"{BASE}/services.json?jurisdiction_id=atlantis").status_code == 404


def test_an_empty_jurisdiction_id_counts_as_absent(client, city):
    assert client.get(f"{BASE}/services.json?jurisdiction_id=").status_code == 200


def test_writing_verbs_are_refused_on_read_only_resources(client, city):
    response = client.post(f"{BASE}/services.json")
    assert response.status_code == 405
    assert response.json()[0]["code"] == 405


def test_the_developer_page_explains_the_api_in_both_languages(client, city):
    page = client.get("/open311/").content.decode()
    assert "http://testserver/open311/v2/" in page and "open311_key create" in page
    spanish = client.get("/open311/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "API Open311 para desarrolladores" in spanish


@pytest.mark.parametrize("accept", ["application/xml", "text/html", "application/json"])
def test_the_paths_suffix_is_the_format_whatever_the_accept_header(client, city, accept):
    as_json = client.get(f"{BASE}/services.json", HTTP_ACCEPT=accept)
    assert as_json.status_code == 200 and as_json["Content-Type"].startswith("application/json")
    assert as_json.json()[0]["service_code"]
    assert "Accept," not in as_json["Vary"] + ","  # a cache may share it across Accept values
    assert as_json["Allow"] == "GET, HEAD, OPTIONS"
    as_xml = client.get(f"{BASE}/services.xml", HTTP_ACCEPT=accept)
    assert as_xml.status_code == 200 and parse_xml(as_xml).tag == "services"
