"""Reporting a problem on the public site: the form from the service definition, every
problem shown beside its field in the resident's language, photos cleaned, anti-abuse that
says what it does, and nothing half-written."""

import datetime as dt
import io
import re

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image

from commonweal.cases.models import CaseEvent, Requester, ServiceRequest


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }


def url(city):
    return reverse("portal:report", args=[city.pothole.service_code])


def report(**overrides):
    data = {
        "attribute_lane": "left",
        "description": "Deep hole by the bus stop",
        "lat": "40.05",
        "long": "-75.05",
        "email": "rosa@example.org",
        "name": "Rosa",
    }
    data.update(overrides)
    return data


def jpeg_with_gps():
    image = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x8825] = {2: (40.0, 3.0, 0.0), 1: "N"}  # GPSInfo
    exif[0x010F] = "SpyCam"  # Make
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    out.seek(0)
    out.name = "pothole.jpg"
    return out


def test_the_form_has_a_field_of_the_right_kind_for_every_datatype(client, city):
    html = client.get(url(city)).content.decode()
    assert 'type="number" name="attribute_depth_cm"' in html
    assert 'type="datetime-local" name="attribute_seen_at"' in html
    assert 'type="text" name="attribute_landmark"' in html
    assert '<textarea name="attribute_details"' in html
    assert '<select name="attribute_lane"' in html and "required" in html
    assert 'type="checkbox" name="attribute_hazards" value="water"' in html
    assert "Crews fix potholes in daylight hours." in html  # information only
    assert "We aim to fix this within 5" in html


def test_the_maps_centre_is_written_for_the_script_in_either_language(client, city):
    """The script splits the centre on its comma: in Spanish it was written with decimal
    commas ("40,05,-75,05"), and the map opened in the wrong place."""
    for language in ("en", "es"):
        html = client.get(url(city), HTTP_ACCEPT_LANGUAGE=language).content.decode()
        centre = re.search(r'data-center="([^"]*)"', html)
        assert centre, language
        lat, long = (float(part) for part in centre[1].split(","))
        assert 39 < lat < 41 and -76 < long < -74, (language, centre[1])


def test_a_required_choice_starts_unchosen(client, city):
    html = client.get(url(city)).content.decode()
    lane = html.split('<select name="attribute_lane"')[1].split("</select>")[0]
    first = lane.split("<option")[1]
    assert first.startswith(' value="" selected>Choose one<')
    spanish = client.get(url(city), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<option value="" selected>Elija una opción</option>' in spanish
    # the area is optional: its empty choice says so in words, not Django's dashes
    area = html.split('<select name="district"')[1].split("</select>")[0]
    assert '<option value="" selected>No area chosen</option>' in area
    assert '<option value="" selected>Ninguna zona elegida</option>' in spanish


def test_a_report_is_filed_and_the_resident_gets_a_tracking_number(client, city):
    response = client.post(url(city), report())
    case = ServiceRequest.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("portal:sent", args=[case.public_id])
    page = client.get(response.url).content.decode()
    assert case.public_id in page and "We aim to fix this within 5" in page
    assert case.channel == "web" and case.requester.email == "rosa@example.org"


def test_the_promised_time_ends_its_sentence_with_one_full_stop(client, city):
    """English times end in "p.m." or "a.m.": the sentence adds no second full stop."""
    with time_machine.travel(dt.datetime(2026, 3, 4, 19, 37, tzinfo=dt.UTC), tick=False):
        response = client.post(url(city), report())
    page = client.get(response.url).content.decode()
    assert re.search(r"For your report, that is by [^<]+ [ap]\.m\.</p>", page), page
    assert ".." not in page.split("For your report")[1].split("</p>")[0]


def test_missing_answers_are_listed_and_linked_to_their_fields(client, city):
    response = client.post(url(city), report(attribute_lane=""))
    html = response.content.decode()
    assert response.status_code == 400
    assert 'href="#id_attribute_lane"' in html and "This field is required." in html
    assert not ServiceRequest.objects.exists()


def test_errors_speak_spanish_to_a_spanish_reader(client, city):
    response = client.post(
        url(city), report(attribute_lane="", lat="", long=""), HTTP_ACCEPT_LANGUAGE="es"
    )
    html = response.content.decode()
    assert "Este campo es requerido." in html  # Django's own Spanish
    assert "Corrija estos problemas" in html


def test_a_place_is_needed(client, city):
    response = client.post(url(city), report(lat="", long=""))
    assert response.status_code == 400
    assert "Give the location" in response.content.decode()
    assert not ServiceRequest.objects.exists()


def test_choosing_the_area_is_enough_without_a_map(client, city):
    response = client.post(url(city), report(lat="", long="", district=city.east.pk))
    assert response.status_code == 302
    case = ServiceRequest.objects.get()
    assert case.district == city.east and "District" in case.address


def test_a_renamed_program_is_refused_as_a_photo(client, city):
    fake = io.BytesIO(b"MZ\x90\x00" + b"\x00" * 200)
    fake.name = "pothole.jpg"
    response = client.post(url(city), {**report(), "photo": fake})
    assert response.status_code == 400
    assert "not a photo we can read" in response.content.decode()
    assert not ServiceRequest.objects.exists()


def test_a_photos_location_and_camera_data_are_removed(client, city):
    response = client.post(url(city), {**report(), "photo": jpeg_with_gps()})
    assert response.status_code == 302
    case = ServiceRequest.objects.get()
    stored = case.media_url.removeprefix("/media/")
    with default_storage.open(stored) as saved:
        exif = Image.open(saved).getexif()
    assert 0x8825 not in exif and 0x010F not in exif


def test_a_photo_is_not_kept_when_the_report_is_refused(client, city, tmp_path):
    response = client.post(url(city), {**report(lat="", long=""), "photo": jpeg_with_gps()})
    assert response.status_code == 400
    folder = tmp_path / "requests"
    assert not folder.exists() or not any(folder.iterdir())


def test_a_filled_honeypot_is_explained_not_silently_dropped(client, city):
    response = client.post(url(city), report(website="http://spam.example"))
    assert response.status_code == 400
    assert "must stay empty" in response.content.decode()
    assert not ServiceRequest.objects.exists()


def test_too_many_reports_from_one_address_are_told_when_to_come_back(client, city, settings):
    settings.PORTAL_REPORTS_PER_HOUR = 2
    for _ in range(2):
        assert client.post(url(city), report()).status_code == 302
    response = client.post(url(city), report())
    assert response.status_code == 429
    assert "Please try again in" in response.content.decode()
    assert ServiceRequest.objects.count() == 2


def test_contact_details_stay_out_of_the_log(client, city):
    client.post(url(city), report())
    assert Requester.objects.count() == 1
    for event in CaseEvent.objects.all():
        assert "rosa" not in str(event.data).lower() and "Rosa" not in event.public_text


def test_an_unknown_or_retired_service_is_not_found(client, city):
    city.pothole.active = False
    city.pothole.save()
    assert client.get(url(city)).status_code == 404
    assert client.get(reverse("portal:report", args=["nothing"])).status_code == 404
