"""A kept PostgreSQL connection is checked before a request uses it, without a round trip
when its socket is quiet (commonweal.core.postgresql)."""

from __future__ import annotations

import select
import uuid

import psycopg
import pytest
from django.db import connection

from commonweal.catalog.models import Jurisdiction

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the check is for a connection between requests
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL backend"),
]


def other_connection() -> psycopg.Connection:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    return psycopg.connect(**params, autocommit=True)


def last_query(pid: int) -> str:
    """What the server last heard on the backend `pid`, asked over another connection."""
    with other_connection() as watcher:
        row = watcher.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()
    assert row is not None
    return str(row[0])


def backend_pid() -> int:
    connection.ensure_connection()
    return int(connection.connection.info.backend_pid)


def test_a_quiet_kept_connection_is_used_without_asking_the_server() -> None:
    marker = f"SELECT 'last question {uuid.uuid4()}'"
    with connection.cursor() as cursor:
        cursor.execute(marker)
    pid = backend_pid()
    assert connection.is_usable()
    assert last_query(pid) == marker  # Django's own check would have left "SELECT 1" here


def test_a_connection_the_server_closed_is_replaced_before_the_next_request_uses_it() -> None:
    pid = backend_pid()
    socket = connection.connection.pgconn.socket
    with other_connection() as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone() == (True,)
    poller = select.poll()
    poller.register(socket, select.POLLIN)
    assert poller.poll(5000), "the server said nothing on the closed connection"

    assert not connection.is_usable()
    connection.close_if_unusable_or_obsolete()  # what the end of a request does
    assert Jurisdiction.objects.count() >= 0  # the next request's first query: no error
    assert backend_pid() != pid


def test_a_connection_in_a_transaction_is_asked() -> None:
    pid = backend_pid()
    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
        assert connection.is_usable()
        asked = last_query(pid)
        cursor.execute("ROLLBACK")
    assert asked == "SELECT 1"
