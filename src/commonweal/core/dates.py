"""The days a query may name (a dashboard's period, an API's window): every record's, and far
enough inside the calendar Python holds (years 1 to 9999) that a period reckoned from them —
days before or after, the start of its week or month — stays inside it."""

from __future__ import annotations

import datetime as dt

FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(8999, 12, 31)
#: the same bounds as instants (UTC): the first one in, the first one out
EARLIEST = dt.datetime.combine(FIRST_DAY, dt.time(), dt.UTC)
TOO_LATE = dt.datetime.combine(LAST_DAY + dt.timedelta(days=1), dt.time(), dt.UTC)
OUT_OF_RANGE = f"must lie between the years {FIRST_DAY.year} and {LAST_DAY.year}"


def day_in_range(day: dt.date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY
