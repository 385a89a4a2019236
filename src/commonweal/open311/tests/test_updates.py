"""The mySociety servicerequestupdates extension, read and write."""

import datetime as dt

from commonweal.cases import services
from commonweal.cases.authority import Actor
from commonweal.cases.models import CaseEvent
from commonweal.open311.tests.conftest import BASE, parse_xml


def stamp(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_updates_lie_inside_the_window_with_real_change_times(client, history):
    start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    end = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    updates = client.get(
        f"{BASE}/servicerequestupdates.json", {"start_date": stamp(start), "end_date": stamp(end)}
    ).json()
    assert updates
    for update in updates:
        moment = dt.datetime.fromisoformat(update["updated_datetime"])
        assert start - dt.timedelta(seconds=1) <= moment <= end
        event = CaseEvent.objects.get(pk=int(update["update_id"]))
        assert event.occurred_at.replace(microsecond=0) == moment
    closing = next(u for u in updates if u["description"] == "Collected on Tuesday.")
    assert (
        closing["status"] == "fixed" and closing["service_request_id"] == history.second.public_id
    )
    assert not any("foreman" in update["description"] for update in updates)


def test_update_ids_are_stable_between_calls(client, history):
    first = client.get(f"{BASE}/servicerequestupdates.json").json()
    services.publish_update(Actor.system("test"), history.third, "A crew is on the way.")
    second = client.get(f"{BASE}/servicerequestupdates.json").json()
    assert [u["update_id"] for u in second[: len(first)]] == [u["update_id"] for u in first]
    assert second[-1]["description"] == "A crew is on the way."


def test_a_window_in_the_past_has_no_updates(client, history):
    response = client.get(
        f"{BASE}/servicerequestupdates.xml",
        {"start_date": "2020-01-01T00:00:00Z", "end_date": "2020-01-02T00:00:00Z"},
    )
    root = parse_xml(response)
    assert root.tag == "service_request_updates" and len(root) == 0


def test_a_client_posts_a_resident_update(client, history, api_key):
    response = client.post(
        f"{BASE}/servicerequestupdates.json",
        {
            "api_key": api_key,
            "service_request_id": history.first.public_id,
            "status": "OPEN",
            "description": "Still there this morning",
        },
    )
    assert response.status_code == 201
    event = CaseEvent.objects.get(pk=int(response.json()[0]["update_id"]))
    assert event.action == "case.resident_commented" and event.data["reported_status"] == "OPEN"
    listed = client.get(f"{BASE}/servicerequestupdates.json").json()
    assert any(update["description"] == "Still there this morning" for update in listed)


def test_posting_an_update_needs_a_key_a_request_and_text(client, history, api_key):
    url = f"{BASE}/servicerequestupdates.json"
    fields = {"service_request_id": history.first.public_id, "description": "Hi"}
    assert client.post(url, fields).status_code == 403
    assert (
        client.post(url, {**fields, "api_key": api_key, "service_request_id": "NOPE"}).status_code
        == 404
    )
    assert client.post(url, {**fields, "api_key": api_key, "description": ""}).status_code == 400


def test_a_window_with_too_many_updates_is_refused_not_cut_short(
    client, history, settings, monkeypatch
):
    from commonweal.open311 import views

    monkeypatch.setattr(views, "MAX_UPDATES", 2)
    response = client.get(f"{BASE}/servicerequestupdates.json")
    assert response.status_code == 400
    assert "shorter window" in response.json()[0]["description"]
