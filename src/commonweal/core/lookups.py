"""`field__any=[...]`: the `in` lookup, sent as one array on PostgreSQL.

`field__in=[...]` writes one placeholder per value, so a batch of 2,000 ids is a statement of
2,000 parameters, which psycopg parses afresh on every call (it keeps only statements of at
most 50 parameters) and PostgreSQL never prepares. `field = ANY(%s)` is one parameter and the
same statement every time. Everything else is Django's `in`: None is dropped, repeats are
sent once, an empty list matches nothing. SQLite has no arrays: there it is `in` itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Field
from django.db.models.lookups import In


@Field.register_lookup
class AnyOf(In):
    lookup_name = "any"

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, Sequence[Any]]:
        if not self.rhs_is_direct_value():  # a subquery: nothing to gather into an array
            return self.as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        placeholders, values = self.process_rhs(compiler, connection)
        if placeholders != f"({', '.join(['%s'] * len(values))})":
            return self.as_sql(compiler, connection)  # a value that needs SQL of its own
        return f"{lhs} = ANY(%s)", [*lhs_params, list(values)]
