"""How often the published standard was kept: for the service charter and its readers.

A request counts toward a period when its resolve-by time falls in the period (and has
passed); it met the standard when it was closed with a resolving outcome by that time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Q

from commonweal.cases.models import RESOLVING_OUTCOMES, ServiceRequest
from commonweal.core.caching import remembered

#: how long a period's counts are kept (`standards_kept`, in cache `default`, shared by the
#: server's processes) before they are counted again. The charter shows a quarter that has
#: ended, whose counts change only when one of its requests is reopened or corrected;
#: counting reads every request due in it (60 ms at 50,000 requests on SQLite, a full scan,
#: and growing with the city), on a public page anyone can ask for as often as they like.
KEPT_SECONDS = 3600


@dataclass(frozen=True)
class Kept:
    due: int
    met: int

    @property
    def percent(self) -> float | None:
        return 100 * self.met / self.due if self.due else None


def previous_quarter(today: dt.date) -> tuple[dt.date, dt.date]:
    """Return the first day of the last full calendar quarter and the first day after it."""
    this_start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    end = this_start
    start = dt.date(end.year - (end.month == 1), (end.month - 4) % 12 + 1, 1)
    return start, end


@remembered(seconds=KEPT_SECONDS)
def standards_kept(
    start: dt.datetime,
    end: dt.datetime,
    *,
    by_district: bool = False,
    service_id: int | None = None,
) -> dict[tuple[int, str], Kept]:
    """Return (due, met) per service — and per district name when asked, for one service
    when given — in one query, run at most once every KEPT_SECONDS for the same question."""
    met = Q(outcome__in=RESOLVING_OUTCOMES, closed_at__lte=F("resolve_due"))
    keys = ["service_id", "district__name"] if by_district else ["service_id"]
    due = ServiceRequest.objects.filter(resolve_due__gte=start, resolve_due__lt=end)
    if service_id is not None:
        due = due.filter(service_id=service_id)
    rows = due.values(*keys).annotate(due=Count("pk"), met=Count("pk", filter=met))
    return {
        (row["service_id"], row.get("district__name") or ""): Kept(row["due"], row["met"])
        for row in rows
    }
