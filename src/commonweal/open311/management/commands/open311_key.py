"""Manage Open311 API keys: `commonweal open311_key create NAME`, `list`, `revoke PREFIX`."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from commonweal.open311.keys import create_key, revoke_key
from commonweal.open311.models import ApiKey


class Command(BaseCommand):
    help = "Create, list or revoke Open311 API keys. A new key is printed once."

    def add_arguments(self, parser: CommandParser) -> None:
        verbs = parser.add_subparsers(dest="verb", required=True)
        create = verbs.add_parser("create", help="create a key for NAME and print it once")
        create.add_argument("name")
        verbs.add_parser("list", help="list keys (never the keys themselves)")
        revoke = verbs.add_parser("revoke", help="revoke the key starting with PREFIX")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verb"] == "create":
            _key, raw = create_key(options["name"])
            self.stdout.write(raw)
            self.stderr.write("Store this key now: it is not kept and cannot be shown again.")
        elif options["verb"] == "list":
            for key in ApiKey.objects.all():
                used = key.last_used_at.isoformat() if key.last_used_at else "never"
                self.stdout.write(f"{key.prefix}  {key}  last used {used}")
        else:
            found = ApiKey.objects.filter(prefix=options["prefix"][:8]).first()
            if found is None:
                raise CommandError(f"No key starts with {options['prefix']!r}.")
            revoke_key(found)
            self.stdout.write(f"Revoked {found.name} ({found.prefix}…).")
