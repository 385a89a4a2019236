"""Following a report (no personal data, ever) and finding a service in either language."""

import datetime as dt
import zoneinfo

import time_machine
from django.urls import reverse
from django.utils import formats, timezone, translation

from commonweal import testing
from commonweal.cases import log, services
from commonweal.cases.authority import authorize
from commonweal.cases.models import Action
from commonweal.testing import JurisdictionFactory, ServiceFactory, StandardFactory


def resident_report(city, service=None):
    service = service or city.pothole
    return services.submit(
        city.resident, service=service, channel="web",
        description="Outside number 12, call me on 555-0100",
        attributes={"lane": "left"} if service == city.pothole else {},
        lat=40.05123, long=-75.05321, address="12 Elm Street",
        requester=services.RequesterDetails(
            name="Rosa Díaz", email="rosa@example.org", phone="555-0100"
        ),
    )  # fmt: skip


def test_the_report_page_shows_progress_and_no_personal_data(client, city):
    case = resident_report(city)
    ana = testing.as_actor(city.ana)
    services.acknowledge(ana, case, public_text="A crew will look this week.")
    services.add_note(ana, case, "Resident sounded upset; gas smell?")
    html = client.get(reverse("portal:follow", args=[case.public_id])).content.decode()
    assert "A crew will look this week." in html and "Received and being looked at" in html
    assert "Expected by" in html and "12 Elm Street" in html
    for private in ("Rosa", "rosa@example.org", "555-0100", "gas smell", "call me"):
        assert private not in html


def test_an_update_is_marked_with_the_language_it_was_written_in(client, city):
    """Staff write updates in one language and residents read them in either: the page marks
    each update with the language of the page it was written on (WCAG 3.1.2, so a screen
    reader reads English words in Spanish with an English voice); updates written before
    the language was recorded carry no mark."""
    case = resident_report(city)
    ana = testing.as_actor(city.ana)
    services.acknowledge(ana, case, public_text="A crew will look this week.")
    with translation.override("es"):
        services.publish_update(ana, case, "La cuadrilla llega el lunes.")
    page = client.get(reverse("portal:follow", args=[case.public_id]), HTTP_ACCEPT_LANGUAGE="es")
    html = page.content.decode()
    assert '<p lang="en">A crew will look this week.</p>' in html
    assert '<p lang="es">La cuadrilla llega el lunes.</p>' in html
    earlier = services.build_event(
        ana, authorize(ana, Action.PUBLISH_UPDATE, case), case, Action.PUBLISH_UPDATE,
        occurred_at=timezone.now(), data={}, public_text="Written before languages were kept.",
    )  # fmt: skip
    del earlier.data["text_language"]
    log.append(earlier)
    html = client.get(reverse("portal:follow", args=[case.public_id])).content.decode()
    assert "<p>Written before languages were kept.</p>" in html


def test_a_sensitive_service_shows_only_a_generalised_place(client, city):
    city.collection.sensitive = True
    city.collection.save()
    case = resident_report(city, service=city.collection)
    html = client.get(reverse("portal:follow", args=[case.public_id])).content.decode()
    assert "12 Elm Street" not in html


def test_the_tracking_form_finds_a_report_in_any_case(client, city):
    case = resident_report(city)
    response = client.get(reverse("portal:track"), {"tracking_number": case.public_id.lower()})
    assert response.status_code == 302
    assert response.url == reverse("portal:follow", args=[case.public_id])


def test_an_unknown_tracking_number_is_explained(client, city):
    response = client.get(reverse("portal:track"), {"tracking_number": "NOPE1234"})
    assert response.status_code == 404
    assert "No report has this tracking number" in response.content.decode()
    assert client.get(reverse("portal:follow", args=["NOPE1234"])).status_code == 404


def test_services_are_found_by_english_or_spanish_words(client, city):
    city.pothole.translations = {"es": {"service_name": "Bache en la calzada"}}
    city.pothole.save()
    for words in ("pothole", "bache", "CALZADA", "calzadá"):
        found = client.get(reverse("portal:home"), {"q": words}).context["found"]
        assert [s.service_code for s in found] == ["pothole"], words
    assert client.get(reverse("portal:home"), {"q": "volcano"}).context["found"] == []


def test_service_names_read_in_the_readers_language(client, city):
    city.pothole.translations = {"es": {"service_name": "Bache en la calzada"}}
    city.pothole.save()
    spanish = client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Bache en la calzada" in spanish
    english = client.get(reverse("portal:home")).content.decode()
    assert "Bache en la calzada" not in english and "Pothole" in english


def pothole_at_11_in_new_york(city):
    """A report made on 4 May 2026 at 15:00 UTC: 11 a.m. in New York, 10 in Chicago."""
    with time_machine.travel(dt.datetime(2026, 5, 4, 15, 0, tzinfo=dt.UTC), tick=False):
        return services.submit(
            city.resident, service=city.pothole, channel="web", description="Hole",
            attributes={"lane": "left"}, lat=40.05, long=-75.05,
        )  # fmt: skip


def test_times_read_in_the_citys_time_zone_not_the_servers(client, city):
    """The server's TIME_ZONE is New York; a city in Chicago shows its residents Chicago
    times (the demo city's pages were an hour late), on its report's page and in its
    history, in either language."""
    city.jurisdiction.time_zone = "America/Chicago"
    city.jurisdiction.save()
    case = pothole_at_11_in_new_york(city)
    page = client.get(reverse("portal:follow", args=[case.public_id])).content.decode()
    assert "May 4, 2026, 10 a.m." in page and "11 a.m." not in page
    spanish = client.get(reverse("portal:follow", args=[case.public_id]), HTTP_ACCEPT_LANGUAGE="es")
    assert "4 de mayo de 2026 a las 10:00" in spanish.content.decode()


def test_a_report_of_another_city_on_the_same_site_reads_in_that_citys_zone(client, city):
    """The site's pages are in its first city's zone (New York); a report made in a second
    city (Los Angeles) shows its own times, on its page and on the thank-you page."""
    coast = JurisdictionFactory(
        jurisdiction_id="coast.example", name="Coast City", time_zone="America/Los_Angeles"
    )
    graffiti = ServiceFactory(jurisdiction=coast, service_code="graffiti")
    StandardFactory(service=graffiti)
    here = pothole_at_11_in_new_york(city)
    with time_machine.travel(here.requested_at, tick=False):
        there = services.submit(
            city.resident, service=graffiti, channel="web", description="Tags", lat=34.05,
            long=-118.25,
        )  # fmt: skip
    page = client.get(reverse("portal:follow", args=[there.public_id])).content.decode()
    assert "May 4, 2026, 8 a.m." in page and "11 a.m." not in page
    home = client.get(reverse("portal:follow", args=[here.public_id])).content.decode()
    assert "May 4, 2026, 11 a.m." in home  # the first city's reports keep its zone
    sent = client.get(reverse("portal:sent", args=[there.public_id])).content.decode()
    due = there.resolve_due
    in_zone = {
        name: formats.date_format(due.astimezone(zoneinfo.ZoneInfo(name)), "DATETIME_FORMAT")
        for name in ("America/Los_Angeles", "America/New_York")
    }
    assert in_zone["America/Los_Angeles"].removesuffix(".") in sent
    assert in_zone["America/New_York"].removesuffix(".") not in sent
