"""The KPIs: each a function from a small frame (what `engine.Engine` returns for a slice) to a
frame of figures. Formulas follow shared/reference/quality.md.

Conventions: a rate with nothing to divide by is missing (NaN), never 0; times are in hours;
percentiles are nearest-rank (the smallest time with at least that share of requests at or
below it), read from the rollups' histograms, so within 1 % of the exact figure.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _

from commonweal.analytics import control_charts
from commonweal.analytics.rollups import bin_value

#: two-sided 95 % normal quantile
Z95 = 1.959963984540054


def _per(numerator: pd.Series, denominator: pd.Series, scale: float = 100) -> np.ndarray:
    """scale · numerator / denominator as floats (a percentage by default), NaN where the
    denominator is 0 or missing."""
    top = numerator.to_numpy(dtype=float)
    bottom = denominator.to_numpy(dtype=float)
    out = np.full(len(top), np.nan)
    np.divide(scale * top, bottom, out=out, where=bottom != 0)
    return out


def rates(counts: pd.DataFrame) -> pd.DataFrame:
    """Shares, in percent, from summed daily counts (`created` is the volume):
    standards met = met / due (requests due in the period, closed with a resolving outcome
    by their resolve-by time); first-contact resolution = first_contact / created;
    reopen rate = reopened / closed; duplicate rate = duplicates / created."""
    shares = {
        "standards_met_pct": _per(counts["met"], counts["due"]),
        "first_contact_pct": _per(counts["first_contact"], counts["created"]),
        "reopen_pct": _per(counts["reopened"], counts["closed"]),
        "duplicate_pct": _per(counts["duplicates"], counts["created"]),
    }
    return pd.concat([counts, pd.DataFrame(shares, index=counts.index)], axis=1)


def time_percentiles(
    hist: pd.DataFrame, by: str | None = None, quantiles: Sequence[float] = (0.5, 0.9)
) -> pd.DataFrame:
    """Median and p90 (hours) per group of a histogram frame (columns [by], bin, n): for each
    quantile, the first bin whose running count reaches the nearest rank ⌈q·n⌉."""
    names = [
        {0.5: "median_hours", 0.9: "p90_hours"}.get(q, f"p{round(q * 100)}_hours")
        for q in quantiles
    ]
    all_counts = hist["n"].to_numpy()
    kept = all_counts > 0
    if by:  # a missing value (no district) is a group of its own, listed last
        groups, labels = pd.factorize(hist[by][kept], sort=True, use_na_sentinel=False)
        labels = [None if pd.isna(label) else label for label in labels]
    else:
        groups, labels = np.zeros(np.count_nonzero(kept), int), [None]
    all_bins = hist["bin"].to_numpy()[kept]
    order = np.lexsort((all_bins, groups))
    group, bins, counts = groups[order], all_bins[order], all_counts[kept][order]
    starts = (
        np.flatnonzero(np.r_[True, group[1:] != group[:-1]]) if len(group) else np.array([], int)
    )
    running = np.cumsum(counts)
    totals = np.add.reduceat(counts, starts) if len(starts) else np.array([], int)
    before = np.r_[0, running][starts]
    out: dict[str, Any] = {by: pd.Series(list(labels), dtype=object)} if by else {}
    out["count"] = totals.astype(int).tolist() if by or len(totals) else [0]
    for q, name in zip(quantiles, names, strict=True):
        rank = np.maximum(1, np.ceil(q * totals - 1e-9))  # q·n of 0.9 x 10 is 9.000…02
        found = bins[np.searchsorted(running, before + rank)] if len(totals) else []
        hours: list[float | None] = [bin_value(int(b)) / 3600 for b in found]
        out[name] = hours if by or hours else [None]
    return pd.DataFrame(out, columns=[*([by] if by else []), "count", *names])


def backlog_age(open_by_day: pd.DataFrame, today: dt.date) -> dict[str, Any]:
    """How many are open now and how old they are (days since made): median and oldest."""
    if open_by_day.empty:
        return {"open": 0, "median_age_days": None, "oldest_age_days": None}
    made = pd.to_datetime(open_by_day["day"]).to_numpy().astype("datetime64[D]")
    ages = (np.datetime64(today, "D") - made).astype(int)
    order = np.argsort(ages)
    ages, still_open = ages[order], open_by_day["open"].to_numpy()[order]
    total = int(still_open.sum())
    median = int(ages[np.searchsorted(np.cumsum(still_open), math.ceil(total / 2))])
    return {"open": total, "median_age_days": median, "oldest_age_days": int(ages[-1])}


def equity_gap(frame: pd.DataFrame) -> pd.DataFrame:
    """Type-adjusted gap in standards met, per district (frame: district, service, due, met).

    Each district is compared with what the city achieves *for the same services*, weighted by
    the district's own mix: expected = Σₛ dueₛ·pₛ / Σₛ dueₛ, where pₛ is the city-wide share met
    for service s. gap = observed - expected (percentage points); its 95 % interval uses the
    binomial variance under the city's rates, Σₛ dueₛ·pₛ(1-pₛ) / (Σₛ dueₛ)². The naive gap
    (observed - the city's overall share) is shown beside it: the two differ when districts
    ask for different kinds of service."""
    columns = [
        "district", "due", "met", "observed_pct", "expected_pct", "gap_pts", "low_pts",
        "high_pts", "naive_gap_pts", "verdict",
    ]  # fmt: skip
    # summed with NumPy: a dashboard page asks for this every time (pandas' groupby and
    # map took 10 ms of a page's CPU)
    all_due = frame["due"].to_numpy(dtype=float)
    kept = all_due > 0
    if not kept.any():
        return pd.DataFrame(columns=columns)
    due_s, met_s = all_due[kept], frame["met"].to_numpy(dtype=float)[kept]
    service, _services = pd.factorize(frame["service"].to_numpy()[kept])
    p = (np.bincount(service, met_s) / np.bincount(service, due_s))[service]
    overall = met_s.sum() / due_s.sum()
    # a request with no district counts for the city, not for any district
    district, names = pd.factorize(frame["district"].to_numpy()[kept], sort=True)
    placed = district >= 0

    def per_district(values: np.ndarray) -> np.ndarray:
        return np.bincount(district[placed], values[placed], minlength=len(names))

    due, met = per_district(due_s), per_district(met_s)
    observed = met / due
    expected = per_district(due_s * p) / due
    half = Z95 * np.sqrt(per_district(due_s * p * (1 - p))) / due
    gap = observed - expected
    low, high = gap - half, gap + half
    return pd.DataFrame(
        {
            "district": list(names),
            "due": due.astype(int).tolist(),
            "met": met.astype(int).tolist(),
            "observed_pct": 100 * observed,
            "expected_pct": 100 * expected,
            "gap_pts": 100 * gap,
            "low_pts": 100 * low,
            "high_pts": 100 * high,
            "naive_gap_pts": 100 * (observed - overall),
            "verdict": [equity_verdict(a, b) for a, b in zip(low, high, strict=True)],
        },
        columns=columns,
    )


def equity_verdict(low: float, high: float) -> str:
    """Plain words for a gap's interval (in the active language)."""
    if low > 0:
        return _("better than the city for the same services")
    if high < 0:
        return _("worse than the city for the same services")
    return _("no clear difference from the city for the same services")


def per_thousand(
    created: pd.DataFrame, districts: pd.DataFrame
) -> tuple[pd.DataFrame, float | None]:
    """Requests per 1,000 residents per district (created: district, requests; districts:
    district, population, income), and the Pearson correlation of that rate with income
    across the districts that have both (None with fewer than three)."""
    merged = districts.merge(created, on="district", how="left").fillna({"requests": 0})
    merged["per_1000"] = _per(merged["requests"], merged["population"], 1000)
    usable = merged.dropna(subset=["per_1000", "income"])
    correlation = None
    if len(usable) >= 3 and usable["per_1000"].std() > 0 and usable["income"].std() > 0:
        correlation = float(np.corrcoef(usable["per_1000"], usable["income"].astype(float))[0, 1])
    return merged, correlation


def pareto(volume_by_service: pd.DataFrame, threshold: float = 80.0) -> pd.DataFrame:
    """Services by volume, largest first, with cumulative share; `vital_few` marks those up to
    and including the one that reaches `threshold` percent."""
    requests = volume_by_service["requests"].to_numpy()
    services = volume_by_service["service"].tolist()
    # a few dozen services, sorted in Python: pandas' sort and filters took most of the time
    order = sorted(
        (at for at in range(len(services)) if requests[at] > 0),
        key=lambda at: (-requests[at], services[at]),
    )
    ordered = {name: column.to_numpy()[order] for name, column in volume_by_service.items()}
    kept = requests[order].astype(float)
    total = kept.sum()
    ordered["share_pct"] = 100 * kept / total if total else np.zeros(0)
    ordered["cumulative_pct"] = np.cumsum(ordered["share_pct"])
    before = np.r_[0.0, ordered["cumulative_pct"]][: len(order)]
    ordered["vital_few"] = before < threshold
    return pd.DataFrame(ordered)


def survey_scores(
    drivers: pd.DataFrame, totals: pd.DataFrame
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """From the survey sums of a slice (`Engine.survey_sums`): per driver, responses, mean
    score (1-5, the A-11 2019 form, rollups.SCORED_FORM) and share agreeing (4 or 5; on the 2023
    form, share ticking it); scored drivers first, a tick box only when no scored driver has
    its name. Summary: invitations, responses, response rate and the satisfaction index —
    the mean, over responses, of rollups.INDEX_DRIVERS rescaled (score - 1) / 4 x 100, as ACSI
    rescales its 1-10 items."""
    scored = drivers[drivers["scored"]].sort_values("driver")
    ticked = drivers[~drivers["scored"] & ~drivers["driver"].isin(scored["driver"])]
    ticked = ticked.sort_values("driver")
    table = pd.DataFrame(
        {
            "driver": scored["driver"].tolist() + ticked["driver"].tolist(),
            "responses": scored["responses"].tolist() + ticked["responses"].tolist(),
            "mean_score": (scored["total"] / scored["responses"]).tolist() + [None] * len(ticked),
            "agree_pct": (100 * scored["agree"] / scored["responses"]).tolist()
            + (100 * ticked["total"] / ticked["responses"]).tolist(),
        },
        columns=["driver", "responses", "mean_score", "agree_pct"],
    )
    row = totals.iloc[0] if len(totals) else pd.Series(dtype=float)
    invited = int(row.get("invited", 0))
    answered = int(row.get("responses", 0))
    index_responses = int(row.get("index_responses", 0))
    summary = {
        "invited": invited,
        "responses": answered,
        "response_rate_pct": 100 * answered / invited if invited else None,
        "index": float(row["index_total"]) / index_responses if index_responses else None,
    }
    return table, summary


def weekly_median_hours(weekly_hist: pd.DataFrame) -> pd.DataFrame:
    """Median time to close (hours) per week from a (week, bin, n) frame."""
    return time_percentiles(weekly_hist, by="week", quantiles=(0.5,))


def whole_weeks_between(
    first_day: dt.date | None, last_day: dt.date | None
) -> tuple[dt.date | None, dt.date | None]:
    """The first Monday on or after `first_day` and the last Sunday on or before `last_day`
    (None where there is no bound): the whole weeks (Monday to Sunday) inside those days."""
    first = first_day + dt.timedelta(days=-first_day.weekday() % 7) if first_day else None
    last = last_day - dt.timedelta(days=(last_day.weekday() + 1) % 7) if last_day else None
    return first, last


def whole_weeks(
    frame: pd.DataFrame, first_day: dt.date | None, last_day: dt.date | None
) -> pd.DataFrame:
    """The rows of a per-week frame (`week`: the Monday a week starts on) for weeks whose seven
    days all lie from `first_day` to `last_day` (None: no bound). A week cut short by the
    period's first or last day, or not over yet, holds fewer days than the others, and a
    control chart would flag it for that alone (and draw every limit nearer to it)."""
    first, last = whole_weeks_between(first_day, last_day)
    weeks = pd.to_datetime(frame["week"])
    keep = pd.Series(True, index=frame.index)
    if first is not None:
        keep &= weeks >= pd.Timestamp(first)
    if last is not None:
        keep &= weeks + pd.Timedelta(days=6) <= pd.Timestamp(last)
    return frame[keep]


def control_charts_for(
    weekly: pd.DataFrame,
    weekly_hist: pd.DataFrame,
    first_day: dt.date | None = None,
    last_day: dt.date | None = None,
) -> dict[str, Any]:
    """The three charts of the dashboard, each with its weeks:
    XmR of weekly median time to close, p-chart of the weekly share of standards missed
    (weeks with requests due), c-chart of weekly volume. Only whole weeks from `first_day`
    to `last_day` are charted (`whole_weeks`)."""
    weekly = whole_weeks(weekly, first_day, last_day)
    weekly_hist = whole_weeks(weekly_hist, first_day, last_day)
    charts: dict[str, Any] = {}
    medians = weekly_median_hours(weekly_hist).dropna(subset=["median_hours"])
    if len(medians) >= 2:
        charts["median_time_to_close"] = (
            list(medians["week"]),
            control_charts.xmr(medians["median_hours"].tolist()),
        )
    due = weekly[weekly["due"] > 0]
    if len(due) >= 2:
        charts["standards_missed"] = (
            list(due["week"]),
            control_charts.p_chart((due["due"] - due["met"]).tolist(), due["due"].tolist()),
        )
    if len(weekly) >= 2:
        charts["volume"] = (
            list(weekly["week"]),
            control_charts.c_chart(weekly["created"].tolist()),
        )
    return charts
