"""Beyond authority → approval: propose, decide as someone else, every step logged."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from commonweal.cases import proposals
from commonweal.cases.authority import Actor
from commonweal.cases.errors import AuthorityError, CaseError
from commonweal.cases.models import CaseEvent, Proposal, ServiceRequest, Status


def actor(user):
    return Actor.for_user(user)


def actions(case):
    return list(
        CaseEvent.objects.filter(request=case).order_by("sequence").values_list("action", flat=True)
    )


def test_an_extension_beyond_the_agents_limit_is_approved_and_carried_out(city, pothole_request):
    before = pothole_request.resolve_due
    proposal = proposals.propose(
        actor(city.ana),
        pothole_request,
        "extend_due",
        {"days": 10},
        reason="Road closed for a fair",
    )
    assert proposal.status == "pending"
    decided = proposals.decide(actor(city.sam), proposal, approve=True, reason="Fair confirmed")
    assert decided.status == "approved" and decided.decided_by == city.sam
    case = ServiceRequest.objects.get(pk=pothole_request.pk)
    assert case.resolve_due - before == dt.timedelta(days=10)
    assert actions(case)[-3:] == ["proposal.submitted", "case.due_extended", "proposal.decided"]
    extension = CaseEvent.objects.get(request=case, action="case.due_extended")
    assert (
        extension.actor_label == "sam"
        and extension.rule_code == "supervisor.extend-due.own-department"
    )
    assert f"#{proposal.pk}" in extension.reason


def test_a_rejected_proposal_changes_nothing_but_is_logged(city, pothole_request):
    details = {"outcome": "no_action_needed", "public_text": "Not a pothole"}
    proposal = proposals.propose(
        actor(city.ana), pothole_request, "close", details, reason="It is a drain cover"
    )
    proposals.decide(actor(city.sam), proposal, approve=False, reason="Send a crew to check")
    case = ServiceRequest.objects.get(pk=pothole_request.pk)
    assert case.status == Status.NEW
    decided = CaseEvent.objects.filter(request=case, action="proposal.decided").get()
    assert decided.data["approved"] is False and decided.reason == "Send a crew to check"


def test_a_field_worker_proposes_on_their_own_job(city, pothole_request):
    from commonweal.cases import services

    assigned = services.assign(actor(city.sam), pothole_request, city.fern)
    proposal = proposals.propose(
        actor(city.fern), assigned, "extend_due", {"days": 2}, reason="Parts"
    )
    with pytest.raises(AuthorityError, match="other than the proposer"):
        proposals.decide(actor(city.fern), proposal, approve=True, reason="I agree with myself")
    proposals.decide(actor(city.sam), proposal, approve=True, reason="Parts on order")
    assert Proposal.objects.get(pk=proposal.pk).status == "approved"


def test_the_proposer_cannot_approve_even_with_the_authority(city, pothole_request):
    from commonweal.cases.models import DelegatedAuthority

    DelegatedAuthority.objects.filter(code="agent.extend-due.own-department").update(
        max_extension_days=1
    )
    proposal = proposals.propose(
        actor(city.ana), pothole_request, "extend_due", {"days": 2}, reason="x"
    )
    DelegatedAuthority.objects.create(
        code="agent.decide", role="agent", action="decide_proposal", scope="own_department"
    )
    with pytest.raises(AuthorityError, match="other than the proposer"):
        proposals.decide(actor(city.ana), proposal, approve=True, reason="ok")


def test_what_one_may_do_alone_is_not_proposed(city, pothole_request):
    with pytest.raises(CaseError, match="do this yourself"):
        proposals.propose(actor(city.ana), pothole_request, "extend_due", {"days": 2}, reason="x")


def test_a_proposal_needs_reasons_and_a_proposable_act(city, pothole_request):
    with pytest.raises(ValidationError, match="reasons"):
        proposals.propose(actor(city.ana), pothole_request, "extend_due", {"days": 9}, reason=" ")
    with pytest.raises(ValidationError, match="cannot be proposed"):
        proposals.propose(actor(city.ana), pothole_request, "add_note", {}, reason="x")


def test_an_approver_without_the_authority_fails_and_nothing_changes(city, pothole_request):
    proposal = proposals.propose(
        actor(city.ana), pothole_request, "extend_due", {"days": 30}, reason="Rebuild"
    )
    with pytest.raises(AuthorityError, match="at most 14"):
        proposals.decide(actor(city.sam), proposal, approve=True, reason="ok")
    assert Proposal.objects.get(pk=proposal.pk).status == "pending"
    assert "proposal.decided" not in actions(pothole_request)


def test_a_decision_is_taken_once(city, pothole_request):
    proposal = proposals.propose(
        actor(city.ana), pothole_request, "extend_due", {"days": 5}, reason="x"
    )
    proposals.decide(actor(city.sam), proposal, approve=False, reason="No")
    with pytest.raises(CaseError, match="already decided"):
        proposals.decide(actor(city.sam), proposal, approve=True, reason="Changed my mind")


def test_only_the_departments_deciders_decide(city, pothole_request):
    proposal = proposals.propose(
        actor(city.ana), pothole_request, "extend_due", {"days": 5}, reason="x"
    )
    with pytest.raises(AuthorityError):
        proposals.decide(actor(city.hugo), proposal, approve=True, reason="Not my department")
