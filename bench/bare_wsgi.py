"""The benchmark's bare HTTP baseline: the same SQL and `json.dumps`, no Django, no DRF.

`bench/open311_load.py` writes its queries to a pickle file and serves this module with the
same gunicorn and the same number of workers as `commonweal serve`; `GET /N` runs query N
on the worker's own psycopg connection and answers the rows as JSON. What is left between
this and the real API is the framework: Django's middleware and URL routing, DRF, our views.
"""

from __future__ import annotations

import json
import os
import pickle
from collections.abc import Callable, Iterable
from typing import Any

import psycopg

with open(os.environ["BARE_QUERIES"], "rb") as file:
    # text, parameters, and psycopg's `prepare` (False: planned for each call's values)
    QUERIES: list[tuple[str, tuple[Any, ...], bool | None]] = pickle.load(file)  # noqa: S301
_connection: list[psycopg.Connection[Any]] = []


def connection() -> psycopg.Connection[Any]:
    if not _connection:
        _connection.append(psycopg.connect(os.environ["DATABASE_URL"], autocommit=True))
    return _connection[0]


def application(
    environ: dict[str, Any], start_response: Callable[[str, list[tuple[str, str]]], Any]
) -> Iterable[bytes]:
    sql, params, prepare = QUERIES[int(environ["PATH_INFO"].strip("/"))]
    with connection().cursor() as cursor:
        cursor.execute(sql, params, prepare=prepare)
        columns = [column.name for column in cursor.description or ()]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    body = json.dumps(rows, default=str).encode()
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]
