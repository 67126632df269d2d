"""Bulk writes for the batch services (imports, deliberation of a whole session).

peewee builds the SQL text of every row of an ``insert_many``; at 100,000 rows that costs more
than SQLite's own work. These helpers prepare one statement and hand the rows to the driver's
``executemany``. They write nothing to the audit log themselves: callers pair them with
``audit.log_many`` inside the same ``write_transaction``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import peewee as pw

from baktui.data.audit import to_text
from baktui.data.db import current_database


def insert_sql(model: type[pw.Model], fields: Sequence[str]) -> str:
    """INSERT of those fields (model field names) with the database's placeholders."""
    db = current_database()
    columns = ", ".join(f'"{model._meta.fields[f].column_name}"' for f in fields)
    return (
        f'INSERT INTO "{model._meta.table_name}" ({columns}) '
        f"VALUES ({', '.join([db.param] * len(fields))})"
    )


def update_sql(model: type[pw.Model], fields: Sequence[str]) -> str:
    """UPDATE of those fields by primary key (the key is the last parameter)."""
    db = current_database()
    columns = ", ".join(f'"{model._meta.fields[f].column_name}" = {db.param}' for f in fields)
    key = model._meta.primary_key.column_name
    return f'UPDATE "{model._meta.table_name}" SET {columns} WHERE "{key}" = {db.param}'


def executemany(sql: str, rows: Sequence[Sequence[Any]]) -> None:
    """Run one prepared statement for every row (nothing when there is no row)."""
    if rows:
        current_database().cursor().executemany(sql, rows)


def fetch(query: pw.Query) -> list[tuple[Any, ...]]:
    """Rows of a peewee query as plain tuples, without peewee's per-row conversions.

    Only for queries selecting integers and text, which the driver returns as Python values.
    """
    sql, params = query.sql()
    return current_database().execute_sql(sql, params).fetchall()


def create_text(model: type[pw.Model], values: Mapping[str, Any]) -> str:
    """The "after" text ``audit.create`` writes for a new record: "field=value; …" in model order,
    empty values, id and version left out."""
    parts = []
    for name in model._meta.fields:
        if name in ("id", "version") or name.endswith("_json") or name not in values:
            continue
        text = to_text(values[name])
        if text not in (None, ""):
            parts.append(f"{name}={text}")
    return "; ".join(parts)
