"""Optional resident accounts: a one-time emailed link, then "my reports"."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from commonweal.cases import services
from commonweal.cases.models import ServiceRequest


@pytest.fixture(autouse=True)
def memory_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def report(city, email):
    return services.submit(
        city.resident, service=city.pothole, channel="phone", description="Hole",
        attributes={"lane": "left"}, lat=40.05, long=-75.05,
        requester=services.RequesterDetails(email=email),
    )  # fmt: skip


def ask_for_link(client, email="Rosa@Example.org"):
    client.post(reverse("portal:sign-in"), {"email": email})
    return re.search(r"http://[^/]+(/account/sign-in/[^/\s]+/)", mail.outbox[-1].body).group(1)


def test_a_resident_signs_in_with_a_link_and_sees_only_their_reports(client, city):
    mine = report(city, "rosa@example.org")
    theirs = report(city, "other@example.org")
    link = ask_for_link(client)
    response = client.get(link, follow=True)
    html = response.content.decode()
    assert mine.public_id in html and theirs.public_id not in html
    assert client.get(reverse("console:queue")).status_code == 403  # no staff role


def test_a_link_works_once(client, city):
    link = ask_for_link(client)
    assert client.get(link).status_code == 302
    client.post(reverse("portal:sign-out"))
    response = client.get(link)
    assert response.status_code == 410 and "used up or out of date" in response.content.decode()


def test_a_link_expires_after_half_an_hour(client, city):
    link = ask_for_link(client)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=31)):
        assert client.get(link).status_code == 410


def test_the_form_says_the_same_for_any_address(client, city):
    known = client.post(reverse("portal:sign-in"), {"email": "rosa@example.org"})
    unknown = client.post(reverse("portal:sign-in"), {"email": "nobody@example.org"})
    assert "a sign-in link is on its way" in known.content.decode()
    assert "a sign-in link is on its way" in unknown.content.decode()


def test_reports_made_while_signed_in_carry_the_account(client, city):
    client.get(ask_for_link(client, "rosa@example.org"))
    client.post(
        reverse("portal:report", args=["pothole"]),
        {"attribute_lane": "left", "lat": "40.05", "long": "-75.05"},
    )
    html = client.get(reverse("portal:my-requests")).content.decode()
    case = ServiceRequest.objects.get()
    assert case.requester.account.email == "rosa@example.org"
    assert case.public_id in html


def test_signed_out_visitors_are_asked_to_sign_in(client, city):
    response = client.get(reverse("portal:my-requests"))
    assert response.status_code == 302 and response.url == reverse("portal:sign-in")
