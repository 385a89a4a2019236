"""KPIs for a slice, put together: what the `kpis` command, the JSON API and the dashboard show.

Each function takes the engine and a slice and returns plain data (lists of dicts, numbers,
None for "nothing to measure"), ready for JSON, CSV or a template.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pandas as pd
from django.db.models import F, QuerySet
from django.utils import translation

from commonweal.analytics import kpis
from commonweal.analytics.engine import Engine, Slice
from commonweal.cases.models import Channel
from commonweal.catalog.i18n import localized
from commonweal.catalog.models import Department, District, Service
from commonweal.core.caching import remembered
from commonweal.feedback.surveys import DRIVER_NAMES

#: the KPIs the API serves, each a function of (engine, slice, by)
SUMMARY_COLUMNS = [
    "requests",
    "open_at_end",
    "ack_median_hours",
    "ack_p90_hours",
    "close_median_hours",
    "close_p90_hours",
    "closed",
    "due",
    "met",
    "standards_met_pct",
    "first_contact_pct",
    "reopen_pct",
    "duplicate_pct",
]


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of plain Python values, NaN as None (read column by column: half as
    costly as `to_dict` on the small frames a page makes by the dozen)."""
    names = list(frame.columns)
    columns = [column.tolist() for _, column in frame.items()]
    if not columns:
        return [{} for _ in range(len(frame))]
    return [
        {name: _plain(value) for name, value in zip(names, row, strict=True)}
        for row in zip(*columns, strict=True)
    ]


def _plain(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT or value is pd.NA:  # a missing time was written "NaT"
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):
        return _plain(value.item())
    return value


def summary(engine: Engine, where: Slice, by: str | None = None) -> list[dict[str, Any]]:
    """Every headline KPI, for the slice as a whole or per department/service/district/channel."""
    return _summary_rows(engine.counts(where, by), engine.histograms(where, by), by)


def whole_and_parts(
    engine: Engine, where: Slice, by: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """`summary` of the slice as a whole and per `by`, from one reading of the rollups: every
    count and every histogram bin is a sum, so the whole is the sum of its parts (a part with
    nothing made, closed or due in the period is not listed, yet what it has open counts)."""
    counts = engine.counts(where, by)
    histograms = engine.histograms(where, by)
    whole_counts = counts.drop(columns=by).sum().to_frame().T
    return (  # the parts' histograms are the whole's, a bin in several rows (summed as read)
        _summary_rows(whole_counts, histograms, None),
        _summary_rows(counts, histograms, by),
    )


def _summary_rows(
    counts: pd.DataFrame, histograms: pd.DataFrame, by: str | None
) -> list[dict[str, Any]]:
    counts = kpis.rates(counts).rename(columns={"created": "requests"})
    if by is not None:
        counts = counts[counts["requests"] + counts["closed"] + counts["due"] > 0]
    rows = records(counts)
    for measure in ("close", "ack"):
        times = kpis.time_percentiles(histograms[histograms["measure"] == measure], by)
        found = {row[by] if by else None: row for row in records(times)}
        for row in rows:
            figures = found.get(row[by] if by else None, {})
            row[f"{measure}_median_hours"] = figures.get("median_hours")
            row[f"{measure}_p90_hours"] = figures.get("p90_hours")
    columns = ([by] if by else []) + SUMMARY_COLUMNS
    return [{name: row.get(name) for name in columns} for row in rows]


def backlog_now(engine: Engine, where: Slice, today: dt.date) -> dict[str, Any]:
    return kpis.backlog_age(engine.open_ages(where), today)


def equity(engine: Engine, where: Slice) -> list[dict[str, Any]]:
    return records(kpis.equity_gap(engine.by_district_and_service(where)))


def equity_and_pareto(
    engine: Engine, where: Slice
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """`equity` and `pareto` from one reading of the rollups: the requests per service are the
    sum of those per district x service (one query fewer for a dashboard page)."""
    frame = engine.by_district_and_service(where)
    volume = frame.groupby("service", as_index=False)["requests"].sum()
    return records(kpis.equity_gap(frame)), records(kpis.pareto(volume))


def measured_districts(jurisdiction: str | None = None) -> QuerySet[District]:
    """The districts the snapshot's figures are by: of the kind requests are placed in
    (`Jurisdiction.district_kind`), not other maps over the same streets (neighbourhoods),
    which would count as districts with no requests, or lend a district of the same code
    their name or boundary."""
    rows = District.objects.filter(kind=F("jurisdiction__district_kind"))
    if jurisdiction:
        rows = rows.filter(jurisdiction__jurisdiction_id=jurisdiction)
    return rows


def district_frame(jurisdiction: str | None = None) -> pd.DataFrame:
    """Districts with population and income, from the catalogue (small; read each time)."""
    rows = measured_districts(jurisdiction)
    data = list(rows.values_list("code", "name", "population", "median_household_income"))
    return pd.DataFrame(data, columns=["district", "name", "population", "income"]).astype(
        {"population": "float", "income": "float"}
    )


def catalogue_names(jurisdiction: str | None = None) -> dict[str, dict[str, str]]:
    """What people call the codes the snapshot keeps, by dimension and code: departments,
    services, channels and survey drivers (in the active language), and districts."""
    departments = Department.objects.all()
    services = Service.objects.all()
    districts = measured_districts(jurisdiction)
    if jurisdiction:
        departments = departments.filter(jurisdiction__jurisdiction_id=jurisdiction)
        services = services.filter(jurisdiction__jurisdiction_id=jurisdiction)
    return {
        "department": {d.code: localized(d, "name") for d in departments},
        "service": {s.service_code: localized(s, "service_name") for s in services},
        "district": dict(districts.values_list("code", "name")),
        "channel": {str(code): str(label) for code, label in Channel.choices},
        "driver": {code: str(label) for code, label in DRIVER_NAMES.items()},
    }


def name_rows(rows: list[dict[str, Any]], dimension: str, names: dict[str, dict[str, str]]) -> None:
    """Give each row the `name` of its code in `dimension` (the code itself when the
    catalogue has none, e.g. a service since removed)."""
    known = names[dimension]
    for row in rows:
        code = row[dimension]
        row["name"] = known.get(code, code) if code is not None else None


#: the dimension each KPI's rows are keyed by (a summary's: its breakdown; the reporting
#: rates come with their districts' names from the catalogue already)
KEYED_BY = {"pareto": "service", "equity": "district"}


def name_kpi(kpi: str, answer: Any, by: str | None, names: dict[str, dict[str, str]]) -> None:
    """Give the rows of a KPI's answer (`KPIS`) the `name` of their code, for people reading
    it (the API, `commonweal kpis`)."""
    dimension = by if kpi == "summary" else KEYED_BY.get(kpi)
    if dimension is not None:
        name_rows(answer, dimension, names)
    if kpi == "surveys":
        name_rows(answer["drivers"], "driver", names)


def kpi_table(answer: Any) -> pd.DataFrame:
    """The table inside a KPI's answer (summary rows, districts, drivers, chart points), with
    a row's `name` right after the code it names (the first column)."""
    frame = pd.DataFrame(_table_rows(answer))
    if "name" not in frame.columns or frame.columns[0] == "name":
        return frame
    columns = [c for c in frame.columns if c != "name"]
    return frame[[columns[0], "name", *columns[1:]]]


def _table_rows(answer: Any) -> list[dict[str, Any]]:
    if isinstance(answer, list):
        return answer
    if "districts" in answer:
        return list(answer["districts"])
    if "drivers" in answer:  # each driver's row, its code first, carries the survey's figures
        figures = {k: v for k, v in answer.items() if k != "drivers"}
        return [
            {"driver": driver["driver"], **figures, **driver} for driver in answer["drivers"]
        ] or [figures]
    return [
        {"chart": name, "week": week, "value": value, "center": chart["center"]}
        for name, chart in answer.items()
        for week, value in zip(chart["weeks"], chart["values"], strict=True)
    ]


#: a spreadsheet takes a cell starting with one of these for a formula
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(frame: pd.DataFrame) -> str:
    """A KPI table as CSV for spreadsheets: text that a spreadsheet would run as a formula (a
    name typed as "=HYPERLINK(…)") is kept as text by a leading apostrophe."""

    def inert(value: Any) -> Any:
        if isinstance(value, str) and value.startswith(FORMULA_STARTS):
            return "'" + value
        return value

    return frame.map(inert).to_csv(index=False)  # a KPI's table: a few hundred rows at most


def name_dashboard(figures: dict[str, Any], names: dict[str, dict[str, str]]) -> None:
    """Name the departments, services, districts and survey drivers of `dashboard`'s figures
    for readers (`names`: `catalogue_names`), and list the departments and the districts of
    the equity table by name."""
    name_rows(figures["by_department"], "department", names)
    name_rows(figures["pareto"], "service", names)
    name_rows(figures["equity"], "district", names)
    name_rows(figures["surveys"]["drivers"], "driver", names)
    for table in ("by_department", "equity"):  # in the reader's alphabet, not by code
        figures[table].sort(key=lambda row: str(row["name"]).casefold())


def reporting_rates(engine: Engine, where: Slice) -> dict[str, Any]:
    created = engine.volume(where, "district")
    districts = district_frame(where.jurisdiction)
    if where.district is not None:
        districts = districts[districts["district"] == where.district]
    frame, correlation = kpis.per_thousand(created, districts)
    frame = frame[frame["population"].notna() | (frame["requests"] > 0)]
    frame = frame.sort_values("name", key=lambda names: names.str.casefold(), na_position="last")
    return {"districts": records(frame), "correlation_with_income": correlation}


def pareto(engine: Engine, where: Slice) -> list[dict[str, Any]]:
    return records(kpis.pareto(engine.volume(where, "service")))


def surveys(engine: Engine, where: Slice) -> dict[str, Any]:
    drivers, figures = kpis.survey_scores(*engine.survey_sums(where))
    return {**figures, "drivers": records(drivers)}


def charted_days(engine: Engine, where: Slice) -> tuple[dt.date | None, dt.date | None]:
    """The first and last day the control charts count: the slice's, but never the day of the
    snapshot's refresh or a later one, which are not over (`kpis.whole_weeks`)."""
    last = where.end
    if engine.as_of is not None:
        before = engine.as_of - dt.timedelta(days=1)
        last = before if last is None else min(last, before)
    return where.start, last


def charts(engine: Engine, where: Slice) -> dict[str, Any]:
    """The control charts as plain data: weeks, values, limits, signals with reasons (whole
    weeks only, `charted_days`)."""
    out: dict[str, Any] = {}
    for name, (weeks, chart) in kpis.control_charts_for(
        engine.weekly(where), engine.weekly_histogram(where), *charted_days(engine, where)
    ).items():
        out[name] = {
            "kind": chart.kind,
            "weeks": [_plain(w) for w in weeks],
            "values": chart.values,
            "center": chart.center,
            "upper": chart.upper,
            "lower": chart.lower,
            "signals": [
                {"week": _plain(weeks[s.index]), "rule": s.rule, "reason": s.reason}
                for s in chart.signals
            ],
        }
    return out


#: runs a dashboard's queries side by side: DuckDB releases the GIL while it works, and each
#: query has a cursor of its own
_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="kpi")


def _what_is_loaded(engine: Engine, where: Slice) -> list[Any]:
    """What a slice's figures depend on: the snapshot an engine has loaded (each refresh
    gives it a new generation and time) and the slice."""
    manifest = engine.manifest
    return [str(engine.directory), manifest.generation, manifest.refreshed_at, where]


@remembered("figures", by_language=True, key=_what_is_loaded)
def dashboard(engine: Engine, where: Slice) -> dict[str, Any]:
    """Everything the dashboard shows for one slice that comes from the snapshot alone
    (reporting rates also read the catalogue, so the caller asks for them in its own thread,
    where its database connection is). The figures of a loaded snapshot never change, so
    each process works out a slice's once per refresh and language (cache `figures`): the
    page is asked for again and again between refreshes, by every reader of the default
    slice."""
    language = translation.get_language()

    def run(function: Callable[..., Any], *args: Any) -> Future[Any]:
        def in_language() -> Any:
            with translation.override(language):
                return function(*args)

        return _pool.submit(in_language)

    jobs = {
        "summaries": run(whole_and_parts, engine, where, "department"),
        "equity_and_pareto": run(equity_and_pareto, engine, where),
        "charts": run(charts, engine, where),
        "backlog": run(backlog_now, engine, where, engine.as_of or dt.date.today()),
        "surveys": run(surveys, engine, where),
    }
    answers = {name: job.result() for name, job in jobs.items()}
    answers["summary"], answers["by_department"] = answers.pop("summaries")
    answers["equity"], answers["pareto"] = answers.pop("equity_and_pareto")
    return answers


#: name → function(engine, slice, by) for the API and the command
KPIS = {
    "summary": lambda engine, where, by: summary(engine, where, by),
    "equity": lambda engine, where, by: equity(engine, where),
    "reporting": lambda engine, where, by: reporting_rates(engine, where),
    "pareto": lambda engine, where, by: pareto(engine, where),
    "surveys": lambda engine, where, by: surveys(engine, where),
    "control-charts": lambda engine, where, by: charts(engine, where),
}
