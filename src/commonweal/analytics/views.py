"""The performance dashboard and the KPI JSON API (staff console; translate HTTP only)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commonweal.analytics import charts, kpis, report
from commonweal.analytics.engine import BREAKDOWNS, Engine, Slice, ready_engine
from commonweal.console.access import staff_required
from commonweal.core import dates
from commonweal.core.forms import style

#: the dashboard's default period: this many days up to the last refresh
DEFAULT_DAYS = 91
#: a period's days lie where the engine can reckon weeks and months around them
IN_RANGE = [MinValueValidator(dates.FIRST_DAY), MaxValueValidator(dates.LAST_DAY)]


class SliceForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), required=False, validators=IN_RANGE)
    end = forms.DateField(label=gettext_lazy("To (included)"), required=False, validators=IN_RANGE)
    department = forms.CharField(label=gettext_lazy("Department"), required=False, max_length=40)
    service = forms.CharField(label=gettext_lazy("Service"), required=False, max_length=64)
    district = forms.CharField(label=gettext_lazy("District"), required=False, max_length=40)
    channel = forms.CharField(label=gettext_lazy("Channel"), required=False, max_length=10)
    jurisdiction = forms.CharField(required=False, max_length=255)
    by = forms.ChoiceField(
        label=gettext_lazy("Break down by"),
        required=False,
        choices=[("", "—"), *((b, b) for b in BREAKDOWNS)],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["start"].widget.input_type = "date"
        self.fields["end"].widget.input_type = "date"
        style(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("The first day is after the last day."))
        return data

    def slice(self) -> Slice:
        data = self.cleaned_data
        names = ("department", "service", "district", "channel", "jurisdiction")
        return Slice(
            start=data.get("start"),
            end=data.get("end"),
            **{name: data.get(name) or None for name in names},
        )


class DashboardForm(SliceForm):
    """The dashboard's filters, with the catalogue's departments, services, districts and
    channels to choose from (`names`: `report.catalogue_names`). Any code is still accepted,
    as the API accepts it: a slice of a service since removed reads the same."""

    def __init__(self, *args: Any, names: dict[str, dict[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for dimension, field in self.fields.items():
            if dimension in names:  # (the names of survey drivers are no filter)
                by_name = sorted(names[dimension].items(), key=lambda item: item[1].casefold())
                field.widget = forms.Select(choices=[("", _("All")), *by_name])
        style(self)


#: seconds a client is asked to wait while its server process loads the rollups
RETRY_AFTER = 5


def _loading_message() -> str:
    return _(
        "This server process is loading the performance figures (after a restart, a large "
        "city's take a few seconds). Try again in a moment."
    )


def _retry_later(response: HttpResponse) -> HttpResponse:
    """The 503 answer while this process loads the rollups."""
    response.status_code = 503
    response["Retry-After"] = str(RETRY_AFTER)
    return response


#: the API's names for the form's fields
API_NAMES = {"start": "from", "end": "to"}


def _errors(form: forms.Form) -> list[dict[str, str]]:
    return [
        {"field": API_NAMES.get(field, field), "message": str(message)}
        for field, messages in form.errors.items()
        for message in messages
    ]


def _snapshot(engine: Engine) -> dict[str, Any]:
    return {"refreshed_at": engine.manifest.refreshed_at, "generation": engine.manifest.generation}


#: the formats the KPI API answers in
FORMATS = ("json", "csv")


@staff_required
def kpi_api(request: HttpRequest, kpi: str, format: str = "json") -> HttpResponse:
    """GET /console/performance/api/<kpi>.json?from=…&to=…&by=…&department=… (or .csv: the
    KPI's table, for a spreadsheet; errors are JSON either way)."""
    if format not in FORMATS:
        message = f"unknown format; one of {', '.join(FORMATS)}"
        return JsonResponse({"errors": [{"field": "format", "message": message}]}, status=404)
    if kpi not in report.KPIS:
        known = ", ".join(sorted(report.KPIS))
        return JsonResponse(
            {"errors": [{"field": "kpi", "message": f"unknown KPI; one of {known}"}]}, status=404
        )
    form = SliceForm(_renamed(request.GET))
    if not form.is_valid():
        return JsonResponse({"errors": _errors(form)}, status=400)
    engine = ready_engine()
    if engine is None:
        errors = [{"field": "", "message": _loading_message()}]
        return _retry_later(JsonResponse({"errors": errors}))
    if engine.manifest.empty:
        message = _(
            "There is no analytics snapshot yet; the worker builds it, "
            "or run `commonweal refresh_snapshot`."
        )
        return JsonResponse({"errors": [{"field": "", "message": message}]}, status=503)
    where = form.slice()
    by = form.cleaned_data.get("by") or None
    data = report.KPIS[kpi](engine, where, by)
    report.name_kpi(kpi, data, by, report.catalogue_names(where.jurisdiction))
    if format == "csv":
        return _csv_download(report.csv_text(report.kpi_table(data)), kpi, where)
    return JsonResponse(
        {
            "kpi": kpi,
            "slice": {
                k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in vars(where).items()
            },
            "by": by,
            "snapshot": _snapshot(engine),
            "data": data,
        },
        json_dumps_params={"default": str},
    )


def _csv_download(text: str, kpi: str, where: Slice) -> HttpResponse:
    """CSV as a file to save, with a byte-order mark so that spreadsheets read its accents as
    UTF-8, named after the KPI and the period."""
    period = "-".join(day.isoformat() for day in (where.start, where.end) if day)
    name = "-".join(part for part in ("commonweal", kpi, period) if part)
    response = HttpResponse(("\ufeff" + text).encode(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def csv_links(where: Slice) -> dict[str, str]:
    """The dashboard's tables as CSV from the KPI API, for the slice on the page."""
    query = {
        API_NAMES.get(name, name): value.isoformat() if isinstance(value, dt.date) else value
        for name, value in vars(where).items()
        if value is not None
    }
    tables = {
        "departments": ("summary", {"by": "department"}),
        "control": ("control-charts", {}),
        "pareto": ("pareto", {}),
        "equity": ("equity", {}),
        "reporting": ("reporting", {}),
        "surveys": ("surveys", {}),
    }
    return {
        table: reverse("console:kpi-api", args=[kpi, "csv"]) + "?" + urlencode(query | extra)
        for table, (kpi, extra) in tables.items()
    }


def _renamed(query: Any) -> dict[str, str]:
    """Accept ?from=&to= (the API's names) as the form's start/end."""
    data = {key: query.get(key) for key in query}
    for inside, outside in API_NAMES.items():
        if outside in data:
            data[inside] = data.pop(outside)
    return data


@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    names = report.catalogue_names(request.GET.get("jurisdiction") or None)
    form = DashboardForm(_renamed(request.GET) if request.GET else None, names=names)
    engine = ready_engine()
    if engine is None:
        loading = {"form": form, "loading": _loading_message()}
        return _retry_later(render(request, "analytics/dashboard.html", loading))
    refreshed_at = engine.manifest.refreshed_at
    context: dict[str, Any] = {
        "form": form,
        "snapshot": _snapshot(engine),
        "refreshed_at": dt.datetime.fromisoformat(refreshed_at) if refreshed_at else None,
        "empty": engine.manifest.empty,
    }
    if form.is_bound and not form.is_valid():
        return render(request, "analytics/dashboard.html", context, status=400)
    if engine.manifest.empty:
        return render(request, "analytics/dashboard.html", context)
    where = form.slice() if request.GET else Slice()
    if where.end is None:
        where = where.narrowed(end=engine.as_of)
    if where.start is None and where.end is not None:
        where = where.narrowed(start=where.end - dt.timedelta(days=DEFAULT_DAYS - 1))
    context.update(_dashboard_figures(engine, where, names))
    return render(request, "analytics/dashboard.html", context)


def _charted_weeks(engine: Engine, where: Slice) -> tuple[dt.date, dt.date] | None:
    """The Monday and Sunday the control charts' whole weeks run between; None when the
    slice holds no whole week or is open-ended."""
    first, last = kpis.whole_weeks_between(*report.charted_days(engine, where))
    if first is None or last is None or first > last:
        return None
    return first, last


def _dashboard_figures(
    engine: Engine, where: Slice, names: dict[str, dict[str, str]]
) -> dict[str, Any]:
    figures = report.dashboard(engine, where)
    titles = {
        "median_time_to_close": (_("Median time to close, per week (XmR)"), _("Hours")),
        "standards_missed": (_("Share of standards missed, per week (p-chart)"), _("Share")),
        "volume": (_("Requests per week (c-chart)"), _("Requests")),
    }
    chart_blocks = [
        {
            "name": name,
            "title": titles[name][0],
            "svg": charts.control_chart(data, str(titles[name][0]), str(titles[name][1])),
            "data": data,
            "points": list(
                zip(data["weeks"], data["values"], data["upper"], data["lower"], strict=True)
            ),
        }
        for name, data in figures["charts"].items()
    ]
    report.name_dashboard(figures, names)
    equity = figures["equity"]
    codes = [row["district"] for row in equity]
    boundaries = dict(
        report.measured_districts(where.jurisdiction)
        .filter(code__in=codes)
        .values_list("code", "boundary")
    )
    return {
        **figures,
        "slice": where,
        "summary": figures["summary"][0],
        "control": chart_blocks,
        "charted_weeks": _charted_weeks(engine, where),
        "pareto_svg": charts.pareto_chart(figures["pareto"], _("Requests by service (Pareto)")),
        "equity_svg": charts.equity_map(
            equity, boundaries, _("Type-adjusted gap in standards met")
        ),
        "reporting": report.reporting_rates(engine, where),
        "csv": csv_links(where),
    }
