"""The escalation ladder with a frozen clock: assignee 80 %, supervisor 100 %, head 150 %."""

import datetime as dt

import pytest
import time_machine

from commonweal import testing
from commonweal.cases import services
from commonweal.cases.escalation import run_escalations
from commonweal.cases.ladder import point_in_time
from commonweal.cases.models import CaseEvent, Outcome, Role, ServiceRequest

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # a Monday


@pytest.fixture
def assigned(city):
    """A pothole reported on Monday morning, assigned to the field worker."""
    with time_machine.travel(START, tick=False):
        case = services.submit(
            city.resident, service=city.pothole, channel="web", description="Deep hole",
            attributes={"lane": "left"}, lat=40.05, long=-75.05,
        )  # fmt: skip
        return services.assign(testing.as_actor(city.sam), case, city.fern)


def escalations(case):
    return list(
        CaseEvent.objects.filter(request=case, action="case.escalated").order_by("sequence")
    )


def at_share(case, percent):
    return case.requested_at + (case.resolve_due - case.requested_at) * percent / 100


def test_nothing_happens_before_the_first_point(assigned):
    assert run_escalations(at_share(assigned, 79)) == 0
    assert escalations(assigned) == []


def test_the_assignee_is_warned_at_80_percent(assigned, city):
    assert assigned.next_escalation_at == point_in_time(assigned, 1)
    assert run_escalations(at_share(assigned, 81)) == 1
    [event] = escalations(assigned)
    assert event.data["level"] == 1
    assert event.data["notify_users"] == [city.fern.pk]
    assert event.rule_code == "system.escalate.any"
    fresh = ServiceRequest.objects.get(pk=assigned.pk)
    assert fresh.escalation_level == 1
    assert fresh.version == assigned.version  # staff attention, not a change residents see


def test_the_ladder_climbs_to_the_supervisor_then_the_head(assigned, city):
    head = testing.staff("helen", Role.DEPARTMENT_HEAD, city.streets)
    run_escalations(at_share(assigned, 81))
    run_escalations(at_share(assigned, 101))
    run_escalations(at_share(assigned, 151))
    levels = [(e.data["level"], e.data["notify_users"]) for e in escalations(assigned)]
    assert levels == [(1, [city.fern.pk]), (2, [city.sam.pk]), (3, [head.pk])]
    assert ServiceRequest.objects.get(pk=assigned.pk).next_escalation_at is None


def test_a_step_is_taken_once(assigned):
    moment = at_share(assigned, 120)
    assert run_escalations(moment) == 1
    assert run_escalations(moment) == 0
    assert [e.data["level"] for e in escalations(assigned)] == [2]  # straight to the reached step


def test_an_unassigned_request_warns_the_supervisors(city, pothole_request):
    run_escalations(at_share(pothole_request, 85))
    assert escalations(pothole_request)[0].data["notify_users"] == [city.sam.pk]


def test_an_extension_steps_the_request_back_down(assigned, city):
    run_escalations(at_share(assigned, 90))
    with time_machine.travel(at_share(assigned, 90), tick=False):
        extended = services.extend_due(
            testing.as_actor(city.sam), assigned, 10, reason="Parts on order"
        )
    assert extended.escalation_level == 0
    assert extended.next_escalation_at == point_in_time(extended, 1)
    assert run_escalations(at_share(assigned, 95)) == 0


def test_closed_requests_are_not_escalated(assigned, city):
    services.close(testing.as_actor(city.sam), assigned, Outcome.RESOLVED, public_text="Filled.")
    assert run_escalations(at_share(assigned, 200)) == 0


def test_requests_without_a_schedule_are_caught_up(assigned):
    """Imported or generated requests arrive without `next_escalation_at`."""
    ServiceRequest.objects.filter(pk=assigned.pk).update(next_escalation_at=None)
    assert run_escalations(at_share(assigned, 110)) == 1
    assert escalations(assigned)[0].data["level"] == 2


def test_escalation_events_keep_the_chain_valid(assigned):
    from commonweal.cases.log import verify

    run_escalations(at_share(assigned, 160))
    checked, breaks = verify([assigned.jurisdiction])
    assert breaks == []
    assert checked == CaseEvent.objects.count()
