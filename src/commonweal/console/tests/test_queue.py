"""The work queue: who sees what, filters, counts, paging, and a query count that does not
grow with the number of requests on the page."""

import datetime as dt
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from commonweal import testing
from commonweal.cases import services
from commonweal.cases.models import ServiceRequest

QUEUE = reverse("console:queue")


def ids_on(response):
    return {case.public_id for case in response.context["page"]}


def test_signed_out_visitors_are_sent_to_sign_in(client, city):
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response.url.startswith(reverse("console:login"))


def test_users_without_a_staff_role_are_refused(signed_in, city):
    resident = testing.UserFactory(username="rosa")
    assert signed_in(resident).get(QUEUE).status_code == 403


def test_staff_see_only_their_departments_requests(signed_in, city, make_requests):
    streets = make_requests(2)
    sanitation = make_requests(1, service=city.collection)
    response = signed_in(city.ana).get(QUEUE)
    assert response.status_code == 200
    assert ids_on(response) == {c.public_id for c in streets}
    response = signed_in(city.hugo).get(QUEUE)
    assert ids_on(response) == {c.public_id for c in sanitation}


def test_auditors_see_every_department(signed_in, city, make_requests):
    make_requests(1)
    make_requests(1, service=city.collection)
    assert len(ids_on(signed_in(city.audrey).get(QUEUE))) == 2


def test_mine_shows_only_requests_assigned_to_me(signed_in, city, make_requests):
    first, _second = make_requests(2)
    services.assign(testing.as_actor(city.sam), first, city.fern)
    response = signed_in(city.fern).get(QUEUE, {"mine": "on"})
    assert ids_on(response) == {first.public_id}


def test_the_only_mine_box_is_drawn_as_a_uswds_checkbox(signed_in, city):
    html = signed_in(city.fern).get(QUEUE).content.decode()
    box = html.split('<div class="usa-checkbox">')[1].split("</div>")[0]
    # USWDS hides the input itself and draws the box on the label that follows it
    assert 'class="usa-checkbox__input"' in box and 'name="mine"' in box
    assert box.index("<input") < box.index('<label class="usa-checkbox__label" for="id_mine">')


def test_filters_by_status_priority_and_channel(signed_in, city, make_requests):
    first, second, _third = make_requests(3)
    sam = testing.as_actor(city.sam)
    services.acknowledge(sam, first)
    services.change_priority(sam, second, "urgent", reason="School route")
    client = signed_in(city.sam)
    assert ids_on(client.get(QUEUE, {"status": "acknowledged"})) == {first.public_id}
    assert ids_on(client.get(QUEUE, {"priority": "urgent"})) == {second.public_id}
    assert ids_on(client.get(QUEUE, {"channel": "phone"})) == set()
    assert len(ids_on(client.get(QUEUE, {"status": "new"}))) == 2


def test_overdue_and_at_risk_flags_and_counts(signed_in, city, make_requests):
    late, risky, fresh = make_requests(3)
    now = timezone.now()
    ServiceRequest.objects.filter(pk=late.pk).update(resolve_due=now - dt.timedelta(hours=1))
    ServiceRequest.objects.filter(pk=risky.pk).update(escalation_level=1)
    client = signed_in(city.sam)
    assert ids_on(client.get(QUEUE, {"flag": "overdue"})) == {late.public_id}
    assert ids_on(client.get(QUEUE, {"flag": "at_risk"})) == {risky.public_id}
    counts = client.get(QUEUE).context["counts"]
    assert counts == {"total": 3, "unassigned": 3, "at_risk": 1, "overdue": 1}
    assert fresh.public_id in ids_on(client.get(QUEUE))


def test_sorted_by_due_time_soonest_first(signed_in, city, make_requests):
    cases = make_requests(3)
    base = timezone.now()
    for offset, case in zip((3, 1, 2), cases, strict=True):
        ServiceRequest.objects.filter(pk=case.pk).update(
            resolve_due=base + dt.timedelta(days=offset)
        )
    page = signed_in(city.sam).get(QUEUE, {"sort": "due"}).context["page"]
    assert [c.public_id for c in page] == [
        cases[1].public_id,
        cases[2].public_id,
        cases[0].public_id,
    ]


def test_an_unknown_filter_value_is_shown_as_an_error_not_a_crash(signed_in, city, make_requests):
    make_requests(1)
    response = signed_in(city.sam).get(QUEUE, {"status": "exploded", "service": "99999"})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"status", "service"}


def test_filters_name_departments_and_services_in_the_readers_language(
    signed_in, city, make_requests
):
    testing.ServiceFactory(
        jurisdiction=city.jurisdiction,
        department=city.streets,
        service_code="sidewalk",
        service_name="Sidewalk damage",
        translations={"es": {"service_name": "Acera dañada"}},
    )
    city.pothole.translations = {"es": {"service_name": "Bache"}}
    city.pothole.save()
    city.streets.translations = {"es": {"name": "Calles"}}
    city.streets.save()
    client = signed_in(city.sam)

    def options(language, field):
        html = client.get(QUEUE, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        select = html.split(f'name="{field}"')[1].split("</select>")[0]
        return re.findall(r'<option value="[^"]+"[^>]*>([^<]+)</option>', select)

    def unchosen(language, field):  # what the empty choice says
        html = client.get(QUEUE, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        select = html.split(f'name="{field}"')[1].split("</select>")[0]
        return re.findall(r'<option value=""[^>]*>([^<]+)</option>', select)

    assert options("en", "service") == ["Pothole (pothole)", "Sidewalk damage (sidewalk)"]
    assert options("es", "service") == ["Acera dañada (sidewalk)", "Bache (pothole)"]
    assert options("es", "department") == ["Calles (streets)"]
    # the districts requests are placed in; not the neighbourhood map over the same streets,
    # whose areas no request is ever filed under
    # and so do the requests listed, and a request's own page
    (case,) = make_requests(1)
    listed = client.get(QUEUE, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert ">Bache</td>" in listed and ">Pothole</td>" not in listed
    page = client.get(reverse("console:case", args=[case.public_id]), HTTP_ACCEPT_LANGUAGE="es")
    assert "<h1>Bache " in page.content.decode() and "<dd>Calles</dd>" in page.content.decode()
    for field in ("department", "service", "district", "team", "status"):
        assert unchosen("en", field) == ["Any"] and unchosen("es", field) == ["Cualquiera"]
    assert options("en", "district") == [
        "District E (Council district E)",
        "District W (Council district W)",
    ]


def test_pages_hold_25_requests(signed_in, city, make_requests):
    make_requests(30)
    client = signed_in(city.sam)
    assert len(ids_on(client.get(QUEUE))) == 25
    assert len(ids_on(client.get(QUEUE, {"page": 2}))) == 5


def test_htmx_gets_only_the_results(signed_in, city, make_requests):
    make_requests(1)
    response = signed_in(city.sam).get(QUEUE, HTTP_HX_REQUEST="true")
    assert b"<html" not in response.content
    assert b'data-count="total"' in response.content


def test_the_query_count_does_not_grow_with_the_page(signed_in, city, make_requests):
    client = signed_in(city.sam)
    make_requests(3)
    client.get(QUEUE)  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        client.get(QUEUE)
    for case in make_requests(20):
        services.assign(testing.as_actor(city.sam), case, city.fern)
    with CaptureQueriesContext(connection) as many:
        client.get(QUEUE)
    assert len(many) == len(few)
    assert len(many) <= 15


def test_mine_includes_unclaimed_requests_of_my_teams(signed_in, city, make_requests):
    from commonweal.catalog.models import Team

    crew = Team.objects.create(department=city.streets, code="crew", name="Crew")
    crew.members.add(city.fern)
    pooled, claimed_by_other, _rest = make_requests(3)
    sam = testing.as_actor(city.sam)
    services.assign_team(sam, pooled, crew)
    claimed = services.assign_team(sam, claimed_by_other, crew)
    services.assign(sam, claimed, city.ana)
    response = signed_in(city.fern).get(QUEUE, {"mine": "on"})
    assert ids_on(response) == {pooled.public_id}
    assert ids_on(signed_in(city.sam).get(QUEUE, {"team": crew.pk})) == {
        pooled.public_id,
        claimed_by_other.public_id,
    }
