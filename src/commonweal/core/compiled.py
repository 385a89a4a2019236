"""Queries of a fixed shape, compiled to SQL once per process: each call only binds values.

Compiling a queryset — resolving names, joins and expressions into SQL — costs a few tenths
of a millisecond every time, which on a one-row Open311 answer was a third of the server's
work. A `CompiledQuery` has the ORM write the SQL once, with stand-in values for the
parameters, then runs that same SQL with each call's values (so PostgreSQL prepares it, too)
and returns the rows as `values_list(named=True)` would: named tuples, converted by the
same field converters.

    one_request = CompiledQuery(
        lambda jurisdiction_id, public_id: ServiceRequest.objects.filter(
            jurisdiction_id=jurisdiction_id, public_id=public_id
        ).values_list("pk", "status", named=True)[:1],
        jurisdiction_id=int, public_id=str,
    )
    rows = one_request(jurisdiction_id=1, public_id="AB12CD34")

Each parameter is declared with its type (int or str) and must reach the SQL as a parameter,
unchanged: the stand-in is found among the compiled parameters by equality. A shape that
transforms a value (a lookup that lowercases it, a list) or writes it into the SQL itself
is refused when first compiled (`ImproperlyConfigured`), never answered wrongly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.models.query import NamedValuesListIterable
from django.db.models.utils import create_namedtuple_class


@dataclass(frozen=True)
class _Compiled:
    sql: str
    #: the compiled parameters, with the name of the call's value where a stand-in stood
    params: tuple[tuple[str | None, Any], ...]
    #: column position → (the field's converters, its expression), as Django applies them
    converters: dict[int, tuple[list[Any], Any]]
    row_class: type


class CompiledQuery:
    """A `values_list(named=True)` queryset shape, compiled once per process (and database
    engine) for the default database."""

    def __init__(self, build: Callable[..., QuerySet[Any, Any]], **types: type) -> None:
        unsupported = {name: kind for name, kind in types.items() if kind not in (int, str)}
        if unsupported:
            raise ImproperlyConfigured(f"stand-ins exist for int and str only: {unsupported}")
        self.build, self.types = build, types
        self._compiled: dict[str, _Compiled] = {}

    def queryset(self, **values: Any) -> QuerySet[Any, Any]:
        """The queryset this query compiles, for the given values (the ORM's own form)."""
        return self.build(**values)

    def stand_ins(self) -> dict[str, Any]:
        """A value per parameter that no real call sends and that the SQL cannot fold away."""
        return {
            name: -(2**31) + 7919 * position if kind is int else f"\x1fcompiled:{name}\x1f"
            for position, (name, kind) in enumerate(self.types.items(), start=1)
        }

    def compile(self) -> _Compiled:
        stand_ins = self.stand_ins()
        queryset: Any = self.build(**stand_ins)  # (django-stubs do not know `_fields`)
        if not queryset._fields or queryset._iterable_class is not NamedValuesListIterable:
            raise ImproperlyConfigured("a compiled query is a values_list(..., named=True)")
        compiler = queryset.query.get_compiler(using=DEFAULT_DB_ALIAS)
        sql, params = compiler.as_sql()
        by_value = {value: name for name, value in stand_ins.items()}
        slots = tuple(
            (by_value.get(value) if type(value) in (int, str) else None, value) for value in params
        )
        missing = set(stand_ins) - {name for name, _ in slots if name}
        if missing:
            raise ImproperlyConfigured(
                f"{sorted(missing)} did not reach the SQL as parameters: compile another shape"
            )
        fields = [selected[0] for selected in compiler.select[: compiler.col_count]]
        return _Compiled(
            sql=sql,
            params=slots,
            converters=compiler.get_converters(fields),
            row_class=create_namedtuple_class(*queryset._fields),
        )

    def __call__(self, **values: Any) -> list[Any]:
        if values.keys() != self.types.keys():
            raise TypeError(f"give exactly {sorted(self.types)}")
        connection = connections[DEFAULT_DB_ALIAS]
        compiled = self._compiled.get(connection.vendor)
        if compiled is None:
            compiled = self._compiled[connection.vendor] = self.compile()
        params = [
            value if name is None else self.types[name](values[name])
            for name, value in compiled.params
        ]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        new, row_class = tuple.__new__, compiled.row_class
        if not compiled.converters:
            return [new(row_class, row) for row in rows]
        converted: list[Any] = []
        for row in rows:
            values_ = list(row)
            for position, (converters, expression) in compiled.converters.items():
                for convert in converters:
                    values_[position] = convert(values_[position], expression, connection)
            converted.append(new(row_class, values_))
        return converted
