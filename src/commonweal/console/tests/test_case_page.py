"""The case page: details, map and address, due clock, timeline, contact details only for
roles allowed (and each look logged), and only the acts this user may take now."""

import re

from django.urls import reverse

from commonweal import testing
from commonweal.cases import services
from commonweal.cases.escalation import run_escalations
from commonweal.cases.models import Action, CaseEvent


def page(client, case):
    return client.get(reverse("console:case", args=[case.public_id]))


def offered(response):
    return {action for action, _label, _form in response.context["forms"]}


def test_it_shows_the_request_its_place_and_timeline(signed_in, city, pothole_request):
    response = page(signed_in(city.ana), pothole_request)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Deep pothole by the school gate" in html
    assert "Lane" in html and "Left" in html  # the answer's label, not its key
    assert "<svg" in html and "40.05000, -75.05000" in html  # map plus the place in text
    assert 'data-action="case.created"' in html
    assert "<strong>Reported</strong>" in html  # the act in words, its code beside it
    assert "To be resolved by" in html


def test_the_map_places_the_point_in_either_language(signed_in, city, pothole_request):
    """SVG reads numbers with a decimal point: in Spanish the point's place was written with
    a decimal comma ("120,0"), and the point sat in the map's corner."""
    client = signed_in(city.ana)
    for language in ("en", "es"):
        html = page_in(client, pothole_request, language).content.decode()
        placed = re.search(r'<circle cx="([^"]*)" cy="([^"]*)"', html)
        assert placed, language
        x, y = (float(value) for value in placed.groups())  # a comma would not read
        assert 60 < x < 180 and 60 < y < 180, (language, x, y)  # inside its district, not a corner


def test_the_timeline_names_residents_and_the_system_in_words(signed_in, city, pothole_request):
    """The log keeps "resident" and "system:escalation"; the timeline says who in the
    reader's language, and staff by their user name."""
    run_escalations(pothole_request.resolve_due)
    client = signed_in(city.ana)
    english = page_in(client, pothole_request, "en").content.decode()
    assert "by the resident" in english and "by the system (escalation)" in english
    spanish = page_in(client, pothole_request, "es").content.decode()
    assert "por la persona residente" in spanish and "por el sistema (escalamiento)" in spanish
    assert "por resident " not in spanish


def page_in(client, case, language):
    url = reverse("console:case", args=[case.public_id])
    return client.get(url, HTTP_ACCEPT_LANGUAGE=language)


def test_another_departments_request_is_not_found(signed_in, city, pothole_request):
    assert page(signed_in(city.hugo), pothole_request).status_code == 404


def test_an_agent_is_offered_what_the_matrix_allows_them_now(signed_in, city, pothole_request):
    acts = offered(page(signed_in(city.ana), pothole_request))
    assert Action.ACKNOWLEDGE in acts and Action.CLOSE in acts
    assert Action.TRANSFER not in acts and Action.REOPEN not in acts  # supervisors only
    assert Action.START_WORK not in acts  # a new request must be acknowledged first


def test_the_close_form_offers_only_the_outcomes_the_rule_allows(signed_in, city, pothole_request):
    forms = dict((a, f) for a, _l, f in page(signed_in(city.ana), pothole_request).context["forms"])
    outcomes = {value for value, _label in forms[Action.CLOSE].fields["outcome"].choices}
    assert "resolved" in outcomes and "no_action_needed" not in outcomes


def test_a_field_worker_is_offered_nothing_on_a_job_not_theirs(signed_in, city, pothole_request):
    response = page(signed_in(city.fern), pothole_request)
    assert offered(response) == set()
    services.assign(testing.as_actor(city.sam), pothole_request, city.fern)
    assert Action.START_WORK in offered(page(signed_in(city.fern), pothole_request))


def test_an_auditor_reads_but_may_do_nothing(signed_in, city, pothole_request):
    response = page(signed_in(city.audrey), pothole_request)
    assert response.status_code == 200
    assert offered(response) == set() and not response.context["may_view_contact"]


def resident_report(city):
    return services.submit(
        city.resident, service=city.pothole, channel="phone", description="Hole",
        attributes={"lane": "left"}, lat=40.05, long=-75.05,
        requester=services.RequesterDetails(name="Rosa Díaz", email="rosa@example.org"),
    )  # fmt: skip


def test_contact_details_are_hidden_until_asked_for_and_the_look_is_logged(signed_in, city):
    case = resident_report(city)
    client = signed_in(city.ana)
    assert "rosa@example.org" not in page(client, case).content.decode()
    response = client.post(reverse("console:contact", args=[case.public_id]))
    assert "rosa@example.org" in response.content.decode()
    [look] = CaseEvent.objects.filter(request=case, action="case.contact_viewed")
    assert look.actor_label == "ana" and look.rule_code == "agent.view-contact.own-department"
    assert "rosa" not in str(look.data)


def test_roles_without_the_right_cannot_see_contact_details(signed_in, city):
    case = resident_report(city)
    response = signed_in(city.audrey).post(reverse("console:contact", args=[case.public_id]))
    assert response.status_code == 403
    assert not CaseEvent.objects.filter(action="case.contact_viewed").exists()


def test_possible_duplicates_are_suggested_with_a_merge_button(signed_in, city, make_requests):
    first, second = make_requests(2)
    response = page(signed_in(city.ana), second)
    assert [c.public_id for c in response.context["duplicates"]] == [first.public_id]
    assert f"Merge this request into {first.public_id}" in response.content.decode()


def test_the_case_page_speaks_spanish(signed_in, city, pothole_request):
    client = signed_in(city.ana)
    response = client.get(
        reverse("console:case", args=[pothole_request.public_id]), HTTP_ACCEPT_LANGUAGE="es"
    )
    html = response.content.decode()
    assert "Lo que puede hacer ahora" in html and "Historial" in html


def test_an_unchosen_choice_reads_as_words_in_either_language(signed_in, city, pothole_request):
    """A select left empty says what that means ("No one chosen", "Choose one", "Any"), never
    Django's dashes: the acts on a request's page (assign, transfer), the queue with its bulk
    acts, and intake's choice of service."""
    client = signed_in(city.sam)
    case = reverse("console:case", args=[pothole_request.public_id])
    for language, no_one in (("en", "No one chosen"), ("es", "Nadie elegido")):
        for url in (case, reverse("console:queue"), reverse("console:intake")):
            response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
            assert response.status_code == 200
            assert "---------" not in response.content.decode(), url
        assert (
            f">{no_one}</option>"
            in client.get(case, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        )
