"""Property-based: whatever a staff member's form sends for an act, the answer is the case
page again, a redirect or a refusal — never a server error — and only a redirect writes."""

import pytest
from django.urls import reverse
from hypothesis import strategies as st

from commonweal.cases.models import ServiceRequest
from commonweal.console.forms import ACTION_FORMS
from commonweal.testing import TYPED, post_anything

VALUES = st.one_of(TYPED, st.sampled_from(["resolved", "urgent", "7"]))
FIELDS = ["public_text", "reason", "assignee", "team", "department", "service",
          "priority", "days", "text", "parent", "outcome"]  # fmt: skip


@pytest.mark.parametrize("action", sorted(ACTION_FORMS))
def test_no_act_form_breaks_the_case_page(signed_in, city, pothole_request, action):
    client = signed_in(city.sam)
    url = reverse("console:act", args=[pothole_request.public_id, action])

    def current(fields):  # the request's current version, so that the post reaches the act
        version = ServiceRequest.objects.get(pk=pothole_request.pk).version
        return {f"{action}-{name}": value for name, value in {"version": version, **fields}.items()}

    post_anything(
        client, url, FIELDS, VALUES, answers=(200, 302, 400, 403, 409), examples=15,
        complete=current,
    )  # fmt: skip
