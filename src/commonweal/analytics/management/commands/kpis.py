"""`commonweal kpis`: the KPIs of a period, as a table, CSV or JSON."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from commonweal.analytics import report
from commonweal.analytics.engine import BREAKDOWNS, Slice, current_engine
from commonweal.analytics.snapshot import read_manifest
from commonweal.core import dates


def _date(text: str) -> dt.date:
    """An option's day. Its errors are argparse's, which the parser reports as a usage error
    (a CommandError raised while parsing escaped as a traceback)."""
    try:
        day = dt.date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from error
    if not dates.day_in_range(day):
        raise argparse.ArgumentTypeError(f"{text!r}: the day {dates.OUT_OF_RANGE}")
    return day


class Command(BaseCommand):
    help = (
        "Print KPIs from the analytics snapshot (run refresh_snapshot first): the headline "
        "summary by default, or --kpi equity|reporting|pareto|surveys|control-charts."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--kpi", choices=sorted(report.KPIS), default="summary")
        parser.add_argument("--by", choices=BREAKDOWNS, help="Break the summary down.")
        parser.add_argument("--from", dest="start", type=_date, help="First day (YYYY-MM-DD).")
        parser.add_argument("--to", dest="end", type=_date, help="Last day, included.")
        for name in ("department", "service", "district", "channel", "jurisdiction"):
            parser.add_argument(f"--{name}", help=f"Only this {name} (its code).")
        parser.add_argument("--format", choices=("table", "csv", "json"), default="table")

    def handle(self, *args: Any, **options: Any) -> None:
        if read_manifest().empty:
            raise CommandError("There is no snapshot yet: run `commonweal refresh_snapshot`.")
        if options["start"] and options["end"] and options["start"] > options["end"]:
            raise CommandError("--from is after --to.")
        where = Slice(
            start=options["start"],
            end=options["end"],
            **{
                name: options[name]
                for name in ("department", "service", "district", "channel", "jurisdiction")
            },
        )
        result = report.KPIS[options["kpi"]](current_engine(), where, options["by"])
        names = report.catalogue_names(options["jurisdiction"])
        report.name_kpi(options["kpi"], result, options["by"], names)
        if options["format"] == "json":
            self.stdout.write(json.dumps(result, indent=2, default=str))
            return
        frame = report.kpi_table(result)
        if options["format"] == "csv":
            self.stdout.write(report.csv_text(frame), ending="")
        else:
            self.stdout.write(frame.to_string(index=False, float_format=lambda v: f"{v:,.1f}"))
