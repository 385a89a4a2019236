"""Routing rules choose the department; duplicate suggestions by distance and time."""

import datetime as dt

import time_machine

from commonweal.cases import services
from commonweal.cases.authority import Actor
from commonweal.cases.duplicates import duplicate_candidates
from commonweal.cases.models import CaseEvent, Channel
from commonweal.catalog.models import RoutingRule
from commonweal.testing import DepartmentFactory


def report(city, lat=40.05, long=-75.05, **extra):
    return services.submit(
        city.resident, service=city.pothole, channel=Channel.WEB,
        attributes={"lane": "left"}, lat=lat, long=long, **extra,
    )  # fmt: skip


def test_without_a_rule_the_service_department_takes_the_request(city):
    case = report(city)
    assert case.department == city.streets
    assert CaseEvent.objects.get(request=case).data["routing_rule"] is None


def test_a_district_rule_beats_the_any_district_rule_and_is_recorded(city):
    east_crew = DepartmentFactory(
        jurisdiction=city.jurisdiction, code="streets-east", name="East crew"
    )
    contractor = DepartmentFactory(
        jurisdiction=city.jurisdiction, code="contractor", name="Contractor"
    )
    east_rule = RoutingRule.objects.create(
        service=city.pothole, district=city.east, department=east_crew
    )
    RoutingRule.objects.create(service=city.pothole, district=None, department=contractor)
    east = report(city, long=-74.95)
    west = report(city, long=-75.05)
    assert east.department == east_crew and west.department == contractor
    assert CaseEvent.objects.get(request=east).data["routing_rule"] == east_rule.pk


def test_an_inactive_rule_is_ignored(city):
    east_crew = DepartmentFactory(
        jurisdiction=city.jurisdiction, code="streets-east", name="East crew"
    )
    RoutingRule.objects.create(
        service=city.pothole, district=city.east, department=east_crew, active=False
    )
    assert report(city, long=-74.95).department == city.streets


def test_duplicates_are_open_requests_of_the_same_service_nearby_and_recent(city):
    with time_machine.travel(dt.datetime(2026, 3, 2, 15, tzinfo=dt.UTC), tick=False):
        near = report(city, lat=40.0500, long=-75.0500)
        far = report(city, lat=40.0520, long=-75.0500)  # about 220 m north
        other_service = services.submit(
            city.resident, service=city.collection, channel="web", lat=40.05, long=-75.05
        )
        closed = report(city, lat=40.05001, long=-75.05)
        services.close(Actor.system("test"), closed, "resolved", public_text="Fixed")
    with time_machine.travel(dt.datetime(2026, 2, 1, 15, tzinfo=dt.UTC), tick=False):
        old = report(city, lat=40.05, long=-75.05)
    with time_machine.travel(dt.datetime(2026, 3, 3, 9, tzinfo=dt.UTC), tick=False):
        new = report(city, lat=40.05002, long=-75.05002)  # about 3 m away
    assert list(duplicate_candidates(new)) == [near]
    assert set(duplicate_candidates(new, radius_m=300)) == {near, far}
    assert set(duplicate_candidates(new, window_days=40)) == {near, old}
    assert other_service not in duplicate_candidates(new, radius_m=300)


def test_a_request_without_a_location_has_no_suggestions(city):
    case = report(city, lat=None, long=None, address="1 Main St")
    assert list(duplicate_candidates(case)) == []
