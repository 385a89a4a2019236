"""Property-based: whatever a staff member's form sends for an act, the answer is the case
page again, a redirect or a refusal — never a server error — and only a redirect writes."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commonweal.cases.models import CaseEvent, ServiceRequest
from commonweal.console.forms import ACTION_FORMS

VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "0", "1", "-1", "9" * 20, "resolved", "urgent", "7", "\x00", "1e309"]),
)
FIELDS = ["public_text", "reason", "assignee", "team", "department", "service",
          "priority", "days", "text", "parent", "outcome"]  # fmt: skip


@pytest.mark.parametrize("action", sorted(ACTION_FORMS))
def test_no_act_form_breaks_the_case_page(signed_in, city, pothole_request, action):
    client = signed_in(city.sam)
    url = reverse("console:act", args=[pothole_request.public_id, action])

    @given(st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=6))
    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
    def post(fields):
        events = CaseEvent.objects.count()
        version = ServiceRequest.objects.get(pk=pothole_request.pk).version  # not stale
        data = {f"{action}-{name}": value for name, value in {"version": version, **fields}.items()}
        response = client.post(url, data)
        assert response.status_code in (200, 302, 400, 403, 409), response.status_code
        if response.status_code != 302:
            assert CaseEvent.objects.count() == events

    post()
