"""Odd text where a stranger can put it outside a form: in every part of an address a page
takes from its path (ids, tokens, codes), in cookies and in headers. A page that is not
found, or the page as if the odd part were absent, never a server error."""

from urllib.parse import quote

import pytest

#: what a stranger can put in a path: a NUL (which PostgreSQL refuses in any lookup: a 500
#: on every page below that looks one up, until the fifteenth session), half a surrogate
#: pair, a right-to-left mark, a very long segment, quotes, numbers out of range
ODD = ["\x00", "a\x00b", "\ud800", "\u202e", "é", "x" * 5000, "%", "'", " ", "-1",
       "99999999999999999999"]  # fmt: skip
ROUTES = [
    "/track/{}/", "/track/{}/appeal/", "/report/sent/{}/", "/survey/{}/",
    "/account/sign-in/{}/", "/report/{}/", "/charter/{}/",
    "/open311/v2/requests/{}.json", "/open311/v2/requests/{}.xml",
    "/open311/v2/tokens/{}.json", "/open311/v2/services/{}.json", "/open311/v2/{}",
    "/console/cases/{}/", "/console/cases/{}/act/close/", "/console/cases/{}/contact/",
    "/console/performance/api/{}.json", "/console/performance/api/summary.{}",
    "/console/approvals/{}/decide/", "/media/requests/{}.jpg",
]  # fmt: skip


def in_path(text: str) -> str:
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES)
def test_odd_text_in_a_path_is_never_a_server_error(client, city, route):
    failed = []
    for user in (None, city.ana):  # a resident, then a member of staff
        if user is not None:
            client.force_login(user)
        for odd in ODD:
            path = route.format(in_path(odd))
            for method in (client.get, client.post):
                status = method(path).status_code
                if status >= 500:
                    failed.append((method.__name__, path[:60], status))
    assert not failed


@pytest.mark.django_db
def test_a_page_with_a_nul_in_its_address_is_not_found_in_the_readers_language(client, city):
    response = client.get("/track/AB%00CD/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 404
    assert response["Content-Language"] == "es"


PAGES = ["/", "/track/", "/report/pothole/", "/console/", "/console/performance/",
         "/open311/v2/services.json", "/open311/v2/requests.json"]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("cookie", ["sessionid", "csrftoken", "django_language", "messages"])
@pytest.mark.parametrize("value", ["abcdefgh\x00ijkl", "x" * 5000, "é" * 40])
def test_an_odd_cookie_is_never_a_server_error(client, city, cookie, value):
    """A session cookie holding a NUL was a 500 on PostgreSQL on every page that reads the
    session (`core.sessions`)."""
    client.cookies[cookie] = value
    for path in PAGES:
        assert client.get(path).status_code < 500, path
        assert client.post(path, {"x": "1"}).status_code < 500, path


@pytest.mark.django_db
def test_a_session_cookie_of_another_shape_is_no_session_and_a_real_one_still_signs_in(
    client, city
):
    client.cookies["sessionid"] = "abcdefgh\x00ijkl"
    assert client.get("/console/queue/").url.startswith("/console/sign-in/")  # no session
    client.force_login(city.ana)
    assert client.get("/console/queue/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header",
    ["HTTP_ACCEPT_LANGUAGE", "HTTP_USER_AGENT", "HTTP_X_FORWARDED_FOR", "HTTP_REFERER",
     "HTTP_IDEMPOTENCY_KEY", "HTTP_ACCEPT", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE"],
)  # fmt: skip
@pytest.mark.parametrize("value", ["abc\x00def", "x" * 5000, "*;q=abc"])
def test_an_odd_header_is_never_a_server_error(client, city, header, value):
    for path in PAGES:
        assert client.get(path, **{header: value}).status_code < 500, path
        assert client.post(path, **{header: value}).status_code < 500, path
