"""Bulk assign and close: each request is its own checked, logged act; refusals are listed."""

from django.urls import reverse

from commonweal.cases.models import CaseEvent, Outcome, ServiceRequest, Status

BULK = reverse("console:bulk")


def test_bulk_assign_logs_one_event_per_request(signed_in, city, make_requests):
    cases = make_requests(3)
    response = signed_in(city.sam).post(
        BULK,
        {"ids": [c.public_id for c in cases], "operation": "assign", "assignee": city.fern.pk},
    )
    assert response.status_code == 302
    assert set(ServiceRequest.objects.values_list("assignee", flat=True)) == {city.fern.pk}
    assert CaseEvent.objects.filter(action="case.assigned").count() == 3


def test_bulk_close_reports_each_refusal(signed_in, city, make_requests):
    cases = make_requests(2)
    client = signed_in(city.ana)
    response = client.post(
        BULK,
        {
            "ids": [c.public_id for c in cases],
            "operation": "close",
            "outcome": Outcome.NO_ACTION_NEEDED,  # beyond an agent's authority
            "public_text": "Nothing to fix.",
        },
        follow=True,
    )
    texts = [str(m) for m in response.context["messages"]]
    assert sum("you may close only with these outcomes" in t for t in texts) == 2
    assert not ServiceRequest.objects.filter(status=Status.CLOSED).exists()


def test_bulk_close_needs_an_outcome_and_an_explanation(signed_in, city, make_requests):
    cases = make_requests(1)
    response = signed_in(city.sam).post(
        BULK, {"ids": [cases[0].public_id], "operation": "close"}, follow=True
    )
    texts = " ".join(str(m) for m in response.context["messages"])
    assert "Choose an outcome." in texts and "Explain the outcome" in texts
    assert not ServiceRequest.objects.filter(status=Status.CLOSED).exists()


def test_requests_of_other_departments_are_left_alone(signed_in, city, make_requests):
    theirs = make_requests(1, service=city.collection)
    signed_in(city.sam).post(
        BULK, {"ids": [theirs[0].public_id], "operation": "assign", "assignee": city.fern.pk}
    )
    assert ServiceRequest.objects.get(pk=theirs[0].pk).assignee is None


def test_nothing_selected_is_said_plainly(signed_in, city):
    response = signed_in(city.sam).post(BULK, {"operation": "assign"}, follow=True)
    assert "Select at least one request." in [str(m) for m in response.context["messages"]]
