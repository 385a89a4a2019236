"""Emails to residents and staff: queued from the case log by the worker, bilingual, sent once,
retried on failure without leaking addresses."""

import datetime as dt
import logging

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.utils import timezone

from commonweal import testing
from commonweal.cases import services
from commonweal.cases.escalation import run_escalations
from commonweal.cases.models import Outcome
from commonweal.notifications.models import Notification, SendStatus
from commonweal.notifications.outbox import queue_notifications
from commonweal.notifications.sending import MAX_ATTEMPTS, send_pending

ADDRESS = "rosa@example.org"

# The worker recycles database connections between tasks, as a long-running process should;
# that would end a test's wrapping transaction, so these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses every message, quoting the address as real servers do."""

    def send_messages(self, messages):
        raise ConnectionRefusedError(f"550 no such mailbox {messages[0].to[0]}")


@pytest.fixture(autouse=True)
def memory_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def report(city, *, email=ADDRESS, language="", lat=40.05):
    return services.submit(
        city.resident, service=city.pothole, channel="web", description="Deep hole",
        attributes={"lane": "left"}, lat=lat, long=-75.05,
        requester=services.RequesterDetails(name="Rosa", email=email, language=language),
    )  # fmt: skip


def run_worker():
    call_command("worker", "--once")


def test_acknowledgement_is_emailed_once_in_both_languages(city):
    case = report(city)
    services.acknowledge(testing.as_actor(city.ana), case, public_text="A crew will look.")
    run_worker()
    run_worker()
    [message] = mail.outbox
    assert message.to == [ADDRESS]
    assert case.public_id in message.subject and " / " in message.subject
    english, spanish = message.body.split("— — —")
    assert "A crew will look." in english and "We aim to resolve it by" in english
    assert "Su número de seguimiento es" in spanish
    assert Notification.objects.get().status == SendStatus.SENT


def test_spanish_speakers_read_spanish_first(city):
    case = report(city, language="es")
    services.acknowledge(testing.as_actor(city.ana), case)
    run_worker()
    first, second = mail.outbox[0].body.split("— — —")
    assert "Gracias" in first and "Thank you" in second


def test_updates_and_closure_each_send_one_email(city):
    case = report(city)
    ana = testing.as_actor(city.ana)
    services.publish_update(ana, case, "Crew booked for Tuesday.")
    case = services.close(ana, case, Outcome.RESOLVED, public_text="Filled and rolled.")
    run_worker()
    bodies = sorted(m.body for m in mail.outbox if "/survey/" not in m.body)
    assert len(bodies) == 2  # (the survey invitation that follows a closure is its own test)
    assert any("Crew booked for Tuesday." in b for b in bodies)
    assert any("Filled and rolled." in b for b in bodies)


def test_internal_notes_and_residents_without_email_send_nothing(city):
    case = report(city, email="")
    ana = testing.as_actor(city.ana)
    services.acknowledge(ana, case)
    services.add_note(ana, report(city), "Looks like the gas company's work.")
    run_worker()
    assert mail.outbox == []


def test_a_merged_duplicates_requester_follows_the_parent(city):
    parent = report(city, email="first@example.org")
    duplicate = report(city, email="second@example.org")
    ana = testing.as_actor(city.ana)
    services.mark_duplicate(ana, duplicate, parent)
    services.publish_update(ana, parent, "Crew on site.")
    run_worker()
    received = {(m.to[0], "Crew on site." in m.body) for m in mail.outbox}
    assert ("second@example.org", True) in received  # the parent's update, forwarded
    assert ("first@example.org", True) in received
    merged = [
        m for m in mail.outbox if parent.public_id in m.body and m.to == ["second@example.org"]
    ]
    assert merged  # told which request to follow


def test_escalations_email_the_staff_named_on_the_event(city, pothole_request):
    ladder_time = (
        pothole_request.requested_at
        + (pothole_request.resolve_due - pothole_request.requested_at) * 0.9
    )
    run_escalations(ladder_time)
    run_worker()
    [message] = mail.outbox
    assert message.to == [city.sam.email]
    assert f"/console/cases/{pothole_request.public_id}/" in message.body
    due = message.body.split("It is due by ")[1].split("\n")[0]
    assert due.endswith(".") and not due.endswith("..")  # "2:44 p.m.", not "2:44 p.m.."


def test_a_refused_send_is_retried_later_without_logging_the_address(city, settings, caplog):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    services.acknowledge(testing.as_actor(city.ana), report(city))
    queue_notifications()
    with caplog.at_level(logging.DEBUG):
        assert send_pending().retried == 1
    notification = Notification.objects.get()
    assert notification.status == SendStatus.PENDING and notification.attempts == 1
    assert notification.last_error == "ConnectionRefusedError"
    assert ADDRESS not in caplog.text
    assert notification.next_attempt_at > timezone.now()
    assert send_pending().retried == 0  # not before its pause is over

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_pending(now=timezone.now() + dt.timedelta(hours=1)).sent == 1
    assert len(mail.outbox) == 1


def test_it_gives_up_after_the_last_attempt(city, settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    services.acknowledge(testing.as_actor(city.ana), report(city))
    queue_notifications()
    later = timezone.now()
    for _attempt in range(MAX_ATTEMPTS):
        later += dt.timedelta(days=1)
        send_pending(now=later)
    notification = Notification.objects.get()
    assert (notification.status, notification.attempts) == (SendStatus.FAILED, MAX_ATTEMPTS)


def test_a_notification_claimed_by_another_worker_is_not_sent_again(city):
    services.acknowledge(testing.as_actor(city.ana), report(city))
    queue_notifications()
    Notification.objects.update(status=SendStatus.SENDING)  # another worker holds it
    assert send_pending().sent == 0
    assert mail.outbox == []


def test_an_erased_address_is_skipped(city):
    case = report(city)
    services.acknowledge(testing.as_actor(city.ana), case)
    queue_notifications()
    case.requester.email = ""
    case.requester.save()
    assert send_pending().skipped == 1
    assert mail.outbox == []
