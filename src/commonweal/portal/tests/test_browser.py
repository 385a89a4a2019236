"""The public site in a real browser (Debian's Chromium): axe-core on every public page in
both languages, every page on a narrow phone, a keyboard-only report, and a report in Spanish
with a photo."""

import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from commonweal import testing
from commonweal.cases import services
from commonweal.cases.models import Outcome, ServiceRequest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def followed(city):
    case = services.submit(
        city.resident, service=city.pothole, channel="web", description="Hole",
        attributes={"lane": "left"}, lat=40.05, long=-75.05, address="12 Elm Street",
    )  # fmt: skip
    services.acknowledge(testing.as_actor(city.ana), case, public_text="A crew will look.")
    return case


@pytest.fixture
def refused(city):
    case = services.submit(
        city.resident, service=city.pothole, channel="web", description="Hole",
        attributes={"lane": "left"}, lat=40.05, long=-75.05,
        requester=services.RequesterDetails(email="rosa@example.org"),
    )  # fmt: skip
    return services.close(
        testing.as_actor(city.sam), case, Outcome.NO_ACTION_NEEDED, public_text="Within tolerance."
    )


def public_pages(case, refused):
    return [
        ("follow-refused", f"/track/{refused.public_id}/"),
        ("appeal", f"/track/{refused.public_id}/appeal/"),
        ("home", "/"),
        ("search", "/?q=hole"),
        ("report", "/report/pothole/"),
        ("sent", f"/report/sent/{case.public_id}/"),
        ("track", "/track/"),
        ("track-unknown", "/track/?tracking_number=NOPE1234"),
        ("follow", f"/track/{case.public_id}/"),
        ("charter", "/charter/"),
        ("complaint", "/complaints/"),
        ("sign-in", "/account/sign-in/"),
        ("charter-service", "/charter/pothole/"),
        ("open311-guide", "/open311/"),
        ("not-found", "/no-such-page/"),
    ]


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_public_page_passes_axe(page, followed, refused, axe_violations, language):
    page.goto("/")
    page.evaluate(f"document.cookie = 'django_language={language}; path=/'")
    problems = {}
    for name, path in public_pages(followed, refused):
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", language)
        page.shot(f"{language}-{name}")
        found = axe_violations(page)
        if found:
            problems[name] = found
    assert problems == {}


#: the header's links, labels and controls that sit nearer than 8 px to the screen's edges
AT_THE_EDGE = """Array.from(document.querySelectorAll(
    'header a, header label, header select, header button'))
  .filter((element) => element.offsetParent !== null)
  .filter((element) => {
    const box = element.getBoundingClientRect();
    return box.left < 8 || box.right > window.innerWidth - 8;
  })
  .map((element) => element.textContent.trim() || element.id)"""


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_public_page_reflows_on_a_narrow_phone(page, followed, refused, language):
    """WCAG 1.4.10: at 320 CSS pixels wide nothing but a code sample scrolls sideways, the
    header's links and language switch keep a margin from the screen's edge, as the page
    does (they sat flush against it), and a table stacked a cell a line names each cell's
    column."""
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto("/")
    page.evaluate(f"document.cookie = 'django_language={language}; path=/'")
    too_wide, at_the_edge, unlabelled = {}, {}, {}
    for name, path in public_pages(followed, refused):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 320:
            too_wide[name] = width
        if touching := page.evaluate(AT_THE_EDGE):
            at_the_edge[name] = touching
        if bare := page.evaluate(testing.UNLABELLED_STACKED_CELLS):
            unlabelled[name] = bare
    assert too_wide == {}
    assert at_the_edge == {}
    assert unlabelled == {}  # each table's cells name their column when stacked on a phone


def test_the_report_form_with_errors_passes_axe(page, city, axe_violations):
    page.goto("/report/pothole/")
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_role("heading", name="Please correct these problems")).to_be_visible()
    page.shot("errors")
    assert axe_violations(page) == []


def test_a_resident_reports_with_the_keyboard_only(page, city):
    page.goto("/report/pothole/")
    page.locator("#id_attribute_lane").focus()
    page.keyboard.press("ArrowDown")  # from "Choose one" to "Left", without a mouse
    page.keyboard.press("Tab")
    for _ in range(20):  # tab to the description, typing nothing on the way
        if page.evaluate("document.activeElement.id") == "id_description":
            break
        page.keyboard.press("Tab")
    page.keyboard.type("Deep hole, reported with the keyboard")
    while page.evaluate("document.activeElement.id") != "id_address":
        page.keyboard.press("Tab")
    page.keyboard.type("12 Elm Street")
    while page.evaluate("document.activeElement.type") != "submit":
        page.keyboard.press("Tab")
    page.shot("keyboard-before-send")
    page.keyboard.press("Enter")
    expect(page.locator("#tracking-number")).to_be_visible()
    page.shot("keyboard-sent")
    case = ServiceRequest.objects.get()
    assert case.description == "Deep hole, reported with the keyboard"
    assert case.address == "12 Elm Street" and case.attributes["lane"] == "left"


def test_a_resident_reports_a_pothole_in_spanish_with_a_photo(page, city, tmp_path):
    photo = tmp_path / "bache.jpg"
    Image.new("RGB", (64, 48), "gray").save(photo, format="JPEG")
    page.goto("/")
    page.get_by_label("Language").select_option("es")
    page.get_by_role("button", name="Change language").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.get_by_label("Buscar servicios").fill("bache")
    page.get_by_role("button", name="Buscar").click()
    page.locator("#found").get_by_role("link").first.click()
    page.get_by_label(re.compile("Lane")).select_option("left")
    page.get_by_label("¿Cuál es el problema?").fill("Bache profundo frente a la escuela")
    page.get_by_label("Dirección o esquina más cercana").fill("Calle Olmo 12")
    expect(page.locator("body")).not_to_contain_text("Drag file")  # no English-only widget
    page.get_by_label("Foto (opcional)").set_input_files(str(photo))
    page.get_by_label("Su correo (opcional)").fill("rosa@example.org")
    page.shot("1-form")
    page.get_by_role("button", name="Enviar el aviso").click()
    expect(page.get_by_text("Su número de seguimiento es")).to_be_visible()
    page.shot("2-sent")
    page.get_by_role("link", name="Seguir este aviso").click()
    expect(page.locator("#status")).to_have_text("Nueva")
    page.shot("3-follow")
    case = ServiceRequest.objects.get()
    assert case.media_url.startswith("/media/requests/")
    assert case.requester.language == "es"


def test_a_resident_appeals_a_refusal(page, refused):
    page.goto(f"/track/{refused.public_id}/")
    page.get_by_role("link", name="Ask for this decision to be reviewed").click()
    page.get_by_label("The email address you reported with").fill("rosa@example.org")
    page.get_by_label("Why should the decision be reviewed?").fill("It is 10 cm deep.")
    page.shot("1-appeal-form")
    page.get_by_role("button", name="Send my appeal").click()
    expect(page.locator("#appeal-pending")).to_be_visible()
    expect(page.get_by_text("Your appeal was received.")).to_be_visible()
    page.shot("2-appeal-pending")


def test_a_resident_answers_the_survey(page, city, refused):
    from commonweal.feedback.models import SurveyInvitation, SurveyResponse
    from commonweal.feedback.surveys import token_hash

    SurveyInvitation.objects.create(request=refused, token_hash=token_hash("t0ken-for-browser"))
    page.goto("/survey/t0ken-for-browser/")
    page.locator("label[for=id_satisfaction_1]").click()  # "Agree"
    page.locator("label[for=id_equity_0]").click()  # "Strongly agree"
    page.locator("label[for=id_not_fixed]").click()
    page.get_by_label("Anything else you want to tell us?").fill("The hole is still there.")
    page.shot("1-survey")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.locator("#reopened")).to_be_visible()
    page.shot("2-thanks")
    stored = SurveyResponse.objects.get()
    assert stored.answers == {"satisfaction": 4, "equity": 5} and stored.not_fixed


def test_the_survey_passes_axe(page, refused, axe_violations):
    from commonweal.feedback.models import SurveyInvitation
    from commonweal.feedback.surveys import token_hash

    SurveyInvitation.objects.create(request=refused, token_hash=token_hash("axe-token"))
    page.goto("/survey/axe-token/")
    page.shot("survey")
    assert axe_violations(page) == []


def test_a_resident_signs_in_and_my_reports_passes_axe(page, refused, settings, axe_violations):
    from django.core import mail

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    page.goto("/account/sign-in/")
    page.get_by_label("Your email").fill("rosa@example.org")
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.locator("#link-sent")).to_be_visible()
    link = re.search(r"http://[^/]+(/account/sign-in/[^/\s]+/)", mail.outbox[-1].body).group(1)
    page.goto(link)
    expect(page.get_by_role("link", name=refused.public_id)).to_be_visible()
    page.shot("my-reports")
    assert axe_violations(page) == []
