"""The snapshot from the real database (ADBC, both engines): a full build, an incremental
refresh that equals a rebuild, compaction, surveys, and the command, API and dashboard on top.

These tests commit (the snapshot reads over a connection of its own), hence transactional_db.
"""

import contextlib
import csv
import datetime as dt
import io
import json
import re
import threading
import time
from html import unescape

import pyarrow.parquet as pq
import pytest
import time_machine
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import translation
from hypothesis import HealthCheck, given
from hypothesis import settings as settings_
from hypothesis import strategies as st

from commonweal.analytics import charts, report, rollups, snapshot
from commonweal.analytics import engine as engine_module
from commonweal.analytics.engine import Engine, Slice, current_engine
from commonweal.cases import services
from commonweal.cases.authority import Actor
from commonweal.cases.errors import CaseError
from commonweal.cases.log import find_break
from commonweal.cases.models import CaseEvent, ServiceRequest
from commonweal.catalog.models import DistrictKind
from commonweal.feedback import surveys
from commonweal.feedback.models import SurveyInvitation, SurveyResponse
from commonweal.testing import DistrictFactory

pytestmark = pytest.mark.django_db(transaction=True)
UTC = dt.UTC


def report_everything(directory):
    """Every KPI city-wide (keyed by name and breakdown) and, when there are requests, for
    one district and one department (keyed by name, breakdown and the filter): between them
    they read every coarse table."""
    engine = Engine(directory)
    engine.sync()
    where = Slice(start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))
    figures = {
        (name, by): function(engine, where, by)
        for name, function in report.KPIS.items()
        for by in (
            [None, "department", "district", "service", "channel"] if name == "summary" else [None]
        )
    }
    some = (
        ServiceRequest.objects.filter(district__isnull=False)
        .select_related("district", "department")
        .first()
    )
    if some is not None:
        for piece in (
            where.narrowed(district=some.district.code),
            where.narrowed(department=some.department.code),
            where.narrowed(department=some.department.code, district=some.district.code),
        ):
            for name, function in report.KPIS.items():
                for by in ["department", None] if name == "summary" else [None]:
                    figures[(name, by, piece.department, piece.district)] = function(
                        engine, piece, by
                    )
    return figures


@pytest.fixture
def history(city):
    """Five requests made and worked in March 2026."""
    agent = Actor.for_user(city.ana)
    made = []
    for day in range(2, 7):
        with time_machine.travel(dt.datetime(2026, 3, day, 15, tzinfo=UTC), tick=False):
            made.append(
                services.submit(
                    city.resident, service=city.pothole, channel="web",
                    description=f"Hole {day}", attributes={"lane": "left"},
                    lat=40.05, long=-75.05 + day * 0.001,
                )
            )  # fmt: skip
    with time_machine.travel(dt.datetime(2026, 3, 7, 15, tzinfo=UTC), tick=False):
        services.acknowledge(agent, made[0])
        services.close(
            agent, ServiceRequest.objects.get(pk=made[0].pk), "resolved", public_text="Filled"
        )
        services.close(agent, made[1], "resolved", public_text="Filled")
    return made


def test_a_full_build_counts_what_the_database_holds(city, history):
    built = snapshot.refresh()
    assert built.full and built.requests == 5
    engine = Engine(snapshot.analytics_dir())
    engine.sync()
    march = Slice(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))
    figures = report.summary(engine, march)[0]
    assert figures["requests"] == ServiceRequest.objects.count() == 5
    assert figures["closed"] == ServiceRequest.objects.closed().count() == 2
    assert figures["open_at_end"] == 3
    # the acknowledged one took exactly 5 days (March 2nd 15:00 to the 7th): within 1 %
    assert figures["ack_median_hours"] == pytest.approx(120, rel=0.01)
    backlog = report.backlog_now(engine, Slice(), dt.date(2026, 3, 12))
    assert backlog == {"open": 3, "median_age_days": 7, "oldest_age_days": 8}  # made 4th-6th
    by_district = report.summary(engine, march, "district")
    assert [row["district"] for row in by_district] == ["W"]
    assert report.summary(engine, march.narrowed(district="E"))[0]["requests"] == 0


def test_open_at_the_end_of_a_period_counts_what_closed_later_as_open(city, history):
    snapshot.refresh()
    engine = Engine(snapshot.analytics_dir())
    engine.sync()

    def figures(first, last, by=None):
        rows = report.summary(engine, Slice(start=first, end=last), by)
        return [(row.get(by), row["requests"], row["closed"], row["open_at_end"]) for row in rows]

    march = dt.date(2026, 3, 1)
    assert figures(march, dt.date(2026, 3, 5)) == [(None, 4, 0, 4)]  # the 7th's closures later
    assert figures(march, dt.date(2026, 3, 7)) == [(None, 5, 2, 3)]
    assert figures(march, dt.date(2026, 3, 5), "district") == [("W", 4, 0, 4)]
    assert figures(dt.date(2026, 2, 1), dt.date(2026, 2, 28)) == [(None, 0, 0, 0)]  # before all
    assert figures(dt.date(2026, 3, 6), dt.date(2026, 3, 6)) == [(None, 1, 0, 5)]


def test_a_snapshot_written_under_other_rules_is_rebuilt_at_its_next_refresh(city, history):
    snapshot.refresh()
    assert not snapshot.refresh().full  # under the same rules, a refresh only adds
    path = snapshot.analytics_dir() / snapshot.MANIFEST
    written = json.loads(path.read_text())
    assert written["rules"] == rollups.RULES
    del written["rules"]  # as a snapshot written before the rules were noted
    path.write_text(json.dumps(written))
    assert snapshot.read_manifest().rules == 1

    again = snapshot.refresh()
    assert again.full and again.requests == 5
    assert snapshot.read_manifest().rules == rollups.RULES
    assert not snapshot.refresh().full


def test_a_city_without_requests_has_an_empty_snapshot_not_an_error(city):
    built = snapshot.refresh()
    assert built.full and built.requests == 0
    figures = report_everything(snapshot.analytics_dir())
    assert figures[("summary", None)][0]["requests"] == 0
    assert figures[("pareto", None)] == [] and figures[("equity", None)] == []
    assert snapshot.refresh().requests == 0  # and an incremental refresh on top of it


def test_one_refresh_at_a_time(city, history):
    directory = snapshot.analytics_dir()
    done = threading.Event()
    with snapshot.exclusive(directory):
        worker = threading.Thread(target=lambda: (snapshot.refresh(), done.set()))
        worker.start()
        assert not done.wait(0.5)  # it waits for the lock …
    worker.join(30)
    assert done.is_set()  # … and runs once it is free
    assert snapshot.read_manifest().generation == 1


def test_an_engine_that_lists_files_a_refresh_just_removed_reads_the_manifest_again(
    city, history, monkeypatch
):
    snapshot.refresh()
    stale = snapshot.read_manifest()
    snapshot.refresh(full=True)  # new segment files; the old ones are gone
    fresh = snapshot.read_manifest()
    answers = iter([stale, fresh])
    monkeypatch.setattr(snapshot, "read_manifest", lambda directory=None: next(answers))
    engine = Engine(snapshot.analytics_dir())
    assert engine.sync().generation == fresh.generation
    assert report.summary(engine, Slice())[0]["requests"] == 5


def test_after_a_rebuild_the_old_engine_answers_until_a_fresh_one_has_loaded(city, history):
    snapshot.refresh()
    first = current_engine()
    assert report.summary(first, Slice())[0]["requests"] == 5
    services.submit(
        city.resident, service=city.pothole, channel="web", description="One more",
        attributes={"lane": "left"}, lat=40.05, long=-75.06,
    )  # fmt: skip
    snapshot.refresh(full=True)
    assert current_engine() is first  # whole, if a refresh behind, while the fresh one loads
    assert report.summary(first, Slice())[0]["requests"] == 5
    for _ in range(200):
        fresh = current_engine()
        if fresh is not first:
            break
        time.sleep(0.05)
    assert fresh is not first
    assert report.summary(fresh, Slice())[0]["requests"] == 6


def test_coarse_tables_answer_as_the_daily_ones_do(city, history, monkeypatch):
    snapshot.refresh()
    with_coarse = report_everything(snapshot.analytics_dir())
    monkeypatch.setattr(
        engine_module, "cover", lambda start, end, unit, before: [("day", start, end)]
    )
    assert report_everything(snapshot.analytics_dir()) == with_coarse


def test_the_dashboard_reads_the_whole_from_its_parts(city, history):
    """The page sums the per-department counts and histograms for its headline figures, and
    the requests per district x service for its Pareto chart; they equal what the slice as a
    whole reads (and the requests per service), even where a department is left out of the
    breakdown (nothing made, closed or due in the period) while it still has requests open,
    and where two departments' requests took the same time (one histogram bin of both)."""
    with time_machine.travel(dt.datetime(2026, 3, 2, 16, tzinfo=UTC), tick=False):
        services.submit(  # a pothole in the east district too: one service, two districts
            city.resident, service=city.pothole, channel="web", description="Hole east",
            attributes={"lane": "left"}, lat=40.05, long=-74.95,
        )  # fmt: skip
    with time_machine.travel(dt.datetime(2026, 3, 20, 10, tzinfo=UTC), tick=False):
        missed = services.submit(
            city.resident, service=city.collection, channel="phone",
            description="Bins missed", lat=40.05, long=-74.95,
        )  # fmt: skip
    with time_machine.travel(dt.datetime(2026, 3, 25, 10, tzinfo=UTC), tick=False):
        # five days, as the first pothole took (the second took four)
        services.close(Actor.for_user(city.hugo), missed, "resolved", public_text="Collected")
    snapshot.refresh()
    engine = Engine(snapshot.analytics_dir())
    engine.sync()
    slices = {
        "march": Slice(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31)),
        "first week": Slice(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 7)),
        "after the work": Slice(start=dt.date(2026, 4, 1), end=dt.date(2026, 4, 30)),
        "district": Slice(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31), district="W"),
    }
    for name, where in slices.items():
        page = report.dashboard(engine, where)
        assert page["summary"] == report.summary(engine, where), name
        assert page["by_department"] == report.summary(engine, where, "department"), name
        assert page["equity"] == report.equity(engine, where), name
        assert page["pareto"] == report.pareto(engine, where), name
    march = report.dashboard(engine, slices["march"])
    assert [row["department"] for row in march["by_department"]] == ["sanitation", "streets"]
    assert [(row["service"], row["requests"]) for row in march["pareto"]] == [
        ("pothole", 6),
        ("missed-collection", 1),
    ]
    assert march["summary"][0]["requests"] == 7
    # closed after 4, 5 and 5 days: the median is 5 days only when the two departments' bin
    # of 5 days is added up (either alone leaves 4 and 5, whose median is 4)
    assert march["summary"][0]["close_median_hours"] == pytest.approx(120, rel=0.01)
    quiet = report.dashboard(engine, slices["after the work"])
    assert quiet["by_department"] == [], quiet  # nothing made, closed or due in April
    assert quiet["summary"][0]["open_at_end"] == 4  # yet four of the streets' are open


def test_incremental_refresh_equals_a_rebuild_and_survives_compaction(
    city, history, settings, tmp_path, monkeypatch
):
    snapshot.refresh()
    agent = Actor.for_user(city.ana)
    with time_machine.travel(dt.datetime(2026, 4, 20, 10, tzinfo=UTC), tick=False):
        # a late closure of an old request, a reopen, a new request
        services.close(agent, history[2], "resolved", public_text="Done at last")
        services.reopen(
            Actor.for_user(city.sam),
            ServiceRequest.objects.get(pk=history[1].pk),
            reason="Sunk again",
        )
        services.submit(
            city.resident,
            service=city.collection,
            channel="phone",
            description="Bins missed",
            lat=40.05,
            long=-74.95,
        )
    incremental = snapshot.refresh()
    assert not incremental.full
    assert incremental.requests == 3  # only what the case log touched
    assert snapshot.refresh().requests == 0  # nothing new: nothing read
    kept = report_everything(snapshot.analytics_dir())

    settings.COMMONWEAL_ANALYTICS_DIR = tmp_path / "rebuilt"
    snapshot.refresh(full=True)
    assert report_everything(tmp_path / "rebuilt") == kept
    assert kept[("summary", None)][0]["requests"] == 6
    assert kept[("summary", None)][0]["reopen_pct"] is not None

    settings.COMMONWEAL_ANALYTICS_DIR = tmp_path / "rebuilt"
    monkeypatch.setattr(snapshot, "COMPACT_AFTER", 1)
    with time_machine.travel(dt.datetime(2026, 4, 21, 10, tzinfo=UTC), tick=False):
        services.close(
            agent, ServiceRequest.objects.get(pk=history[3].pk), "resolved", public_text="Done"
        )
    with time_machine.travel(dt.datetime(2026, 4, 21, 10, tzinfo=UTC), tick=False):
        services.close(
            agent, ServiceRequest.objects.get(pk=history[1].pk), "resolved", public_text="Done"
        )
    first = snapshot.refresh()
    assert first.compacted and first.segments == 1
    compacted = report_everything(tmp_path / "rebuilt")
    settings.COMMONWEAL_ANALYTICS_DIR = tmp_path / "again"
    snapshot.refresh(full=True)
    assert report_everything(tmp_path / "again") == compacted
    names = sorted(p.name for p in (tmp_path / "rebuilt").glob("*.parquet"))
    kinds = ("cells", "daily", "hist", "requests")
    surveys = [f"{kind}-000005.parquet" for kind in ("survey_answers", "survey_counts", "surveys")]
    assert names == [f"{kind}-000004.parquet" for kind in kinds] + surveys


def test_a_week_whose_changes_cancel_out_is_not_charted(city, settings, tmp_path):
    """A due date moved to another week leaves the first week counting nothing: an
    incremental snapshot holds its +1 and -1 due, a rebuild holds nothing there, and both
    chart the same weeks (found by the random histories below)."""
    with time_machine.travel(dt.datetime(2026, 5, 4, 14, tzinfo=UTC), tick=False):
        case = services.submit(
            city.resident, service=city.pothole, channel="web", description="Hole",
            attributes={"lane": "left"}, lat=40.05, long=-75.05,
        )  # fmt: skip
        snapshot.refresh()
    first_due = ServiceRequest.objects.get(pk=case.pk).resolve_due.date()
    with time_machine.travel(dt.datetime(2026, 5, 5, 9, tzinfo=UTC), tick=False):
        services.extend_due(Actor.for_user(city.sam), case, 14, reason="Parts on order")
        snapshot.refresh()
    new_due = ServiceRequest.objects.get(pk=case.pk).resolve_due.date()

    def monday(day):
        return day - dt.timedelta(days=day.weekday())

    assert monday(new_due) != monday(first_due)  # the due date left its week
    year = Slice(start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))
    kept = Engine(snapshot.analytics_dir())
    kept.sync()
    settings.COMMONWEAL_ANALYTICS_DIR = tmp_path / "rebuilt"
    with time_machine.travel(dt.datetime(2026, 5, 5, 9, tzinfo=UTC), tick=False):
        snapshot.refresh(full=True)
    rebuilt = Engine(tmp_path / "rebuilt")
    rebuilt.sync()
    weeks = [week.date() for week in kept.weekly(year)["week"]]
    assert weeks == [dt.date(2026, 5, 4), monday(new_due)]  # made, and due: nothing between
    assert weeks == [week.date() for week in rebuilt.weekly(year)["week"]]
    assert list(kept.volume(year, "service")["service"]) == ["pothole"]


def test_a_page_never_sees_a_refresh_half_picked_up(city, history, monkeypatch):
    """An engine adds a refresh's segments in one transaction: a page's query on its own
    cursor sees every table with the refresh or every one without it."""
    snapshot.refresh()
    engine = Engine(snapshot.analytics_dir())
    engine.sync()
    march = Slice(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))
    before = report.summary(engine, march, "department")
    with time_machine.travel(dt.datetime(2026, 3, 20, 10, tzinfo=UTC), tick=False):
        services.close(Actor.for_user(city.ana), history[2], "resolved", public_text="Done")
    snapshot.refresh()
    seen = []
    load_surveys = Engine._load_surveys

    def midway(self, manifest):  # the requests' rollups added, the surveys not yet
        seen.append(report.summary(self, march, "department"))
        load_surveys(self, manifest)

    monkeypatch.setattr(Engine, "_load_surveys", midway)
    engine.sync()
    assert seen == [before]
    after = report.summary(engine, march, "department")
    assert [row["closed"] for row in after] == [row["closed"] + 1 for row in before]


def test_survey_answers_reach_the_snapshot_without_the_requester(city, history):
    SurveyInvitation.objects.create(
        request=history[0], token_hash="a" * 64, sent_at=dt.datetime(2026, 3, 8, tzinfo=UTC)
    )
    SurveyInvitation.objects.create(
        request=history[1], token_hash="b" * 64, sent_at=dt.datetime(2026, 3, 8, tzinfo=UTC)
    )
    SurveyResponse.objects.create(
        request=history[0], answers={"satisfaction": 5, "effectiveness": 5, "confidence": 4}
    )
    snapshot.refresh()
    engine = Engine(snapshot.analytics_dir())
    engine.sync()
    figures = report.surveys(engine, Slice(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31)))
    assert figures["invited"] == 2 and figures["responses"] == 1
    assert figures["index"] == pytest.approx(100 * (14 / 3 - 1) / 4)
    for path in snapshot.analytics_dir().glob("*.parquet"):
        assert b"requester" not in path.read_bytes()


def test_survey_figures_are_summed_from_each_answer(city, history, client):
    """The engine splits each response into its answers and sums them per driver: the
    figures are those worked out by hand for the same four invitations in test_kpis (and
    what is not a score of 1-5, or a tick of 0 or 1, is left out)."""
    answered = [
        ("a11-2019", {"satisfaction": 5, "effectiveness": 4, "confidence": 3, "ease": 2}),
        ("a11-2019", {"satisfaction": 3, "effectiveness": 1, "confidence": 2, "ease": 9}),
        None,
        ("a11-2023", {"humanity": 1, "efficiency": 0, "note": "quick", "other": 2}),
    ]
    for number, (request, answer) in enumerate(zip(history, answered, strict=False)):
        SurveyInvitation.objects.create(
            request=request,
            token_hash=f"{number}" * 64,
            sent_at=dt.datetime(2026, 3, 8, tzinfo=UTC),
        )
        if answer is not None:
            SurveyResponse.objects.create(request=request, form=answer[0], answers=answer[1])
    snapshot.refresh()
    engine = Engine(snapshot.analytics_dir())
    engine.sync()
    march = Slice(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))
    figures = report.surveys(engine, march)
    assert {k: figures[k] for k in ("invited", "responses", "response_rate_pct", "index")} == {
        "invited": 4, "responses": 3, "response_rate_pct": 75.0, "index": 50.0
    }  # fmt: skip
    rows = [
        (d["driver"], d["responses"], d["mean_score"], d["agree_pct"]) for d in figures["drivers"]
    ]
    assert rows == [
        ("confidence", 2, 2.5, 0.0),
        ("ease", 1, 2.0, 0.0),
        ("effectiveness", 2, 2.5, 50.0),
        ("satisfaction", 2, 4.0, 50.0),
        ("efficiency", 1, None, 0.0),
        ("humanity", 1, None, 100.0),
    ]  # fmt: skip
    assert report.surveys(engine, march.narrowed(district="nowhere"))["invited"] == 0
    # the drivers are named in the reader's language (their codes were shown as they were)
    client.force_login(city.sam)
    period = {"from": "2026-03-01", "to": "2026-03-31"}
    api = client.get("/console/performance/api/surveys.json", period, HTTP_ACCEPT_LANGUAGE="es")
    named = {row["driver"]: row["name"] for row in api.json()["data"]["drivers"]}
    assert (named["confidence"], named["humanity"]) == ("Confianza", "Respeto")
    page = client.get("/console/performance/", period).content.decode()
    assert '<th scope="row">Confidence and trust</th>' in page
    # a snapshot written before the refresh summed the answers: the engine sums them
    for path in snapshot.analytics_dir().glob("survey_[ac]*.parquet"):
        path.unlink()
    older = Engine(snapshot.analytics_dir())
    older.sync()
    assert report.surveys(older, march) == figures


def survey_figures(engine):
    """Survey figures city-wide and for each department, in 2026."""
    year = Slice(start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))
    return {
        department: report.surveys(engine, year.narrowed(department=department))
        for department in (None, "streets", "sanitation")
    }


def test_a_refresh_reads_only_the_surveys_that_may_have_changed(
    city, history, settings, tmp_path, monkeypatch
):
    """Invitations sent or answered since the last refresh (or a little before it), and those
    of requests the case log touched, make a survey segment whose rows replace the earlier
    ones: the same figures as reading every invitation again."""
    agent = Actor.for_user(city.ana)
    for number, request in enumerate(history[:2]):
        SurveyInvitation.objects.create(
            request=request,
            token_hash=f"{number}" * 64,
            sent_at=dt.datetime(2026, 3, 8, tzinfo=UTC),
        )
    SurveyResponse.objects.create(
        request=history[0],
        answers={"satisfaction": 5, "effectiveness": 4, "confidence": 4},
        submitted_at=dt.datetime(2026, 3, 9, tzinfo=UTC),
    )
    at = lambda hour, minute=0: time_machine.travel(  # noqa: E731
        dt.datetime(2026, 4, 1, hour, minute, tzinfo=UTC), tick=False
    )
    with at(10):
        snapshot.refresh()
    engine = Engine(snapshot.analytics_dir())
    engine.sync()
    first = snapshot.read_manifest().surveys
    with at(12):
        SurveyResponse.objects.create(request=history[1], answers={"satisfaction": 2})
        services.close(agent, history[2], "resolved", public_text="Done")
        SurveyInvitation.objects.create(
            request=history[2], token_hash="2" * 64, sent_at=dt.datetime.now(UTC)
        )
        sam = Actor.for_user(city.sam)
        moved = services.reopen(sam, ServiceRequest.objects.get(pk=history[0].pk), reason="No")
        services.transfer(sam, moved, city.sanitation, reason="Their bins")
    with at(12, 5):
        snapshot.refresh()
    manifest = snapshot.read_manifest()
    assert manifest.surveys[:-1] == first
    written = pq.read_table(
        snapshot.analytics_dir() / f"surveys-{manifest.surveys[-1]:06d}.parquet"
    )
    assert sorted(set(written["id"].to_pylist())) == sorted(r.pk for r in history[:3])
    engine.sync()  # the segment replaces the rows of the invitations it names
    kept = survey_figures(engine)
    assert kept[None]["invited"] == 3 and kept[None]["responses"] == 2
    assert kept["sanitation"]["responses"] == 1  # the transferred request's answer moved

    # answered at 12:03 but committed after the 12:05 refresh had read: read by the next one
    with at(12, 3):
        late = SurveyResponse.objects.create(request=history[2], answers={"satisfaction": 4})
    with at(12, 10):
        snapshot.refresh()
    assert len(snapshot.read_manifest().surveys) == len(manifest.surveys) + 1
    with at(12, 30):
        snapshot.refresh()  # reads again what was sent or answered from 12:00 on
    with at(12, 50):
        snapshot.refresh()  # nothing from 12:20 on: no survey segment
    assert len(snapshot.read_manifest().surveys) == len(manifest.surveys) + 2
    engine.sync()
    kept = survey_figures(engine)
    assert kept[None]["responses"] == 3

    settings.COMMONWEAL_ANALYTICS_DIR = tmp_path / "rebuilt"
    snapshot.refresh(full=True)
    rebuilt = Engine(tmp_path / "rebuilt")
    rebuilt.sync()
    assert survey_figures(rebuilt) == kept

    # when segments pile up, the next refresh reads every invitation again: a response
    # deleted meanwhile leaves the snapshot then
    settings.COMMONWEAL_ANALYTICS_DIR = tmp_path / "rebuilt"
    late.delete()
    monkeypatch.setattr(snapshot, "COMPACT_AFTER", 1)
    with at(13):
        snapshot.refresh()
    assert len(snapshot.read_manifest().surveys) == 1
    rebuilt.sync()
    assert survey_figures(rebuilt)[None]["responses"] == 2
    assert len(list((tmp_path / "rebuilt").glob("survey*.parquet"))) == 3


def test_a_slice_is_worked_out_once_per_refresh_and_language(city, history, monkeypatch):
    """The dashboard's figures of a loaded snapshot never change: a slice asked for again
    is not worked out again until the next refresh, which brings what changed."""
    snapshot.refresh()
    engine = current_engine()
    asked = []
    plain = engine.query

    def query(*args, **kwargs):
        asked.append(args[0])
        return plain(*args, **kwargs)

    monkeypatch.setattr(engine, "query", query)
    march = Slice(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))
    first = report.dashboard(engine, march)
    worked_out = len(asked)
    assert worked_out > 0
    assert report.dashboard(engine, march) == first and len(asked) == worked_out
    report.dashboard(engine, march.narrowed(district="W"))  # another slice
    assert len(asked) > worked_out
    asked.clear()
    with translation.override("es"):  # the control charts' reasons are written in Spanish
        report.dashboard(engine, march)
    assert asked
    with time_machine.travel(dt.datetime(2026, 3, 20, 10, tzinfo=UTC), tick=False):
        services.close(Actor.for_user(city.ana), history[2], "resolved", public_text="Done at last")
    snapshot.refresh()
    engine.sync()
    again = report.dashboard(engine, march)
    assert again["summary"][0]["closed"] == first["summary"][0]["closed"] + 1


def test_the_kpis_command(city, history, capsys):
    with pytest.raises(CommandError, match="no snapshot"):
        call_command("kpis")
    call_command("refresh_snapshot")
    assert "Rebuilt the snapshot" in capsys.readouterr().out
    call_command(
        "kpis", "--by", "service", "--from", "2026-03-01", "--to", "2026-03-31", "--format", "json"
    )
    rows = json.loads(capsys.readouterr().out)
    assert [(r["service"], r["name"], r["requests"], r["closed"]) for r in rows] == [
        ("pothole", city.pothole.service_name, 5, 2)
    ]
    call_command("kpis", "--format", "csv", "--kpi", "pareto")
    header, first = capsys.readouterr().out.splitlines()[:2]
    assert header.startswith("service,name,requests,share_pct")
    assert first.startswith(f"pothole,{city.pothole.service_name},5,")
    call_command("kpis", "--by", "department")  # the table: the name beside the code
    header, first = capsys.readouterr().out.splitlines()[:2]
    assert header.split()[:3] == ["department", "name", "requests"]
    assert first.split()[:2] == ["streets", city.streets.name.split()[0]]
    with pytest.raises(CommandError, match="not a date"):
        call_command("kpis", "--from", "March")
    with pytest.raises(CommandError, match="after"):
        call_command("kpis", "--from", "2026-03-02", "--to", "2026-03-01")
    with pytest.raises(CommandError, match="between the years"):
        call_command("kpis", "--to", "9999-12-31")


def test_the_api_needs_staff_and_answers_every_kpi(city, history, client):
    url = "/console/performance/api/summary.json"
    assert client.get(url).status_code == 302  # to sign in
    client.force_login(city.carla)  # an elected official: performance figures are theirs too
    assert client.get(url).status_code == 503
    snapshot.refresh()
    answer = client.get(url, {"from": "2026-03-01", "to": "2026-03-31", "by": "department"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["data"] == [
        {**body["data"][0], "department": "streets", "name": city.streets.name, "requests": 5}
    ]
    pareto = client.get("/console/performance/api/pareto.json", {"to": "2026-03-31"}).json()
    assert [(r["service"], r["name"]) for r in pareto["data"]] == [
        ("pothole", city.pothole.service_name)
    ]
    assert body["snapshot"]["generation"] == 1
    for kpi in report.KPIS:
        assert client.get(f"/console/performance/api/{kpi}.json").status_code == 200
    bad = client.get(url, {"from": "yesterday", "by": "colour"})
    assert bad.status_code == 400
    assert {e["field"] for e in bad.json()["errors"]} == {"from", "by"}
    backwards = client.get(url, {"from": "2026-03-02", "to": "2026-03-01"})
    assert backwards.status_code == 400
    for far in ({"to": "9999-12-31"}, {"from": "0001-01-01"}):  # weeks around it overflowed
        answer = client.get(url, far)
        assert answer.status_code == 400
        assert [e["field"] for e in answer.json()["errors"]] == list(far)
    assert client.get("/console/performance/api/nothing.json").status_code == 404


def test_the_dashboard_shows_tiles_charts_and_their_text(city, history, client):
    client.force_login(city.sam)
    assert b"no analytics snapshot" in client.get("/console/performance/").content
    snapshot.refresh()
    page = client.get("/console/performance/", {"from": "2026-03-01", "to": "2026-03-31"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-kpi="requests">5<' in html
    assert html.count("<svg") >= 3  # control charts, Pareto, the district map
    assert 'data-chart="volume"' in html and "The figures as a table" in html
    assert 'data-table="equity"' in html and 'data-table="pareto"' in html
    assert client.get("/console/performance/", {"from": "x"}).status_code == 400
    assert client.get("/console/performance/", {"to": "9999-12-31"}).status_code == 400


def test_control_charts_leave_out_weeks_cut_short_or_not_over(city, client):
    """One request a week, made on Wednesdays, and one more on the day of the refresh: a
    period from a Tuesday charts neither its first week (cut short) nor the week of the
    refresh (not over), on the API and on the dashboard, in both languages."""
    for day in (4, 11, 18, 25):
        with time_machine.travel(dt.datetime(2026, 3, day, 15, tzinfo=UTC), tick=False):
            services.submit(
                city.resident, service=city.pothole, channel="web", description=f"Hole {day}",
                attributes={"lane": "left"}, lat=40.05, long=-75.05,
            )  # fmt: skip
    with time_machine.travel(dt.datetime(2026, 3, 25, 18, tzinfo=UTC), tick=False):
        snapshot.refresh()
    client.force_login(city.sam)
    period = {"from": "2026-03-03", "to": "2026-03-31"}
    answer = client.get("/console/performance/api/control-charts.json", period).json()
    assert answer["data"]["volume"]["weeks"] == ["2026-03-09", "2026-03-16"]
    assert answer["data"]["volume"]["signals"] == []
    page = client.get("/console/performance/", period).content.decode()
    assert "from Monday, March 9, 2026 to Sunday, March 22, 2026" in page
    with translation.override("es"):
        page = client.get("/console/performance/", period, HTTP_ACCEPT_LANGUAGE="es")
    assert "del lunes 9 de marzo de 2026 al domingo 22 de marzo de 2026" in page.content.decode()
    short = client.get("/console/performance/", {"from": "2026-03-03", "to": "2026-03-12"})
    assert "data-charted-weeks" not in short.content.decode()  # not one whole week


def test_the_refresh_day_is_the_citys_calendar_day(city):
    """At 22:30 on a Sunday in New York it is Monday in UTC: the snapshot's day is Sunday, so
    that week is not over and not charted, and Sunday's standards are not judged yet."""
    for day in (4, 11, 18):
        with time_machine.travel(dt.datetime(2026, 3, day, 15, tzinfo=UTC), tick=False):
            services.submit(
                city.resident, service=city.pothole, channel="web", description=f"Hole {day}",
                attributes={"lane": "left"}, lat=40.05, long=-75.05,
            )  # fmt: skip
    with time_machine.travel(dt.datetime(2026, 3, 23, 2, 30, tzinfo=UTC), tick=False):
        snapshot.refresh()
    engine = Engine(snapshot.analytics_dir())
    engine.sync()
    assert engine.as_of == dt.date(2026, 3, 22)
    charted = report.charts(engine, Slice(start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 31)))
    assert charted["volume"]["weeks"] == ["2026-03-02", "2026-03-09"]


def test_the_dashboard_groups_digits_and_lists_districts_by_name(city, history, client):
    """Figures of thousands are grouped as the reader's language writes them; the reporting
    table lists the districts by name (it came in no order), and only those of the kind
    requests are placed in (a neighbourhood is another map over the same streets, and may
    even share a district's code)."""
    DistrictFactory(
        jurisdiction=city.jurisdiction, code="W", name="Westside", kind=DistrictKind.NEIGHBOURHOOD
    )
    with time_machine.travel(dt.datetime(2026, 3, 9, 15, tzinfo=UTC), tick=False):
        services.submit(
            city.resident, service=city.collection, channel="phone", description="Bins",
            lat=40.05, long=-74.95,
        )  # fmt: skip
    city.streets.translations = {"es": {"name": "Calles"}}
    city.streets.save()
    snapshot.refresh()
    client.force_login(city.sam)
    march = {"from": "2026-03-01", "to": "2026-03-31"}
    english = client.get("/console/performance/", march).content.decode()
    table = english.split('data-table="reporting"')[1].split("</table>")[0]
    rows = re.findall(r'<th scope="row">([^<]*)</th><td>(\d+)</td><td>([^<]*)</td>', table)
    assert rows == [("District E", "1", "50,000"), ("District W", "5", "50,000")]
    assert "60,000" in table
    assert "Westside" not in english and "District N1" not in english  # nor in the filters
    assert '<th scope="row">District W</th>' in english.split('data-table="equity"')[1]
    spanish = client.get("/console/performance/", march, HTTP_ACCEPT_LANGUAGE="es")
    html = spanish.content.decode()
    assert "<td>50\xa0000</td>" in html  # Spanish groups with a space
    departments = html.split('data-table="departments"')[1].split("</table>")[0]
    assert re.findall(r'<th scope="row">([^<]*)</th>', departments) == ["Calles", "Sanitation"]
    assert ">Reabiertas<" in html  # a share of requests (an event is "Reabierto")


def test_a_page_shown_again_reuses_its_drawn_charts(city, history, client, monkeypatch):
    """Drawing is most of a dashboard page's time: the same slice of the same snapshot draws
    nothing again; another language or new figures draw afresh. Every chart drawn here is
    also validated against Vega-Lite's schema (the server does not, to save the time)."""
    caches["charts"].clear()
    drawn = []
    draw = charts.vl_convert.vegalite_to_svg
    monkeypatch.setattr(
        charts.vl_convert,
        "vegalite_to_svg",
        lambda spec, **options: drawn.append(spec) or draw(spec, **options),
    )
    monkeypatch.setattr(charts, "VALIDATE", True)  # each chart against Vega-Lite's schema
    client.force_login(city.sam)
    snapshot.refresh()
    march = {"from": "2026-03-01", "to": "2026-03-31"}
    first = client.get("/console/performance/", march).content.decode()
    assert len(drawn) == first.count("<svg") >= 3  # control charts, Pareto, the district map
    again = client.get("/console/performance/", march).content.decode()
    assert len(drawn) == first.count("<svg")  # nothing drawn again
    assert again.split("<svg")[1:] == first.split("<svg")[1:]
    count = len(drawn)
    client.get("/console/performance/", march, HTTP_ACCEPT_LANGUAGE="es")
    assert len(drawn) == 2 * count  # Spanish axes and titles
    with time_machine.travel(dt.datetime(2026, 3, 20, 10, tzinfo=UTC), tick=False):
        services.submit(
            city.resident, service=city.pothole, channel="web", description="One more",
            attributes={"lane": "left"}, lat=40.05, long=-75.06,
        )  # fmt: skip
    snapshot.refresh()
    client.get("/console/performance/", march)
    assert len(drawn) > 2 * count  # the new request's figures


def test_the_dashboard_names_what_it_counts_in_the_readers_language(city, history, client):
    city.pothole.translations = {"es": {"service_name": "Bache"}}
    city.pothole.save()
    client.force_login(city.sam)
    snapshot.refresh()
    period = {"from": "2026-03-01", "to": "2026-03-31"}
    html = client.get("/console/performance/", period).content.decode()
    tables = {
        name: html.split(f'data-table="{name}"')[1].split("</table>")[0]
        for name in ("departments", "pareto", "equity")
    }
    assert '<th scope="row">Streets</th>' in tables["departments"]
    assert '<th scope="row">Pothole</th>' in tables["pareto"]
    assert '<th scope="row">District W</th>' in tables["equity"]
    assert '<option value="pothole">Pothole</option>' in html
    assert '<option value="W">District W</option>' in html
    assert "(UTC)" not in html and "Figures from the analytics snapshot of" in html
    spanish = client.get("/console/performance/", period, HTTP_ACCEPT_LANGUAGE="es")
    page = spanish.content.decode()
    assert '<th scope="row">Bache</th>' in page.split('data-table="pareto"')[1]
    assert '<option value="pothole">Bache</option>' in page
    assert ">Semana</text>" in page  # the charts' axes speak Spanish too


def test_each_dashboard_table_downloads_as_csv_for_a_spreadsheet(city, history, client):
    city.streets.name = '=HYPERLINK("https://evil.example")'  # typed into the catalogue
    city.streets.save()
    client.force_login(city.sam)
    snapshot.refresh()
    html = client.get("/console/performance/", {"from": "2026-03-01", "to": "2026-03-31"})
    links = dict(re.findall(r'href="([^"]+)" download data-csv="([^"]+)"', html.content.decode()))
    by_table = {table: unescape(url) for url, table in links.items()}
    # (the surveys' table, and its link, come with the first answers)
    assert set(by_table) == {"departments", "control", "pareto", "equity", "reporting"}
    assert by_table["departments"] == (
        "/console/performance/api/summary.csv?from=2026-03-01&to=2026-03-31&by=department"
    )
    answer = client.get(by_table["departments"])
    assert answer["Content-Type"] == "text/csv; charset=utf-8"
    assert answer["Content-Disposition"] == (
        'attachment; filename="commonweal-summary-2026-03-01-2026-03-31.csv"'
    )
    text = answer.content.decode("utf-8")
    assert text.startswith("\ufeff")  # spreadsheets then read the accents as UTF-8
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert list(rows[0])[:3] == ["department", "name", "requests"]
    assert rows == [{**rows[0], "department": "streets", "requests": "5"}]
    assert rows[0]["name"] == '\'=HYPERLINK("https://evil.example")'  # text, not a formula
    for table, url in by_table.items():
        assert client.get(url).status_code == 200, table
    assert client.get("/console/performance/api/summary.xlsx").status_code == 404


@pytest.fixture
def held_load(monkeypatch):
    """Loading the rollups takes until the test sets the returned event (as a load of ten
    million requests takes seconds); a request waits 50 ms for a first load."""
    release = threading.Event()
    real_sync = Engine.sync

    def slow_sync(self, **options):
        assert release.wait(30)
        return real_sync(self, **options)

    monkeypatch.setattr(Engine, "sync", slow_sync)
    monkeypatch.setattr(engine_module, "FIRST_LOAD_WAIT", 0.05)
    return release


def loaded_engine() -> Engine:
    for _ in range(200):
        engine = engine_module.ready_engine()
        if engine is not None:
            return engine
        time.sleep(0.05)
    raise AssertionError("the rollups never loaded")


def test_a_request_does_not_wait_for_its_process_to_load_the_rollups(
    city, history, client, held_load
):
    snapshot.refresh()
    client.force_login(city.carla)
    page = client.get("/console/performance/", {"from": "2026-03-01", "to": "2026-03-31"})
    assert (page.status_code, page["Retry-After"]) == (503, "5")
    assert b'data-state="loading"' in page.content
    assert b'href="/console/performance/?from=2026-03-01&amp;to=2026-03-31"' in page.content
    api = client.get("/console/performance/api/summary.json")
    assert (api.status_code, api["Retry-After"]) == (503, "5")
    assert "loading" in api.json()["errors"][0]["message"]
    spanish = client.get("/console/performance/", HTTP_ACCEPT_LANGUAGE="es")
    assert "está cargando las cifras" in spanish.content.decode()

    held_load.set()  # the load ends; the process answers from then on
    loaded_engine()
    page = client.get("/console/performance/", {"from": "2026-03-01", "to": "2026-03-31"})
    assert page.status_code == 200
    assert b'data-kpi="requests"' in page.content
    assert client.get("/console/performance/api/summary.json").json()["data"]


def test_a_first_load_that_fails_is_an_error_not_endless_loading(
    city, history, monkeypatch, caplog
):
    snapshot.refresh()

    def broken(self, **options):
        raise OSError("a rollup file cannot be read")

    monkeypatch.setattr(Engine, "sync", broken)
    with pytest.raises(OSError, match="cannot be read"):
        engine_module.ready_engine()
    assert "loading the analytics rollups of" in caplog.text  # the background load's failure


def test_a_server_process_starts_loading_the_rollups_as_it_starts(
    city, history, monkeypatch, settings
):
    assert engine_module.preload() is None  # no snapshot yet: nothing to load
    snapshot.refresh()
    settings.COMMONWEAL_ANALYTICS_PRELOAD = False  # the installation loads at first use
    assert engine_module.preload() is None
    settings.COMMONWEAL_ANALYTICS_PRELOAD = True
    loading = engine_module.preload()
    assert loading is not None and loading.wait(30)
    monkeypatch.setattr(engine_module, "FIRST_LOAD_WAIT", 0)
    engine = engine_module.ready_engine()  # loaded already: no wait
    assert engine is not None
    assert report.summary(engine, Slice())[0]["requests"] == 5


def test_the_first_snapshot_loads_in_the_background_too(city, history, held_load):
    held_load.set()
    before = loaded_engine()  # no snapshot yet: an engine that holds nothing
    assert before.manifest.empty
    assert engine_module.ready_engine() is before  # no load again while there is none
    held_load.clear()
    snapshot.refresh()  # the first snapshot, maybe of a whole imported history
    assert engine_module.ready_engine() is None
    held_load.set()
    assert report.summary(loaded_engine(), Slice())[0]["requests"] == 5


def test_the_processes_of_a_server_take_turns_to_load_the_rollups(city, history, monkeypatch):
    """Each server worker loads the rollups as it starts; they load one after another, so
    that a starting server keeps a core for its requests."""
    snapshot.refresh()
    monkeypatch.setattr(engine_module, "FIRST_LOAD_WAIT", 0.05)
    with snapshot.exclusive(snapshot.analytics_dir(), engine_module.LOAD_LOCK):
        # another worker is loading: this one waits its turn
        assert engine_module.ready_engine() is None
        time.sleep(0.5)
        assert engine_module.ready_engine() is None
    assert report.summary(loaded_engine(), Slice())[0]["requests"] == 5


def _steps(city):
    """What a history may do to a request (`case`; `choice` picks among the options), each
    by a member of staff of the request's department, as the console would."""

    def staff(case):
        return Actor.for_user(city.sam if case.department_id == city.streets.pk else city.hugo)

    def other(case):
        return city.sanitation if case.department_id == city.streets.pk else city.streets

    outcomes = ("resolved", "no_action_needed", "referred")
    priorities = ("low", "normal", "high", "urgent")
    return {
        "acknowledge": lambda case, choice, cases: services.acknowledge(staff(case), case),
        "close": lambda case, choice, cases: services.close(
            staff(case), case, outcomes[choice % 3], public_text="Done"
        ),
        "reopen": lambda case, choice, cases: services.reopen(staff(case), case, reason="Again"),
        "transfer": lambda case, choice, cases: services.transfer(
            staff(case), case, other(case), reason="Theirs"
        ),
        "priority": lambda case, choice, cases: services.change_priority(
            staff(case), case, priorities[choice % 4], reason="Reassessed"
        ),
        "extend": lambda case, choice, cases: services.extend_due(
            staff(case), case, 1 + choice % 5, reason="Parts"
        ),
        "duplicate": lambda case, choice, cases: services.mark_duplicate(
            staff(case), case, ServiceRequest.objects.get(pk=cases[choice % len(cases)])
        ),
    }


def _submit(city, choice, cases):
    made = services.submit(
        city.resident, service=(city.pothole, city.collection)[choice % 2],
        channel=("web", "phone")[choice % 3 % 2], description="Seen today",
        attributes={"lane": "left"} if choice % 2 == 0 else {},
        lat=40.05, long=(-75.05, -74.95)[choice % 5 % 2],
        requester=services.RequesterDetails(email=f"r{choice}@example.org"),
    )  # fmt: skip
    cases.append(made.pk)


def _answer_a_survey(choice):
    """Send the invitations owed, then answer one sent and not yet answered (the resident
    may say it is not fixed, which reopens the request)."""
    surveys.invite_closed_requests()
    sent = list(SurveyInvitation.objects.filter(sent_at__isnull=False, used_at=None).order_by("pk"))
    if sent:
        scores = {"satisfaction": 1 + choice % 5, "confidence": 1 + choice % 3}
        surveys.answer(sent[choice % len(sent)], scores, comment="", not_fixed=choice % 4 == 0)


STEPS = ["submit", "acknowledge", "close", "reopen", "transfer", "priority", "extend",
         "duplicate", "invite", "answer", "answer", "refresh"]  # fmt: skip
OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(STEPS),
        st.integers(0, 30),  # which request (modulo how many there are)
        st.integers(0, 30),  # a second choice: the service, the outcome, the parent…
        st.integers(1, 96),  # hours since the step before
    ),
    min_size=3,
    max_size=14,
)


def test_any_history_refreshed_bit_by_bit_equals_a_rebuild(city, settings, tmp_path, monkeypatch):
    """Hypothesis plays random histories — requests made, acknowledged, closed, reopened,
    moved to another department, given another priority or due date, merged as duplicates,
    surveys sent and answered — with incremental refreshes (and compactions) in between: the
    snapshot they leave answers every KPI exactly as a full rebuild from the same database
    does, and the case log they wrote is one unbroken chain."""
    monkeypatch.setattr(snapshot, "COMPACT_AFTER", 2)
    steps = _steps(city)
    clock = [dt.datetime(2026, 3, 2, 9, tzinfo=UTC)]
    examples = iter(range(1_000_000))

    def play(kind, which, choice, cases):
        if kind == "refresh":
            snapshot.refresh()
        elif kind == "invite":
            surveys.invite_closed_requests()
        elif kind == "answer":
            _answer_a_survey(choice)
        elif kind == "submit" or not cases:
            _submit(city, choice, cases)
        else:  # a step the request's state does not allow is refused: the history goes on
            with contextlib.suppress(CaseError, ValidationError):
                case = ServiceRequest.objects.get(pk=cases[which % len(cases)])
                steps[kind](case, choice, cases)

    @given(OPERATIONS)
    @settings_(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
    def history(operations):
        number = next(examples)
        settings.COMMONWEAL_ANALYTICS_DIR = tmp_path / f"bit-by-bit-{number}"
        with time_machine.travel(clock[0], tick=False):  # the clock only goes forward
            snapshot.refresh()  # whatever the database holds already, built in full
        cases: list[int] = []
        for kind, which, choice, hours in operations:
            clock[0] += dt.timedelta(hours=hours)
            with time_machine.travel(clock[0], tick=False):
                play(kind, which, choice, cases)
        with time_machine.travel(clock[0] + dt.timedelta(hours=1), tick=False):
            snapshot.refresh()
            kept = report_everything(tmp_path / f"bit-by-bit-{number}")
            settings.COMMONWEAL_ANALYTICS_DIR = tmp_path / f"rebuilt-{number}"
            snapshot.refresh(full=True)
            assert report_everything(tmp_path / f"rebuilt-{number}") == kept
        checked, broken = find_break(city.jurisdiction)  # and the case log's chain holds
        assert broken is None and checked == CaseEvent.objects.count()

    history()
