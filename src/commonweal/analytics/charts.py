"""The dashboard's charts: Vega-Lite specifications built with Altair, rendered to SVG on the
server by vl-convert (no JavaScript in the browser). Each function returns the SVG text; the
template puts a text alternative (a caption and a table of the same figures) beside it."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Literal

import altair as alt
import pandas as pd
import vl_convert
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from commonweal.core.caching import remembered

# Building and drawing a chart cost 40-250 ms, most of a dashboard page's time: each chart
# function below keeps its drawing (cache `charts`, per process) for its inputs and language,
# so that the same slice of the same snapshot — another reader, the page reloaded, the
# filters set back — draws nothing again. The key is everything drawn: never stale.
#
# Building a chart's specification cost Altair as much as drawing it. Encodings are given as
# channel objects (alt.Y("value:Q")): a bare "value:Q" makes Altair look its class up among
# every schema's hash, 10 ms each time. Objects are not validated as they are made ("debug
# mode", for friendlier tracebacks while writing a chart), nor is the whole specification as
# it is drawn: its shape is this module's, and only the figures and names in it change, which
# the schema leaves free. The tests validate every chart (VALIDATE) in both languages.
alt.utils.schemapi.disable_debug_mode()
VALIDATE = False

#: d3's number and time locales for the languages the site speaks (months, decimal commas)
Locale = Literal["en-US", "es-ES"]
LOCALES: dict[str, Locale] = {"en": "en-US", "es": "es-ES"}
WIDTH = 560
HEIGHT = 220
#: how many weeks a control chart's axis names at most (every week up to it, then every other…)
MAX_WEEK_TICKS = 8
#: colours with at least 3:1 contrast on white (WCAG 1.4.11), for lines and marks
INK = "#1b1b1b"
LINE = "#005ea2"
LIMIT = "#b50909"
SIGNAL = "#b50909"


def svg(chart: alt.TopLevelMixin) -> str:
    """Render a chart to SVG text without the XML declaration (it is embedded in HTML).
    Vega's own ARIA roles on marks are switched off: the page wraps each chart in one
    labelled image and gives its figures as a table beside it."""
    spec = chart.to_dict(validate=VALIDATE)
    spec.setdefault("config", {})["aria"] = False
    # Vega measures every axis label to see whether it must be cut short at 180 px, which
    # was a third of drawing a Pareto chart of forty services; our labels draw the same
    # without the limit, and a longer name is drawn whole rather than cut short
    spec["config"].setdefault("axis", {})["labelLimit"] = 0
    locale: Locale = LOCALES.get((get_language() or "en").split("-")[0], "en-US")
    text: str = vl_convert.vegalite_to_svg(spec, format_locale=locale, time_format_locale=locale)
    text = text.split("?>", 1)[-1] if text.startswith("<?xml") else text
    # the drawing itself is hidden from assistive technology: its labelled wrapper and the
    # table beside it carry the content
    return text.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1)


@remembered("charts", by_language=True)
def control_chart(data: dict[str, Any], title: str, unit: str) -> str:
    """Values, centre line, limits and the weeks a run rule flagged."""
    signalled = {s["week"] for s in data["signals"]}
    frame = pd.DataFrame(
        {
            "week": pd.to_datetime(data["weeks"]),
            "value": data["values"],
            "upper": data["upper"],
            "lower": data["lower"],
            "center": data["center"],
            "signal": [week in signalled for week in data["weeks"]],
        }
    )
    # the data once, for every layer (given to each, Altair converted the frame five times)
    base = alt.Chart().encode(x=alt.X("week:T", title=_("Week"), axis=week_axis(data["weeks"])))
    value = base.mark_line(color=LINE, point=alt.OverlayMarkDef(color=LINE)).encode(
        y=alt.Y("value:Q", title=unit), tooltip=[alt.Tooltip("week:T"), alt.Tooltip("value:Q")]
    )
    limits = [
        base.mark_line(color=LIMIT, strokeDash=[4, 3]).encode(y=alt.Y(f"{name}:Q"))
        for name in ("upper", "lower")
    ]
    center = base.mark_line(color=INK).encode(y=alt.Y("center:Q"))
    flagged = (
        alt.Chart()
        .mark_point(shape="diamond", size=120, filled=True, color=SIGNAL)
        .encode(x=alt.X("week:T"), y=alt.Y("value:Q"))
        .transform_filter(alt.datum.signal)
    )
    return svg(
        alt.layer(value, *limits, center, flagged, data=frame).properties(
            width=WIDTH, height=HEIGHT, title=title
        )
    )


def week_axis(weeks: list[str]) -> alt.Axis:
    """An axis ticked on the charted weeks' Mondays, where the points are (Vega's own ticks
    fell on Sundays, or every other day), at most MAX_WEEK_TICKS of them, day before month in
    Spanish."""
    step = max(1, math.ceil(len(weeks) / MAX_WEEK_TICKS))
    mondays = [dt.date.fromisoformat(week) for week in weeks[::step]]
    return alt.Axis(
        values=[alt.DateTime(year=d.year, month=d.month, date=d.day) for d in mondays],
        # Translators: a week's Monday on a chart's axis, in d3's time format ("Mar 2");
        # %-d is the day without a leading zero, %b the month's short name
        format=_("%b %-d"),
    )


@remembered("charts", by_language=True)
def pareto_chart(rows: list[dict[str, Any]], title: str) -> str:
    """Bars of requests per service (by its `name` when the rows have one), largest first,
    with the cumulative share as a line."""
    frame = pd.DataFrame(rows)
    if frame.empty:
        return ""
    frame["label"] = frame["name"] if "name" in frame else frame["service"]
    order = frame["label"].tolist()
    base = alt.Chart().encode(x=alt.X("label:N", sort=order, title=_("Service")))
    bars = base.mark_bar(color=LINE).encode(y=alt.Y("requests:Q", title=_("Requests")))
    line = base.mark_line(color=LIMIT, point=True).encode(
        y=alt.Y(
            "cumulative_pct:Q", title=_("Cumulative share (%)"), scale=alt.Scale(domain=[0, 100])
        )
    )
    return svg(
        alt.layer(bars, line, data=frame)
        .resolve_scale(y="independent")
        .properties(width=WIDTH, height=HEIGHT, title=title)
    )


@remembered("charts", by_language=True)
def equity_map(rows: list[dict[str, Any]], boundaries: dict[str, Any], title: str) -> str:
    """Districts (`boundaries`: code → geometry) coloured by their type-adjusted gap (diverging
    around 0), each named by its row's `name` when the rows have one."""
    features = []
    gaps = {row["district"]: row for row in rows}
    for code, geometry in boundaries.items():
        row = gaps.get(code) or {}
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "district": row.get("name", code),
                    "gap": round(row["gap_pts"], 1) if row else None,
                },
            }
        )
    if not features:
        return ""
    data = alt.Data(values=features)
    chart = (
        alt.Chart(data)
        .mark_geoshape(stroke=INK, strokeWidth=0.5)
        .encode(
            color=alt.Color(
                "properties.gap:Q",
                title=_("Gap (points)"),
                scale=alt.Scale(scheme="redblue", domainMid=0),
            ),
            tooltip=[alt.Tooltip("properties.district:N"), alt.Tooltip("properties.gap:Q")],
        )
        .project(type="mercator")
        .properties(width=WIDTH, height=320, title=title)
    )
    return svg(chart)
