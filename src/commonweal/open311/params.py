"""Parsing Open311 query and form parameters.

Rules of the specification applied everywhere: an empty parameter is the same as an absent
one; datetimes must carry a zone; lists are comma-separated. Each parser raises ValueError
with a message for the client; `collect` gathers every problem before answering.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.utils import timezone

from commonweal.core import dates
from commonweal.open311.errors import bad_request

T = TypeVar("T")

MAX_RESULTS = 1000
DEFAULT_WINDOW = dt.timedelta(days=90)
MAX_RADIUS_METRES = 50_000
W3C_DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})$"
)
DETAILED_STATUSES = ("RECEIVED", "IN_PROCESS", "PROCESSED", "REJECTED")


def value_of(params: Mapping[str, Any], name: str) -> str | None:
    """Return the parameter's value, treating an empty one as absent."""
    value = params.get(name)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def parse_datetime(text: str) -> dt.datetime:
    """Parse a W3C datetime that carries a zone (`Z` or `±hh:mm`)."""
    match = W3C_DATETIME.match(text.upper())
    if match is None:
        raise ValueError("must be a date and time with a zone, such as 2026-03-01T14:30:00-05:00")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        tz = dt.UTC if zone == "Z" else _offset(zone)
        moment = dt.datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second or 0),
            int((fraction or "0")[:6].ljust(6, "0")), tzinfo=tz,
        ).astimezone(dt.UTC)  # fmt: skip
    except (ValueError, OverflowError) as error:  # overflow: year 1 east of Greenwich
        raise ValueError(f"is not a real date and time ({error})") from error
    if not dates.EARLIEST <= moment < dates.TOO_LATE:
        raise ValueError(f"{dates.OUT_OF_RANGE} (UTC)")
    return moment


def _offset(zone: str) -> dt.timezone:
    sign = -1 if zone[0] == "-" else 1
    hours, minutes = int(zone[1:3]), int(zone[4:6])
    if hours * 60 + minutes > 14 * 60 or minutes > 59:
        raise ValueError("the zone offset must lie between -14:00 and +14:00")
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))


def parse_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def parse_int(text: str, low: int, high: int) -> int:
    if not re.fullmatch(r"\d{1,9}", text):
        raise ValueError(f"must be a whole number from {low} to {high}")
    number = int(text)
    if not low <= number <= high:
        raise ValueError(f"must be a whole number from {low} to {high}")
    return number


def parse_float(text: str, low: float, high: float) -> float:
    try:
        number = float(text)
    except ValueError as error:
        raise ValueError(f"must be a number from {low:g} to {high:g}") from error
    if not math.isfinite(number) or not low <= number <= high:
        raise ValueError(f"must be a number from {low:g} to {high:g}")
    return number


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """Parse `minLng,minLat,maxLng,maxLat`."""
    parts = text.split(",")
    if len(parts) != 4:
        raise ValueError("must be minLng,minLat,maxLng,maxLat")
    west, east = (parse_float(parts[index], -180, 180) for index in (0, 2))
    south, north = (parse_float(parts[index], -90, 90) for index in (1, 3))
    if west > east or south > north:
        raise ValueError("must list the minimum corner first: minLng,minLat,maxLng,maxLat")
    return west, south, east, north


def parse_bool(text: str) -> bool:
    lowered = text.lower()
    if lowered in {"true", "1", "yes"}:
        return True
    if lowered in {"false", "0", "no"}:
        return False
    raise ValueError("must be true or false")


def parse_statuses(text: str) -> list[str]:
    statuses = [status.lower() for status in parse_list(text)]
    unknown = [status for status in statuses if status not in {"open", "closed"}]
    if unknown:
        raise ValueError(f"has unknown status {', '.join(unknown)}; use open or closed")
    return statuses


def parse_detailed_statuses(text: str) -> list[str]:
    statuses = [status.upper() for status in parse_list(text)]
    unknown = [status for status in statuses if status not in DETAILED_STATUSES]
    if unknown:
        raise ValueError(
            f"has unknown value {', '.join(unknown)}; use {', '.join(DETAILED_STATUSES)}"
        )
    return statuses


class Collector:
    """Parses parameters one by one and keeps every problem for one answer."""

    def __init__(self, params: Mapping[str, Any]) -> None:
        self.params = params
        self.problems: list[str] = []

    def get(self, name: str, parser: Callable[[str], T]) -> T | None:
        text = value_of(self.params, name)
        if text is None:
            return None
        try:
            return parser(text)
        except ValueError as error:
            self.problems.append(f"{name} {error}")
            return None

    def problem(self, text: str) -> None:
        self.problems.append(text)

    def finish(self) -> None:
        if self.problems:
            raise bad_request(*self.problems)


@dataclass
class RequestQuery:
    """What `GET requests` asks for, after parsing and defaults."""

    ids: list[str] | None = None
    service_codes: list[str] = field(default_factory=list)
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    statuses: list[str] = field(default_factory=list)
    detailed_statuses: list[str] = field(default_factory=list)
    updated_after: dt.datetime | None = None
    updated_before: dt.datetime | None = None
    near: tuple[float, float, float] | None = None
    bbox: tuple[float, float, float, float] | None = None
    page: int = 1
    page_size: int = MAX_RESULTS
    extensions: bool = False


def parse_request_query(params: Mapping[str, Any], now: dt.datetime | None = None) -> RequestQuery:
    """Parse the filters of `GET requests`; raise one Open311 error listing every problem.

    `service_request_id` overrides every other filter. Without dates, the window is the
    90 days before now; a start or end alone gets a 90-day window on its other side; a
    window longer than 90 days is refused.
    """
    now = now or timezone.now()
    read = Collector(params)
    query = RequestQuery(
        extensions=read.get("extensions", parse_bool) or False,
        page=read.get("page", lambda text: parse_int(text, 1, 1_000_000)) or 1,
        page_size=read.get("page_size", lambda text: parse_int(text, 1, MAX_RESULTS))
        or MAX_RESULTS,
    )
    ids = read.get("service_request_id", parse_list)
    if ids:
        read.finish()
        query.ids = ids[:MAX_RESULTS]
        return query
    query.service_codes = read.get("service_code", parse_list) or []
    query.statuses = read.get("status", parse_statuses) or []
    query.detailed_statuses = read.get("detailed_status", parse_detailed_statuses) or []
    query.updated_after = read.get("updated_after", parse_datetime)
    query.updated_before = read.get("updated_before", parse_datetime)
    query.bbox = read.get("bbox", parse_bbox)
    _read_window(read, query, now)
    _read_near(read, query)
    read.finish()
    return query


def _read_window(read: Collector, query: RequestQuery, now: dt.datetime) -> None:
    start, end = read.get("start_date", parse_datetime), read.get("end_date", parse_datetime)
    if start and end and start > end:
        read.problem("start_date must not be after end_date")
    elif start and end and end - start > DEFAULT_WINDOW:
        read.problem("start_date to end_date may span at most 90 days")
    if start is None and end is None and (query.updated_after or query.updated_before):
        return  # an updates query is bounded by its own dates
    query.start = start or (end or now) - DEFAULT_WINDOW
    query.end = end or (start + DEFAULT_WINDOW if start else now)


def _read_near(read: Collector, query: RequestQuery) -> None:
    lat = read.get("lat", lambda text: parse_float(text, -90, 90))
    long = read.get("long", lambda text: parse_float(text, -180, 180))
    radius = read.get("radius", lambda text: parse_float(text, 1, MAX_RADIUS_METRES))
    given = [value is not None for value in (lat, long, radius)]
    if any(given) and not all(given):
        if not read.problems:
            read.problem("lat, long and radius (metres) go together")
        return
    if lat is not None and long is not None and radius is not None:
        query.near = (lat, long, radius)


def parse_update_window(
    params: Mapping[str, Any], now: dt.datetime | None = None
) -> tuple[dt.datetime, dt.datetime]:
    """Parse `start_date`/`end_date` of `GET servicerequestupdates` (default: the last day)."""
    now = now or timezone.now()
    read = Collector(params)
    start, end = read.get("start_date", parse_datetime), read.get("end_date", parse_datetime)
    if start and end and start > end:
        read.problem("start_date must not be after end_date")
    elif start and end and end - start > DEFAULT_WINDOW:
        read.problem("start_date to end_date may span at most 90 days")
    read.finish()
    end = end or (min(start + DEFAULT_WINDOW, now) if start else now)
    return start or end - dt.timedelta(days=1), end
