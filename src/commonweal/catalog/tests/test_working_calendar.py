"""Due times across weekends, holidays, working hours and time zones."""

import datetime as dt
import zoneinfo

import pytest

from commonweal.catalog.calendar import WorkingCalendar
from commonweal.catalog.models import Holiday, TimeUnit

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
HONOLULU = zoneinfo.ZoneInfo("Pacific/Honolulu")


def local(year, month, day, hour, minute=0, zone=NEW_YORK):
    return dt.datetime(year, month, day, hour, minute, tzinfo=zone)


@pytest.fixture
def calendar():
    # 2026-07-03 (Friday) is the observed Independence Day holiday.
    return WorkingCalendar(zone=NEW_YORK, holidays=frozenset({dt.date(2026, 7, 3)}))


def test_a_working_day_on_friday_is_due_on_monday_at_the_same_time(calendar):
    due = calendar.add(local(2026, 3, 6, 10), 1, TimeUnit.WORKING_DAYS)
    assert due == local(2026, 3, 9, 10)


def test_a_request_made_on_saturday_starts_its_clock_on_monday_morning(calendar):
    due = calendar.add(local(2026, 3, 7, 15), 1, TimeUnit.WORKING_DAYS)
    assert due == local(2026, 3, 10, 8)


def test_a_request_made_after_closing_starts_next_morning(calendar):
    # Wednesday 18:30: the clock starts Thursday 08:00; two working days on is Monday 08:00.
    due = calendar.add(local(2026, 3, 4, 18, 30), 2, TimeUnit.WORKING_DAYS)
    assert due == local(2026, 3, 9, 8)


def test_holidays_are_skipped(calendar):
    due = calendar.add(local(2026, 7, 2, 9), 1, TimeUnit.WORKING_DAYS)
    assert due == local(2026, 7, 6, 9)


def test_working_hours_carry_over_to_the_next_working_day(calendar):
    due = calendar.add(local(2026, 7, 2, 15), 4, TimeUnit.WORKING_HOURS)
    # 2 hours on Thursday (15-17), Friday is a holiday, weekend, 2 hours on Monday from 08:00.
    assert due == local(2026, 7, 6, 10)


def test_working_hours_ending_exactly_at_closing_stay_that_day(calendar):
    assert calendar.add(local(2026, 3, 4, 8), 9, TimeUnit.WORKING_HOURS) == local(2026, 3, 4, 17)


def test_calendar_hours_are_elapsed_time_across_the_dst_change(calendar):
    # DST began at 02:00 on 8 March 2026 in New York: 24 elapsed hours end at 01:00 wall time + 1.
    due = calendar.add(local(2026, 3, 7, 12), 24, TimeUnit.CALENDAR_HOURS)
    assert due == local(2026, 3, 8, 13)


def test_calendar_days_keep_the_wall_clock_time_across_the_dst_change(calendar):
    due = calendar.add(local(2026, 3, 7, 12), 2, TimeUnit.CALENDAR_DAYS)
    assert due == local(2026, 3, 9, 12)
    assert due - local(2026, 3, 7, 12) == dt.timedelta(hours=47)


def test_the_working_day_is_judged_in_the_jurisdictions_time_zone():
    honolulu = WorkingCalendar(zone=HONOLULU)
    # 03:00 UTC on Saturday 7 March is 17:00 on Friday in Honolulu: already closed.
    start = dt.datetime(2026, 3, 7, 3, 0, tzinfo=dt.UTC)
    assert honolulu.add(start, 1, TimeUnit.WORKING_DAYS) == local(2026, 3, 10, 8, zone=HONOLULU)
    # The same instant in New York is Friday 22:00: also closed, so Tuesday 08:00 there.
    assert WorkingCalendar(zone=NEW_YORK).add(start, 1, TimeUnit.WORKING_DAYS) == local(
        2026, 3, 10, 8
    )


def test_a_naive_start_is_refused(calendar):
    with pytest.raises(ValueError, match="aware"):
        calendar.add(dt.datetime(2026, 3, 4, 10), 1, TimeUnit.WORKING_DAYS)


def test_a_calendar_without_working_days_fails_clearly():
    nothing = WorkingCalendar(zone=NEW_YORK, working_days=frozenset())
    with pytest.raises(ValueError, match="no working day"):
        nothing.add(local(2026, 3, 4, 10), 1, TimeUnit.WORKING_DAYS)


def test_the_calendar_reads_the_jurisdictions_holidays_and_hours(city):
    Holiday.objects.create(jurisdiction=city.jurisdiction, date=dt.date(2026, 3, 9), name="Test")
    city.jurisdiction.workday_start = dt.time(9, 0)
    city.jurisdiction.save()
    calendar = WorkingCalendar.for_jurisdiction(city.jurisdiction)
    assert calendar.add(local(2026, 3, 7, 12), 1, TimeUnit.WORKING_DAYS) == local(2026, 3, 11, 9)
