"""Due times from service standards, honouring the jurisdiction's working calendar.

Rules (the published meaning of a standard):

- calendar hours and days are elapsed time; days are counted on the local wall clock, so a
  "2 day" promise made at 10:00 is due at 10:00 two days later even across a DST change;
- working days: the clock starts at the next working moment (a request made at night or on
  a holiday starts at the next opening), and is due at the same local time of day on the
  Nth following working day;
- working hours count only the time between the working day's start and end on working days
  that are not public holidays.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from commonweal.catalog.models import Jurisdiction, TimeUnit

MAX_SEARCH_DAYS = 3660  # a calendar with no working day at all must not loop forever


@dataclass(frozen=True)
class WorkingCalendar:
    """The working week, hours and holidays of a jurisdiction, in its time zone."""

    zone: zoneinfo.ZoneInfo
    working_days: frozenset[int] = frozenset({1, 2, 3, 4, 5})
    day_start: dt.time = dt.time(8, 0)
    day_end: dt.time = dt.time(17, 0)
    holidays: frozenset[dt.date] = field(default_factory=frozenset)

    @classmethod
    def for_jurisdiction(cls, jurisdiction: Jurisdiction) -> WorkingCalendar:
        return cls(
            zone=jurisdiction.zone,
            working_days=frozenset(jurisdiction.working_days),
            day_start=jurisdiction.workday_start,
            day_end=jurisdiction.workday_end,
            holidays=frozenset(jurisdiction.holidays.values_list("date", flat=True)),
        )

    def is_working_day(self, day: dt.date) -> bool:
        return day.isoweekday() in self.working_days and day not in self.holidays

    def opening(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, self.day_start, tzinfo=self.zone)

    def closing(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, self.day_end, tzinfo=self.zone)

    def next_working_day(self, day: dt.date) -> dt.date:
        """Return the first working day strictly after `day`."""
        for offset in range(1, MAX_SEARCH_DAYS):
            candidate = day + dt.timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError("The working calendar has no working day in ten years.")

    def next_working_moment(self, moment: dt.datetime) -> dt.datetime:
        """Return `moment` if it is inside working hours, else the next opening time."""
        local = moment.astimezone(self.zone)
        day = local.date()
        if self.is_working_day(day):
            if local < self.opening(day):
                return self.opening(day)
            if local < self.closing(day):
                return local
        return self.opening(self.next_working_day(day))

    def add(self, start: dt.datetime, amount: int, unit: str) -> dt.datetime:
        """Return the moment `amount` `unit`s after `start` (an aware datetime), in UTC."""
        if start.tzinfo is None:
            raise ValueError("start must be an aware datetime")
        adders = {
            TimeUnit.CALENDAR_HOURS: self._add_calendar_hours,
            TimeUnit.CALENDAR_DAYS: self._add_calendar_days,
            TimeUnit.WORKING_DAYS: self._add_working_days,
            TimeUnit.WORKING_HOURS: self._add_working_hours,
        }
        return adders[TimeUnit(unit)](start, amount).astimezone(dt.UTC)

    def _add_calendar_hours(self, start: dt.datetime, hours: int) -> dt.datetime:
        return start.astimezone(dt.UTC) + dt.timedelta(hours=hours)

    def _add_calendar_days(self, start: dt.datetime, days: int) -> dt.datetime:
        # Aware arithmetic within one ZoneInfo is wall-clock arithmetic: 10:00 stays 10:00.
        return start.astimezone(self.zone) + dt.timedelta(days=days)

    def _add_working_days(self, start: dt.datetime, days: int) -> dt.datetime:
        begin = self.next_working_moment(start)
        day = begin.date()
        for _ in range(days):
            day = self.next_working_day(day)
        return dt.datetime.combine(day, begin.timetz().replace(tzinfo=None), tzinfo=self.zone)

    def _add_working_hours(self, start: dt.datetime, hours: int) -> dt.datetime:
        remaining = dt.timedelta(hours=hours)
        moment = self.next_working_moment(start)
        while True:
            left_today = self.closing(moment.date()) - moment
            if remaining <= left_today:
                return moment + remaining
            remaining -= left_today
            moment = self.opening(self.next_working_day(moment.date()))
