"""The performance dashboard in Chromium: what a supervisor sees, checked with axe-core."""

import datetime as dt

import pytest
import time_machine
from playwright.sync_api import expect

from commonweal.analytics import snapshot
from commonweal.cases import services
from commonweal.cases.authority import Actor

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct horse battery staple"  # the factory's


def test_a_supervisor_reads_the_dashboard(page, city, axe_violations):
    agent = Actor.for_user(city.ana)
    for week in range(6):
        with time_machine.travel(dt.datetime(2026, 3, 2 + 3 * week, 15, tzinfo=dt.UTC), tick=False):
            made = services.submit(
                city.resident, service=city.pothole, channel="web", description="Hole",
                attributes={"lane": "left"}, lat=40.05, long=-75.05 + week * 0.001,
            )  # fmt: skip
            if week % 2:
                services.close(agent, made, "resolved", public_text="Filled")
    snapshot.refresh()
    page.goto("/console/")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Performance").click()
    page.get_by_label("From").fill("2026-03-01")
    page.get_by_label("To (included)").fill("2026-04-30")
    page.get_by_role("button", name="Show").click()
    expect(page.locator('[data-kpi="requests"]')).to_have_text("6")
    expect(page.locator('[data-chart="volume"] svg')).to_be_visible()
    page.locator('[data-chart="volume"] summary').click()
    expect(page.get_by_role("table", name="Requests per week (c-chart)")).to_be_visible()
    page.shot("dashboard")
    assert axe_violations(page) == []
    # a council member on a phone: the charts shrink to the screen, the tables scroll in
    # their own focusable boxes, and the page itself never scrolls sideways (WCAG 1.4.10)
    page.set_viewport_size({"width": 320, "height": 640})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    chart = page.locator('[data-chart="volume"] svg').bounding_box()
    assert chart is not None and chart["width"] <= 320
    page.shot("dashboard-phone")
    assert axe_violations(page) == []
