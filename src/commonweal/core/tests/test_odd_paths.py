"""Odd text in every part of an address a page takes from its path (ids, tokens, codes): a
page that is not found, never a server error, whoever asks and however."""

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
