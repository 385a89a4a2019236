"""Text XML 1.0 cannot hold (control characters) still gives a well-formed answer."""

import json

from commonweal.open311.tests.conftest import BASE, parse_xml
from commonweal.open311.tests.test_requests_post import post


def test_control_characters_in_a_request_never_break_the_xml(client, city, api_key):
    made = post(client, api_key, description="Hole\x01 by the \x1bgate", address_string="1 Main")
    assert made.status_code == 201
    public_id = made.json()[0]["service_request_id"]
    one = parse_xml(client.get(f"{BASE}/requests/{public_id}.xml?extensions=true"))
    assert one.findtext("request/description") == "Hole\ufffd by the \ufffdgate"
    listed = parse_xml(client.get(f"{BASE}/requests.xml"))  # strict: one bad text spoils all
    assert [r.findtext("service_request_id") for r in listed] == [public_id]
    shown = json.loads(client.get(f"{BASE}/requests/{public_id}.json").content)
    assert shown[0]["description"] == "Hole\x01 by the \x1bgate"  # JSON escapes them
