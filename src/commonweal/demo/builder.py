"""Build the whole demo city into an empty database, in one transaction."""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass

from django.db import transaction

from commonweal.cases.escalation import run_escalations
from commonweal.cases.models import CaseEvent, ServiceRequest
from commonweal.catalog.calendar import WorkingCalendar
from commonweal.catalog.models import Jurisdiction, ServiceStandard
from commonweal.demo import catalogue
from commonweal.demo.simulate import Generator, RuleBook, Totals, World, Writer, specs_by_code
from commonweal.demo.staff import Cast, build_staff
from commonweal.demo.surveys import answer_some_surveys
from commonweal.notifications.outbox import start_at_head


@dataclass
class DemoResult:
    totals: Totals
    cast: Cast
    seconds: float

    @property
    def rows_per_second(self) -> float:
        rows = self.totals.requests + self.totals.events + self.totals.requesters
        return rows / self.seconds if self.seconds else 0.0


def escalate_up_to(now: dt.datetime) -> int:
    """Take every open request up its escalation ladder as far as it has reached by `now`;
    return the steps taken. The served demo starts steady: its worker's first round would
    otherwise escalate hundreds of overdue requests at once and email their supervisors."""
    steps = 0
    while stepped := run_escalations(now):
        steps += stepped
    return steps


class NotEmpty(Exception):
    """The demo city is generated only into an empty database."""


def database_is_empty() -> bool:
    return not (
        Jurisdiction.objects.exists()
        or ServiceRequest.objects.exists()
        or CaseEvent.objects.exists()
    )


@transaction.atomic
def build_demo_city(requests: int, seed: int, now: dt.datetime) -> DemoResult:
    """Generate Riverton with `requests` requests over the year before `now`.

    The same seed and `now` give the same city. Raise NotEmpty if the database has data.
    """
    started = time.perf_counter()
    if not database_is_empty():
        raise NotEmpty("The database already holds a city; the demo only fills an empty one.")
    rng = random.Random(seed)
    first_day = (now - dt.timedelta(days=366)).date()
    jurisdiction = catalogue.build_jurisdiction(first_day, now.date())
    districts = catalogue.build_districts(jurisdiction, rng)
    departments = catalogue.build_departments(jurisdiction)
    services = catalogue.build_services(jurisdiction, departments, first_day)
    cast = build_staff(departments)
    world = World(
        jurisdiction=jurisdiction,
        services=services,
        specs=specs_by_code(),
        districts=districts,
        standards={(s.service_id, s.priority): s for s in ServiceStandard.objects.all()},
        calendar=WorkingCalendar.for_jurisdiction(jurisdiction),
        cast=cast,
        rules=RuleBook(),
        now=now.timestamp(),
        slow_district_id=next(d.pk for d in districts if d.name == catalogue.SLOW_DISTRICT),
    )
    totals = Generator(world, seed).run(requests, Writer(jurisdiction))
    totals.events += escalate_up_to(now)
    answer_some_surveys(seed, now)
    start_at_head()  # the simulated year emails nobody; notifications start with the next act
    return DemoResult(totals=totals, cast=cast, seconds=time.perf_counter() - started)
