"""Real browser flows (Playwright driving Debian's Chromium against a live server).

Screenshots of every page visited are saved under var/test-output/screenshots/.
"""

import re

import pytest
from playwright.sync_api import expect

from commonweal import testing
from commonweal.cases import proposals, services
from commonweal.cases.models import Outcome, Proposal, ProposalStatus, ServiceRequest, Status

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct horse battery staple"  # the factory's


def sign_in(page, username):
    page.goto("/console/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Work queue")).to_be_visible()


def open_act(page, action):
    box = page.locator(f'details[data-act="{action}"]')
    box.locator("summary").click()
    return box


def test_an_agent_works_a_request_from_queue_to_closure(page, city, make_requests):
    older, target = make_requests(2)
    services.acknowledge(testing.as_actor(city.sam), older)

    sign_in(page, "ana")
    page.shot("1-queue")
    page.get_by_label("Status").select_option("new")  # htmx swaps the results in place
    expect(page.locator("#results tbody tr")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"status=new"))
    page.shot("2-queue-filtered")

    page.get_by_role("link", name=target.public_id).click()
    expect(page.get_by_role("heading", name=re.compile("Pothole"))).to_be_visible()
    page.shot("3-case")

    box = open_act(page, "assign")
    box.get_by_label("Assign to a person").select_option(label="fern")
    box.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Done: Assign.")).to_be_visible()

    box = open_act(page, "publish_update")
    box.get_by_label(re.compile("Public update")).fill("A crew is booked for Tuesday.")
    box.get_by_role("button", name="Confirm").click()
    expect(page.locator("#timeline")).to_contain_text("A crew is booked for Tuesday.")
    page.shot("4-case-updated")

    box = open_act(page, "close")
    box.get_by_label("Outcome").select_option("resolved")
    box.get_by_label(re.compile("Message to the resident")).fill("Filled and rolled.")
    box.get_by_role("button", name="Confirm").click()
    expect(page.locator("[data-status]")).to_have_text("Closed")
    page.shot("5-case-closed")

    case = ServiceRequest.objects.get(pk=target.pk)
    assert (case.status, case.outcome, case.assignee) == (
        Status.CLOSED,
        Outcome.RESOLVED,
        city.fern,
    )


def test_a_supervisor_approves_an_extension(page, city, pothole_request):
    proposal = proposals.propose(
        testing.as_actor(city.ana), pothole_request, "extend_due", {"days": 10},
        reason="The supplier needs two weeks.",
    )  # fmt: skip
    sign_in(page, "sam")
    page.get_by_role("link", name="Approvals").click()
    item = page.locator(f'[data-proposal="{proposal.pk}"]')
    expect(item).to_contain_text("The supplier needs two weeks.")
    page.shot("1-approvals")
    item.locator(f"label[for=approve-{proposal.pk}]").click()  # USWDS hides the input itself
    item.get_by_label("Reasons for the decision").fill("Supplier confirmed the date.")
    item.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text(f"Approved proposal #{proposal.pk}.")).to_be_visible()
    page.shot("2-approved")

    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.APPROVED
    extended = ServiceRequest.objects.get(pk=pothole_request.pk)
    assert (extended.resolve_due - pothole_request.resolve_due).days == 10


def test_an_agent_beyond_their_limit_is_offered_a_proposal(page, city, pothole_request):
    sign_in(page, "ana")
    page.goto(f"/console/cases/{pothole_request.public_id}/")
    box = open_act(page, "extend_due")
    box.get_by_label("Extend by (days)").fill("10")
    box.get_by_label(re.compile("Reason")).fill("Parts on order")
    box.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text(re.compile("at most 3 days"))).to_be_visible()
    proposal_box = page.locator('details[data-propose="extend_due"]')
    expect(proposal_box).to_have_attribute("open", "")
    proposal_box.get_by_label("Why this is needed (for the approver)").fill("Supplier delay.")
    proposal_box.get_by_role("button", name="Send for approval").click()
    expect(page.get_by_text("Your proposal was sent for approval.")).to_be_visible()
    page.shot("proposal-sent")
    assert Proposal.objects.get().params["days"] == 10


CONSOLE_PAGES = [
    "/console/queue/",
    "/console/new/",
    "/console/approvals/",
    "/console/appeals/",
    "/console/complaints/",
    "/console/matrix/",
    "/console/matrix/new/",
]


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_console_page_fits_a_phone(page, city, pothole_request, language):
    """Field workers use the console on their phones: at 320 CSS pixels no page scrolls
    sideways (the case page's act buttons spilled 24 px past the screen's edge)."""
    sign_in(page, "sam")
    page.evaluate(f"document.cookie = 'django_language={language}; path=/'")
    page.set_viewport_size({"width": 320, "height": 640})
    too_wide = {}
    for path in [*CONSOLE_PAGES, f"/console/cases/{pothole_request.public_id}/"]:
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 320:
            too_wide[path] = width
    assert too_wide == {}


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_console_page_passes_axe(page, city, pothole_request, axe_violations, language):
    """Staff tools are used by staff with disabilities too (Section 508, WCAG 2.1 AA), and
    on phones in the field: a table stacked a cell a line names each cell's column."""
    sign_in(page, "sam")
    page.evaluate(f"document.cookie = 'django_language={language}; path=/'")
    problems = {}
    for path in [
        *CONSOLE_PAGES,
        f"/console/new/?service={city.pothole.pk}",  # the service's own questions
        f"/console/cases/{pothole_request.public_id}/",
    ]:
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", language)
        found = axe_violations(page)
        if found:
            problems[path] = found
        if bare := page.evaluate(testing.UNLABELLED_STACKED_CELLS):
            problems[path] = [f"stacked cells without their column's name: {bare}"]
    assert problems == {}
