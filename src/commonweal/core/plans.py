"""Plans made for each call's own values, for queries whose best plan depends on them.

On PostgreSQL psycopg prepares a statement the fifth time a connection runs it (settings:
`prepare_threshold`), and after five more runs PostgreSQL may settle on a *generic* plan, made
without the parameters' values, whenever it looks no dearer than the plans made for them.
For a lookup by id that saves the planning and is as good. For a range it is a guess: asked
for a month of three services' requests, the generic plan expected 376 rows, found 13,166 by
a bitmap scan and sorted them all for the newest 1,000 — 27 ms, against 4 ms for the plan
made for the month itself, which walks the time index backward and stops at 1,000. Every
server process reached that generic plan after its tenth such call.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections


@contextmanager
def planned_for_each_call(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Queries run inside the block are not prepared, so the server plans each one for the
    values it is given (about a millisecond of planning on a list). Elsewhere, nothing."""
    wrapper = connections[using]
    if wrapper.vendor != "postgresql":
        yield
        return
    wrapper.ensure_connection()
    raw = wrapper.connection
    kept = raw.prepare_threshold
    raw.prepare_threshold = None
    try:
        yield
    finally:
        raw.prepare_threshold = kept
