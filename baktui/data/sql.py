"""Prepared SQL: statements built once and run with fresh parameters, for the hot and bulk paths.

peewee builds the SQL text of a query every time it runs it; for the grade commit on Enter and
for a batch of 100,000 rows that costs more than the database's own work (measured: a grade
commit took 0.6 ms, 0.1 ms of it in SQLite). This module is the only one that hands rows to the
driver's ``executemany`` or keeps compiled statements; it writes nothing to the audit log itself:
callers pair it with :mod:`baktui.data.audit` inside the same ``write_transaction``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar

import peewee as pw

from baktui.data.db import current_database


def insert_sql(model: type[pw.Model], fields: Sequence[str]) -> str:
    """INSERT of those fields (model field names) with the database's placeholders."""
    db = current_database()
    columns = ", ".join(f'"{model._meta.fields[f].column_name}"' for f in fields)
    return (
        f'INSERT INTO "{model._meta.table_name}" ({columns}) '
        f"VALUES ({', '.join([db.param] * len(fields))})"
    )


def update_sql(model: type[pw.Model], fields: Sequence[str], *, bump_version: bool = False) -> str:
    """UPDATE of those fields by primary key (the key is the last parameter); ``bump_version``
    also adds one to the record's ``version`` (records people edit, optimistic-locked)."""
    db = current_database()
    columns = ", ".join(f'"{model._meta.fields[f].column_name}" = {db.param}' for f in fields)
    if bump_version:
        columns += ', "version" = "version" + 1'
    key = model._meta.primary_key.column_name
    return f'UPDATE "{model._meta.table_name}" SET {columns} WHERE "{key}" = {db.param}'


def executemany(sql: str, rows: Iterable[Sequence[Any]]) -> None:
    """Run one prepared statement for every row (nothing when there is no row)."""
    if not isinstance(rows, Sequence):
        rows = list(rows)
    if rows:
        current_database().cursor().executemany(sql, rows)


def fetch(query: pw.Query) -> list[tuple[Any, ...]]:
    """Rows of a peewee query as plain tuples, without peewee's per-row conversions.

    Only for queries selecting integers and text, which the driver returns as Python values.
    """
    sql, params = query.sql()
    return current_database().execute_sql(sql, params).fetchall()


def in_values(column: pw.Node, values: Sequence[Any]) -> pw.Node:
    """``column IN (…)`` of plain values (ints, text), the parameters handed to the driver as
    they are: peewee's ``.in_()`` converts and wraps each value, which for an incremental
    deliberation's 5 000 ids cost more than running the queries (0.46 s of 2.4 s)."""
    if not values:
        return pw.SQL("1 = 0")
    marks = ", ".join([current_database().param] * len(values))
    return pw.NodeList((column, pw.SQL(f"IN ({marks})", list(values))))


IN_CHUNK = 900  # values per "IN (…)" of fetch_in: under every engine's limit of parameters


def fetch_in(
    text: str, values: Sequence[Any], *params: Any, chunk: int = IN_CHUNK
) -> list[tuple[Any, ...]]:
    """Rows of a hand-written SELECT whose ``{in}`` is an ``IN (…)`` of ``values``, run by
    chunks; ``params`` come first (``{p}`` marks them in ``text``). For the bulk readers of
    the imports: peewee builds a query of 900 parameters slower than the engine runs it (and
    the rows are fetched all at once: a generator's step per row cost more than the query)."""
    db = current_database()
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(values), chunk):
        part = list(values[start : start + chunk])
        marks = "(" + ", ".join([db.param] * len(part)) + ")"
        cursor = db.execute_sql(text.format(p=db.param, **{"in": marks}), [*params, *part])
        rows.extend(cursor.fetchall())
    return rows


class Prepared:
    """A peewee query turned into SQL once per database, then run with fresh parameters.

    The query is built once with marker parameters (``pw.Value`` nodes skip the field
    converters), so the SQL keeps peewee's dialect and quoting; :meth:`run` only substitutes
    the values. Get one with :meth:`get`, keyed by a name unique to the statement.
    """

    _cache: ClassVar[dict[tuple[int, str], Prepared]] = {}

    def __init__(self, db: pw.Database, query: pw.Query, names: Sequence[str]) -> None:
        self.db = db
        self.sql, params = db.get_sql_context().sql(query).query()
        markers = {f"\x00{name}\x00": name for name in names}
        self.slots = [(markers.get(p) if isinstance(p, str) else None, p) for p in params]

    @classmethod
    def get(
        cls,
        key: str,
        build: Callable[[Mapping[str, pw.Value]], pw.Query],
        names: Sequence[str],
    ) -> Prepared:
        """The statement ``build`` makes from markers named ``names``, for the current database."""
        db = current_database()
        found = cls._cache.get((id(db), key))
        if found is None or found.db is not db:
            marks = {name: pw.Value(f"\x00{name}\x00", unpack=False) for name in names}
            found = cls(db, build(marks), names)
            cls._cache[(id(db), key)] = found
        return found

    def run(self, **values: Any) -> Any:
        """Execute once; returns the driver's cursor (``rowcount``, ``lastrowid``)."""
        params = [values[name] if name is not None else value for name, value in self.slots]
        return self.db.execute_sql(self.sql, params)

    def run_many(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Execute once per row (executemany: bulk inserts of a batch operation)."""
        slots = self.slots
        executemany(
            self.sql,
            [[row[name] if name is not None else value for name, value in slots] for row in rows],
        )
