"""Import district boundaries from a GeoJSON FeatureCollection."""

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from commonweal.catalog.districts import import_districts
from commonweal.catalog.models import Jurisdiction


class Command(BaseCommand):
    help = "Create or update districts from a GeoJSON FeatureCollection (all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--jurisdiction", required=True, help="Open311 jurisdiction_id")
        parser.add_argument("--kind", default="council")
        parser.add_argument("--code-property", default="code")
        parser.add_argument("--name-property", default="name")
        parser.add_argument("--population-property", default="population")
        parser.add_argument("--income-property", default="median_household_income")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            jurisdiction = Jurisdiction.objects.get(jurisdiction_id=options["jurisdiction"])
        except Jurisdiction.DoesNotExist as error:
            raise CommandError(f"No jurisdiction {options['jurisdiction']!r}.") from error
        try:
            collection = json.loads(options["file"].read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
            raise CommandError(f"Cannot read {options['file']}: {error}") from error
        properties = {
            "code": options["code_property"],
            "name": options["name_property"],
            "population": options["population_property"],
            "median_household_income": options["income_property"],
        }
        try:
            created, updated = import_districts(
                jurisdiction, collection, kind=options["kind"], properties=properties
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(f"{created} districts created, {updated} updated.")
