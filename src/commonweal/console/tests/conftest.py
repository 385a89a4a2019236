"""Signed-in clients for the cast, and a small queue of requests."""

import pytest

from commonweal.cases import services


@pytest.fixture
def signed_in(client):
    """Return a function that signs the test client in as one of the cast."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def make_requests(city):
    """Return a function that files `n` pothole reports (west district unless told)."""

    def make(n, *, lat=40.05, long=-75.05, service=None):
        return [
            services.submit(
                city.resident, service=service or city.pothole, channel="web",
                description=f"Hole {i}", attributes={"lane": "left"} if service is None else {},
                lat=lat, long=long + i * 0.0001,
            )
            for i in range(n)
        ]  # fmt: skip

    return make
