"""Property-based: whatever a stranger types into a public form, the answer is a page or a
redirect, never a server error, and a refused form writes nothing."""

import pytest
from django.urls import reverse
from hypothesis import strategies as st

from commonweal.testing import post_anything

#: text a person or a script might send: any characters, NULs and surrogates' neighbours
#: included, empty often, sometimes long
TEXT = st.one_of(
    st.just(""),
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=3000, max_size=5000),
    st.sampled_from(["1e309", "nan", "-0", "NaN", " 40.05 ", "40,05", "0x10", "∞", "\x00"]),
)

FORMS = {
    "report": ["description", "lat", "long", "address", "district", "name", "email", "phone",
               "website", "attribute_lane", "attribute_depth_cm", "attribute_seen_at",
               "attribute_hazards"],
    "appeal": ["email", "grounds"],
    "complaint": ["kind", "text", "tracking", "email"],
    "sign-in": ["email"],
}  # fmt: skip


def form_url(name, city, case):
    if name == "report":
        return reverse("portal:report", args=[city.pothole.service_code])
    if name == "appeal":
        return reverse("portal:appeal", args=[case.public_id])
    return reverse(f"portal:{name}")


@pytest.mark.parametrize("name", sorted(FORMS))
def test_no_form_input_breaks_a_public_page(client, city, pothole_request, name):
    url = form_url(name, city, pothole_request)
    post_anything(client, url, FORMS[name], TEXT, answers=(200, 302, 400, 429), examples=40)
