"""The landing page and the commonweal command line."""

import re
import subprocess
import sys

from django.contrib.staticfiles import finders
from django.test import Client

from commonweal import testing
from commonweal.cases.models import ServiceRequest


def test_the_home_page_names_the_city_in_english_and_spanish(client, city):
    page = client.get("/")
    assert page.status_code == 200
    assert "Testville" in page.content.decode()
    assert '<html lang="en">' in page.content.decode()
    spanish = client.get("/", HTTP_ACCEPT_LANGUAGE="es")
    assert '<html lang="es">' in spanish.content.decode()


def test_the_home_page_explains_an_empty_installation(client, db):
    page = client.get("/").content.decode()
    assert "commonweal demo" in page
    assert logo_text(page) == "Commonweal"  # no city yet: the software's own name


def logo_text(page: str) -> str:
    found = re.search(r'<em class="usa-logo__text"><a href="/">([^<]*)</a>', page)
    assert found, "the page has no header logo"
    return found[1]


def test_every_pages_header_names_the_city_it_serves(client, city):
    """Residents reach their city, not a product: the header names the city on public pages,
    the console and the developers' guide alike, and a renamed city is renamed there too."""
    for path in ("/", "/track/", "/charter/", "/open311/", "/console/sign-in/"):
        assert logo_text(client.get(path).content.decode()) == "Testville", path
    city.jurisdiction.name = "City of Testville"
    city.jurisdiction.save()
    assert logo_text(client.get("/track/").content.decode()) == "City of Testville"


def test_every_page_names_the_site_icon_and_favicon_ico_leads_to_it(client, city):
    page = client.get("/").content.decode()
    icon = re.search(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)">', page)
    assert icon, "the page names no icon"
    answer = client.get("/favicon.ico")
    assert answer.status_code == 302 and answer["Location"] == icon[1]
    assert finders.find("commonweal/favicon.svg"), "the icon is not among the static files"


def test_the_console_script_runs_management_commands():
    result = subprocess.run(
        [sys.executable, "-m", "commonweal.cli", "help", "serve"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "gunicorn" in result.stdout and "--port" in result.stdout


def test_the_home_page_reads_in_spanish(client, city):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Informe de un problema en su barrio" in page
    assert "Saltar al contenido principal" in page


def test_an_unknown_address_is_a_404_page_in_the_readers_language(client, city):
    english = client.get("/no-such-page/")
    assert english.status_code == 404
    assert "<h1>Page not found</h1>" in english.content.decode()
    spanish = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<html lang="es">' in spanish and "<h1>Página no encontrada</h1>" in spanish
    assert 'href="/track/"' in spanish  # a way on, as on every page of the site


def test_a_page_refused_is_a_403_page_not_a_bare_message(client, city):
    client.force_login(testing.UserFactory(username="no-role"))
    answer = client.get("/console/queue/")
    assert answer.status_code == 403
    assert "<h1>Not allowed</h1>" in answer.content.decode()


def test_a_server_failure_is_a_500_page_without_details(client, city, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("commonweal.portal.views.promises_today", broken)
    client.raise_request_exception = False
    answer = client.get("/charter/", HTTP_ACCEPT_LANGUAGE="es")
    page = answer.content.decode()
    assert answer.status_code == 500
    assert '<html lang="es">' in page and "Algo falló de nuestro lado" in page
    assert "secret internals" not in page and "Traceback" not in page


def test_a_form_without_its_csrf_token_is_explained_and_nothing_is_written(city):
    browser = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="es")
    answer = browser.post("/report/pothole/", {"description": "Hole", "lat": "40.05"})
    page = answer.content.decode()
    assert answer.status_code == 403 and "El formulario ha caducado" in page
    assert not ServiceRequest.objects.exists()
