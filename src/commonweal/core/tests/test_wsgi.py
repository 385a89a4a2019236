"""The WSGI entry gunicorn serves: the Open311 API through its own, shorter middleware chain,
every other page through the full one. Called as gunicorn calls it (environ, start_response)."""

from http.cookies import SimpleCookie

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory

from commonweal.open311.keys import create_key
from commonweal.wsgi import api_handler, application, site_handler


def call(method, path, data=None, **headers):
    """One call of the entry point; (status code, headers, body). Like Django's test client,
    it keeps the signals from closing the test's connection, which holds its transaction."""
    environ = getattr(RequestFactory(), method)(path, data or {}, **headers).environ
    answer = {}

    def start_response(status, response_headers):
        answer["status"], answer["headers"] = int(status.split()[0]), response_headers

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        result = application(environ, start_response)
        body = b"".join(result)
        result.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return answer["status"], answer["headers"], body


def header(headers, name):
    return [value for key, value in headers if key.lower() == name.lower()]


def middleware_of(handler):
    """The class names along a handler's built chain, outermost first."""
    names, step = [], handler._middleware_chain
    while hasattr(step := getattr(step, "__wrapped__", step), "get_response"):
        names.append(type(step).__name__)
        step = step.get_response
    return names


def test_the_api_handler_leaves_out_the_sites_session_csrf_auth_and_static_files():
    assert middleware_of(api_handler) == [
        "SecurityMiddleware", "ApiLocaleMiddleware", "CommonMiddleware", "XFrameOptionsMiddleware",
    ]  # fmt: skip
    site = middleware_of(site_handler)
    assert len(site) == 11 and {"SessionMiddleware", "CsrfViewMiddleware"} <= set(site)
    assert "HomeTimeZoneMiddleware" in site  # the API writes each time in its own zone
    assert "NulPathMiddleware" in site  # the API refuses NULs itself, in its own format


def test_a_nul_in_the_path_is_a_page_not_found_or_the_apis_own_error(city):
    status, _headers, _body = call("get", "/track/AB\x00CD/")
    assert status == 404
    status, _headers, body = call("get", "/open311/v2/requests/AB\x00CD.json")
    assert status == 400 and b"NUL character" in body


def test_the_api_keeps_its_security_headers_language_and_length_and_sets_no_cookie(city):
    status, headers, body = call("get", "/open311/v2/services.json")
    assert status == 200 and body.startswith(b"[{")
    assert header(headers, "X-Content-Type-Options") == ["nosniff"]
    assert header(headers, "Content-Language") == ["en"]
    assert header(headers, "Content-Length") == [str(len(body))]
    assert not header(headers, "Set-Cookie")
    assert "Cookie" not in ", ".join(header(headers, "Vary"))


def test_the_site_still_runs_through_the_full_chain(city):
    status, headers, _body = call("get", "/console/sign-in/")
    assert status == 200
    cookies = SimpleCookie()
    for value in header(headers, "Set-Cookie"):
        cookies.load(value)
    assert "csrftoken" in cookies  # CSRF middleware: the login form's token
    assert "Cookie" in ", ".join(header(headers, "Vary"))


@pytest.mark.parametrize(("language", "words"), [("es", "fuera de Testville"), ("en", "outside")])
def test_an_api_error_is_in_the_callers_language(city, language, words):
    _key, raw = create_key("Test client")
    fields = {"api_key": raw, "service_code": "pothole", "lat": "41.5", "long": "-75.0"}
    fields["attribute[lane]"] = "left"
    status, headers, body = call(
        "post", "/open311/v2/requests.json", fields, HTTP_ACCEPT_LANGUAGE=language
    )
    assert status == 400 and words in body.decode()
    assert header(headers, "Content-Language") == [language]
    assert "Accept-Language" in ", ".join(header(headers, "Vary"))  # caches keep them apart
