"""The demo city: believable, valid under the domain's rules, deterministic."""

import datetime as dt
import statistics

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import F

from commonweal.cases.escalation import run_escalations
from commonweal.cases.log import find_break
from commonweal.cases.models import (
    CaseEvent,
    Channel,
    DelegatedAuthority,
    Outcome,
    ServiceRequest,
    Status,
)
from commonweal.catalog.models import Department, District, Jurisdiction, Service
from commonweal.demo.builder import build_demo_city
from commonweal.demo.catalogue import SERVICES, SLOW_DISTRICT
from commonweal.feedback.models import SurveyInvitation, SurveyResponse
from commonweal.feedback.surveys import A11_QUESTIONS, invite_closed_requests
from commonweal.notifications.outbox import queue_notifications

NOW = dt.datetime(2026, 11, 27, 18, 0, tzinfo=dt.UTC)


@pytest.fixture
def demo(db):
    return build_demo_city(3000, seed=7, now=NOW)


def test_the_demo_city_has_the_promised_shape(demo):
    assert District.objects.count() == 15
    assert Department.objects.count() >= 8
    assert Service.objects.count() >= 40
    assert ServiceRequest.objects.count() == demo.totals.requests == 3000
    assert not ServiceRequest.objects.filter(district__isnull=True).exists()
    first, last = (
        ServiceRequest.objects.order_by(field).values_list("requested_at", flat=True).first()
        for field in ("requested_at", "-requested_at")
    )
    assert (NOW - first).days >= 360 and last <= NOW


def test_the_demo_case_log_is_a_valid_chain(demo):
    count, problem = find_break(Jurisdiction.objects.get())
    assert problem is None and count == demo.totals.events


def test_the_demo_starts_escalated_as_far_as_it_should_be_and_owing_no_email(demo):
    """The served demo's worker has nothing to catch up on: every overdue request is already
    up its ladder, and every request closed in the last 30 days already invited to the survey
    (its first rounds escalated hundreds at once and emailed their supervisors, then sent
    hundreds of invitations); the generated year owes no one an email."""
    assert CaseEvent.objects.filter(action="case.escalated").exists()
    assert not ServiceRequest.objects.escalation_due(NOW).exists()
    assert run_escalations(NOW) == 0
    assert queue_notifications() == 0
    assert invite_closed_requests(NOW) == 0
    assert not SurveyInvitation.objects.filter(request__outcome=Outcome.DUPLICATE).exists()


def test_every_event_names_a_rule_of_the_matrix(demo):
    used = set(CaseEvent.objects.values_list("rule_code", flat=True).distinct())
    assert used <= set(DelegatedAuthority.objects.values_list("code", flat=True))


def test_the_demo_has_backlog_duplicates_reopenings_notes_and_reassignments(demo):
    actions = set(CaseEvent.objects.values_list("action", flat=True).distinct())
    assert {
        "case.merged_as_duplicate",
        "case.reopened",
        "case.note_added",
        "case.update_published",
    } <= actions
    assert ServiceRequest.objects.open().count() > 30
    assert ServiceRequest.objects.filter(duplicate_of__isnull=False).exists()
    assert CaseEvent.objects.filter(action="case.assigned", reason="Crew rebalanced").exists()


def test_some_calls_are_resolved_while_the_resident_is_on_the_line(demo):
    answered = ServiceRequest.objects.filter(
        outcome=Outcome.RESOLVED,
        closed_at__lte=F("requested_at") + dt.timedelta(minutes=15),
    )
    assert answered.count() > 10  # the first-contact KPI has something to count
    assert set(answered.values_list("channel", flat=True)) <= {Channel.PHONE, Channel.COUNTER}
    assert set(answered.values_list("service__service_code", flat=True)) <= {
        spec.code for spec in SERVICES if spec.answered_on_call
    }
    assert not answered.filter(events__action="case.assigned").exists()


def test_each_requests_state_is_what_its_events_made_it(demo):
    last_status = {}
    for request_id, data in CaseEvent.objects.order_by("sequence").values_list(
        "request_id", "data"
    ):
        if "status" in data.get("changes", {}):
            last_status[request_id] = data["changes"]["status"][1]
    for request_id, status in ServiceRequest.objects.values_list("pk", "status"):
        assert last_status.get(request_id, Status.NEW) == status


def test_streets_work_in_the_planted_district_is_slower(demo):
    def median_days(**filters):
        closed = ServiceRequest.objects.closed().filter(department__code="streets", **filters)
        return statistics.median(
            (case.closed_at - case.requested_at).total_seconds() / 86400 for case in closed
        )

    assert median_days(district__name=SLOW_DISTRICT) > 1.3 * median_days(
        district__name__in=["Northgate", "Riverside", "Old Town", "Millbrook"]
    )


def _fingerprint():
    requests = list(
        ServiceRequest.objects.order_by("requested_at", "public_id").values_list(
            "public_id", "status", "outcome", "requested_at", "closed_at", "lat", "long"
        )
    )
    events = list(
        CaseEvent.objects.order_by("sequence").values_list(
            "request__public_id", "action", "occurred_at", "actor_label", "rule_code"
        )
    )
    return requests, events


class Rollback(Exception):
    pass


def test_some_residents_answered_the_survey_and_kept_standards_score_higher(demo):
    invited = SurveyInvitation.objects.count()
    answers = list(SurveyResponse.objects.select_related("request"))
    assert 0 < len(answers) < invited < ServiceRequest.objects.filter(status=Status.CLOSED).count()
    assert all(set(a.answers) == set(A11_QUESTIONS) for a in answers)
    kept = [
        a.answers["satisfaction"] for a in answers if a.request.closed_at <= a.request.resolve_due
    ]
    missed = [
        a.answers["satisfaction"] for a in answers if a.request.closed_at > a.request.resolve_due
    ]
    assert statistics.mean(kept) > statistics.mean(missed) + 0.5
    assert all(a.submitted_at <= NOW for a in answers)


def test_the_same_seed_gives_the_same_city(db):
    prints = []
    for _ in range(2):
        with pytest.raises(Rollback), transaction.atomic():
            build_demo_city(300, seed=11, now=NOW)
            prints.append(_fingerprint())
            raise Rollback
    assert prints[0] == prints[1]
    assert len(prints[0][0]) == 300


def test_the_command_fills_only_an_empty_database(db, capsys):
    call_command("demo", "--requests=40", "--until=2026-11-27")
    assert "40 requests" in capsys.readouterr().out
    call_command("demo", requests=40, if_empty=True)
    assert "leaving it as it is" in capsys.readouterr().out
    with pytest.raises(CommandError, match="already holds a city"):
        call_command("demo", requests=40)
    assert ServiceRequest.objects.count() == 40
