"""A year of requests for the demo city, written in bulk but through the domain's rules.

Each request's life is played out act by act on an in-memory request: the real state
machine (`next_status`) decides every transition, the real `authorize` picks the rule
(asked once per distinct situation and remembered), and `build_event` writes the same
events the domain functions write. Events are then chained in time order, so the case
log the demo leaves behind verifies like any other.

Planted for analytics to find: streets work in one district (SLOW_DISTRICT) takes about
1.8 times as long, and one service (WORSENING_SERVICE) slows down steadily over the last
120 days.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import math
import random
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from django.core.management.color import no_style
from django.db import connection
from shapely.geometry import shape

from commonweal.cases.authority import Actor, candidate_rules, first_allowing_rule
from commonweal.cases.ids import new_public_id
from commonweal.cases.log import GENESIS_HASH, Chainer
from commonweal.cases.models import (
    Action,
    CaseEvent,
    Channel,
    DelegatedAuthority,
    LogHead,
    Outcome,
    Requester,
    ServiceRequest,
    Status,
)
from commonweal.cases.services import (
    Mutation,
    acknowledging,
    assigning_to,
    build_event,
    changes_between,
    closing,
    created_data,
    extending,
    merging_into,
    reopening,
    snapshot,
)
from commonweal.cases.states import next_status
from commonweal.catalog.calendar import WorkingCalendar
from commonweal.catalog.models import District, Jurisdiction, Priority, Service, ServiceStandard
from commonweal.core.bulk import insert_rows
from commonweal.demo.catalogue import SERVICES, WORSENING_SERVICE, ServiceSpec
from commonweal.demo.staff import Cast

DAY = 86400.0
HOUR = 3600.0
WEEKDAY_FACTOR = [1.25, 1.15, 1.1, 1.05, 1.0, 0.72, 0.68]  # Monday first
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 4, 7, 10, 11, 11, 10, 9, 9, 9, 8, 8, 7, 6, 5, 4, 3, 2, 1]
SEASON_PEAK_DAY = {"spring": 100, "summer": 195, "autumn": 290, "winter": 15}
CHANNELS = [
    (Channel.PHONE, 38), (Channel.WEB, 24), (Channel.APP, 22), (Channel.API, 6),
    (Channel.COUNTER, 4), (Channel.EMAIL, 6),
]  # fmt: skip
STREETS = ["Elm", "Oak", "Main", "River", "Market", "Cedar", "Maple", "Church", "Mill", "Bluff"]
SUFFIXES = ["St", "Ave", "Blvd", "Rd", "Ln", "Dr"]
PHRASES = [
    "Please fix this soon, it has been like this for days.",
    "Reported by a neighbour, getting worse.",
    "Near the bus stop.",
    "Por favor, revisen esto pronto.",
    "",
    "",
]
BATCH = 5000


class Stop(Exception):
    """The next act would happen after 'now': the request stays as it is."""


@dataclass
class RuleBook:
    """The real authority check, with each role's matrix lines read from the database once."""

    lines: dict[tuple[frozenset[str], str], list[DelegatedAuthority]] = field(default_factory=dict)

    def rule(
        self, actor: Actor, action: Action, case: ServiceRequest, **params: Any
    ) -> DelegatedAuthority:
        key = (actor.roles, action)
        if key not in self.lines:
            self.lines[key] = list(candidate_rules(actor, action))
        return first_allowing_rule(self.lines[key], actor, action, case, params)


@dataclass
class Totals:
    requests: int = 0
    events: int = 0
    requesters: int = 0


class Writer:
    """Buffers rows and writes them in batches, requests always before their events."""

    def __init__(self, jurisdiction: Jurisdiction) -> None:
        self.jurisdiction = jurisdiction
        self.chainer = Chainer(jurisdiction, 0, GENESIS_HASH)
        self.requesters: list[Requester] = []
        self.requests: list[ServiceRequest] = []
        self.events: list[tuple[CaseEvent, str]] = []
        self.totals = Totals()

    def add_request(self, case: ServiceRequest, requester: Requester | None) -> None:
        if requester is not None:
            self.requesters.append(requester)
        self.requests.append(case)
        if len(self.requests) >= BATCH:
            self.flush_requests()

    def add_event(self, event: CaseEvent, public_id: str) -> None:
        self.events.append((event, public_id))
        if len(self.events) >= BATCH:
            self.flush_events()

    def flush_requests(self) -> None:
        insert_rows(Requester, self.requesters)
        insert_rows(ServiceRequest, self.requests)
        self.totals.requesters += len(self.requesters)
        self.totals.requests += len(self.requests)
        self.requesters, self.requests = [], []

    def flush_events(self) -> None:
        self.flush_requests()
        events = [self.chainer.link(event, public_id) for event, public_id in self.events]
        insert_rows(CaseEvent, events)
        self.totals.events += len(events)
        self.events = []

    def finish(self) -> Totals:
        self.flush_events()
        LogHead.objects.create(
            jurisdiction=self.jurisdiction, sequence=self.chainer.sequence, hash=self.chainer.hash
        )
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [ServiceRequest, Requester]):
                cursor.execute(sql)
            if connection.vendor == "postgresql":
                # Fresh statistics, so the planner knows the tables are no longer empty.
                cursor.execute("ANALYZE cases_servicerequest, cases_caseevent, cases_requester")
        return self.totals


class Places:
    """Random points inside each district, drawn in vectorised batches."""

    def __init__(self, districts: list[District], rng: np.random.Generator) -> None:
        self.rng = rng
        self.shapes = {district.pk: shape(district.boundary) for district in districts}
        self.stock: dict[int, Iterator[tuple[float, float]]] = {}

    def point_in(self, district_id: int) -> tuple[float, float]:
        stock = self.stock.get(district_id)
        point = next(stock, None) if stock else None
        if point is None:
            self.stock[district_id] = stock = self._draw(district_id)
            point = next(stock)
        return point

    def _draw(self, district_id: int) -> Iterator[tuple[float, float]]:
        area = self.shapes[district_id]
        west, south, east, north = area.bounds
        longs = self.rng.uniform(west, east, 4000)
        lats = self.rng.uniform(south, north, 4000)
        inside = shapely.contains_xy(area, longs, lats)
        return iter(
            zip(
                np.round(lats[inside], 6).tolist(), np.round(longs[inside], 6).tolist(), strict=True
            )
        )


@dataclass
class World:
    """Everything a request's life needs to know about the city."""

    jurisdiction: Jurisdiction
    services: dict[str, Service]
    specs: dict[str, ServiceSpec]
    districts: list[District]
    standards: dict[tuple[int, str], ServiceStandard]
    calendar: WorkingCalendar
    cast: Cast
    rules: RuleBook
    now: float
    slow_district_id: int


class Life:
    """Plays one request's acts in order, emitting their events until 'now' is reached."""

    def __init__(
        self, world: World, case: ServiceRequest, emit: Callable[[float, CaseEvent], None]
    ) -> None:
        self.world, self.case, self.emit = world, case, emit
        self.clock = case.requested_at.timestamp()

    def act(
        self,
        at: float,
        actor: Actor,
        action: Action,
        mutate: Mutation | None = None,
        params: dict[str, Any] | None = None,
        **texts: str,
    ) -> None:
        at = max(at, self.clock + 1)
        if at > self.world.now:
            raise Stop
        self.clock = at
        case = self.case
        rule = self.world.rules.rule(actor, action, case, **(params or {}))
        before = snapshot(case)
        moment = dt.datetime.fromtimestamp(int(at), dt.UTC)
        case.status = next_status(case.status, action)
        case.updated_at = moment  # mutations read the act's time from here
        extra = (mutate(case) if mutate else None) or {}
        case.status_notes = texts.get("public_text") or case.status_notes
        case.version += 1
        data = {"changes": changes_between(before, snapshot(case)), **extra}
        self.emit(
            at, build_event(actor, rule, case, action, occurred_at=moment, data=data, **texts)
        )


class Generator:
    """Draws the year's requests and plays out each one's life."""

    def __init__(self, world: World, seed: int) -> None:
        self.world = world
        self.rng = random.Random(seed)
        self.np_rng = np.random.default_rng(seed)
        self.places = Places(world.districts, self.np_rng)
        self.ids: set[str] = set()
        self.recent: dict[tuple[str, int], deque[tuple[float, float, int, str]]] = {}
        self.pending: list[tuple[float, int, CaseEvent, str]] = []
        self.counter = itertools.count()
        weights = [
            (district.population or 1)
            * (0.55 + 0.45 * min((district.median_household_income or 60000) / 80000, 1.5))
            for district in world.districts
        ]
        self.district_weights = weights

    # -- volumes ---------------------------------------------------------------------------

    def daily_counts(self, total: int, first: dt.date, days: int) -> np.ndarray:
        """Return requests per day and service: weekly and seasonal rhythm, service mix."""
        codes = list(self.world.specs)
        base = np.array([self.world.specs[code].weight for code in codes])
        doy = np.array(
            [(first + dt.timedelta(days=offset)).timetuple().tm_yday for offset in range(days)]
        )
        weekday = np.array(
            [
                WEEKDAY_FACTOR[(first + dt.timedelta(days=offset)).weekday()]
                for offset in range(days)
            ]
        )
        season = np.ones((days, len(codes)))
        for column, code in enumerate(codes):
            peak = SEASON_PEAK_DAY.get(self.world.specs[code].season)
            if peak is not None:
                season[:, column] = 1 + 0.6 * np.cos(2 * np.pi * (doy - peak) / 365)
        weights = base[None, :] * season * weekday[:, None]
        flat = self.np_rng.multinomial(total, (weights / weights.sum()).ravel())
        return flat.reshape(days, len(codes))

    # -- one request -----------------------------------------------------------------------

    def new_case(self, index: int, code: str, at: float) -> tuple[ServiceRequest, Requester | None]:
        world, rng = self.world, self.rng
        service, spec = world.services[code], world.specs[code]
        district = rng.choices(world.districts, weights=self.district_weights)[0]
        lat, long = self.places.point_in(district.pk)
        priority = Priority.URGENT if spec.urgent and rng.random() < 0.08 else Priority.NORMAL
        requested_at = dt.datetime.fromtimestamp(int(at), dt.UTC)
        public_id = new_public_id(rng)
        while public_id in self.ids:
            public_id = new_public_id(rng)
        self.ids.add(public_id)
        requester = None
        if rng.random() < 0.55:
            requester = Requester(
                id=index,
                name=f"Resident {index}",
                email=f"resident{index}@example.org",
                created_at=requested_at,
            )
        standard = world.standards.get((service.pk, priority))
        answers = {"danger": "yes" if priority == Priority.URGENT else "no"} if spec.urgent else {}
        case = ServiceRequest(
            id=index, public_id=public_id, jurisdiction=world.jurisdiction, service=service,
            department=service.department, district=district, requester=requester,
            attributes=answers,
            description=rng.choice(PHRASES), lat=lat, long=long,
            address=f"{rng.randint(1, 4999)} {rng.choice(STREETS)} {rng.choice(SUFFIXES)}",
            zipcode=f"63{100 + int(district.code):03d}",
            channel=rng.choices([c for c, _ in CHANNELS], weights=[w for _, w in CHANNELS])[0],
            priority=priority, status=Status.NEW, standard=standard, version=1,
            requested_at=requested_at, updated_at=requested_at,
        )  # fmt: skip
        if standard is not None:
            case.acknowledge_due = world.calendar.add(
                requested_at, standard.acknowledge_within, standard.acknowledge_unit
            )
            case.resolve_due = world.calendar.add(
                requested_at, standard.resolve_within, standard.resolve_unit
            )
        return case, requester

    def duration(self, case: ServiceRequest, spec: ServiceSpec) -> float:
        """Seconds from report to closure, with the planted patterns."""
        world = self.world
        median = spec.median_days * DAY
        if case.department.code == "streets" and case.district_id == world.slow_district_id:
            median *= 1.8
        if spec.code == WORSENING_SERVICE:
            progress = (case.requested_at.timestamp() - (world.now - 120 * DAY)) / (120 * DAY)
            median *= 1 + 1.5 * min(max(progress, 0.0), 1.0)
        if case.priority == Priority.URGENT:
            median = min(median, 0.6 * DAY)
        stale = 10.0 if self.rng.random() < 0.03 else 1.0
        return self.rng.lognormvariate(math.log(median), 0.75) * stale

    def play(self, case: ServiceRequest, spec: ServiceSpec) -> None:
        """Play out the request's life; stop silently where 'now' cuts it off."""
        world, rng = self.world, self.rng
        department = case.department_id
        life = Life(world, case, self._push)
        t0 = case.requested_at.timestamp()
        self._push(t0, self._created_event(case))
        close_at = t0 + self.duration(case, spec)
        key = (spec.code, case.district_id or 0)
        recent = self.recent.setdefault(key, deque(maxlen=12))
        try:
            if case.channel in (Channel.PHONE, Channel.COUNTER) and (
                rng.random() < spec.answered_on_call
            ):
                self._answer_on_call(life, case, spec)
                return
            parent = self._open_parent(recent, t0)
            if parent is not None and rng.random() < 0.07:
                self._merge(life, case, parent, t0 + rng.uniform(0.5, 8) * HOUR)
                return
            recent.append((t0, close_at, case.pk, case.public_id))
            supervisor = world.cast.supervisors[department]
            crew = rng.choice(world.cast.crews[department])
            ack_at = t0 + min(rng.lognormvariate(math.log(3 * HOUR), 1.0), 0.3 * (close_at - t0))
            life.act(
                ack_at,
                rng.choice(world.cast.agents[department]),
                Action.ACKNOWLEDGE,
                acknowledging,
            )
            assign_at = ack_at + 0.2 * (close_at - ack_at)
            life.act(assign_at, supervisor, Action.ASSIGN, assigning_to(crew.user.pk, crew.label))
            if rng.random() < 0.05:
                crew = rng.choice(world.cast.crews[department])
                life.act(
                    assign_at + 0.1 * (close_at - assign_at),
                    supervisor,
                    Action.ASSIGN,
                    assigning_to(crew.user.pk, crew.label),
                    reason="Crew rebalanced",
                )
            if rng.random() < 0.6:
                life.act(assign_at + 0.5 * (close_at - assign_at), crew, Action.START_WORK)
            if rng.random() < 0.03 and case.resolve_due is not None:
                life.act(
                    assign_at + 0.6 * (close_at - assign_at),
                    supervisor,
                    Action.EXTEND_DUE,
                    extending(5),
                    params={"days": 5},
                    reason="Waiting for parts",
                )
            if rng.random() < 0.15:
                life.act(
                    assign_at + 0.7 * (close_at - assign_at),
                    supervisor,
                    Action.PUBLISH_UPDATE,
                    public_text="A crew is scheduled.",
                )
            if rng.random() < 0.1:
                life.act(
                    close_at - 60, crew, Action.ADD_NOTE, internal_text="Access from the alley."
                )
            self._close(life, crew, supervisor, close_at)
        except Stop:
            return

    def _answer_on_call(self, life: Life, case: ServiceRequest, spec: ServiceSpec) -> None:
        """The department's agent resolves the report while the resident is on the line."""
        rng = self.rng
        agent = rng.choice(self.world.cast.agents[case.department_id])
        t0 = case.requested_at.timestamp()
        life.act(t0 + rng.uniform(60, 240), agent, Action.ACKNOWLEDGE, acknowledging)
        _close_as(life, agent, Outcome.RESOLVED, t0 + rng.uniform(300, 720), spec.call_answer)

    def _close(self, life: Life, crew: Actor, supervisor: Actor, at: float) -> None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.88:
            _close_as(life, crew, Outcome.RESOLVED, at, "The problem has been fixed.")
        elif roll < 0.9:
            _close_as(life, crew, Outcome.CANNOT_LOCATE, at, "The crew could not find it here.")
        else:
            outcome = rng.choice(
                [Outcome.NO_ACTION_NEEDED, Outcome.NOT_OUR_RESPONSIBILITY, Outcome.REFERRED]
            )
            _close_as(life, supervisor, outcome, at, "We looked into this; see the outcome.")
            return
        if rng.random() < 0.03:
            reopen_at = at + rng.lognormvariate(math.log(4 * DAY), 0.6)
            life.act(
                reopen_at,
                supervisor,
                Action.REOPEN,
                reopening,
                reason="The resident reports the problem is back.",
            )
            again = reopen_at + rng.lognormvariate(math.log(2 * DAY), 0.6)
            _close_as(life, supervisor, Outcome.RESOLVED, again, "Fixed again, properly this time.")

    def _open_parent(
        self, recent: deque[tuple[float, float, int, str]], at: float
    ) -> tuple[int, str] | None:
        for opened, closes, pk, public_id in reversed(recent):
            if at - opened < 5 * DAY and closes > at + 8 * HOUR:
                return pk, public_id
        return None

    def _merge(self, life: Life, case: ServiceRequest, parent: tuple[int, str], at: float) -> None:
        agent = self.rng.choice(self.world.cast.agents[case.department_id])

        life.act(
            at,
            agent,
            Action.MARK_DUPLICATE,
            merging_into(*parent),
            public_text=f"This problem was already reported as {parent[1]}; follow that request.",
        )

    def _created_event(self, case: ServiceRequest) -> CaseEvent:
        world = self.world
        if case.channel in (Channel.PHONE, Channel.COUNTER):
            actor = self.rng.choice(world.cast.call_centre)
        else:
            actor = Actor.resident()
        rule = world.rules.rule(actor, Action.SUBMIT, case)
        return build_event(
            actor, rule, case, Action.SUBMIT, occurred_at=case.requested_at, data=created_data(case)
        )

    def _push(self, at: float, event: CaseEvent) -> None:
        heapq.heappush(self.pending, (at, next(self.counter), event, event.request.public_id))  # type: ignore[union-attr]

    # -- the year --------------------------------------------------------------------------

    def run(self, total: int, writer: Writer) -> Totals:
        world = self.world
        zone = world.jurisdiction.zone
        last = dt.datetime.fromtimestamp(world.now, zone).date()
        first = last - dt.timedelta(days=364)
        counts = self.daily_counts(total, first, 365)
        codes = list(world.specs)
        index = 0
        for offset, row in enumerate(counts):
            day = first + dt.timedelta(days=offset)
            midnight = dt.datetime.combine(day, dt.time(0), tzinfo=zone).timestamp()
            arrivals = sorted(
                (self._time_of_day(midnight), codes[column])
                for column, count in enumerate(row)
                for _ in range(int(count))
            )
            for at, code in arrivals:
                if at > world.now:  # today's reports so far: squeeze them before now
                    at = midnight + (world.now - midnight) * (at - midnight) / DAY
                self._release(at, writer)
                index += 1
                case, requester = self.new_case(index, code, at)
                self.play(case, world.specs[code])
                writer.add_request(case, requester)
        self._release(world.now + 1, writer)
        return writer.finish()

    def _time_of_day(self, midnight: float) -> float:
        hour = self.rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
        return midnight + hour * HOUR + self.rng.uniform(0, HOUR)

    def _release(self, until: float, writer: Writer) -> None:
        """Write, in time order, every pending event that happened before `until`."""
        while self.pending and self.pending[0][0] < until:
            _at, _n, event, public_id = heapq.heappop(self.pending)
            writer.add_event(event, public_id)


def _close_as(life: Life, actor: Actor, outcome: str, at: float, explanation: str) -> None:
    life.act(
        at, actor, Action.CLOSE, closing(outcome), {"outcome": outcome}, public_text=explanation
    )


def specs_by_code() -> dict[str, ServiceSpec]:
    return {spec.code: spec for spec in SERVICES}
