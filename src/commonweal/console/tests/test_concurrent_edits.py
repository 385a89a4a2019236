"""Two agents change one request at the same moment (PostgreSQL, real row locks): one
succeeds, the other is told plainly, and the case log stays consistent."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from commonweal.cases.log import verify
from commonweal.cases.models import CaseEvent, ServiceRequest

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (the second run)"
    ),
]


def test_one_of_two_simultaneous_assignments_wins(city, pothole_request):
    url = reverse("console:act", args=[pothole_request.public_id, "assign"])
    version = pothole_request.version
    start = threading.Barrier(2)
    results = {}

    def agent(user, assignee):
        client = Client()
        client.force_login(user)
        start.wait()
        try:
            response = client.post(url, {"assign-version": version, "assign-assignee": assignee.pk})
            results[user.username] = (response.status_code, response.content.decode())
        finally:
            connection.close()

    threads = [
        threading.Thread(target=agent, args=(city.ana, city.fern)),
        threading.Thread(target=agent, args=(city.sam, city.ana)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    codes = sorted(code for code, _body in results.values())
    assert codes == [302, 409]
    loser = next(body for code, body in results.values() if code == 409)
    assert "Someone else changed request" in loser
    case = ServiceRequest.objects.get(pk=pothole_request.pk)
    assert case.version == version + 1
    assert CaseEvent.objects.filter(request=case, action="case.assigned").count() == 1
    assert verify([case.jurisdiction])[1] == []
