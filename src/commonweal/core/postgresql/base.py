"""Django's PostgreSQL backend with a health check that needs no round trip.

With `CONN_HEALTH_CHECKS`, Django asks a kept connection `SELECT 1` before a request first
uses it, so that a connection the server closed (a restart, `pg_terminate_backend`, an idle
timeout) is replaced instead of failing that request. That question is a round trip on every
request: on a small Open311 answer, as many trips to the database as the answer itself.

A server that closes a connection says so on its socket (a FATAL message, then end of file).
So an idle connection whose socket has nothing to read is as usable as it was when the last
request left it, and is taken as it is; anything else (something to read, a transaction left
open, a connection psycopg already knows is broken) gets Django's own check.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg import pq


def says_nothing(socket: int) -> bool:
    """True when nothing waits to be read on `socket` (no message, no end of file)."""
    poller = select.poll()
    poller.register(socket, select.POLLIN)
    return not poller.poll(0)


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        pgconn = connection.pgconn
        if pgconn.transaction_status == pq.TransactionStatus.IDLE and says_nothing(pgconn.socket):
            return True
        return bool(super().is_usable())
