"""What the imports of reference data share (établissements, centres, salles).

Each line is parsed into the values of one record, keyed (UAI, or centre and room name); the
writes then go through :func:`save_records`: a new key is created (``audit.create``), a known key
with a changed value updated (``audit.update``, before and after), an identical line left alone
("inchangé", no audit entry).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any

from baktui.data import audit
from baktui.data.models import BaseModel, Commune
from baktui.rules.identifiers import fold, postcode_error, uai_error
from baktui.rules.text import text_error
from baktui.rules.words import clean_spaces, yes_no
from baktui.services.imports.report import ImportReport, LineIssue, tidy_reason
from baktui.services.imports.tabular import Row, Table

# (folded name, postcode) of a commune: how a file's commune is matched
CommuneKey = tuple[str, str]


class LineCheck:
    """The refusals of one line: ``refuse(column, reason)`` quotes the cell as the file has it."""

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


def duplicate(
    check: LineCheck, key: Hashable, seen: dict[Hashable, int], column: str, what: str
) -> None:
    """Refuse a key already met on an earlier line of the file ("UAI déjà présent ligne 3…")."""
    if key in seen:
        check.refuse(column, f"{what} ligne {seen[key]} du fichier")
    else:
        seen[key] = check.row.line


def commune_key(name: str, postcode: str) -> CommuneKey:
    return fold(name), postcode


class Communes:
    """Communes by (folded name, postcode), found or created (audited) during the import.

    A line without a postcode takes the only commune of that name, if there is exactly one.
    """

    def __init__(self) -> None:
        self.ids: dict[CommuneKey, int] = {}
        by_name: dict[str, list[int]] = {}
        for pk, name, postcode in Commune.select(
            Commune.id, Commune.name, Commune.postcode
        ).tuples():
            key = commune_key(name, postcode or "")
            self.ids.setdefault(key, pk)
            by_name.setdefault(key[0], []).append(pk)
        self.by_name = {name: ids[0] for name, ids in by_name.items() if len(ids) == 1}

    def resolve(
        self, report: ImportReport, line: int, name: str, postcode: str, reason: str
    ) -> int:
        """The commune's id; a new commune is created and listed as a warning (call inside the
        write transaction)."""
        key = commune_key(name, postcode)
        if key in self.ids:
            return self.ids[key]
        if not postcode and key[0] in self.by_name:
            return self.by_name[key[0]]
        commune = audit.create(Commune, reason=reason, name=name, postcode=postcode)
        self.ids[key] = commune.id
        shown = f"{name} ({postcode})" if postcode else name
        report.warnings.append(LineIssue(line, "", "", f"commune « {shown} » créée"))
        return commune.id


def changes_of(current: BaseModel, values: Mapping[str, Any]) -> dict[str, Any]:
    """The values that differ from the record (foreign keys compared on their ids)."""
    changed = {}
    for name, value in values.items():
        field = current._meta.fields[name]
        old = getattr(current, field.column_name)
        if audit.to_text(old) != audit.to_text(value):
            changed[name] = value
    return changed


def save_records(
    report: ImportReport,
    model: type[BaseModel],
    lines: Iterable[tuple[Hashable, dict[str, Any]]],
    existing: Mapping[Hashable, BaseModel],
    reason: str,
) -> None:
    """Create the new keys, update the changed records, count the unchanged ones (call inside
    the write transaction)."""
    for key, values in lines:
        current = existing.get(key)
        if current is None:
            audit.create(model, reason=reason, **values)
            report.created += 1
            continue
        changed = changes_of(current, values)
        if changed:
            audit.update(model, current.get_id(), changed, reason=reason)
            report.updated += 1
        else:
            report.unchanged += 1


def check_all(
    report: ImportReport,
    table: Table,
    parse: Callable[[LineCheck], tuple[Hashable, dict[str, Any]] | None],
) -> list[tuple[int, Hashable, dict[str, Any]]]:
    """Parse every line (refusals into the report): (file line, key, values) of each line."""
    parsed: list[tuple[int, Hashable, dict[str, Any]]] = []
    for row in table.rows:
        check = LineCheck(table, row)
        result = parse(check)
        report.errors.extend(check.errors)
        if result is not None:
            parsed.append((row.line, *result))
    return parsed


def cells(table: Table, column: str) -> Sequence[str]:
    """Every value of a column, upper case without spaces (UAIs to look up)."""
    return sorted({row.get(column).upper().replace(" ", "") for row in table.rows} - {""})
