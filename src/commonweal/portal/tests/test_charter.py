"""The service charter: each published standard beside how often it was kept last quarter."""

import datetime as dt

import time_machine
from django.urls import reverse

from commonweal import testing
from commonweal.cases import services
from commonweal.cases.models import Outcome
from commonweal.cases.performance import previous_quarter

LAST_QUARTER_DAY = dt.datetime(2026, 8, 3, 9, 0, tzinfo=dt.UTC)  # a Monday in Q3
TODAY = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)


def test_previous_quarter_wraps_the_year():
    assert previous_quarter(dt.date(2026, 11, 28)) == (dt.date(2026, 7, 1), dt.date(2026, 10, 1))
    assert previous_quarter(dt.date(2026, 1, 5)) == (dt.date(2025, 10, 1), dt.date(2026, 1, 1))
    assert previous_quarter(dt.date(2026, 4, 1)) == (dt.date(2026, 1, 1), dt.date(2026, 4, 1))


def file(city, lat_long, closed_after_days):
    lat, long = lat_long
    with time_machine.travel(LAST_QUARTER_DAY, tick=False):
        case = services.submit(
            city.resident, service=city.pothole, channel="web", description="Hole",
            attributes={"lane": "left"}, lat=lat, long=long,
        )  # fmt: skip
    with time_machine.travel(LAST_QUARTER_DAY + dt.timedelta(days=closed_after_days), tick=False):
        services.close(testing.as_actor(city.sam), case, Outcome.RESOLVED, public_text="Fixed.")


def test_the_charter_shows_the_promise_and_the_share_kept(client, city):
    file(city, (40.05, -75.05), closed_after_days=2)  # west, in time
    file(city, (40.05, -74.95), closed_after_days=20)  # east, late
    with time_machine.travel(TODAY, tick=False):
        page = client.get(reverse("portal:charter")).content.decode()
        detail = client.get(reverse("portal:charter-service", args=["pothole"]))
    assert "Fixed within 5" in page and "50% (1 of 2)" in page
    rows = dict((name, kept.percent) for name, kept in detail.context["districts"])
    assert rows == {"District W": 100.0, "District E": 0.0}


def test_a_quarter_without_requests_says_so(client, city):
    with time_machine.travel(TODAY, tick=False):
        page = client.get(reverse("portal:charter")).content.decode()
    assert "No requests were due" in page


def test_a_promise_of_one_unit_reads_in_the_singular_in_both_languages(client, city):
    standard = city.pothole.standards.get(priority="normal")
    standard.resolve_within = 1
    standard.save()
    with time_machine.travel(TODAY, tick=False):
        english = client.get(reverse("portal:charter")).content.decode()
        spanish = client.get(reverse("portal:charter"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Fixed within 1 working day<" in english
    assert "Resuelto en 1 día laborable<" in spanish


def test_the_charter_counts_a_quarter_at_most_once_an_hour(client, city):
    """A public page anyone can ask for as often as they like reads every request due in the
    quarter: its counts are kept for an hour, then counted again."""
    file(city, (40.05, -75.05), closed_after_days=2)
    with time_machine.travel(TODAY, tick=False):
        assert "100% (1 of 1)" in client.get(reverse("portal:charter")).content.decode()
    file(city, (40.05, -74.95), closed_after_days=20)  # a late one, corrected in afterwards
    with time_machine.travel(TODAY + dt.timedelta(minutes=30), tick=False):
        assert "100% (1 of 1)" in client.get(reverse("portal:charter")).content.decode()
    with time_machine.travel(TODAY + dt.timedelta(minutes=61), tick=False):
        assert "50% (1 of 2)" in client.get(reverse("portal:charter")).content.decode()


def test_counts_of_thousands_are_grouped_as_the_readers_language_writes_them(
    client, city, monkeypatch
):
    from commonweal.cases.performance import Kept
    from commonweal.portal import views

    def counted(start, end, by_district=False, service_id=None):  # a large city's quarter
        return {(city.pothole.pk, "District W" if by_district else ""): Kept(due=1099, met=761)}

    monkeypatch.setattr(views, "standards_kept", counted)
    with time_machine.travel(TODAY, tick=False):
        english = client.get(reverse("portal:charter")).content.decode()
        spanish = client.get(reverse("portal:charter"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
        detail = client.get(reverse("portal:charter-service", args=["pothole"])).content.decode()
    assert "69% (761 of 1,099)" in english
    assert "(761 de 1\xa0099)" in spanish
    assert "<td>1,099</td>" in detail and "(761 of 1,099)" in detail
