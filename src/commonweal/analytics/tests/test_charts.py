"""The dashboard's drawn charts, read back from their SVG."""

import datetime as dt
import re

from django.utils import translation

from commonweal.analytics import charts


def axis_labels(svg: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def weekly(first: dt.date, weeks: int) -> dict:
    mondays = [(first + dt.timedelta(weeks=n)).isoformat() for n in range(weeks)]
    return {
        "weeks": mondays,
        "values": [n % 3 for n in range(weeks)],
        "upper": [4.0] * weeks,
        "lower": [0.0] * weeks,
        "center": 1.0,
        "signals": [],
    }


def test_a_control_chart_names_its_weeks_by_their_mondays_in_the_readers_language():
    """Each point is a week, drawn at its Monday: the axis names those Mondays (Vega's own
    ticks fell on Sundays, or every other day), day before month in Spanish."""
    data = weekly(dt.date(2026, 3, 2), 5)
    drawn = axis_labels(charts.control_chart(data, "Requests a week", "requests"))
    assert drawn[:6] == ["Mar 2", "Mar 9", "Mar 16", "Mar 23", "Mar 30", "Week"]
    with translation.override("es"):
        drawn = axis_labels(charts.control_chart(data, "Solicitudes", "solicitudes"))
    assert drawn[:6] == ["2 mar", "9 mar", "16 mar", "23 mar", "30 mar", "Semana"]


def test_a_long_period_names_every_other_week_or_fewer():
    """A year of weeks would crowd the axis: at most eight are named, from the first on."""
    data = weekly(dt.date(2025, 12, 29), 20)
    drawn = axis_labels(charts.control_chart(data, "Requests a week", "requests"))
    named = drawn[: drawn.index("Week")]
    assert named == ["Dec 29", "Jan 19", "Feb 9", "Mar 2", "Mar 23", "Apr 13", "May 4"]
