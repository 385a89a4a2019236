"""The performance dashboard as a reader waits for it: the whole page, charts and all.

    python bench/dashboard_page.py [--data-dir DIR] [--rounds 3]

Runs on a city already made, with its analytics snapshot: the default data directory's (what
`make demo` serves) or DIR's (`COMMONWEAL_DATA_DIR=DIR commonweal demo`). Signed in as the
first superuser, it asks Django's test client for the dashboard of six periods ending on the
snapshot's day (view, figures, charts, template; no network), each period twice: a first
view, whose five charts are drawn and figures worked out (the process's caches of drawn
charts and of figures emptied before it), and the same page again, whose charts and figures
are kept. The baseline is the slice's figures alone, worked out (`report.dashboard`, what
`bench/analytics.py` times at 10M), so that the rest of a page —
mostly drawing its charts — reads as a multiple of it. Each figure is the median over the
rounds; the first page of the process (which starts vl-convert's JavaScript engine, about a
second) is asked for before any is timed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROW = "{:<24} {:>12} {:>12} {:>12} {:>16}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="COMMONWEAL_DATA_DIR of the city")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.data_dir:
        os.environ["COMMONWEAL_DATA_DIR"] = str(args.data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commonweal.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.cache import caches
    from django.core.management.base import OutputWrapper
    from django.test import Client

    from commonweal.analytics import report
    from commonweal.analytics.engine import Slice, current_engine
    from commonweal.core.management.commands.serve import collect_static_files_if_missing

    collect_static_files_if_missing(OutputWrapper(sys.stdout))
    engine = current_engine()
    if engine.as_of is None:
        sys.exit("no analytics snapshot: make the city first (make demo, or commonweal demo)")
    admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    if admin is None:
        sys.exit("no superuser to sign in as")
    client = Client(HTTP_HOST="localhost")
    client.force_login(admin)
    end = engine.as_of

    def page(days: int) -> float:
        start = end - dt.timedelta(days=days - 1)
        began = time.perf_counter()
        answer = client.get("/console/performance/", {"from": start, "to": end})
        if answer.status_code != 200:
            sys.exit(f"the dashboard answered {answer.status_code}")
        return time.perf_counter() - began

    page(7)  # the process's first page: imports, vl-convert's engine
    print(f"dashboard of the city in {os.environ.get('COMMONWEAL_DATA_DIR', 'var/')}, as of {end}")
    print(ROW.format("period", "first view", "again", "figures", "first / figures"))
    for days in (7, 30, 90, 180, 365, 730):
        first, again, figures = [], [], []
        for _ in range(args.rounds):
            caches["charts"].clear()
            caches["figures"].clear()
            first.append(page(days))
            again.append(page(days))
            began = time.perf_counter()
            piece = Slice(start=end - dt.timedelta(days=days - 1), end=end)
            report.dashboard.__wrapped__(engine, piece)  # worked out, not kept
            figures.append(time.perf_counter() - began)
        a, b, c = (statistics.median(x) * 1000 for x in (first, again, figures))
        print(
            ROW.format(
                f"last {days} days", f"{a:.0f} ms", f"{b:.0f} ms", f"{c:.0f} ms", f"{a / c:.1f}x"
            )
        )


if __name__ == "__main__":
    main()
