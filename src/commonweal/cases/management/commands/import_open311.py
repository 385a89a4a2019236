"""Pull requests from another Open311 GeoReport v2 server into this one."""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError
from django.utils import timezone

from commonweal.cases.importing.open311 import RemoteError, import_open311
from commonweal.catalog.models import Jurisdiction


class Command(BaseCommand):
    help = (
        "Import requests from another Open311 GeoReport v2 endpoint (e.g. https://x/open311/v2/)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("base_url")
        parser.add_argument(
            "--since", type=dt.date.fromisoformat, help="first day (default: 90 days ago)"
        )
        parser.add_argument("--page-size", type=int, default=1000)
        parser.add_argument(
            "--remote-jurisdiction", help="jurisdiction_id to send to the remote server"
        )
        parser.add_argument("--jurisdiction", help="our jurisdiction_id (default: the only one)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            jurisdiction = Jurisdiction.objects.named_or_only(options["jurisdiction"])
        except (Jurisdiction.DoesNotExist, Jurisdiction.MultipleObjectsReturned) as error:
            raise CommandError(f"{error} Use --jurisdiction with a known id.") from error
        since = timezone.now() - dt.timedelta(days=90)
        if options["since"]:
            since = dt.datetime.combine(options["since"], dt.time(0), tzinfo=dt.UTC)
        try:
            run = import_open311(
                options["base_url"], jurisdiction, since,
                page_size=options["page_size"], remote_jurisdiction=options["remote_jurisdiction"],
            )  # fmt: skip
        except RemoteError as error:
            raise CommandError(f"Nothing imported: {error}") from error
        except DatabaseError as error:  # e.g. a district deleted while the import ran
            raise CommandError(f"Nothing imported: the database refused it: {error}") from error
        self.stdout.write(
            f"{run.rows_read:,} requests read: {run.created:,} created, {run.updated:,} updated, "
            f"{run.unchanged:,} unchanged, {run.quarantined:,} quarantined (import run {run.pk})."
        )
        for problem, count in sorted(run.problems.items(), key=lambda item: -item[1]):
            self.stdout.write(f"  {count:>7,}  {problem}")
