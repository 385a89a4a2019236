"""Beyond one's authority: propose with reasons, a supervisor approves or rejects, all logged."""

from django.urls import reverse

from commonweal.cases.models import CaseEvent, Proposal, ProposalStatus, ServiceRequest


def propose_extension(client, case, days=10):
    return client.post(
        reverse("console:propose", args=[case.public_id, "extend_due"]),
        {
            "propose-extend_due-version": case.version,
            "propose-extend_due-days": days,
            "propose-extend_due-reason": "Parts on order",
            "propose-extend_due-why-reason": "The supplier needs two weeks.",
        },
    )


def test_an_agent_proposes_and_a_supervisor_approves(signed_in, city, pothole_request, client):
    assert propose_extension(signed_in(city.ana), pothole_request).status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.params == {"days": 10, "public_text": ""}

    queue = signed_in(city.sam).get(reverse("console:approvals"))
    assert [p.pk for p in queue.context["pending"]] == [proposal.pk]

    response = client.post(
        reverse("console:decide", args=[proposal.pk]),
        {"decision": "approve", "reason": "Supplier confirmed."},
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.APPROVED and proposal.decided_by == city.sam
    case = ServiceRequest.objects.get(pk=pothole_request.pk)
    assert (case.resolve_due - pothole_request.resolve_due).days == 10
    actions = list(CaseEvent.objects.filter(request=case).values_list("action", flat=True))
    assert actions[-3:] == ["proposal.submitted", "case.due_extended", "proposal.decided"]


def test_a_rejection_changes_nothing_but_is_logged(signed_in, city, pothole_request, client):
    propose_extension(signed_in(city.ana), pothole_request)
    proposal = Proposal.objects.get()
    signed_in(city.sam).post(
        reverse("console:decide", args=[proposal.pk]),
        {"decision": "reject", "reason": "Use the temporary patch."},
    )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.REJECTED
    case = ServiceRequest.objects.get(pk=pothole_request.pk)
    assert case.resolve_due == pothole_request.resolve_due
    assert CaseEvent.objects.filter(request=case, action="proposal.decided").exists()


def test_the_proposer_cannot_decide_their_own_proposal(signed_in, city, pothole_request):
    client = signed_in(city.sam)
    propose_extension(client, pothole_request, days=30)  # beyond the supervisor's 14 days
    proposal = Proposal.objects.get()
    response = client.post(
        reverse("console:decide", args=[proposal.pk]), {"decision": "approve", "reason": "Mine."}
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PENDING


def test_an_agent_may_not_decide(signed_in, city, pothole_request):
    propose_extension(signed_in(city.sam), pothole_request, days=30)
    proposal = Proposal.objects.get()
    signed_in(city.ana).post(
        reverse("console:decide", args=[proposal.pk]), {"decision": "approve", "reason": "Sure."}
    )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PENDING


def test_what_one_may_do_alone_cannot_be_proposed(signed_in, city, pothole_request):
    response = propose_extension(signed_in(city.ana), pothole_request, days=2)
    assert response.status_code == 403
    assert "no approval is needed" in response.content.decode()
    assert not Proposal.objects.exists()


def test_another_departments_proposals_are_invisible(signed_in, city, pothole_request):
    propose_extension(signed_in(city.ana), pothole_request)
    assert list(signed_in(city.hugo).get(reverse("console:approvals")).context["pending"]) == []
    proposal = Proposal.objects.get()
    response = signed_in(city.hugo).post(
        reverse("console:decide", args=[proposal.pk]), {"decision": "approve", "reason": "x"}
    )
    assert response.status_code == 404


def test_only_those_who_may_decide_are_given_the_form(signed_in, city, pothole_request):
    """A field worker or an agent reads the proposals of their department but may decide
    none: they get no form to fill in and be refused, and neither does the proposer."""
    propose_extension(signed_in(city.sam), pothole_request, days=30)  # beyond his 14 days
    approvals = reverse("console:approvals")
    for reader in (city.fern, city.ana):
        page = signed_in(reader).get(approvals).content.decode()
        assert "Record decision" not in page
        assert "A supervisor or department head decides" in page
    own = signed_in(city.sam).get(approvals).content.decode()
    assert "Record decision" not in own and "You asked for this; someone else decides." in own
    propose_extension(signed_in(city.ana), ServiceRequest.objects.get(pk=pothole_request.pk))
    assert "Record decision" in signed_in(city.sam).get(approvals).content.decode()
