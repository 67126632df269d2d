"""Helpers the reference-data imports share (établissements, centres, salles, examiners,
juries, calendar).

Each line is checked by a :class:`LineCheck` (refusals named by column, the value quoted once);
keys seen twice in the file are refused through :class:`FirstLines`; the writes go through
:func:`bulk_create` (one prepared INSERT and one audit batch for any number of new rows) and
:func:`apply_changes` (``audit.update``: each changed field logged with before and after).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from baktui.data import audit, sql
from baktui.data.models import BaseModel
from baktui.rules.identifiers import postcode_error, uai_error
from baktui.rules.text import text_error
from baktui.rules.words import clean_spaces, yes_no
from baktui.services.imports.report import ImportReport, LineIssue, open_table, tidy_reason
from baktui.services.imports.tabular import Row, Table

_CODES_SPLIT = re.compile(r"[\s,;]+")
L = TypeVar("L")


def read_lines(
    report: ImportReport,
    table: Table | None,
    parse: Callable[[Row], tuple[L, list[LineIssue]]],
) -> list[L] | None:
    """Every line parsed (before any write); None when the file or one line is refused."""
    if table is None:
        return None
    lines = []
    for row in table.rows:
        line, errors = parse(row)
        report.errors.extend(errors)
        lines.append(line)
    return None if report.errors else lines


def start(
    kind: str, path: Path | str, required: Sequence[str], optional: Sequence[str],
    aliases: Mapping[str, str],
) -> tuple[ImportReport, Table | None]:  # fmt: skip
    """The report of an import and its table (None when the file is refused)."""
    path = Path(path)
    report = ImportReport(kind, path.name)
    return report, open_table(report, path, required, optional, aliases)


def form_table(values: Mapping[str, str]) -> Table:
    """A one-line table of a form's values (keys: the import's columns), so that a record typed
    on screen is checked by the import's own line parser, with the same messages."""
    return Table(
        path=Path("formulaire"),
        keys=tuple(values),
        headers={key: key for key in values},
        rows=(Row(1, dict(values)),),
    )


class LineCheck:
    """The refusals of one line, each naming the column as the file writes it."""

    def __init__(self, table: Table, row: Row) -> None:
        self.table = table
        self.row = row
        self.errors: list[LineIssue] = []

    def refuse(self, column: str, reason: str) -> None:
        value = self.row.get(column)
        shown = self.table.headers.get(column, column)
        self.errors.append(LineIssue(self.row.line, shown, value, tidy_reason(reason, value)))

    def present(self, column: str) -> bool:
        return column in self.table.headers

    def positive_int(self, column: str, what: str, maximum: int | None = None) -> int | None:
        """The cell as a positive integer (refused otherwise); None when refused."""
        text = self.row.get(column).replace(" ", "")
        if not text:
            self.refuse(column, f"{what} obligatoire")
            return None
        if not text.isascii() or not text.isdigit() or int(text) <= 0:
            self.refuse(column, f"{what} : entier positif attendu")
            return None
        if maximum is not None and int(text) > maximum:
            self.refuse(column, f"{what} : entre 1 et {maximum}")
            return None
        return int(text)

    def uai(self, column: str = "uai") -> str:
        """The UAI of the column, upper case without spaces; "" (refused) when not valid."""
        uai = self.row.get(column).upper().replace(" ", "")
        if not uai:
            self.refuse(column, "UAI obligatoire")
            return ""
        message = uai_error(uai)
        if message:
            self.refuse(column, message)
            return ""
        return uai

    def text(
        self, column: str, what: str = "", *, check: Callable[[str], str | None] = text_error
    ) -> str:
        """The cell, spaces collapsed; refused when empty (with ``what``, required) or not safe."""
        value = clean_spaces(self.row.get(column))
        if not value and what:
            self.refuse(column, f"{what} obligatoire")
        elif value and (message := check(value)):
            self.refuse(column, message)
        return value

    def postcode(self, column: str = "code_postal") -> str:
        value = self.row.get(column).replace(" ", "")
        if value and (message := postcode_error(value)):
            self.refuse(column, message)
        return value

    def yes_no(self, column: str) -> bool:
        answer = yes_no(self.row.get(column))
        if answer is None:
            self.refuse(column, "oui ou non attendu")
        return bool(answer)


def split_codes(text: str) -> list[str]:
    """ "phi, sp1 FRE" -> ["PHI", "SP1", "FRE"]: codes separated by commas or spaces, once each."""
    return list(dict.fromkeys(c.upper() for c in _CODES_SPLIT.split(text) if c))


class FirstLines:
    """The file line where each key was first seen: a key seen again is refused."""

    def __init__(self) -> None:
        self.lines: dict[Hashable, int] = {}

    def check(self, check: LineCheck, key: Hashable, column: str, what: str) -> None:
        first = self.lines.setdefault(key, check.row.line)
        if first != check.row.line:
            check.refuse(column, f"{what} déjà présent ligne {first} du fichier")


def count(report: ImportReport, changed: bool) -> None:
    if changed:
        report.updated += 1
    else:
        report.unchanged += 1


def bulk_create(
    model: type[BaseModel], records: Sequence[Mapping[str, Any]], reason: str
) -> list[int]:
    """Insert the records (one prepared statement) and their 'create' audit entries (one batch);
    their ids, in order. Call inside the write transaction."""
    if not records:
        return []
    fields = [name for name in model._meta.fields if name != "id"]
    rows = []
    for record in records:
        values = []
        for name in fields:
            field = model._meta.fields[name]
            if name in record:
                value = record[name]
            else:
                value = field.default() if callable(field.default) else field.default
            values.append(
                value.isoformat() if isinstance(value, dt.date) else field.db_value(value)
            )
        rows.append(values)
    key = model._meta.primary_key
    last = model.select(key).order_by(key.desc()).limit(1).scalar() or 0
    sql.executemany(sql.insert_sql(model, fields), rows)
    ids = [pk for (pk,) in sql.fetch(model.select(key).where(key > last).order_by(key))]
    audit.log_many(
        {
            "action": "create",
            "entity": model._meta.table_name,
            "entity_id": pk,
            "after": audit.record_text(model, record),
            "reason": reason,
        }
        for pk, record in zip(ids, records, strict=True)
    )
    return ids


def changes_of(current: BaseModel, values: Mapping[str, Any]) -> dict[str, Any]:
    """The values that differ from the record's (foreign keys compared by id)."""
    model = type(current)
    out = {}
    for name, value in values.items():
        field = model._meta.fields[name]
        attribute = field.column_name if hasattr(field, "rel_model") else name
        if audit.to_text(getattr(current, attribute)) != audit.to_text(value):
            out[name] = value
    return out


def apply_changes(current: BaseModel, values: Mapping[str, Any], reason: str) -> bool:
    """Update the changed values through ``audit.update`` (before and after logged); whether
    anything changed. Call inside the write transaction."""
    changes = changes_of(current, values)
    if changes:
        audit.update(type(current), current.get_id(), changes, reason=reason)
    return bool(changes)
