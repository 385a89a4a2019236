"""KPI functions on small hand-computed frames."""

import datetime as dt
import json
import math

import pandas as pd
import pytest

from commonweal.analytics import kpis
from commonweal.analytics.rollups import RATIO, bin_value


def test_nearest_rank_percentile_of_a_histogram():
    def at(q, bins, counts):
        frame = pd.DataFrame({"bin": bins, "n": counts})
        return kpis.time_percentiles(frame, quantiles=(q,)).iloc[0, 1]

    hours = lambda b: bin_value(b) / 3600  # noqa: E731
    assert at(0.5, [10, 20, 30], [1, 2, 1]) == pytest.approx(hours(20))  # rank 2 of 4
    assert at(0.9, [10, 20, 30], [1, 2, 1]) == pytest.approx(hours(30))  # rank ⌈3.6⌉ = 4
    assert at(0.0, [10, 20, 30], [1, 2, 1]) == pytest.approx(hours(10))
    assert at(0.9, list(range(10)), [1] * 10) == pytest.approx(hours(8))  # rank 9, not 10
    assert bin_value(20) == pytest.approx(RATIO**20.5)


def test_time_percentiles_per_group_ties_and_single_points():
    hist = pd.DataFrame(
        {"service": ["a", "a", "b"], "bin": [300, 300, 400], "n": [2, 1, 1]}
    )  # a: three ties in one bin; b: a single point
    frame = kpis.time_percentiles(
        hist.groupby(["service", "bin"], as_index=False)["n"].sum(), "service"
    )
    assert frame["service"].tolist() == ["a", "b"]
    assert frame["count"].tolist() == [3, 1]
    assert frame["median_hours"].tolist() == pytest.approx(
        [bin_value(300) / 3600, bin_value(400) / 3600]
    )
    assert frame["p90_hours"].tolist() == frame["median_hours"].tolist()
    empty = kpis.time_percentiles(pd.DataFrame({"bin": [], "n": []}))
    assert empty.loc[0, "count"] == 0 and empty.loc[0, "median_hours"] is None


def test_requests_without_a_district_are_a_group_of_their_own():
    hist = pd.DataFrame({"district": ["3", None, "3"], "bin": [10, 20, 30], "n": [1, 2, 1]})
    frame = kpis.time_percentiles(hist, "district")
    assert frame["count"].tolist() == [2, 2]
    assert frame["district"].iloc[0] == "3" and pd.isna(frame["district"].iloc[1])
    assert frame["p90_hours"].tolist() == pytest.approx(
        [bin_value(30) / 3600, bin_value(20) / 3600]
    )


def test_rates_with_nothing_to_divide_by_are_missing_not_zero():
    counts = pd.DataFrame(
        {
            "district": ["W", "E"],
            "created": [10, 0], "duplicates": [1, 0], "first_contact": [2, 0], "closed": [4, 0],
            "resolved": [3, 0], "reopened": [1, 0], "due": [5, 0], "met": [4, 0],
        }
    )  # fmt: skip
    out = kpis.rates(counts)
    assert out.loc[
        0, ["standards_met_pct", "first_contact_pct", "reopen_pct", "duplicate_pct"]
    ].tolist() == [80.0, 20.0, 25.0, 10.0]
    assert out.loc[1, ["standards_met_pct", "reopen_pct"]].isna().all()


def test_type_adjusted_equity_disagrees_with_the_naive_comparison():
    # Service a is easy (the city meets 90 %), b is hard (50 %). X asks mostly for a, Y for b;
    # each does exactly as well as the city for each service.
    frame = pd.DataFrame(
        {
            "district": ["X", "X", "Y", "Y"],
            "service": ["a", "b", "a", "b"],
            "due": [80, 20, 20, 80],
            "met": [72, 10, 18, 40],
        }
    )
    out = kpis.equity_gap(frame).set_index("district")
    assert out.loc["X", "observed_pct"] == pytest.approx(82.0)
    assert out.loc["Y", "observed_pct"] == pytest.approx(58.0)
    # the naive comparison against the city's 70 % says X is far better and Y far worse …
    assert out.loc["X", "naive_gap_pts"] == pytest.approx(12.0)
    assert out.loc["Y", "naive_gap_pts"] == pytest.approx(-12.0)
    # … within the same services there is no gap at all
    assert out.loc["X", "expected_pct"] == pytest.approx(82.0)
    assert out.loc["X", "gap_pts"] == pytest.approx(0.0)
    assert out.loc["Y", "gap_pts"] == pytest.approx(0.0)
    half = 100 * kpis.Z95 * math.sqrt(80 * 0.9 * 0.1 + 20 * 0.5 * 0.5) / 100
    assert out.loc["X", "high_pts"] == pytest.approx(half)
    assert out.loc["X", "low_pts"] == pytest.approx(-half)
    assert out.loc["X", "verdict"].startswith("no clear difference")


def test_equity_verdicts_and_an_empty_frame():
    assert kpis.equity_verdict(0.5, 3.0).startswith("better")
    assert kpis.equity_verdict(-3.0, -0.1).startswith("worse")
    assert kpis.equity_verdict(-1.0, 1.0).startswith("no clear")
    empty = pd.DataFrame({"district": [], "service": [], "due": [], "met": []})
    assert kpis.equity_gap(empty).empty


def test_a_district_that_lags_within_its_services_is_called_worse():
    frame = pd.DataFrame(
        {
            "district": ["X"] * 2 + ["Y"] * 2,
            "service": ["a", "b"] * 2,
            "due": [400, 400, 400, 400],
            "met": [380, 380, 240, 240],
        }
    )
    out = kpis.equity_gap(frame).set_index("district")
    # the city meets (380 + 240) / 800 = 77.5 % of each service; Y meets 60 %
    assert out.loc["Y", "gap_pts"] == pytest.approx(-17.5)
    assert out.loc["X", "gap_pts"] == pytest.approx(17.5)
    assert out.loc["Y", "verdict"].startswith("worse")
    assert out.loc["X", "verdict"].startswith("better")


def test_requests_per_thousand_and_correlation_with_income():
    created = pd.DataFrame({"district": ["1", "2", "3"], "requests": [50, 60, 40]})
    districts = pd.DataFrame(
        {
            "district": ["1", "2", "3", "4"],
            "population": [1000.0, 2000.0, 4000.0, None],
            "income": [30000.0, 60000.0, 90000.0, 50000.0],
        }
    )
    frame, correlation = kpis.per_thousand(created, districts)
    assert frame.set_index("district")["per_1000"].loc[["1", "2", "3"]].tolist() == [
        50.0,
        30.0,
        10.0,
    ]
    assert math.isnan(frame.set_index("district").loc["4", "per_1000"])
    assert frame.set_index("district").loc["4", "requests"] == 0
    assert correlation == pytest.approx(-1.0)
    _, too_few = kpis.per_thousand(created.head(2), districts.head(2))
    assert too_few is None


def test_pareto_marks_the_vital_few():
    volume = pd.DataFrame(
        {"service": ["d", "b", "a", "c", "e", "z"], "requests": [5, 30, 50, 15, 0, 5]}
    )
    out = kpis.pareto(volume)
    assert out["service"].tolist() == ["a", "b", "c", "d", "z"]  # ties by name, zeros dropped
    assert out["cumulative_pct"].round(4).tolist() == pytest.approx(
        [47.619, 76.1905, 90.4762, 95.2381, 100.0]
    )
    assert out["vital_few"].tolist() == [True, True, True, False, False]
    assert kpis.pareto(pd.DataFrame({"service": [], "requests": []})).empty


def test_survey_scores_response_rate_and_index():
    """Four invitations: two answered on the scored form ({satisfaction 5, effectiveness 4,
    confidence 3, ease 2} and {3, 1, 2}), one on the 2023 form (humanity ticked, efficiency
    offered), one not answered: the sums `Engine.survey_sums` gives for them."""
    drivers = pd.DataFrame(
        {
            "scored": [True, True, True, True, False, False],
            "driver": ["satisfaction", "effectiveness", "confidence", "ease",
                       "humanity", "efficiency"],
            "responses": [2, 2, 2, 1, 1, 1],
            "total": [8.0, 5.0, 5.0, 2.0, 1.0, 0.0],
            "agree": [1, 1, 0, 0, 0, 0],
        }
    )  # fmt: skip
    # the index: (4 - 1) / 4 x 100 = 75 for the first response, (2 - 1) / 4 x 100 = 25
    totals = pd.DataFrame(
        {"invited": [4], "responses": [3], "index_responses": [2], "index_total": [100.0]}
    )
    table, summary = kpis.survey_scores(drivers, totals)
    assert summary == {"invited": 4, "responses": 3, "response_rate_pct": 75.0, "index": 50.0}
    assert table["driver"].tolist() == [
        "confidence", "ease", "effectiveness", "satisfaction", "efficiency", "humanity"
    ]  # fmt: skip
    table = table.set_index("driver")
    assert table.loc["satisfaction", "mean_score"] == 4.0
    assert table.loc["satisfaction", "agree_pct"] == 50.0
    assert table.loc["ease", "responses"] == 1 and table.loc["ease", "agree_pct"] == 0.0
    assert (
        table.loc["humanity", "agree_pct"] == 100.0 and table.loc["efficiency", "agree_pct"] == 0.0
    )
    assert pd.isna(table.loc["humanity", "mean_score"])
    empty = pd.DataFrame(columns=["scored", "driver", "responses", "total", "agree"])
    nothing_sent = pd.DataFrame(
        {"invited": [0], "responses": [0], "index_responses": [0], "index_total": [0.0]}
    )
    none, nothing = kpis.survey_scores(empty.astype({"scored": bool}), nothing_sent)
    assert none.empty and nothing["response_rate_pct"] is None and nothing["index"] is None


def test_backlog_age_in_days():
    open_by_day = pd.DataFrame(
        {"day": [dt.date(2026, 11, 1), dt.date(2026, 11, 20)], "open": [2, 1]}
    )
    assert kpis.backlog_age(open_by_day, dt.date(2026, 11, 28)) == {
        "open": 3,
        "median_age_days": 27,
        "oldest_age_days": 27,
    }
    assert kpis.backlog_age(open_by_day.head(0), dt.date(2026, 11, 28))["open"] == 0


def test_control_charts_need_two_weeks_and_skip_weeks_with_nothing_due():
    weeks = [dt.date(2026, 1, 5), dt.date(2026, 1, 12), dt.date(2026, 1, 19)]
    weekly = pd.DataFrame(
        {"week": weeks, "created": [10, 12, 50], "due": [0, 10, 10], "met": [0, 9, 5]}
    )
    hist = pd.DataFrame(
        {"week": [weeks[0], weeks[1], weeks[2]], "bin": [500, 510, 520], "n": [1, 1, 1]}
    )
    charts = kpis.control_charts_for(weekly, hist)
    weeks_p, p = charts["standards_missed"]
    assert weeks_p == weeks[1:] and p.values == pytest.approx([0.1, 0.5])
    _, c = charts["volume"]
    assert c.center == pytest.approx(24.0)
    _, x = charts["median_time_to_close"]
    assert x.values == pytest.approx([bin_value(b) / 3600 for b in (500, 510, 520)])
    assert kpis.control_charts_for(weekly.head(1), hist.head(1)) == {}
    # weeks as the engine hands them over (datetime64) come back as times, in order
    as_read = hist.assign(week=pd.to_datetime(hist["week"]))
    weeks_x, _ = kpis.control_charts_for(weekly, as_read)["median_time_to_close"]
    assert [week.date() for week in weeks_x] == weeks


def test_whole_weeks_run_from_the_first_monday_to_the_last_sunday_inside_the_days():
    tuesday, sunday, monday = dt.date(2026, 1, 6), dt.date(2026, 2, 1), dt.date(2026, 1, 5)
    assert kpis.whole_weeks_between(tuesday, sunday) == (dt.date(2026, 1, 12), sunday)
    assert kpis.whole_weeks_between(monday, dt.date(2026, 1, 31)) == (monday, dt.date(2026, 1, 25))
    assert kpis.whole_weeks_between(None, None) == (None, None)


def test_control_charts_count_whole_weeks_only():
    """A week cut short by the period's ends, or not over yet, holds fewer days: charted, it
    was flagged beyond the limits for that alone and drew the centre line towards it."""
    weeks = [dt.date(2026, 1, 5), dt.date(2026, 1, 12), dt.date(2026, 1, 19), dt.date(2026, 1, 26)]
    weekly = pd.DataFrame(
        {"week": weeks, "created": [3, 40, 44, 6], "due": [2, 10, 10, 1], "met": [2, 9, 5, 0]}
    )
    hist = pd.DataFrame({"week": weeks, "bin": [500, 510, 520, 530], "n": [1, 1, 1, 1]})
    cut = kpis.control_charts_for(weekly, hist, dt.date(2026, 1, 6), dt.date(2026, 1, 31))
    for name in ("volume", "standards_missed", "median_time_to_close"):
        assert cut[name][0] == weeks[1:3]
    assert cut["volume"][1].center == pytest.approx(42.0)
    assert cut["volume"][1].signals == []
    every = kpis.control_charts_for(weekly, hist, dt.date(2026, 1, 5), dt.date(2026, 2, 1))
    assert every["volume"][0] == weeks
    as_read = hist.assign(week=pd.to_datetime(hist["week"]))  # the engine's datetime64
    kept = kpis.whole_weeks(as_read, dt.date(2026, 1, 6), None)
    assert [week.date() for week in kept["week"]] == weeks[1:]
    assert kpis.whole_weeks(weekly.head(0), dt.date(2026, 1, 6), None).empty


def test_records_hand_over_plain_values():
    import numpy as np

    from commonweal.analytics.report import records

    frame = pd.DataFrame(
        {
            "district": pd.Series(["W", None, "E"], dtype="str"),
            "requests": np.array([3, 0, 7], dtype="uint16"),
            "share": [12.5, float("nan"), 0.0],
            "week": pd.to_datetime(["2026-03-02", "2026-03-09", None]),
            "day": [dt.date(2026, 3, 2), None, dt.date(2026, 3, 4)],
            "flag": [True, False, True],
        }
    )
    rows = records(frame)
    assert rows == [
        {"district": "W", "requests": 3, "share": 12.5, "week": "2026-03-02",
         "day": "2026-03-02", "flag": True},
        {"district": None, "requests": 0, "share": None, "week": "2026-03-09", "day": None,
         "flag": False},
        {"district": "E", "requests": 7, "share": 0.0, "week": None, "day": "2026-03-04",
         "flag": True},
    ]  # fmt: skip
    assert [type(row["requests"]) for row in rows] == [int, int, int]
    assert json.dumps(rows)  # nothing JSON cannot hold
    assert records(frame.iloc[:0]) == []
    assert records(pd.DataFrame(index=range(2))) == [{}, {}]
