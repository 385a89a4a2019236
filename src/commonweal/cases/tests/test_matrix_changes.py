"""Editing the authority matrix in the admin leaves events in every jurisdiction's log."""

from django.contrib.auth.models import User
from django.urls import reverse

from commonweal.cases.log import find_break
from commonweal.cases.models import CaseEvent, DelegatedAuthority
from commonweal.catalog.models import Jurisdiction


def test_saving_and_deleting_a_rule_is_logged_with_who_and_what(client, city):
    other = Jurisdiction.objects.create(
        jurisdiction_id="other.example", name="Other", time_zone="UTC"
    )
    admin = User.objects.create_superuser("root", "root@testville.example", "x")
    client.force_login(admin)
    rule = DelegatedAuthority.objects.get(code="agent.extend-due.own-department")
    form = {
        "code": rule.code, "role": rule.role, "action": rule.action, "scope": rule.scope,
        "max_extension_days": "5", "allowed_outcomes": "[]", "description": rule.description,
        "active": "on", "departments": [city.streets.pk],
    }  # fmt: skip
    response = client.post(reverse("admin:cases_delegatedauthority_change", args=[rule.pk]), form)
    assert response.status_code == 302, response.content[:500]
    saved = CaseEvent.objects.filter(action="authority.rule_saved")
    assert {event.jurisdiction_id for event in saved} == {city.jurisdiction.pk, other.pk}
    event = saved.get(jurisdiction=city.jurisdiction)
    assert event.actor_label == "root" and event.role == "administrator"
    assert event.data["rule"]["max_extension_days"] == 5
    assert event.data["rule"]["departments"] == ["streets"]
    client.post(reverse("admin:cases_delegatedauthority_delete", args=[rule.pk]), {"post": "yes"})
    deleted = CaseEvent.objects.get(action="authority.rule_deleted", jurisdiction=city.jurisdiction)
    assert deleted.data["rule"]["code"] == "agent.extend-due.own-department"
    assert find_break(city.jurisdiction)[1] is None and find_break(other)[1] is None
