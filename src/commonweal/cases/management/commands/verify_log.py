"""Check that the case log's hash chains are intact."""

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from commonweal.cases.log import verify
from commonweal.catalog.models import Jurisdiction


class Command(BaseCommand):
    help = (
        "Verify the hash chain of the case log. Exits 0 when intact; otherwise prints the "
        "first broken event of each chain and exits 1."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--jurisdiction", help="Open311 jurisdiction_id (default: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        jurisdictions = Jurisdiction.objects.order_by("jurisdiction_id")
        if options["jurisdiction"]:
            jurisdictions = jurisdictions.filter(jurisdiction_id=options["jurisdiction"])
            if not jurisdictions.exists():
                raise CommandError(f"No jurisdiction {options['jurisdiction']!r}.")
        started = time.perf_counter()
        checked, breaks = verify(jurisdictions)
        seconds = time.perf_counter() - started
        for problem in breaks:
            self.stderr.write(f"BROKEN {problem}")
        if breaks:
            sys.exit(1)
        self.stdout.write(f"Case log intact: {checked} events verified in {seconds:.1f} s.")
