"""POST requests: keys, validation in the Open311 error format, idempotent retries, limits."""

import pytest
from django.core.management import call_command

from commonweal.cases.models import CaseEvent, Requester, ServiceRequest
from commonweal.catalog.models import ServiceType
from commonweal.open311.keys import check_key, create_key, revoke_key
from commonweal.open311.models import ApiKey
from commonweal.open311.tests.conftest import BASE, parse_xml

GOOD = {
    "service_code": "pothole",
    "lat": "40.05",
    "long": "-75.05",
    "attribute[lane]": "left",
    "description": "Big hole",
}


def post(client, api_key, fmt="json", headers=None, **fields):
    data = {**GOOD, **fields}
    if api_key is not None:
        data["api_key"] = api_key
    return client.post(f"{BASE}/requests.{fmt}", data, headers=headers or {})


def test_a_valid_post_creates_a_request_through_the_domain(client, city, api_key):
    response = post(
        client, api_key, email="r@example.org", first_name="Rosa", last_name="Diaz",
        **{"attribute[hazards][]": ["left", "water"]},
    )  # fmt: skip
    assert response.status_code == 201
    [created] = response.json()
    case = ServiceRequest.objects.get(public_id=created["service_request_id"])
    assert created["service_notice"] == "We aim to fix this within 5 working days."
    assert case.channel == "api" and case.attributes["hazards"] == ["left", "water"]
    assert case.requester.name == "Rosa Diaz" and case.district == city.west
    event = CaseEvent.objects.get(request=case)
    assert event.actor_label.startswith("open311:") and event.rule_code == "resident.submit.any"


def test_the_answer_in_xml(client, city, api_key):
    root = parse_xml(post(client, api_key, fmt="xml"))
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id")


@pytest.mark.parametrize("key", [None, "", "not-a-real-key-at-all"])
def test_a_missing_or_wrong_key_is_a_403(client, city, key):
    response = post(client, key)
    assert response.status_code == 403
    assert "api_key" in response.json()[0]["description"]
    assert not ServiceRequest.objects.exists()


def test_a_revoked_key_is_refused(client, city, api_key):
    revoke_key(ApiKey.objects.get())
    assert post(client, api_key).status_code == 403


def test_every_bad_field_is_reported_and_nothing_is_written(client, city, api_key):
    response = post(
        client, api_key, lat="95", long="x", description="<b>hi</b>",
        email="nope", **{"attribute[lane]": "middle"},
    )  # fmt: skip
    assert response.status_code == 400
    described = [error["description"] for error in response.json()]
    assert all(error["code"] == 400 for error in response.json())
    for field in ("lat:", "long:", "description:", "email:", "attribute[lane]:"):
        assert any(text.startswith(field) for text in described), (field, described)
    assert not ServiceRequest.objects.exists() and not CaseEvent.objects.exists()
    assert not Requester.objects.exists()


def test_errors_in_xml(client, city, api_key):
    response = post(client, api_key, fmt="xml", lat="95")
    root = parse_xml(response)
    assert response.status_code == 400 and root.tag == "errors"
    assert root.findtext("error/code") == "400"


def test_a_missing_or_unknown_service_code(client, city, api_key):
    assert post(client, api_key, service_code="").status_code == 400
    assert post(client, api_key, service_code="unicorns").status_code == 404


def test_a_location_outside_the_city_is_refused(client, city, api_key):
    response = post(client, api_key, lat="41.5")
    assert response.status_code == 400 and "outside Testville" in response.content.decode()


def test_an_address_string_is_a_location(client, city, api_key):
    response = post(client, api_key, lat="", long="", address_string="12 Main St")
    assert response.status_code == 201
    assert ServiceRequest.objects.get().address == "12 Main St"


def test_a_retry_with_the_same_idempotency_key_creates_one_request(client, city, api_key):
    first = post(client, api_key, headers={"Idempotency-Key": "abc-1"})
    again = post(client, api_key, headers={"Idempotency-Key": "abc-1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert ServiceRequest.objects.count() == 1
    other = post(client, api_key, headers={"Idempotency-Key": "abc-2"})
    assert other.json() != first.json() and ServiceRequest.objects.count() == 2


def test_reusing_an_idempotency_key_for_other_parameters_is_refused(client, city, api_key):
    post(client, api_key, headers={"Idempotency-Key": "abc-1"})
    response = post(client, api_key, headers={"Idempotency-Key": "abc-1"}, description="Other")
    assert (
        response.status_code == 400 and "different parameters" in response.json()[0]["description"]
    )
    assert ServiceRequest.objects.count() == 1


@pytest.mark.parametrize(
    "rates",
    [
        {"open311_post_key": "2/minute", "open311_post_ip": "100/minute"},
        {"open311_post_key": "100/minute", "open311_post_ip": "2/minute"},
    ],
)
def test_too_many_posts_get_a_429_with_retry_after(client, city, api_key, settings, rates):
    settings.OPEN311_POST_RATES = rates
    assert post(client, api_key).status_code == 201
    assert post(client, api_key).status_code == 201
    response = post(client, api_key)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()[0]["code"] == 429
    assert ServiceRequest.objects.count() == 2
    assert client.get(f"{BASE}/services.json").status_code == 200  # reading is not limited


def test_a_batch_service_answers_with_a_token(client, city, api_key):
    city.pothole.type = ServiceType.BATCH
    city.pothole.save()
    [created] = post(client, api_key).json()
    assert "service_request_id" not in created
    [found] = client.get(f"{BASE}/tokens/{created['token']}.json").json()
    assert found["service_request_id"] == ServiceRequest.objects.get().public_id
    assert client.get(f"{BASE}/tokens/nope.json").status_code == 404


def test_no_key_starts_with_a_dash_which_the_revoke_command_would_take_for_an_option(
    db, monkeypatch
):
    tokens = iter(["-starts-with-a-dash-" + "a" * 23, "plain-" + "b" * 37])
    monkeypatch.setattr("commonweal.open311.keys.secrets.token_urlsafe", lambda n: next(tokens))
    _, raw = create_key("Client")
    assert raw.startswith("plain-")


def test_the_key_command_prints_a_key_once_and_keeps_only_its_hash(db, capsys):
    call_command("open311_key", "create", "FixMyStreet")
    raw = capsys.readouterr().out.strip()
    stored = ApiKey.objects.get()
    assert raw not in (stored.key_hash, stored.prefix) and stored.key_hash != raw
    assert check_key(raw) == stored and check_key(raw + "x") is None
    call_command("open311_key", "revoke", stored.prefix)
    assert check_key(raw) is None


def test_many_other_clients_do_not_wipe_a_clients_count(client, city, api_key, settings):
    """The database cache evicts a third of its live entries whenever it holds more than
    MAX_ENTRIES; a rate limiter's counts must survive a crowd (or a crowd of invented keys)."""
    settings.OPEN311_POST_RATES = {"open311_post_key": "2/minute", "open311_post_ip": "1000/minute"}
    cache = settings.CACHES["default"]
    settings.CACHES = {
        "default": {**cache, "OPTIONS": {**cache.get("OPTIONS", {}), "MAX_ENTRIES": 5}}
    }
    assert post(client, api_key).status_code == 201
    assert post(client, api_key).status_code == 201
    for n in range(30):  # other clients, each with a key of its own (invalid ones count too)
        client.post(f"{BASE}/requests.json", {"api_key": f"made-up-{n}", "service_code": "x"},
                    REMOTE_ADDR=f"10.0.0.{n}")  # fmt: skip
    assert post(client, api_key).status_code == 429
