"""`field__any=[...]`: the `in` lookup, sent as one array on PostgreSQL.

`field__in=[...]` writes one placeholder per value, so a batch of 2,000 ids is a statement of
2,000 parameters, which psycopg parses afresh on every call (it keeps only statements of at
most 50 parameters) and PostgreSQL never prepares. `field = ANY(%s)` is one parameter and the
same statement every time. Everything else is Django's `in`: None is dropped, repeats are
sent once, an empty list matches nothing. SQLite has no arrays: there it is `in` itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import Field
from django.db.models.lookups import In


@Field.register_lookup
class AnyOf(In):
    lookup_name = "any"

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, Sequence[Any]]:
        if not self.rhs_is_direct_value():  # a subquery: nothing to gather into an array
            return self.as_sql(compiler, connection)
        if any(hasattr(value, "resolve_expression") for value in self.rhs):
            return self.as_sql(compiler, connection)  # a value that needs SQL of its own
        try:
            values = dict.fromkeys(value for value in self.rhs if value is not None)
        except TypeError:  # a value that cannot be hashed: `In` copes with those
            return self.as_sql(compiler, connection)
        if not values:
            raise EmptyResultSet
        # the values were prepared when the lookup was made; `In` would also send each one
        # through the expression machinery (20 of the 30 ms that 10,000 ids took to compile;
        # an import looks up two such lists a batch)
        field = self.lhs.output_field
        prepare = partial(field.get_db_prep_value, connection=connection, prepared=True)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*lhs_params, list(map(prepare, values))]
