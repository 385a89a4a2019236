"""Shared fixtures: the Testville city and its cast (see commonweal.testing)."""

import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import translation

from commonweal import testing
from commonweal.analytics import engine as analytics_engine
from commonweal.cases import services
from commonweal.cases.authority import Actor
from commonweal.cases.models import Channel, Role
from commonweal.catalog.models import DistrictKind
from commonweal.catalog.served import forget_served


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hash test passwords cheaply; production keeps Django's slow, safe default."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def analytics_in_tmp(settings, tmp_path, monkeypatch):
    """Each test's analytics snapshot lives in its own directory, and a request waits for its
    first load (a blink for a test's snapshot) however busy the machine: tests of the wait
    itself set a short one."""
    settings.COMMONWEAL_ANALYTICS_DIR = tmp_path / "analytics"
    monkeypatch.setattr(analytics_engine, "FIRST_LOAD_WAIT", 30.0)


@pytest.fixture(autouse=True)
def english_unless_asked():
    """Start each test in English: a request in Spanish leaves its language on the thread."""
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def city(db):
    """Build Testville: jurisdiction, departments, districts, services and the cast."""
    jurisdiction = testing.JurisdictionFactory()
    streets = testing.DepartmentFactory(jurisdiction=jurisdiction, code="streets", name="Streets")
    sanitation = testing.DepartmentFactory(
        jurisdiction=jurisdiction, code="sanitation", name="Sanitation"
    )
    west = testing.DistrictFactory(
        jurisdiction=jurisdiction, code="W", boundary=testing.square(-75.1, 40.0, -75.0, 40.1)
    )
    east = testing.DistrictFactory(
        jurisdiction=jurisdiction, code="E", boundary=testing.square(-75.0, 40.0, -74.9, 40.1)
    )
    testing.DistrictFactory(
        jurisdiction=jurisdiction,
        code="N1",
        kind=DistrictKind.NEIGHBOURHOOD,
        boundary=testing.square(-75.1, 40.0, -74.9, 40.1),
    )
    pothole = testing.pothole_service(streets)
    collection = testing.ServiceFactory(
        jurisdiction=jurisdiction,
        department=sanitation,
        service_code="missed-collection",
        service_name="Missed collection",
    )
    testing.StandardFactory(service=collection)
    return SimpleNamespace(
        jurisdiction=jurisdiction,
        streets=streets,
        sanitation=sanitation,
        west=west,
        east=east,
        pothole=pothole,
        collection=collection,
        resident=Actor.resident(),
        ana=testing.staff("ana", Role.AGENT, streets),
        fern=testing.staff("fern", Role.FIELD_WORKER, streets),
        sam=testing.staff("sam", Role.SUPERVISOR, streets),
        hugo=testing.staff("hugo", Role.DEPARTMENT_HEAD, sanitation),
        carla=testing.staff("carla", Role.OFFICIAL, None),
        audrey=testing.staff("audrey", Role.AUDITOR, None),
    )


@pytest.fixture
def pothole_request(city):
    """A fresh pothole report in the west district, made by a resident on the web."""
    return services.submit(
        city.resident,
        service=city.pothole,
        channel=Channel.WEB,
        description="Deep pothole by the school gate",
        attributes={"lane": "left"},
        lat=40.05,
        long=-75.05,
    )


CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("COMMONWEAL_TEST_OUTPUT", "var/test-output")) / "screenshots"


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (never a downloaded browser).

    Missing Chromium skips the browser tests with a loud line at the end of the run, except
    under CI=true, where it is a failure.
    """
    if not CHROMIUM.exists():
        message = f"Chromium not found at {CHROMIUM} (Debian package 'chromium')"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still synchronous and single-threaded.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server, request, settings):
    """A fresh browser page on the live server; `shot(name)` saves a screenshot of it."""
    # The live server serves static files from the finders, which know unhashed names only.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    tab = context.new_page()
    from django.db import connection

    # a folder per database: `make test` runs the two halves side by side
    folder = SCREENSHOTS / connection.vendor / request.node.name
    folder.mkdir(parents=True, exist_ok=True)

    def shot(name: str) -> Path:
        path = folder / f"{name}.png"
        tab.screenshot(path=str(path), full_page=True)
        return path

    tab.shot = shot
    yield tab
    context.close()


def pytest_terminal_summary(terminalreporter):
    """Say loudly when the browser half of the suite did not run."""
    skipped = terminalreporter.stats.get("skipped", [])
    if any("Chromium not found" in str(report.longrepr) for report in skipped):
        terminalreporter.write_line("")
        terminalreporter.write_line("=" * 72, red=True, bold=True)
        terminalreporter.write_line(
            "BROWSER TESTS SKIPPED: Chromium is not installed (apt install chromium).",
            red=True,
            bold=True,
        )
        terminalreporter.write_line("=" * 72, red=True, bold=True)


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def axe_violations():
    """Return a function that runs axe-core (npm) on a page and returns its serious and
    critical WCAG 2.1 A/AA violations as readable lines."""

    def check(tab):
        tab.add_script_tag(path=str(AXE))
        result = tab.evaluate(
            "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA
        )
        return [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    return check


@pytest.fixture(autouse=True)
def nothing_served_from_before():
    """A rolled-back test deletes its jurisdictions without a signal: forget the kept ones."""
    forget_served()
    yield
    forget_served()
