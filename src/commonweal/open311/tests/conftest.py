"""Fixtures for the Open311 tests: an API key, a few requests with history, helpers."""

from types import SimpleNamespace

import pytest
from lxml import etree

from commonweal.cases import services
from commonweal.cases.authority import Actor
from commonweal.cases.models import Channel
from commonweal.cases.services import RequesterDetails
from commonweal.open311.keys import create_key

BASE = "/open311/v2"


@pytest.fixture
def api_key(db):
    _key, raw = create_key("Test client")
    return raw


@pytest.fixture
def history(city):
    """Three requests: an open pothole with contact details and an internal note, a closed
    collection request, and a pothole in the east district."""
    sam = Actor.for_user(city.sam)
    first = services.submit(
        city.resident,
        service=city.pothole,
        channel=Channel.WEB,
        description="Deep pothole by the school gate",
        attributes={"lane": "left"},
        lat=40.05,
        long=-75.05,
        address="1 School Lane",
        zipcode="19100",
        requester=RequesterDetails(
            name="Rosa Secret", email="rosa@private.example", phone="555-0100"
        ),
    )
    first = services.acknowledge(sam, first, public_text="A crew will look at it this week.")
    services.add_note(sam, first, "Resident Rosa Secret is a neighbour of the foreman")
    second = services.submit(
        city.resident, service=city.collection, channel=Channel.PHONE, address="2 Bin Street"
    )
    hugo = Actor.for_user(city.hugo)
    second = services.close(hugo, second, "resolved", public_text="Collected on Tuesday.")
    third = services.submit(
        city.resident,
        service=city.pothole,
        channel=Channel.APP,
        attributes={"lane": "right"},
        lat=40.05,
        long=-74.95,
    )
    return SimpleNamespace(first=first, second=second, third=third)


def parse_xml(response):
    """Parse with a strict parser (no recovery, no entities, no network); return the root."""
    parser = etree.XMLParser(recover=False, resolve_entities=False, no_network=True)
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return etree.fromstring(response.content, parser)
