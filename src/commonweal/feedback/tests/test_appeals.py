"""Appeals: a resident asks for a review; someone other than the decision-maker decides with
reasons; overturning reopens; the resident is told; every step is in the case log."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from commonweal import testing
from commonweal.cases import services
from commonweal.cases.errors import AuthorityError
from commonweal.cases.models import CaseEvent, Outcome, Role, ServiceRequest, Status
from commonweal.feedback.appeals import decide_appeal
from commonweal.feedback.models import Appeal, AppealStatus

EMAIL = "rosa@example.org"


@pytest.fixture
def refused(city):
    """A pothole report the supervisor closed as needing no action."""
    case = services.submit(
        city.resident, service=city.pothole, channel="web", description="Hole",
        attributes={"lane": "left"}, lat=40.05, long=-75.05,
        requester=services.RequesterDetails(email=EMAIL),
    )  # fmt: skip
    return services.close(
        testing.as_actor(city.sam), case, Outcome.NO_ACTION_NEEDED, public_text="Within tolerance."
    )


def appeal_via_portal(client, case, email=EMAIL, grounds="It is 10 cm deep; a cyclist fell."):
    return client.post(
        reverse("portal:appeal", args=[case.public_id]), {"email": email, "grounds": grounds}
    )


def test_a_resident_appeals_from_the_follow_page(client, refused):
    page = client.get(reverse("portal:follow", args=[refused.public_id])).content.decode()
    assert "Ask for this decision to be reviewed" in page
    response = appeal_via_portal(client, refused)
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.status == AppealStatus.PENDING and appeal.decision_maker.username == "sam"
    assert CaseEvent.objects.filter(request=refused, action="appeal.submitted").exists()
    page = client.get(reverse("portal:follow", args=[refused.public_id])).content.decode()
    assert "A review of the decision was requested" in page
    assert "cyclist" not in page  # the grounds are not published


def test_only_the_reporters_email_may_appeal(client, refused):
    response = appeal_via_portal(client, refused, email="someone@else.example")
    assert response.status_code == 400
    assert "Give the email address you reported with." in response.content.decode()
    assert not Appeal.objects.exists()


def test_a_resolved_request_cannot_be_appealed(client, city, pothole_request):
    closed = services.close(
        testing.as_actor(city.sam), pothole_request, Outcome.RESOLVED, public_text="Filled."
    )
    page = client.get(reverse("portal:follow", args=[closed.public_id])).content.decode()
    assert "Ask for this decision to be reviewed" not in page
    assert appeal_via_portal(client, closed).status_code == 400
    assert not Appeal.objects.exists()


def test_the_window_to_appeal_closes(client, refused, settings):
    later = refused.closed_at + dt.timedelta(days=settings.COMMONWEAL_APPEAL_DAYS + 1)
    with time_machine.travel(later, tick=False):
        response = appeal_via_portal(client, refused)
    assert "The time to appeal this decision has passed." in response.content.decode()
    assert not Appeal.objects.exists()


def test_the_decision_maker_may_not_review_their_own_decision(client, city, refused):
    appeal_via_portal(client, refused)
    appeal = Appeal.objects.get()
    with pytest.raises(AuthorityError):
        decide_appeal(testing.as_actor(city.sam), appeal, overturn=True, reasons="I was right.")
    with pytest.raises(AuthorityError):  # and agents hold no authority to review
        decide_appeal(testing.as_actor(city.ana), appeal, overturn=True, reasons="Sure.")
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.PENDING


def test_another_reviewer_overturns_and_the_request_reopens(client, city, refused):
    helen = testing.staff("helen", Role.DEPARTMENT_HEAD, city.streets)
    appeal_via_portal(client, refused)
    client.force_login(helen)  # the resident's part is done; the head decides in the console
    response = client.post(
        reverse("console:decide-appeal", args=[Appeal.objects.get().pk]),
        {"decision": "overturn", "reasons": "The photo shows a 10 cm hole; we will fix it."},
    )
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert (appeal.status, appeal.reviewer) == (AppealStatus.OVERTURNED, helen)
    case = ServiceRequest.objects.get(pk=refused.pk)
    assert case.status == Status.ACKNOWLEDGED and case.outcome == ""
    actions = list(CaseEvent.objects.filter(request=case).values_list("action", flat=True))
    assert actions[-3:] == ["appeal.submitted", "case.reopened", "appeal.decided"]
    page = client.get(reverse("portal:follow", args=[case.public_id])).content.decode()
    assert "we will fix it" in page


@pytest.mark.django_db(transaction=True)
def test_the_resident_is_told_the_result_and_the_reasons(client, city, refused, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    appeal_via_portal(client, refused)
    call_command("worker", "--once")
    mail.outbox.clear()
    head = testing.staff("helen", Role.DEPARTMENT_HEAD, city.streets)
    decide_appeal(
        testing.as_actor(head), Appeal.objects.get(), overturn=False, reasons="Below 4 cm."
    )
    call_command("worker", "--once")
    [message] = [m for m in mail.outbox if m.to == [EMAIL]]
    assert "kept it" in message.body and "Below 4 cm." in message.body


def test_the_console_lists_pending_appeals_of_the_department(client, city, refused):
    appeal_via_portal(client, refused)
    client.force_login(city.sam)
    page = client.get(reverse("console:appeals"))
    assert [a.pk for a in page.context["pending"]] == [Appeal.objects.get().pk]
    client.force_login(city.hugo)  # sanitation's head sees nothing of streets
    assert list(client.get(reverse("console:appeals")).context["pending"]) == []


def test_only_a_reviewer_other_than_the_decision_maker_is_given_the_form(client, city, refused):
    """The supervisor who closed the request reads the appeal but may not review it; a field
    worker may review none; another supervisor of the department gets the form."""
    appeal_via_portal(client, refused)
    appeals = reverse("console:appeals")
    client.force_login(city.sam)  # closed it
    page = client.get(appeals).content.decode()
    assert "Record decision" not in page and "You made the decision appealed" in page
    client.force_login(city.fern)
    page = client.get(appeals).content.decode()
    assert "Record decision" not in page and "reviews appeals; your role reads them" in page
    client.force_login(testing.staff("sue", Role.SUPERVISOR, city.streets))
    assert "Record decision" in client.get(appeals).content.decode()
