"""The landing page and the commonweal command line."""

import subprocess
import sys


def test_the_home_page_names_the_city_in_english_and_spanish(client, city):
    page = client.get("/")
    assert page.status_code == 200
    assert "Testville" in page.content.decode()
    assert '<html lang="en">' in page.content.decode()
    spanish = client.get("/", HTTP_ACCEPT_LANGUAGE="es")
    assert '<html lang="es">' in spanish.content.decode()


def test_the_home_page_explains_an_empty_installation(client, db):
    assert "commonweal demo" in client.get("/").content.decode()


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
