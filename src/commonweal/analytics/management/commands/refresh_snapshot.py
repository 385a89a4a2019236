"""`commonweal refresh_snapshot [--full]`: bring the analytics snapshot up to date."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from commonweal.analytics import snapshot


class Command(BaseCommand):
    help = (
        "Refresh the analytics snapshot (Parquet) from the case log: only what changed since "
        "the last refresh, or everything with --full."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--full", action="store_true", help="Rebuild from scratch.")

    def handle(self, *args: Any, **options: Any) -> None:
        report = snapshot.refresh(full=options["full"])
        kind = "Rebuilt" if report.full else "Refreshed"
        self.stdout.write(
            f"{kind} the snapshot in {report.seconds:.2f} s: {report.requests:,} requests read, "
            f"{report.segments} segment(s){', compacted' if report.compacted else ''}; "
            f"in {snapshot.analytics_dir()}"
        )
