"""Complaints and compliments: to the department head, with a deadline, answered once."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from commonweal import testing
from commonweal.cases.errors import AuthorityError
from commonweal.feedback import complaints
from commonweal.feedback.models import Complaint


def lodge(client, city, **overrides):
    data = {
        "kind": "complaint",
        "department": city.sanitation.pk,
        "text": "The crew left the bins in the road.",
        "email": "rosa@example.org",
    }
    data.update(overrides)
    return client.post(reverse("portal:complaint"), data)


def test_a_complaint_goes_to_the_department_with_a_deadline(client, city, settings):
    response = lodge(client, city)
    assert response.status_code == 200 and "who will answer by" in response.content.decode()
    item = Complaint.objects.get()
    expected = timezone.now() + dt.timedelta(days=settings.COMMONWEAL_COMPLAINT_DAYS)
    assert abs(item.respond_by - expected) < dt.timedelta(minutes=1)
    client.force_login(city.hugo)  # sanitation's head
    assert [c.pk for c in client.get(reverse("console:complaints")).context["open"]] == [item.pk]
    client.force_login(city.sam)  # streets sees nothing of sanitation's
    assert list(client.get(reverse("console:complaints")).context["open"]) == []


def test_departments_are_offered_by_name_in_the_readers_language(client, city):
    city.sanitation.translations = {"es": {"name": "Limpieza"}}
    city.sanitation.save()
    city.streets.translations = {"es": {"name": "Calles"}}
    city.streets.save()
    english = client.get(reverse("portal:complaint")).content.decode()
    assert f'<option value="{city.sanitation.pk}">Sanitation</option>' in english
    assert "(streets)" not in english  # the name, not "Name (code)"
    spanish = client.get(reverse("portal:complaint"), HTTP_ACCEPT_LANGUAGE="es")
    options = spanish.content.decode().split('name="department"')[1].split("</select>")[0]
    assert f'<option value="{city.sanitation.pk}">Limpieza</option>' in options
    assert options.index("Calles") < options.index("Limpieza")  # in the reader's order


def test_missing_text_and_an_unknown_tracking_number_are_explained(client, city):
    response = lodge(client, city, text="", tracking="NOPE1234")
    html = response.content.decode()
    assert response.status_code == 400
    assert "No report has this tracking number" in html
    assert not Complaint.objects.exists()


def test_the_head_answers_once_and_the_resident_is_emailed(client, city, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    lodge(client, city)
    item = Complaint.objects.get()
    client.force_login(city.hugo)
    client.post(
        reverse("console:answer-complaint", args=[item.pk]),
        {"response": "We are sorry; the crew has been told."},
    )
    item.refresh_from_db()
    assert item.responded_by == city.hugo and item.responded_at is not None
    [message] = mail.outbox
    assert message.to == ["rosa@example.org"] and "crew has been told" in message.body
    with pytest.raises(Exception, match="already answered"):
        complaints.respond(testing.as_actor(city.hugo), item, "Again.")


def test_another_departments_staff_may_not_answer(city, client):
    lodge(client, city)
    with pytest.raises(AuthorityError):
        complaints.respond(testing.as_actor(city.sam), Complaint.objects.get(), "Not mine.")


def test_only_the_departments_head_and_supervisors_are_given_the_answer_form(client, city):
    lodge(client, city, department=city.streets.pk)
    complaints_page = reverse("console:complaints")
    client.force_login(city.ana)  # an agent of streets reads it
    page = client.get(complaints_page).content.decode()
    assert "Send the answer" not in page and "your role reads it" in page
    client.force_login(city.sam)
    assert "Send the answer" in client.get(complaints_page).content.decode()
