"""What the imports of reference data share (établissements, centres, salles).

Each line is parsed into the values of one record, keyed (UAI, or centre and room name); the
writes then go through :func:`save_records`: new keys are created in bulk, a known key
with a changed value updated (``audit.update``, before and after), an identical line left alone
("inchangé", no audit entry).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any

from baktui.data import audit
from baktui.data.models import BaseModel, Commune
from baktui.rules.identifiers import fold
from baktui.services.imports.common import LineCheck, apply_changes, bulk_create
from baktui.services.imports.report import ImportReport, LineIssue
from baktui.services.imports.tabular import Table

# (folded name, postcode) of a commune: how a file's commune is matched
CommuneKey = tuple[str, str]


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

    def resolve_lines(
        self,
        report: ImportReport,
        parsed: Iterable[tuple[int, Hashable, dict[str, Any]]],
        reason: str,
    ) -> list[tuple[Hashable, dict[str, Any]]]:
        """(key, values) of each parsed line, its ``_commune`` (name, postcode) replaced by the
        commune's id (call inside the write transaction)."""
        lines = []
        for line, key, values in parsed:
            name, postcode = values.pop("_commune")
            values["commune"] = self.resolve(report, line, name, postcode, reason)
            lines.append((key, values))
        return lines


def save_records(
    report: ImportReport,
    model: type[BaseModel],
    lines: Iterable[tuple[Hashable, dict[str, Any]]],
    existing: Mapping[Hashable, BaseModel],
    reason: str,
) -> None:
    """Create the new keys (in bulk: :func:`~baktui.services.imports.common.bulk_create`),
    update the changed records, count the unchanged ones (call inside the write transaction)."""
    new: list[dict[str, Any]] = []
    for key, values in lines:
        current = existing.get(key)
        if current is None:
            new.append(values)
        elif apply_changes(current, values, reason):
            report.updated += 1
        else:
            report.unchanged += 1
    report.created += len(bulk_create(model, new, reason))


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
