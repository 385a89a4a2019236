"""Shared fixtures: the Testville city and its cast (see commonweal.testing)."""

from types import SimpleNamespace

import pytest
from django.utils import translation

from commonweal import testing
from commonweal.cases import services
from commonweal.cases.authority import Actor
from commonweal.cases.models import Channel, Role
from commonweal.catalog.models import DistrictKind


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hash test passwords cheaply; production keeps Django's slow, safe default."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def english_unless_asked():
    """Start each test in English: a request in Spanish leaves its language on the thread."""
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def city(db):
    """Build Testville: jurisdiction, departments, districts, services and the cast."""
    jurisdiction = testing.JurisdictionFactory()
    streets = testing.DepartmentFactory(jurisdiction=jurisdiction, code="streets", name="Streets")
    sanitation = testing.DepartmentFactory(
        jurisdiction=jurisdiction, code="sanitation", name="Sanitation"
    )
    west = testing.DistrictFactory(
        jurisdiction=jurisdiction, code="W", boundary=testing.square(-75.1, 40.0, -75.0, 40.1)
    )
    east = testing.DistrictFactory(
        jurisdiction=jurisdiction, code="E", boundary=testing.square(-75.0, 40.0, -74.9, 40.1)
    )
    testing.DistrictFactory(
        jurisdiction=jurisdiction,
        code="N1",
        kind=DistrictKind.NEIGHBOURHOOD,
        boundary=testing.square(-75.1, 40.0, -74.9, 40.1),
    )
    pothole = testing.pothole_service(streets)
    collection = testing.ServiceFactory(
        jurisdiction=jurisdiction,
        department=sanitation,
        service_code="missed-collection",
        service_name="Missed collection",
    )
    testing.StandardFactory(service=collection)
    return SimpleNamespace(
        jurisdiction=jurisdiction,
        streets=streets,
        sanitation=sanitation,
        west=west,
        east=east,
        pothole=pothole,
        collection=collection,
        resident=Actor.resident(),
        ana=testing.staff("ana", Role.AGENT, streets),
        fern=testing.staff("fern", Role.FIELD_WORKER, streets),
        sam=testing.staff("sam", Role.SUPERVISOR, streets),
        hugo=testing.staff("hugo", Role.DEPARTMENT_HEAD, sanitation),
        carla=testing.staff("carla", Role.OFFICIAL, None),
        audrey=testing.staff("audrey", Role.AUDITOR, None),
    )


@pytest.fixture
def pothole_request(city):
    """A fresh pothole report in the west district, made by a resident on the web."""
    return services.submit(
        city.resident,
        service=city.pothole,
        channel=Channel.WEB,
        description="Deep pothole by the school gate",
        attributes={"lane": "left"},
        lat=40.05,
        long=-75.05,
    )
