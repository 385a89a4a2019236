"""A-11 surveys: one invitation per closed request, a single-use link, answers kept apart
from the resident, and "not fixed" reopening the request when its service allows."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commonweal import testing
from commonweal.cases import services
from commonweal.cases.models import CaseEvent, Outcome, ServiceRequest, Status
from commonweal.feedback.models import SurveyInvitation, SurveyResponse, SurveySettings
from commonweal.feedback.surveys import invite_closed_requests, token_hash

pytestmark = pytest.mark.django_db(transaction=True)  # the worker recycles connections


@pytest.fixture(autouse=True)
def memory_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def fixed(city):
    case = services.submit(
        city.resident, service=city.pothole, channel="web", description="Hole",
        attributes={"lane": "left"}, lat=40.05, long=-75.05,
        requester=services.RequesterDetails(email="rosa@example.org", language="es"),
    )  # fmt: skip
    return services.close(testing.as_actor(city.sam), case, Outcome.RESOLVED, public_text="Done.")


def survey_link():
    invitations = [m for m in mail.outbox if "/survey/" in m.body]
    assert len(invitations) == 1
    return re.search(r"http://[^/]+(/survey/[^/\s]+/)", invitations[0].body).group(1)


def test_the_worker_invites_once_in_the_residents_language(fixed):
    call_command("worker", "--once")
    call_command("worker", "--once")
    link = survey_link()
    message = next(m for m in mail.outbox if "/survey/" in m.body)
    assert message.to == ["rosa@example.org"]
    assert message.body.index("Su aviso") < message.body.index("Your report")
    invitation = SurveyInvitation.objects.get()
    token = link.split("/")[2]
    assert invitation.sent_at and invitation.token_hash == token_hash(token) != token


def test_answers_are_stored_apart_and_the_link_works_once(client, fixed):
    invite_closed_requests()
    link = survey_link()
    assert client.get(link).status_code == 200
    response = client.post(link, {"satisfaction": "4", "equity": "5", "comment": "Quick."})
    assert "Thank you for your answers" in response.content.decode()
    stored = SurveyResponse.objects.get()
    assert stored.answers == {"satisfaction": 4, "equity": 5} and stored.request_id == fixed.pk
    assert not hasattr(stored, "requester")
    assert client.get(link).status_code == 410
    assert client.post(link, {"satisfaction": "1"}).status_code == 410
    assert SurveyResponse.objects.count() == 1


def test_not_fixed_reopens_the_request(client, fixed):
    invite_closed_requests()
    response = client.post(survey_link(), {"not_fixed": "on"})
    assert "we have reopened your report" in response.content.decode()
    case = ServiceRequest.objects.get(pk=fixed.pk)
    assert case.status == Status.ACKNOWLEDGED
    event = CaseEvent.objects.filter(request=case).latest("sequence")
    assert event.action == "case.reopened" and event.actor_label == "system:survey"


def test_not_fixed_is_only_recorded_where_the_service_does_not_reopen(client, city, fixed):
    city.pothole.reopen_when_not_fixed = False
    city.pothole.save()
    invite_closed_requests()
    client.post(survey_link(), {"not_fixed": "on"})
    assert ServiceRequest.objects.get(pk=fixed.pk).status == Status.CLOSED
    assert SurveyResponse.objects.get().not_fixed


def test_a_made_up_link_is_not_found(client, fixed):
    assert client.get(reverse("portal:survey", args=["made-up-token"])).status_code == 404


def test_residents_without_email_and_duplicates_are_not_invited(city, pothole_request):
    services.close(
        testing.as_actor(city.sam), pothole_request, Outcome.RESOLVED, public_text="Done."
    )
    assert invite_closed_requests() == 0
    assert mail.outbox == []


def test_administrators_switch_to_the_2023_form_and_add_a_statement(client, city, fixed):
    SurveySettings.objects.create(
        jurisdiction=city.jurisdiction,
        variant="a11-2023",
        extra_questions=[{"code": "signs", "en": "The signs were clear.", "es": "Claras."}],
    )
    invite_closed_requests()
    link = survey_link()
    page = client.get(link).content.decode()
    assert "What went well?" in page and "The signs were clear." in page
    assert "I am satisfied with the service I received." not in page
    client.post(link, {"trust": "1", "well": ["ease", "employee"], "extra_signs": "4"})
    stored = SurveyResponse.objects.get()
    assert stored.form == "a11-2023"
    assert stored.answers["trust"] == 1 and stored.answers["extra_signs"] == 4
    assert stored.answers["well_ease"] == 1 and stored.answers["well_efficiency"] == 0
    assert stored.answers["not_well_ease"] == 0


def test_the_thirty_days_count_from_the_closure_and_an_unsent_invitation_is_retried(fixed):
    closed = ServiceRequest.objects.get(pk=fixed.pk).closed_at
    assert invite_closed_requests(now=closed + dt.timedelta(days=31)) == 0
    SurveyInvitation.objects.create(request=fixed, token_hash="from a failed send")
    assert invite_closed_requests(now=closed + dt.timedelta(days=29)) == 1
    assert invite_closed_requests(now=closed + dt.timedelta(days=29)) == 0
    assert len(mail.outbox) == 1 and SurveyInvitation.objects.get().sent_at is not None


def test_no_answer_breaks_the_survey_page(client, fixed):
    """Any fields a stranger posts to a survey link: a page, never a server error; the link
    is used up only by an answer it took (after which it says so, and takes no other)."""
    invite_closed_requests()
    link = survey_link()
    names = ["satisfaction", "equity", "effectiveness", "confidence", "ease", "efficiency",
             "transparency", "employee", "comment", "not_fixed", "csrfmiddlewaretoken"]  # fmt: skip
    values = st.one_of(st.text(max_size=20), st.sampled_from(["", "0", "1", "5", "6", "on"]))

    @given(st.dictionaries(st.sampled_from(names), values, max_size=6))
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    def answer(fields):
        before = SurveyResponse.objects.count()
        response = client.post(link, fields)
        assert response.status_code in (200, 400, 404, 410), response.status_code
        assert SurveyResponse.objects.count() <= 1
        if SurveyResponse.objects.count() > before:
            assert "Thank you for your answers" in response.content.decode()

    answer()
