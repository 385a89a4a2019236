"""The authority matrix page: everyone on staff may read it; administrators change it, logged."""

from django.urls import reverse

from commonweal import testing
from commonweal.cases.models import Action, CaseEvent, DelegatedAuthority, Role


def test_staff_read_the_matrix(signed_in, city):
    response = signed_in(city.ana).get(reverse("console:matrix"))
    assert response.status_code == 200
    assert "agent.extend-due.own-department" in response.content.decode()
    assert response.context["can_edit"] is False
    # a line's outcomes read as words in the reader's language, not as codes
    html = response.content.decode()
    assert (
        "outcomes: resolved, duplicate of another request, referred to another agency,"
        " withdrawn by the resident"
    ) in html
    spanish = signed_in(city.ana).get(reverse("console:matrix"), HTTP_ACCEPT_LANGUAGE="es")
    assert "cannot_locate" not in spanish.content.decode()


def test_only_administrators_edit(signed_in, city):
    rule = DelegatedAuthority.objects.get(code="agent.extend-due.own-department")
    response = signed_in(city.sam).post(reverse("console:rule", args=[rule.pk]), {})
    assert response.status_code == 403


def test_an_administrator_raises_a_limit_and_the_change_is_logged(signed_in, city, pothole_request):
    admin = testing.staff("ada", Role.ADMINISTRATOR, None)
    rule = DelegatedAuthority.objects.get(code="agent.extend-due.own-department")
    response = signed_in(admin).post(
        reverse("console:rule", args=[rule.pk]),
        {
            "code": rule.code,
            "role": rule.role,
            "action": rule.action,
            "scope": rule.scope,
            "max_extension_days": 5,
            "description": rule.description,
            "active": "on",
            "change_reason": "Council approved longer agent extensions.",
        },
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.max_extension_days == 5
    event = CaseEvent.objects.filter(action="authority.rule_saved").latest("sequence")
    assert event.data["rule"]["max_extension_days"] == 5
    assert event.reason == "Council approved longer agent extensions."
    assert event.actor_label == "ada"


def test_a_change_needs_a_reason(signed_in, city):
    admin = testing.staff("ada", Role.ADMINISTRATOR, None)
    response = signed_in(admin).post(
        reverse("console:rule-new"),
        {"code": "x", "role": Role.AGENT, "action": Action.CLOSE, "scope": "any"},
    )
    assert response.status_code == 200
    assert "change_reason" in response.context["form"].errors
    assert not DelegatedAuthority.objects.filter(code="x").exists()


def test_an_administrator_deletes_a_rule_with_a_logged_event(signed_in, city):
    admin = testing.staff("ada", Role.ADMINISTRATOR, None)
    rule = DelegatedAuthority.objects.get(code="agent.extend-due.own-department")
    signed_in(admin).post(
        reverse("console:rule", args=[rule.pk]), {"delete": "1", "change_reason": "Retired."}
    )
    assert not DelegatedAuthority.objects.filter(pk=rule.pk).exists()
    event = CaseEvent.objects.get(action="authority.rule_deleted")
    assert event.data["rule"]["code"] == "agent.extend-due.own-department"
