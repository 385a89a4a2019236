"""Fast bulk inserts for generators and importers: COPY on PostgreSQL, executemany on SQLite.

Django's `bulk_create` prepares every value through each field, which dominates the cost
of writing millions of rows. Here values are prepared once per column kind (times, JSON)
and handed to the driver in one stream. Rows must already be valid: this is a writer,
not a validator. Model `save()` overrides and signals are not run.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, models


def _columns(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [field for field in model._meta.concrete_fields if field.column]


def _preparer(field: models.Field[Any, Any], vendor: str) -> Callable[[Any], Any]:
    if isinstance(field, models.JSONField):
        return lambda value: None if value is None else json.dumps(value, ensure_ascii=False)
    if isinstance(field, models.DateTimeField) and vendor == "sqlite":
        return lambda value: (
            None if value is None else str(value.astimezone(dt.UTC).replace(tzinfo=None))
        )
    if isinstance(field, models.DateField) and vendor == "sqlite":
        return lambda value: None if value is None else value.isoformat()
    return lambda value: value


def insert_rows(model: type[models.Model], objects: Sequence[models.Model]) -> int:
    """Insert the objects (primary keys included when set) and return how many were written.

    Objects without a primary key get one from the database but it is not read back:
    use this where ids are assigned up front or not needed afterwards.
    """
    if not objects:
        return 0
    fields = _columns(model)
    pk = model._meta.pk
    if pk is not None and any(getattr(obj, pk.attname) is None for obj in objects):
        fields = [field for field in fields if field is not pk]
    vendor = connection.vendor
    prepare = [(field.attname, _preparer(field, vendor)) for field in fields]
    rows = ([convert(getattr(obj, name)) for name, convert in prepare] for obj in objects)
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    if vendor == "postgresql":
        _copy(table, names, rows)
    else:
        marks = ", ".join(["%s"] * len(fields))
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(rows))  # noqa: S608
    return len(objects)


def _copy(table: str, names: str, rows: Iterable[list[Any]]) -> None:
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
