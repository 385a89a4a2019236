"""Where the console starts: the work queue for those who work requests, the performance
figures for an elected official, whose role is aggregate results without personal data."""

from django.urls import reverse


def test_an_agent_starts_at_the_queue_and_sees_its_link(signed_in, city):
    client = signed_in(city.ana)
    assert client.get("/console/").url == reverse("console:queue")
    nav = client.get(reverse("console:matrix")).content.decode()
    assert f'href="{reverse("console:queue")}"' in nav


def test_an_official_starts_at_the_figures_without_the_work_links(signed_in, city):
    client = signed_in(city.carla)
    assert client.get("/console/").url == reverse("console:performance")
    nav = client.get(reverse("console:matrix")).content.decode()
    assert f'href="{reverse("console:performance")}"' in nav
    for work in ("console:queue", "console:intake", "console:approvals", "console:appeals"):
        assert f'href="{reverse(work)}"' not in nav


def test_signing_in_leads_to_the_front_page_of_ones_role(client, city):
    city.carla.set_password("a long pass phrase")
    city.carla.save()
    answer = client.post(
        reverse("console:login"), {"username": "carla", "password": "a long pass phrase"}
    )
    assert answer.url == reverse("console:index")
    assert client.get(answer.url).url == reverse("console:performance")
