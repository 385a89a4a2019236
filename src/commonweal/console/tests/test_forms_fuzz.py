"""Property-based: whatever the console's other forms receive — filing a request for a
resident, a bulk act on the queue, a line of the authority matrix — the answer is a page, a
redirect or a refusal, never a server error, and only a redirect writes to the case log."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commonweal.cases.models import CaseEvent

VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "0", "1", "-1", "9" * 20, "phone", "normal", "resolved", "assign",
                     "close", "en", "es", "40.05", "-75.05", "nan", "1e309", "\x00", "on"]),
)  # fmt: skip
FORMS = {
    "intake": ["channel", "description", "address", "lat", "long", "priority", "name", "email",
               "phone", "language", "attribute_lane", "attribute_depth_cm", "check"],
    "bulk": ["operation", "assignee", "team", "outcome", "public_text", "ids", "query"],
    "rule-new": ["code", "role", "action", "scope", "departments", "services",
                 "max_extension_days", "allowed_outcomes", "description", "active",
                 "change_reason"],
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(FORMS))
def test_no_console_form_input_breaks_its_page(signed_in, city, pothole_request, name):
    client = signed_in(city.sam)
    url = reverse(f"console:{name}")
    if name == "intake":
        url += f"?service={city.pothole.pk}"

    @given(st.dictionaries(st.sampled_from(FORMS[name]), VALUES, max_size=8))
    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
    def post(data):
        events = CaseEvent.objects.count()
        if name == "bulk" and "ids" in data:
            data = {**data, "ids": [data["ids"], pothole_request.pk]}
        response = client.post(url, data)
        assert response.status_code in (200, 302, 400, 403, 409), response.status_code
        if response.status_code != 302:
            assert CaseEvent.objects.count() == events

    post()
