"""Generate the demo city of Riverton into an empty database."""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from commonweal.analytics.snapshot import refresh
from commonweal.demo.builder import NotEmpty, build_demo_city, database_is_empty


def positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError("must be at least 1")
    return number


class Command(BaseCommand):
    help = "Generate a believable demo city (districts, services, staff, a year of requests)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--requests", type=positive, default=50_000)
        parser.add_argument("--seed", type=int, default=311)
        parser.add_argument(
            "--until",
            type=dt.date.fromisoformat,
            help="Last day of the generated year (default: today); same seed and day, same city.",
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing (successfully) if data exists."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and not database_is_empty():
            self.stdout.write("The database already holds a city; leaving it as it is.")
            return
        now = timezone.now().replace(microsecond=0)
        if options["until"]:
            now = dt.datetime.combine(options["until"], dt.time(18, 0), tzinfo=dt.UTC)
        try:
            result = build_demo_city(options["requests"], options["seed"], now)
        except NotEmpty as error:
            raise CommandError(str(error)) from error
        totals = result.totals
        self.stdout.write(
            f"Riverton generated: {totals.requests:,} requests, {totals.events:,} case-log events, "
            f"{totals.requesters:,} requesters in {result.seconds:.1f} s "
            f"({result.rows_per_second:,.0f} rows/s)."
        )
        self.stdout.write(
            "\nDemo staff accounts (printed once; for this demo only). "
            f"Every account's password is: {result.cast.password}"
        )
        for username, role in result.cast.usernames:
            self.stdout.write(f"  {username:<24} {role}")
        built = refresh(full=True)
        self.stdout.write(
            f"\nAnalytics snapshot built in {built.seconds:.1f} s: the performance dashboard is at "
            "/console/performance/."
        )
