"""Read PostgreSQL times with psycopg's compiled loader instead of Django's Python one.

Django (5.2) replaces psycopg's `timestamptz` loader with a subclass of the pure-Python
loader that parses each value in Python and then stamps the connection's zone on it (Django
ticket #36960, psycopg issue #1273). That costs about 7 µs a value: a thousand-request
Open311 list, four times a row, spent half its time there. psycopg's compiled loader cannot
be subclassed, but it already answers in the session's time zone, and Django sets that
session zone to the connection's (UTC), for which psycopg gives `datetime.timezone.utc` —
the very value Django stamps. So, when the two agree, the compiled loader's `load` is used
as it is; otherwise Django's loader stays.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

TIMESTAMPTZ = "timestamptz"


def compiled_loader() -> Any:
    """psycopg's compiled `timestamptz` text loader, or None without psycopg's C build."""
    import psycopg
    from psycopg.postgres import types
    from psycopg.pq import Format

    loader = psycopg.adapters.get_loader(types[TIMESTAMPTZ].oid, Format.TEXT)
    return None if loader is None or loader.__module__.startswith("psycopg.") else loader


@functools.cache
def fast_utc_loader() -> Any:
    """A loader whose `load` is the compiled loader's own, or None without the C build."""
    from psycopg.adapt import Loader

    compiled = compiled_loader()
    if compiled is None:
        return None

    class FastUtcTimestamptzLoader(Loader):
        # Django compares this with the connection's zone before every cursor and keeps
        # the loader when they match.
        timezone = dt.UTC

        def __init__(self, oid: int, context: Any = None) -> None:
            super().__init__(oid, context)
            # The compiled loader reads the session's zone when it is made, as here.
            self.load = compiled(oid, context).load  # type: ignore[method-assign]

        def load(self, data: Any) -> dt.datetime:  # replaced per instance
            raise NotImplementedError

    return FastUtcTimestamptzLoader


def use_compiled_time_loader(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """On each new PostgreSQL connection in UTC, load `timestamptz` with compiled code."""
    if connection.vendor != "postgresql" or connection.timezone != dt.UTC:
        return
    loader = fast_utc_loader()
    raw = connection.connection
    if loader is not None and raw.info.parameter_status("TimeZone") == "UTC":
        raw.adapters.register_loader(TIMESTAMPTZ, loader)
