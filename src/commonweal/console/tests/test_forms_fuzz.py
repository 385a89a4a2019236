"""Property-based: whatever the console's other forms receive — filing a request for a
resident, a bulk act on the queue, a line of the authority matrix — the answer is a page, a
redirect or a refusal, never a server error, and only a redirect writes to the case log."""

import pytest
from django.urls import reverse
from hypothesis import strategies as st

from commonweal.testing import TYPED, post_anything

VALUES = st.one_of(
    TYPED,
    st.sampled_from(["phone", "normal", "resolved", "assign", "close", "en", "es", "40.05",
                     "-75.05"]),
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

    def with_the_request(data):  # a bulk act names the queue's request beside what it got
        return {**data, "ids": [data["ids"], pothole_request.pk]} if "ids" in data else data

    post_anything(
        client, url, FORMS[name], VALUES, answers=(200, 302, 400, 403, 409), examples=20,
        complete=with_the_request,
    )  # fmt: skip
