"""Acts from the case page go through `cases.services`: allowed, refused, invalid, stale."""

import pytest
from django.urls import reverse

from commonweal.cases.models import CaseEvent, Outcome, ServiceRequest, Status


def act(client, case, action, **fields):
    data = {f"{action}-version": case.version, **{f"{action}-{k}": v for k, v in fields.items()}}
    return client.post(reverse("console:act", args=[case.public_id, action]), data)


def fresh(case):
    return ServiceRequest.objects.get(pk=case.pk)


def test_acknowledge_assign_update_and_close(signed_in, city, pothole_request):
    client = signed_in(city.ana)
    case = pothole_request
    assert act(client, case, "acknowledge", public_text="On our list.").status_code == 302
    case = fresh(case)
    assert act(client, case, "assign", assignee=city.fern.pk).status_code == 302
    case = fresh(case)
    assert act(client, case, "publish_update", text="Crew booked.").status_code == 302
    response = act(client, fresh(case), "close", outcome="resolved", public_text="Filled.")
    assert response.status_code == 302
    case = fresh(case)
    assert (case.status, case.outcome, case.assignee) == (
        Status.CLOSED,
        Outcome.RESOLVED,
        city.fern,
    )
    actions = list(CaseEvent.objects.filter(request=case).values_list("action", flat=True))
    assert actions[-4:] == [
        "case.acknowledged", "case.assigned", "case.update_published", "case.closed"
    ]  # fmt: skip


def test_an_invalid_form_is_shown_again_and_nothing_is_written(signed_in, city, pothole_request):
    client = signed_in(city.sam)
    before = CaseEvent.objects.count()
    response = act(client, pothole_request, "change_priority", priority="urgent", reason="")
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert CaseEvent.objects.count() == before


def test_a_refused_act_explains_why_and_offers_a_proposal(signed_in, city, pothole_request):
    client = signed_in(city.ana)
    response = act(client, pothole_request, "extend_due", days=10, reason="Parts on order")
    assert response.status_code == 403
    html = response.content.decode()
    assert "at most 3 days" in html
    assert response.context["propose"]["action"] == "extend_due"
    assert fresh(pothole_request).resolve_due == pothole_request.resolve_due


def test_a_stale_form_gets_a_clear_conflict_message(signed_in, city, pothole_request):
    ana = signed_in(city.ana)
    stale_version = pothole_request.version
    assert act(ana, pothole_request, "acknowledge").status_code == 302
    pothole_request.version = stale_version  # the second agent's page was drawn before
    response = act(ana, pothole_request, "assign", assignee=city.fern.pk)
    assert response.status_code == 409
    assert "Someone else changed request" in response.content.decode()
    assert fresh(pothole_request).assignee is None


def test_unknown_acts_are_not_found(signed_in, city, pothole_request):
    response = signed_in(city.sam).post(
        reverse("console:act", args=[pothole_request.public_id, "explode"])
    )
    assert response.status_code == 404


@pytest.mark.parametrize("method", ["get", "put"])
def test_acts_only_accept_post(signed_in, city, pothole_request, method):
    url = reverse("console:act", args=[pothole_request.public_id, "acknowledge"])
    assert getattr(signed_in(city.sam), method)(url).status_code == 405


def test_merging_from_the_suggestion_closes_the_duplicate(signed_in, city, make_requests):
    first, second = make_requests(2)
    response = act(signed_in(city.ana), second, "mark_duplicate", parent=first.public_id)
    assert response.status_code == 302
    merged = fresh(second)
    assert (merged.outcome, merged.duplicate_of_id) == (Outcome.DUPLICATE, first.pk)


def test_assign_to_a_team_or_a_person_but_not_both(signed_in, city, pothole_request):
    from commonweal.catalog.models import Team

    crew = Team.objects.create(department=city.streets, code="crew", name="Crew")
    client = signed_in(city.sam)
    both = act(client, pothole_request, "assign", assignee=city.fern.pk, team=crew.pk)
    assert both.status_code == 400
    assert "Choose a person or a team, not both." in both.content.decode()
    assert act(client, pothole_request, "assign", team=crew.pk).status_code == 302
    assert fresh(pothole_request).team == crew
