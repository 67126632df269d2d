"""The demo's bulk-table writer: rows of one model gathered in memory, written in one executemany.

The demo writes a few hundred thousand rows with explicit ids; going through peewee's
``insert_many`` would build the SQL text again for every chunk, so each :class:`Table` builds its
INSERT once, with the model's constant defaults written into the statement (peewee keeps defaults
in Python, not in the schema) and only the given columns bound per row. The rows go to the driver
through :func:`baktui.data.sql.executemany`, the one module allowed to do so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import peewee as pw

from baktui.data import sql


class Table:
    """Rows for one model, written with executemany: given columns + the model's constant defaults.

    ``fixed`` overrides the default of a column left out of ``fields`` (a constant of every row).
    """

    def __init__(
        self, model: type[pw.Model], fields: Sequence[str], fixed: dict[str, Any] | None = None
    ) -> None:
        meta = model._meta
        fixed = dict(fixed or {})
        columns = [meta.fields[name].column_name for name in fields]
        values = ["?"] * len(columns)
        for name, fld in meta.fields.items():
            if name in fields or isinstance(fld, pw.AutoField):
                continue
            if name in fixed:
                constant = fixed[name]
            else:
                constant = fld.default() if callable(fld.default) else fld.default
                if constant is None:
                    if not fld.null:
                        raise ValueError(f"{model.__name__}.{name} : valeur requise")
                    continue
            columns.append(fld.column_name)
            values.append(sql_literal(fld.db_value(constant)))
        self.model = model
        self.sql = 'INSERT INTO "{}" ({}) VALUES ({})'.format(
            meta.table_name, ", ".join(f'"{c}"' for c in columns), ", ".join(values)
        )
        self.rows: list[Sequence[Any]] = []
        self.count = 0

    def flush(self) -> None:
        """Write the gathered rows (in the caller's transaction) and forget them."""
        if not self.rows:
            return
        sql.executemany(self.sql, self.rows)
        self.count += len(self.rows)
        self.rows = []


def sql_literal(value: Any) -> str:
    """A constant column value written into the INSERT statement (not bound per row)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool | int):
        return str(int(value))
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"constante non prise en charge : {value!r}")
