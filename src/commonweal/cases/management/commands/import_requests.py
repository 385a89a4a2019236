"""Import a city's 311 CSV export: `commonweal import_requests --preset nyc FILE`."""

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError
from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress

from commonweal.cases.importing import ImportError_, import_file
from commonweal.cases.importing.mapping import MappingError, load_mapping, preset, preset_names
from commonweal.cases.models import QuarantinedRow
from commonweal.catalog.models import Jurisdiction


def count_lines(path: Path) -> int:
    """The file's lines, counted in binary blocks (for the progress bar's length)."""
    with path.open("rb") as handle:
        return sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b""))


class Command(BaseCommand):
    help = (
        f"Import service requests from a CSV export, with a preset ({', '.join(preset_names())})"
        " or a mapping file. All or nothing; prints a data-quality report."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        how = parser.add_mutually_exclusive_group(required=True)
        how.add_argument("--preset", help="a known layout (see cases/importing/presets)")
        how.add_argument("--mapping", type=Path, help="a TOML mapping file")
        parser.add_argument(
            "--jurisdiction", help="Open311 jurisdiction_id (default: the only one)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        jurisdiction = self.jurisdiction(options["jurisdiction"])
        try:
            mapping = (
                preset(options["preset"]) if options["preset"] else load_mapping(options["mapping"])
            )
        except MappingError as error:
            raise CommandError(str(error)) from error
        if not options["file"].is_file():
            raise CommandError(f"No file {options['file']}.")
        started = time.perf_counter()
        bar = Progress(
            *Progress.get_default_columns(),
            MofNCompleteColumn(),
            console=Console(stderr=True),
        )
        with bar:
            # lines, not rows (a quoted field may hold a newline): the bar may end short
            task = bar.add_task("Importing", total=max(count_lines(options["file"]) - 1, 0))
            try:
                run = import_file(
                    options["file"],
                    mapping,
                    jurisdiction,
                    progress=lambda rows: bar.update(task, completed=rows),
                )
            except ImportError_ as error:
                raise CommandError(str(error)) from error
            except DatabaseError as error:  # e.g. a district deleted while the import ran
                raise CommandError(
                    f"The database refused the import, and nothing was imported: {error}"
                ) from error
            bar.update(task, completed=run.rows_read, total=run.rows_read)
        seconds = time.perf_counter() - started
        rate = run.rows_read / max(seconds, 1e-9)
        self.stdout.write(
            f"{run.rows_read:,} rows in {seconds:.1f} s ({rate:,.0f} rows/s): "
            f"{run.created:,} created, {run.updated:,} updated, {run.unchanged:,} unchanged, "
            f"{run.quarantined:,} quarantined for review (import run {run.pk})."
        )
        lines: dict[str, list[int]] = {}
        for line, problems in QuarantinedRow.objects.filter(run=run).values_list(
            "line", "problems"
        ):
            for problem in problems:
                lines.setdefault(problem, []).append(line)
        for problem, count in sorted(run.problems.items(), key=lambda item: -item[1]):
            found = lines.get(problem, [])
            where = ", ".join(str(line) for line in found[:10]) + ("…" if len(found) > 10 else "")
            kept = f" — set aside, lines {where}" if found else " — imported, noted"
            self.stdout.write(f"  {count:>7,}  {problem}{kept}")

    def jurisdiction(self, code: str | None) -> Jurisdiction:
        try:
            return Jurisdiction.objects.named_or_only(code)
        except (Jurisdiction.DoesNotExist, Jurisdiction.MultipleObjectsReturned) as error:
            raise CommandError(f"{error} Use --jurisdiction with a known id.") from error
