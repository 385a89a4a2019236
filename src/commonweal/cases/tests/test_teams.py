"""Teams: a request assigned to a crew as a whole, picked up by a member."""

import pytest
from django.core.exceptions import ValidationError

from commonweal import testing
from commonweal.cases import services
from commonweal.cases.escalation import run_escalations
from commonweal.cases.models import CaseEvent, Status
from commonweal.catalog.models import Team


@pytest.fixture
def north(city):
    team = Team.objects.create(department=city.streets, code="north", name="North crew")
    team.members.add(city.fern)
    return team


def test_a_supervisor_assigns_a_team_and_it_is_logged(city, pothole_request, north):
    case = services.assign_team(testing.as_actor(city.sam), pothole_request, north)
    assert (case.status, case.team, case.assignee) == (Status.ASSIGNED, north, None)
    event = CaseEvent.objects.filter(request=case).latest("sequence")
    assert event.action == "case.assigned" and event.data["team"] == "north"
    assert event.data["changes"]["team_id"] == [None, north.pk]


def test_another_departments_team_is_refused(city, pothole_request):
    bins = Team.objects.create(department=city.sanitation, code="bins", name="Bins")
    with pytest.raises(ValidationError) as refused:
        services.assign_team(testing.as_actor(city.sam), pothole_request, bins)
    assert "team" in refused.value.message_dict


def test_a_transfer_leaves_the_team_behind(city, pothole_request, north):
    case = services.assign_team(testing.as_actor(city.sam), pothole_request, north)
    case = services.transfer(testing.as_actor(city.sam), case, city.sanitation, reason="Bins")
    assert case.team is None


def test_an_unclaimed_team_request_warns_the_team(city, pothole_request, north):
    case = services.assign_team(testing.as_actor(city.sam), pothole_request, north)
    run_escalations(case.requested_at + (case.resolve_due - case.requested_at) * 0.85)
    event = CaseEvent.objects.get(request=case, action="case.escalated")
    assert event.data["notify_users"] == [city.fern.pk]
