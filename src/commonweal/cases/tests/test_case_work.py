"""Each act on a request: what it changes, what it records, when the state machine refuses it."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from commonweal.cases import services
from commonweal.cases.authority import Actor
from commonweal.cases.errors import CaseError, ConflictError, TransitionError
from commonweal.cases.models import CaseEvent, Outcome, ServiceRequest, Status


@pytest.fixture
def sam(city):
    return Actor.for_user(city.sam)


def last_event(case):
    return CaseEvent.objects.filter(request=case).order_by("-sequence").first()


def test_acknowledge_moves_new_to_acknowledged_and_records_the_change(pothole_request, sam):
    case = services.acknowledge(sam, pothole_request, public_text="We are on it.")
    assert case.status == Status.ACKNOWLEDGED and case.acknowledged_at is not None
    event = last_event(case)
    assert event.action == "case.acknowledged"
    assert event.data["changes"]["status"] == ["new", "acknowledged"]
    assert (event.actor_label, event.role, event.public_text) == (
        "sam",
        "supervisor",
        "We are on it.",
    )


def test_the_full_life_of_a_request(city, pothole_request, sam):
    case = services.assign(sam, pothole_request, city.fern)
    case = services.start_work(Actor.for_user(city.fern), case)
    case = services.close(
        Actor.for_user(city.fern), case, Outcome.RESOLVED, public_text="Filled today."
    )
    assert (case.status, case.outcome, case.open311_status) == ("closed", "resolved", "closed")
    assert case.standard_met() is True
    case = services.reopen(sam, case, reason="The patch sank again.")
    assert (case.status, case.outcome, case.closed_at) == ("acknowledged", "", None)
    actions = list(CaseEvent.objects.filter(request=case).values_list("action", flat=True))
    assert actions == [
        "case.created",
        "case.assigned",
        "case.work_started",
        "case.closed",
        "case.reopened",
    ]
    assert case.version == 5


@pytest.mark.parametrize(
    "act",
    [
        lambda actor, case: services.acknowledge(actor, case),
        lambda actor, case: services.start_work(actor, case),
        lambda actor, case: services.close(actor, case, "resolved", public_text="x"),
        lambda actor, case: services.extend_due(actor, case, 1, reason="x"),
        lambda actor, case: services.change_priority(actor, case, "high", reason="x"),
    ],
)
def test_a_closed_request_refuses_case_work(pothole_request, sam, act):
    closed = services.close(sam, pothole_request, "resolved", public_text="Done.")
    with pytest.raises(TransitionError, match="closed"):
        act(sam, closed)


def test_reopen_is_refused_while_open(pothole_request, sam):
    with pytest.raises(TransitionError):
        services.reopen(sam, pothole_request, reason="x")


def test_start_work_is_refused_on_a_new_request(pothole_request, sam):
    with pytest.raises(TransitionError, match="new"):
        services.start_work(sam, pothole_request)


def test_notes_may_be_added_to_closed_requests(pothole_request, sam):
    closed = services.close(sam, pothole_request, "resolved", public_text="Done.")
    services.add_note(sam, closed, "Resident phoned to say thanks.")
    assert last_event(closed).internal_text == "Resident phoned to say thanks."


def test_change_priority_recomputes_the_due_times(pothole_request, sam):
    case = services.change_priority(sam, pothole_request, "urgent", reason="Cyclist fell.")
    assert case.resolve_due - case.requested_at == dt.timedelta(hours=24)
    assert last_event(case).data["changes"]["priority"] == ["normal", "urgent"]


def test_change_priority_needs_a_reason_and_a_real_change(pothole_request, sam):
    with pytest.raises(ValidationError, match="Say why"):
        services.change_priority(sam, pothole_request, "urgent", reason=" ")
    with pytest.raises(ValidationError, match="already has"):
        services.change_priority(sam, pothole_request, "normal", reason="x")
    with pytest.raises(ValidationError, match="Unknown priority"):
        services.change_priority(sam, pothole_request, "asap", reason="x")


def test_extend_due_moves_the_due_time(pothole_request, sam):
    before = pothole_request.resolve_due
    case = services.extend_due(sam, pothole_request, 3, reason="Asphalt plant closed.")
    assert case.resolve_due - before == dt.timedelta(days=3)
    with pytest.raises(ValidationError, match="whole number"):
        services.extend_due(sam, case, 0, reason="x")


def test_transfer_moves_the_request_and_drops_the_assignee(city, pothole_request, sam):
    case = services.assign(sam, pothole_request, city.fern)
    case = services.transfer(sam, case, city.sanitation, reason="Debris from a bin lorry.")
    assert (case.department, case.assignee, case.status) == (city.sanitation, None, "acknowledged")
    with pytest.raises(ValidationError, match="another department"):
        services.transfer(Actor.for_user(city.hugo), case, city.sanitation, reason="x")


def test_assign_only_to_staff_of_the_requests_department(city, pothole_request, sam):
    with pytest.raises(ValidationError, match="department"):
        services.assign(sam, pothole_request, city.hugo)


def test_close_needs_an_explanation_and_a_real_outcome(pothole_request, sam):
    with pytest.raises(ValidationError, match="Explain"):
        services.close(sam, pothole_request, "resolved", public_text="")
    with pytest.raises(ValidationError, match="outcome"):
        services.close(sam, pothole_request, "vanished", public_text="x")
    with pytest.raises(ValidationError, match="merged"):
        services.close(sam, pothole_request, "duplicate", public_text="x")


def test_a_duplicate_is_linked_to_the_root_request_and_closed(city, pothole_request, sam):
    second = services.submit(
        city.resident,
        service=city.pothole,
        channel="phone",
        attributes={"lane": "left"},
        lat=40.05,
        long=-75.05,
    )
    third = services.submit(
        city.resident,
        service=city.pothole,
        channel="app",
        attributes={"lane": "left"},
        lat=40.05,
        long=-75.05,
    )
    second = services.mark_duplicate(sam, second, pothole_request)
    third = services.mark_duplicate(sam, third, second)
    assert third.duplicate_of == pothole_request
    assert (third.status, third.outcome) == ("closed", "duplicate")
    assert last_event(third).data["parent"] == pothole_request.public_id
    with pytest.raises(ValidationError, match="itself"):
        services.mark_duplicate(sam, pothole_request, pothole_request)


def test_a_stale_version_is_a_conflict_and_changes_nothing(pothole_request, sam):
    services.add_note(sam, pothole_request, "first")
    with pytest.raises(ConflictError, match="Someone else changed"):
        services.acknowledge(sam, pothole_request, expected_version=1)
    assert ServiceRequest.objects.get(pk=pothole_request.pk).status == Status.NEW


def test_a_refused_act_writes_nothing(pothole_request, sam):
    count = CaseEvent.objects.count()
    with pytest.raises(CaseError):
        services.start_work(sam, pothole_request)
    assert CaseEvent.objects.count() == count
    assert ServiceRequest.objects.get(pk=pothole_request.pk).version == 1


def test_the_database_refuses_a_closure_after_the_last_update(pothole_request, sam):
    """The survey worker finds recent closures by `updated_at`: closing is a change."""
    case = services.close(sam, pothole_request, Outcome.RESOLVED, public_text="Fixed.")
    assert case.updated_at == case.closed_at
    later = case.updated_at + dt.timedelta(seconds=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceRequest.objects.filter(pk=case.pk).update(closed_at=later)
    services.reopen(sam, case, reason="Still broken.")
    assert ServiceRequest.objects.get(pk=case.pk).closed_at is None
