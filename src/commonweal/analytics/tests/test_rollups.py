"""What requests contribute to the rollups: local days, the counts, histograms within 1 %."""

import datetime as dt

import duckdb
import pyarrow as pa
import pytest

from commonweal.analytics import kpis, rollups

UTC = dt.UTC
NO_CELLS = rollups.CELLS_SCHEMA.empty_table()
NY = "America/New_York"


def raw(rows):
    """An extract as PostgreSQL hands it over (typed times)."""
    columns = {
        "id": pa.int64(), "jurisdiction": pa.string(), "time_zone": pa.string(),
        "department": pa.string(), "service": pa.string(), "district": pa.string(),
        "channel": pa.string(), "priority": pa.string(), "status": pa.string(),
        "outcome": pa.string(), "requested_at": pa.timestamp("us", tz="UTC"),
        "acknowledged_at": pa.timestamp("us", tz="UTC"), "closed_at": pa.timestamp("us", tz="UTC"),
        "resolve_due": pa.timestamp("us", tz="UTC"), "duplicate": pa.int32(),
        "reopened": pa.int64(),
    }  # fmt: skip
    base = {
        "jurisdiction": "t", "time_zone": NY, "department": "streets", "service": "pothole",
        "district": "W", "channel": "web", "priority": "normal", "status": "closed",
        "outcome": "resolved", "acknowledged_at": None, "closed_at": None, "resolve_due": None,
        "duplicate": 0, "reopened": 0,
    }  # fmt: skip
    full = [{**base, **row} for row in rows]
    return pa.table({name: [r[name] for r in full] for name in columns}, schema=pa.schema(columns))


def at(day, hour=12, minute=0):
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def sums(table, by="day"):
    with duckdb.connect() as con:
        con.register("t", table)
        return {
            row[0]: row[1:]
            for row in con.sql(
                f"SELECT {by}, "
                + ", ".join(f"sum({c})" for c in rollups.DAILY_COUNTS)
                + f" FROM t GROUP BY {by} ORDER BY {by}"
            ).fetchall()
        }


def test_days_are_local_calendar_days():
    # 03:00 UTC on 2 March is still 1 March in New York
    table = rollups.canonical(
        raw([{"id": 1, "requested_at": at(2, 3), "status": "new", "outcome": ""}]), "postgresql"
    )
    assert table.column("created_day").to_pylist() == [dt.date(2026, 3, 1)]
    assert rollups.canonical(raw([]), "postgresql").num_rows == 0


def test_daily_counts_from_hand_built_requests():
    requests = rollups.canonical(
        raw(
            [
                # resolved in 10 minutes: first contact, met its standard
                {"id": 1, "requested_at": at(2), "closed_at": at(2, 12, 10), "resolve_due": at(5)},
                # closed late, after a reopen
                {
                    "id": 2,
                    "requested_at": at(2),
                    "closed_at": at(9),
                    "resolve_due": at(5),
                    "reopened": 1,
                },
                # still open, a duplicate
                {"id": 3, "requested_at": at(3), "status": "new", "outcome": "", "duplicate": 1},
                # closed in time but not resolved: does not meet the standard
                {
                    "id": 4,
                    "requested_at": at(3),
                    "closed_at": at(4),
                    "resolve_due": at(5),
                    "outcome": "no_action_needed",
                },
            ]
        ),
        "postgresql",
    )
    with duckdb.connect() as con:
        _, daily, hist = rollups.contributions(con, NO_CELLS, requests)
    per_day = sums(daily)
    assert list(per_day) == [dt.date(2026, 3, d) for d in (2, 3, 4, 5, 9)]
    # created, duplicates, first_contact, open_now, closed, resolved, reopened, due, met
    assert per_day[dt.date(2026, 3, 2)] == (2, 0, 1, 0, 1, 1, 0, 0, 0)
    assert per_day[dt.date(2026, 3, 3)] == (2, 1, 0, 1, 0, 0, 0, 0, 0)
    assert per_day[dt.date(2026, 3, 4)] == (0, 0, 0, 0, 1, 0, 0, 0, 0)
    assert per_day[dt.date(2026, 3, 5)] == (0, 0, 0, 0, 0, 0, 0, 3, 1)
    assert per_day[dt.date(2026, 3, 9)] == (0, 0, 0, 0, 1, 1, 1, 0, 0)
    close = hist.filter(pa.compute.equal(hist.column("measure"), 0))
    assert sum(close.column("n").to_pylist()) == 3


def test_subtracting_a_request_undoes_its_contribution():
    before = rollups.canonical(
        raw([{"id": 1, "requested_at": at(2), "status": "new", "outcome": ""}]), "postgresql"
    )
    after = rollups.canonical(
        raw([{"id": 1, "requested_at": at(2), "closed_at": at(3), "resolve_due": at(4)}]),
        "postgresql",
    )
    with duckdb.connect() as con:
        _, daily, _ = rollups.contributions(con, NO_CELLS, after, before)
    # the created-day row changes only in open_now; the closed and due days are new
    assert sums(daily)[dt.date(2026, 3, 2)] == (0, 0, 0, -1, 0, 0, 0, 0, 0)
    assert sums(daily)[dt.date(2026, 3, 3)][4] == 1
    with duckdb.connect() as con:
        _, nothing, no_bins = rollups.contributions(con, NO_CELLS, after, after)
    assert nothing.num_rows == 0 and no_bins.num_rows == 0


@pytest.mark.parametrize("q", [0.5, 0.9])
def test_percentiles_from_the_histogram_are_within_one_percent(q):
    # closure times from 3 minutes to 60 days, unevenly spread
    minutes = [3 + int(1.37**k) + 17 * k for k in range(40)]
    rows = [
        {"id": k, "requested_at": at(1, 0), "closed_at": at(1, 0) + dt.timedelta(minutes=m)}
        for k, m in enumerate(minutes)
    ]
    requests = rollups.canonical(raw(rows), "postgresql")
    with duckdb.connect() as con:
        _, _, hist = rollups.contributions(con, NO_CELLS, requests)
    close = hist.to_pandas()
    close = close[close["measure"] == 0].groupby("bin", as_index=False)["n"].sum()
    from_bins = kpis.time_percentiles(close, quantiles=(q,)).iloc[0, 1]
    ordered = sorted(m / 60 for m in minutes)
    exact = ordered[max(1, -(-int(q * 100) * len(ordered) // 100)) - 1]
    assert from_bins == pytest.approx(exact, rel=0.01)


def test_a_period_is_covered_by_whole_months_and_its_ragged_ends():
    from commonweal.analytics.engine import cover

    d = dt.date
    before = d(2026, 11, 28)
    assert cover(d(2026, 1, 15), d(2026, 5, 10), "month", before) == [
        ("day", d(2026, 1, 15), d(2026, 1, 31)),
        ("unit", d(2026, 2, 1), d(2026, 4, 30)),
        ("day", d(2026, 5, 1), d(2026, 5, 10)),
    ]
    # the month of the refresh is never whole; nor is a range inside one month
    assert cover(d(2026, 10, 1), d(2026, 11, 30), "month", before) == [
        ("unit", d(2026, 10, 1), d(2026, 10, 31)),
        ("day", d(2026, 11, 1), d(2026, 11, 30)),
    ]
    assert cover(d(2026, 3, 2), d(2026, 3, 20), "month", before) == [
        ("day", d(2026, 3, 2), d(2026, 3, 20))
    ]
    # weeks start on Monday (2 March 2026 is one)
    assert cover(d(2026, 2, 28), d(2026, 3, 17), "week", before) == [
        ("day", d(2026, 2, 28), d(2026, 3, 1)),
        ("unit", d(2026, 3, 2), d(2026, 3, 15)),
        ("day", d(2026, 3, 16), d(2026, 3, 17)),
    ]
    assert cover(d(2026, 3, 5), d(2026, 3, 1), "week", before) == []


def test_each_coarse_tier_is_summed_from_the_smallest_one_that_keeps_its_dimensions():
    from commonweal.analytics.engine import DAILY_TIERS, HIST_TIERS, summing_order

    assert summing_order(DAILY_TIERS) == [("", None), ("s", ""), ("c", "s")]
    monthly = dict(summing_order(HIST_TIERS["_m"]))
    # department x district and per channel need the daily rows; the rest are sums of sums
    assert monthly == {"pd": None, "": None, "h": None, "d": "pd", "p": "", "c": "p"}
    for tiers in (DAILY_TIERS, *HIST_TIERS.values()):
        order = [tier for tier, _ in summing_order(tiers)]
        assert sorted(order) == sorted(tiers)
        for tier, source in summing_order(tiers):
            if source is not None:
                assert order.index(source) < order.index(tier)
                assert set(tiers[tier]) < set(tiers[source])
