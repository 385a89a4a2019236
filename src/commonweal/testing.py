"""Factories and a small cast for the tests (factory_boy).

The city: Testville (America/New_York), two departments (Streets, Sanitation), two council
districts sharing an edge at longitude -75.0, a pothole service with one attribute of
every Open311 datatype, and a missed-collection service.

The cast: a resident; Ana, an agent in Streets; Fern, a field worker in Streets; Sam, a
supervisor in Streets; Hugo, head of Sanitation; Carla, a council member; Audrey, an auditor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import factory
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commonweal.cases.authority import Actor
from commonweal.cases.models import CaseEvent, Role, ServiceRequest, StaffProfile
from commonweal.catalog.models import (
    AttributeValue,
    Datatype,
    Department,
    District,
    Jurisdiction,
    Priority,
    Service,
    ServiceAttribute,
    ServiceStandard,
    TimeUnit,
)


def square(west: float, south: float, east: float, north: float) -> dict[str, Any]:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


class JurisdictionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Jurisdiction
        django_get_or_create = ("jurisdiction_id",)

    jurisdiction_id = "testville.example"
    name = "Testville"
    time_zone = "America/New_York"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("jurisdiction", "code")

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    code = "streets"
    name = "Streets"
    email = "streets@testville.example"


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    code = factory.Sequence(lambda n: f"D{n}")
    name = factory.LazyAttribute(lambda district: f"District {district.code}")
    boundary = factory.LazyFunction(lambda: square(-75.1, 40.0, -75.0, 40.1))
    population = 50000
    median_household_income = 60000


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        django_get_or_create = ("jurisdiction", "service_code")

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    department = factory.SubFactory(
        DepartmentFactory, jurisdiction=factory.SelfAttribute("..jurisdiction")
    )
    service_code = factory.Sequence(lambda n: f"svc-{n}")
    service_name = factory.LazyAttribute(lambda service: f"Service {service.service_code}")
    group = "Streets"


class StandardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceStandard

    service = factory.SubFactory(ServiceFactory)
    priority = Priority.NORMAL
    acknowledge_within = 1
    acknowledge_unit = TimeUnit.WORKING_DAYS
    resolve_within = 5
    resolve_unit = TimeUnit.WORKING_DAYS
    effective_from = dt.date(2020, 1, 1)
    public_wording = "We aim to fix this within 5 working days."


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery staple")
    email = factory.LazyAttribute(lambda user: f"{user.username}@testville.example")


def staff(username: str, role: Role, department: Department | None) -> User:
    """Return a user holding `role` (as a group) and working in `department`."""
    user: User = UserFactory.create(username=username)
    user.groups.add(Group.objects.get_or_create(name=role.value)[0])
    StaffProfile.objects.update_or_create(user=user, defaults={"department": department})
    return user


def pothole_service(department: Department) -> Service:
    """Return the pothole service with one attribute of each Open311 datatype."""
    service: Service = ServiceFactory.create(
        jurisdiction=department.jurisdiction,
        department=department,
        service_code="pothole",
        service_name="Pothole",
        keywords="road,hole,bache",
    )
    specs = [
        ("depth_cm", Datatype.NUMBER, False),
        ("seen_at", Datatype.DATETIME, False),
        ("landmark", Datatype.STRING, False),
        ("details", Datatype.TEXT, False),
        ("lane", Datatype.SINGLEVALUELIST, True),
        ("hazards", Datatype.MULTIVALUELIST, False),
    ]
    for order, (code, datatype, required) in enumerate(specs):
        attribute = ServiceAttribute.objects.create(
            service=service,
            code=code,
            datatype=datatype,
            required=required,
            order=order,
            description=code.replace("_", " ").capitalize(),
        )
        if datatype in (Datatype.SINGLEVALUELIST, Datatype.MULTIVALUELIST):
            for key in ("left", "right", "water") if code == "hazards" else ("left", "right"):
                AttributeValue.objects.create(attribute=attribute, key=key, name=key.title())
    ServiceAttribute.objects.create(
        service=service,
        code="note",
        datatype=Datatype.STRING,
        variable=False,
        order=99,
        description="Crews fix potholes in daylight hours.",
    )
    StandardFactory(service=service, priority=Priority.NORMAL)
    StandardFactory(
        service=service,
        priority=Priority.URGENT,
        acknowledge_within=1,
        acknowledge_unit=TimeUnit.CALENDAR_HOURS,
        resolve_within=24,
        resolve_unit=TimeUnit.CALENDAR_HOURS,
        public_wording="We make dangerous potholes safe within 24 hours.",
    )
    return service


def as_actor(user: User) -> Actor:
    return Actor.for_user(user)


def prepared_statements() -> list[str]:
    """The SQL of the statements this connection has prepared (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


#: what a hurried person or a script might type into a field: any text, and values that trip
#: number, date and text parsers
TYPED = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "0", "1", "-1", "9" * 20, "nan", "NaN", "1e309", "\x00", "on"]),
)


def post_anything(
    client: Client,
    url: str,
    fields: list[str],
    values: st.SearchStrategy[str],
    *,
    answers: tuple[int, ...],
    examples: int,
    complete: Callable[[dict[str, Any]], dict[str, Any]] = lambda data: data,
) -> None:
    """Hypothesis posts any of `fields`, each any of `values` (`complete` adds what every
    post must carry), to `url`: the answer's status is one of `answers`, never a server
    error, and unless it is a redirect (the form was taken) nothing was written — no
    request, no event in the case log."""

    @given(st.dictionaries(st.sampled_from(fields), values, max_size=len(fields)))
    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))
    def post(data: dict[str, Any]) -> None:
        requests, events = ServiceRequest.objects.count(), CaseEvent.objects.count()
        response = client.post(url, complete(data))
        assert response.status_code in answers, (url, data, response.status_code)
        if response.status_code != 302:
            assert ServiceRequest.objects.count() == requests
            assert CaseEvent.objects.count() == events

    post()


#: JavaScript for a browser test: the cells of stacked tables (`usa-table--stacked`, one cell
#: a line on a phone) that do not name their column (`data-label`), which on a phone leaves a
#: bare value ("52 % (46 of 89)": of what?); a checkbox and a cell across columns need none
UNLABELLED_STACKED_CELLS = """Array.from(
    document.querySelectorAll('table.usa-table--stacked tbody tr > *'))
  .filter((cell) => !cell.hasAttribute('data-label') && !cell.hasAttribute('colspan')
    && !cell.querySelector('input[type=checkbox]'))
  .map((cell) => cell.textContent.trim().slice(0, 40))"""
