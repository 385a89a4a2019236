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

Each parameter is declared with its type (int, float, str or an aware datetime) and must
reach the SQL as a parameter, unchanged: the stand-in is found among the compiled parameters
by equality (as the database is sent it: SQLite gets times as text). A shape that
transforms a value (a lookup that lowercases it, a list) or writes it into the SQL itself
is refused when first compiled (`ImproperlyConfigured`), never answered wrongly.

`CompiledShapes` does the same for a query whose shape varies from call to call — which
filters a client gave, how many values a list holds, which page — compiling each shape once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
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


#: the types of value a stand-in can take the place of
STAND_INS = (int, float, str, dt.datetime)


def _typed(kind: type, value: Any) -> Any:
    """A call's value as the declared type (an int given as text, say); a time as given."""
    if kind is dt.datetime:
        if not isinstance(value, dt.datetime):
            raise TypeError(f"a datetime is needed, not {value!r}")
        return value
    return kind(value)


def _stand_in(kind: type, position: int, name: str) -> Any:
    """A value of `kind` that no real call sends and that the SQL cannot fold away."""
    if kind is int:
        return -(2**31) + 7919 * position
    if kind is float:
        return -1e9 - 7919.5 * position
    if kind is dt.datetime:
        return dt.datetime(1901, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=7919 * position)
    return f"\x1fcompiled:{name}\x1f"


def _as_sent(value: Any, connection: BaseDatabaseWrapper) -> Any:
    """A value as Django sends it to this database (SQLite takes times as text)."""
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def _compile(queryset: Any, stand_ins: dict[str, Any]) -> _Compiled:
    """Compile a named `values_list` queryset built with `stand_ins` (name → the stand-in
    as sent to the database) and mark where each stand-in reached the parameters."""
    if not queryset._fields or queryset._iterable_class is not NamedValuesListIterable:
        raise ImproperlyConfigured("a compiled query is a values_list(..., named=True)")
    compiler = queryset.query.get_compiler(using=DEFAULT_DB_ALIAS)
    sql, params = compiler.as_sql()
    by_value = {(type(value), value): name for name, value in stand_ins.items()}
    slots = tuple(
        (by_value.get((type(value), value)) if isinstance(value, Hashable) else None, value)
        for value in params
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


def _run(compiled: _Compiled, values: dict[str, Any], connection: BaseDatabaseWrapper) -> list[Any]:
    """Run compiled SQL with each stand-in's place taken by the call's value (as sent)."""
    params = [value if name is None else values[name] for name, value in compiled.params]
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


class CompiledQuery:
    """A `values_list(named=True)` queryset shape, compiled once per process (and database
    engine) for the default database."""

    def __init__(self, build: Callable[..., QuerySet[Any, Any]], **types: type) -> None:
        unsupported = {name: kind for name, kind in types.items() if kind not in STAND_INS}
        if unsupported:
            raise ImproperlyConfigured(
                f"stand-ins exist for int, float, str and datetime only: {unsupported}"
            )
        self.build, self.types = build, types
        self._compiled: dict[str, _Compiled] = {}

    def queryset(self, **values: Any) -> QuerySet[Any, Any]:
        """The queryset this query compiles, for the given values (the ORM's own form)."""
        return self.build(**values)

    def stand_ins(self) -> dict[str, Any]:
        """A value per parameter that no real call sends and that the SQL cannot fold away."""
        return {
            name: _stand_in(kind, position, name)
            for position, (name, kind) in enumerate(self.types.items(), start=1)
        }

    def compile(self, connection: BaseDatabaseWrapper) -> _Compiled:
        stand_ins = self.stand_ins()
        sent = {name: _as_sent(value, connection) for name, value in stand_ins.items()}
        return _compile(self.build(**stand_ins), sent)

    def __call__(self, **values: Any) -> list[Any]:
        if values.keys() != self.types.keys():
            raise TypeError(f"give exactly {sorted(self.types)}")
        connection = connections[DEFAULT_DB_ALIAS]
        compiled = self._compiled.get(connection.vendor)
        if compiled is None:
            compiled = self._compiled[connection.vendor] = self.compile(connection)
        sent = {
            name: _as_sent(_typed(self.types[name], value), connection)
            for name, value in values.items()
        }
        return _run(compiled, sent, connection)


#: what a call's values are swapped with: (name, value) → the value to put in its place
Swap = Callable[[str, Any], Any]


class CompiledShapes:
    """A query whose shape varies with its call — which filters it has, how many values a
    list holds, which page — compiled once per shape (the latest `limit` shapes are kept).

    `build(call)` makes the named `values_list` queryset for a call (any object);
    `swap_values(call, swap)` returns the call with each value that reaches the SQL as a
    parameter (int, float, str or an aware datetime) replaced by `swap(name, value)`, every
    name distinct. The shape of a call is the call with every such value replaced by its
    type: whatever `swap_values` leaves alone is part of the shape, so a call is never
    answered with the SQL of another shape. A value that the queryset transforms (or writes
    into the SQL) must not be swapped: its stand-in would not reach the parameters, and the
    shape is refused (`ImproperlyConfigured`). A shape that matches nothing (an empty IN
    list) runs through the ORM, which answers it without a query.
    """

    def __init__(
        self,
        build: Callable[[Any], QuerySet[Any, Any]],
        swap_values: Callable[[Any, Swap], Any],
        limit: int = 256,
    ) -> None:
        self.build, self.swap_values, self.limit = build, swap_values, limit
        self._compiled: dict[Hashable, _Compiled | None] = {}

    def shape(self, call: Any) -> Hashable:
        return self.shape_and_values(call)[0]

    def shape_and_values(self, call: Any) -> tuple[Hashable, dict[str, Any]]:
        """The call's shape, and its values by name (one walk through the call)."""
        values: dict[str, Any] = {}

        def typed(name: str, value: Any) -> type:
            values[name] = value
            return type(value)

        return _hashable(self.swap_values(call, typed)), values

    def __call__(self, call: Any) -> list[Any]:
        connection = connections[DEFAULT_DB_ALIAS]
        shape, values = self.shape_and_values(call)
        key = (connection.vendor, shape)
        if key not in self._compiled:
            if len(self._compiled) >= self.limit:
                del self._compiled[next(iter(self._compiled))]
            self._compiled[key] = self._compile_shape(call, connection)
        compiled = self._compiled[key]
        if compiled is None:
            return list(self.build(call))
        sent = {name: _as_sent(value, connection) for name, value in values.items()}
        return _run(compiled, sent, connection)

    def _compile_shape(self, call: Any, connection: BaseDatabaseWrapper) -> _Compiled | None:
        stand_ins: dict[str, Any] = {}

        def stand_in(name: str, value: Any) -> Any:
            if name in stand_ins:
                raise ImproperlyConfigured(f"two values are named {name!r}")
            if type(value) not in STAND_INS:
                raise ImproperlyConfigured(f"no stand-in exists for {name}={value!r}")
            stand_ins[name] = _stand_in(type(value), len(stand_ins) + 1, name)
            return stand_ins[name]

        queryset = self.build(self.swap_values(call, stand_in))
        sent = {name: _as_sent(value, connection) for name, value in stand_ins.items()}
        try:
            return _compile(queryset, sent)
        except EmptyResultSet:
            return None


def _hashable(value: Any) -> Hashable:
    """A value with its dataclasses, lists and dicts turned into tuples."""
    if isinstance(value, list | tuple):
        return tuple(map(_hashable, value))
    if isinstance(value, dict):
        return tuple((key, _hashable(item)) for key, item in value.items())
    names = _field_names(type(value))
    if names is None:
        return value
    return (type(value), *(_hashable(getattr(value, name)) for name in names))


_FIELD_NAMES: dict[type, tuple[str, ...] | None] = {}


def _field_names(kind: type) -> tuple[str, ...] | None:
    """The fields of a dataclass, or None for any other type (kept per type)."""
    if kind not in _FIELD_NAMES:
        fields = dataclasses.fields(kind) if dataclasses.is_dataclass(kind) else None
        _FIELD_NAMES[kind] = None if fields is None else tuple(field.name for field in fields)
    return _FIELD_NAMES[kind]
