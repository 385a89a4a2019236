"""PostgreSQL times are read by psycopg's compiled loader, and read exactly as Django would."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from commonweal.core.pgtime import TIMESTAMPTZ, compiled_loader, fast_utc_loader

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL loader"),
]

SAMPLES = [
    "2026-03-08 08:30:00.123456+00",  # a daylight-saving change in America/Chicago
    "1999-12-31 23:59:59+00",
    "2026-11-28 12:00:00-06",  # another zone: read as the same instant, in UTC
    "0099-01-01 00:00:00+00",
]


def read(sql: str) -> list[dt.datetime]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return list(cursor.fetchone())


def test_the_compiled_loader_reads_every_connection_s_times() -> None:
    connection.ensure_connection()
    assert compiled_loader() is not None, "psycopg's C build (psycopg[binary]) is a dependency"
    loader = connection.connection.adapters.get_loader(1184, 0)
    assert loader is fast_utc_loader()


def test_times_read_as_utc_instants_with_django_s_zone() -> None:
    values = read("SELECT " + ", ".join(f"'{s}'::{TIMESTAMPTZ}" for s in SAMPLES))
    expected = [dt.datetime.fromisoformat(s.replace(" ", "T")) for s in SAMPLES]
    for value, wanted in zip(values, expected, strict=True):
        assert value == wanted
        assert value.tzinfo is dt.UTC  # what Django's own loader gives, so nothing else changes
    assert values[0].microsecond == 123456


def test_another_session_zone_keeps_the_instant() -> None:
    """Django's loader would stamp UTC on a local reading (a wrong instant); this one can't."""
    with connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'America/Chicago'")
        try:
            cursor.execute(f"SELECT '2026-07-01 12:00:00+00'::{TIMESTAMPTZ}")
            value = cursor.fetchone()[0]
        finally:
            cursor.execute("SET TIME ZONE 'UTC'")
    assert value == dt.datetime(2026, 7, 1, 12, tzinfo=dt.UTC)
