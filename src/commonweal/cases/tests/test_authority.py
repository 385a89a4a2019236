"""The delegated-authority matrix: each default rule allowed and refused."""

import pytest

from commonweal.cases import services
from commonweal.cases.authority import Actor, authorize
from commonweal.cases.errors import AuthorityError
from commonweal.cases.models import Action, CaseEvent, DelegatedAuthority, Outcome


def actor(user):
    return Actor.for_user(user)


def test_an_agent_closes_routine_outcomes_in_her_department(city, pothole_request):
    case = services.close(actor(city.ana), pothole_request, Outcome.RESOLVED, public_text="Fixed")
    assert CaseEvent.objects.filter(request=case).last().rule_code == "agent.close.own-department"


def test_an_agent_may_not_close_as_no_action_needed(city, pothole_request):
    with pytest.raises(AuthorityError, match="only with these outcomes"):
        services.close(actor(city.ana), pothole_request, Outcome.NO_ACTION_NEEDED, public_text="x")


def test_a_supervisor_may_close_as_no_action_needed(city, pothole_request):
    services.close(actor(city.sam), pothole_request, Outcome.NO_ACTION_NEEDED, public_text="ok")


def test_an_agent_extends_within_three_days_only(city, pothole_request):
    services.extend_due(actor(city.ana), pothole_request, 3, reason="Parts")
    with pytest.raises(AuthorityError, match="at most 3 days; this asks for 4"):
        services.extend_due(actor(city.ana), pothole_request, 4, reason="Parts")


def test_a_supervisor_extends_up_to_fourteen_days(city, pothole_request):
    services.extend_due(actor(city.sam), pothole_request, 14, reason="Contractor")
    with pytest.raises(AuthorityError, match="at most 14"):
        services.extend_due(actor(city.sam), pothole_request, 15, reason="Contractor")


def test_staff_act_only_in_their_own_department(city, pothole_request):
    with pytest.raises(AuthorityError, match="own department"):
        services.acknowledge(actor(city.hugo), pothole_request)


def test_a_field_worker_closes_only_jobs_assigned_to_them(city, pothole_request):
    with pytest.raises(AuthorityError, match="assigned to you"):
        services.close(actor(city.fern), pothole_request, Outcome.RESOLVED, public_text="x")
    case = services.assign(actor(city.sam), pothole_request, city.fern)
    services.close(actor(city.fern), case, Outcome.RESOLVED, public_text="Filled")


def test_a_field_worker_may_not_transfer(city, pothole_request):
    with pytest.raises(AuthorityError, match="may not transfer"):
        services.transfer(actor(city.fern), pothole_request, city.sanitation, reason="x")


@pytest.mark.parametrize("who", ["carla", "audrey"])
def test_officials_and_auditors_only_read(city, pothole_request, who):
    with pytest.raises(AuthorityError, match="may not acknowledge"):
        services.acknowledge(actor(getattr(city, who)), pothole_request)


def test_a_resident_may_submit_but_not_close(city, pothole_request):
    with pytest.raises(AuthorityError, match="Resident may not close"):
        services.close(city.resident, pothole_request, Outcome.RESOLVED, public_text="x")


def test_the_system_may_do_anything(city, pothole_request):
    case = services.reopen(
        Actor.system("worker"),
        services.close(Actor.system("worker"), pothole_request, "resolved", public_text="x"),
        reason="Survey says not fixed",
    )
    assert CaseEvent.objects.filter(request=case).last().actor_label == "system:worker"


def test_a_deactivated_rule_no_longer_allows(city, pothole_request):
    DelegatedAuthority.objects.filter(code="agent.acknowledge.own-department").update(active=False)
    with pytest.raises(AuthorityError):
        services.acknowledge(actor(city.ana), pothole_request)


def test_a_rule_limited_to_listed_services_refuses_others(city, pothole_request):
    rule = DelegatedAuthority.objects.get(code="agent.acknowledge.own-department")
    rule.services.set([city.collection])
    with pytest.raises(AuthorityError, match="does not cover this service"):
        authorize(actor(city.ana), Action.ACKNOWLEDGE, pothole_request)
    rule.services.set([city.pothole])
    assert authorize(actor(city.ana), Action.ACKNOWLEDGE, pothole_request) == rule


def test_a_user_without_a_role_is_told_so(city, pothole_request):
    from commonweal.testing import UserFactory

    with pytest.raises(AuthorityError, match="no role may not acknowledge"):
        services.acknowledge(Actor.for_user(UserFactory(username="nobody")), pothole_request)


def test_every_default_rule_passes_the_models_own_validation(db):
    """An administrator must be able to open and save any default rule in the admin."""
    for rule in DelegatedAuthority.objects.all():
        rule.full_clean()
